"""The report stage: the canvas status and the model selection, from the train stages' files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bankchurn.errors import UserError
from bankchurn.report_files import to_json
from bankchurn.report_stage import canvas_status, read_benchmarks, selection_report, summarize
from bankchurn.settings import settings

REPORTS = settings().root / "reports"
MODELS = settings().root / "models"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def metrics() -> dict[str, dict[str, Any]]:
    return {name: _json(REPORTS / name / "metrics.json") for name in ("baseline", "target")}


def test_the_committed_canvas_status_is_computed_from_the_metrics(metrics) -> None:
    bench = read_benchmarks(REPORTS / "benchmarks.json")
    status = canvas_status(metrics["baseline"], metrics["target"], bench)
    assert to_json(status) == (REPORTS / "canvas_status.json").read_text(encoding="utf-8")


def test_the_committed_selection_is_assembled_from_the_records(metrics) -> None:
    if not all((MODELS / f"{n}.training.json").is_file() for n in ("baseline", "target")):
        pytest.skip("models/*.training.json missing: run `make reports`")
    records = {n: _json(MODELS / f"{n}.training.json") for n in ("baseline", "target")}
    selection = selection_report(
        metrics["target"], records["target"], metrics["baseline"], records["baseline"]
    )
    assert to_json(selection) == (REPORTS / "model_selection.json").read_text(encoding="utf-8")


def test_without_benchmarks_the_system_tier_is_not_measured(metrics) -> None:
    status = canvas_status(metrics["baseline"], metrics["target"], None)
    assert {item["status"] for item in status["system"].values()} == {"not measured here"}
    assert status["verdict"]["not_measured"] == len(status["system"])


def test_a_measured_value_is_judged_by_its_declared_comparison(metrics) -> None:
    target = copy.deepcopy(metrics["target"])
    target["roc_auc"] = 0.0
    item = canvas_status(metrics["baseline"], target)["model"]["roc_auc"]
    assert item["status"] == "miss"
    target["roc_auc"] = 1.0
    assert canvas_status(metrics["baseline"], target)["model"]["roc_auc"]["status"] == "pass"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the benchmark report"),
        ("{", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"speed": {}}', "speed: Extra inputs are not permitted"),
    ],
)
def test_a_bad_benchmark_report_is_one_line(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "benchmarks.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message) as err:
        read_benchmarks(path)
    assert str(err.value).startswith(f"{path}: ")
    assert "\n" not in str(err.value)


def test_the_summary_needs_the_train_stages_outputs(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"baseline/metrics\.json: missing; train the baseline"):
        summarize(tmp_path / "reports", tmp_path / "models")
    assert not (tmp_path / "reports").exists()
