"""Derived features and preprocessing: safe division, stable columns, readable names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bankchurn.contract import BY_NAME, CATEGORICAL_FEATURES, FEATURES
from bankchurn.features import (
    CANVAS_DERIVED,
    DerivedFeatures,
    build_preprocessor,
    safe_divide,
)

floats = st.one_of(st.floats(allow_nan=True, allow_infinity=False), st.just(0.0))


@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=50))
@settings(max_examples=200, deadline=None)
def test_safe_divide_never_produces_inf(pairs: list[tuple[float, float]]) -> None:
    num, den = np.array(pairs).T
    out = safe_divide(num, den)
    assert not np.isinf(out).any()
    zero = (den == 0) & ~np.isnan(num)
    assert (out[zero] == 0).all()
    assert np.isnan(out[np.isnan(num) | np.isnan(den)]).all()


def _row_strategy() -> st.SearchStrategy[dict[str, object]]:
    fields: dict[str, st.SearchStrategy[object]] = {}
    for name in FEATURES:
        spec = BY_NAME[name]
        if spec.kind in ("category", "binary"):
            base: st.SearchStrategy[object] = st.sampled_from(list(spec.allowed))
        elif spec.kind == "int":
            base = st.integers(int(spec.minimum), int(spec.maximum))
        else:
            base = st.floats(float(spec.minimum), float(spec.maximum))
        fields[name] = st.one_of(base, st.none()) if spec.nullable else base
    return st.fixed_dictionaries(fields)


@given(st.lists(_row_strategy(), min_size=1, max_size=20), st.booleans())
@settings(max_examples=60, deadline=None)
def test_derived_features_shape_columns_and_finiteness(rows: list[dict], extended: bool) -> None:
    frame = pd.DataFrame(rows, columns=list(FEATURES))
    for name in FEATURES:
        if BY_NAME[name].kind not in ("category",):
            frame[name] = frame[name].astype("float64")
    transformer = DerivedFeatures(extended=extended).fit(frame)
    out = transformer.transform(frame)
    assert list(out.columns) == list(transformer.get_feature_names_out())
    assert len(out) == len(frame)
    numeric = out.drop(columns=list(CATEGORICAL_FEATURES)).to_numpy(dtype="float64")
    assert not np.isinf(numeric).any()


def test_zero_denominators_give_zero() -> None:
    frame = pd.DataFrame(
        [
            {
                **{c: 1 for c in FEATURES},
                "Geography": "France",
                "Balance": 500.0,
                "EstimatedSalary": 0.0,
                "Age": 40,
                "Tenure": 0,
            }
        ]
    )
    out = DerivedFeatures().fit_transform(frame)
    assert out.loc[0, "BalanceSalaryRatio"] == 0.0
    assert out.loc[0, "TenureAgeRatio"] == 0.0
    assert out.loc[0, "BalancePerProduct"] == 500.0


def test_missing_column_is_reported() -> None:
    with pytest.raises(ValueError, match="missing feature columns"):
        DerivedFeatures().fit(pd.DataFrame({"Age": [30]}))


@pytest.mark.parametrize("kind", ["linear", "tree"])
@pytest.mark.parametrize("feature_set", ["canvas", "extended"])
def test_preprocessor_names_are_readable(small_extract, kind: str, feature_set: str) -> None:
    X = small_extract.frame.loc[:, list(FEATURES)]
    pre = build_preprocessor(kind, feature_set).fit(X)
    names = list(pre.get_feature_names_out())
    Z = pre.transform(X)
    assert Z.shape == (len(X), len(names))
    assert not np.isnan(Z).any(), "imputation must repair the < 1% nulls"
    assert set(CANVAS_DERIVED) <= set(names)
    assert "Geography_Germany" in names
    assert not any("Surname" in n or "Customer" in n for n in names)
    assert ("Geography_France" in names) == (kind == "tree")  # linear drops the first level
    assert ("NumOfProducts_3" in names) == (feature_set == "extended")
    assert ("ZeroBalance" in names) == (feature_set == "extended")
    if kind == "linear":
        numeric = [i for i, n in enumerate(names) if n in ("Age", "Balance", *CANVAS_DERIVED)]
        assert np.allclose(Z[:, numeric].mean(axis=0), 0, atol=1e-9)


def test_gender_is_never_a_model_input() -> None:
    """ADR 0006: `Gender` is validated and audited, never fed to a model."""
    import json

    from bankchurn import contract
    from bankchurn.settings import settings

    assert "Gender" not in contract.FEATURES
    assert contract.BY_NAME["Gender"].role == "protected"
    for name in ("baseline", "target"):
        report = settings().reports_dir / name / "metrics.json"
        used = json.loads(report.read_text("utf-8"))["features"]
        assert "Gender" not in used["input_columns"]
        assert not [f for f in used["model_features"] if "Gender" in f]
