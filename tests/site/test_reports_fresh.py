"""The committed reports are what the code produces: regenerate them from a clean state and compare.

One real ``dvc repro`` (every stage of dvc.yaml, params.yaml's parameters, exactly as
``make reports``) in a fresh copy of the repository, shared with tests/pipeline. ``benchmarks.json``
is an INPUT of ``canvas_status.json`` (the system tier) and is not regenerated (timings are not
deterministic): the committed copy is the report stage's input.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from designdocs.checks.drift import ROOT, first_difference, report_differences

COMMITTED = ROOT / "reports"
HINT = "run `make reports` and commit reports/"


pytestmark = pytest.mark.xdist_group("pipeline")  # shares the one pipeline run


@pytest.fixture(scope="module")
def fresh_reports(fresh_pipeline) -> Path:
    """Reports written by ``dvc repro`` in a fresh copy of the repository (``make reports``)."""
    copy, output = fresh_pipeline
    for stage in ("extract", "validate", "train_baseline", "train_target", "report", "monitor"):
        assert f"Running stage '{stage}'" in output, output
    return copy.root / "reports"


def test_committed_reports_match_a_fresh_run(fresh_reports: Path) -> None:
    problems = report_differences(COMMITTED, fresh_reports)
    assert not problems, "\n".join(problems) + f"\nThe committed reports are stale: {HINT}."


def test_the_comparison_fails_on_a_doctored_report(fresh_reports: Path, tmp_path: Path) -> None:
    """A committed copy that differs in one figure is reported with its file and key path."""
    doctored = tmp_path / "reports"
    shutil.copytree(fresh_reports, doctored)
    assert report_differences(doctored, fresh_reports) == []
    path = doctored / "target" / "metrics.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["business"]["at_capacity"]["net_usd_per_year"] = 999_999.0
    path.write_text(json.dumps(data, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    (doctored / "canvas_status.json").write_text(
        (doctored / "canvas_status.json").read_text(encoding="utf-8") + " ", encoding="utf-8"
    )
    (doctored / "data_profile.json").unlink()
    problems = report_differences(doctored, fresh_reports)
    assert any(
        p.startswith("reports/target/metrics.json") and "business.at_capacity.net_usd_per_year" in p
        for p in problems
    ), problems
    assert any("canvas_status.json" in p and "formatting only" in p for p in problems), problems
    assert any("data_profile.json" in p and "not committed" in p for p in problems), problems


@pytest.mark.parametrize(
    ("a", "b", "where"),
    [
        ({"x": {"y": [1, 2]}}, {"x": {"y": [1, 3]}}, "x.y.1"),
        ({"x": 1}, {"x": 1, "z": 2}, "z"),
        ({"x": [1]}, {"x": [1, 2]}, "x (length"),
        ({"x": 1}, {"x": 1.0}, "x"),
    ],
)
def test_first_difference_names_the_key_path(a: object, b: object, where: str) -> None:
    found = first_difference(a, b)
    assert found is not None
    assert found.startswith(where), found
    assert first_difference(a, a) is None
