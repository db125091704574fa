"""The one look of every figure: size, resolution, colours, reference lines and tick formats.

Every figure of `bankchurn.plots` starts from [`new_figure`][bankchurn.plots.style.new_figure]
and styles its axes with [`style_axes`][bankchurn.plots.style.style_axes], so a change of look
is made here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

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
#: Width of every figure, inches: at [`DPI`][bankchurn.plots.style.DPI] it fits the site's content
#: column without being scaled down much, so the labels stay readable.
WIDTH: float = 7.5
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


def style_axes(ax: Any, *, percent: str = "", usd: str = "", **props: Any) -> None:
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
        getattr(ax, f"{name}axis").set_major_formatter(FuncFormatter(usd_label))
    ax.set(**props)


def legend_below(fig: Figure, ncols: int, *handles_labels: Any) -> None:
    """One legend for every panel, below them, so it never hides a curve, bar or point."""
    fig.legend(*handles_labels, loc="outside lower center", ncols=ncols, fontsize=8)


def usd_label(value: float, _pos: object = None) -> str:
    """Axis label of a dollar amount: $-120K, $0, $1.2M."""
    if abs(value) >= 1e6:
        return f"${value / 1e6:.1f}M"
    return f"${value / 1e3:.0f}K" if value else "$0"


def readable(name: str) -> str:
    """A report key as a label: ``roc_auc`` -> ``roc auc``."""
    return name.replace("_", " ")
