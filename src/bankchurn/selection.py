"""Fitting the two models on training rows: the baseline, and the target chosen among candidates.

`bankchurn.training` runs the whole procedure around it (split, folds, metrics on test rows).

* ``baseline``: the calibrated logistic regression on the canvas features, interpretable
  through its coefficients ([`coefficients`][bankchurn.models.coefficients]).
* ``target``: the better, by mean time-ordered cross-validated ROC-AUC on the training part, of
  the tuned candidates (`bankchurn.candidates.TARGET_CANDIDATES`), refitted calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankchurn.candidates import TARGET_CANDIDATES, Candidate, make_pipeline
from bankchurn.features import FeatureSet
from bankchurn.models import CalibratedChurnModel, CalibrationMethod
from bankchurn.split import Folds
from bankchurn.tuning import DEFAULT_BUDGET, N_STARTUP_TRIALS, TuningBudget, TuningResult, tune

ModelName = Literal["baseline", "target"]


@dataclass
class TrainedModel:
    """A fitted, calibrated model and how it was chosen.

    Attributes:
        name: ``baseline`` or ``target``.
        candidate: Estimator family chosen.
        model: The served [`CalibratedChurnModel`][bankchurn.models.CalibratedChurnModel].
        params: Hyperparameters of the chosen estimator.
        selection: JSON-ready comparison of candidates (empty for the baseline).
    """

    name: ModelName
    candidate: Candidate
    model: CalibratedChurnModel
    params: dict[str, Any]
    selection: dict[str, Any] = field(default_factory=dict)


#: Hyperparameters of the baseline (no search: it is the reference point).
BASELINE_PARAMS: dict[str, Any] = {"C": 1.0}


def train_baseline(
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    seed: int,
    feature_set: FeatureSet = "canvas",
    calibration: CalibrationMethod = "sigmoid",
) -> TrainedModel:
    """Fit the calibrated logistic-regression baseline on the training rows."""
    pipeline = make_pipeline("logistic_regression", BASELINE_PARAMS, seed, feature_set)
    model = CalibratedChurnModel(pipeline, method=calibration).fit(X, y, folds=folds, seed=seed)
    return TrainedModel("baseline", "logistic_regression", model, dict(BASELINE_PARAMS))


def train_target(
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    seed: int,
    budget: TuningBudget = DEFAULT_BUDGET,
    calibration: CalibrationMethod = "sigmoid",
    candidates: tuple[Candidate, ...] = TARGET_CANDIDATES,
) -> tuple[TrainedModel, dict[Candidate, TuningResult]]:
    """Tune each tree candidate, keep the best by mean CV ROC-AUC, fit it calibrated.

    Returns:
        The chosen [`TrainedModel`][bankchurn.selection.TrainedModel] and every candidate's
        [`TuningResult`][bankchurn.tuning.TuningResult].
    """
    results = {c: tune(c, X, y, folds, seed, budget) for c in candidates}
    # Ties (equal mean to 6 decimals) resolve to the first candidate listed: deterministic.
    chosen = max(candidates, key=lambda c: round(results[c].cv_mean, 6))
    pipeline = make_pipeline(chosen, results[chosen].params, seed)
    model = CalibratedChurnModel(pipeline, method=calibration).fit(X, y, folds=folds, seed=seed)
    selection = {
        "chosen": chosen,
        "criterion": "mean time-ordered CV ROC-AUC on the training part",
        "candidates": {
            c: {
                "cv_roc_auc_mean": r.cv_mean,
                "cv_roc_auc_std": float(np.std(r.cv_scores)),
                "cv_fold_roc_auc": r.cv_scores,
                "best_params": r.params,
                "n_trials": r.n_trials,
                "trials": r.trials,
            }
            for c, r in results.items()
        },
        "budget": {
            "n_trials": budget.n_trials,
            "n_folds": budget.n_folds,
            "max_trees": budget.max_trees,
            "sampler": f"optuna TPESampler(seed={seed}, n_startup_trials={N_STARTUP_TRIALS})",
        },
    }
    return TrainedModel("target", chosen, model, dict(results[chosen].params), selection), results
