"""The pipeline's report stage: ``model_selection.json`` and ``canvas_status.json``.

Both are assembled from files the train stages wrote (each model's ``metrics.json`` and its
training record beside the artifact) and, for the canvas's system tier, the benchmark report
given as an explicit input: nothing is read from the folder they are written to, so the
reports form a DAG (ADR 0013). `bankchurn report --only-summary` runs it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bankchurn import targets
from bankchurn.artifacts import artifact_path, record_path
from bankchurn.benchmarks import Benchmarks
from bankchurn.errors import UserError
from bankchurn.report_files import write_report
from bankchurn.report_schemas.base import STATUS, conform, one_line
from bankchurn.report_schemas.canvas import CanvasItem, CanvasOperatingPoint, CanvasStatus
from bankchurn.report_schemas.selection import ModelSelection


def canvas_status(
    baseline: dict[str, Any], target: dict[str, Any], benchmarks: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Each ML Canvas success metric (section 6): target, measured, unit, pass/miss.

    Targets, comparisons, units and names come from ``bankchurn.targets`` (declared once).
    Model and business figures are the TARGET model's on the test rows, all at the declared
    operating point (ROC-AUC judges the whole ranking); next to each, ``best_reachable`` is
    the best value any model could reach there on the same rows (a perfect ranking, or the
    Bayes-optimal ROC-AUC when known), and ``out_of_reach`` says when even that misses the
    target. ``scenarios`` shows other operating points; they never count in the verdict.
    System figures come from the ``api`` section of ``benchmarks.json`` when it exists.
    """
    api = (benchmarks or {}).get("api") or {}
    cap = target["business"]["at_capacity"]
    best = target["operating_point"]["best_reachable"]

    def item(
        target_id: str,
        measured: Any,
        source: str,
        note: str = "",
        best_reachable: float | None = None,
    ) -> CanvasItem:
        declared = targets.get(target_id)
        row: dict[str, Any] = {
            "name": declared.name,
            "description": declared.description,
            "target": declared.value,
            "measured": measured,
            "unit": declared.unit,
            "source": source,
            "comparison": declared.comparison,
            "status": STATUS[declared.met(measured)],
            "best_reachable": best_reachable,
            "out_of_reach": (
                declared.met(best_reachable) is False if best_reachable is not None else None
            ),
        }
        if note:
            row["note"] = note
        return CanvasItem(**row)

    tiers = {
        "business": {
            "retained_usd_per_year": item(
                "business.retained_usd_per_year",
                cap["net_usd_per_year"],
                "target.business.at_capacity",
                note="net of call costs; assumes a retention success rate and a call cost",
                best_reachable=cap["best_reachable_net_usd_per_year"],
            ),
            "lift_at_10": item(
                "business.lift_at_10",
                target["lift_at_10"],
                "target.lift_at_10",
                best_reachable=best["lift_at_10"],
            ),
        },
        "model": {
            "roc_auc": item(
                "model.roc_auc",
                target["roc_auc"],
                "target.roc_auc",
                best_reachable=target.get("bayes_optimal_roc_auc_without_gender"),
            ),
            "precision_at_10": item(
                "model.precision_at_10",
                target["precision_at_10"],
                "target.precision_at_10",
                best_reachable=best["precision_at_10"],
            ),
            "recall": item(
                "model.recall",
                target["recall_at_10"],
                "target.recall_at_10",
                best_reachable=best["recall_at_10"],
            ),
        },
        "system": {
            "latency_p99_ms": item("system.latency_p99_ms", api.get("latency_p99_ms"), "bench.api"),
            "throughput_rps": item("system.throughput_rps", api.get("throughput_rps"), "bench.api"),
            "uptime": item(
                "system.uptime",
                None,
                "none",
                note="not measured here: needs a deployed service and monitoring",
            ),
            "coverage": item(
                "system.coverage",
                None,
                "none",
                note="not measured here: test coverage is not collected by report",
            ),
        },
    }
    rows = [row for tier in tiers.values() for row in tier.values()]
    return CanvasStatus(
        model_evaluated="target",
        baseline_roc_auc=baseline.get("roc_auc"),
        operating_point=CanvasOperatingPoint(
            capacity=targets.OPERATING_POINT.capacity,
            label=targets.OPERATING_POINT.label,
            origin=targets.OPERATING_POINT.origin,
        ),
        **tiers,
        verdict={
            "pass": sum(r.status == "pass" for r in rows),
            "miss": sum(r.status == "miss" for r in rows),
            "out_of_reach": sum(bool(r.out_of_reach) for r in rows),
            "not_measured": sum(r.status == STATUS[None] for r in rows),
        },
        scenarios=target["scenarios"],
    ).to_json()


def selection_report(
    target_metrics: dict[str, Any],
    target_record: dict[str, Any],
    baseline_metrics: dict[str, Any] | None = None,
    baseline_record: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Content of ``reports/model_selection.json``, from the metrics and training records."""
    sel = copy.deepcopy(target_record["selection"])
    for c, auc in target_record.get("candidate_test_roc_auc", {}).items():
        sel["candidates"][c]["test_roc_auc_for_information"] = auc
    sel["chosen_test_roc_auc"] = target_metrics["roc_auc"]
    sel["bayes_optimal_roc_auc"] = target_metrics["bayes_optimal_roc_auc"]
    sel["bayes_optimal_roc_auc_without_gender"] = target_metrics.get(
        "bayes_optimal_roc_auc_without_gender"
    )
    if baseline_metrics is not None:
        sel["baseline"] = {
            "candidate": "logistic_regression",
            "cv_mean_roc_auc": baseline_metrics["cv"]["mean_roc_auc"],
            "test_roc_auc": baseline_metrics["roc_auc"],
            "feature_set": "canvas",
        }
        sel["baseline_ablation"] = (baseline_record or {}).get("baseline_ablation")
    sel["ceiling_evidence"] = target_record.get("ceiling_evidence")
    sel["split"] = target_metrics["split"]
    return sel


def read_benchmarks(path: str | Path | None) -> dict[str, Any] | None:
    """The benchmark report the canvas's system tier is judged on, or None when not given.

    An explicit input (the pipeline's report stage names it in ``dvc.yaml``), never looked up in
    the folder the summary is written to: the reports form a DAG (ADR 0013).

    Raises:
        UserError: ``path`` is given but missing, not a JSON object or not of the shape
            `bankchurn.benchmarks.Benchmarks` writes.
    """
    if path is None:
        return None
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"not valid JSON ({exc.msg})"
        raise UserError(f"{path}: cannot read the benchmark report: {reason}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: the benchmark report is not a JSON object")
    try:
        return conform(Benchmarks, data)
    except ValidationError as exc:
        raise UserError(
            f"{path}: {one_line(exc)} (shape: bankchurn.benchmarks.Benchmarks)"
        ) from None


def write_summary(
    out_dir: str | Path,
    metrics: dict[str, dict[str, Any]],
    records: dict[str, dict[str, Any]],
    benchmarks: str | Path | None = None,
) -> dict[str, Path]:
    """Write ``model_selection.json`` and ``canvas_status.json`` from both models' runs.

    Args:
        out_dir: Reports folder the two files are written to (nothing is read from it).
        metrics: ``baseline``/``target`` -> the content of their ``metrics.json``.
        records: ``baseline``/``target`` -> their [`training_record`][bankchurn.training.training_record].
        benchmarks: Benchmark report whose ``api`` section feeds the system tier; without it
            the system tier is not measured here.

    Raises:
        UserError: ``benchmarks`` is given but cannot be read.
    """
    out = Path(out_dir)
    bench = read_benchmarks(benchmarks)
    selection = selection_report(
        metrics["target"], records["target"], metrics["baseline"], records["baseline"]
    )
    return {
        "selection": write_report(out / "model_selection.json", ModelSelection, selection),
        "canvas": write_report(
            out / "canvas_status.json",
            CanvasStatus,
            canvas_status(metrics["baseline"], metrics["target"], bench),
        ),
    }


def summarize(
    out_dir: str | Path, models_dir: str | Path, benchmarks: str | Path | None = None
) -> dict[str, Path]:
    """The pipeline's report stage: the summary reports from the files the train stages wrote.

    See [`write_summary`][bankchurn.report_stage.write_summary] (``benchmarks`` is passed on).

    Raises:
        UserError: A train stage's output or the given benchmark report is missing.
    """
    metrics, records = {}, {}
    for name in ("baseline", "target"):
        paths = (
            Path(out_dir) / name / "metrics.json",
            record_path(artifact_path(models_dir, name)),
        )
        for path in paths:
            if not path.is_file():
                raise UserError(f"{path}: missing; train the {name} model first")
        metrics[name] = json.loads(paths[0].read_text(encoding="utf-8"))
        records[name] = json.loads(paths[1].read_text(encoding="utf-8"))
    return write_summary(out_dir, metrics, records, benchmarks)
