"""Derived features and the preprocessing step of every model pipeline.

Two feature sets exist, both built from `bankchurn.contract` columns only:

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

import copy
from collections.abc import Mapping
from typing import Any, Literal

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


def safe_divide(
    numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray
) -> np.ndarray:
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
    """Names of the columns [`DerivedFeatures`][bankchurn.features.DerivedFeatures] adds, in order."""
    return CANVAS_DERIVED + (EXTENDED_DERIVED if extended else ())


def derive(columns: Mapping[str, Any] | pd.DataFrame, extended: bool) -> dict[str, np.ndarray]:
    """Compute the derived columns from the contract feature columns (their one definition).

    Args:
        columns: Frame or mapping giving at least ``Balance``, ``NumOfProducts``,
            ``EstimatedSalary``, ``Tenure`` and ``Age`` as 1-D array-likes.
        extended: Also compute ``ZeroBalance`` and ``AgeSquared``.

    Returns:
        Mapping of [`derived_columns`][bankchurn.features.derived_columns] names, in order, to float64 arrays.
    """
    balance = np.asarray(columns["Balance"], dtype="float64")
    out = {
        "BalancePerProduct": safe_divide(balance, columns["NumOfProducts"]),
        "BalanceSalaryRatio": safe_divide(balance, columns["EstimatedSalary"]),
        "TenureAgeRatio": safe_divide(columns["Tenure"], columns["Age"]),
    }
    if extended:
        # NaN balance stays NaN (imputed later), so the flag is a float column.
        out["ZeroBalance"] = np.where(np.isnan(balance), np.nan, (balance == 0).astype("float64"))
        age = np.asarray(columns["Age"], dtype="float64")
        out["AgeSquared"] = ((age - AGE_CENTRE) / 10.0) ** 2
    return out


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
        for name, values in derive(out, self.extended).items():
            out[name] = values
        return out

    def transform_columns(self, X: pd.DataFrame | Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Same columns as `transform`, as a name -> NumPy array mapping.

        The fast scoring route ([`ArrayPreprocessor`][bankchurn.features.ArrayPreprocessor]) uses
        this to skip building a frame;
        both share [`derive`][bankchurn.features.derive], so the values are the same. ``X`` may
        also be a mapping of contract feature name to a 1-D array (no frame at all).
        """
        if isinstance(X, pd.DataFrame):
            self._check(X)
            columns = {name: X[name].to_numpy() for name in FEATURES}
        else:
            missing = [c for c in FEATURES if c not in X]
            if missing:
                raise ValueError(f"missing feature columns: {missing}")
            columns = {name: np.asarray(X[name]) for name in FEATURES}
        columns.update(derive(columns, self.extended))
        return columns

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names of the output columns."""
        return np.asarray(list(FEATURES) + list(derived_columns(self.extended)), dtype=object)


def _categories(column: str) -> list[object]:
    """Allowed values of a categorical column, from the contract (so encoding never depends on data)."""
    spec = BY_NAME[column]
    if spec.allowed:
        return list(spec.allowed)
    assert spec.minimum is not None
    assert spec.maximum is not None
    return list(range(int(spec.minimum), int(spec.maximum) + 1))


def feature_groups(feature_set: FeatureSet) -> dict[str, list[str]]:
    """Columns handled as numeric, binary and categorical.

    The columns are those after [`DerivedFeatures`][bankchurn.features.DerivedFeatures].

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
        A ``Pipeline`` of [`DerivedFeatures`][bankchurn.features.DerivedFeatures] and a ``ColumnTransformer`` whose
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


def _without_feature_names(step: Any) -> Any:
    """Shallow copy of a FITTED step that shares its fitted state but not its column names.

    sklearn warns when a step fitted on a frame is given an array; the copy holds the very
    same fitted arrays (statistics, categories), so it computes exactly what the step does.
    """
    clone_ = copy.copy(step)
    clone_.__dict__.pop("feature_names_in_", None)
    return clone_


def _compiled(step: Any) -> Any:
    """The fitted step's arithmetic as a plain function of an array, when it is one we know.

    sklearn's ``transform`` re-validates its input on every call, which costs far more than the
    arithmetic for one row. For the fitted steps
    [`build_preprocessor`][bankchurn.features.build_preprocessor] makes, the function
    reads the very fitted statistics and computes the same operations in the same order (NaN
    replaced by the fitted statistic; ``(x - mean) / scale``; equality with the fitted
    categories), so the output is identical (the fast-scoring tests compare them). Any other
    step, or a setting these functions do not cover, keeps its own ``transform``.
    """
    if isinstance(step, SimpleImputer):
        stats = np.asarray(step.statistics_, dtype="float64")
        plain = (
            step.missing_values is np.nan
            or (isinstance(step.missing_values, float) and np.isnan(step.missing_values))
        ) and not step.add_indicator
        if plain and stats.dtype.kind == "f" and not np.isnan(stats).any():

            def impute(block: np.ndarray) -> np.ndarray:
                block = np.asarray(block, dtype="float64")
                return np.where(np.isnan(block), stats, block)

            return impute
    if isinstance(step, StandardScaler) and step.with_mean and step.with_std:
        mean, scale = step.mean_, step.scale_

        def standardise(block: np.ndarray) -> np.ndarray:
            out = np.array(block, dtype="float64")
            out -= mean
            out /= scale
            return out

        return standardise
    if (
        isinstance(step, OneHotEncoder)
        and step.handle_unknown == "error"
        and not step.sparse_output
        and step.dtype in (np.float64, "float64")
        and getattr(step, "_infrequent_enabled", False) is False
    ):
        categories = [np.asarray(c) for c in step.categories_]
        drop = step.drop_idx_

        def one_hot(block: np.ndarray) -> np.ndarray:
            parts = []
            for j, cats in enumerate(categories):
                hits = np.asarray(block[:, j])[:, None] == cats[None, :]
                if not hits.any(axis=1).all():
                    return step.transform(block)  # sklearn's own error for unknown values
                keep = np.ones(len(cats), dtype=bool)
                if drop is not None and drop[j] is not None:
                    keep[drop[j]] = False
                parts.append(hits[:, keep].astype("float64"))
            return np.hstack(parts)

        return one_hot
    return step.transform


def _flat_steps(transformer: Any) -> tuple[Any, ...] | None:
    """The fitted transformers a ColumnTransformer block applies, in order; None if unsupported."""
    if isinstance(transformer, Pipeline):
        steps: list[Any] = []
        for _, step in transformer.steps:
            if step is None or step == "passthrough":
                continue
            inner = _flat_steps(step)
            if inner is None:
                return None
            steps.extend(inner)
        return tuple(steps)
    if isinstance(transformer, str) or not hasattr(transformer, "transform"):
        return None
    return (_without_feature_names(transformer),)


class ArrayPreprocessor:
    """NumPy route through a FITTED preprocessing pipeline, for fast scoring.

    The pipeline is the one [`build_preprocessor`][bankchurn.features.build_preprocessor] builds.

    It is not a second implementation: it calls the fitted [`DerivedFeatures`][bankchurn.features.DerivedFeatures] (its
    [`transform_columns`][bankchurn.features.DerivedFeatures.transform_columns]) and the very
    fitted imputers, scaler and
    encoder of the ``ColumnTransformer``, on plain arrays, with the column order precomputed
    once. What it skips is the per-call pandas work of the frame route (column selection and
    copies, frame re-validation, feature-name checks) and each step's input re-validation: the
    imputers, scaler and encoder run as their fitted arithmetic (``_compiled``), both costing
    far more than the arithmetic for one row. The fast-scoring tests assert the output is identical to
    ``preprocessor.transform`` (NaNs included).

    Build it with `from_fitted`, which returns ``None`` for any layout it does not know
    (then callers use the frame route).
    """

    def __init__(
        self,
        derive_step: DerivedFeatures,
        blocks: tuple[tuple[tuple[Any, ...], tuple[str, ...]], ...],
    ) -> None:
        self.derive_step = derive_step
        self.blocks = blocks

    @classmethod
    def from_fitted(cls, preprocessor: Any) -> ArrayPreprocessor | None:
        """Precompute the route of a fitted ``Pipeline([derive, ColumnTransformer])``."""
        if not isinstance(preprocessor, Pipeline) or len(preprocessor.steps) != 2:
            return None
        derive_step, encode = (step for _, step in preprocessor.steps)
        if not (isinstance(derive_step, DerivedFeatures) and isinstance(encode, ColumnTransformer)):
            return None
        if not hasattr(encode, "transformers_") or getattr(encode, "sparse_output_", True):
            return None
        if getattr(encode, "_sklearn_output_config", {}).get("transform") not in (None, "default"):
            return None
        blocks: list[tuple[tuple[Any, ...], tuple[str, ...]]] = []
        for _, transformer, columns in encode.transformers_:
            if isinstance(transformer, str) and transformer == "drop":
                continue
            by_name = isinstance(columns, list | tuple) and all(isinstance(c, str) for c in columns)
            if not by_name:
                return None
            if not columns:
                continue
            steps = _flat_steps(transformer)
            if steps is None:
                return None
            blocks.append((tuple(_compiled(step) for step in steps), tuple(columns)))
        return cls(derive_step, tuple(blocks))

    def transform(self, X: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """Same matrix as the fitted preprocessor's ``transform(X)`` (a frame or its columns)."""
        columns = self.derive_step.transform_columns(X)
        parts = []
        for steps, names in self.blocks:
            block = np.column_stack([columns[name] for name in names])
            for step in steps:
                block = step(block)
            parts.append(block)
        return np.hstack(parts)
