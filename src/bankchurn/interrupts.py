"""Stop signals of a command (SIGINT, SIGTERM): raised at once, and remembered until it ends.

Python runs a signal handler in the main thread between two bytecodes, wherever that thread is.
When it is inside a weakref callback or a ``__del__`` (importlib runs such a callback after
every import), the exception the handler raises cannot propagate: the interpreter prints
"Exception ignored in ..." and carries on, so a command would finish and exit 0. The handler
therefore records the signal before it raises, and a swallowed exception is raised again once
the callback has returned (at the main thread's next call or return). As a last guard, the one
atomic writer refuses to start or commit a file while a signal is pending, long loops may call
[`raise_if_pending`][bankchurn.interrupts.raise_if_pending], and the command line's exit path
reads [`StopSignals.settle`][bankchurn.interrupts.StopSignals.settle]: a
command stopped by a signal always ends as exit 143 or 130 with one line.

That line must tell the truth about the outputs. A commit (the rename of a finished file over
its destination) runs inside [`deferred`][bankchurn.interrupts.deferred], where a signal is only
recorded, and notes the file with [`note_written`][bankchurn.interrupts.note_written] before the
block ends: a signal is raised before the rename (nothing written) or after the note (the file is
listed as written), never in between.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
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
#: Depth of nested [`deferred`][bankchurn.interrupts.deferred] blocks (signals only recorded).
_deferring = 0
#: Outputs committed inside the current stop_signals block (see note_written); None outside.
_written: list[str] | None = None


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


def note_written(path: object) -> None:
    """Note an output committed whole, for the line of a command stopped later.

    Called by the atomic writer inside its [`deferred`][bankchurn.interrupts.deferred] commit.

    Args:
        path: The destination just replaced.
    """
    if _written is not None:  # outside a command (a library call) nothing is kept
        _written.append(str(path))


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block a stop signal is recorded, not raised; it is raised when the block ends.

    For short steps that must happen together or not at all (rename a file and note it).

    Yields:
        Nothing.

    Raises:
        Interrupted: A stop signal arrived within the block (raised once it has ended).
    """
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    if not _deferring:
        raise_if_pending()


def _record_and_raise(signum: int, frame: FrameType | None) -> None:
    _record(signum)  # first: the exception below may be swallowed where it lands
    if not _deferring:
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

    def written(self) -> list[str]:
        """The outputs committed whole so far, in order (see ``note_written``)."""
        return list(_written or [])

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

    An ``Interrupted`` swallowed in a callback is raised again right after it, without the
    "Exception ignored" report (the exit path reports the signal as one line). The previous handlers are
    restored at the end. A signal the process inherited as ignored stays ignored. Outside the
    main thread (where signals cannot be handled) it does nothing.

    Yields:
        The handle whose ``settle`` the exit path calls.
    """
    global _pending, _deferring, _written
    if threading.current_thread() is not threading.main_thread():
        yield StopSignals()
        return
    _pending, _deferring, _written = None, 0, []
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
        _pending, _deferring, _written = None, 0, None


def _quiet_interrupted(previous: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable hook that raises a swallowed ``Interrupted`` again, without a report.

    The signal is already recorded. The hook arms a one-shot profile function, which raises
    the exception at the main thread's next call or return outside this hook: past the callback
    that swallowed it (should that be another callback, the same happens again).
    """

    def hook(unraisable: Any) -> object:
        if isinstance(unraisable.exc_value, Interrupted):
            _raise_at_next_call(hook.__code__)
            return None
        return previous(unraisable)

    return hook


def _raise_at_next_call(hook: CodeType) -> None:
    """Raise the pending signal's ``Interrupted`` at the next call or return of another frame."""
    previous = sys.getprofile()
    skip = (hook, _raise_at_next_call.__code__)

    def once(frame: FrameType, event: str, arg: object) -> None:
        if frame.f_code in skip:  # still in the hook
            return
        sys.setprofile(previous)
        # not when the signal is being handled already: a commit in progress, or the exit path
        if _pending is not None and not _deferring and _raising(_pending):
            raise Interrupted(_pending)

    sys.setprofile(once)


def _raising(sig: signal.Signals) -> bool:
    """Whether ``sig`` still raises (its handler was not switched to recording by settle)."""
    return signal.getsignal(sig) is _record_and_raise
