"""The target is the candidate with the best mean time-ordered CV ROC-AUC."""

from __future__ import annotations

from bankchurn.candidates import TARGET_CANDIDATES
from bankchurn.contract import FEATURES, TARGET
from bankchurn.selection import train_target
from bankchurn.split import temporal_split, time_ordered_folds
from bankchurn.tuning import FAST_BUDGET


def test_the_best_cv_candidate_is_chosen_and_every_candidate_recorded(small_extract) -> None:
    frame = small_extract.frame
    train = frame.iloc[temporal_split(frame).train].reset_index(drop=True)
    folds = time_ordered_folds(train, n_folds=2)
    X, y = train[list(FEATURES)], train[TARGET].to_numpy()
    trained, results = train_target(X, y, folds, seed=5, budget=FAST_BUDGET)
    means = {c: r.cv_mean for c, r in results.items()}
    assert trained.candidate == max(TARGET_CANDIDATES, key=lambda c: round(means[c], 6))
    assert trained.params == results[trained.candidate].params
    recorded = trained.selection["candidates"]
    assert set(recorded) == set(TARGET_CANDIDATES)
    assert {c: recorded[c]["cv_roc_auc_mean"] for c in recorded} == means
    assert trained.model.predict_proba(X.head(3)).shape == (3, 2)
