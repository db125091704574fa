"""Figures of the campaign's value and of fairness: value by threshold, its sensitivity, metrics by group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from bankchurn.business import value_maximising
from bankchurn.plots.style import (
    PALETTE,
    TARGET_LINE_COLOUR,
    WIDTH,
    ZERO_LINE,
    legend_below,
    new_figure,
    readable,
    style_axes,
    usd_label,
)
from bankchurn.targets import OPERATING_POINT


def value_vs_threshold(
    curve: Sequence[Mapping[str, float]],
    target_usd: float,
    scenario_threshold: float | None = None,
    capacity_threshold: float | None = None,
) -> Figure:
    """Net campaign value per year against a probability threshold, with the canvas target.

    Contacting everyone above a threshold is a SCENARIO beside the operating point (the
    riskiest share of customers, drawn as the probability cut it amounts to on these rows).

    Args:
        curve: ``[{"threshold", "net_usd_per_year", ...}]`` (``business.value_curve`` of a
            metrics file).
        target_usd: The canvas target, drawn as a horizontal line.
        scenario_threshold: The value-maximising threshold chosen on training rows (scenario).
        capacity_threshold: The probability cut of the operating point on these rows.

    Returns:
        The figure with one axes titled ``Campaign value vs threshold``.
    """
    if not curve:
        raise ValueError("value_vs_threshold needs a value curve")
    t = np.array([r["threshold"] for r in curve], dtype="float64")
    v = np.array([r["net_usd_per_year"] for r in curve], dtype="float64")
    fig, ax = new_figure(WIDTH, 4.6)
    ax.plot(t, v, color=PALETTE[0], linewidth=2, label="net value per year (test window)")
    ax.axhline(
        target_usd,
        color=TARGET_LINE_COLOUR,
        linestyle="--",
        linewidth=1.5,
        label=f"canvas target {usd_label(target_usd)}/year",
    )
    ax.axhline(0, **ZERO_LINE)
    best = value_maximising(list(t), list(v))  # the rule the report's maximum follows
    ax.scatter(
        [t[best]],
        [v[best]],
        color=PALETTE[2],
        s=50,
        zorder=3,
        label=f"maximum on test: {usd_label(v[best])} at {t[best]:.2f}",
    )
    if scenario_threshold is not None:
        ax.axvline(
            scenario_threshold,
            color=PALETTE[1],
            linewidth=1.2,
            label=f"scenario: threshold {scenario_threshold:.2f} (chosen on training rows)",
        )
    if capacity_threshold is not None:
        ax.axvline(
            capacity_threshold,
            color=PALETTE[3],
            linestyle="-.",
            linewidth=1.2,
            label=f"operating point: {OPERATING_POINT.label} (cut {capacity_threshold:.2f})",
        )
    style_axes(
        ax,
        usd="y",
        xlabel="contact every customer with churn probability >= threshold",
        ylabel="net value (USD per year)",
        title="Campaign value vs threshold",
        xlim=(0, 1),
    )
    legend_below(fig, 2)
    return fig


def value_sensitivity(
    sensitivity: Mapping[str, Any], target_usd: float, assumed_rate: float
) -> Figure:
    """Net value per year against the campaign capacity, one line per retention success rate.

    Args:
        sensitivity: ``business.sensitivity`` of a metrics file (``success_rates``,
            ``capacities``, ``net_usd_per_year``).
        target_usd: The canvas target, drawn as a horizontal line.
        assumed_rate: The success rate the value model assumes (drawn thicker).

    Returns:
        The figure with one axes titled ``Value vs capacity and success rate``; the operating
        point's capacity is a vertical line.
    """
    caps = np.asarray(sensitivity["capacities"], dtype="float64")
    rates = list(sensitivity["success_rates"])
    if not rates or not len(caps):
        raise ValueError("value_sensitivity needs a non-empty grid")
    fig, ax = new_figure(WIDTH, 4.8)
    for i, (rate, row) in enumerate(zip(rates, sensitivity["net_usd_per_year"], strict=True)):
        assumed = bool(np.isclose(rate, assumed_rate))
        ax.plot(
            caps,
            row,
            color=PALETTE[i % len(PALETTE)],
            linewidth=2.6 if assumed else 1.2,
            marker="o",
            markersize=3,
            label=f"success rate {rate:.0%}" + (" (assumed)" if assumed else ""),
        )
    ax.axhline(
        target_usd,
        color=TARGET_LINE_COLOUR,
        linestyle="--",
        linewidth=1.5,
        label=f"canvas target {usd_label(target_usd)}/year",
    )
    ax.axvline(
        OPERATING_POINT.capacity,
        color="#333333",
        linestyle="-.",
        linewidth=1.2,
        label=f"operating point ({OPERATING_POINT.label})",
    )
    ax.axhline(0, **ZERO_LINE)
    style_axes(
        ax,
        percent="x",
        usd="y",
        xlabel="customers contacted (riskiest first)",
        ylabel="net value (USD per year)",
        title="Value vs capacity and success rate",
    )
    legend_below(fig, 3)
    return fig


FAIRNESS_METRICS: tuple[str, ...] = (
    "roc_auc",
    "precision",
    "recall",
    "positive_rate",
    "churn_rate",
)


def fairness_bars(
    fairness: Mapping[str, Mapping[str, Any]],
    metrics: Sequence[str] = FAIRNESS_METRICS,
) -> Figure:
    """Per-group metrics of each protected attribute, as grouped bars (one panel per attribute).

    Args:
        fairness: ``{attribute: {"groups": {value: {metric: value}}, "gaps": {...}}}`` (the
            ``fairness`` section of a metrics file).
        metrics: Metrics to draw, one bar per group each.

    Returns:
        The figure; each panel's title names the attribute and its largest gap.
    """
    if not fairness:
        raise ValueError("fairness_bars needs at least one attribute")
    fig, axes = new_figure(WIDTH, 3.0 * len(fairness) + 0.4, len(fairness), 1)
    flat = np.atleast_1d(axes).ravel()
    for ax, (attribute, section) in zip(flat, fairness.items(), strict=True):
        groups = list(section["groups"])
        width = 0.8 / len(groups)
        x = np.arange(len(metrics))
        for i, g in enumerate(groups):
            vals = [section["groups"][g].get(m) for m in metrics]
            vals = [np.nan if v is None else v for v in vals]
            ax.bar(
                x + (i - (len(groups) - 1) / 2) * width,
                vals,
                width=width * 0.95,
                color=PALETTE[i % len(PALETTE)],
                label=f"{g} (n={section['groups'][g]['n']:,})",
            )
        gaps = {m: g for m, g in section.get("gaps", {}).items() if m in metrics and g is not None}
        worst = max(gaps, key=lambda m: gaps[m]) if gaps else None
        title = attribute + (
            f" (largest gap: {readable(worst)} {gaps[worst]:.3f})" if worst else ""
        )
        ax.set_xticks(x, [readable(m) for m in metrics], fontsize=8)
        style_axes(ax, ylim=(0, 1.05), title=title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # beside the bars
    fig.suptitle(f"Model metrics by protected group (test rows, {OPERATING_POINT.label} contacted)")
    return fig
