"""The data profile model: provenance keys depend on the source; every other block is closed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from bankchurn.report_schemas.base import one_line
from bankchurn.report_schemas.data_profile import DataProfile
from bankchurn.settings import settings


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    path = settings().root / "reports" / "data_profile.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_provenance_keeps_the_keys_of_its_source(committed: dict[str, Any]) -> None:
    # A file extract records its file and dates instead of a generator and seed.
    provenance = {
        **{k: committed["provenance"][k] for k in ("source", "synthetic", "sha256", "n_rows")},
        "source": "csv",
        "synthetic": False,
        "file": "extract.csv",
    }
    profile = DataProfile.model_validate({**committed, "provenance": provenance})
    assert profile.to_json()["provenance"] == provenance


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        ("provenance", {"source": "csv"}, "provenance.synthetic: Field required"),
        ("label", {"horizon_months": 3}, "label.meaning: Field required"),
        ("monthly", [{"snapshot": "2024-01", "n": 1, "churn_rate": 0, "x": 1}], "monthly.0.x: "),
    ],
)
def test_a_block_of_another_shape_is_refused(
    committed: dict[str, Any], where: str, value: Any, expected: str
) -> None:
    with pytest.raises(ValidationError) as err:
        DataProfile.model_validate({**committed, where: value})
    assert one_line(err.value).startswith(expected)
