"""Derived features and the preprocessing step of every model pipeline.

Two feature sets exist, both built from :mod:`bankchurn.contract` columns only:

* ``canvas``: the raw feature columns plus the three derived ratios the ML Canvas lists
  (``BalancePerProduct``, ``BalanceSalaryRatio``, ``TenureAgeRatio``). Both served models use it:
  the baseline logistic regression therefore sees the canvas features and nothing else, which
  keeps it the honest "interpretable baseline" of the canvas.
* ``extended``: ``canvas`` plus the terms that let a *linear* model express the non-linear
  churn structure of this data (a ``ZeroBalance`` flag, a centred ``AgeSquared`` term and a
  one-hot ``NumOfProducts``). It is measured as an ablation in ``reports/model_selection.json``
  (``baseline_ablation``) so the benefit is a number, not a claim.

Imputation of the few (< 1 %) nulls the contract tolerates happens here, inside the pipeline,
with statistics learnt from the training rows only.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from bankchurn.contract import (
    BINARY_FEATURES,
    BY_NAME,
    CATEGORICAL_FEATURES,
    FEATURES,
    NUMERIC_FEATURES,
)

FeatureSet = Literal["canvas", "extended"]
PreprocessorKind = Literal["linear", "tree"]

#: Ratios named in the ML Canvas (section 4, "Derivadas").
CANVAS_DERIVED: tuple[str, ...] = ("BalancePerProduct", "BalanceSalaryRatio", "TenureAgeRatio")
#: Extra numeric terms of the ``extended`` set (NumOfProducts is one-hot encoded on top).
EXTENDED_DERIVED: tuple[str, ...] = ("ZeroBalance", "AgeSquared")
#: Age around which the squared term is centred: the churn peak of the calibration facts is in
#: the 50s, so centring near it keeps ``Age`` and ``AgeSquared`` far from collinear.
AGE_CENTRE: float = 45.0
#: The product count, one-hot encoded in the ``extended`` set (high at 1, low at 2, very high 3-4).
PRODUCTS: str = "NumOfProducts"


def safe_divide(numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray) -> np.ndarray:
    """Divide element-wise without ever producing ``inf``.

    Rules: a zero denominator gives 0 (a customer without salary or products has no ratio to
    speak of); a missing operand gives NaN (imputed later in the pipeline); a quotient that
    overflows gives NaN too.

    Args:
        numerator: Values on top.
        denominator: Values below, same length.

    Returns:
        Float array of quotients.
    """
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    out = np.zeros(np.broadcast(num, den).shape, dtype="float64")
    nonzero = den != 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(num, den, out=out, where=nonzero)
    out[np.isnan(num) | np.isnan(den)] = np.nan
    out[~np.isfinite(out)] = np.nan
    return out


def derived_columns(extended: bool) -> tuple[str, ...]:
    """Names of the columns :class:`DerivedFeatures` adds, in order."""
    return CANVAS_DERIVED + (EXTENDED_DERIVED if extended else ())


class DerivedFeatures(TransformerMixin, BaseEstimator):
    """Add the derived feature columns to a frame of contract feature columns.

    Stateless (nothing is learnt in ``fit``), so it cannot leak test information.

    Args:
        extended: Also add ``ZeroBalance`` and ``AgeSquared`` (the ``extended`` feature set).
    """

    def __init__(self, extended: bool = False) -> None:
        self.extended = extended

    def fit(self, X: pd.DataFrame, y: object = None) -> DerivedFeatures:
        """Check the input columns and remember them."""
        self._check(X)
        self.feature_names_in_ = np.asarray(list(FEATURES), dtype=object)
        self.n_features_in_ = len(FEATURES)
        return self

    @staticmethod
    def _check(X: pd.DataFrame) -> None:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("DerivedFeatures expects a pandas DataFrame with the contract columns")
        missing = [c for c in FEATURES if c not in X.columns]
        if missing:
            raise ValueError(f"missing feature columns: {missing}")

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return the contract feature columns followed by the derived ones."""
        self._check(X)
        out = X.loc[:, list(FEATURES)].copy()
        balance = out["Balance"].astype("float64")
        out["BalancePerProduct"] = safe_divide(balance, out["NumOfProducts"])
        out["BalanceSalaryRatio"] = safe_divide(balance, out["EstimatedSalary"])
        out["TenureAgeRatio"] = safe_divide(out["Tenure"], out["Age"])
        if self.extended:
            # NaN balance stays NaN (imputed later), so the flag is a float column.
            out["ZeroBalance"] = np.where(balance.isna(), np.nan, (balance == 0).astype("float64"))
            out["AgeSquared"] = ((out["Age"].astype("float64") - AGE_CENTRE) / 10.0) ** 2
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names of the output columns."""
        return np.asarray(list(FEATURES) + list(derived_columns(self.extended)), dtype=object)


def _categories(column: str) -> list[object]:
    """Allowed values of a categorical column, from the contract (so encoding never depends on data)."""
    spec = BY_NAME[column]
    if spec.allowed:
        return list(spec.allowed)
    assert spec.minimum is not None and spec.maximum is not None
    return list(range(int(spec.minimum), int(spec.maximum) + 1))


def feature_groups(feature_set: FeatureSet) -> dict[str, list[str]]:
    """Columns (after :class:`DerivedFeatures`) handled as numeric, binary and categorical.

    Args:
        feature_set: ``canvas`` or ``extended``.

    Returns:
        Mapping ``numeric`` / ``binary`` / ``categorical`` -> column names.
    """
    extended = feature_set == "extended"
    numeric = [c for c in NUMERIC_FEATURES if not (extended and c == PRODUCTS)]
    numeric += list(CANVAS_DERIVED) + (["AgeSquared"] if extended else [])
    binary = list(BINARY_FEATURES) + (["ZeroBalance"] if extended else [])
    categorical = list(CATEGORICAL_FEATURES) + ([PRODUCTS] if extended else [])
    return {"numeric": numeric, "binary": binary, "categorical": categorical}


def build_preprocessor(kind: PreprocessorKind, feature_set: FeatureSet = "canvas") -> Pipeline:
    """Build the (unfitted) preprocessing pipeline of a model.

    ``linear``: median imputation + standard scaling of numeric columns, mode imputation of
    binary flags, one-hot categoricals with the first level dropped (coefficients then read
    "relative to France / Female"). ``tree``: the same imputation, no scaling, full one-hot.

    Args:
        kind: ``linear`` or ``tree``.
        feature_set: ``canvas`` (served models) or ``extended`` (ablation for the linear model).

    Returns:
        A ``Pipeline`` of :class:`DerivedFeatures` and a ``ColumnTransformer`` whose
        ``get_feature_names_out()`` gives readable names such as ``Geography_Germany``.
    """
    if kind not in ("linear", "tree"):
        raise ValueError(f"unknown preprocessor kind {kind!r}")
    if feature_set not in ("canvas", "extended"):
        raise ValueError(f"unknown feature set {feature_set!r}")
    groups = feature_groups(feature_set)
    numeric_steps: list[tuple[str, object]] = [("impute", SimpleImputer(strategy="median"))]
    if kind == "linear":
        numeric_steps.append(("scale", StandardScaler()))
    encoder = OneHotEncoder(
        categories=[_categories(c) for c in groups["categorical"]],
        drop="first" if kind == "linear" else None,
        handle_unknown="error",
        sparse_output=False,
        dtype=np.float64,
    )
    columns = ColumnTransformer(
        [
            ("numeric", Pipeline(numeric_steps), groups["numeric"]),
            ("binary", SimpleImputer(strategy="most_frequent"), groups["binary"]),
            ("categorical", encoder, groups["categorical"]),
        ],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    return Pipeline(
        [("derive", DerivedFeatures(extended=feature_set == "extended")), ("encode", columns)]
    )
