"""The shared look of `bankchurn.plots`: no pyplot, fixed size and resolution, one picture, tick labels."""

from __future__ import annotations

import hashlib
import io
import sys

import pytest
from matplotlib.figure import Figure

from bankchurn import evaluation, plots
from bankchurn.plots import style


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def test_no_pyplot_and_fixed_size(scored) -> None:
    y, good, _ = scored
    fig = plots.roc_pr_curves({"m": evaluation.curves(y, good)})
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == (style.WIDTH, 4.4)
    assert fig.dpi == style.DPI
    # pyplot keeps a global registry of figures; the module must never create one there.
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_same_input_same_picture(scored) -> None:
    y, good, weak = scored
    a = _png(plots.cumulative_gains(y, {"good": good, "weak": weak}))
    b = _png(plots.cumulative_gains(y, {"good": good, "weak": weak}))
    assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest()


def test_every_panel_is_white_with_a_grid_below_the_data() -> None:
    fig, axes = style.new_figure(style.WIDTH, 3.0, 1, 2)
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    for ax in axes:
        assert ax.get_facecolor()[:3] == (1.0, 1.0, 1.0)
        assert ax.get_axisbelow() is True
        assert all(line.get_visible() for line in ax.get_xgridlines())


@pytest.mark.parametrize(
    ("value", "label"),
    [(-120_000.0, "$-120K"), (0.0, "$0"), (1_234_567.0, "$1.2M"), (45_600.0, "$46K")],
)
def test_dollar_ticks_are_short(value: float, label: str) -> None:
    assert style.usd_label(value) == label


def test_style_axes_sets_labels_and_formats_percent_ticks() -> None:
    fig, ax = style.new_figure(style.WIDTH, 3.0)
    style.style_axes(ax, percent="y", title="t", xlabel="x", ylim=(0, 1))
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylim()) == ("t", "x", (0.0, 1.0))
    assert ax.yaxis.get_major_formatter()(0.25, 0) == "25%"
    assert style.readable("roc_auc") == "roc auc"
