"""What every report model shares: strict fields, the writer's dump, errors in one line."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from bankchurn.report_schemas.base import Number, StrictModel, conform, one_line


class Leaf(StrictModel):
    value: Number
    count: int


class Tree(StrictModel):
    name: str
    leaves: list[Leaf]
    note: str | None = None


def _error(data: dict) -> str:
    with pytest.raises(ValidationError) as err:
        Tree.model_validate(data)
    return one_line(err.value)


def test_a_string_is_not_taken_for_a_number_nor_a_float_for_an_int() -> None:
    assert "leaves.0.value: " in _error({"name": "t", "leaves": [{"value": "1", "count": 1}]})
    assert _error({"name": "t", "leaves": [{"value": 1, "count": 1.0}]}).startswith(
        "leaves.0.count: Input should be a valid integer"
    )


def test_a_value_that_fits_no_member_of_a_union_names_each_members_rule_once() -> None:
    message = _error({"name": "t", "leaves": [{"value": "high", "count": 1}]})
    assert message == (
        "leaves.0.value: Input should be a valid integer or Input should be a valid number"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "t", "leaves": [], "extra": 1}, "extra: Extra inputs are not permitted"),
        ({"leaves": []}, "name: Field required"),
        ([], "(top level): Input should be a valid dictionary or instance of Tree"),
    ],
)
def test_only_the_first_failing_field_is_named_on_one_line(data: object, expected: str) -> None:
    with pytest.raises(ValidationError) as err:
        Tree.model_validate(data)
    assert one_line(err.value) == expected


def test_the_dump_keeps_whole_numbers_whole_and_leaves_unset_options_out() -> None:
    data = {"name": "t", "leaves": [{"value": 3, "count": 1}, {"value": 0.5, "count": 2}]}
    written = conform(Tree, data)
    assert written == data  # no "note": null, and 3 stays 3, not 3.0
    assert isinstance(written["leaves"][0]["value"], int)
    assert conform(Tree, {**data, "note": None})["note"] is None  # set to null: written


def test_a_model_cannot_change_after_validation() -> None:
    tree = Tree.model_validate({"name": "t", "leaves": []})
    with pytest.raises(ValidationError, match="frozen"):
        tree.name = "u"


class Titled(StrictModel):
    n: int = Field(title="customers")
    churn_rate: Number | None = Field(None, title="churn rate")
    note: str | None = None


def test_field_titles_are_the_declared_ones_and_only_those() -> None:
    assert Titled.titles() == {"n": "customers", "churn_rate": "churn rate"}
    assert Leaf.titles() == {}
    # a title does not change what the model accepts or writes
    assert Titled.model_validate({"n": 3}).to_json() == {"n": 3}
