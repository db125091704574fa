"""The reports the site reads: keys, sanity, and byte-identical output for the same seed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bankchurn.candidates import TARGET_CANDIDATES
from bankchurn.errors import UserError
from bankchurn.report_files import to_json
from bankchurn.report_stage import summarize
from bankchurn.reporting import write_reports
from bankchurn.settings import settings
from bankchurn.training import train_both
from bankchurn.tuning import FAST_BUDGET

REPORTS = (
    "data_profile.json",
    "baseline/metrics.json",
    "target/metrics.json",
    "model_selection.json",
    "canvas_status.json",
)
METRIC_KEYS = {
    "roc_auc",
    "roc_auc_ci",
    "pr_auc",
    "precision_at_10",
    "recall_at_10",
    "lift_at_10",
    "operating_point",
    "scenarios",
    "evaluated_rows",
    "brier",
    "calibration",
    "bayes_optimal_roc_auc",
    "split",
    "business",
    "fairness",
    "importance",
    "params",
    "provenance",
}


def _load(root: Path, name: str) -> dict:
    return json.loads((root / name).read_text(encoding="utf-8"))


def test_reports_have_the_documented_keys(small_report: Path) -> None:
    for name in ("baseline/metrics.json", "target/metrics.json"):
        m = _load(small_report, name)
        assert METRIC_KEYS <= set(m), METRIC_KEYS - set(m)
        assert m["split"]["kind"] == "temporal"
        assert m["roc_auc_ci"][0] <= m["roc_auc"] <= m["roc_auc_ci"][1]
        assert 0.5 < m["roc_auc"] <= m["bayes_optimal_roc_auc"] + 0.05
        assert set(m["fairness"]) == {"Geography", "Gender"}
        assert {"data_source", "data_sha256", "artifact", "package_version"} <= set(m["provenance"])
        assert m["calibration"]["after"]["brier"] <= m["calibration"]["before"]["brier"]
    assert "coefficients" in _load(small_report, "baseline/metrics.json")
    profile = _load(small_report, "data_profile.json")
    assert len(profile["monthly"]) == 24
    assert profile["synthetic"] is True
    assert {
        "Geography",
        "Gender",
        "NumOfProducts",
        "IsActiveMember",
        "AgeBand",
        "BalanceZero",
    } <= set(profile["churn_by_group"])
    assert 0 < profile["null_fraction"] < 0.01
    selection = _load(small_report, "model_selection.json")
    assert selection["chosen"] in selection["candidates"]
    assert set(selection["candidates"]) == set(TARGET_CANDIDATES)
    canvas = _load(small_report, "canvas_status.json")
    assert canvas["system"]["uptime"]["status"] == "not measured here"
    assert canvas["model"]["roc_auc"]["status"] in ("pass", "miss")


def test_reports_are_rounded_sorted_and_free_of_identifiers(
    small_report: Path, small_extract
) -> None:
    for name in REPORTS:
        text = (small_report / name).read_text(encoding="utf-8")
        assert text == to_json(json.loads(text)), f"{name} is not in canonical form"
        assert "CustomerId" not in text
        assert "Surname" not in text
        key = small_extract.frame["CustomerKey"].iloc[0]
        assert key not in text


def test_same_seed_gives_identical_bytes(small_report: Path, small_extract, tmp_path: Path) -> None:
    runs = train_both(small_extract, seed=7, budget=FAST_BUDGET, n_bootstrap=50)
    write_reports(small_extract, runs, tmp_path, None, seed=7)
    for name in REPORTS:
        assert (tmp_path / name).read_bytes() == (small_report / name).read_bytes(), name


def test_the_summary_reads_benchmarks_only_when_given(small_report: Path, tmp_path: Path) -> None:
    """No report depends on another in a loop: benchmarks are an explicit input (ADR 0013).

    A ``benchmarks.json`` lying in the folder the summary is written to is not read; the same
    file given as ``benchmarks`` fills the system tier, and a missing one fails in one line.
    """
    out = tmp_path / "reports"
    shutil.copytree(small_report, out)
    committed = json.loads((settings().root / "reports" / "benchmarks.json").read_text("utf-8"))
    bench = {"api": {**committed["api"], "latency_p99_ms": 12.5, "throughput_rps": 900.0}}
    (out / "benchmarks.json").write_text(json.dumps(bench), encoding="utf-8")
    summarize(out, out / "models")
    system = _load(out, "canvas_status.json")["system"]
    assert system["latency_p99_ms"]["measured"] is None
    summarize(out, out / "models", out / "benchmarks.json")
    system = _load(out, "canvas_status.json")["system"]
    assert system["latency_p99_ms"]["measured"] == 12.5
    assert system["throughput_rps"]["measured"] == 900.0
    with pytest.raises(UserError, match=r"nowhere\.json: cannot read the benchmark report"):
        summarize(out, out / "models", tmp_path / "nowhere.json")
    # Read through its model: a file of another shape is refused in one line.
    (out / "benchmarks.json").write_text(
        json.dumps({"api": {**committed["api"], "p99": 1.0}}), encoding="utf-8"
    )
    with pytest.raises(UserError, match=r"benchmarks\.json: api\.p99: Extra inputs"):
        summarize(out, out / "models", out / "benchmarks.json")
