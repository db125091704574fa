"""The ``designdocs`` entry point: a user mistake is one line on stderr and exit code 2.

The rule is `bankchurn.cli.run_command`, shared with ``bankchurn``: a bad option, an unknown
command and a `bankchurn.errors.UserError` of a command end the same way in both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from designdocs.cli import main


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err[:800]
    assert "Traceback" not in captured.err
    return captured.err.strip()


def test_a_bad_option_is_one_line_naming_the_help_to_read(capsys) -> None:
    assert main(["adr", "lint", "--bogus"]) == 2
    assert _one_line(capsys) == (
        "designdocs: error: No such option: --bogus (see 'designdocs adr lint --help')"
    )


def test_an_unknown_command_is_one_line(capsys) -> None:
    assert main(["adr", "lnt"]) == 2
    line = _one_line(capsys)
    assert line.startswith("designdocs: error: No such command 'lnt'")


def test_a_user_error_of_a_command_is_one_line_and_writes_nothing(tmp_path: Path, capsys) -> None:
    assert main(["adr", "new", "!!!", "--dir", str(tmp_path)]) == 2
    assert _one_line(capsys) == (
        "designdocs: error: the ADR title '!!!' has no letters or digits for a file name"
    )
    assert list(tmp_path.iterdir()) == []
