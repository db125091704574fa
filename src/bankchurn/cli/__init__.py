"""The ``bankchurn`` command line: its entry point. Each sub-module owns one command group.

[`main`][bankchurn.cli.main] installs the stop-signal handlers first, before typer, pandas or
scikit-learn are imported, and only then imports the command that runs
(`bankchurn.cli.root`): a Ctrl+C or SIGTERM during the imports ends like one
during the work. This module therefore imports nothing heavy itself (ADR-0032).

User mistakes ([`bankchurn.errors.UserError`][bankchurn.errors.UserError]) end as one line on stderr and exit code 2.
Ctrl+C (SIGINT) and SIGTERM end as one line and exit codes 130 and 143; a file being written
is abandoned whole (the atomic writer's clean-up runs), so nothing is half-written, and the line
names any output that was completed before the signal. The signal is also recorded
([`bankchurn.interrupts.stop_signals`][bankchurn.interrupts.stop_signals]): when its exception is
swallowed where it lands (a callback), it is raised again at once, and the exit path still ends
the command that way.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from bankchurn.errors import printable
from bankchurn.interrupts import SIGNAL_EXIT, Interrupted, pending, stop_signals

#: Exit code when the reader of stdout has gone (click's own, for its help and messages).
CLOSED_PIPE_EXIT = 1


def _error(message: str, prog_name: str = "bankchurn") -> None:
    """One line on stderr: control characters escaped, length capped."""
    print(f"{prog_name}: {printable(message, 2000)}", file=sys.stderr)


def _interrupted(signum: signal.Signals, written: list[str]) -> str:
    """The line of a command stopped by a signal: what it left behind, truthfully."""
    if not written:
        return f"interrupted by {signum.name}; no output was written or replaced"
    shown = ", ".join(printable(p, 200) for p in written[:3])
    more = f" and {len(written) - 3} more" if len(written) > 3 else ""
    return (
        f"interrupted by {signum.name} after {len(written)} output(s) were written whole "
        f"({shown}{more}); nothing else was written or replaced"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bankchurn`` console script."""
    try:
        with stop_signals() as stop:
            try:
                code, raised = _run(argv), None
            except Interrupted as exc:
                code, raised = 1, signal.Signals(exc.signum)
            except Exception:
                # The signal's exception, wrapped on its way out: the interpreter turns one
                # raised in a class body's __set_name__ (an import) into a RuntimeError.
                if pending() is None:
                    raise
                code, raised = 1, None
            signum = stop.settle() or raised
            if signum is not None:  # even when its exception was swallowed where it landed
                _error(_interrupted(signum, stop.written()))
                return SIGNAL_EXIT[signum]
    except KeyboardInterrupt:  # Ctrl+C while Python's own handler was still in place
        _error(_interrupted(signal.SIGINT, []))
        return SIGNAL_EXIT[signal.SIGINT]
    return code


def _run(argv: list[str] | None) -> int:
    """Run the command; a reader of its output that leaves early stops it quietly."""
    try:
        code = _invoke(argv)
        sys.stdout.flush()  # a closed pipe shows here, not as a report when Python exits
    except BrokenPipeError:  # `bankchurn ... | head`: stop quietly, as click does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return CLOSED_PIPE_EXIT
    return code


def _invoke(argv: list[str] | None) -> int:
    """Import the command line and run the command."""
    from bankchurn.cli.root import ROOT

    return run_command(ROOT, argv, "bankchurn")


def run_command(command: Any, argv: list[str] | None, prog_name: str) -> int:
    """Run a click command (typer's); a user mistake becomes one line ``PROG: error: ...``.

    The one rule for user mistakes of every command line of the project (``bankchurn``,
    ``designdocs``): a `bankchurn.errors.UserError`, a bad option or argument, end as one line
    on stderr with their exit code (2), never as a traceback or click's usage box.

    Args:
        command: The click command or group (``typer.main.get_command(app)`` for a Typer app).
        argv: The arguments (``None``: ``sys.argv[1:]``).
        prog_name: The program name that starts each line.

    Returns:
        The exit code.
    """
    import typer

    from bankchurn.errors import UserError

    try:
        rc = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except UserError as exc:
        _error(f"error: {exc}", prog_name)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        _error("aborted", prog_name)
        return 130
    except typer.TyperException as exc:
        # typer's public base of its command-line errors (the click it vendors is private,
        # ADR-0033). A usage error carries its command's context; a group given no arguments
        # (`bankchurn`, `bankchurn data`) raises one whose message is its help: shown as help.
        ctx = getattr(exc, "ctx", None)
        if ctx is not None and exc.format_message() == ctx.get_help():
            print(exc.format_message())
            return exc.exit_code
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _error(f"error: {exc.format_message()}{hint}", prog_name)
        return exc.exit_code
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
