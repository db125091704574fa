"""The model candidates: their estimators, pipelines and bounded search spaces.

* ``logistic_regression``: the baseline, ``LogisticRegression(class_weight='balanced')``.
* ``xgboost`` and ``lightgbm``: the target's candidates (`TARGET_CANDIDATES`), both weighting
  classes as ``class_weight='balanced'`` does, each with the search space
  [`suggest_params`][bankchurn.candidates.suggest_params] that `bankchurn.tuning` explores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_sample_weight
from xgboost import XGBClassifier

from bankchurn.features import FeatureSet, build_preprocessor

if TYPE_CHECKING:
    import optuna

Candidate = Literal["logistic_regression", "xgboost", "lightgbm"]

TARGET_CANDIDATES: tuple[Candidate, ...] = ("xgboost", "lightgbm")
#: Histogram bins of both boosting libraries: enough for 10k rows, and faster than 255.
MAX_BINS = 63


class BalancedXGBClassifier(XGBClassifier):
    """``XGBClassifier`` weighting rows as ``class_weight='balanced'`` does.

    XGBoost has no ``class_weight``; the weights ``n / (2 * n_class)`` are computed from the
    labels of each ``fit`` (so inside every CV fold too), which a fixed ``scale_pos_weight``
    set before the labels are known could not do.
    """

    def fit(self, X: Any, y: Any, **kwargs: Any) -> BalancedXGBClassifier:
        """Fit with balanced sample weights unless weights are given."""
        kwargs.setdefault("sample_weight", compute_sample_weight("balanced", y))
        return super().fit(X, y, **kwargs)


def make_estimator(candidate: Candidate, params: dict[str, Any], seed: int) -> BaseEstimator:
    """The (unfitted) classifier of a candidate with the given hyperparameters.

    Each fit runs on one thread (``n_jobs=1``; see `bankchurn.threads`).
    """
    if candidate == "logistic_regression":
        return LogisticRegression(
            class_weight="balanced", max_iter=2000, random_state=seed, **params
        )
    if candidate == "xgboost":
        return BalancedXGBClassifier(
            tree_method="hist", max_bin=MAX_BINS, n_jobs=1, random_state=seed, **params
        )
    if candidate == "lightgbm":
        return LGBMClassifier(
            class_weight="balanced",
            max_bin=MAX_BINS,
            subsample_freq=1,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            random_state=seed,
            verbose=-1,
            **params,
        )
    raise ValueError(f"unknown candidate {candidate!r}")


def make_pipeline(
    candidate: Candidate, params: dict[str, Any], seed: int, feature_set: FeatureSet = "canvas"
) -> Pipeline:
    """Preprocessing + classifier as one ``Pipeline`` (steps ``preprocess`` and ``model``)."""
    kind: Literal["linear", "tree"] = "linear" if candidate == "logistic_regression" else "tree"
    return Pipeline(
        [
            ("preprocess", build_preprocessor(kind, feature_set)),
            ("model", make_estimator(candidate, params, seed)),
        ]
    )


#: Hyperparameters (of the search space below and of the baseline) as a table header shows them.
HYPERPARAMETER_TITLES: dict[str, str] = {
    "C": "inverse regularisation strength (C)",
    "n_estimators": "trees",
    "learning_rate": "learning rate",
    "subsample": "share of rows per tree",
    "colsample_bytree": "share of columns per tree",
    "reg_lambda": "L2 penalty (lambda)",
    "max_depth": "maximum depth",
    "min_child_weight": "minimum child weight (hessian)",
    "num_leaves": "leaves per tree",
    "min_child_samples": "minimum customers per leaf",
}


def suggest_params(trial: optuna.Trial, candidate: Candidate, max_trees: int) -> dict[str, Any]:
    """The bounded search space of a tree candidate (at most ``max_trees`` boosting rounds)."""
    # Shallow, regularised trees: on ten thousand rows the churn structure (mostly main effects,
    # a few pairwise interactions) is learnt by many small trees, not by deep ones. Stumps
    # (depth 1, two leaves: an additive model) are in the space; the CV decides.
    trees = {
        "n_estimators": trial.suggest_int("n_estimators", min(100, max_trees), max_trees, step=50),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
    }
    sampling = {
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 30.0, log=True),
    }
    if candidate == "xgboost":
        return {
            **trees,
            "max_depth": trial.suggest_int("max_depth", 1, 4),
            "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 50.0, log=True),
            **sampling,
        }
    if candidate == "lightgbm":
        return {
            **trees,
            "num_leaves": trial.suggest_int("num_leaves", 2, 16, log=True),
            "min_child_samples": trial.suggest_int("min_child_samples", 10, 100, log=True),
            **sampling,
        }
    raise ValueError(f"{candidate!r} is not tuned")
