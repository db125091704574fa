"""Figures of the notebooks and the site: pure matplotlib, one function per figure.

Every function takes plain data (a frame, arrays, or the dicts that `bankchurn.reporting`
writes to ``reports/*.json``) and returns a new `matplotlib.figure.Figure`. Nothing
here touches ``matplotlib.pyplot``: no global figure registry, no current axes, no
``rcParams`` change, so a figure never leaks into the next one and calling a function twice
gives the same picture. Sizes, DPI, colours and the white background are fixed (the white
background keeps the plots readable in the site's dark palette too).

In a notebook: ``display(plots.roc_pr_curves(...));`` (with ``%matplotlib inline``, which
registers the PNG formatter for figures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from bankchurn.contract import TARGET
from bankchurn.evaluation import top_k
from bankchurn.targets import OPERATING_POINT

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
STAYED_COLOUR, CHURNED_COLOUR = "#0072B2", "#D55E00"
TARGET_LINE_COLOUR = "#B00020"
REFERENCE_COLOUR = "#7F7F7F"
#: Resolution of every figure (the notebooks' PNGs are rendered at this DPI).
DPI: int = 100
#: Width of every figure, inches: at [`DPI`][bankchurn.plots.DPI] it fits the site's content column without
#: being scaled down much, so the labels stay readable.
WIDTH: float = 7.5
#: Shares of customers contacted at which [`gains_table`][bankchurn.plots.gains_table] reports the gains.
GAINS_FRACTIONS: tuple[float, ...] = (0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.75, 1.0)
#: Months marked as the seasonal (December/January) drift window.
SEASON_MONTHS: tuple[int, ...] = (12, 1)
#: Dashed grey line of what a model is compared with (random ranking, overall rate, perfect
#: calibration).
REFERENCE_LINE: Mapping[str, Any] = {"color": REFERENCE_COLOUR, "linestyle": "--", "linewidth": 1}
#: Thin dark line at zero, where bars or values change sign.
ZERO_LINE: Mapping[str, Any] = {"color": "#333333", "linewidth": 0.8}
#: Limits of a panel that plots a share against a share (ROC, precision-recall, gains); the
#: headroom above 1 keeps a curve at 1 visible.
UNIT_SQUARE: Mapping[str, Any] = {"xlim": (0, 1), "ylim": (0, 1.01)}


def new_figure(
    width: float, height: float, nrows: int = 1, ncols: int = 1, **layout: Any
) -> tuple[Figure, Any]:
    """A figure of a fixed size (inches) with a grid of axes, without pyplot.

    Args:
        width: Width in inches.
        height: Height in inches.
        nrows: Rows of axes.
        ncols: Columns of axes.
        **layout: More arguments of ``Figure.subplots`` (``sharex``, ``height_ratios``...).

    Returns:
        The figure and its axes (a single ``Axes`` or an array of them, as ``subplots``).
    """
    fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white", layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True, **layout)
    for ax in np.atleast_1d(axes).ravel():
        ax.set_facecolor("white")
        ax.grid(True, color="#E5E5E5", linewidth=0.8)
        ax.set_axisbelow(True)
    return fig, axes


def _style(ax: Any, *, percent: str = "", usd: str = "", **props: Any) -> None:
    """Give an axes its titles, labels and limits, and its tick formats.

    Args:
        ax: The axes.
        percent: Axes (``"x"``, ``"y"`` or ``"xy"``) whose ticks are shares shown as whole %.
        usd: Axes whose ticks are dollar amounts ($-120K, $1.2M).
        **props: ``Axes.set`` properties (``title``, ``xlabel``, ``ylabel``, ``xlim``...).
    """
    for name in percent:
        getattr(ax, f"{name}axis").set_major_formatter(PercentFormatter(1.0, decimals=0))
    for name in usd:
        getattr(ax, f"{name}axis").set_major_formatter(FuncFormatter(_usd))
    ax.set(**props)


def _legend_below(fig: Figure, ncols: int, *handles_labels: Any) -> None:
    """One legend for every panel, below them, so it never hides a curve, bar or point."""
    fig.legend(*handles_labels, loc="outside lower center", ncols=ncols, fontsize=8)


def _usd(value: float, _pos: object = None) -> str:
    """Axis label of a dollar amount: $-120K, $0, $1.2M."""
    if abs(value) >= 1e6:
        return f"${value / 1e6:.1f}M"
    return f"${value / 1e3:.0f}K" if value else "$0"


def _label(name: str) -> str:
    return name.replace("_", " ")


def _thousands(value: float, _pos: object = None) -> str:
    """Axis label of a large amount: 50K, 1.2M."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    return f"{value / 1e3:.0f}K" if abs(value) >= 1e3 else f"{value:g}"


def _group_order(keys: Sequence[str]) -> list[tuple[str, str]]:
    """``(key, label)`` pairs: numeric keys first in numeric order, then the others.

    "0.0" is shown as "0"; the other keys (e.g. ``missing``) keep the order given.

    Report keys are strings, so a numeric column would otherwise sort as "1", "10", "2".
    """
    numbers: dict[str, float] = {}
    for k in keys:
        try:
            numbers[k] = float(k)
        except ValueError:
            continue
    if not numbers:
        return [(k, k) for k in keys]
    ordered = sorted(numbers, key=numbers.__getitem__)
    return [(k, f"{numbers[k]:g}") for k in ordered] + [(k, k) for k in keys if k not in numbers]


# --- data --------------------------------------------------------------------------------------


def distributions(
    frame: pd.DataFrame,
    columns: Sequence[str],
    target: str = TARGET,
    bins: int = 30,
    ncols: int = 2,
) -> Figure:
    """Histogram of each numeric column, stayed vs churned (densities, so shapes compare).

    Args:
        frame: Rows with ``columns`` and the binary ``target``.
        columns: Numeric columns to draw, one panel each.
        target: Label column (1 = churned).
        bins: Histogram bins (integer columns with few values get one bar per value).
        ncols: Panels per row.

    Returns:
        The figure; each panel's title is the column name.
    """
    if not columns:
        raise ValueError("distributions needs at least one column")
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = new_figure(WIDTH, 2.3 * nrows + 0.4, nrows, ncols)
    flat = np.atleast_1d(axes).ravel()
    y = frame[target].to_numpy()
    for ax, col in zip(flat, columns, strict=False):
        values = frame[col].to_numpy(dtype="float64")
        finite = values[np.isfinite(values)]
        distinct = np.unique(finite)
        if len(distinct) <= 12:  # a count: one bar per value, centred on it
            edges = np.concatenate([distinct - 0.5, [distinct[-1] + 0.5]])
        else:
            edges = np.linspace(finite.min(), finite.max(), bins + 1)
        for flag, colour, name in ((0, STAYED_COLOUR, "stayed"), (1, CHURNED_COLOUR, "churned")):
            part = values[(y == flag) & np.isfinite(values)]
            ax.hist(
                part,
                bins=edges,
                density=True,
                alpha=0.55,
                color=colour,
                label=f"{name} (n={len(part):,})",
            )
        ax.set_title(col)
        ax.set_ylabel("density")
        ax.tick_params(axis="y", labelleft=False)  # densities: the shape matters, not the scale
        if finite.max() >= 1e4:
            ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    for ax in flat[len(columns) :]:
        ax.set_visible(False)
    flat[0].legend(loc="upper right", fontsize=8)
    fig.suptitle("Distributions by outcome (stayed vs churned)")
    return fig


def churn_by_group(
    groups: Mapping[str, Mapping[str, Mapping[str, float]]],
    overall: float | None = None,
    ncols: int = 2,
) -> Figure:
    """Churn rate of each value of each grouping column, as bars.

    Args:
        groups: ``{column: {value: {"n", "share", "churn_rate"}}}`` (the ``churn_by_group``
            section of ``reports/data_profile.json``).
        overall: Overall churn rate, drawn as a dashed reference line.
        ncols: Panels per row.

    Returns:
        The figure; one panel per column, bars labelled with the group sizes.
    """
    if not groups:
        raise ValueError("churn_by_group needs at least one group")
    nrows = int(np.ceil(len(groups) / ncols))
    fig, axes = new_figure(WIDTH, 2.4 * nrows + 0.4, nrows, ncols)
    flat = np.atleast_1d(axes).ravel()
    for ax, (column, values) in zip(flat, groups.items(), strict=False):
        order = _group_order(list(values))
        names = [label for _, label in order]
        rates = [values[k]["churn_rate"] for k, _ in order]
        bars = ax.bar(range(len(names)), rates, color=PALETTE[0], width=0.7)
        if len(order) <= 6:  # beyond that the labels collide; the sizes are in the table
            for bar, (k, _) in zip(bars, order, strict=True):
                ax.annotate(
                    f"n={values[k]['n']:,}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=6.5,
                    color="#333333",
                    xytext=(0, 1),
                    textcoords="offset points",
                )
        long_labels = max(len(n) for n in names) > 4 and len(names) > 3
        ax.set_xticks(
            range(len(names)),
            names,
            rotation=30 if long_labels else 0,
            fontsize=8,
            ha="right" if long_labels else "center",
        )
        if overall is not None:
            ax.axhline(overall, **REFERENCE_LINE, label=f"overall {overall:.1%}")
        _style(ax, percent="y", title=column, ylim=(0, max(1e-9, max(rates)) * 1.18))
    for ax in flat[len(groups) :]:
        ax.set_visible(False)
    if overall is not None:
        flat[0].legend(loc="upper left", fontsize=7)
    fig.suptitle("Churn rate by group")
    return fig


def monthly_churn(
    monthly: Sequence[Mapping[str, Any]],
    overall: float | None = None,
    season_months: Sequence[int] = SEASON_MONTHS,
) -> Figure:
    """Churn rate per monthly snapshot, with the seasonal (December/January) months marked.

    Args:
        monthly: ``[{"snapshot": "YYYY-MM-DD", "n", "churn_rate"}]`` (``reports/data_profile.json``).
        overall: Overall churn rate, drawn as a dashed reference line.
        season_months: Calendar months to highlight.

    Returns:
        The figure: one line, seasonal snapshots as larger orange markers.
    """
    if not monthly:
        raise ValueError("monthly_churn needs at least one snapshot")
    dates = pd.to_datetime([m["snapshot"] for m in monthly])
    rates = np.array([m["churn_rate"] for m in monthly], dtype="float64")
    season = np.isin(dates.month, list(season_months))
    fig, ax = new_figure(WIDTH, 3.6)
    x = np.arange(len(dates))
    ax.plot(
        x,
        rates,
        color=PALETTE[0],
        marker="o",
        markersize=3.5,
        linewidth=1.5,
        label="churn rate of the snapshot",
    )
    ax.scatter(
        x[season], rates[season], color=PALETTE[1], s=55, zorder=3, label="December / January"
    )
    if overall is not None:
        ax.axhline(overall, **REFERENCE_LINE, label=f"overall {overall:.1%}")
    step = max(1, len(dates) // 12)
    ax.set_xticks(x[::step], [d.strftime("%Y-%m") for d in dates[::step]], rotation=45, ha="right")
    _style(
        ax,
        percent="y",
        ylabel="churn rate",
        title="Monthly churn rate across snapshots (seasonal drift)",
    )
    ax.legend(loc="upper left", fontsize=8)
    return fig


# --- models ------------------------------------------------------------------------------------


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
    _style(
        roc_ax,
        xlabel="false positive rate",
        ylabel="true positive rate (recall)",
        title="ROC curve",
        **UNIT_SQUARE,
    )
    _style(
        pr_ax, xlabel="recall", ylabel="precision", title="Precision-recall curve", **UNIT_SQUARE
    )
    _legend_below(fig, 1, *roc_ax.get_legend_handles_labels())
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
    _style(
        top,
        ylabel="observed churn rate",
        title="Reliability diagram (test rows)",
        xlim=(0, 1),
        ylim=(0, 1.03),
    )
    top.legend(loc="upper left", fontsize=8)
    _style(bottom, xlabel="predicted churn probability", ylabel="rows per bin")
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
    _style(
        gain_ax,
        percent="x",
        xlabel="customers contacted (highest first)",
        ylabel="share of churners reached",
        title="Cumulative gains",
        **UNIT_SQUARE,
    )
    _style(
        lift_ax,
        percent="x",
        xlabel="customers contacted (highest first)",
        ylabel="lift over random",
        title="Lift",
        xlim=(0, 1),
    )
    _legend_below(fig, 2, *gain_ax.get_legend_handles_labels())
    return fig


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
        label=f"canvas target {_usd(target_usd)}/year",
    )
    ax.axhline(0, **ZERO_LINE)
    # Same rule as bankchurn.business.summary: highest value, ties -> the higher threshold.
    best = max(range(len(t)), key=lambda i: (round(float(v[i]), 6), t[i]))
    ax.scatter(
        [t[best]],
        [v[best]],
        color=PALETTE[2],
        s=50,
        zorder=3,
        label=f"maximum on test: {_usd(v[best])} at {t[best]:.2f}",
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
    _style(
        ax,
        usd="y",
        xlabel="contact every customer with churn probability >= threshold",
        ylabel="net value (USD per year)",
        title="Campaign value vs threshold",
        xlim=(0, 1),
    )
    _legend_below(fig, 2)
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
        label=f"canvas target {_usd(target_usd)}/year",
    )
    ax.axvline(
        OPERATING_POINT.capacity,
        color="#333333",
        linestyle="-.",
        linewidth=1.2,
        label=f"operating point ({OPERATING_POINT.label})",
    )
    ax.axhline(0, **ZERO_LINE)
    _style(
        ax,
        percent="x",
        usd="y",
        xlabel="customers contacted (riskiest first)",
        ylabel="net value (USD per year)",
        title="Value vs capacity and success rate",
    )
    _legend_below(fig, 3)
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
        title = attribute + (f" (largest gap: {_label(worst)} {gaps[worst]:.3f})" if worst else "")
        ax.set_xticks(x, [_label(m) for m in metrics], fontsize=8)
        _style(ax, ylim=(0, 1.05), title=title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # beside the bars
    fig.suptitle(f"Model metrics by protected group (test rows, {OPERATING_POINT.label} contacted)")
    return fig


def importance_bars(importance: Sequence[Mapping[str, float]], title: str | None = None) -> Figure:
    """Permutation importance (drop in ROC-AUC) per input column, largest on top.

    Args:
        importance: ``[{"feature", "mean", "std"}]`` (the ``importance`` section of a metrics file).
        title: Axes title; a default names the method.

    Returns:
        The figure: horizontal bars with one-standard-deviation error bars.
    """
    if not importance:
        raise ValueError("importance_bars needs at least one feature")
    rows = sorted(importance, key=lambda r: r["mean"])
    fig, ax = new_figure(7.5, 0.35 * len(rows) + 1.4)
    ax.barh(
        [r["feature"] for r in rows],
        [r["mean"] for r in rows],
        xerr=[r.get("std", 0.0) for r in rows],
        color=PALETTE[0],
        ecolor="#333333",
        capsize=2,
    )
    ax.axvline(0, **ZERO_LINE)
    _style(
        ax,
        xlabel="drop in ROC-AUC when the column is shuffled",
        title=title or "Permutation importance (test rows)",
    )
    return fig


def coefficient_bars(coefficients: Sequence[Mapping[str, Any]], title: str | None = None) -> Figure:
    """Logistic-regression coefficients by feature (intercept left out), largest magnitude on top.

    Args:
        coefficients: ``[{"feature", "coefficient"}]`` (``bankchurn.models.coefficients``).
        title: Axes title.

    Returns:
        The figure: horizontal bars, orange raises churn odds, blue lowers them.
    """
    rows = [r for r in coefficients if r["feature"] != "(intercept)"]
    if not rows:
        raise ValueError("coefficient_bars needs at least one coefficient")
    rows.sort(key=lambda r: abs(r["coefficient"]))
    values = [r["coefficient"] for r in rows]
    fig, ax = new_figure(7.5, 0.32 * len(rows) + 1.4)
    ax.barh(
        [r["feature"] for r in rows],
        values,
        color=[CHURNED_COLOUR if v > 0 else STAYED_COLOUR for v in values],
    )
    ax.axvline(0, **ZERO_LINE)
    _style(
        ax,
        xlabel="coefficient (log-odds per standard deviation / vs reference level)",
        title=title or "Logistic regression coefficients",
    )
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
    _style(ax, xlabel=xlabel, title=f"{xlabel} by model", xlim=xlim)
    if lines or target is not None:
        _legend_below(fig, 1)
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
        ax.scatter(x, y, color=colour, s=28, alpha=0.8, label=f"{_label(name)}: trial")
        ax.step(
            x,
            np.maximum.accumulate(y),
            where="post",
            color=colour,
            linewidth=1.6,
            label=f"{_label(name)}: best so far",
        )
    _style(
        ax,
        xlabel="trial",
        ylabel="mean time-ordered CV ROC-AUC",
        title="Seeded, bounded tuning (Optuna TPE)",
    )
    _legend_below(fig, 2)
    return fig


def shap_summary(features: Sequence[str], contributions: np.ndarray, values: np.ndarray) -> Figure:
    """Global TreeSHAP summary: each customer's contribution of each feature, as dots.

    Features are sorted by mean absolute contribution (largest on top, written next to the
    name). Dots are coloured by the customer's value of the feature, ranked within the feature
    (orange = high, blue = low, grey = missing or a category), so "high age raises the risk"
    reads off the plot, as in the ``shap`` library's beeswarm.

    Args:
        features: Explained feature names (``bankchurn.explain.Explanations.features``).
        contributions: ``(n, k)`` contributions in log-odds.
        values: ``(n, k)`` object array of the customers' values.

    Returns:
        The figure.
    """
    contributions = np.asarray(contributions, dtype=float)
    if contributions.ndim != 2 or contributions.shape[1] != len(features) or not len(features):
        raise ValueError("shap_summary needs an (n, k) contribution matrix for k features")
    mean_abs = np.abs(contributions).mean(axis=0)
    order = np.argsort(mean_abs, kind="stable")  # smallest first: barh draws bottom-up
    fig, ax = new_figure(WIDTH, 0.42 * len(features) + 1.6)
    rng = np.random.default_rng(0)  # vertical jitter only; fixed so the figure is stable
    for row, j in enumerate(order):
        x = contributions[:, j]
        numeric = pd.to_numeric(pd.Series(values[:, j]), errors="coerce").to_numpy(dtype=float)
        colour = np.full(len(x), REFERENCE_COLOUR, dtype=object)
        known = ~np.isnan(numeric)
        if known.sum() > 1 and np.unique(numeric[known]).size > 1:
            rank = pd.Series(numeric[known]).rank(pct=True).to_numpy()
            colour[known] = np.where(rank > 0.5, CHURNED_COLOUR, STAYED_COLOUR)
        y = row + rng.uniform(-0.3, 0.3, len(x))
        ax.scatter(x, y, s=6, c=list(colour), alpha=0.6, linewidths=0)
    ax.axvline(0, **ZERO_LINE)
    ax.set_yticks(
        range(len(order)), [f"{features[j]} ({mean_abs[j]:.2f})" for j in order], fontsize=9
    )
    _style(
        ax,
        xlabel="contribution to the calibrated log-odds of churn (TreeSHAP)",
        title="What drives the scores (mean |contribution| in brackets)",
    )
    return fig


def explanation_bars(explanation: Mapping[str, Any], title: str | None = None) -> Figure:
    """One customer's explanation: contributions from the base value to the score.

    Args:
        explanation: ``{base_value, contributions: [{feature, value, contribution}]}`` (the
            API's ``explanation``, [`Explanations.row`][bankchurn.explain.Explanations.row]).
        title: Axes title; by default the churn probability the contributions add up to.

    Returns:
        The figure: horizontal bars, orange raises the churn odds, blue lowers them.
    """
    items = list(explanation["contributions"])
    if not items:
        raise ValueError("explanation_bars needs at least one contribution")
    total = explanation["base_value"] + sum(c["contribution"] for c in items)
    rows = items[::-1]  # largest on top
    values = [c["contribution"] for c in rows]
    labels = [f"{c['feature']} = {_value_label(c['value'])}" for c in rows]
    fig, ax = new_figure(WIDTH, 0.32 * len(rows) + 1.5)
    ax.barh(labels, values, color=[CHURNED_COLOUR if v > 0 else STAYED_COLOUR for v in values])
    ax.axvline(0, **ZERO_LINE)
    probability = 1.0 / (1.0 + np.exp(-total))
    _style(
        ax,
        xlabel=f"contribution to the log-odds (base value {explanation['base_value']:.2f})",
        title=title or f"Churn probability {probability:.1%}: log-odds {total:.2f}",
    )
    return fig


def _value_label(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
    return str(value)
