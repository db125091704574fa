"""``bankchurn train | evaluate | predict | report``: the modelling commands."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from bankchurn.atomic import check_destination
from bankchurn.cli.root import SeedOpt, command_app
from bankchurn.crm_db import display_url, is_database_url
from bankchurn.errors import UserError

#: The commands this module adds to ``bankchurn`` (see bankchurn.cli.root).
app = command_app()


class ModelChoice(StrEnum):
    """Which model ``train`` fits."""

    baseline = "baseline"
    target = "target"


DataOpt = Annotated[
    str | None,
    typer.Option(
        "--data",
        help="CRM extract CSV (e.g. Kaggle Churn_Modelling.csv) or the CRM database "
        "(postgresql://USER@HOST:PORT/DB; password from PGPASSWORD or ~/.pgpass); default: "
        "BANKCHURN_DATA (settings), else the embedded SYNTHETIC extract, generated in memory.",
    ),
]
FastOpt = Annotated[
    bool,
    typer.Option("--fast", help="Small tuning/bootstrap budget (smoke tests), not for reports."),
]


def _budget(fast: bool) -> tuple[Any, int]:
    from bankchurn.tuning import DEFAULT_BUDGET, FAST_BUDGET

    return (FAST_BUDGET, 100) if fast else (DEFAULT_BUDGET, 1000)


def _out_dir(path: Path, option: str, *files: str) -> Path:
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path}: exists and is not a folder")
    for name in files:  # before the work: a link or device in the folder is refused at once
        check_destination(path / name)
    return path


def _tracking(register: bool) -> Any:
    """Tracking settings, or ``None`` when tracking is off (checked before any training)."""
    from bankchurn.tracking.config import check_reachable, load_tracking_settings, require_client

    settings = load_tracking_settings()
    if settings.enabled:
        require_client()  # a missing client or a wrong URI stops here, not after the training
        check_reachable(settings)
        return settings
    if register:
        raise UserError("--register needs tracking, which BANKCHURN_TRACKING turns off")
    return None


def _track(
    settings: Any,
    *,
    metrics_file: Path,
    model_file: Path,
    metadata: dict[str, Any],
    fast: bool,
    command: str,
    register: bool = False,
) -> None:
    """Log one written training to MLflow (ADR-0016) and say where it went."""
    from dataclasses import asdict

    from bankchurn.tracking.log_run import log_training_run

    budget, n_boot = _budget(fast)
    run = log_training_run(
        metrics_file=metrics_file,
        model_file=model_file,
        metadata=metadata,
        budget={**asdict(budget), "n_bootstrap": n_boot},
        command=command,
        settings=settings,
        register=register,
    )
    typer.echo(
        f"tracked {metadata.get('model_name')} as run {run.run_id} of experiment "
        f"{settings.experiment!r} in {run.tracking_uri}"
    )
    if run.registered_version is not None:
        typer.echo(
            f"registered models:/{run.registered_name}/{run.registered_version} "
            f"(promote: bankchurn model promote {run.registered_name} "
            f"{run.registered_version} --alias champion)"
        )


def _source(data: str | None) -> str | None:
    """``--data``, else the settings' data source (``BANKCHURN_DATA``), else None (synthetic)."""
    from bankchurn.settings import settings

    return data if data is not None else settings().data


def _load(data: str | None, seed: int) -> Any:
    from bankchurn.ingest import load_extract

    if data is not None and not is_database_url(data) and Path(data).is_dir():
        raise UserError(f"--data {data}: is a folder; give a CSV file")
    return load_extract(data, seed=seed)


def _shown(data: str | None) -> str:
    """The data source as printed: a URL loses its credentials."""
    return display_url(data) if data is not None and is_database_url(data) else str(data)


def _split_line(split: dict[str, Any]) -> str:
    if split.get("kind") == "stratified":
        return f"split: STRATIFIED (no SnapshotDate in the data): {split['note']}"
    tr, te = split.get("train", {}), split.get("test", {})
    return (
        f"split: temporal, train {tr.get('start')}..{tr.get('end')} ({tr.get('n')} rows), "
        f"test {te.get('start')}..{te.get('end')} ({te.get('n')} rows)"
    )


def _summary(m: dict[str, Any]) -> str:
    ci = m.get("roc_auc_ci") or [float("nan"), float("nan")]
    bayes = m.get("bayes_optimal_roc_auc_without_gender")
    bayes_txt = f", best reachable on these rows {bayes:.4f}" if bayes is not None else ""
    op = m["operating_point"]
    return (
        f"ROC-AUC {m['roc_auc']:.4f} [{ci[0]:.4f}, {ci[1]:.4f}]{bayes_txt}; "
        f"PR-AUC {m['pr_auc']:.4f}; operating point ({op['label']}): precision "
        f"{m['precision_at_10']:.3f}, recall {m['recall_at_10']:.3f} (at most "
        f"{op['best_reachable']['recall_at_10']:.3f} at this capacity), lift "
        f"{m['lift_at_10']:.2f}; Brier {m['brier']:.4f}"
    )


@app.command("train")
def train(
    *,
    model: Annotated[
        ModelChoice,
        typer.Option(
            "--model", help="baseline (logistic regression) or target (best tuned tree ensemble)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for metrics.json and model.joblib.")],
    data: DataOpt = None,
    seed: SeedOpt,
    fast: FastOpt = False,
    model_file: Annotated[
        Path | None,
        typer.Option(
            "--model-file",
            help="Write the artifact (and its .training.json record) here instead of "
            "OUT/model.joblib (the pipeline: models/NAME.joblib).",
        ),
    ] = None,
    register: Annotated[
        bool,
        typer.Option(
            "--register",
            help="Also register the model in the MLflow registry as bankchurn-MODEL "
            "(a new version; see `bankchurn model promote`).",
        ),
    ] = False,
) -> None:
    """Fit one model on the training rows, measure it on the test rows, save both files.

    The run is logged to MLflow (MLFLOW_TRACKING_URI; default a local SQLite store in
    mlruns/; BANKCHURN_TRACKING=false turns it off).
    """
    from bankchurn.reporting import write_training
    from bankchurn.training import train_and_evaluate

    tracking = _tracking(register)
    out = _out_dir(out, "--out", "metrics.json")
    artifact = model_file if model_file is not None else out / "model.joblib"
    if artifact.is_dir():
        raise UserError(f"--model-file {artifact}: is a folder; give a file path")
    from bankchurn.artifacts import hash_path

    check_destination(artifact)  # before the work: a link or device is refused at once
    check_destination(hash_path(artifact))
    data = _source(data)
    extract = _load(data, seed)
    budget, n_boot = _budget(fast)
    result = train_and_evaluate(
        extract, model.value, seed, budget=budget, n_bootstrap=n_boot, artifact_name=artifact.name
    )
    write_training(result, out, artifact)
    m = result.metrics
    typer.echo(
        f"{model.value} ({m['candidate']}) trained on "
        f"{'SYNTHETIC data' if extract.provenance.get('synthetic') else _shown(data)}"
    )
    typer.echo(_split_line(m["split"]))
    typer.echo(_summary(m))
    typer.echo(f"wrote {out / 'metrics.json'} and {artifact}")
    if tracking is not None:
        _track(
            tracking,
            metrics_file=out / "metrics.json",
            model_file=artifact,
            metadata=result.metadata,
            fast=fast,
            command="train",
            register=register,
        )


@app.command("evaluate")
def evaluate(
    *,
    model: Annotated[Path, typer.Option("--model", help="Model artifact (.joblib) from train.")],
    data: DataOpt = None,
    seed: SeedOpt,
    out: Annotated[Path | None, typer.Option("--out", help="Write the metrics JSON here.")] = None,
    fast: FastOpt = False,
) -> None:
    """Measure a saved model: on its own test rows, or on all rows of another extract."""
    from bankchurn.artifacts import load_artifact
    from bankchurn.model_metrics import evaluate_artifact
    from bankchurn.report_files import write_report
    from bankchurn.report_schemas.metrics import Evaluation

    if out is not None and out.is_dir():
        raise UserError(f"--out {out}: is a folder; give a file path such as metrics.json")
    if out is not None:
        check_destination(out)
    artifact = load_artifact(model)
    data = _source(data)
    extract = _load(data, int(artifact.metadata.get("seed") or seed) if data is None else seed)
    metrics = evaluate_artifact(artifact, extract, n_bootstrap=_budget(fast)[1])
    typer.echo(f"{artifact.metadata.get('model_version')}: {metrics['split']['evaluated_rows']}")
    typer.echo(_summary(metrics))
    if out is not None:
        write_report(out, Evaluation, metrics)
        typer.echo(f"wrote {out}")


def _check_explainable(artifact: Any, path: Path) -> None:
    """Refuse ``--explain`` up front (one line) for a model without TreeSHAP explanations."""
    from bankchurn.explain import calibration_line, is_booster

    try:
        calibration_line(artifact.pipeline)
        ok = is_booster(artifact.pipeline)
    except (ValueError, AttributeError):
        ok = False
    if not ok:
        raise UserError(
            f"--explain: {path} ({artifact.metadata.get('candidate')}) has no TreeSHAP "
            "explanations; use the target model"
        )


@app.command("predict")
def predict(
    model: Annotated[Path, typer.Option("--model", help="Model artifact (.joblib) from train.")],
    input: Annotated[
        str,
        typer.Option(
            "--input",
            help="CSV with the contract columns (Exited optional), or the CRM database "
            "(postgresql://...; every row of its snapshot table).",
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            help="CSV to write (CustomerKey, churn_probability, risk_band), or the CRM database "
            "(postgresql://...): the run date's rows of its churn.scores table, replaced in one "
            "transaction.",
        ),
    ],
    run_date: Annotated[
        str | None,
        typer.Option(
            "--run-date",
            help="Date of the run in the scores table (YYYY-MM-DD; default: today). "
            "Database --output only.",
        ),
    ] = None,
    chunk_size: Annotated[
        int,
        typer.Option("--chunk-size", min=1, max=5_000_000, help="Rows per chunk (bounds memory)."),
    ] = 50_000,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar on stderr (default: only when stderr is a terminal).",
            show_default=False,
        ),
    ] = None,
    explain_scores: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Add reason_1..reason_3: the three largest TreeSHAP contributions of each "
            "customer, in words (target model only).",
        ),
    ] = False,
) -> None:
    """Score a CSV or the CRM table in chunks (bounded memory) with calibrated probabilities."""
    from bankchurn.artifacts import load_artifact
    from bankchurn.scoring import score_to_csv, score_to_database

    from_db, to_db = is_database_url(input), is_database_url(output)
    if to_db:
        day = _run_date(run_date)
        artifact = load_artifact(model)
        if explain_scores:
            _check_explainable(artifact, model)
        stats = score_to_database(
            artifact,
            input,
            output,
            day,
            chunk_size=chunk_size,
            progress=progress,
            explain_scores=explain_scores,
        )
        from bankchurn.scores_db import table_name

        where = f"{table_name(output)}, run {day.isoformat()}"
    else:
        if run_date is not None:
            raise UserError("--run-date applies to a database --output only")
        out = Path(output)
        if out.is_dir():
            raise UserError(f"--output {output}: is a folder; give a CSV file path")
        if not from_db and out.resolve() == Path(input).resolve():
            raise UserError("--output must differ from --input")
        check_destination(out)  # before any work: a link or device is refused at once
        artifact = load_artifact(model)
        if explain_scores:
            _check_explainable(artifact, model)
        stats = score_to_csv(
            artifact,
            input,
            out,
            chunk_size=chunk_size,
            progress=progress,
            explain_scores=explain_scores,
        )
        where = output
    bands = ", ".join(f"{k} {v}" for k, v in stats["risk_bands"].items())
    typer.echo(
        f"scored {stats['n_rows']:,} rows in {stats['n_chunks']} chunk(s) with "
        f"{artifact.metadata.get('model_version')} -> {where} ({bands})"
    )


def _run_date(text: str | None) -> dt.date:
    """``--run-date``: an ISO date, or today."""
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--run-date {text}: not a date; use YYYY-MM-DD") from None


@app.command("report")
def report(
    *,
    out: Annotated[
        Path | None, typer.Option("--out", help="Reports folder the site reads (reports/).")
    ] = None,
    data: DataOpt = None,
    seed: SeedOpt,
    models_dir: Annotated[
        Path | None,
        typer.Option(
            "--models-dir",
            help="Where the two artifacts go: OUT/models when --out is given, else models/.",
        ),
    ] = None,
    fast: FastOpt = False,
    only_summary: Annotated[
        bool,
        typer.Option(
            "--only-summary",
            help="Do not train: write model_selection.json and canvas_status.json from the "
            "metrics in OUT and the training records in MODELS_DIR (the pipeline's report stage).",
        ),
    ] = False,
    bench: Annotated[
        Path | None,
        typer.Option(
            "--bench",
            help="Benchmark report (reports/benchmarks.json, written by `make bench`) whose API "
            "latency and throughput fill the canvas's system tier; without it that tier is not "
            "measured here.",
        ),
    ] = None,
    only_monitoring: Annotated[
        bool,
        typer.Option(
            "--only-monitoring",
            help="Do not train: write monitoring.json from the target artifact in MODELS_DIR "
            "and the synthetic extract of params.yaml (the pipeline's monitor stage).",
        ),
    ] = False,
) -> None:
    """Train baseline and target, write every JSON report and both model artifacts.

    Everything goes under the folder given: with ``--out DIR`` the models are written to
    ``DIR/models`` (never over the repository's ``models/``, which ``make api`` serves) unless
    ``--models-dir`` says otherwise. Both trainings are logged to MLflow, as `train` does (not
    with --only-summary: it trains nothing).
    """
    from bankchurn.report_stage import summarize
    from bankchurn.reporting import write_reports
    from bankchurn.settings import settings

    given = out
    out = _out_dir(out or settings().reports_dir, "--out")
    default_models = out / "models" if given is not None else settings().models_dir
    models_dir = _out_dir(models_dir or default_models, "--models-dir")
    if only_summary:
        for name, path in summarize(out, models_dir, bench).items():
            typer.echo(f"{name}: {path}")
        return
    if only_monitoring:
        from bankchurn.reporting import monitor_from_files

        for name, path in monitor_from_files(out, models_dir).items():
            typer.echo(f"{name}: {path}")
        return
    tracking = _tracking(register=False)
    data = _source(data)
    extract = _load(data, seed)
    budget, n_boot = _budget(fast)
    from bankchurn.training import train_both

    runs = train_both(extract, seed, budget=budget, n_bootstrap=n_boot)
    written = write_reports(extract, runs, out, models_dir, seed, benchmarks=bench)
    for name, path in written.items():
        typer.echo(f"{name}: {path}")
    if tracking is not None:
        from bankchurn.artifacts import load_artifact

        for name in ("baseline", "target"):
            model_file = written[f"{name}_model"]
            _track(
                tracking,
                metrics_file=written[name],
                model_file=model_file,
                metadata=load_artifact(model_file).metadata,
                fast=fast,
                command="report",
            )
