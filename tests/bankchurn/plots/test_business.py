"""The value and fairness figures of `bankchurn.plots.business` draw what they claim."""

from __future__ import annotations

import numpy as np

from bankchurn.plots import business


def test_value_vs_threshold_has_the_canvas_target_line(legend_texts) -> None:
    curve = [
        {"threshold": t, "net_usd_per_year": 500_000 - 1_000_000 * (t - 0.41) ** 2}
        for t in np.round(np.arange(0.01, 1.0, 0.02), 2)
    ]
    fig = business.value_vs_threshold(
        curve, 400_000.0, scenario_threshold=0.35, capacity_threshold=0.5
    )
    ax = fig.axes[0]
    labels = legend_texts(fig)
    assert "canvas target $400K/year" in labels
    assert any(lbl.startswith("maximum on test: $500K at 0.41") for lbl in labels)
    assert "scenario: threshold 0.35 (chosen on training rows)" in labels
    assert any(lbl.startswith("operating point: the riskiest 10%") for lbl in labels)
    tied = [
        {"threshold": 0.2, "net_usd_per_year": 1.0},
        {"threshold": 0.3, "net_usd_per_year": 1.0},
    ]
    tied_labels = legend_texts(business.value_vs_threshold(tied, 400_000.0))
    assert any(lbl.endswith("at 0.30") for lbl in tied_labels)  # ties -> higher, as business.py
    target_line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("canvas"))
    assert set(target_line.get_ydata()) == {400_000.0}


def test_value_sensitivity_draws_the_grid_the_target_and_the_operating_point(legend_texts) -> None:
    sens = {
        "success_rates": [0.2, 0.3],
        "capacities": [0.05, 0.1, 0.2],
        "net_usd_per_year": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    }
    fig = business.value_sensitivity(sens, 400_000.0, assumed_rate=0.3)
    labels = legend_texts(fig)
    assert {"success rate 20%", "success rate 30% (assumed)", "canvas target $400K/year"} <= set(
        labels
    )
    assert any(lbl.startswith("operating point") for lbl in labels)
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_label() == "success rate 20%")
    assert list(line.get_ydata()) == [1.0, 2.0, 3.0]


def test_fairness_bars_per_attribute(legend_texts) -> None:
    fairness = {
        "Gender": {
            "groups": {
                "Female": {
                    "n": 40,
                    "roc_auc": 0.8,
                    "precision": 0.5,
                    "recall": 0.6,
                    "positive_rate": 0.2,
                    "churn_rate": 0.25,
                },
                "Male": {
                    "n": 60,
                    "roc_auc": 0.85,
                    "precision": 0.45,
                    "recall": 0.5,
                    "positive_rate": 0.15,
                    "churn_rate": 0.16,
                },
            },
            "gaps": {
                "roc_auc": 0.05,
                "precision": 0.05,
                "recall": 0.1,
                "positive_rate": 0.05,
                "churn_rate": 0.09,
            },
        },
    }
    fig = business.fairness_bars(fairness)
    ax = next(iter(fig.axes))
    assert ax.get_title() == "Gender (largest gap: recall 0.100)"
    assert len(ax.patches) == 2 * len(business.FAIRNESS_METRICS)
    assert legend_texts(ax) == ["Female (n=40)", "Male (n=60)"]
