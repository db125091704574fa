"""The command table and the light entry point (ADR-0032): handlers first, commands imported lazily."""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import typer

from bankchurn.cli import main
from bankchurn.cli.root import COMMANDS
from bankchurn.interrupts import SIGNAL_EXIT


def _first_paragraph(text: str) -> str:
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


def test_each_summary_is_the_first_paragraph_of_its_commands_help() -> None:
    for name, entry in COMMANDS.items():
        command = typer.main.get_group(importlib.import_module(entry.module).app).commands[name]
        assert command.help is not None, name
        assert entry.summary == _first_paragraph(command.help), name


def test_every_command_of_the_modules_is_in_the_table() -> None:
    for module in {entry.module for entry in COMMANDS.values()}:
        names = typer.main.get_group(importlib.import_module(module).app).commands
        for name in names:
            assert COMMANDS.get(name, None) is not None, f"{module} declares {name!r}"
            assert COMMANDS[name].module == module


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"\n  {name} " in out


def test_a_mistyped_command_is_one_line_with_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["predcit"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "bankchurn: error: No such command 'predcit'. Did you mean 'predict'? "
        "(see 'bankchurn --help')\n"
    )


HEAVY = ("pandas", "numpy", "sklearn", "pydantic", "yaml", "rich", "importlib.metadata")

IMPORTS_OF_HELP = f"""
import sys
from bankchurn.cli import main
assert main(["--help"]) == 0
loaded = [m for m in {HEAVY!r} if m in sys.modules]
commands = sorted(m for m in sys.modules if m.startswith("bankchurn.cli."))
print("LOADED:" + ",".join(loaded) + " COMMANDS:" + ",".join(commands))
"""


def test_help_imports_no_command_module_and_nothing_heavy() -> None:
    """`bankchurn --help` needs only typer: no pandas, no pydantic, no command module."""
    proc = subprocess.run(
        [sys.executable, "-c", IMPORTS_OF_HELP], capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "LOADED: COMMANDS:bankchurn.cli.root"


#: What a command's own help must not import. Not pydantic: typer converts option values
#: with it (typer._adapters), so building any command imports it.
HEAVY_FOR_COMMAND_HELP = ("pandas", "numpy", "sklearn", "scipy", "yaml", "rich", "psycopg")


def _command_paths() -> list[list[str]]:
    """Every command and sub-command, as the words typed before ``--help``."""
    paths = []
    for name, entry in COMMANDS.items():
        command = typer.main.get_group(importlib.import_module(entry.module).app).commands[name]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


IMPORTS_OF_COMMAND_HELP = """
import sys
from bankchurn.cli import main
assert main({words!r} + ["--help"]) == 0
print("LOADED:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("words", _command_paths(), ids=" ".join)
def test_the_help_of_each_command_imports_nothing_heavy(words: list[str]) -> None:
    """`bankchurn train --help` & co. read no parameters file and import no data stack.

    Before, a command's module imported pandas (through its helpers) and read params.yaml
    (pydantic, yaml) for the defaults its help shows.
    """
    code = IMPORTS_OF_COMMAND_HELP.format(words=words, heavy=HEAVY_FOR_COMMAND_HELP)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "LOADED:"


def test_help_wraps_to_the_terminal_width_and_cuts_no_summary() -> None:
    """Summaries are whole and wrapped at the terminal's width, not cut at 80 columns."""
    env = {**os.environ, "COLUMNS": "200"}
    wide = subprocess.run(
        [sys.executable, "-m", "bankchurn", "data", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert max(len(line) for line in wide.splitlines()) > 100
    narrow = subprocess.run(
        [sys.executable, "-m", "bankchurn", "data", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "60"},
    ).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 60
    for text in (wide, narrow):
        assert "..." not in text.split("Commands:")[1]
        assert "(made-up customers) as CSV." in " ".join(text.split())


def test_a_default_from_params_yaml_is_read_when_the_command_runs(tmp_path) -> None:
    from bankchurn.params import load

    out = tmp_path / "x.csv"
    assert main(["data", "generate", "--rows", "12", "--out", str(out)]) == 0
    assert out.read_text().count("\n") == 13
    snapshots = {line.rsplit(",", 1)[1] for line in out.read_text().splitlines()[1:]}
    assert len(snapshots) == min(12, load().data.n_snapshots)


SIGNAL_DURING_IMPORT = """
import signal, sys

class SignalWhenImported:
    '''Sends the signal as the command line starts importing {module}.'''

    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            signal.raise_signal(signal.{sig})
        return None

sys.meta_path.insert(0, SignalWhenImported())
from bankchurn.cli import main
sys.exit(main(["data", "generate", "--rows", "10", "--out", {out!r}]))
"""


def _as_from_a_terminal() -> None:
    """SIGINT as a terminal leaves it (a background test run inherits it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("module", ["typer", "pandas"])
def test_signal_while_the_command_line_is_imported_is_one_line(
    tmp_path, sig: signal.Signals, module: str
) -> None:
    """A signal while the command line itself is imported ends as one line.

    Before, a signal while typer was imported gave a KeyboardInterrupt traceback or a silent
    death by SIGTERM: the handlers were installed only after it.
    """
    out = tmp_path / "out.csv"
    code = SIGNAL_DURING_IMPORT.format(module=module, sig=sig.name, out=str(out))
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_as_from_a_terminal,
        check=False,
    )
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[sig], proc.stderr
    assert proc.stderr == (
        f"bankchurn: interrupted by {sig.name}; no output was written or replaced\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_from_a_command_is_one_line_not_a_silent_130(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defect 4: typer turns a ``KeyboardInterrupt`` into exit 130 and prints nothing."""
    from bankchurn import synthetic

    def interrupted(**kwargs: object) -> None:
        raise KeyboardInterrupt  # e.g. re-raised by a library that had its own SIGINT handler

    monkeypatch.setattr(synthetic, "generate_extract", interrupted)
    out = tmp_path / "out.csv"
    assert main(["data", "generate", "--rows", "10", "--out", str(out)]) == 130
    assert capsys.readouterr().err == (
        "bankchurn: interrupted by SIGINT; no output was written or replaced\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("argv", [[], ["data"], ["model"]])
def test_a_group_without_a_command_prints_its_help(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Usage: bankchurn {' '.join(argv)}".rstrip())
    assert "Commands:" in captured.out
    assert captured.err == ""


@pytest.mark.parametrize("argv", [["--help"], ["data"]])
def test_output_to_a_closed_pipe_stops_quietly(argv: list[str]) -> None:
    """`bankchurn --help | head -1`: no BrokenPipeError traceback when the reader has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first byte
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bankchurn", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (1, "")  # click's code for a closed pipe


SIGNAL_IN_SET_NAME = """
import signal, sys

class SignalsWhenNamed:
    def __set_name__(self, owner, name):
        signal.raise_signal(signal.{sig})

class DefinesAClassWhenImported:
    # a module that defines a class while the command's imports run (pydantic does)
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            sys.meta_path.remove(self)
            type("Model", (), {{"field": SignalsWhenNamed()}})
        return None

sys.meta_path.insert(0, DefinesAClassWhenImported())
from bankchurn.cli import main
sys.exit(main(["data", "generate", "--rows", "10", "--out", {out!r}]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_wrapped_by_the_interpreter_is_still_one_line(tmp_path, sig) -> None:
    """A signal inside ``__set_name__`` reaches us as a RuntimeError (the interpreter wraps it).

    Before, that ended as a "RuntimeError: Error calling __set_name__" traceback and exit 1
    (found by scripts/signal_race.py while pydantic was being imported).
    """
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [sys.executable, "-c", SIGNAL_IN_SET_NAME.format(sig=sig.name, out=str(out))],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_as_from_a_terminal,
    )
    assert proc.returncode == SIGNAL_EXIT[sig], proc.stderr
    assert (
        proc.stderr == f"bankchurn: interrupted by {sig.name}; no output was written or replaced\n"
    )
    assert not out.exists()
