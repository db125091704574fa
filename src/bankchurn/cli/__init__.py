"""The ``bankchurn`` command line. Each sub-module owns one command group.

User mistakes ([`bankchurn.errors.UserError`][bankchurn.errors.UserError]) end as one line on stderr and exit code 2.
Ctrl+C (SIGINT) and SIGTERM end as one line and exit codes 130 and 143; a file being written
is abandoned whole (the atomic writer's clean-up runs), so nothing is half-written. The signal
is also recorded ([`bankchurn.interrupts.stop_signals`][bankchurn.interrupts.stop_signals]): when its exception is
swallowed where it lands (a callback), the exit path still ends the command that way.
"""

from __future__ import annotations

import signal
import sys

import typer

# typer >= 0.22 vendors click as typer._click; its exceptions are not click's (pinned in the lock).
from typer._click.exceptions import ClickException, UsageError

from bankchurn.errors import UserError, printable
from bankchurn.interrupts import SIGNAL_EXIT, Interrupted, stop_signals

app = typer.Typer(
    name="bankchurn",
    help="BankChurn Predictor: data, training, evaluation, scoring and the API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Attach the command groups; each import is one layer of the package."""
    from bankchurn.cli import data, model, monitor, registry, serve  # noqa: F401  (commands register themselves)


def _error(message: str) -> None:
    """One line on stderr: control characters escaped, length capped."""
    print(f"bankchurn: {printable(message, 2000)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bankchurn`` console script."""
    with stop_signals() as stop:
        try:
            code, raised = _run(argv), None
        except Interrupted as exc:
            code, raised = 1, signal.Signals(exc.signum)
        signum = stop.settle() or raised
        if signum is not None:  # even when its exception was swallowed where it landed
            _error(f"interrupted by {signum.name}; no output was written or replaced")
            return SIGNAL_EXIT[signum]
    return code


def _run(argv: list[str] | None) -> int:
    """Run the command; a user mistake becomes one line and its exit code."""
    try:
        _register()
        rc = app(args=argv, standalone_mode=False)
    except UserError as exc:
        _error(f"error: {exc}")
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        _error("aborted")
        return 130
    except ClickException as exc:  # bad option or argument: one line, not click's usage box
        hint = ""
        if isinstance(exc, UsageError) and exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        _error(f"error: {exc.format_message()}{hint}")
        return exc.exit_code
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
