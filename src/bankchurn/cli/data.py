"""``bankchurn data ...``: generate the synthetic CRM extract, validate a CSV against the contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bankchurn import contract
from bankchurn.atomic import check_destination
from bankchurn.cli.root import SeedOpt, command_app, param_default, param_source
from bankchurn.errors import UserError

DEFAULT_OUT = Path("data/generated/crm_extract.csv")

data_app = command_app(
    name="data",
    help="The CRM extract: generate the synthetic one, validate a CSV or the CRM table against "
    "the data contract, load a CSV into the CRM database.",
    no_args_is_help=True,
)


@data_app.command("generate")
def generate(
    *,
    rows: Annotated[
        int,
        typer.Option(
            "--rows",
            min=1,
            max=5_000_000,
            help="Number of rows (customers).",
            default_factory=param_default("data.n_rows"),
            show_default=param_source("data.n_rows"),
        ),
    ],
    snapshots: Annotated[
        int,
        typer.Option(
            "--snapshots",
            min=1,
            max=600,
            help="Monthly snapshots (month ends).",
            default_factory=param_default("data.n_snapshots"),
            show_default=param_source("data.n_snapshots"),
        ),
    ],
    seed: SeedOpt,
    out: Annotated[
        Path, typer.Option("--out", help="CSV file to write (atomically).")
    ] = DEFAULT_OUT,
) -> None:
    """Write the deterministic SYNTHETIC CRM extract (made-up customers) as CSV."""
    from bankchurn.synthetic import generate_extract, write_extract

    if out.exists() and out.is_dir():
        raise UserError(f"--out {out}: is a folder; give a file path such as {DEFAULT_OUT}")
    check_destination(out)  # before the work: a link or device is refused at once
    extract = generate_extract(n_rows=rows, n_snapshots=snapshots, seed=seed)
    write_extract(extract, out)
    meta = extract.metadata
    typer.echo(
        f"Wrote {rows:,} rows x {len(extract.frame.columns)} columns to {out} "
        f"({snapshots} monthly snapshots {meta['snapshot_start']}..{meta['snapshot_end']}, "
        f"seed {seed}, churn rate {extract.frame[contract.TARGET].mean():.3f})."
    )
    typer.echo(
        "SYNTHETIC data: customers, ids and surnames are made up by "
        f"{meta['generator']} {meta['generator_version']}; no real customer is in this file."
    )


@data_app.command("validate")
def validate(
    path: Annotated[
        str,
        typer.Argument(
            help="CSV file, or the CRM database (postgresql://USER@HOST:PORT/DB), to check."
        ),
    ],
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            help="Also write the data profile the site reads (the pipeline's validate stage: "
            "reports/data_profile.json).",
        ),
    ] = None,
) -> None:
    """Check a CSV or the CRM table against the data contract.

    Prints OK and a summary, or one error line (exit 2).
    """
    # Imported here: pandera is slow to import and `data generate` does not need it.
    from bankchurn.ingest import load_extract, read_validated

    if profile is not None:
        if profile.is_dir():
            raise UserError(f"--profile {profile}: is a folder; give a file path")
        from bankchurn.data_profile import write_data_profile

        extract = load_extract(path)
        write_data_profile(profile, extract)
        frame = extract.frame
    else:
        frame, _ = read_validated(path)
    nullable = [c.name for c in contract.COLUMNS if c.nullable and c.name in frame.columns]
    n_missing = int(frame[nullable].isna().sum().sum())
    if contract.SNAPSHOT in frame.columns:
        dates = frame[contract.SNAPSHOT]
        snaps = (
            f"{dates.nunique()} snapshots {dates.min().date().isoformat()}.."
            f"{dates.max().date().isoformat()}"
        )
    else:
        snaps = "no SnapshotDate (a stratified split will be used)"
    typer.echo(
        f"OK: {len(frame):,} rows, {len(frame.columns)} columns, {snaps}, "
        f"churn rate {frame[contract.TARGET].mean():.3f}, "
        f"{n_missing} missing values in nullable columns (imputed inside the model pipeline)."
    )


@data_app.command("load")
def load(
    csv: Annotated[
        Path, typer.Argument(help="CSV extract to load (checked against the contract).")
    ],
    into: Annotated[
        str,
        typer.Option(
            "--into",
            help="The CRM database: postgresql://USER@HOST:PORT/DB (a role that may create the "
            "crm schema and write its table; password from PGPASSWORD or ~/.pgpass).",
        ),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Empty the table first (same transaction).")
    ] = False,
    grant_read: Annotated[
        str | None,
        typer.Option(
            "--grant-read",
            help="Existing role to give read-only access (the role the pipeline connects with).",
        ),
    ] = None,
) -> None:
    """Load a CSV extract into the CRM snapshot table (for demos and tests), all or nothing."""
    from bankchurn import crm_db
    from bankchurn.ingest import read_validated

    if not crm_db.is_database_url(into):
        raise UserError(f"--into {into}: give a postgresql://USER@HOST:PORT/DB URL")
    frame, _ = read_validated(csv)
    n = crm_db.load_frame(into, frame, replace=replace, grant_read=grant_read)
    typer.echo(f"Loaded {n:,} rows from {csv} into {crm_db.table_source(into)}.")


#: The commands this module adds to ``bankchurn`` (see bankchurn.cli.root).
app = command_app()
app.add_typer(data_app, name="data")
