"""Stop signals whose exception is swallowed still stop the command (issue 11, defect 4's race).

A signal handler runs wherever the main thread is; inside a weakref callback (importlib runs one
after every import) its exception is swallowed ("Exception ignored in ..."). These tests put the
signal exactly there, deterministically: a weakref callback that raises the signal.
"""

from __future__ import annotations

import os
import signal
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bankchurn import atomic, interrupts, synthetic
from bankchurn.atomic import atomic_writer
from bankchurn.cli import _interrupted, main
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
def test_swallowed_signal_is_raised_again_right_after_the_callback(
    sig: signal.Signals, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, the work went on until the next write (a whole training); now it stops at once."""
    steps: list[str] = []

    def work() -> None:
        _signal_swallowed_in_a_callback(sig)
        steps.append("went on after the signal")

    previous_hook = sys.unraisablehook
    with stop_signals(), pytest.raises(Interrupted) as raised:
        work()
    assert raised.value.signum == sig
    assert steps == []
    assert capsys.readouterr().err == ""  # no "Exception ignored in ..." report
    # everything is as before the block
    assert interrupts.pending() is None
    assert sys.unraisablehook is previous_hook
    assert sys.getprofile() is None
    assert signal.getsignal(signal.SIGTERM) is not interrupts._record_and_raise


@pytest.mark.parametrize("sig", list(SIGNAL_EXIT))
def test_pending_signal_blocks_the_start_of_a_write(tmp_path: Path, sig: signal.Signals) -> None:
    """The last guard: a signal recorded but never raised (swallowed by a library) stops writes."""
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    with stop_signals():
        interrupts._record(sig)  # as if its exception had been swallowed for good
        with pytest.raises(Interrupted), atomic_writer(dest) as fh:  # refused at the start
            fh.write(b"new\n")
    assert dest.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_signal_inside_deferred_is_raised_when_the_block_ends() -> None:
    steps: list[str] = []

    def commit() -> None:
        with interrupts.deferred():
            signal.raise_signal(signal.SIGTERM)
            steps.append("rest of the block")
        steps.append("after the block")

    with stop_signals(), pytest.raises(Interrupted):
        commit()
    assert steps == ["rest of the block"]


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
def test_command_whose_signal_was_swallowed_stops_at_once_and_writes_nothing(
    tmp_path: Path,
    sig: signal.Signals,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before the fix the command went on, replaced its output and exited 0."""
    calls: list[int] = []

    def generate_with_a_swallowed_signal(**kwargs):  # type: ignore[no-untyped-def]
        _signal_swallowed_in_a_callback(sig)
        calls.append(1)  # the work that should not happen any more
        return generate(**kwargs)

    generate = synthetic.generate_extract
    monkeypatch.setattr(synthetic, "generate_extract", generate_with_a_swallowed_signal)
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    code = main(["data", "generate", "--rows", "10", "--out", str(dest)])
    err = capsys.readouterr().err
    assert code == SIGNAL_EXIT[sig], err
    assert err == f"bankchurn: interrupted by {sig.name}; no output was written or replaced\n"
    assert calls == []
    assert dest.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_training_whose_signal_was_swallowed_stops_before_fitting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, a signal swallowed at the start of ``train`` was noticed only at the first write."""
    import bankchurn.training

    fitted: list[str] = []

    def train_with_a_swallowed_signal(*args, **kwargs):  # type: ignore[no-untyped-def]
        _signal_swallowed_in_a_callback(signal.SIGTERM)
        fitted.append("fitted")
        raise AssertionError("the training went on after the signal")

    monkeypatch.setattr(bankchurn.training, "train_and_evaluate", train_with_a_swallowed_signal)
    monkeypatch.setenv("BANKCHURN_TRACKING", "false")
    out = tmp_path / "m"
    code = main(["train", "--model", "baseline", "--fast", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 143, err
    assert err == "bankchurn: interrupted by SIGTERM; no output was written or replaced\n"
    assert fitted == []
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("sig", list(SIGNAL_EXIT))
def test_signal_just_after_a_commit_is_reported_with_the_written_file(
    tmp_path: Path,
    sig: signal.Signals,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before, the line said "no output was written or replaced" about a file just replaced."""

    class SignalRightAfterTheRename:
        """``os`` for the atomic writer, with a signal arriving as ``os.replace`` returns."""

        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        def replace(self, src: Path, dst: Path) -> None:
            os.replace(src, dst)
            signal.raise_signal(sig)

    monkeypatch.setattr(atomic, "os", SignalRightAfterTheRename())
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    code = main(["data", "generate", "--rows", "10", "--out", str(dest)])
    err = capsys.readouterr().err
    assert code == SIGNAL_EXIT[sig], err
    assert err == (
        f"bankchurn: interrupted by {sig.name} after 1 output(s) were written whole ({dest}); "
        "nothing else was written or replaced\n"
    )
    assert dest.read_bytes().startswith(b"RowNumber,CustomerId,")  # the new file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_outputs_written_before_a_signal_are_listed_and_the_rest_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command writing several files (``train``, ``report``) stopped after the first one."""
    flush = atomic._fsync_folder

    def flush_then_signal(folder: Path) -> None:
        flush(folder)
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(atomic, "_fsync_folder", flush_then_signal)
    first, second = tmp_path / "metrics.json", tmp_path / "model.joblib"

    def write_both() -> None:
        atomic.atomic_write_text(first, "{}\n")
        atomic.atomic_write_text(second, "never\n")

    with stop_signals() as stop:
        with pytest.raises(Interrupted):
            write_both()
        assert stop.settle() == signal.SIGTERM
        assert stop.written() == [str(first)]
    assert first.read_text() == "{}\n"
    assert not second.exists()
    assert _interrupted(signal.SIGTERM, [str(first)]) == (
        f"interrupted by SIGTERM after 1 output(s) were written whole ({first}); nothing else "
        "was written or replaced"
    )
    many = _interrupted(signal.SIGINT, [f"r/{i}.json" for i in range(5)])
    assert "5 output(s)" in many
    assert "(r/0.json, r/1.json, r/2.json and 2 more)" in many


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
