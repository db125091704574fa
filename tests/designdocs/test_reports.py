"""The site's one reader reads each report through its model; a planted change of shape fails.

The committed reports are the files the pipeline wrote: the model accepts each one exactly
(dumping it again gives the same bytes), and a copy changed in one place (an unknown key, a
missing key, a value of another type) is refused by the reader with one line naming the file
and the field.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bankchurn.report_files import to_json
from bankchurn.settings import settings
from designdocs.reports import REPORT_FILES, REPORT_MODELS, Reports, SiteDataError

COMMITTED = settings().root / "reports"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(REPORT_MODELS))
def test_each_committed_report_is_exactly_its_models_shape(name: str) -> None:
    path = COMMITTED / REPORT_FILES[name]
    data = _json(path)
    dumped = REPORT_MODELS[name].model_validate(data).model_dump(mode="json", exclude_unset=True)
    assert dumped == data
    if name != "bench":  # benchmarks are written by bankchurn.benchmarks (indent, no rounding)
        assert to_json(dumped) == path.read_text(encoding="utf-8")


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[int(key)] if isinstance(data, list) else data[key]
    if value is DELETE:
        del data[last]
    elif isinstance(data, list):
        data[int(last)] = value
    else:
        data[last] = value


DELETE = object()

#: Per report: (a key path, the planted value or DELETE, the field the error names, the rule).
PLANTED: list[tuple[str, str, Any, str, str]] = [
    ("data", "row_count", 10, "row_count", "Extra inputs are not permitted"),
    ("data", "churn_rate", DELETE, "churn_rate", "Field required"),
    ("data", "monthly.0.n", "many", "monthly.0.n", "valid integer"),
    ("data", "churn_by_group.Gender.Male.rate", 0.2, "churn_by_group.Gender.Male.rate", "Extra"),
    ("target", "roc", 0.9, "roc", "Extra inputs are not permitted"),
    ("target", "roc_auc", "high", "roc_auc", "valid integer or Input should be a valid number"),
    ("target", "split.kind", "random", "split.kind", "'temporal' or 'stratified'"),
    ("target", "operating_point.k", DELETE, "operating_point.k", "Field required"),
    ("baseline", "coefficients.0.weight", 1.0, "coefficients.0.weight", "Extra"),
    ("selection", "candidates.xgboost.n_trials", "12", "candidates.xgboost.n_trials", "integer"),
    ("selection", "chosen", DELETE, "chosen", "Field required"),
    ("canvas", "model.roc_auc.op", ">", "model.roc_auc.op", "Extra inputs are not permitted"),
    ("monitoring", "model_version", DELETE, "model_version", "Field required"),
    # Deep blocks, typed down to their leaves.
    ("target", "business.goal.target", 1.0, "business.goal.target", "Extra"),
    ("target", "business.at_capacity.contacted", 2.5, "business.at_capacity.contacted", "integer"),
    (
        "target",
        "business.parameters.history_years.value",
        "2",
        "business.parameters.history_years.value",
        "number",
    ),
    (
        "target",
        "business.value_curve.0.threshold",
        DELETE,
        "business.value_curve.0.threshold",
        "required",
    ),
    (
        "target",
        "business.sensitivity.capacities",
        {},
        "business.sensitivity.capacities",
        "valid list",
    ),
    ("baseline", "fairness.Gender.groups.Male.n", "1386", "fairness.Gender.groups.Male.n", "int"),
    ("target", "fairness.Gender.gaps.auc", 0.1, "fairness.Gender.gaps.auc", "Extra"),
    ("target", "curves.roc.fpr", DELETE, "curves.roc.fpr", "Field required"),
    ("target", "curves.pr.recall.0", "0", "curves.pr.recall.0", "valid number"),
    ("target", "calibration.after.bins.0.rate", 0.1, "calibration.after.bins.0.rate", "Extra"),
    ("target", "calibration.before.bins.0.n", DELETE, "calibration.before.bins.0.n", "required"),
    (
        "selection",
        "candidates.lightgbm.trials.0.cv_roc_auc",
        DELETE,
        "candidates.lightgbm.trials.0.cv_roc_auc",
        "required",
    ),
    (
        "selection",
        "candidates.xgboost.trials.0.value",
        0.8,
        "candidates.xgboost.trials.0.value",
        "Extra",
    ),
    ("selection", "budget.sampler", 3, "budget.sampler", "valid string"),
    ("selection", "budget.n_trials", DELETE, "budget.n_trials", "Field required"),
    ("canvas", "scenarios.probability_half.lift", "high", "scenarios.probability_half.lift", "num"),
    ("monitoring", "reference.n", "7500", "reference.n", "valid integer"),
    ("monitoring", "reference.source", "crm", "reference.source", "Extra"),
    ("monitoring", "months.0.n", "417", "months.0.n", "valid integer"),
    ("monitoring", "months.0.estimated.roc_auc", "0.8", "months.0.estimated.roc_auc", "number"),
    ("monitoring", "methods.ks.threshold", "0.05", "methods.ks.threshold", "valid number"),
    ("bench", "speed", {}, "speed", "Extra inputs are not permitted"),
    ("bench", "api", [], "api", "valid dictionary"),
    # Each benchmark section, typed to its leaves.
    ("bench", "api.single_p99_ms", "fast", "api.single_p99_ms", "valid number"),
    ("bench", "api.at_100rps_p99", 3.0, "api.at_100rps_p99", "Extra inputs are not permitted"),
    ("bench", "api.throughput_rps", DELETE, "api.throughput_rps", "Field required"),
    ("bench", "training.target.train_wall_s", "5", "training.target.train_wall_s", "number"),
    ("bench", "training.reference.auc", 0.9, "training.reference.auc", "Extra"),
    ("bench", "targets.0.op", "=<", "targets.0.op", "Input should be"),
    ("bench", "api_targets.0.measured", DELETE, "api_targets.0.measured", "Field required"),
    ("bench", "batch.0.rows", "many", "batch.0.rows", "valid integer"),
    ("bench", "image.size_mb", DELETE, "image.size_mb", "Field required"),
    (
        "bench",
        "image_start_profile.import pandas.cpu",
        1.0,
        "image_start_profile.import pandas.cpu",
        "Extra",
    ),
    ("bench", "request_profile.model.median_us", None, "request_profile.model.median_us", "num"),
    ("bench", "api_soak.responses_5xx", 0.5, "api_soak.responses_5xx", "valid integer"),
    ("bench", "scoring.what", DELETE, "scoring.what", "Field required"),
    ("bench", "startup.runs", "5", "startup.runs", "valid integer"),
    ("bench", "tracking.store", None, "tracking.store", "valid string"),
    ("bench", "commands.load", 1.0, "commands.load", "Extra"),
    ("bench", "machine.cpu_count", "2", "machine.cpu_count", "valid integer"),
    ("bench", "provenance.script", DELETE, "provenance.script", "Field required"),
    (
        "bench",
        "request_profile_run.calls_per_stage",
        1.5,
        "request_profile_run.calls_per_stage",
        "integer",
    ),
]


@pytest.mark.parametrize(("name", "where", "value", "field", "rule"), PLANTED)
def test_a_planted_shape_change_fails_the_reader(
    tmp_path: Path, name: str, where: str, value: Any, field: str, rule: str
) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(COMMITTED, reports)
    assert Reports(reports).get(name).model is not None  # the unchanged copy reads
    path = reports / REPORT_FILES[name]
    data = _json(path)
    _set(data, where, value)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SiteDataError) as err:
        Reports(reports).get(name)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path.as_posix()}: {field}: "), message
    assert rule in message, message
