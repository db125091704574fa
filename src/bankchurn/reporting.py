"""The JSON reports the site reads, and the artifacts beside them.

[`write_training`][bankchurn.reporting.write_training] writes one training run
(``metrics.json``, the artifact and its training record);
[`write_reports`][bankchurn.reporting.write_reports] writes ``data_profile.json``,
``baseline/metrics.json``, ``target/metrics.json``, ``model_selection.json``,
``canvas_status.json`` and (synthetic data only) ``monitoring.json`` from the runs of
[`train_both`][bankchurn.training.train_both]
([`write_monitoring`][bankchurn.reporting.write_monitoring]): sorted keys, floats rounded to 6
decimals, no wall-clock time, so the same seed gives identical bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bankchurn.artifacts import artifact_path, record_path
from bankchurn.data_profile import write_data_profile
from bankchurn.errors import UserError
from bankchurn.ingest import Extract
from bankchurn.params import load as load_params
from bankchurn.report_files import to_json, write_json, write_report
from bankchurn.report_schemas.metrics import TrainingMetrics
from bankchurn.report_schemas.selection import TrainingRecord
from bankchurn.report_stage import write_summary
from bankchurn.split import (
    Split,
    recorded_split,
)
from bankchurn.training import TrainingResult, save_model, training_record


def write_training(
    result: TrainingResult, metrics_dir: str | Path, model_file: str | Path | None
) -> dict[str, Path]:
    """Write one training run: ``metrics.json``, and the artifact with its training record.

    Args:
        result: The run.
        metrics_dir: Folder of ``metrics.json`` (e.g. ``reports/target``).
        model_file: The artifact (e.g. ``models/target.joblib``), or None for metrics only.

    Returns:
        ``metrics``, and ``model``/``record`` when written -> path.
    """
    metrics_file = Path(metrics_dir) / "metrics.json"
    written = {"metrics": write_report(metrics_file, TrainingMetrics, result.metrics)}
    if model_file is not None:
        written["model"] = save_model(result, model_file)
        written["record"] = write_report(
            record_path(model_file), TrainingRecord, training_record(result)
        )
    return written


def write_monitoring(
    extract: Extract,
    model: Any,
    split: Split,
    model_version: str,
    seed: int,
    out_dir: str | Path,
) -> dict[str, Path]:
    """Write ``monitoring.json``: the monitor scored against the generator's truth.

    Only the synthetic extract has a known truth, so nothing is written for other data.

    Args:
        extract: The extract the model was trained on.
        model: The fitted target model (calibrated ``predict_proba``).
        split: Its train/test split (the reference is the training window).
        model_version: Version of the model.
        seed: Seed of the monitoring study.
        out_dir: Reports folder.

    Returns:
        ``monitoring`` -> path, or nothing for non-synthetic data.
    """
    if not (extract.provenance.get("synthetic") and extract.has_snapshots):
        return {}
    from bankchurn.monitoring import monitoring_report

    report = monitoring_report(extract, model, split.train, split.test, model_version, seed)
    return {
        "monitoring": write_json(Path(out_dir) / "monitoring.json", report.model_dump(mode="json"))
    }


def monitor_from_files(out_dir: str | Path, models_dir: str | Path) -> dict[str, Path]:
    """The pipeline's monitor stage: ``monitoring.json`` from the target artifact.

    The synthetic extract is generated again from ``params.yaml`` and must be the data the
    artifact was trained on (same sha256): the generator's truth only holds for its own data.

    Raises:
        UserError: The artifact is missing or was trained on other data.
    """
    from bankchurn.artifacts import load_artifact
    from bankchurn.ingest import load_extract

    params = load_params()
    model_file = artifact_path(models_dir, "target")
    artifact = load_artifact(model_file)
    meta = artifact.metadata
    extract = load_extract(
        None, seed=params.seed, n_rows=params.data.n_rows, n_snapshots=params.data.n_snapshots
    )
    trained_on = meta.get("provenance", {}).get("sha256")
    if trained_on != extract.provenance["sha256"]:
        raise UserError(
            f"{model_file}: not trained on the synthetic extract of "
            "params.yaml; the monitor is scored only on the generator's own data"
        )
    seed = int(meta.get("seed") or params.seed)
    split = recorded_split(extract.frame.reset_index(drop=True), meta)
    return write_monitoring(
        extract, artifact.pipeline, split, str(meta["model_version"]), seed, out_dir
    )


def write_reports(
    extract: Extract,
    runs: dict[str, TrainingResult],
    out_dir: str | Path,
    models_dir: str | Path | None,
    seed: int,
    *,
    benchmarks: str | Path | None = None,
) -> dict[str, Path]:
    """Write every report of ``extract`` and its runs (and the artifacts when ``models_dir``).

    The same writers as the pipeline's stages (data profile,
    [`write_training`][bankchurn.reporting.write_training] per model,
    [`write_summary`][bankchurn.report_stage.write_summary], given ``benchmarks``), in one process.

    Args:
        extract: The extract the models were trained on.
        runs: The baseline's and the target's runs
            ([`train_both`][bankchurn.training.train_both]).
        out_dir: Reports folder.
        models_dir: Folder of the artifacts, or None for reports only.
        seed: Seed of the monitoring study.
        benchmarks: The benchmark report the canvas status reads, if any.

    Returns:
        Report name -> written path.
    """
    out = Path(out_dir)
    written = {"data": write_data_profile(out / "data_profile.json", extract)}
    metrics, records = {}, {}
    for name, result in runs.items():
        model_file = artifact_path(models_dir, name) if models_dir is not None else None
        files = write_training(result, out / name, model_file)
        written[name] = files["metrics"]
        if "model" in files:
            written[f"{name}_model"] = files["model"]
        # The summary reads what the stages would read back from their files.
        metrics[name] = json.loads(to_json(result.metrics))
        records[name] = training_record(result)
    written.update(write_summary(out, metrics, records, benchmarks))
    target = runs["target"]
    written.update(
        write_monitoring(
            extract,
            target.trained.model,
            target.split,
            target.metadata["model_version"],
            seed,
            out,
        )
    )
    return written
