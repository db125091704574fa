"""The explanation figures of `bankchurn.plots.explanation` draw what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from bankchurn.plots import explanation


def test_importance_and_coefficient_bars_sorted() -> None:
    imp = [
        {"feature": "Age", "mean": 0.1, "std": 0.01},
        {"feature": "Tenure", "mean": 0.0, "std": 0.002},
        {"feature": "NumOfProducts", "mean": 0.08, "std": 0.01},
    ]
    ax = explanation.importance_bars(imp).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Tenure", "NumOfProducts", "Age"]
    coefs = [
        {"feature": "(intercept)", "coefficient": -1.0},
        {"feature": "Age", "coefficient": 0.9},
        {"feature": "IsActiveMember", "coefficient": -0.5},
    ]
    ax = explanation.coefficient_bars(coefs).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["IsActiveMember", "Age"]
    assert [round(p.get_width(), 2) for p in ax.patches] == [-0.5, 0.9]
    with pytest.raises(ValueError, match="at least one coefficient"):
        explanation.coefficient_bars(coefs[:1])


def test_shap_summary_sorts_features_by_mean_absolute_contribution() -> None:
    contributions = np.array([[0.1, -2.0, 0.5], [-0.1, 1.0, -0.5]])
    values = np.array([[1.0, "Germany", None], [2.0, "Spain", 3.0]], dtype=object)
    fig = explanation.shap_summary(("Age", "Geography", "Balance"), contributions, values)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["Age (0.10)", "Balance (0.50)", "Geography (1.50)"]  # largest on top
    with pytest.raises(ValueError, match="contribution matrix"):
        explanation.shap_summary(("Age",), contributions, values)


def test_explanation_bars_colour_by_direction_and_title_the_probability() -> None:
    reasons = {
        "base_value": -1.0,
        "contributions": [
            {"feature": "NumOfProducts", "value": 3, "contribution": 2.0},
            {"feature": "IsActiveMember", "value": 1, "contribution": -0.5},
            {"feature": "Balance", "value": None, "contribution": 0.1},
        ],
    }
    fig = explanation.explanation_bars(reasons)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Balance = missing",
        "IsActiveMember = 1",
        "NumOfProducts = 3",
    ]
    colours = [tuple(p.get_facecolor()[:3]) for p in ax.patches]
    assert colours[1] != colours[2]  # lowers vs raises
    assert ax.get_title() == "Churn probability 64.6%: log-odds 0.60"
