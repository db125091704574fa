"""Figures of why a model scores as it does: importance, coefficients, SHAP, one customer's reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bankchurn.plots.style import (
    CHURNED_COLOUR,
    PALETTE,
    REFERENCE_COLOUR,
    STAYED_COLOUR,
    WIDTH,
    ZERO_LINE,
    new_figure,
    style_axes,
)


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
    style_axes(
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
    style_axes(
        ax,
        xlabel="coefficient (log-odds per standard deviation / vs reference level)",
        title=title or "Logistic regression coefficients",
    )
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
    style_axes(
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
    style_axes(
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
