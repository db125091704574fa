"""The candidates' estimators and search spaces."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from sklearn.utils.class_weight import compute_sample_weight

from bankchurn.candidates import (
    HYPERPARAMETER_TITLES,
    TARGET_CANDIDATES,
    BalancedXGBClassifier,
    make_estimator,
    make_pipeline,
    suggest_params,
)


def _data(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + rng.normal(scale=1.5, size=n) > 1.2).astype(int)
    return X, y


def test_balanced_xgboost_weights_rows_as_class_weight_balanced() -> None:
    X, y = _data()
    assert y.mean() < 0.3  # imbalanced, so the weights matter
    ours = BalancedXGBClassifier(n_estimators=5, n_jobs=1, random_state=0).fit(X, y)
    explicit = BalancedXGBClassifier(n_estimators=5, n_jobs=1, random_state=0).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    unweighted = BalancedXGBClassifier(n_estimators=5, n_jobs=1, random_state=0).fit(
        X, y, sample_weight=np.ones(len(y))
    )
    np.testing.assert_array_equal(ours.predict_proba(X), explicit.predict_proba(X))
    assert not np.array_equal(ours.predict_proba(X), unweighted.predict_proba(X))


@pytest.mark.parametrize("candidate", TARGET_CANDIDATES)
def test_search_space_stays_within_the_tree_budget_and_reaches_stumps(candidate) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    drawn = [suggest_params(study.ask(), candidate, max_trees=150) for _ in range(60)]
    assert all(100 <= p["n_estimators"] <= 150 for p in drawn)
    depth = "max_depth" if candidate == "xgboost" else "num_leaves"
    assert min(p[depth] for p in drawn) == (1 if candidate == "xgboost" else 2)
    # Each drawn point builds a valid classifier of its library.
    make_estimator(candidate, drawn[0], seed=0).fit(*_data())


@pytest.mark.parametrize("candidate", TARGET_CANDIDATES)
def test_every_searched_hyperparameter_has_a_title(candidate) -> None:
    """The notebooks show the trials under these titles (a new hyperparameter needs one)."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    drawn = suggest_params(study.ask(), candidate, max_trees=150)
    assert set(drawn) <= set(HYPERPARAMETER_TITLES), set(drawn) - set(HYPERPARAMETER_TITLES)
    assert all(title and "_" not in title for title in HYPERPARAMETER_TITLES.values())


def test_unknown_candidates_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown candidate"):
        make_estimator("forest", {}, seed=0)  # type: ignore[arg-type]
    study = optuna.create_study()
    with pytest.raises(ValueError, match="is not tuned"):
        suggest_params(study.ask(), "logistic_regression", max_trees=100)


def test_pipelines_pair_the_classifier_with_its_preprocessing() -> None:
    linear = make_pipeline("logistic_regression", {"C": 1.0}, seed=0)
    tree = make_pipeline("lightgbm", {"n_estimators": 10}, seed=0)
    assert [name for name, _ in linear.steps] == ["preprocess", "model"]
    assert type(linear.named_steps["model"]).__name__ == "LogisticRegression"
    assert tree.named_steps["model"].get_params()["class_weight"] == "balanced"
