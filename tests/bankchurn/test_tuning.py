"""Seeded, bounded tuning by time-ordered CV."""

from __future__ import annotations

from bankchurn.candidates import TARGET_CANDIDATES
from bankchurn.contract import FEATURES, TARGET
from bankchurn.split import temporal_split, time_ordered_folds
from bankchurn.tuning import FAST_BUDGET, tune


def test_tuning_is_deterministic(small_extract) -> None:
    frame = small_extract.frame
    train = frame.iloc[temporal_split(frame).train].reset_index(drop=True)
    folds = time_ordered_folds(train, n_folds=2)
    X, y = train[list(FEATURES)], train[TARGET].to_numpy()
    for candidate in TARGET_CANDIDATES:
        a = tune(candidate, X, y, folds, seed=5, budget=FAST_BUDGET)
        b = tune(candidate, X, y, folds, seed=5, budget=FAST_BUDGET)
        assert a.params == b.params, candidate
        assert a.cv_scores == b.cv_scores, candidate
        assert a.n_trials == FAST_BUDGET.n_trials
        assert a.params["n_estimators"] <= FAST_BUDGET.max_trees
