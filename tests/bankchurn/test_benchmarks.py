"""The benchmark report's one read-modify-write and the one peak-memory measurement."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from bankchurn.benchmarks import Benchmarks, field_titles, merge_into, run_measured
from bankchurn.settings import settings


def test_merge_replaces_only_the_given_sections(tmp_path: Path) -> None:
    committed = json.loads((settings().root / "reports" / "benchmarks.json").read_text("utf-8"))
    api, tracking = committed["api"], committed["tracking"]
    out = tmp_path / "benchmarks.json"
    merge_into(out, {"api": api, "tracking": tracking})
    merge_into(out, {"tracking": {**tracking, "runs": 9}})
    assert json.loads(out.read_text()) == {"api": api, "tracking": {**tracking, "runs": 9}}


def test_merge_refuses_a_file_that_is_not_an_object(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.json"
    out.write_text("[1, 2]\n")
    with pytest.raises(SystemExit, match="is not a JSON object; not overwriting it"):
        merge_into(out, {"training": {}})
    assert out.read_text() == "[1, 2]\n"


def test_run_measured_reports_the_child_not_the_caller() -> None:
    """A child that allocates 200 MiB peaks above it; the wrapper's own footprint is far less."""
    grow = "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    big = run_measured([sys.executable, "-c", grow])
    small = run_measured([sys.executable, "-c", "pass"])
    assert big["rc"] == 0
    assert small["rc"] == 0
    assert big["peak_rss_mib"] > 200 > small["peak_rss_mib"]
    assert big["wall_s"] > 0


def test_run_measured_returns_the_exit_code_and_the_end_of_stderr() -> None:
    res = run_measured([sys.executable, "-c", "import sys; sys.exit('no such model')"])
    assert res["rc"] == 1
    assert res["err"] == "no such model"


def test_a_benchmark_section_of_no_model_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    committed = settings().root / "reports" / "benchmarks.json"
    out = tmp_path / "benchmarks.json"
    shutil.copy(committed, out)
    before = out.read_bytes()
    with pytest.raises(SystemExit, match=r"benchmarks\.json: speed: Extra inputs"):
        merge_into(out, {"speed": {"x": 1}})
    assert out.read_bytes() == before
    merge_into(out, {"api": json.loads(committed.read_text(encoding="utf-8"))["api"]})
    assert out.read_bytes() == before


def test_every_field_of_every_section_has_a_title() -> None:
    """Pages show a field's title, never its key: one missing title fails here first."""
    untitled = [
        f"{section}.{name}"
        for section, field in Benchmarks.model_fields.items()
        for name in _leaf_fields(field.annotation)
        if name not in field_titles(section)
    ]
    assert untitled == []
    assert all(f.title for f in Benchmarks.model_fields.values())
    assert field_titles("batch")["peak_rss_mib"] == "peak memory (MiB)"
    assert field_titles("training")["test_roc_auc"] == "ROC AUC on the test rows"


def test_a_field_without_a_title_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from bankchurn.benchmarks import BatchRun

    monkeypatch.setattr(BatchRun.model_fields["peak_rss_mib"], "title", None)
    assert "peak_rss_mib" not in field_titles("batch")


def _leaf_fields(kind: object) -> list[str]:
    """Names of the scalar fields of the records a section holds (parts of parts included)."""
    while get_args(kind):
        kind = next(a for a in reversed(get_args(kind)) if a is not type(None))
    if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        return []
    return [
        leaf
        for name, f in kind.model_fields.items()
        for leaf in (_leaf_fields(f.annotation) or [name])
    ]
