"""The NumPy scoring route gives exactly the probabilities of the plain sklearn pipeline.

``CalibratedChurnModel.predict_proba`` sends frames through
`bankchurn.features.ArrayPreprocessor` (the same fitted steps on arrays). These tests
compare it, bit for bit, with ``estimator_.predict_proba`` (the plain ``Pipeline`` route) on
thousands of rows with NaNs in every nullable column, row by row and in batches.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from bankchurn import models
from bankchurn.candidates import make_pipeline
from bankchurn.contract import BY_NAME, CATEGORICAL_FEATURES, FEATURES, TARGET
from bankchurn.features import ArrayPreprocessor, build_preprocessor
from bankchurn.ingest import load_extract
from bankchurn.models import CalibratedChurnModel, _logit

NULLABLE = [name for name in FEATURES if BY_NAME[name].nullable]


@pytest.fixture(scope="module")
def training(small_extract) -> tuple[pd.DataFrame, np.ndarray]:
    frame = small_extract.frame
    return frame[list(FEATURES)], frame[TARGET].to_numpy()


@pytest.fixture(scope="module")
def scoring_rows() -> pd.DataFrame:
    """3,000 unseen rows; ~5 % of every nullable column blanked (far above the contract's 1 %)."""
    frame = load_extract(None, seed=11, n_rows=3000).frame[list(FEATURES)].copy()
    rng = np.random.default_rng(0)
    for name in NULLABLE:
        frame.loc[rng.random(len(frame)) < 0.05, name] = np.nan
    frame.loc[0, NULLABLE] = np.nan  # one row with every nullable value missing
    return frame


def _plain(model: CalibratedChurnModel, X: pd.DataFrame) -> np.ndarray:
    """The reference: the fitted sklearn Pipeline's own predict_proba, then the calibrator's.

    The library's wrapper ``predict_proba`` (not the booster call of the fast route) and the
    sigmoid calibrator's ``LogisticRegression.predict_proba`` on the logit of the raw score.
    """
    raw = model.estimator_.predict_proba(X)[:, 1]
    return model.calibrator_.predict_proba(_logit(raw)[:, None])[:, 1]


@pytest.fixture(
    scope="module",
    params=[
        ("xgboost", {"n_estimators": 40, "max_depth": 3}, "canvas"),
        ("lightgbm", {"n_estimators": 40, "num_leaves": 8}, "canvas"),
        ("logistic_regression", {"C": 1.0}, "canvas"),
        ("logistic_regression", {"C": 1.0}, "extended"),
    ],
    ids=["xgb", "lgbm", "lr", "lr-extended"],
)
def model(request, training) -> CalibratedChurnModel:
    candidate, params, feature_set = request.param
    X, y = training
    pipeline = make_pipeline(candidate, params, seed=3, feature_set=feature_set)
    return CalibratedChurnModel(pipeline).fit(X, y, seed=3)


def test_the_fast_route_is_taken(model: CalibratedChurnModel) -> None:
    assert isinstance(model._array_route(), ArrayPreprocessor)
    boosted = model.estimator_.steps[-1][0] == "model" and not hasattr(
        model.estimator_.steps[-1][1], "coef_"
    )
    assert (model._booster_score() is not None) == boosted


def test_large_calls_split_over_threads_give_the_same_numbers(
    model, scoring_rows, monkeypatch
) -> None:
    monkeypatch.setattr(models, "PARALLEL_ROWS", 100)
    np.testing.assert_array_equal(
        model.predict_proba(scoring_rows)[:, 1], _plain(model, scoring_rows)
    )


def test_columns_score_as_the_frame(model, scoring_rows) -> None:
    columns = {name: scoring_rows[name].to_numpy() for name in FEATURES}
    np.testing.assert_array_equal(model.predict_proba(columns)[:, 1], _plain(model, scoring_rows))


def test_batch_probabilities_are_identical(model, scoring_rows) -> None:
    fast = model.predict_proba(scoring_rows)[:, 1]
    assert int(scoring_rows[NULLABLE].isna().sum().sum()) > 400
    np.testing.assert_array_equal(fast, _plain(model, scoring_rows))


def test_single_rows_are_identical(model, scoring_rows) -> None:
    # Row by row against the plain route on the same one-row frame (a linear model's matrix
    # product may round one row differently from a batch, in both routes alike).
    for i in range(300):
        row = scoring_rows.iloc[[i]]
        one = model.predict_proba(row)[:, 1]
        assert one.shape == (1,)
        assert one[0] == _plain(model, row)[0], f"row {i}"


def test_frames_like_the_api_builds_are_identical(model, scoring_rows) -> None:
    # The API builds float64 columns and object-dtype categories, in contract order.
    numeric = {n: "float64" for n in FEATURES if n not in CATEGORICAL_FEATURES}
    api_like = scoring_rows.astype(numeric).astype({n: object for n in CATEGORICAL_FEATURES})
    np.testing.assert_array_equal(model.predict_proba(api_like)[:, 1], _plain(model, scoring_rows))


def test_route_is_rebuilt_after_pickling(model, scoring_rows) -> None:
    model.predict_proba(scoring_rows.head(3))
    blob = pickle.dumps(model)
    assert b"ArrayPreprocessor" not in blob  # derived state stays out of the artifact
    loaded = pickle.loads(blob)
    np.testing.assert_array_equal(
        loaded.predict_proba(scoring_rows)[:, 1], _plain(model, scoring_rows)
    )


@pytest.mark.parametrize("kind", ["linear", "tree"])
@pytest.mark.parametrize("feature_set", ["canvas", "extended"])
def test_preprocessed_matrix_is_identical(kind, feature_set, training, scoring_rows) -> None:
    X, y = training
    pre = build_preprocessor(kind, feature_set).fit(X, y)
    route = ArrayPreprocessor.from_fitted(pre)
    assert route is not None
    fast, plain = route.transform(scoring_rows), pre.transform(scoring_rows)
    assert fast.dtype == plain.dtype
    assert fast.shape == plain.shape
    np.testing.assert_array_equal(fast, plain)  # NaN-free: every NaN was imputed


def test_unknown_layouts_fall_back_to_the_pipeline(training, scoring_rows) -> None:
    X, y = training
    pre = build_preprocessor("tree").fit(X, y)
    pre.named_steps["encode"].transformers_.append(("extra", "passthrough", ["Age"]))
    assert ArrayPreprocessor.from_fitted(pre) is None
    assert ArrayPreprocessor.from_fitted(build_preprocessor("tree").fit(X, y)[1:]) is None


def test_missing_columns_still_fail_clearly(model, scoring_rows) -> None:
    with pytest.raises(ValueError, match="missing feature columns"):
        model.predict_proba(scoring_rows.drop(columns=["Age"]))


@pytest.mark.parametrize("kind", ["linear", "tree"])
def test_every_step_of_the_route_runs_as_its_fitted_arithmetic(kind, training) -> None:
    X, y = training
    route = ArrayPreprocessor.from_fitted(build_preprocessor(kind).fit(X, y))
    assert route is not None
    steps = [step for block_steps, _ in route.blocks for step in block_steps]
    # A bound ``transform`` would mean sklearn's per-call validation is still on the route.
    assert not any(getattr(step, "__name__", "") == "transform" for step in steps)


def test_an_unknown_category_still_fails_like_sklearn(model, scoring_rows) -> None:
    bad = scoring_rows.head(3).copy()
    bad.loc[bad.index[1], "Geography"] = "Mars"
    with pytest.raises(ValueError, match="unknown categor"):
        model.predict_proba(bad)
