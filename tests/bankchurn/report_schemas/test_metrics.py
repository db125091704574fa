"""The metrics models: a training run's test metrics and an evaluation share every score block."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from bankchurn.report_schemas.base import one_line
from bankchurn.report_schemas.metrics import (
    AllRows,
    EvaluatedSplit,
    Evaluation,
    ScoreMetrics,
    TrainingMetrics,
)
from bankchurn.settings import settings


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    path = settings().root / "reports" / "target" / "metrics.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _evaluation(metrics: dict[str, Any], split: dict[str, Any]) -> dict[str, Any]:
    scores = {k: v for k, v in metrics.items() if k in ScoreMetrics.model_fields}
    provenance = {
        "data_source": "synthetic",
        "data_sha256": None,
        "file": None,
        "package_version": metrics["provenance"]["package_version"],
        "model_trained_on_sha256": None,
    }
    return {
        **scores,
        "model": "target",
        "model_version": metrics["model_version"],
        "candidate": metrics["candidate"],
        "split": split,
        "provenance": provenance,
    }


def test_an_evaluation_scores_the_models_own_test_rows_or_every_unseen_row(
    committed: dict[str, Any],
) -> None:
    own = {**committed["split"], "evaluated_rows": "test part of the training split"}
    assert isinstance(Evaluation.model_validate(_evaluation(committed, own)).split, EvaluatedSplit)
    every = {"kind": "all_rows", "n": 10, "test_months": None, "evaluated_rows": "all rows"}
    assert isinstance(Evaluation.model_validate(_evaluation(committed, every)).split, AllRows)
    with pytest.raises(ValidationError):
        Evaluation.model_validate(_evaluation(committed, {**every, "kind": "some_rows"}))


def test_a_training_run_is_the_baseline_or_the_target(committed: dict[str, Any]) -> None:
    assert TrainingMetrics.model_validate(committed).to_json() == committed
    with pytest.raises(ValidationError) as err:
        TrainingMetrics.model_validate({**committed, "model": "challenger"})
    assert one_line(err.value) == "model: Input should be 'baseline' or 'target'"
