"""The ``bankchurn`` command line. Each sub-module owns one command group.

User mistakes ([`bankchurn.errors.UserError`][bankchurn.errors.UserError]) end as one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys

import typer

# typer >= 0.22 vendors click as typer._click; its exceptions are not click's (pinned in the lock).
from typer._click.exceptions import ClickException, UsageError

from bankchurn.errors import UserError

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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bankchurn`` console script."""
    _register()
    try:
        # Without standalone mode, click returns a command's `typer.Exit(code)` as the value.
        result = app(args=argv, standalone_mode=False)
    except UserError as exc:
        print(f"bankchurn: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("bankchurn: aborted", file=sys.stderr)
        return 130
    except ClickException as exc:  # bad option or argument: one line, not click's usage box
        hint = ""
        if isinstance(exc, UsageError) and exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        print(f"bankchurn: error: {exc.format_message()}{hint}", file=sys.stderr)
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
