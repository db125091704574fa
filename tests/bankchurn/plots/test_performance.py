"""The performance figures of `bankchurn.plots.performance` draw what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from bankchurn import evaluation
from bankchurn.plots import performance


def test_roc_pr_several_models_on_one_axes(scored, legend_texts) -> None:
    y, good, weak = scored
    curves = {"good": evaluation.curves(y, good), "weak": evaluation.curves(y, weak)}
    scores = {"good": {"roc_auc": evaluation.roc_auc(y, good), "pr_auc": 0.7}}
    fig = performance.roc_pr_curves(curves, base_rate=float(y.mean()), scores=scores)
    roc, pr = fig.axes
    assert roc.get_title() == "ROC curve"
    assert pr.get_title() == "Precision-recall curve"
    assert len(roc.get_lines()) == 3  # two models + the random diagonal
    assert len(pr.get_lines()) == 3  # two models + the base rate
    labels = legend_texts(fig)
    assert labels[0] == f"good (ROC-AUC {scores['good']['roc_auc']:.3f}, PR-AUC 0.700)"
    assert labels[1] == "weak"
    assert labels[2] == f"random ranking (precision {y.mean():.1%})"
    assert np.allclose(roc.get_lines()[0].get_ydata(), curves["good"]["roc"]["tpr"])
    assert np.allclose(pr.get_lines()[1].get_ydata(), curves["weak"]["pr"]["precision"])


def test_reliability_before_after(scored, legend_texts) -> None:
    y, good, _ = scored
    before = evaluation.reliability(y, np.clip(good + 0.2, 0, 1))
    after = evaluation.reliability(y, good)
    fig = performance.reliability_diagram(before, after)
    top, bottom = fig.axes
    labels = legend_texts(top)
    assert labels[1] == f"before calibration (Brier {before['brier']:.4f})"
    assert labels[2] == f"after calibration (Brier {after['brier']:.4f})"
    xs = top.get_lines()[2].get_xdata()
    assert np.allclose(xs, [b["mean_predicted"] for b in after["bins"]])
    assert len(bottom.patches) == len(before["bins"]) + len(after["bins"])


def test_gains_table_matches_top_k(scored) -> None:
    y, good, weak = scored
    table = performance.gains_table(y, {"good": good, "weak": weak}, fractions=(0.1, 1.0))
    row = table[(table.scorer == "good") & (table.contacted_share == 0.1)].iloc[0]
    top = evaluation.top_k(y, good, 0.1)
    assert row.churners_captured == top["recall"]
    assert row.lift == top["lift"]
    everyone = table[table.contacted_share == 1.0]
    assert np.allclose(everyone.churners_captured, 1.0)
    assert np.allclose(everyone.lift, 1.0)


def test_cumulative_gains_curves(scored, legend_texts) -> None:
    y, good, weak = scored
    fig = performance.cumulative_gains(y, {"good": good, "weak": weak}, capacity=0.1)
    gain, lift = fig.axes
    assert gain.get_title() == "Cumulative gains"
    assert lift.get_title() == "Lift"
    assert {"good", "weak", "perfect ranking", "campaign capacity (10%)"} <= set(legend_texts(fig))
    good_line = next(ln for ln in gain.get_lines() if ln.get_label() == "good")
    k = round(0.1 * len(y))
    assert good_line.get_ydata()[k - 1] == pytest.approx(evaluation.top_k(y, good, 0.1)["recall"])
    assert good_line.get_ydata()[-1] == pytest.approx(1.0)


def test_score_comparison_and_tuning_trials(legend_texts) -> None:
    fig = performance.score_comparison(
        {"baseline": 0.77, "target": 0.88},
        errors={"target": 0.01},
        references={"best": 0.89, "best blind": 0.885, "unknown": None},
        target=0.85,
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["target", "baseline"]
    assert {"0.880", "0.770"} == {t.get_text() for t in ax.texts}
    assert legend_texts(fig) == ["best (0.890)", "best blind (0.885)", "canvas target (0.85)"]
    assert ax.get_xlim()[1] == pytest.approx(0.93)
    cands = {
        "random_forest": {
            "trials": [{"number": 0, "cv_roc_auc": 0.8}, {"number": 1, "cv_roc_auc": 0.78}]
        },
        "hist_gradient_boosting": {"trials": [{"number": 0, "cv_roc_auc": 0.82}]},
    }
    fig = performance.tuning_trials(cands)
    ax = fig.axes[0]
    assert "random forest: best so far" in legend_texts(fig)
    best = next(ln for ln in ax.get_lines() if ln.get_label() == "random forest: best so far")
    assert list(best.get_ydata()) == [0.8, 0.8]
