"""Figures of the data: distributions by outcome, churn rate by group, churn rate by month."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bankchurn.contract import TARGET
from bankchurn.plots.style import (
    CHURNED_COLOUR,
    PALETTE,
    REFERENCE_LINE,
    STAYED_COLOUR,
    WIDTH,
    new_figure,
    style_axes,
)

#: Months marked as the seasonal (December/January) drift window.
SEASON_MONTHS: tuple[int, ...] = (12, 1)


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
        style_axes(ax, percent="y", title=column, ylim=(0, max(1e-9, max(rates)) * 1.18))
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
    style_axes(
        ax,
        percent="y",
        ylabel="churn rate",
        title="Monthly churn rate across snapshots (seasonal drift)",
    )
    ax.legend(loc="upper left", fontsize=8)
    return fig
