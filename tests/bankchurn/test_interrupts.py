"""Stop signals whose exception is swallowed still stop the command (issue 11, defect 4's race).

A signal handler runs wherever the main thread is; inside a weakref callback (importlib runs one
after every import) its exception is swallowed ("Exception ignored in ..."). These tests put the
signal exactly there, deterministically: a weakref callback that raises the signal.
"""

from __future__ import annotations

import signal
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bankchurn import interrupts
from bankchurn.atomic import atomic_writer
from bankchurn.cli import data as cli_data
from bankchurn.cli import main
from bankchurn.interrupts import SIGNAL_EXIT, Interrupted, stop_signals


class _Target:
    """Something a weak reference can point to."""


@pytest.fixture(autouse=True)
def _signals_not_inherited_as_ignored() -> Iterator[None]:
    """Run as a terminal's foreground job would, whatever started pytest.

    A test session started in the background (``nohup``, ``&``) inherits SIGINT as ignored,
    and the package rightly keeps it ignored (see the last test), so the SIGINT cases would
    test nothing. Each test gets the default dispositions; the previous ones come back after.
    """
    previous = {sig: signal.getsignal(sig) for sig in SIGNAL_EXIT}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _signal_swallowed_in_a_callback(sig: signal.Signals) -> None:
    """Deliver ``sig`` while a weakref callback runs: its exception cannot propagate."""
    target = _Target()
    ref = weakref.ref(target, lambda _: signal.raise_signal(sig))
    del target  # the callback runs here; the handler raises inside it
    assert ref() is None


@pytest.mark.parametrize("sig", list(SIGNAL_EXIT))
def test_swallowed_signal_is_recorded_and_blocks_the_commit(
    tmp_path: Path, sig: signal.Signals, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    previous_hook = sys.unraisablehook
    with stop_signals():
        _signal_swallowed_in_a_callback(sig)  # returns normally: the exception was swallowed
        assert interrupts.pending() == sig
        with pytest.raises(Interrupted), atomic_writer(dest) as fh:  # refused at the start
            fh.write(b"new\n")
    assert dest.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert capsys.readouterr().err == ""  # no "Exception ignored in ..." report
    # everything is as before the block
    assert interrupts.pending() is None
    assert sys.unraisablehook is previous_hook
    assert signal.getsignal(signal.SIGTERM) is not interrupts._record_and_raise


def test_signal_swallowed_while_writing_blocks_the_commit(tmp_path: Path) -> None:
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")

    def write_while_a_signal_is_swallowed() -> None:
        with atomic_writer(dest) as fh:
            fh.write(b"new\n")
            _signal_swallowed_in_a_callback(signal.SIGTERM)

    with stop_signals(), pytest.raises(Interrupted):
        write_while_a_signal_is_swallowed()
    assert dest.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize("sig", list(SIGNAL_EXIT))
def test_command_whose_signal_was_swallowed_exits_with_its_code_and_writes_nothing(
    tmp_path: Path,
    sig: signal.Signals,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before the fix the command went on, replaced its output and exited 0."""
    original = cli_data.generate_extract

    def generate_with_a_swallowed_signal(**kwargs):  # type: ignore[no-untyped-def]
        _signal_swallowed_in_a_callback(sig)
        return original(**kwargs)

    monkeypatch.setattr(cli_data, "generate_extract", generate_with_a_swallowed_signal)
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    code = main(["data", "generate", "--rows", "10", "--out", str(dest)])
    err = capsys.readouterr().err
    assert code == SIGNAL_EXIT[sig], err
    assert err == f"bankchurn: interrupted by {sig.name}; no output was written or replaced\n"
    assert dest.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_signal_inherited_as_ignored_stays_ignored() -> None:
    """A background job (``nohup``, ``&`` in a script) must not stop on the terminal's Ctrl+C."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with stop_signals() as stop:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is interrupts._record_and_raise
            signal.raise_signal(signal.SIGINT)  # ignored: nothing raised, nothing recorded
            assert stop.settle() is None
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
