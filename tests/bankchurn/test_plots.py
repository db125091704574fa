"""The figures of `bankchurn.plots` build from small inputs and draw what they claim."""

from __future__ import annotations

import hashlib
import io
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from bankchurn import evaluation, plots


@pytest.fixture(scope="module")
def scored() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, a good score and a weaker score for 400 rows (seeded)."""
    rng = np.random.default_rng(3)
    y = rng.binomial(1, 0.2, 400)
    good = np.clip(0.2 + 0.5 * y + rng.normal(0, 0.2, 400), 0, 1)
    weak = np.clip(0.3 + 0.15 * y + rng.normal(0, 0.25, 400), 0, 1)
    return y, good, weak


def _labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _fig_labels(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def test_no_pyplot_and_fixed_size(scored) -> None:
    y, good, _ = scored
    fig = plots.roc_pr_curves({"m": evaluation.curves(y, good)})
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == (plots.WIDTH, 4.4)
    assert fig.dpi == plots.DPI
    # pyplot keeps a global registry of figures; the module must never create one there.
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_same_input_same_picture(scored) -> None:
    y, good, weak = scored
    a = _png(plots.cumulative_gains(y, {"good": good, "weak": weak}))
    b = _png(plots.cumulative_gains(y, {"good": good, "weak": weak}))
    assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest()


def test_distributions_one_panel_per_column() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "Age": rng.integers(18, 80, 300),
            "Balance": rng.normal(1e5, 3e4, 300),
            "NumOfProducts": rng.integers(1, 5, 300),
            "Exited": rng.binomial(1, 0.2, 300),
        }
    )
    frame.loc[3, "Balance"] = np.nan  # a tolerated null must not break the histogram
    fig = plots.distributions(frame, ["Age", "Balance", "NumOfProducts"], ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["Age", "Balance", "NumOfProducts"]
    assert len(fig.axes) == 4
    assert not fig.axes[3].get_visible()
    assert any(t.startswith("churned (n=") for t in _labels(visible[0]))
    # one bar per product count (4 values) and per outcome
    assert len(visible[2].patches) == 2 * 4
    with pytest.raises(ValueError, match="at least one column"):
        plots.distributions(frame, [])


def test_churn_by_group_bars_and_overall_line() -> None:
    groups = {
        "Geography": {
            "France": {"n": 50, "share": 0.5, "churn_rate": 0.16},
            "Germany": {"n": 25, "share": 0.25, "churn_rate": 0.32},
            "Spain": {"n": 25, "share": 0.25, "churn_rate": 0.17},
        },
        "Gender": {
            "Female": {"n": 45, "share": 0.45, "churn_rate": 0.25},
            "Male": {"n": 55, "share": 0.55, "churn_rate": 0.16},
        },
    }
    fig = plots.churn_by_group(groups, overall=0.2, ncols=2)
    geo, gender = fig.axes
    assert geo.get_title() == "Geography"
    assert gender.get_title() == "Gender"
    assert [round(p.get_height(), 2) for p in geo.patches] == [0.16, 0.32, 0.17]
    assert [t.get_text() for t in geo.get_xticklabels()] == ["France", "Germany", "Spain"]
    assert "overall 20.0%" in _labels(geo)
    assert {t.get_text() for t in geo.texts} == {"n=50", "n=25"}


def test_churn_by_group_orders_numeric_keys_numerically() -> None:
    tenure = {
        k: {"n": 10, "share": 0.1, "churn_rate": r}
        for k, r in (("0.0", 0.2), ("1", 0.3), ("10", 0.1), ("2", 0.25), ("missing", 0.4))
    }
    ax = plots.churn_by_group({"Tenure": tenure}, ncols=1).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "10", "missing"]
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.2, 0.3, 0.25, 0.1, 0.4]


def test_monthly_churn_marks_december_and_january() -> None:
    monthly = [
        {"snapshot": f"2023-{m:02d}-28", "n": 100, "churn_rate": 0.2 + 0.05 * (m in (1, 12))}
        for m in range(1, 13)
    ]
    fig = plots.monthly_churn(monthly, overall=0.21)
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) == 12
    season = ax.collections[0].get_offsets()
    assert len(season) == 2
    assert np.allclose(season[:, 1], 0.25)
    assert "December / January" in _labels(ax)


def test_roc_pr_several_models_on_one_axes(scored) -> None:
    y, good, weak = scored
    curves = {"good": evaluation.curves(y, good), "weak": evaluation.curves(y, weak)}
    scores = {"good": {"roc_auc": evaluation.roc_auc(y, good), "pr_auc": 0.7}}
    fig = plots.roc_pr_curves(curves, base_rate=float(y.mean()), scores=scores)
    roc, pr = fig.axes
    assert roc.get_title() == "ROC curve"
    assert pr.get_title() == "Precision-recall curve"
    assert len(roc.get_lines()) == 3  # two models + the random diagonal
    assert len(pr.get_lines()) == 3  # two models + the base rate
    labels = _fig_labels(fig)
    assert labels[0] == f"good (ROC-AUC {scores['good']['roc_auc']:.3f}, PR-AUC 0.700)"
    assert labels[1] == "weak"
    assert labels[2] == f"random ranking (precision {y.mean():.1%})"
    assert np.allclose(roc.get_lines()[0].get_ydata(), curves["good"]["roc"]["tpr"])
    assert np.allclose(pr.get_lines()[1].get_ydata(), curves["weak"]["pr"]["precision"])


def test_reliability_before_after(scored) -> None:
    y, good, _ = scored
    before = evaluation.reliability(y, np.clip(good + 0.2, 0, 1))
    after = evaluation.reliability(y, good)
    fig = plots.reliability_diagram(before, after)
    top, bottom = fig.axes
    labels = _labels(top)
    assert labels[1] == f"before calibration (Brier {before['brier']:.4f})"
    assert labels[2] == f"after calibration (Brier {after['brier']:.4f})"
    xs = top.get_lines()[2].get_xdata()
    assert np.allclose(xs, [b["mean_predicted"] for b in after["bins"]])
    assert len(bottom.patches) == len(before["bins"]) + len(after["bins"])


def test_gains_table_matches_top_k(scored) -> None:
    y, good, weak = scored
    table = plots.gains_table(y, {"good": good, "weak": weak}, fractions=(0.1, 1.0))
    row = table[(table.scorer == "good") & (table.contacted_share == 0.1)].iloc[0]
    top = evaluation.top_k(y, good, 0.1)
    assert row.churners_captured == top["recall"]
    assert row.lift == top["lift"]
    everyone = table[table.contacted_share == 1.0]
    assert np.allclose(everyone.churners_captured, 1.0)
    assert np.allclose(everyone.lift, 1.0)


def test_cumulative_gains_curves(scored) -> None:
    y, good, weak = scored
    fig = plots.cumulative_gains(y, {"good": good, "weak": weak}, capacity=0.1)
    gain, lift = fig.axes
    assert gain.get_title() == "Cumulative gains"
    assert lift.get_title() == "Lift"
    assert {"good", "weak", "perfect ranking", "campaign capacity (10%)"} <= set(_fig_labels(fig))
    good_line = next(ln for ln in gain.get_lines() if ln.get_label() == "good")
    k = round(0.1 * len(y))
    assert good_line.get_ydata()[k - 1] == pytest.approx(evaluation.top_k(y, good, 0.1)["recall"])
    assert good_line.get_ydata()[-1] == pytest.approx(1.0)


def test_value_vs_threshold_has_the_canvas_target_line() -> None:
    curve = [
        {"threshold": t, "net_usd_per_year": 500_000 - 1_000_000 * (t - 0.41) ** 2}
        for t in np.round(np.arange(0.01, 1.0, 0.02), 2)
    ]
    fig = plots.value_vs_threshold(
        curve, 400_000.0, scenario_threshold=0.35, capacity_threshold=0.5
    )
    ax = fig.axes[0]
    labels = _fig_labels(fig)
    assert "canvas target $400K/year" in labels
    assert any(lbl.startswith("maximum on test: $500K at 0.41") for lbl in labels)
    assert "scenario: threshold 0.35 (chosen on training rows)" in labels
    assert any(lbl.startswith("operating point: the riskiest 10%") for lbl in labels)
    tied = [
        {"threshold": 0.2, "net_usd_per_year": 1.0},
        {"threshold": 0.3, "net_usd_per_year": 1.0},
    ]
    tied_labels = _fig_labels(plots.value_vs_threshold(tied, 400_000.0))
    assert any(lbl.endswith("at 0.30") for lbl in tied_labels)  # ties -> higher, as business.py
    target_line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("canvas"))
    assert set(target_line.get_ydata()) == {400_000.0}


def test_value_sensitivity_draws_the_grid_the_target_and_the_operating_point() -> None:
    sens = {
        "success_rates": [0.2, 0.3],
        "capacities": [0.05, 0.1, 0.2],
        "net_usd_per_year": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    }
    fig = plots.value_sensitivity(sens, 400_000.0, assumed_rate=0.3)
    labels = _fig_labels(fig)
    assert {"success rate 20%", "success rate 30% (assumed)", "canvas target $400K/year"} <= set(
        labels
    )
    assert any(lbl.startswith("operating point") for lbl in labels)
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_label() == "success rate 20%")
    assert list(line.get_ydata()) == [1.0, 2.0, 3.0]


def test_fairness_bars_per_attribute() -> None:
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
    fig = plots.fairness_bars(fairness)
    ax = next(iter(fig.axes))
    assert ax.get_title() == "Gender (largest gap: recall 0.100)"
    assert len(ax.patches) == 2 * len(plots.FAIRNESS_METRICS)
    assert _labels(ax) == ["Female (n=40)", "Male (n=60)"]


def test_importance_and_coefficient_bars_sorted() -> None:
    imp = [
        {"feature": "Age", "mean": 0.1, "std": 0.01},
        {"feature": "Tenure", "mean": 0.0, "std": 0.002},
        {"feature": "NumOfProducts", "mean": 0.08, "std": 0.01},
    ]
    ax = plots.importance_bars(imp).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Tenure", "NumOfProducts", "Age"]
    coefs = [
        {"feature": "(intercept)", "coefficient": -1.0},
        {"feature": "Age", "coefficient": 0.9},
        {"feature": "IsActiveMember", "coefficient": -0.5},
    ]
    ax = plots.coefficient_bars(coefs).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["IsActiveMember", "Age"]
    assert [round(p.get_width(), 2) for p in ax.patches] == [-0.5, 0.9]
    with pytest.raises(ValueError, match="at least one coefficient"):
        plots.coefficient_bars(coefs[:1])


def test_score_comparison_and_tuning_trials() -> None:
    fig = plots.score_comparison(
        {"baseline": 0.77, "target": 0.88},
        errors={"target": 0.01},
        references={"best": 0.89, "best blind": 0.885, "unknown": None},
        target=0.85,
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["target", "baseline"]
    assert {"0.880", "0.770"} == {t.get_text() for t in ax.texts}
    assert _fig_labels(fig) == ["best (0.890)", "best blind (0.885)", "canvas target (0.85)"]
    assert ax.get_xlim()[1] == pytest.approx(0.93)
    cands = {
        "random_forest": {
            "trials": [{"number": 0, "cv_roc_auc": 0.8}, {"number": 1, "cv_roc_auc": 0.78}]
        },
        "hist_gradient_boosting": {"trials": [{"number": 0, "cv_roc_auc": 0.82}]},
    }
    fig = plots.tuning_trials(cands)
    ax = fig.axes[0]
    assert "random forest: best so far" in _fig_labels(fig)
    best = next(ln for ln in ax.get_lines() if ln.get_label() == "random forest: best so far")
    assert list(best.get_ydata()) == [0.8, 0.8]


def test_shap_summary_sorts_features_by_mean_absolute_contribution() -> None:
    contributions = np.array([[0.1, -2.0, 0.5], [-0.1, 1.0, -0.5]])
    values = np.array([[1.0, "Germany", None], [2.0, "Spain", 3.0]], dtype=object)
    fig = plots.shap_summary(("Age", "Geography", "Balance"), contributions, values)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["Age (0.10)", "Balance (0.50)", "Geography (1.50)"]  # largest on top
    with pytest.raises(ValueError, match="contribution matrix"):
        plots.shap_summary(("Age",), contributions, values)


def test_explanation_bars_colour_by_direction_and_title_the_probability() -> None:
    explanation = {
        "base_value": -1.0,
        "contributions": [
            {"feature": "NumOfProducts", "value": 3, "contribution": 2.0},
            {"feature": "IsActiveMember", "value": 1, "contribution": -0.5},
            {"feature": "Balance", "value": None, "contribution": 0.1},
        ],
    }
    fig = plots.explanation_bars(explanation)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Balance = missing",
        "IsActiveMember = 1",
        "NumOfProducts = 3",
    ]
    colours = [tuple(p.get_facecolor()[:3]) for p in ax.patches]
    assert colours[1] != colours[2]  # lowers vs raises
    assert ax.get_title() == "Churn probability 64.6%: log-odds 0.60"
