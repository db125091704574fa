"""The request models follow the data contract strictly, and publish its rules in the schema."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bankchurn.api.schemas import BatchRequest, CustomerFeatures, risk_band
from bankchurn.business import RISK_BANDS
from bankchurn.contract import BY_NAME, EXAMPLE_CUSTOMER, FEATURES


def _customer(**change: Any) -> dict[str, Any]:
    return {**EXAMPLE_CUSTOMER, **change}


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        ({"HasCrCard": 1.0}, True),  # JSON Schema's integer: 1.0 is one
        ({"Tenure": 3.0}, True),
        ({"HasCrCard": True}, False),  # True == 1 in Python, not in the contract
        ({"HasCrCard": 2}, False),
        ({"Tenure": 2.5}, False),
        ({"Age": "40"}, False),  # strict: no string for a number
        ({"Balance": float("inf")}, False),
        ({"Geography": "Atlantis"}, False),
        ({"Shoe size": 42}, False),  # no unknown field
    ],
)
def test_a_customer_is_checked_against_the_contract(change: dict[str, Any], accepted: bool) -> None:
    if accepted:
        CustomerFeatures.model_validate(_customer(**change))
    else:
        with pytest.raises(ValidationError):
            CustomerFeatures.model_validate(_customer(**change))


def test_a_nullable_column_may_be_null_or_left_out() -> None:
    nullable = [name for name in FEATURES if BY_NAME[name].nullable]
    assert nullable
    for name in nullable:
        without = {k: v for k, v in EXAMPLE_CUSTOMER.items() if k != name}
        assert getattr(CustomerFeatures.model_validate(without), name) is None
        assert getattr(CustomerFeatures.model_validate(_customer(**{name: None})), name) is None


def test_the_schema_publishes_the_contracts_ranges_and_values() -> None:
    properties = CustomerFeatures.model_json_schema()["properties"]
    assert list(properties) == list(FEATURES)
    age = BY_NAME["Age"]
    assert (properties["Age"]["minimum"], properties["Age"]["maximum"]) == (
        age.minimum,
        age.maximum,
    )
    assert properties["Geography"]["enum"] == list(BY_NAME["Geography"].allowed)


def test_a_batch_holds_at_least_one_customer() -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        BatchRequest.model_validate({"customers": []})
    assert len(BatchRequest.model_validate({"customers": [EXAMPLE_CUSTOMER]}).customers) == 1


def test_risk_bands_follow_their_lower_edges() -> None:
    for i, (name, lower) in enumerate(RISK_BANDS):
        if i:
            assert risk_band(lower) == name
            assert risk_band(lower - 1e-9) == RISK_BANDS[i - 1][0]
    assert risk_band(0.0) == RISK_BANDS[0][0]
    assert risk_band(1.0) == RISK_BANDS[-1][0]
