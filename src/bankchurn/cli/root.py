"""The ``bankchurn`` command group: every sub-command listed once, its module imported only to run it.

Each command module (``bankchurn.cli.data``, ``.model``, ...) declares its commands on its own
``app`` and imports what it needs (pandas, scikit-learn, the API) when they run. This group names
each top-level command, its module and the one-line summary ``bankchurn --help`` lists, so that
listing them, or running one, imports no other command's module (ADR-0032). A test checks that
every summary is the first paragraph of its command's own help and that no command of a module
is left out.
"""

from __future__ import annotations

import functools
import importlib
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Annotated, Any, NamedTuple, Protocol

import typer
from typer.core import TyperGroup

from bankchurn.interrupts import Interrupted


class Entry(NamedTuple):
    """Where a top-level command lives and what ``bankchurn --help`` says of it.

    Attributes:
        module: Module whose ``app`` (a ``typer.Typer``) declares the command.
        summary: The first paragraph of the command's help, on one line.
    """

    module: str
    summary: str


#: The top-level commands, in the order ``bankchurn --help`` lists them.
COMMANDS: dict[str, Entry] = {
    "train": Entry(
        "bankchurn.cli.model",
        "Fit one model on the training rows, measure it on the test rows, save both files.",
    ),
    "evaluate": Entry(
        "bankchurn.cli.model",
        "Measure a saved model: on its own test rows, or on all rows of another extract.",
    ),
    "predict": Entry(
        "bankchurn.cli.model",
        "Score a CSV or the CRM table in chunks (bounded memory) with calibrated probabilities.",
    ),
    "report": Entry(
        "bankchurn.cli.model",
        "Train baseline and target, write every JSON report and both model artifacts.",
    ),
    "monitor": Entry(
        "bankchurn.cli.monitor",
        "Test each feature (and the predictions) of CURRENT against REFERENCE; write drift.json.",
    ),
    "serve": Entry(
        "bankchurn.cli.serve",
        "Serve POST /predict, POST /predict/batch, /health, /ready, /metrics and /docs.",
    ),
    "data": Entry(
        "bankchurn.cli.data",
        "The CRM extract: generate the synthetic one, validate a CSV or the CRM table against "
        "the data contract, load a CSV into the CRM database.",
    ),
    "model": Entry(
        "bankchurn.cli.registry",
        "The MLflow model registry: promote a registered version to an alias.",
    ),
}


#: Help is wrapped to the terminal's width (click caps it at 80 columns by default).
HELP_WIDTH = {"max_content_width": sys.maxsize}


def param_default(key: str) -> Callable[[], Any]:
    """An option's default read from ``params.yaml`` when the command runs, not for its help.

    ``bankchurn CMD --help`` then imports no parameters module (pydantic, yaml); the help says
    where the default lives (``show_default=param_source(key)``).

    Args:
        key: Dotted key of ``params.yaml``, e.g. ``data.n_rows``.

    Returns:
        A ``default_factory`` for ``typer.Option``.
    """

    def read() -> Any:
        from bankchurn.params import load

        value: Any = load()
        for part in key.split("."):
            value = getattr(value, part)
        return value

    return read


def param_source(key: str) -> str:
    """What ``--help`` shows as the default of a [`param_default`][bankchurn.cli.root.param_default] option."""
    return f"{key} in params.yaml"


#: The ``--seed`` of every command: one parameter (``seed`` in params.yaml), one declaration.
SeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        help="Random seed of every draw (synthetic data, split, models, search): same seed, "
        "same output.",
        default_factory=param_default("seed"),
        show_default=param_source("seed"),
    ),
]


# typer's context, command and help formatter are classes of the click it vendors, a private
# module (ADR-0033): the overrides below take them as Any, and the formatter as what they use.
class HelpWriter(Protocol):
    """The help formatter, as the commands' listing uses it."""

    def section(self, name: str) -> AbstractContextManager[None]:
        """A titled, indented section of the help."""

    def write_dl(self, rows: Sequence[tuple[str, str]]) -> None:
        """A two-column list: name, then its text wrapped beside it."""


class SummaryGroup(TyperGroup):
    """A command group listing each sub-command's whole first sentence, wrapped, never cut."""

    def format_commands(self, ctx: Any, formatter: HelpWriter) -> None:
        """List the sub-commands with the first sentence of their help."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_app(**kwargs: Any) -> typer.Typer:
    """The ``typer.Typer`` a command module declares its commands on.

    Help is plain text: typer's boxed help imports rich, which costs more than the rest of
    ``bankchurn --help``. A group's listing shows each sub-command's first sentence whole.

    Args:
        **kwargs: Passed to ``typer.Typer`` (``name``, ``help``, ``no_args_is_help``).

    Returns:
        The application object.
    """
    return typer.Typer(add_completion=False, rich_markup_mode=None, cls=SummaryGroup, **kwargs)


@functools.cache
def _module_commands(module: str) -> Mapping[str, Any]:
    """The click commands of one command module (imported on first use)."""
    app = importlib.import_module(module).app
    return typer.main.get_group(app).commands


class _Commands(Mapping[str, Any]):
    """The sub-commands by name; a command's module is imported when it is looked up."""

    def __getitem__(self, name: str) -> Any:
        entry = COMMANDS[name]  # KeyError: no such command
        return _module_commands(entry.module)[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyGroup(SummaryGroup):
    """A typer group whose sub-commands come from [`COMMANDS`][bankchurn.cli.root.COMMANDS].

    Names (for ``--help``, "no such command" and its suggestions) come from the table; a
    command's module is imported only when that command is run or its own help is asked for.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _Commands()  # type: ignore[assignment]  # read-only on purpose

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a ``KeyboardInterrupt`` it lets out is a Ctrl+C like any other.

        typer would turn it into a silent exit 130; as ``Interrupted`` the entry point reports
        it in one line.
        """
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted(signal.SIGINT) from None

    def format_commands(self, ctx: Any, formatter: HelpWriter) -> None:
        """List the commands with their summaries, importing none of them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])


ROOT = LazyGroup(
    name="bankchurn",
    help="BankChurn Predictor: data, training, evaluation, scoring and the API.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=HELP_WIDTH,
)
