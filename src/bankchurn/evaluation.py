"""The metric functions: ranking, operating point, calibration, fairness, importance.

Pure functions of labels, scores and frames; every random step is seeded.
`bankchurn.model_metrics` calls them to measure one model (its ``metrics.json``).

The operating point is ``bankchurn.targets.OPERATING_POINT``: the riskiest share of the rows is
contacted (a cut on the ranking, not a probability threshold). Next to each figure measured
there, the best value ANY ranking could reach at the same cut is given, so a target that is out
of reach by construction (recall above the capacity's share of churners) shows as such.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from bankchurn.business import capacity_mask
from bankchurn.contract import FEATURES, PROTECTED_ATTRIBUTES
from bankchurn.targets import OPERATING_POINT

#: Bootstrap resamples of the headline metric's confidence interval.
N_BOOTSTRAP: int = 1000
#: Bins of the reliability curve.
N_CALIBRATION_BINS: int = 10
#: Points kept per plotted ROC / PR curve.
N_CURVE_POINTS: int = 101


def roc_auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC-AUC, or ``None`` when only one class is present."""
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, p))


def fast_roc_auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC-AUC by the rank-sum (Mann-Whitney) formula; equals ``roc_auc_score`` (ties averaged).

    Used inside the bootstrap, where sklearn's input validation would dominate the run time.
    """
    y = np.asarray(y).astype(bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(p)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def top_k(
    y: np.ndarray, p: np.ndarray, fraction: float = OPERATING_POINT.capacity
) -> dict[str, float]:
    """Precision, recall and lift among the ``fraction`` highest scores.

    The cut is ``bankchurn.business.capacity_mask`` (ties broken by row order), the same one
    the value model contacts, so both always talk about the same customers.
    """
    y = np.asarray(y).astype(int)
    n = len(y)
    contacted = capacity_mask(p, fraction)
    k = int(contacted.sum())
    hits = int(y[contacted].sum())
    base = float(y.mean()) if n else 0.0
    precision = hits / k
    return {
        "k": k,
        "precision": precision,
        "recall": hits / int(y.sum()) if y.sum() else 0.0,
        "lift": precision / base if base else 0.0,
    }


def best_reachable(y: np.ndarray, fraction: float = OPERATING_POINT.capacity) -> dict[str, float]:
    """Precision, recall and lift of a PERFECT ranking that contacts the same ``fraction``.

    No model can do better at this cut: with ``k`` contacts and ``P`` churners, at most
    ``min(k, P)`` churners are reached, so recall is at most ``k / P``.
    """
    y = np.asarray(y).astype(int)
    return top_k(y, y.astype("float64"), fraction)


def confusion(y: np.ndarray, contacted: np.ndarray) -> dict[str, Any]:
    """Precision, recall, share contacted and confusion matrix of contacting ``contacted``."""
    y = np.asarray(y).astype(int)
    pred = np.asarray(contacted, dtype=bool).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return {
        "precision": float(tp / (tp + fp)) if tp + fp else 0.0,
        "recall": float(tp / (tp + fn)) if tp + fn else 0.0,
        "positive_rate": float(pred.mean()) if len(pred) else 0.0,
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
    }


def at_threshold(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    """``confusion`` of contacting every row with ``p >= threshold`` (a scenario)."""
    return confusion(y, np.asarray(p) >= threshold)


def operating_point(
    y: np.ndarray, p: np.ndarray, fraction: float = OPERATING_POINT.capacity
) -> dict[str, Any]:
    """The ``operating_point`` section of a metrics file.

    The cut, its confusion matrix and the best figures any ranking could reach there.
    """
    y = np.asarray(y).astype(int)
    contacted = capacity_mask(p, fraction)
    best = best_reachable(y, fraction)
    return {
        "capacity": float(fraction),
        "label": f"the riskiest {fraction:.0%} of customers contacted",
        "k": int(contacted.sum()),
        "confusion_matrix": confusion(y, contacted)["confusion_matrix"],
        "best_reachable": {
            "precision_at_10": best["precision"],
            "recall_at_10": best["recall"],
            "lift_at_10": best["lift"],
        },
    }


def bootstrap_ci(
    y: np.ndarray,
    p: np.ndarray,
    metric: Callable[[np.ndarray, np.ndarray], float | None] = fast_roc_auc,
    n_resamples: int = N_BOOTSTRAP,
    seed: int = 0,
    level: float = 0.95,
) -> list[float]:
    """Percentile bootstrap confidence interval of ``metric`` (seeded, resampling rows)."""
    y, p = np.asarray(y), np.asarray(p)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        idx = rng.integers(0, len(y), len(y))
        v = metric(y[idx], p[idx])
        if v is not None:
            values.append(v)
    alpha = (1.0 - level) / 2.0
    return [float(np.quantile(values, alpha)), float(np.quantile(values, 1.0 - alpha))]


def roc_auc_gap(y: np.ndarray, pair: np.ndarray) -> float | None:
    """ROC-AUC of ``pair[:, 0]`` minus that of ``pair[:, 1]`` on the same rows.

    With [`bootstrap_ci`][bankchurn.evaluation.bootstrap_ci] it gives a paired interval: both
    scores are resampled together, so what the two share (which rows were drawn) cancels.
    """
    first, second = fast_roc_auc(y, pair[:, 0]), fast_roc_auc(y, pair[:, 1])
    return None if first is None or second is None else first - second


def reliability(y: np.ndarray, p: np.ndarray, n_bins: int = N_CALIBRATION_BINS) -> dict[str, Any]:
    """Brier score and reliability curve over equal-width probability bins.

    Returns:
        ``brier``, ``mean_predicted``, ``observed_rate`` and ``bins``
        (``[{lo, hi, n, mean_predicted, observed_rate}]``, empty bins omitted).
    """
    y = np.asarray(y).astype(int)
    p = np.clip(np.asarray(p, dtype="float64"), 0.0, 1.0)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, n_bins - 1)
    bins = []
    for b in range(n_bins):
        mask = which == b
        if mask.any():
            bins.append(
                {
                    "lo": float(edges[b]),
                    "hi": float(edges[b + 1]),
                    "n": int(mask.sum()),
                    "mean_predicted": float(p[mask].mean()),
                    "observed_rate": float(y[mask].mean()),
                }
            )
    return {
        "brier": float(brier_score_loss(y, p)),
        "mean_predicted": float(p.mean()),
        "observed_rate": float(y.mean()),
        "bins": bins,
    }


def _downsample(points: np.ndarray, n: int = N_CURVE_POINTS) -> np.ndarray:
    """Evenly spaced (deterministic) subset of curve points, keeping both ends."""
    if len(points) <= n:
        return points
    idx = np.unique(np.round(np.linspace(0, len(points) - 1, n)).astype(int))
    return points[idx]


def curves(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """ROC and precision-recall curve points for plotting (at most ``N_CURVE_POINTS`` each)."""
    fpr, tpr, _ = roc_curve(y, p)
    precision, recall, _ = precision_recall_curve(y, p)
    roc = _downsample(np.column_stack([fpr, tpr]))
    pr = _downsample(np.column_stack([recall[::-1], precision[::-1]]))
    return {
        "roc": {"fpr": roc[:, 0].tolist(), "tpr": roc[:, 1].tolist()},
        "pr": {"recall": pr[:, 0].tolist(), "precision": pr[:, 1].tolist()},
    }


def fairness(
    frame: pd.DataFrame,
    y: np.ndarray,
    p: np.ndarray,
    fraction: float = OPERATING_POINT.capacity,
    columns: tuple[str, ...] = PROTECTED_ATTRIBUTES,
) -> dict[str, Any]:
    """Headline metrics per group of each protected attribute, and the max-min gaps.

    Precision, recall and the share contacted are those of the operating point: the riskiest
    ``fraction`` of ALL rows is contacted (one list for everyone), then each group is read.

    Returns:
        ``{column: {"groups": {value: {n, churn_rate, roc_auc, precision, recall,
        positive_rate}}, "gaps": {metric: max - min}}}``.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype="float64")
    contacted = capacity_mask(p, fraction)
    out: dict[str, Any] = {}
    for col in columns:
        values = frame[col].astype(str).to_numpy()
        groups: dict[str, Any] = {}
        for value in sorted(np.unique(values)):
            mask = values == value
            at = confusion(y[mask], contacted[mask])
            groups[value] = {
                "n": int(mask.sum()),
                "churn_rate": float(y[mask].mean()),
                "roc_auc": roc_auc(y[mask], p[mask]),
                "precision": at["precision"],
                "recall": at["recall"],
                "positive_rate": at["positive_rate"],
            }
        gaps = {}
        for metric in ("roc_auc", "precision", "recall", "positive_rate", "churn_rate"):
            vals = [g[metric] for g in groups.values() if g[metric] is not None]
            gaps[metric] = float(max(vals) - min(vals)) if vals else None
        out[col] = {"groups": groups, "gaps": gaps}
    return out


def importance(
    model: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    n_repeats: int = 5,
) -> list[dict[str, Any]]:
    """Permutation importance (drop in ROC-AUC) of each contract input column, on ``X``.

    Columns are permuted before feature engineering, so a derived ratio's effect is credited to
    the raw columns it is built from.

    Returns:
        ``[{feature, mean, std}]`` sorted by decreasing mean drop.
    """
    cols = list(FEATURES)
    result = permutation_importance(
        model,
        X[cols],
        np.asarray(y).astype(int),
        scoring="roc_auc",
        n_repeats=n_repeats,
        random_state=seed,
        n_jobs=1,
    )
    rows: list[dict[str, Any]] = [
        {"feature": c, "mean": float(m), "std": float(s)}
        for c, m, s in zip(cols, result.importances_mean, result.importances_std, strict=True)
    ]
    rows.sort(key=lambda r: (-r["mean"], r["feature"]))
    return rows


def evaluate_scores(
    y: np.ndarray,
    p: np.ndarray,
    seed: int,
    frame: pd.DataFrame | None = None,
    true_proba: np.ndarray | None = None,
    n_bootstrap: int = N_BOOTSTRAP,
    true_proba_without_gender: np.ndarray | None = None,
) -> dict[str, Any]:
    """Every score-based metric of calibrated probabilities ``p`` on labelled rows.

    Args:
        y: Labels of the evaluated rows.
        p: Calibrated churn probabilities of the same rows.
        seed: Seed of the bootstrap.
        frame: The same rows' features, for the fairness breakdown (skipped when ``None``).
        true_proba: True churn probabilities of the same rows (synthetic data only), giving the
            Bayes-optimal ROC-AUC of THESE rows (the ceiling); ``None`` for user files.
        n_bootstrap: Bootstrap resamples.
        true_proba_without_gender: Best probabilities without ``Gender`` (synthetic data only):
            the ceiling for models that may not use it (ADR 0006).

    Returns:
        JSON-ready dict with the keys documented in ``reports/*/metrics.json``.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype="float64")
    top = top_k(y, p)
    cal = reliability(y, p)
    out: dict[str, Any] = {
        "n": len(y),
        "churn_rate": float(y.mean()),
        "roc_auc": roc_auc(y, p),
        "roc_auc_ci": bootstrap_ci(y, p, seed=seed, n_resamples=n_bootstrap),
        "roc_auc_ci_level": 0.95,
        "pr_auc": float(average_precision_score(y, p)),
        "precision_at_10": top["precision"],
        "recall_at_10": top["recall"],
        "lift_at_10": top["lift"],
        "operating_point": operating_point(y, p),
        "brier": cal["brier"],
        "calibration": cal,
        "curves": curves(y, p),
        # The ceilings are measured on the very rows the model is judged on, never on others.
        "bayes_optimal_roc_auc": roc_auc(y, true_proba) if true_proba is not None else None,
        "bayes_optimal_roc_auc_without_gender": (
            roc_auc(y, true_proba_without_gender) if true_proba_without_gender is not None else None
        ),
    }
    if frame is not None:
        out["fairness"] = fairness(frame, y, p)
    return out
