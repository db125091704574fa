"""Stop signals of a command (SIGINT, SIGTERM): raised at once, and remembered until it ends.

Python runs a signal handler in the main thread between two bytecodes, wherever that thread is.
When it is inside a weakref callback or a ``__del__`` (importlib runs such a callback after
every import), the exception the handler raises cannot propagate: the interpreter prints
"Exception ignored in ..." and carries on, so a command would finish and exit 0. The handler
therefore records the signal before it raises. The one atomic writer refuses to start or commit
a file while a signal is pending, long loops call
[`raise_if_pending`][bankchurn.interrupts.raise_if_pending], and the command line's exit path
reads [`StopSignals.settle`][bankchurn.interrupts.StopSignals.settle], so a swallowed exception
still ends as exit 143 or 130 with one line and nothing written.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: Exit code of a command stopped by a signal: 128 + the signal number (shell convention).
SIGNAL_EXIT: dict[signal.Signals, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(BaseException):
    """Raised in the main thread when SIGINT or SIGTERM arrives.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` swallows
    it, while every ``finally`` (temporary files) still runs. Not a ``KeyboardInterrupt``:
    typer turns that into a silent exit code.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_pending: signal.Signals | None = None


def pending() -> signal.Signals | None:
    """The first stop signal received inside [`stop_signals`][bankchurn.interrupts.stop_signals], if any."""
    return _pending


def raise_if_pending() -> None:
    """Raise [`Interrupted`][bankchurn.interrupts.Interrupted] again if a stop signal is pending.

    Raises:
        Interrupted: A signal arrived (its first exception may have been swallowed).
    """
    if _pending is not None:
        raise Interrupted(_pending)


def _record(signum: int) -> None:
    global _pending
    if _pending is None:
        _pending = signal.Signals(signum)


def _record_and_raise(signum: int, frame: FrameType | None) -> None:
    _record(signum)  # first: the exception below may be swallowed where it lands
    raise Interrupted(signum)


def _record_only(signum: int, frame: FrameType | None) -> None:
    _record(signum)


class StopSignals:
    """The state of [`stop_signals`][bankchurn.interrupts.stop_signals] for the exit path.

    Args:
        handled: The signals whose handler the block replaced.
    """

    def __init__(self, handled: tuple[signal.Signals, ...] = ()) -> None:
        self.handled = handled

    def settle(self) -> signal.Signals | None:
        """Stop raising (signals are only recorded from now on) and say which one arrived.

        Called once the command's outcome is known, so that printing it cannot be
        interrupted half-way.

        Returns:
            The first stop signal received, or None.
        """
        while True:  # a signal landing inside this call raises once more: settle again
            try:
                for sig in self.handled:
                    signal.signal(sig, _record_only)
                return _pending
            except Interrupted:
                continue


@contextmanager
def stop_signals() -> Iterator[StopSignals]:
    """Within the block, SIGINT and SIGTERM raise ``Interrupted`` and stay recorded.

    Also silences the "Exception ignored" report of an ``Interrupted`` swallowed in a callback
    (the signal is recorded; the exit path reports it as one line). The previous handlers are
    restored at the end. A signal the process inherited as ignored stays ignored. Outside the
    main thread (where signals cannot be handled) it does nothing.

    Yields:
        The handle whose ``settle`` the exit path calls.
    """
    global _pending
    if threading.current_thread() is not threading.main_thread():
        yield StopSignals()
        return
    _pending = None
    # A signal the parent set to be ignored stays ignored (a background job must not stop on
    # the terminal's Ctrl+C), as Python itself does for SIGINT.
    previous = {
        sig: signal.signal(sig, _record_and_raise)
        for sig in SIGNAL_EXIT
        if signal.getsignal(sig) is not signal.SIG_IGN
    }
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_interrupted(previous_hook)
    try:
        yield StopSignals(tuple(previous))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook
        _pending = None


def _quiet_interrupted(previous: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable hook that drops a swallowed ``Interrupted`` (already recorded)."""

    def hook(unraisable: Any) -> object:
        if isinstance(unraisable.exc_value, Interrupted):
            return None
        return previous(unraisable)

    return hook
