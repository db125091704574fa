"""The ``bankchurn`` command line. Each sub-module owns one command group.

User mistakes ([`bankchurn.errors.UserError`][bankchurn.errors.UserError]) end as one line on stderr and exit code 2.
Ctrl+C (SIGINT) and SIGTERM end as one line and exit codes 130 and 143; a file being written
is abandoned whole (the atomic writer's clean-up runs), so nothing is half-written.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import typer

# typer >= 0.22 vendors click as typer._click; its exceptions are not click's (pinned in the lock).
from typer._click.exceptions import ClickException, UsageError

from bankchurn.errors import UserError, printable

#: Exit code of a command stopped by a signal: 128 + the signal number (shell convention).
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(BaseException):
    """Raised in the main thread when SIGINT or SIGTERM arrives.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` swallows
    it, while every ``finally`` (temporary files) still runs. Not a ``KeyboardInterrupt``:
    typer turns that into a silent exit code.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


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
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {
        sig: signal.signal(sig, _raise_interrupted) for sig in SIGNAL_EXIT if in_main_thread
    }
    try:
        _register()
        rc = app(args=argv, standalone_mode=False)
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        _error(f"interrupted by {name}; no output was written or replaced")
        return SIGNAL_EXIT[signal.Signals(exc.signum)]
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
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
