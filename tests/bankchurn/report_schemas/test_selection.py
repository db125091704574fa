"""The selection models: the training records and the model selection written from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bankchurn.report_files import to_json, write_report
from bankchurn.report_schemas.base import conform
from bankchurn.report_schemas.selection import (
    ModelSelection,
    NoSelection,
    Selection,
    TrainingRecord,
)
from bankchurn.settings import settings

RECORDS = settings().root / "models"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_writer_cannot_write_another_shape(tmp_path: Path) -> None:
    data = _json(settings().root / "reports" / "model_selection.json")
    data["winner"] = data.pop("chosen")
    with pytest.raises(ValueError, match="winner"):
        write_report(tmp_path / "model_selection.json", ModelSelection, data)
    assert not (tmp_path / "model_selection.json").exists()


@pytest.mark.parametrize(("name", "kind"), [("baseline", NoSelection), ("target", Selection)])
def test_training_records_are_their_models_shape(name: str, kind: type) -> None:
    path = RECORDS / f"{name}.training.json"
    if not path.is_file():
        pytest.skip(f"{path} missing: run `make reports`")
    assert to_json(conform(TrainingRecord, _json(path))) == path.read_text(encoding="utf-8")
    assert isinstance(TrainingRecord.model_validate(_json(path)).selection, kind)


def test_only_the_baseline_search_record_may_be_empty() -> None:
    with pytest.raises(ValueError, match="selections"):
        conform(TrainingRecord, {"selections": {}})
    target = _json(RECORDS / "target.training.json")
    del target["selection"]["budget"]["sampler"]
    with pytest.raises(ValueError, match=r"selection\.Selection\.budget\.sampler"):
        conform(TrainingRecord, target)
    with pytest.raises(ValueError, match="chosen"):
        conform(TrainingRecord, {"selection": {"chosen": "xgboost"}})
