"""One operating point: every canvas target of the business and model tiers is judged there.

The check recomputes each canvas figure from the saved model's scores on the test rows with its
own code (a plain sort, the money formula written out), so a report that judged one target at
another operating point (a probability threshold, another capacity) disagrees with it. Scenarios
are shown beside the verdict and never counted in it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from bankchurn import business, targets
from bankchurn.artifacts import load_artifact, predict_proba
from bankchurn.contract import TARGET
from bankchurn.ingest import Extract
from bankchurn.split import make_split


def operating_point_problems(
    canvas: dict[str, Any], y: np.ndarray, p: np.ndarray, months: int
) -> list[str]:
    """Disagreements between ``canvas_status.json`` and the figures recomputed at the point.

    Args:
        canvas: The canvas status report.
        y: Labels of the test rows.
        p: The target model's probabilities of the same rows.
        months: Months covered by the test rows (the money is per year).
    """
    params = business.BusinessParameters()
    n, churners = len(y), int(y.sum())
    k = round(targets.OPERATING_POINT.capacity * n)
    reached = int(y[np.argsort(-p, kind="stable")[:k]].sum())
    best = min(k, churners)
    scale = 12.0 / months

    def money(hits: int) -> float:
        saved = hits * params.retention_success_rate * params.customer_value_usd
        return (saved - k * params.cost_per_contact_usd) * scale

    expected = {  # id -> (measured, best reachable)
        "model.roc_auc": (roc_auc_score(y, p), None),
        "model.precision_at_10": (reached / k, best / k),
        "model.recall": (reached / churners, best / churners),
        "business.lift_at_10": (reached / k / y.mean(), best / k / y.mean()),
        "business.retained_usd_per_year": (money(reached), money(best)),
    }
    problems = []
    rows = {f"{t}.{key}": row for t in ("business", "model") for key, row in canvas[t].items()}
    for tid in sorted(set(rows) - set(expected)):
        problems.append(f"{tid}: judged by the canvas but not known at the operating point")
    for tid, (measured, reachable) in expected.items():
        row = rows.get(tid)
        if row is None:
            problems.append(f"{tid}: missing from the canvas")
            continue
        if not np.isclose(row["measured"], measured, rtol=1e-5):
            problems.append(f"{tid}: measured {row['measured']} but {measured:.6g} at the point")
        if reachable is not None:
            if not np.isclose(row["best_reachable"], reachable, rtol=1e-5):
                problems.append(f"{tid}: best reachable {row['best_reachable']} != {reachable}")
            out = not targets.get(tid).met(reachable)
            if row["out_of_reach"] != out:
                problems.append(f"{tid}: out_of_reach {row['out_of_reach']} but should be {out}")
    judged = [r for t in ("business", "model", "system") for r in canvas[t].values()]
    verdict = canvas["verdict"]
    if verdict["pass"] + verdict["miss"] + verdict["not_measured"] != len(judged):
        problems.append(f"verdict {verdict} does not count exactly the {len(judged)} targets")
    if verdict["pass"] != sum(r["status"] == "pass" for r in judged):
        problems.append("verdict: pass count differs from the rows")
    return problems


@pytest.fixture(scope="module")
def scored(small_report: Path, small_extract: Extract) -> tuple[dict, np.ndarray, np.ndarray, int]:
    canvas = json.loads((small_report / "canvas_status.json").read_text(encoding="utf-8"))
    artifact = load_artifact(small_report / "models" / "target.joblib")
    frame = small_extract.frame.reset_index(drop=True)
    split = make_split(frame, seed=7)
    test = frame.iloc[split.test]
    y = test[TARGET].to_numpy().astype(int)
    return canvas, y, predict_proba(artifact, test), split.info["test_months"]


def test_every_canvas_target_is_judged_at_the_operating_point(scored) -> None:
    canvas, y, p, months = scored
    assert operating_point_problems(canvas, y, p, months) == []
    assert canvas["operating_point"]["capacity"] == targets.OPERATING_POINT.capacity


def test_the_check_fails_on_a_target_judged_at_another_operating_point(scored) -> None:
    """The defect of the first site: recall read at the value-maximising threshold."""
    canvas, y, p, months = scored
    planted = copy.deepcopy(canvas)
    planted["model"]["recall"]["measured"] = canvas["scenarios"]["value_maximising_threshold"][
        "recall"
    ]
    assert any(
        pr.startswith("model.recall: measured")
        for pr in operating_point_problems(planted, y, p, months)
    )


def test_the_check_fails_when_a_scenario_enters_the_verdict(scored) -> None:
    canvas, y, p, months = scored
    planted = copy.deepcopy(canvas)
    planted["verdict"]["pass"] += 1  # e.g. the scenario's recall counted as a pass
    assert any(pr.startswith("verdict") for pr in operating_point_problems(planted, y, p, months))


def test_the_check_fails_when_an_unreachable_target_is_not_flagged(scored) -> None:
    canvas, y, p, months = scored
    planted = copy.deepcopy(canvas)
    planted["model"]["recall"]["out_of_reach"] = not planted["model"]["recall"]["out_of_reach"]
    assert any("out_of_reach" in pr for pr in operating_point_problems(planted, y, p, months))


def test_recall_above_the_capacity_share_of_churners_is_out_of_reach(scored) -> None:
    """At 10% capacity and about 20% churn, no ranking reaches a 60% recall."""
    canvas = scored[0]
    recall = canvas["model"]["recall"]
    assert recall["best_reachable"] < targets.get("model.recall").value
    assert recall["out_of_reach"] is True
    assert recall["status"] == "miss"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 3.0, 2.0], 1),  # the highest value
        ([1.0, 3.0, 3.0], 2),  # a tie goes to the higher threshold
        ([1.0, 3.0000001, 3.0], 2),  # a tie once rounded as the reports write it
        ([-5.0, -1.0, -3.0], 1),  # a loss everywhere: the smallest loss
    ],
)
def test_the_value_maximising_threshold(values: list[float], expected: int) -> None:
    assert business.value_maximising([0.1, 0.2, 0.3], values) == expected


@pytest.mark.parametrize(("thresholds", "values"), [([], []), ([0.1, 0.2], [1.0])])
def test_the_value_maximising_threshold_needs_one_value_per_threshold(
    thresholds: list[float], values: list[float]
) -> None:
    with pytest.raises(ValueError, match="one value per threshold"):
        business.value_maximising(thresholds, values)
