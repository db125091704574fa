"""Metrics and campaign value on hand-checkable inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from bankchurn import business, evaluation
from bankchurn.business import BusinessParameters


def test_fast_roc_auc_matches_sklearn() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    p = np.round(rng.random(400), 2)  # many ties
    assert evaluation.fast_roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert evaluation.fast_roc_auc(np.ones(5), np.arange(5)) is None


def test_top_k_precision_recall_lift() -> None:
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1] * 10)  # 30% churn, 100 rows
    p = np.linspace(1, 0, 100)  # the first 10 rows score highest
    top = evaluation.top_k(y, p, 0.10)
    assert top["k"] == 10
    assert top["precision"] == pytest.approx(3 / 10)
    assert top["recall"] == pytest.approx(3 / 30)
    assert top["lift"] == pytest.approx(1.0)


def test_best_reachable_caps_recall_at_the_capacity() -> None:
    """With k contacts and P > k churners no ranking finds more than k: recall <= k / P."""
    y = np.array([1] * 30 + [0] * 70)
    best = evaluation.best_reachable(y, 0.10)
    assert best["precision"] == 1.0
    assert best["recall"] == pytest.approx(10 / 30)
    op = evaluation.operating_point(y, np.linspace(1, 0, 100), 0.10)
    assert op["k"] == 10
    assert op["confusion_matrix"]["tp"] == 10
    assert op["best_reachable"]["recall_at_10"] == pytest.approx(10 / 30)


def test_top_k_and_the_value_model_contact_the_same_customers() -> None:
    rng = np.random.default_rng(9)
    y = rng.integers(0, 2, 101)
    p = np.round(rng.random(101), 1)  # many ties at the cut
    contacted = business.capacity_mask(p, 0.1)
    assert evaluation.top_k(y, p, 0.1)["k"] == contacted.sum()
    assert evaluation.top_k(y, p, 0.1)["precision"] == y[contacted].mean()


def test_threshold_metrics_and_confusion() -> None:
    y = np.array([1, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.2, 0.1])
    at = evaluation.at_threshold(y, p, 0.5)
    assert at["confusion_matrix"] == {"tn": 1, "fp": 1, "fn": 1, "tp": 1}
    assert at["precision"] == 0.5
    assert at["recall"] == 0.5
    assert at["positive_rate"] == 0.5


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 500)
    p = np.clip(y * 0.3 + rng.random(500) * 0.7, 0, 1)
    ci = evaluation.bootstrap_ci(y, p, seed=4, n_resamples=200)
    assert ci == evaluation.bootstrap_ci(y, p, seed=4, n_resamples=200)
    assert ci[0] < roc_auc_score(y, p) < ci[1]


def test_reliability_bins_cover_every_row() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(1000)
    y = (rng.random(1000) < p).astype(int)
    rel = evaluation.reliability(y, p)
    assert sum(b["n"] for b in rel["bins"]) == 1000
    assert len(rel["bins"]) == 10
    for b in rel["bins"]:  # a calibrated score: observed close to predicted
        assert abs(b["observed_rate"] - b["mean_predicted"]) < 0.12


def test_fairness_groups_and_gaps() -> None:
    frame = pd.DataFrame({"Geography": ["France", "Germany"] * 50, "Gender": ["Male"] * 100})
    y = np.array([1, 0, 0, 1] * 25)
    p = np.array([0.9, 0.1, 0.2, 0.8] * 25)
    out = evaluation.fairness(frame, y, p, 0.5)  # the riskiest half of ALL rows is contacted
    assert set(out["Geography"]["groups"]) == {"France", "Germany"}
    assert out["Geography"]["groups"]["France"]["n"] == 50
    assert out["Geography"]["gaps"]["recall"] == 0.0
    assert out["Gender"]["gaps"]["roc_auc"] == 0.0


def test_curves_are_downsampled_and_monotone() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 3000)
    c = evaluation.curves(y, rng.random(3000))
    assert len(c["roc"]["fpr"]) <= evaluation.N_CURVE_POINTS
    assert c["roc"]["fpr"][0] == 0.0
    assert c["roc"]["tpr"][-1] == 1.0
    assert np.all(np.diff(c["roc"]["fpr"]) >= 0)


def test_business_value_by_hand() -> None:
    params = BusinessParameters(retention_success_rate=0.5)
    y = np.array([1, 1, 0, 0])
    contacted = np.array([True, False, True, False])
    v = business.value_at(y, contacted, params, scale=2.0)
    expected_gross = 1 * 0.5 * params.customer_value_usd * 2.0
    assert v["gross_usd_per_year"] == pytest.approx(expected_gross)
    assert v["cost_usd_per_year"] == pytest.approx(2 * params.cost_per_contact_usd * 2.0)
    assert params.customer_value_usd == pytest.approx(2_000_000 / (10_000 * 0.2037 / 2))
    assert params.cost_per_contact_usd == pytest.approx(500 / 5)


def test_best_threshold_and_annualisation() -> None:
    params = BusinessParameters()
    y = np.array([1] * 10 + [0] * 90)
    p = np.r_[np.full(10, 0.9), np.full(90, 0.05)]
    t = business.best_threshold(y, p, params)
    assert 0.05 < t <= 0.9  # contacts exactly the ten churners
    assert business.annualisation({"kind": "temporal", "test_months": 6}) == 2.0
    assert business.annualisation({"kind": "stratified", "test_size": 0.25}) == 2.0
    assert list(business.risk_bands(np.array([0.1, 0.2, 0.49, 0.5]))) == [
        "low",
        "medium",
        "medium",
        "high",
    ]


def test_goal_and_sensitivity_by_hand() -> None:
    """10% contacted, 30% churn: even a perfect ranking reaches only a third of the churners."""
    params = BusinessParameters()
    y = np.array([1] * 30 + [0] * 70)
    p = np.linspace(1, 0, 100)  # perfect for the first 30 rows
    scale = 1.0
    g = business.goal(y, p, params, scale)
    gross_per_rate = 10 * params.customer_value_usd  # 10 churners reached at 10% capacity
    needed = (business.VALUE_TARGET.value + 10 * params.cost_per_contact_usd) / gross_per_rate
    assert g["success_rate_needed_at_operating_point"] == pytest.approx(needed)
    assert g["success_rate_needed_with_perfect_ranking"] == pytest.approx(needed)
    sens = business.sensitivity(y, p, params, scale)
    assert len(sens["net_usd_per_year"]) == len(business.SUCCESS_RATE_GRID)
    assert all(len(r) == len(business.CAPACITY_GRID) for r in sens["net_usd_per_year"])
    i = business.CAPACITY_GRID.index(0.1)
    assert sens["success_rate_needed"][i] == pytest.approx(needed)
    j = business.SUCCESS_RATE_GRID.index(0.3)
    at_op = business.value_at(y, business.capacity_mask(p, 0.1), params, scale)
    assert sens["net_usd_per_year"][j][i] == pytest.approx(at_op["net_usd_per_year"])


def test_business_parameters_are_validated() -> None:
    with pytest.raises(ValueError, match="retention_success_rate"):
        BusinessParameters(retention_success_rate=1.5)


def test_paired_gap_interval_brackets_the_gap_and_cancels_shared_rows() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 2000)
    best = np.clip(0.5 * y + rng.normal(0.25, 0.2, len(y)), 0, 1)
    noisy = best + rng.normal(0, 0.15, len(y))
    pair = np.column_stack([best, noisy])
    gap = roc_auc_score(y, best) - roc_auc_score(y, noisy)
    assert evaluation.roc_auc_gap(y, pair) == pytest.approx(gap)
    lo, hi = evaluation.bootstrap_ci(y, pair, metric=evaluation.roc_auc_gap, n_resamples=200)
    assert lo < gap < hi
    # Paired: narrower than the ROC-AUC interval of one score alone (unpaired: wider).
    alone = evaluation.bootstrap_ci(y, noisy, n_resamples=200)
    assert hi - lo < alone[1] - alone[0]
    # A score against itself differs by exactly nothing on every resample.
    same = np.column_stack([noisy, noisy])
    assert evaluation.bootstrap_ci(y, same, metric=evaluation.roc_auc_gap, n_resamples=50) == [
        0.0,
        0.0,
    ]
    # The order of the pair is the sign of the gap.
    flipped = evaluation.roc_auc_gap(y, pair[:, ::-1])
    assert flipped == pytest.approx(-gap)
