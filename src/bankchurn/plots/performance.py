"""Figures of how well models rank and are calibrated, and how they were chosen.

ROC and precision-recall curves, the reliability diagram, cumulative gains and lift (with the
gains table behind them), scores of several models side by side, and the tuning trials.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bankchurn.evaluation import top_k
from bankchurn.plots.style import (
    PALETTE,
    REFERENCE_COLOUR,
    REFERENCE_LINE,
    TARGET_LINE_COLOUR,
    UNIT_SQUARE,
    WIDTH,
    legend_below,
    new_figure,
    readable,
    style_axes,
)
from bankchurn.targets import OPERATING_POINT

#: Shares of customers contacted at which [`gains_table`][bankchurn.plots.performance.gains_table]
#: reports the gains.
GAINS_FRACTIONS: tuple[float, ...] = (0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.75, 1.0)
#: Titles of the columns of [`gains_table`][bankchurn.plots.performance.gains_table] (see
#: [`titled`][bankchurn.plots.tables.titled]).
GAINS_TITLES: dict[str, str] = {
    "scorer": "ranked by",
    "contacted_share": "share contacted",
    "churners_captured": "share of churners reached (recall)",
    "precision": "precision",
    "lift": "lift",
}


def roc_pr_curves(
    curves: Mapping[str, Mapping[str, Mapping[str, Sequence[float]]]],
    base_rate: float | None = None,
    scores: Mapping[str, Mapping[str, float]] | None = None,
) -> Figure:
    """ROC (left) and precision-recall (right) curves of several models on shared axes.

    Args:
        curves: ``{model: {"roc": {"fpr", "tpr"}, "pr": {"recall", "precision"}}}`` (the
            ``curves`` section of a ``metrics.json``, or [`bankchurn.evaluation.curves`][bankchurn.evaluation.curves]).
        base_rate: Churn rate of the evaluated rows: the precision of a random ranking.
        scores: Optional ``{model: {"roc_auc", "pr_auc"}}`` shown in the legend.

    Returns:
        The figure with axes ``ROC curve`` and ``Precision-recall curve``.
    """
    if not curves:
        raise ValueError("roc_pr_curves needs at least one model")
    fig, (roc_ax, pr_ax) = new_figure(WIDTH, 4.4, 1, 2)
    scores = scores or {}
    for i, (name, c) in enumerate(curves.items()):
        s = scores.get(name, {})
        shown = [
            f"{label} {s[key]:.3f}"
            for key, label in (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC"))
            if key in s
        ]
        label = name + (f" ({', '.join(shown)})" if shown else "")
        colour = PALETTE[i % len(PALETTE)]
        roc_ax.plot(c["roc"]["fpr"], c["roc"]["tpr"], color=colour, linewidth=1.8, label=label)
        pr_ax.plot(c["pr"]["recall"], c["pr"]["precision"], color=colour, linewidth=1.8)
    roc_ax.plot(
        [0, 1],
        [0, 1],
        **REFERENCE_LINE,
        label="random ranking" + (f" (precision {base_rate:.1%})" if base_rate else ""),
    )
    if base_rate is not None:
        pr_ax.axhline(base_rate, **REFERENCE_LINE)
    style_axes(
        roc_ax,
        xlabel="false positive rate",
        ylabel="true positive rate (recall)",
        title="ROC curve",
        **UNIT_SQUARE,
    )
    style_axes(
        pr_ax, xlabel="recall", ylabel="precision", title="Precision-recall curve", **UNIT_SQUARE
    )
    legend_below(fig, 1, *roc_ax.get_legend_handles_labels())
    return fig


def reliability_diagram(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    labels: tuple[str, str] = ("before calibration", "after calibration"),
) -> Figure:
    """Reliability diagram before and after calibration, with the Brier scores.

    Args:
        before: [`bankchurn.evaluation.reliability`][bankchurn.evaluation.reliability] of the raw
            scores (``brier``, ``bins``).
        after: The same for the calibrated probabilities.
        labels: Legend names of the two curves.

    Returns:
        The figure: observed churn rate vs mean predicted probability per bin (top), rows per
        bin (bottom); the diagonal is perfect calibration.
    """
    fig, (top, bottom) = new_figure(6.4, 6.4, 2, 1, sharex=True, height_ratios=(3, 1))
    top.plot([0, 1], [0, 1], **REFERENCE_LINE, label="perfectly calibrated")
    width = 0.1
    for i, (rel, name) in enumerate(((before, labels[0]), (after, labels[1]))):
        colour = PALETTE[1] if i == 0 else PALETTE[0]
        bins = rel["bins"]
        top.plot(
            [b["mean_predicted"] for b in bins],
            [b["observed_rate"] for b in bins],
            color=colour,
            marker="o",
            linewidth=1.8,
            label=f"{name} (Brier {rel['brier']:.4f})",
        )
        if bins:
            width = bins[0]["hi"] - bins[0]["lo"]
        offset = (-0.25 if i == 0 else 0.25) * width
        bottom.bar(
            [(b["lo"] + b["hi"]) / 2 + offset for b in bins],
            [b["n"] for b in bins],
            width=width * 0.45,
            color=colour,
            label=name,
        )
    style_axes(
        top,
        ylabel="observed churn rate",
        title="Reliability diagram (test rows)",
        xlim=(0, 1),
        ylim=(0, 1.03),
    )
    top.legend(loc="upper left", fontsize=8)
    style_axes(bottom, xlabel="predicted churn probability", ylabel="rows per bin")
    return fig


def gains_table(
    y: np.ndarray,
    scores: Mapping[str, np.ndarray],
    fractions: Sequence[float] = GAINS_FRACTIONS,
) -> pd.DataFrame:
    """Cumulative gains and lift of each scorer when the top ``fraction`` is contacted.

    Uses [`bankchurn.evaluation.top_k`][bankchurn.evaluation.top_k] (same cut and tie rule as the metrics files), so the
    10 % row equals ``recall_at_10`` / ``lift_at_10`` of the reports.

    Args:
        y: Labels (1 = churned).
        scores: ``{scorer name: scores}`` aligned with ``y``.
        fractions: Shares of customers contacted.

    Returns:
        Long frame with columns ``scorer``, ``contacted_share``, ``churners_captured``
        (recall), ``precision`` and ``lift``.
    """
    rows = []
    for name, p in scores.items():
        for f in fractions:
            t = top_k(y, p, fraction=f)
            rows.append(
                {
                    "scorer": name,
                    "contacted_share": float(f),
                    "churners_captured": t["recall"],
                    "precision": t["precision"],
                    "lift": t["lift"],
                }
            )
    return pd.DataFrame(rows)


def cumulative_gains(
    y: np.ndarray,
    scores: Mapping[str, np.ndarray],
    capacity: float | None = OPERATING_POINT.capacity,
) -> Figure:
    """Cumulative gains (left) and lift (right) curves of several scorers.

    Args:
        y: Labels (1 = churned).
        scores: ``{scorer name: scores}`` aligned with ``y``.
        capacity: Share of customers the campaign can contact, drawn as a vertical line.

    Returns:
        The figure with axes ``Cumulative gains`` and ``Lift``.
    """
    if not scores:
        raise ValueError("cumulative_gains needs at least one scorer")
    y = np.asarray(y).astype(int)
    n, positives = len(y), max(1, int(y.sum()))
    share = np.arange(1, n + 1) / n
    fig, (gain_ax, lift_ax) = new_figure(WIDTH, 4.6, 1, 2)
    best = np.minimum(np.arange(1, n + 1), positives) / positives
    gain_ax.plot(
        share, best, color=REFERENCE_COLOUR, linestyle=":", linewidth=1.2, label="perfect ranking"
    )
    for i, (name, p) in enumerate(scores.items()):
        order = np.argsort(-np.asarray(p, dtype="float64"), kind="stable")
        gains = np.cumsum(y[order]) / positives
        colour = PALETTE[i % len(PALETTE)]
        gain_ax.plot(share, gains, color=colour, linewidth=1.8, label=name)
        start = max(1, n // 100)  # the first 1 %: lift over a handful of rows is noise
        lift_ax.plot(share[start:], gains[start:] / share[start:], color=colour, linewidth=1.8)
    gain_ax.plot([0, 1], [0, 1], **REFERENCE_LINE, label="random (no model)")
    lift_ax.axhline(1.0, **REFERENCE_LINE)
    if capacity is not None:
        for ax in (gain_ax, lift_ax):
            ax.axvline(
                capacity,
                color=TARGET_LINE_COLOUR,
                linewidth=1,
                alpha=0.8,
                label=f"campaign capacity ({capacity:.0%})" if ax is gain_ax else None,
            )
    style_axes(
        gain_ax,
        percent="x",
        xlabel="customers contacted (highest first)",
        ylabel="share of churners reached",
        title="Cumulative gains",
        **UNIT_SQUARE,
    )
    style_axes(
        lift_ax,
        percent="x",
        xlabel="customers contacted (highest first)",
        ylabel="lift over random",
        title="Lift",
        xlim=(0, 1),
    )
    legend_below(fig, 2, *gain_ax.get_legend_handles_labels())
    return fig


def score_comparison(
    scores: Mapping[str, float],
    errors: Mapping[str, float] | None = None,
    references: Mapping[str, float | None] | None = None,
    target: float | None = None,
    xlabel: str = "ROC-AUC",
) -> Figure:
    """Horizontal bars comparing one score across models, with reference lines.

    Args:
        scores: ``{model: score}``, drawn top to bottom in the given order.
        errors: Optional ``{model: half-width}`` error bars (e.g. fold standard deviation).
        references: ``{label: score}`` drawn as dashed lines, e.g. the Bayes-optimal ROC-AUC and
            the best a model without ``Gender`` can reach; ``None`` values are skipped.
        target: A target to meet (e.g. the canvas ROC-AUC > 0.85), a red dotted line.
        xlabel: Name of the score.

    Returns:
        The figure; bars are annotated with their values, the legend sits below the axes.
    """
    if not scores:
        raise ValueError("score_comparison needs at least one score")
    names = list(scores)[::-1]
    vals = [scores[n] for n in names]
    fig, ax = new_figure(WIDTH, 0.55 * len(names) + 2.2)
    xerr = [errors.get(n, 0.0) for n in names] if errors else None
    ax.barh(names, vals, xerr=xerr, color=PALETTE[0], ecolor="#333333", capsize=3, height=0.6)
    for i, v in enumerate(vals):
        ax.annotate(
            f"{v:.3f}",
            (v, i),
            xytext=(-5, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=9,
            color="white",
            fontweight="bold",
        )
    lines = {k: v for k, v in (references or {}).items() if v is not None}
    for j, (label, value) in enumerate(lines.items()):
        ax.axvline(
            value,
            color=PALETTE[(2 + j) % len(PALETTE)],
            linestyle="--",
            linewidth=1.5,
            label=f"{label} ({value:.3f})",
        )
    if target is not None:
        ax.axvline(
            target,
            color=TARGET_LINE_COLOUR,
            linestyle=":",
            linewidth=1.5,
            label=f"canvas target ({target:.2f})",
        )
    marks = [*vals, *lines.values(), *([target] if target is not None else [])]
    xlim = (max(0.0, min(marks) - 0.08), min(1.0, max(marks) + 0.04))
    style_axes(ax, xlabel=xlabel, title=f"{xlabel} by model", xlim=xlim)
    if lines or target is not None:
        legend_below(fig, 1)
    return fig


def tuning_trials(candidates: Mapping[str, Mapping[str, Any]]) -> Figure:
    """CV ROC-AUC of every tuning trial per candidate, with the running best.

    Args:
        candidates: ``{candidate: {"trials": [{"number", "cv_roc_auc"}]}}`` (the ``candidates``
            section of ``reports/model_selection.json``).

    Returns:
        The figure: one marker per trial, one step line of the best-so-far per candidate.
    """
    if not candidates:
        raise ValueError("tuning_trials needs at least one candidate")
    fig, ax = new_figure(WIDTH, 4.0)
    for i, (name, c) in enumerate(candidates.items()):
        trials = c["trials"]
        x = [t["number"] + 1 for t in trials]
        y = np.array([t["cv_roc_auc"] for t in trials], dtype="float64")
        colour = PALETTE[i % len(PALETTE)]
        ax.scatter(x, y, color=colour, s=28, alpha=0.8, label=f"{readable(name)}: trial")
        ax.step(
            x,
            np.maximum.accumulate(y),
            where="post",
            color=colour,
            linewidth=1.6,
            label=f"{readable(name)}: best so far",
        )
    style_axes(
        ax,
        xlabel="trial",
        ylabel="mean time-ordered CV ROC-AUC",
        title="Seeded, bounded tuning (Optuna TPE)",
    )
    legend_below(fig, 2)
    return fig
