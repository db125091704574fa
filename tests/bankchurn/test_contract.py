"""The data contract declaration itself (bankchurn.contract) is consistent."""

from __future__ import annotations

from bankchurn import contract

KAGGLE_COLUMNS = (
    "RowNumber", "CustomerId", "Surname", "CreditScore", "Geography", "Gender", "Age", "Tenure",
    "Balance", "NumOfProducts", "HasCrCard", "IsActiveMember", "EstimatedSalary", "Exited",
)  # fmt: skip


def test_columns_are_the_kaggle_file_plus_optional_snapshot() -> None:
    names = [c.name for c in contract.COLUMNS]
    assert tuple(names[:-1]) == KAGGLE_COLUMNS
    assert names[-1] == contract.SNAPSHOT
    assert len(set(names)) == len(names)
    assert contract.REQUIRED_COLUMNS == KAGGLE_COLUMNS
    assert not contract.BY_NAME[contract.SNAPSHOT].required


def test_declared_ranges_of_the_issue() -> None:
    by = contract.BY_NAME
    assert (by["CreditScore"].minimum, by["CreditScore"].maximum) == (300, 850)
    assert (by["Age"].minimum, by["Age"].maximum) == (18, 100)
    assert (by["Tenure"].minimum, by["Tenure"].maximum) == (0, 10)
    assert by["Balance"].minimum == 0
    assert (by["NumOfProducts"].minimum, by["NumOfProducts"].maximum) == (1, 4)
    for flag in ("HasCrCard", "IsActiveMember", "Exited"):
        assert by[flag].kind == "binary"
        assert by[flag].allowed == (0, 1)
    assert by["Geography"].allowed == ("France", "Germany", "Spain")
    assert by["Gender"].allowed == ("Female", "Male")
    assert by["CustomerId"].unique


def test_specs_are_well_formed() -> None:
    for spec in contract.COLUMNS:
        if spec.minimum is not None and spec.maximum is not None:
            assert spec.minimum < spec.maximum, spec.name
        if spec.kind in ("category", "binary"):
            assert spec.allowed, spec.name
        else:
            assert not spec.allowed, spec.name
        if spec.kind not in ("int", "float"):
            assert spec.minimum is None, spec.name
            assert spec.maximum is None, spec.name
        assert spec.description.strip(), spec.name


def test_only_features_reach_models() -> None:
    assert contract.TARGET not in contract.FEATURES
    for name in ("RowNumber", "CustomerId", "Surname", contract.SNAPSHOT):
        assert name not in contract.FEATURES
    assert set(contract.NUMERIC_FEATURES) | set(contract.BINARY_FEATURES) | set(
        contract.CATEGORICAL_FEATURES
    ) == set(contract.FEATURES)
    # ADR 0006: Gender is validated and measured for fairness but is never a model input.
    assert "Gender" not in contract.FEATURES
    assert contract.BY_NAME["Gender"].role == "protected"
    assert set(contract.PROTECTED_ATTRIBUTES) <= {c.name for c in contract.COLUMNS}


def test_only_feature_columns_may_be_repaired() -> None:
    nullable = {c.name for c in contract.COLUMNS if c.nullable}
    assert nullable == {
        "CreditScore", "Tenure", "Balance", "HasCrCard", "IsActiveMember", "EstimatedSalary",
    }  # fmt: skip
    assert nullable <= set(contract.FEATURES)
    assert 0 < contract.MAX_NULL_FRACTION <= 0.01


def test_every_role_has_words_and_every_column_shows_them() -> None:
    from typing import get_args

    assert set(contract.ROLE_TITLES) == set(get_args(contract.Role))
    assert all("_" not in t for t in contract.ROLE_TITLES.values())
    by_name = {c.name: c.role_title for c in contract.COLUMNS}
    assert by_name["CustomerId"] == "customer id (pseudonymised)"
    assert by_name["Gender"] == contract.ROLE_TITLES["protected"]
