"""Performance estimated before the labels arrive (confidence-based performance estimation).

Churn labels arrive months after the scores. If the model's probabilities are calibrated on
the current rows (``P(churn | p) = p``), each row counts as ``p`` of a churner and ``1 - p``
of a stayer, and the expected value of a metric follows from the scores alone. This is the
idea of NannyML's CBPE; NannyML itself does not install with our pins (ADR 0023), so the two
estimators we need are written here:

* ROC-AUC: expected number of correctly ordered (churner, stayer) pairs over the expected
  number of pairs, over distinct rows (ties count one half);
* precision at capacity: mean probability of the rows the campaign contacts (the top
  ``capacity`` share of scores, same tie rule as `bankchurn.evaluation.top_k`).

What it cannot see: a change of ``P(churn | features)`` (concept drift) leaves the scores,
and therefore the estimate, unchanged. `label_spread` gives the range the realised value
should fall in when the assumption holds, so a realised value outside it points at exactly
that.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from bankchurn.evaluation import fast_roc_auc, top_k
from bankchurn.report_schemas.base import STRICT

#: Label draws of `label_spread`.
N_LABEL_DRAWS: int = 200
#: Central probability of the spread interval.
SPREAD_LEVEL: float = 0.90


def expected_roc_auc(p: np.ndarray) -> float:
    """Expected ROC-AUC of scores ``p`` when each row churns with probability ``p``.

    Args:
        p: Calibrated churn probabilities (also the ranking scores).

    Returns:
        Expected correctly ordered pairs / expected pairs, pairs of distinct rows only.
    """
    p = np.asarray(p, dtype="float64")
    q = 1.0 - p
    values, group = np.unique(p, return_inverse=True)
    pos = np.bincount(group, weights=p, minlength=len(values))
    neg = np.bincount(group, weights=q, minlength=len(values))
    self_pairs = np.bincount(group, weights=p * q, minlength=len(values))
    neg_below = np.concatenate(([0.0], np.cumsum(neg)[:-1]))
    ordered = np.sum(pos * neg_below) + 0.5 * np.sum(pos * neg - self_pairs)
    pairs = p.sum() * q.sum() - np.sum(p * q)
    return float(ordered / pairs) if pairs > 0 else float("nan")


def contacted(p: np.ndarray, capacity: float) -> np.ndarray:
    """Positions of the rows the campaign contacts: the top ``capacity`` share of scores."""
    k = max(1, round(capacity * len(p)))
    return np.argsort(-np.asarray(p, dtype="float64"), kind="stable")[:k]


def expected_precision_at_capacity(p: np.ndarray, capacity: float) -> float:
    """Expected precision among the contacted rows: their mean churn probability."""
    return float(np.mean(np.asarray(p, dtype="float64")[contacted(p, capacity)]))


class Estimate(BaseModel):
    """Estimated metrics of one unlabelled sample and the spread expected from labels alone."""

    model_config = STRICT

    n: int
    roc_auc: float
    roc_auc_range: list[float]
    precision_at_capacity: float
    precision_at_capacity_range: list[float]
    capacity: float
    expected_churn_rate: float


def label_spread(
    p: np.ndarray, capacity: float, seed: int, n_draws: int = N_LABEL_DRAWS
) -> tuple[list[float], list[float]]:
    """Range of the realised ROC-AUC and precision at capacity that label noise alone allows.

    Labels are drawn as ``Bernoulli(p)`` (what calibration alone allows); the central
    `SPREAD_LEVEL` share of the draws gives the range.
    """
    rng = np.random.default_rng(seed)
    p = np.asarray(p, dtype="float64")
    aucs, precisions = [], []
    for _ in range(n_draws):
        y = (rng.random(len(p)) < p).astype(int)
        auc = fast_roc_auc(y, p)
        if auc is not None:
            aucs.append(auc)
        precisions.append(top_k(y, p, capacity)["precision"])
    tail = (1.0 - SPREAD_LEVEL) / 2.0

    def band(v: list[float]) -> list[float]:
        return [float(np.quantile(v, tail)), float(np.quantile(v, 1.0 - tail))]

    return band(aucs), band(precisions)


def estimate(p: np.ndarray, capacity: float, seed: int = 0) -> Estimate:
    """CBPE of one sample's ROC-AUC and precision at capacity, with their label spread."""
    auc_range, precision_range = label_spread(p, capacity, seed)
    return Estimate(
        n=len(p),
        roc_auc=expected_roc_auc(p),
        roc_auc_range=auc_range,
        precision_at_capacity=expected_precision_at_capacity(p, capacity),
        precision_at_capacity_range=precision_range,
        capacity=capacity,
        expected_churn_rate=float(np.mean(p)),
    )
