"""Seeded, bounded Optuna TPE search of a candidate's hyperparameters by time-ordered CV.

The budget (`TuningBudget`) is the ``tuning`` section of params.yaml; the search spaces are
[`suggest_params`][bankchurn.candidates.suggest_params]. No test row is seen: every score is a
fold of the training part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from joblib import Parallel, delayed
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as checked_dataclass
from sklearn.metrics import roc_auc_score

from bankchurn import params
from bankchurn.candidates import Candidate, make_estimator, suggest_params
from bankchurn.features import FeatureSet, build_preprocessor
from bankchurn.split import Folds
from bankchurn.threads import N_JOBS, single_threaded


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class TuningBudget:
    """Bounded, deterministic search budget (checked: a bad ``params.yaml`` value is one line).

    Attributes:
        n_trials: Optuna trials per target candidate.
        n_folds: Time-ordered CV folds on the training part.
        max_trees: Upper bound of the boosting rounds (trees) of either library.
    """

    n_trials: int = Field(ge=1)
    n_folds: int = Field(ge=2)  # one fold would leave nothing to validate on
    max_trees: int = Field(ge=1)


#: Random trials before TPE starts modelling (Optuna's default of 10 exceeds the budget).
N_STARTUP_TRIALS = 3

#: Budget used by ``bankchurn report`` / ``train``: the ``tuning`` section of params.yaml (its
#: training time: Benchmarks page).
DEFAULT_BUDGET: TuningBudget = params.checked(TuningBudget, params.load().tuning, "tuning")
#: Small budget for tests.
FAST_BUDGET = TuningBudget(n_trials=2, n_folds=2, max_trees=100)


@dataclass
class TuningResult:
    """Outcome of tuning one candidate.

    Attributes:
        candidate: Candidate name.
        params: Best hyperparameters.
        cv_scores: Per-fold ROC-AUC of the best parameters.
        n_trials: Trials run.
        trials: ``[{number, params, cv_roc_auc}]`` of every trial, in order.
    """

    candidate: Candidate
    params: dict[str, Any]
    cv_scores: list[float]
    n_trials: int
    trials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cv_mean(self) -> float:
        """Mean CV ROC-AUC."""
        return float(np.mean(self.cv_scores))


def _preprocessed_folds(
    X: pd.DataFrame, y: np.ndarray, folds: Folds, feature_set: FeatureSet = "canvas"
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Tree preprocessing fitted once per fold (on that fold's training rows only).

    The preprocessing has no tuned hyperparameter, so every trial can reuse it; this is the
    same computation as fitting the whole pipeline per trial, minus the repeated work.
    """

    def one(
        train_idx: np.ndarray, val_idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        pre = build_preprocessor("tree", feature_set).fit(X.iloc[train_idx], y[train_idx])
        return (
            pre.transform(X.iloc[train_idx]),
            y[train_idx],
            pre.transform(X.iloc[val_idx]),
            y[val_idx],
        )

    return [one(tr, va) for tr, va in folds]


def tune(
    candidate: Candidate,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    seed: int,
    budget: TuningBudget = DEFAULT_BUDGET,
) -> TuningResult:
    """Seeded TPE search maximising mean time-ordered CV ROC-AUC (sequential, so deterministic).

    Each trial fits the candidate's classifier on every fold; folds run in parallel threads,
    trials one after the other (TPE then sees the same history on every run).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = _preprocessed_folds(X, y, folds)
    fold_scores: dict[int, list[float]] = {}

    def fit_score(
        params: dict[str, Any], Xtr: np.ndarray, ytr: np.ndarray, Xva: np.ndarray, yva: np.ndarray
    ) -> float:
        with single_threaded():
            clf = make_estimator(candidate, params, seed).fit(Xtr, ytr)
            return float(roc_auc_score(yva, clf.predict_proba(Xva)[:, 1]))

    def objective(trial: optuna.Trial) -> float:
        params = suggest_params(trial, candidate, budget.max_trees)
        scores = Parallel(n_jobs=N_JOBS, prefer="threads")(
            delayed(fit_score)(params, *fold) for fold in data
        )
        fold_scores[trial.number] = [float(s) for s in scores]
        return float(np.mean(scores))

    study = optuna.create_study(
        direction="maximize",
        # Few random start-up trials so TPE actually models the rest of the small budget.
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=N_STARTUP_TRIALS),
        study_name=f"{candidate}-seed{seed}",
    )
    study.optimize(objective, n_trials=budget.n_trials, n_jobs=1, show_progress_bar=False)
    best = study.best_trial
    trials = [
        {"number": t.number, "params": dict(t.params), "cv_roc_auc": float(t.value)}
        for t in study.trials
        if t.value is not None
    ]
    return TuningResult(
        candidate=candidate,
        params=dict(best.params),
        cv_scores=fold_scores[best.number],
        n_trials=len(study.trials),
        trials=trials,
    )
