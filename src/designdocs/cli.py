"""The ``designdocs`` command: create, supersede, lint and index the decision records.

User mistakes (`bankchurn.errors.UserError`) end as one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bankchurn.atomic import atomic_write_text
from bankchurn.cli import run_command
from bankchurn.settings import settings
from designdocs import adr as adr_lib
from designdocs.paths import shown

app = typer.Typer(
    name="designdocs",
    help="The documentation toolkit: decision records (more groups as they come).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

adr_app = typer.Typer(
    name="adr",
    help="Architecture decision records: new, supersede, lint, index.",
    no_args_is_help=True,
    add_completion=False,
)

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="Folder of the ADR files (default: adr/).")
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
    adr_dir: DirOption = None,
    date: DateOption = None,
    decider: DeciderOption = None,
) -> None:
    """Create the next ADR (status proposed) from the template; print its path."""
    path = adr_lib.new_adr(
        adr_dir or settings().adr_dir, title, date=date, deciders=decider or None
    )
    typer.echo(shown(path))


@adr_app.command("supersede")
def supersede(
    number: Annotated[int, typer.Argument(help="Id of the ADR to supersede, e.g. 3.")],
    title: Annotated[str, typer.Argument(help="Title of the new decision.")],
    adr_dir: DirOption = None,
    date: DateOption = None,
    decider: DeciderOption = None,
) -> None:
    """Create an ADR that supersedes ADR NUMBER, mark NUMBER superseded, link both ways."""
    path = adr_lib.supersede_adr(
        adr_dir or settings().adr_dir, number, title, date=date, deciders=decider or None
    )
    typer.echo(shown(path))


@adr_app.command("lint")
def lint(
    adr_dir: DirOption = None,
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports", help="Folder of the pipeline reports, to check metric() keys (reports/)."
        ),
    ] = None,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
) -> None:
    """Check every ADR; print one line per problem (path:line: rule: message), exit 2 if any."""
    if rules:
        for name, what in adr_lib.RULES.items():
            typer.echo(f"{name:13} {what}")
        return
    adr_dir = adr_dir or settings().adr_dir
    errors = adr_lib.lint(adr_dir, reports or settings().reports_dir)
    for error in errors:
        print(error, file=sys.stderr)
    n_files = len(adr_lib.adr_files(adr_dir))
    if errors:
        print(f"adr lint: {len(errors)} problem(s) in {shown(adr_dir)}", file=sys.stderr)
        raise typer.Exit(2)
    typer.echo(f"adr lint: {n_files} ADRs in {shown(adr_dir)}, no problems")


@adr_app.command("index")
def index(
    adr_dir: DirOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the page here instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the Markdown of the generated Decisions index page."""
    text = adr_lib.render_index(adr_dir or settings().adr_dir)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, text)  # same all-or-nothing write as the records
    typer.echo(shown(out))


app.add_typer(adr_app, name="adr")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``designdocs`` console script (user mistakes: one line, exit 2)."""
    return run_command(typer.main.get_command(app), argv, "designdocs")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
