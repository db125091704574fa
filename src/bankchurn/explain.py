"""Exact TreeSHAP explanations of the calibrated target model, in its calibrated log-odds.

Both target candidates (XGBoost and LightGBM) compute exact path-dependent TreeSHAP natively
(``pred_contribs`` / ``pred_contrib``): per row, one contribution per model feature plus a bias,
summing to the booster's raw margin ``m`` (its log-odds before calibration). The served
probability is ``sigmoid(a * m + b)``: the sigmoid calibrator is affine in the margin, because
the booster's raw score is ``sigmoid(m)`` and the calibrator reads its logit. So

    calibrated log-odds = logit(churn_probability) = (a * bias + b) + sum_j a * phi_j

and this module reports ``base_value = a * bias + b`` and the contributions ``a * phi_j``: the
numbers add up to the log-odds of the probability the API returns (tested).

The one-hot columns of a categorical input (``Geography_France`` ...) are summed back into that
input: Shapley values are additive, so the sum is the contribution of the group, and a reader
sees ``Geography = Germany`` instead of three indicator columns. Derived ratios
(``BalancePerProduct`` ...) are model features of their own and are reported as such.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from xgboost import DMatrix, XGBClassifier

from bankchurn.contract import CATEGORICAL_FEATURES

#: How many reasons ``bankchurn predict --explain`` writes per customer.
N_REASONS = 3
#: The columns ``--explain`` adds to a scoring output (CSV or ``churn.scores``), in order.
REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{i + 1}" for i in range(N_REASONS))

#: Words a retention agent reads for each explained feature: a label, and how a value reads.
_LABELS: dict[str, str] = {
    "CreditScore": "credit score",
    "Geography": "country",
    "Age": "age",
    "Tenure": "years with the bank",
    "Balance": "balance",
    "NumOfProducts": "number of products",
    "HasCrCard": "credit card",
    "IsActiveMember": "activity",
    "EstimatedSalary": "estimated salary",
    "BalancePerProduct": "balance per product",
    "BalanceSalaryRatio": "balance to salary ratio",
    "TenureAgeRatio": "share of life as a customer",
}
_FLAGS: dict[str, tuple[str, str]] = {
    "HasCrCard": ("no credit card", "has a credit card"),
    "IsActiveMember": ("inactive member", "active member"),
}


@dataclass(frozen=True)
class Explanations:
    """Explanations of a batch of rows.

    Attributes:
        features: Explained features (model inputs, one-hot groups merged), in model order.
        values: ``(n, k)`` object array: each row's value of each feature (None when missing).
        contributions: ``(n, k)`` contributions in calibrated log-odds.
        base_value: ``(n,)`` base value in calibrated log-odds (the same for every row).
    """

    features: tuple[str, ...]
    values: np.ndarray
    contributions: np.ndarray
    base_value: np.ndarray

    @property
    def log_odds(self) -> np.ndarray:
        """``base_value + sum(contributions)``: the calibrated log-odds of each row."""
        return self.base_value + self.contributions.sum(axis=1)

    def order(self) -> np.ndarray:
        """Column order of each row by decreasing magnitude (ties keep the feature order)."""
        return np.argsort(-np.abs(self.contributions), axis=1, kind="stable")

    def row(self, i: int, order: np.ndarray | None = None) -> dict[str, Any]:
        """One row as ``{base_value, contributions: [{feature, value, contribution}]}``.

        Contributions are sorted by decreasing magnitude (see [`order`][bankchurn.explain.Explanations.order]).
        """
        cols = (self.order() if order is None else order)[i]
        values, contributions = self.values[i], self.contributions[i]
        items = [
            {
                "feature": self.features[j],
                "value": _plain(values[j]),
                "contribution": float(contributions[j]),
            }
            for j in cols
        ]
        return {"base_value": float(self.base_value[i]), "contributions": items}


def _plain(value: Any) -> Any:
    """JSON-ready scalar: numpy -> Python, NaN -> None, integral floats -> int."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    f = float(value)
    if np.isnan(f):
        return None
    return int(f) if f.is_integer() else f


def booster_contributions(classifier: Any, matrix: np.ndarray) -> np.ndarray:
    """Native exact TreeSHAP of a fitted booster: ``(n, k + 1)``, last column the bias.

    Rows sum to the booster's raw margin (log-odds before calibration).

    Raises:
        TypeError: The classifier is not an XGBoost or LightGBM classifier.
    """
    if isinstance(classifier, XGBClassifier):
        booster = classifier.get_booster()
        data = DMatrix(matrix, nthread=1)
        return np.asarray(booster.predict(data, pred_contribs=True), dtype="float64")
    if isinstance(classifier, LGBMClassifier):
        # One thread, like scoring: LightGBM's default OpenMP team spins on a busy machine.
        contributions = classifier.booster_.predict(matrix, pred_contrib=True, num_threads=1)
        return np.asarray(contributions, dtype="float64")
    raise TypeError(f"no exact TreeSHAP for {type(classifier).__name__}: explain a booster")


def is_booster(model: Any) -> bool:
    """Whether a fitted calibrated model's classifier has native exact TreeSHAP."""
    return isinstance(model.estimator_.steps[-1][1], XGBClassifier | LGBMClassifier)


#: Explained features and merge matrix per fitted preprocessing (names are costly to rebuild).
_LAYOUTS: weakref.WeakKeyDictionary[Any, tuple[tuple[str, ...], np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def _layout(preprocess: Any) -> tuple[tuple[str, ...], np.ndarray]:
    try:
        return _LAYOUTS[preprocess]
    except KeyError:
        layout = _groups([str(n) for n in preprocess.get_feature_names_out()])
        _LAYOUTS[preprocess] = layout
        return layout


def _groups(model_features: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Explained feature names and the (k_model, k_explained) 0/1 matrix merging one-hots."""
    names: list[str] = []
    index: list[int] = []
    for name in model_features:
        group = next((c for c in CATEGORICAL_FEATURES if name.startswith(f"{c}_")), name)
        if group not in names:
            names.append(group)
        index.append(names.index(group))
    merge = np.zeros((len(model_features), len(names)))
    merge[np.arange(len(model_features)), index] = 1.0
    return tuple(names), merge


def calibration_line(model: Any) -> tuple[float, float]:
    """``(a, b)`` of the sigmoid calibrator: calibrated log-odds = a * margin + b.

    Raises:
        ValueError: The model is not sigmoid-calibrated (isotonic is not affine in the margin).
    """
    if getattr(model, "method", None) != "sigmoid":
        raise ValueError("explanations need the sigmoid calibration (affine in the margin)")
    cal = model.calibrator_
    return float(cal.coef_[0, 0]), float(cal.intercept_[0])


def explain(model: Any, X: pd.DataFrame | Mapping[str, Any]) -> Explanations:
    """Exact TreeSHAP explanations of a calibrated target model on contract feature rows.

    Args:
        model: A fitted [`CalibratedChurnModel`][bankchurn.models.CalibratedChurnModel] of a boosting candidate
            with sigmoid calibration.
        X: Rows with the contract feature columns (a frame, or a mapping of column name to
            values when the model's preprocessing has its array route).

    Returns:
        The [`Explanations`][bankchurn.explain.Explanations] (calibrated log-odds; see the module docstring).

    Raises:
        TypeError: The classifier has no native TreeSHAP (not a boosting candidate).
        ValueError: The calibration is not sigmoid.
    """
    a, b = calibration_line(model)
    preprocess = model.estimator_.steps[0][1]
    classifier = model.estimator_.steps[-1][1]
    route = model._array_route()
    matrix = route.transform(X) if route is not None else preprocess.transform(X)
    phi = booster_contributions(classifier, np.asarray(matrix, dtype="float64"))
    names, merge = _layout(preprocess)
    columns = preprocess.steps[0][1].transform_columns(X)  # raw + derived values, by name
    values = np.empty((phi.shape[0], len(names)), dtype=object)
    for j, name in enumerate(names):
        values[:, j] = np.asarray(columns[name], dtype=object)
    return Explanations(
        features=names,
        values=values,
        contributions=a * (phi[:, :-1] @ merge),
        base_value=a * phi[:, -1] + b,
    )


def _value_text(feature: str, value: Any) -> str:
    label = _LABELS.get(feature, feature)
    if value is None:
        return f"{label} unknown"
    if feature in _FLAGS:
        return _FLAGS[feature][int(value)]
    if feature == "Geography":
        return f"lives in {value}"
    if isinstance(value, float) and abs(value) >= 1000:
        return f"{label} {value:,.0f}"
    if isinstance(value, float):
        return f"{label} {value:.2f}"
    return f"{label} {value}"


def reason(item: dict[str, Any]) -> str:
    """One contribution in words, e.g. ``inactive member: raises churn odds x1.84``."""
    factor = float(np.exp(item["contribution"]))
    if factor >= 1.0:
        effect = f"raises churn odds x{factor:.2f}"
    else:
        effect = f"lowers churn odds x{factor:.2f}"
    return f"{_value_text(item['feature'], item['value'])}: {effect}"


def top_reasons(explanations: Explanations, n: int = N_REASONS) -> list[list[str]]:
    """The ``n`` largest contributions of each row, in words (see [`reason`][bankchurn.explain.reason])."""
    order = explanations.order()[:, :n]
    return [
        [reason(item) for item in explanations.row(i, order)["contributions"]]
        for i in range(len(explanations.base_value))
    ]
