"""``bankchurn monitor``: drift of a current sample against a reference sample."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from bankchurn.cli.root import SeedOpt, command_app
from bankchurn.crm_db import display_url, is_database_url
from bankchurn.errors import UserError

#: The commands this module adds to ``bankchurn`` (see bankchurn.cli.root).
app = command_app()

_SYNTHETIC = re.compile(r"^synthetic(?::(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?)?$")

SOURCE_HELP = (
    "CSV file with the contract columns (Exited optional), a postgresql:// URL of the CRM "
    "table, or the embedded SYNTHETIC extract: "
    "'synthetic' (all months), 'synthetic:2025-12' (one month) or "
    "'synthetic:2024-01..2025-06' (a range of months, both included)."
)


def load_source(spec: str, option: str, seed: int) -> tuple[Any, Any]:
    """Rows of a data source and their description.

    Args:
        spec: A CSV path, a ``postgresql://`` URL or a ``synthetic[:YYYY-MM[..YYYY-MM]]``
            selector.
        option: Option name quoted in errors.
        seed: Seed of the synthetic extract.

    Returns:
        ``(frame, SampleInfo)``.

    Raises:
        UserError: Unreadable file, bad selector or no rows selected (one line).
    """
    import pandas as pd

    from bankchurn.contract import SNAPSHOT
    from bankchurn.drift import MIN_ROWS, SampleInfo
    from bankchurn.ingest import load_extract

    match = _SYNTHETIC.match(spec)
    if is_database_url(spec):
        extract = load_extract(spec, require_label=False)
        frame, source = extract.frame, display_url(spec)
    elif match is None:
        path = Path(spec)
        if path.is_dir():
            raise UserError(f"{option} {spec}: is a folder; give a CSV file")
        extract = load_extract(path, require_label=False)
        frame, source = extract.frame, path.name
    else:
        extract = load_extract(None, seed=seed)
        frame, source = extract.frame, f"synthetic seed={seed}"
        first, last = match.group(1), match.group(2) or match.group(1)
        if first is not None:
            try:
                lo, hi = pd.Period(first, "M"), pd.Period(last, "M")
            except ValueError:
                raise UserError(f"{option} {spec}: not a valid month (YYYY-MM)") from None
            months = frame[SNAPSHOT].dt.to_period("M")
            frame = frame[(months >= lo) & (months <= hi)]
            source = f"{source} months {lo}..{hi}"
            if frame.empty:
                start, end = (
                    extract.provenance["snapshot_start"],
                    extract.provenance["snapshot_end"],
                )
                raise UserError(
                    f"{option} {spec}: no synthetic rows in those months (data covers "
                    f"{start[:7]}..{end[:7]})"
                )
    if len(frame) < MIN_ROWS:
        raise UserError(
            f"{option} {spec}: {len(frame)} row{'s' if len(frame) != 1 else ''}; the drift tests "
            f"need at least {MIN_ROWS} rows in each sample before they can flag anything"
        )
    dates = frame[SNAPSHOT] if SNAPSHOT in frame.columns else None
    info = SampleInfo(
        source=source,
        n_rows=len(frame),
        snapshot_start=dates.min().date().isoformat() if dates is not None else None,
        snapshot_end=dates.max().date().isoformat() if dates is not None else None,
    )
    return frame.reset_index(drop=True), info


@app.command("monitor")
def monitor(
    *,
    reference: Annotated[str, typer.Option("--reference", help=SOURCE_HELP)],
    current: Annotated[str, typer.Option("--current", help="Same forms as --reference.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for drift.json.")],
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model artifact: adds the drift of its predictions."),
    ] = None,
    seed: SeedOpt,
    fail_on_drift: Annotated[
        bool,
        typer.Option("--fail-on-drift", help="Exit with code 1 when drift is detected."),
    ] = False,
    fail_on_retrain: Annotated[
        bool,
        typer.Option(
            "--fail-on-retrain",
            help="Exit with code 1 when the retraining rule fires (needs --model).",
        ),
    ] = False,
) -> None:
    """Test each feature (and the predictions) of CURRENT against REFERENCE; write drift.json.

    With a model, also estimate ROC-AUC and precision at the campaign capacity of CURRENT from
    its calibrated probabilities (no labels needed) and evaluate the retraining rule; pass the
    last months pooled as CURRENT, as the Monitoring page's rule does.
    """
    from bankchurn.atomic import atomic_write_text
    from bankchurn.drift import compare

    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    if fail_on_retrain and model is None:
        raise UserError("--fail-on-retrain needs --model (the rule reads the model's scores)")
    artifact = None
    if model is not None:
        from bankchurn.artifacts import load_artifact

        artifact = load_artifact(model)
    ref, ref_info = load_source(reference, "--reference", seed)
    cur, cur_info = load_source(current, "--current", seed)
    scores: dict[str, Any] = {}
    if artifact is not None:
        from bankchurn.artifacts import predict_proba

        scores = {
            "reference_scores": predict_proba(artifact, ref),
            "current_scores": predict_proba(artifact, cur),
            "model_version": str(artifact.metadata.get("model_version")),
        }
    try:
        report = compare(ref, cur, reference_info=ref_info, current_info=cur_info, **scores)
    except ValueError as exc:
        raise UserError(f"--current {current}: {exc}") from None
    if artifact is not None:
        from bankchurn.retraining import assess

        report.performance, report.retrain_reasons = assess(
            scores["current_scores"], report.prediction, seed=seed
        )
    path = atomic_write_text(out / "drift.json", report.model_dump_json(indent=2) + "\n")
    flagged = [c for c, d in report.features.items() if d.drifted]
    if report.prediction is not None and report.prediction.drifted:
        flagged.append("predictions")
    verdict = f"DRIFT in {', '.join(flagged)}" if flagged else "no drift detected"
    typer.echo(f"{verdict} ({cur_info.n_rows} current vs {ref_info.n_rows} reference rows)")
    if report.performance is not None:
        e = report.performance
        typer.echo(
            f"estimated without labels: ROC-AUC {e.roc_auc:.3f}, precision at capacity "
            f"{e.precision_at_capacity:.3f}; retrain: "
            f"{', '.join(report.retrain_reasons or []) or 'no'}"
        )
    typer.echo(f"wrote {path}")
    if (fail_on_drift and report.drift_detected) or (fail_on_retrain and report.retrain_reasons):
        raise typer.Exit(1)
