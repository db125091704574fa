"""The served model: calibration, coefficients."""

from __future__ import annotations

import numpy as np

from bankchurn.candidates import make_pipeline
from bankchurn.contract import FEATURES, TARGET
from bankchurn.models import CalibratedChurnModel, coefficients
from bankchurn.selection import train_baseline
from bankchurn.split import temporal_split, time_ordered_folds


def _train(extract):
    frame = extract.frame
    split = temporal_split(frame)
    train = frame.iloc[split.train].reset_index(drop=True)
    return train, frame.iloc[split.test], time_ordered_folds(train, n_folds=2)


def test_calibration_removes_the_balanced_weight_inflation(small_extract) -> None:
    train, test, folds = _train(small_extract)
    X, y = train[list(FEATURES)], train[TARGET].to_numpy()
    model = CalibratedChurnModel(make_pipeline("logistic_regression", {"C": 1.0}, 0)).fit(
        X, y, folds=folds
    )
    raw = model.predict_raw(test[list(FEATURES)])
    cal = model.predict_proba(test[list(FEATURES)])[:, 1]
    rate = test[TARGET].mean()
    assert raw.mean() > rate + 0.1, "class_weight='balanced' should inflate raw scores"
    assert abs(cal.mean() - rate) < 0.06
    # Sigmoid calibration is strictly increasing: the ranking is unchanged.
    assert np.array_equal(np.argsort(raw, kind="stable"), np.argsort(cal, kind="stable"))
    assert np.all((cal >= 0) & (cal <= 1))


def test_baseline_coefficients_are_named(small_extract) -> None:
    train, _, folds = _train(small_extract)
    trained = train_baseline(train[list(FEATURES)], train[TARGET].to_numpy(), folds, seed=0)
    coefs = coefficients(trained.model)
    names = [c["feature"] for c in coefs]
    assert names[0] == "(intercept)"
    assert {"Age", "IsActiveMember", "Geography_Germany", "BalancePerProduct"} <= set(names)
    by_name = {c["feature"]: c["coefficient"] for c in coefs}
    assert by_name["IsActiveMember"] < 0 < by_name["Geography_Germany"]
