"""Contract validation (bankchurn.validation): rules, messages, types, and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bankchurn import contract
from bankchurn.contract import ColumnSpec
from bankchurn.errors import ContractError
from bankchurn.validation import NULL_RULE, pandera_schema, validate_frame


def _fails(frame: pd.DataFrame) -> ContractError:
    with pytest.raises(ContractError) as info:
        validate_frame(frame, "extract.csv")
    return info.value


# --- the schema is the contract ---------------------------------------------------------------


def test_the_label_is_optional_only_when_asked(small_frame: pd.DataFrame) -> None:
    unlabelled = small_frame.drop(columns=[contract.TARGET])
    assert _fails(unlabelled).column == contract.TARGET
    valid = validate_frame(unlabelled, "new_customers.csv", require_label=False)
    assert contract.TARGET not in valid.columns
    assert len(valid) == len(small_frame)
    broken = small_frame.assign(**{contract.TARGET: 2})  # a label that is there is still checked
    with pytest.raises(ContractError) as info:
        validate_frame(broken, "new_customers.csv", require_label=False)
    assert info.value.column == contract.TARGET


def test_schema_is_built_from_contract() -> None:
    schema = pandera_schema()
    assert list(schema.columns) == [c.name for c in contract.COLUMNS]
    assert schema.strict is True
    for spec in contract.COLUMNS:
        column = schema.columns[spec.name]
        assert column.nullable == spec.nullable
        assert column.unique == spec.unique
        assert column.required == spec.required
        names = " ".join(str(check) for check in column.checks)
        for bound in (spec.minimum, spec.maximum):
            if bound is not None:
                assert f"{int(bound) if float(bound).is_integer() else bound}" in names, spec.name
        for value in spec.allowed:
            assert repr(value) in names or str(value) in names, spec.name


def test_changing_contract_changes_schema(monkeypatch) -> None:
    from dataclasses import replace

    narrowed = tuple(replace(c, maximum=60) if c.name == "Age" else c for c in contract.COLUMNS)
    monkeypatch.setattr(contract, "COLUMNS", narrowed)
    pandera_schema.cache_clear()
    try:
        checks = " ".join(str(ch) for ch in pandera_schema().columns["Age"].checks)
        assert "in_range(18, 60)" in checks
    finally:
        monkeypatch.undo()
        pandera_schema.cache_clear()


# --- typed output ------------------------------------------------------------------------------


def test_valid_extract_is_typed(small_frame: pd.DataFrame) -> None:
    out = validate_frame(small_frame, "synthetic")
    assert list(out.columns) == [c.name for c in contract.COLUMNS]
    for spec in contract.COLUMNS:
        dtype = out[spec.name].dtype
        if spec.kind in ("int", "binary") and not spec.nullable:
            assert dtype == np.int64, spec.name
        elif spec.kind in ("int", "binary", "float"):
            assert dtype == np.float64, spec.name
        elif spec.kind == "date":
            assert pd.api.types.is_datetime64_any_dtype(dtype)
        else:
            assert pd.api.types.is_string_dtype(dtype), spec.name
    assert out["CreditScore"].isna().sum() == small_frame["CreditScore"].isna().sum()


def test_input_frame_is_not_modified(small_frame: pd.DataFrame) -> None:
    before = small_frame.copy()
    validate_frame(small_frame, "synthetic")
    pd.testing.assert_frame_equal(small_frame, before)


# --- one rule at a time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("Age", "forty", "type(int)"),
        ("Age", 35.5, "type(int)"),
        ("Age", 17, "in_range(18, 100)"),
        ("CreditScore", 299, "in_range(300, 850)"),
        ("Geography", "Mars", "isin(['France', 'Germany', 'Spain'])"),
        ("Gender", "Other", "isin(['Female', 'Male'])"),
        ("Balance", -0.01, "in_range(0, 1000000)"),
        ("NumOfProducts", 7, "in_range(1, 4)"),
        ("HasCrCard", 2, "isin([0, 1])"),
        ("Exited", np.nan, "not_null"),
        ("Geography", np.nan, "not_null"),
        ("SnapshotDate", "2024-13-45", "type(date)"),
        ("RowNumber", 0, f"in_range(1, {contract.MAX_ID})"),
    ],
)
def test_single_defect_names_line_column_rule(small_frame, column, value, rule) -> None:
    frame = small_frame.copy()
    frame[column] = frame[column].astype(object)
    frame.loc[3, column] = value
    err = _fails(frame)
    assert (err.column, err.rule, err.rows, err.n_failed) == (column, rule, [5], 1)
    assert str(err).startswith("extract.csv: line 5 column")


def test_duplicated_customer_id_names_both_lines(small_frame) -> None:
    frame = small_frame.copy()
    frame.loc[9, "CustomerId"] = frame.loc[2, "CustomerId"]
    err = _fails(frame)
    assert (err.column, err.rule, err.rows, err.n_failed) == ("CustomerId", "unique", [4, 11], 2)


def test_many_failures_are_counted(small_frame) -> None:
    frame = small_frame.copy()
    frame.loc[10:29, "Balance"] = -1.0
    err = _fails(frame)
    assert err.n_failed == 20
    assert err.rows[:2] == [12, 13]
    assert "20 rows fail" in str(err)


def test_nulls_under_the_limit_are_kept_for_imputation(default_extract) -> None:
    frame = default_extract.frame
    out = validate_frame(frame, "synthetic")
    for spec in contract.COLUMNS:
        if spec.nullable:
            share = out[spec.name].isna().mean()
            assert 0 < share <= contract.MAX_NULL_FRACTION, spec.name


def test_null_fraction_over_the_limit_rejected(default_extract) -> None:
    frame = default_extract.frame.copy()
    n = len(frame)
    extra = int(contract.MAX_NULL_FRACTION * n) + 1
    rows = frame.index[frame["Tenure"].notna()][:extra]
    frame.loc[rows, "Tenure"] = pd.NA
    err = _fails(frame)
    assert (err.column, err.rule) == ("Tenure", NULL_RULE)
    assert err.n_failed == int(frame["Tenure"].isna().sum())


def test_unknown_and_missing_columns_in_frames(small_frame) -> None:
    assert _fails(small_frame.assign(Extra=1)).rule == "no_unknown_columns"
    err = _fails(small_frame.drop(columns=["Exited", "Age"]))
    assert (err.rule, err.column) == ("required_column", "Age")
    assert "Exited" in str(err)


def test_snapshot_is_optional(small_frame) -> None:
    out = validate_frame(small_frame.drop(columns=["SnapshotDate"]), "kaggle.csv")
    assert "SnapshotDate" not in out.columns


def test_empty_frame_rejected(small_frame) -> None:
    assert _fails(small_frame.iloc[:0]).rule == "non_empty"


def test_ids_above_2_53_are_exact_integers_never_rounded(small_frame) -> None:
    """Issue 11, defect 10: 2**53 + 1 and 2**53 are one float but two customers."""
    frame = small_frame.copy()
    frame["CustomerId"] = frame["CustomerId"].astype(object)
    frame.loc[0, "CustomerId"] = 2**53 + 1
    frame.loc[1, "CustomerId"] = 2**53
    out = validate_frame(frame, "extract.csv")
    assert out["CustomerId"].dtype == "int64"
    assert out["CustomerId"].iloc[:2].tolist() == [2**53 + 1, 2**53]
    frame.loc[0, "CustomerId"] = 2**63  # beyond a 64-bit integer: rejected, not wrapped
    err = _fails(frame)
    assert (err.column, err.rule, err.rows) == ("CustomerId", f"in_range(1, {2**63 - 1})", [2])


# --- properties ----------------------------------------------------------------------------------


def _value_strategy(spec: ColumnSpec) -> st.SearchStrategy:
    if spec.kind in ("category", "binary"):
        return st.sampled_from(spec.allowed)
    if spec.kind == "int":
        lo = int(spec.minimum) if spec.minimum is not None else -(10**9)
        hi = int(spec.maximum) if spec.maximum is not None else 10**12
        return st.integers(lo, hi)
    if spec.kind == "float":
        return st.floats(spec.minimum, spec.maximum, allow_nan=False, allow_infinity=False)
    if spec.kind == "date":
        return st.dates(pd.Timestamp("1990-01-01").date(), pd.Timestamp("2100-12-31").date()).map(
            lambda d: d.isoformat()
        )
    return st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=12)


@st.composite
def valid_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    data = {}
    for spec in contract.COLUMNS:
        if not spec.required and not draw(st.booleans()):
            continue
        values = st.lists(_value_strategy(spec), min_size=n, max_size=n, unique=spec.unique)
        data[spec.name] = draw(values)
    return pd.DataFrame(data)


def _beyond(bound: float | None, side: int) -> list[st.SearchStrategy[float]]:
    """Floats up to 1e6 past ``bound`` (below it for ``side`` -1, above for +1); none without one."""
    if bound is None:
        return []
    low, high = sorted((bound, bound + side * 1e6))
    return [
        st.floats(
            low,
            high,
            exclude_min=side > 0,
            exclude_max=side < 0,
            allow_nan=False,
            allow_infinity=False,
        )
    ]


def _out_of_contract(spec: ColumnSpec) -> st.SearchStrategy:
    if spec.kind in ("category",):
        return st.text(min_size=1, max_size=8).filter(lambda v: v not in spec.allowed)
    if spec.kind == "binary":
        return st.integers(-5, 5).filter(lambda v: v not in spec.allowed)
    if spec.kind == "date":
        return st.sampled_from(["2024-02-30", "yesterday", "31/01/2024x", "2024-13-01"])
    lows, highs = _beyond(spec.minimum, -1), _beyond(spec.maximum, +1)
    if spec.kind == "int":
        # Round away from the allowed range: floor(850.5) would land back on the maximum.
        lows = [s.map(np.floor) for s in lows]
        highs = [s.map(np.ceil) for s in highs]
    return st.one_of(*lows, *highs)


CHECKED = [c for c in contract.COLUMNS if c.kind != "text"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_frames())
def test_any_frame_within_the_contract_validates(frame: pd.DataFrame) -> None:
    out = validate_frame(frame, "drawn.csv")
    assert len(out) == len(frame)
    assert list(out.columns) == [c.name for c in contract.COLUMNS if c.name in frame.columns]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), spec=st.sampled_from(CHECKED))
def test_one_value_outside_the_contract_names_its_column(data, spec: ColumnSpec) -> None:
    frame = data.draw(valid_frames())
    if spec.name not in frame.columns:
        frame[spec.name] = data.draw(
            st.lists(_value_strategy(spec), min_size=len(frame), max_size=len(frame))
        )
    row = data.draw(st.integers(0, len(frame) - 1))
    bad = data.draw(_out_of_contract(spec))
    frame[spec.name] = frame[spec.name].astype(object)
    frame.loc[row, spec.name] = bad
    err = _fails(frame)
    assert err.column == spec.name
    assert err.rows == [row + 2]
