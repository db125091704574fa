"""Exact TreeSHAP: native contributions equal brute force and shap; they add up to the log-odds."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from xgboost import XGBClassifier

from bankchurn import explain
from bankchurn.candidates import make_pipeline
from bankchurn.contract import FEATURES, TARGET
from bankchurn.models import CalibratedChurnModel


@pytest.fixture(scope="module", params=["xgboost", "lightgbm"])
def model(request, small_extract) -> CalibratedChurnModel:
    frame = small_extract.frame
    params = {"n_estimators": 30, "learning_rate": 0.1}
    params |= {"max_depth": 3} if request.param == "xgboost" else {"num_leaves": 8}
    pipeline = make_pipeline(request.param, params, seed=3)
    return CalibratedChurnModel(pipeline).fit(frame[list(FEATURES)], frame[TARGET], seed=3)


@pytest.fixture(scope="module")
def rows(small_extract) -> pd.DataFrame:
    frame = small_extract.frame[list(FEATURES)].head(300).copy()
    frame.loc[frame.index[:5], ["Balance", "CreditScore"]] = np.nan  # missing values explained
    return frame


# ----------------------------------------------------------------------- brute-force TreeSHAP


def _expectation(node: dict, x: np.ndarray, known: set[int]) -> float:
    """E[tree(x) | x_S] as path-dependent TreeSHAP defines it (cover-weighted unknown splits)."""
    if "leaf" in node:
        return float(node["leaf"])
    j = int(node["split"][1:])
    kids = {kid["nodeid"]: kid for kid in node["children"]}
    if j in known:
        if np.isnan(x[j]):
            nxt = node["missing"]
        else:
            nxt = node["yes"] if x[j] < node["split_condition"] else node["no"]
        return _expectation(kids[nxt], x, known)
    total = sum(kid["cover"] for kid in node["children"])
    return sum(kid["cover"] * _expectation(kid, x, known) for kid in node["children"]) / total


def _brute_force_shap(clf: XGBClassifier, x: np.ndarray) -> np.ndarray:
    """Shapley values by enumerating every feature subset (2^M value-function calls)."""
    trees = [json.loads(t) for t in clf.get_booster().get_dump(dump_format="json", with_stats=True)]
    config = json.loads(clf.get_booster().save_config())
    base = float(config["learner"]["learner_model_param"]["base_score"].strip("[]"))
    m = len(x)

    def value(subset: set[int]) -> float:
        return math.log(base / (1 - base)) + sum(_expectation(t, x, subset) for t in trees)

    phi = np.zeros(m + 1)
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for subset in itertools.combinations(others, size):
                s = set(subset)
                phi[j] += weight * (value(s | {j}) - value(s))
    phi[m] = value(set())
    return phi


def test_native_contributions_equal_brute_force_on_a_tiny_model() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    X[rng.random(X.shape) < 0.05] = np.nan
    y = ((X[:, 0] > 0) ^ (np.nan_to_num(X[:, 1]) * X[:, 2] > 0.3)).astype(int)
    clf = XGBClassifier(n_estimators=4, max_depth=3, learning_rate=0.5, n_jobs=1).fit(X, y)
    native = explain.booster_contributions(clf, X[:25])
    for i in range(25):
        np.testing.assert_allclose(native[i], _brute_force_shap(clf, X[i]), atol=1e-5)
    margin = clf.get_booster().inplace_predict(X[:25], predict_type="margin")
    np.testing.assert_allclose(native.sum(axis=1), margin, atol=1e-5)


def test_native_contributions_equal_the_shap_library(model, rows) -> None:
    shap = pytest.importorskip("shap")
    clf = model.estimator_.steps[-1][1]
    matrix = model.estimator_.steps[0][1].transform(rows)
    native = explain.booster_contributions(clf, matrix)
    tree = shap.TreeExplainer(clf, feature_perturbation="tree_path_dependent")
    # The Explanation API (a call): shap_values() warns that LightGBM's binary output changed.
    explained = tree(matrix)
    values = np.asarray(explained.values)
    values = values[..., 1] if values.ndim == 3 else values  # one column per class, if so
    np.testing.assert_allclose(native[:, :-1], values, atol=1e-5)
    base = np.asarray(explained.base_values)
    base = base[..., -1] if base.ndim == 2 else base
    np.testing.assert_allclose(native[:, -1], base, atol=1e-5)


# --------------------------------------------------------------------------- served log-odds


def test_base_plus_contributions_is_the_calibrated_log_odds(model, rows) -> None:
    ex = explain.explain(model, rows)
    p = model.predict_proba(rows)[:, 1]
    # Boosters compute in float32: the margin and its round trip agree to ~1e-6.
    np.testing.assert_allclose(ex.log_odds, np.log(p / (1 - p)), atol=1e-4)
    assert ex.features == tuple(f for f in ex.features)  # plain tuple of names
    assert "Geography" in ex.features
    assert not any(f.startswith("Geography_") for f in ex.features)
    assert np.all(ex.base_value == ex.base_value[0])


def test_rows_are_sorted_by_magnitude_and_carry_the_input_values(model, rows) -> None:
    ex = explain.explain(model, rows)
    first = ex.row(0)
    sizes = [abs(c["contribution"]) for c in first["contributions"]]
    assert sizes == sorted(sizes, reverse=True)
    by_name = {c["feature"]: c["value"] for c in first["contributions"]}
    assert by_name["Balance"] is None
    assert by_name["CreditScore"] is None
    assert by_name["Geography"] == rows["Geography"].iloc[0]
    assert by_name["Age"] == int(rows["Age"].iloc[0])
    total = first["base_value"] + sum(c["contribution"] for c in first["contributions"])
    assert total == pytest.approx(ex.log_odds[0])


def test_reasons_are_words_with_the_direction(model, rows) -> None:
    ex = explain.explain(model, rows)
    reasons = explain.top_reasons(ex)
    assert len(reasons) == len(rows)
    assert all(len(r) == explain.N_REASONS for r in reasons)
    top = ex.row(0)["contributions"][0]
    word = "raises" if top["contribution"] > 0 else "lowers"
    assert reasons[0][0].endswith(f"{word} churn odds x{math.exp(top['contribution']):.2f}")
    assert explain.reason({"feature": "IsActiveMember", "value": 0, "contribution": 0.5}) == (
        "inactive member: raises churn odds x1.65"
    )
    assert explain.reason({"feature": "Balance", "value": None, "contribution": -0.1}) == (
        "balance unknown: lowers churn odds x0.90"
    )


def test_models_without_tree_shap_or_affine_calibration_are_refused(small_extract) -> None:
    frame = small_extract.frame
    X, y = frame[list(FEATURES)], frame[TARGET]
    linear = CalibratedChurnModel(make_pipeline("logistic_regression", {"C": 1.0}, 0)).fit(X, y)
    with pytest.raises(TypeError, match="no exact TreeSHAP"):
        explain.explain(linear, X.head(3))
    iso = CalibratedChurnModel(make_pipeline("xgboost", {"n_estimators": 5}, 0), "isotonic")
    with pytest.raises(ValueError, match="sigmoid"):
        explain.explain(iso.fit(X, y), X.head(3))
