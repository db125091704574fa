"""bankchurn.cbpe: the estimates are the expected values of the metrics under calibrated labels."""

from __future__ import annotations

import numpy as np
import pytest

from bankchurn import cbpe
from bankchurn.evaluation import fast_roc_auc, top_k


@pytest.mark.parametrize("decimals", [None, 1])  # continuous scores, then heavy ties
def test_expected_roc_auc_is_the_mean_over_calibrated_label_draws(decimals: int | None) -> None:
    rng = np.random.default_rng(3)
    p = rng.beta(1, 4, 400)
    if decimals is not None:
        p = np.round(p, decimals)
    draws = [fast_roc_auc((rng.random(len(p)) < p).astype(int), p) for _ in range(3000)]
    assert cbpe.expected_roc_auc(p) == pytest.approx(np.mean(draws), abs=0.002)


def test_expected_precision_at_capacity_is_the_mean_over_label_draws() -> None:
    rng = np.random.default_rng(4)
    p = rng.beta(1, 4, 400)
    draws = [top_k((rng.random(len(p)) < p).astype(int), p, 0.1)["precision"] for _ in range(3000)]
    # about four standard errors of the Monte Carlo mean of the draws
    assert cbpe.expected_precision_at_capacity(p, 0.1) == pytest.approx(np.mean(draws), abs=0.006)
    assert len(cbpe.contacted(p, 0.1)) == 40


def test_estimate_gives_a_range_around_the_estimate() -> None:
    p = np.random.default_rng(5).beta(1, 4, 400)
    e = cbpe.estimate(p, 0.1, seed=1)
    assert e.roc_auc_range[0] < e.roc_auc < e.roc_auc_range[1]
    assert e.precision_at_capacity_range[0] <= e.precision_at_capacity
    assert e.precision_at_capacity <= e.precision_at_capacity_range[1]
    assert e == cbpe.estimate(p, 0.1, seed=1)  # seeded


def test_a_concept_shift_is_invisible_to_the_estimate() -> None:
    """What the page says: more churn at the same scores leaves the estimate unchanged."""
    rng = np.random.default_rng(6)
    p = rng.beta(1, 4, 4000)
    y = (rng.random(len(p)) < np.clip(p * 1.6, 0, 1)).astype(int)
    e = cbpe.estimate(p, 0.1, seed=0)
    realised = top_k(y, p, 0.1)["precision"]
    assert realised > e.precision_at_capacity_range[1]
