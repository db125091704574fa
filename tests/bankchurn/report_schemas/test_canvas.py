"""The canvas status model: every metric by tier, in tier order, with a declared comparison."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from bankchurn.report_schemas.base import one_line
from bankchurn.report_schemas.canvas import CanvasStatus
from bankchurn.settings import settings


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    path = settings().root / "reports" / "canvas_status.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_items_name_every_metric_tier_first_in_tier_order(committed: dict[str, Any]) -> None:
    ids = [key for key, _ in CanvasStatus.model_validate(committed).items()]
    expected = [
        f"{tier}.{key}" for tier in ("business", "model", "system") for key in committed[tier]
    ]
    assert ids == expected


def test_an_item_of_an_unknown_comparison_or_status_is_refused(committed: dict[str, Any]) -> None:
    tier, key = "model", next(iter(committed["model"]))
    for field, value in (("comparison", "=>"), ("status", "passed")):
        item = {**committed[tier][key], field: value}
        with pytest.raises(ValidationError) as err:
            CanvasStatus.model_validate({**committed, tier: {**committed[tier], key: item}})
        assert one_line(err.value).startswith(f"{tier}.{key}.{field}: Input should be ")


def test_only_the_target_model_is_judged(committed: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as err:
        CanvasStatus.model_validate({**committed, "model_evaluated": "baseline"})
    assert one_line(err.value) == "model_evaluated: Input should be 'target'"
