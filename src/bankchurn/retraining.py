"""The retraining rule: when the served model should be retrained, from a month without labels.

The rule reads the estimated performance of the last months pooled (`bankchurn.cbpe`) against
the canvas targets (`bankchurn.targets`), and the drift of the served probabilities
(`bankchurn.drift`); once labels arrive, the realised performance too. Feature drift alone is
not a reason. ``bankchurn monitor`` applies it to a sample; `bankchurn.monitoring` scores it
month by month against the drift the synthetic generator injects.
"""

from __future__ import annotations

import numpy as np

from bankchurn import cbpe, drift, targets

#: Months pooled by the retraining rule (the month checked and the ones before it): one month
#: of rows gives too noisy an estimate to act on alone.
RULE_WINDOW_MONTHS: int = 3


#: Each clause of `retraining_reasons` in words (the Monitoring page shows these, not the codes).
REASON_TITLES: dict[str, str] = {
    "estimated_roc_auc": "estimated ROC-AUC",
    "estimated_precision_at_capacity": "estimated precision",
    "prediction_psi": "prediction drift (PSI)",
    "realised_roc_auc": "realised ROC-AUC",
    "realised_precision_at_capacity": "realised precision",
}


def retraining_rule() -> list[str]:
    """The retraining rule in words, with its thresholds read from where they are declared."""
    auc, precision = targets.get("model.roc_auc"), targets.get("model.precision_at_10")
    window = f"the last {RULE_WINDOW_MONTHS} months pooled"
    return [
        (
            f"the estimated ROC-AUC (CBPE) of {window} is {_negate(auc.comparison)} "
            f"the canvas target {auc.value:g}"
        ),
        (
            f"the estimated precision at capacity of {window} is "
            f"{_negate(precision.comparison)} the canvas target {precision.value:g}"
        ),
        f"the PSI of the month's served probabilities exceeds {drift.PSI_THRESHOLD:g}",
        (
            f"once labels arrive: the realised ROC-AUC or precision at capacity of {window} "
            "misses its target"
        ),
    ]


def _negate(comparison: str) -> str:
    return {">": "at most", ">=": "below", "<": "at least", "<=": "above"}.get(comparison, "not")


def retraining_reasons(
    estimate: cbpe.Estimate,
    prediction: drift.PredictionDrift | None,
    realised_roc_auc: float | None = None,
    realised_precision: float | None = None,
) -> list[str]:
    """Which clauses of `retraining_rule` a month meets (empty: keep the model).

    Feature drift alone is not a reason: it calls for a look at the Monitoring page, and the
    model retrains only when the predictions or their estimated quality move.
    """
    auc, precision = targets.get("model.roc_auc"), targets.get("model.precision_at_10")
    reasons = []
    if auc.met(estimate.roc_auc) is False:
        reasons.append("estimated_roc_auc")
    if precision.met(estimate.precision_at_capacity) is False:
        reasons.append("estimated_precision_at_capacity")
    if prediction is not None and prediction.drifted:
        reasons.append("prediction_psi")
    if auc.met(realised_roc_auc) is False:
        reasons.append("realised_roc_auc")
    if precision.met(realised_precision) is False:
        reasons.append("realised_precision_at_capacity")
    return reasons


def assess(
    current_scores: np.ndarray,
    prediction: drift.PredictionDrift | None,
    seed: int = 0,
) -> tuple[cbpe.Estimate, list[str]]:
    """Estimated performance of an unlabelled sample and the retraining clauses it meets.

    Args:
        current_scores: Calibrated probabilities of the current sample (pool the months the
            rule reads, `RULE_WINDOW_MONTHS`).
        prediction: Prediction drift of the sample against the reference, if measured.
        seed: Seed of the label draws behind the estimate's range.

    Returns:
        The CBPE estimate and `retraining_reasons` of the sample.
    """
    estimate = cbpe.estimate(current_scores, targets.OPERATING_POINT.capacity, seed=seed)
    return estimate, retraining_reasons(estimate, prediction)
