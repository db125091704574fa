"""The one way the package writes a file: whole or not at all, never through a special file.

[`atomic_writer`][bankchurn.atomic.atomic_writer] writes to an unnamed file in the destination
folder (Linux ``O_TMPFILE``; a named ``.NAME.*.tmp`` elsewhere) and renames it over the destination
only when every byte is written and flushed. A failure, a full disk, Ctrl+C or SIGTERM leaves the
previous file intact and no temporary file behind; with ``O_TMPFILE`` even SIGKILL leaves nothing.
The destination must be absent or a regular file: a symbolic link, device, pipe, socket or folder is
refused, because a rename would silently replace it (ADR on atomic writes). The standard library has
no atomic replace-a-file helper and the small libraries that did (``atomicwrites``) are
unmaintained, hence this module.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from bankchurn.errors import OutputError
from bankchurn.interrupts import deferred, note_written, raise_if_pending

#: Write errors that mean "this output cannot be written here" (reported as one line).
_WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO}
)


def describe_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, for a message (``"a symbolic link"``)."""
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"  # pragma: no cover - every other kind is listed above


def check_destination(path: str | Path) -> os.stat_result | None:
    """Check, before the work, that an output can be written where the user asked.

    The path must be absent or a regular file: an atomic write replaces the directory entry, so
    writing "to" ``/dev/full`` or to a symbolic link would silently turn it into a regular file.
    Its folder (or, when it does not exist yet, the nearest folder that does) must accept a new
    file: a command refuses at once instead of failing after minutes of work. The check creates
    an unnamed file there and drops it, so nothing is left behind.

    Args:
        path: The output path given by the user.

    Returns:
        The ``lstat`` of the existing regular file, or None when the path does not exist.

    Raises:
        OutputError: The path exists and is not a regular file, or its folder cannot be
            written (no permission, read-only file system, not a folder).
    """
    st = _regular_or_absent(path)
    folder = Path(path).parent
    while not os.path.lexists(folder) and folder != folder.parent:
        folder = folder.parent  # the folders to create are created in the nearest existing one
    try:
        _probe(folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return st


def _probe(folder: Path) -> None:
    """Create a file in ``folder`` and remove it at once (an unnamed one where possible)."""
    fd = _open_unnamed(folder)
    if fd is None:
        with deferred():  # a stop signal must not leave the named file behind
            fd, name = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=folder)
            os.unlink(name)
    os.close(fd)


def _regular_or_absent(path: str | Path) -> os.stat_result | None:
    """The ``lstat`` of ``path`` if it is a regular file, None if absent; else OutputError."""
    if str(path) == "-":  # the shell convention for standard output: not a file to replace
        raise OutputError(
            "-: standard output is not a file; outputs are written whole or not at all, so "
            "give a file path"
        )
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{path}: is {describe_kind(st.st_mode)}, not a regular file; outputs are only written to "
            "regular files (give another path)"
        )
    return st


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _linkat() -> Any:
    """Libc's ``linkat``: ``os.link`` cannot follow the ``/proc/self/fd`` link of a file."""
    try:
        return ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None


_LINKAT = _linkat()
_AT_FDCWD, _AT_SYMLINK_FOLLOW = -100, 0x400


def _name_unnamed(fd: int, name: Path) -> None:
    """Give the unnamed file ``fd`` the name ``name`` (``linkat`` through ``/proc``)."""
    src = f"/proc/self/fd/{fd}".encode()
    if _LINKAT(_AT_FDCWD, src, _AT_FDCWD, os.fsencode(name), _AT_SYMLINK_FOLLOW) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(name))


def _open_unnamed(folder: Path) -> int | None:
    """An unnamed file in ``folder`` (Linux ``O_TMPFILE``): a killed writer leaves nothing."""
    if _LINKAT is None or not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return None  # pragma: no cover - not Linux
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None  # the file system has no unnamed files: fall back to a named one
        raise


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_writer(
    path: str | Path, *, text: bool = False, encoding: str = "utf-8", newline: str | None = "\n"
) -> Iterator[IO[Any]]:
    r"""Open ``path`` for writing so that it is replaced whole, or not at all.

    The ONE writer of the package: every file the package writes goes through it. The data go
    to an unnamed file in the destination folder (a temporary ``.NAME.*.tmp`` where the file
    system has no unnamed files), which is renamed over ``path`` only when the ``with`` block
    ends without an error and no stop signal is pending (see
    [`stop_signals`][bankchurn.interrupts.stop_signals]). A failure, a signal or a full disk
    leaves the previous file intact and no temporary file behind (a process killed with SIGKILL
    leaves nothing either, except on file systems without unnamed files). An existing file
    keeps its permission bits.

    Args:
        path: Destination; must be absent or a regular file (commands check it before the
            work with [`check_destination`][bankchurn.atomic.check_destination]). Missing parent
            folders are created.
        text: Open in text mode (``encoding``, ``newline``) instead of binary.
        encoding: Text encoding.
        newline: Newline translation of the text mode (``"\\n"``: none).

    Yields:
        The open file object.

    Raises:
        OutputError: The destination is not a regular file, or cannot be written (no
            permission, read-only, disk full, file too large).
    """
    dest = Path(path)
    raise_if_pending()  # a stop signal whose exception was swallowed: start nothing
    existing = _regular_or_absent(dest)
    tmp: Path | None = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd = _open_unnamed(dest.parent)
        if fd is None:
            fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
            tmp = Path(name)
        mode = stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask()
        os.fchmod(fd, mode)
    except OSError as exc:
        raise OutputError(f"{dest}: cannot write ({exc.strerror or exc})") from None
    handle: IO[Any] = (
        os.fdopen(fd, "w", encoding=encoding, newline=newline) if text else os.fdopen(fd, "wb")
    )
    committed = False
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            # The commit: a stop signal lands before it (nothing written) or after the note
            # (the exit line lists the file), never between the rename and the note.
            with deferred():
                raise_if_pending()  # a stop signal whose exception was swallowed: commit nothing
                if tmp is None:  # give the unnamed file a name, then move it over the destination
                    tmp = dest.parent / f".{dest.name}.{os.getpid()}.{id(handle):x}.tmp"
                    _name_unnamed(handle.fileno(), tmp)
                os.replace(tmp, dest)
                tmp = None
                note_written(dest)
                committed = True
                _fsync_folder(dest.parent)
    except OSError as exc:
        if exc.filename is None and exc.errno in _WRITE_ERRNOS or exc.filename == str(tmp):
            if committed:  # only the folder's flush failed: the file is there
                raise OutputError(
                    f"{dest}: written, but its folder could not be flushed to disk "
                    f"({exc.strerror or exc})"
                ) from None
            raise OutputError(
                f"{dest}: cannot write ({exc.strerror or exc}); nothing was written"
            ) from None
        raise
    finally:
        if tmp is not None:
            with deferred():  # a signal now must not leave the temporary file behind
                tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (see [`atomic_writer`][bankchurn.atomic.atomic_writer]).

    Returns:
        The destination path.
    """
    with atomic_writer(path) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` whole or not at all (see [`atomic_writer`][bankchurn.atomic.atomic_writer])."""
    return atomic_write_bytes(path, text.encode(encoding))
