"""Temporal split, time-ordered folds, stratified fallback, and proof that nothing is fitted on test rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankchurn.candidates import make_pipeline
from bankchurn.contract import FEATURES, SNAPSHOT, TARGET
from bankchurn.models import CalibratedChurnModel
from bankchurn.split import make_split, stratified_split, temporal_split, time_ordered_folds


def test_temporal_split_tests_on_the_last_months(small_extract) -> None:
    frame = small_extract.frame
    split = temporal_split(frame, test_months=6)
    dates = frame[SNAPSHOT]
    assert dates.iloc[split.train].max() < dates.iloc[split.test].min()
    assert dates.iloc[split.test].dt.to_period("M").nunique() == 6
    assert len(split.train) + len(split.test) == len(frame)
    assert not set(split.train) & set(split.test)
    info = split.info
    assert info["kind"] == "temporal"
    assert info["test"]["start"] > info["train"]["end"]
    assert info["train"]["n_snapshots"] == 18
    assert info["test"]["n"] == len(split.test)
    assert abs(info["test"]["churn_rate"] - frame[TARGET].iloc[split.test].mean()) < 1e-12


def test_time_ordered_folds_never_validate_on_the_past(small_extract) -> None:
    frame = small_extract.frame
    train = frame.iloc[temporal_split(frame).train].reset_index(drop=True)
    folds = time_ordered_folds(train, n_folds=3)
    assert len(folds) == 3
    previous = 0
    for tr, va in folds:
        assert train[SNAPSHOT].iloc[tr].max() < train[SNAPSHOT].iloc[va].min()
        assert len(tr) > previous  # expanding window
        previous = len(tr)


def test_stratified_fallback_says_so(small_extract) -> None:
    frame = small_extract.frame.drop(columns=[SNAPSHOT])
    split = make_split(frame, seed=3)
    assert split.info["kind"] == "stratified"
    assert "no SnapshotDate" in split.info["note"]
    rate = frame[TARGET].mean()
    assert abs(frame[TARGET].iloc[split.test].mean() - rate) < 0.01
    again = stratified_split(frame, seed=3)
    assert np.array_equal(split.test, again.test)
    folds = time_ordered_folds(frame.iloc[split.train], n_folds=3, seed=3)
    assert sum(len(v) for _, v in folds) == len(split.train)


def _fit(train: pd.DataFrame) -> CalibratedChurnModel:
    X, y = train[list(FEATURES)], train[TARGET].to_numpy()
    model = CalibratedChurnModel(make_pipeline("logistic_regression", {"C": 1.0}, seed=0))
    return model.fit(X, y, folds=time_ordered_folds(train, n_folds=2))


def test_nothing_is_fitted_on_test_rows(small_extract) -> None:
    frame = small_extract.frame
    split = temporal_split(frame)
    train = frame.iloc[split.train].reset_index(drop=True)
    model = _fit(train)

    # 1. The imputer and scaler statistics are those of the training rows only.
    pre = model.estimator_.named_steps["preprocess"]
    numeric = pre.named_steps["encode"].named_transformers_["numeric"]
    derived = pre.named_steps["derive"].transform(train[list(FEATURES)])
    cols = pre.named_steps["encode"].transformers_[0][2]
    np.testing.assert_allclose(
        numeric.named_steps["impute"].statistics_, derived[cols].median().to_numpy()
    )
    filled = derived[cols].fillna(derived[cols].median())
    np.testing.assert_allclose(numeric.named_steps["scale"].mean_, filled.mean().to_numpy())

    # 2. Wildly perturbed test rows (and labels) change no fitted parameter.
    rng = np.random.default_rng(0)
    perturbed = frame.copy()
    test_rows = perturbed.index[split.test]
    perturbed.loc[test_rows, "Balance"] = rng.uniform(0, 1e6, len(test_rows))
    perturbed.loc[test_rows, "Age"] = 99
    perturbed.loc[test_rows, TARGET] = 1 - perturbed.loc[test_rows, TARGET]
    split2 = temporal_split(perturbed)
    assert np.array_equal(split.train, split2.train)
    model2 = _fit(perturbed.iloc[split2.train].reset_index(drop=True))
    clf, clf2 = model.estimator_.named_steps["model"], model2.estimator_.named_steps["model"]
    np.testing.assert_array_equal(clf.coef_, clf2.coef_)
    np.testing.assert_array_equal(model.calibrator_.coef_, model2.calibrator_.coef_)
