"""``bankchurn adr ...``: create, supersede, lint and index the Architecture Decision Records."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bankchurn import adr as adr_lib
from bankchurn.cli import app

adr_app = typer.Typer(
    name="adr",
    help="Architecture decision records: new, supersede, lint, index.",
    no_args_is_help=True,
    add_completion=False,
)

DirOption = Annotated[
    Path, typer.Option("--dir", help="Folder of the ADR files.", show_default=True)
]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Decision date YYYY-MM-DD (default: today).")
]
DeciderOption = Annotated[
    list[str] | None,
    typer.Option("--decider", help="Who decides; repeat for several (default: BankChurn team)."),
]


@adr_app.command("new")
def new(
    title: Annotated[str, typer.Argument(help="Title of the decision, e.g. 'Use DVC for data'.")],
    adr_dir: DirOption = Path("adr"),
    date: DateOption = None,
    decider: DeciderOption = None,
) -> None:
    """Create the next ADR (status proposed) from the template; print its path."""
    path = adr_lib.new_adr(adr_dir, title, date=date, deciders=decider or None)
    typer.echo(str(path))


@adr_app.command("supersede")
def supersede(
    number: Annotated[int, typer.Argument(help="Id of the ADR to supersede, e.g. 3.")],
    title: Annotated[str, typer.Argument(help="Title of the new decision.")],
    adr_dir: DirOption = Path("adr"),
    date: DateOption = None,
    decider: DeciderOption = None,
) -> None:
    """Create an ADR that supersedes ADR NUMBER, mark NUMBER superseded, link both ways."""
    path = adr_lib.supersede_adr(adr_dir, number, title, date=date, deciders=decider or None)
    typer.echo(str(path))


@adr_app.command("lint")
def lint(
    adr_dir: DirOption = Path("adr"),
    reports: Annotated[
        Path,
        typer.Option("--reports", help="Folder of the pipeline reports, to check metric() keys."),
    ] = Path("reports"),
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
) -> None:
    """Check every ADR; print one line per problem (path:line: rule: message), exit 2 if any."""
    if rules:
        for name, what in adr_lib.RULES.items():
            typer.echo(f"{name:13} {what}")
        return
    errors = adr_lib.lint(adr_dir, reports)
    for error in errors:
        print(error, file=sys.stderr)
    n_files = len(adr_lib.adr_files(adr_dir))
    if errors:
        print(f"adr lint: {len(errors)} problem(s) in {adr_dir}", file=sys.stderr)
        raise typer.Exit(2)
    typer.echo(f"adr lint: {n_files} ADRs in {adr_dir}, no problems")


@adr_app.command("index")
def index(
    adr_dir: DirOption = Path("adr"),
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the page here instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the Markdown of the generated Decisions index page."""
    text = adr_lib.render_index(adr_dir)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    adr_lib._write_atomic(out, text)  # same all-or-nothing write as the records
    typer.echo(str(out))


app.add_typer(adr_app, name="adr")
