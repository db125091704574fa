"""The one atomic writer (bankchurn.atomic): special files, permissions, faults (issue 11).

Fault tests run the real code in a subprocess: a file-size limit (``ulimit -f``, the portable
stand-in for a full disk: the write fails with EFBIG exactly as it fails with ENOSPC) and a
SIGKILL in the middle of a write.
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bankchurn import atomic
from bankchurn.atomic import atomic_write_bytes, atomic_writer, check_destination
from bankchurn.cli import main
from bankchurn.errors import OutputError
from bankchurn.interrupts import Interrupted


def _others(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.fixture(params=["unnamed", "named"])
def both_temp_kinds(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the O_TMPFILE path and with the named ``.NAME.*.tmp`` fallback."""
    if request.param == "named":
        monkeypatch.setattr(atomic, "_open_unnamed", lambda folder: None)
    return str(request.param)


def _special_files(tmp_path: Path) -> dict[str, Path]:
    target = tmp_path / "target.csv"
    target.write_bytes(b"keep me\n")
    out = {"symlink": tmp_path / "link.csv", "fifo": tmp_path / "fifo.csv"}
    out["symlink"].symlink_to(target)
    os.mkfifo(out["fifo"])
    if os.geteuid() == 0:  # the reproduction: a device node given as --out
        out["devfull"] = tmp_path / "devfull"
        os.mknod(out["devfull"], stat.S_IFCHR | 0o666, os.makedev(1, 7))
    return out


def test_special_files_and_symlinks_are_refused_never_replaced(tmp_path: Path) -> None:
    """Issue 11, defect 1 (helper level): a link, pipe or device stays what it was."""
    for name, path in _special_files(tmp_path).items():
        before = os.lstat(path)
        with pytest.raises(OutputError, match="not a regular file") as info:
            atomic_write_bytes(path, b"new\n")
        assert "\n" not in str(info.value), name
        after = os.lstat(path)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode), name
    assert (tmp_path / "target.csv").read_bytes() == b"keep me\n"
    assert check_destination(tmp_path / "absent.csv") is None


@pytest.mark.parametrize(
    "argv",
    [
        ["data", "generate", "--rows", "10", "--out", "{path}"],
        ["evaluate", "--model", "{model}", "--out", "{path}"],
    ],
    ids=["data-generate", "evaluate"],
)
def test_commands_refuse_special_outputs_with_one_line(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11, defect 1 (command level); predict --output: tests/bankchurn/cli/test_model_hostile.py."""
    model = tmp_path / "absent.joblib"
    for name, path in _special_files(tmp_path).items():
        args = [a.format(path=path, model=model) for a in argv]
        # the output is checked before any work (evaluate: before the missing model)
        assert main(args) == 2, name
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0, (name, err)
        assert "not a regular file" in err, (name, err)
        assert not stat.S_ISREG(os.lstat(path).st_mode), name


def test_a_dash_is_refused_not_written_as_a_file_named_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out -`` reads as "standard output" to a shell user; it once wrote a file named ``-``."""
    monkeypatch.chdir(tmp_path)
    assert main(["data", "generate", "--rows", "10", "--out", "-"]) == 2
    assert capsys.readouterr().err.startswith("bankchurn: error: -: standard output is not a file")
    assert list(tmp_path.iterdir()) == []
    assert check_destination("./-") is None  # a file really named "-" is spelt with its folder


def test_existing_file_keeps_its_permissions_new_file_follows_umask(tmp_path: Path) -> None:
    old = tmp_path / "shared.csv"
    old.write_bytes(b"x")
    old.chmod(0o640)
    atomic_write_bytes(old, b"y")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    new = tmp_path / "new.csv"
    mask = os.umask(0o022)
    try:
        atomic_write_bytes(new, b"z")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644  # not mkstemp's 0600


def _write_then_raise(dest: Path, exc: BaseException) -> None:
    with atomic_writer(dest, text=True) as fh:
        fh.write("half of the new content")
        raise exc


def test_failure_or_signal_inside_the_block_leaves_old_file_and_no_temp(
    tmp_path: Path, both_temp_kinds: str
) -> None:
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    for exc in (RuntimeError("boom"), Interrupted(signal.SIGTERM), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            _write_then_raise(dest, exc)
        assert dest.read_bytes() == b"previous\n"
        assert _others(tmp_path, "out.csv") == []
    with atomic_writer(dest, text=True) as fh:
        fh.write("new\n")
    assert dest.read_bytes() == b"new\n"
    assert _others(tmp_path, "out.csv") == []


def _limit_file_size(n_bytes: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (n_bytes, n_bytes))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails (EFBIG), no kill

    return apply


@pytest.mark.parametrize("temp_kind", ["unnamed", "named"])
def test_disk_full_keeps_previous_output_and_no_temp(tmp_path: Path, temp_kind: str) -> None:
    """Issue 11, fault test: ``ulimit -f`` makes the write fail like a full disk."""
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    code = textwrap.dedent(
        f"""
        import sys
        from bankchurn import atomic
        from bankchurn.cli import main
        if {temp_kind!r} == "named":
            atomic._open_unnamed = lambda folder: None
        sys.exit(main(["data", "generate", "--rows", "2000", "--out", {str(dest)!r}]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size(20_000),
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot write" in lines[0]
    assert "File too large" in lines[0]
    assert dest.read_bytes() == b"previous\n"
    assert _others(tmp_path, "out.csv") == []


@pytest.mark.parametrize("temp_kind", ["unnamed", "named"])
def test_kill_during_write_keeps_previous_output(tmp_path: Path, temp_kind: str) -> None:
    """Issue 11, fault test: SIGKILL in the middle of a write.

    The previous file is intact either way; with unnamed files (Linux) no temporary file is
    left either. The named fallback cannot clean up after SIGKILL (nothing runs): its
    temporary file is a dot-file beside the output, and the test records that honestly.
    """
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous\n")
    code = textwrap.dedent(
        f"""
        import sys, time
        from bankchurn import atomic
        if {temp_kind!r} == "named":
            atomic._open_unnamed = lambda folder: None
        with atomic.atomic_writer({str(dest)!r}) as fh:
            fh.write(b"x" * 100_000)
            fh.flush()
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"
        proc.kill()
    finally:
        proc.wait(timeout=30)
    assert dest.read_bytes() == b"previous\n"
    left = _others(tmp_path, "out.csv")
    if temp_kind == "unnamed":
        assert left == []
    else:
        assert len(left) == 1
        assert left[0].startswith(".out.csv.")
        assert left[0].endswith(".tmp")
