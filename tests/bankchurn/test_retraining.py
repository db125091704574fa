"""The retraining rule: its clauses name the declared targets, and a month meets each one."""

from __future__ import annotations

import numpy as np

from bankchurn import cbpe, drift, retraining, targets


def _estimate(auc: float, precision: float) -> cbpe.Estimate:
    return cbpe.Estimate(
        n=100,
        roc_auc=auc,
        roc_auc_range=[],
        precision_at_capacity=precision,
        precision_at_capacity_range=[],
        capacity=0.1,
        expected_churn_rate=0.2,
    )


def test_retraining_reasons_name_each_clause() -> None:
    good, bad = _estimate(0.9, 0.8), _estimate(0.8, 0.4)
    rng = np.random.default_rng(0)
    moved = drift.prediction_drift(rng.beta(1, 4, 1000), rng.beta(3, 2, 300), "v")
    assert retraining.retraining_reasons(good, None) == []
    assert retraining.retraining_reasons(bad, moved, 0.8, 0.4) == [
        "estimated_roc_auc",
        "estimated_precision_at_capacity",
        "prediction_psi",
        "realised_roc_auc",
        "realised_precision_at_capacity",
    ]
    every = retraining.retraining_reasons(bad, moved, 0.8, 0.4)
    assert list(retraining.REASON_TITLES) == every  # each clause has its words, in order
    assert all("_" not in t for t in retraining.REASON_TITLES.values())


def test_the_rule_in_words_reads_its_thresholds_where_they_are_declared() -> None:
    rule = retraining.retraining_rule()
    auc, precision = targets.get("model.roc_auc"), targets.get("model.precision_at_10")
    assert len(rule) == 4
    # Both targets must be exceeded (">"): a clause is met when an estimate is at most one.
    assert (auc.comparison, precision.comparison) == (">", ">")
    assert f"is at most the canvas target {auc.value:g}" in rule[0]
    assert f"is at most the canvas target {precision.value:g}" in rule[1]
    assert f"exceeds {drift.PSI_THRESHOLD:g}" in rule[2]
    assert all(f"the last {retraining.RULE_WINDOW_MONTHS} months pooled" in c for c in rule[:2])
