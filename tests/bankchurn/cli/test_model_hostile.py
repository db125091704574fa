"""Hostile use of train / evaluate / predict (issue 11): one line, exit 2, nothing half-written.

Signals end with 130 or 143. Scoring uses the API tests' tiny pipeline saved in the real format, so
no test here trains a real model except the two refusals that stop before fitting.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bankchurn.artifacts import hash_path, load_artifact, save_artifact
from bankchurn.cli import main
from bankchurn.errors import UserError
from bankchurn.synthetic import generate_extract, to_csv_bytes, write_extract

import tiny_model

BANKCHURN = Path(sys.executable).with_name("bankchurn")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def model(root: Path) -> Path:
    return tiny_model.save_tiny_artifact(root / "tiny.joblib")


@pytest.fixture(scope="module")
def extract_1000(root: Path) -> Path:
    return write_extract(generate_extract(n_rows=1000, n_snapshots=4, seed=5), root / "x.csv")


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err[:800]
    return err.strip()


def _predict(model: Path, src: Path, dest: Path, *extra: str) -> int:
    argv = ["predict", "--model", str(model), "--input", str(src), "--output", str(dest)]
    return main([*argv, "--no-progress", *extra])


@pytest.mark.parametrize("spelling", ["--explain=yes", "--explain=1", "--explain=true"])
def test_explain_is_a_flag_that_takes_no_value(
    root: Path, model: Path, extract_1000: Path, capsys, spelling: str
) -> None:
    """The API's ``explain`` is ``true`` or ``false``; the CLI's is the flag, present or not."""
    dest = root / "explained.csv"
    assert _predict(model, extract_1000, dest, spelling) == 2
    line = _one_line(capsys)
    assert "--explain" in line
    assert "does not take a value" in line
    assert not dest.exists()


# --- defect 2: the streaming scorer gives the whole-file verdict ---------------------------


def _with_missing_credit_scores(root: Path, n_missing: int) -> Path:
    frame = generate_extract(n_rows=1000, n_snapshots=4, seed=5).frame.copy()
    frame["CreditScore"] = frame["CreditScore"].astype("float64").fillna(650.0)
    frame.loc[: n_missing - 1, "CreditScore"] = float("nan")  # all in the first chunk
    path = root / f"missing{n_missing}.csv"
    path.write_bytes(to_csv_bytes(frame))
    return path


@pytest.mark.parametrize("chunk_size", ["50", "333", "1000", "50000"])
def test_predict_verdict_does_not_depend_on_chunk_ends(
    root: Path, model: Path, chunk_size: str, capsys
) -> None:
    """Defect 2: 1% missing overall, 20% in the first chunk: valid for validate AND predict."""
    ok = _with_missing_credit_scores(root, 10)  # exactly 1%: allowed
    assert main(["data", "validate", str(ok)]) == 0
    dest = root / f"scores-{chunk_size}.csv"
    assert _predict(model, ok, dest, "--chunk-size", chunk_size) == 0
    assert dest.read_text().count("\n") == 1001
    capsys.readouterr()
    bad = _with_missing_credit_scores(root, 11)  # 1.1%: rejected by both, same rule
    assert main(["data", "validate", str(bad)]) == 2
    by_validate = _one_line(capsys)
    dest_bad = root / f"bad-{chunk_size}.csv"
    assert _predict(model, bad, dest_bad, "--chunk-size", chunk_size) == 2
    by_predict = _one_line(capsys)
    rule = "column 'CreditScore' breaks rule null_fraction<=0.01 (11 rows fail)"
    assert rule in by_validate
    assert rule in by_predict
    assert not dest_bad.exists()


def test_duplicate_id_across_chunks_is_found(root: Path, model: Path, capsys) -> None:
    frame = generate_extract(n_rows=300, n_snapshots=2, seed=5).frame.copy()
    frame.loc[250, "CustomerId"] = frame.loc[3, "CustomerId"]
    path = root / "dup.csv"
    path.write_bytes(to_csv_bytes(frame))
    assert _predict(model, path, root / "dup-out.csv", "--chunk-size", "100") == 2
    assert "line 252 column 'CustomerId' breaks rule unique" in _one_line(capsys)


# --- defect 1: predict --output through a link or device --------------------------------------


def test_predict_refuses_special_output(root: Path, model: Path, extract_1000: Path, capsys):
    folder = root / "special"
    folder.mkdir()
    target = folder / "target.csv"
    target.write_text("keep\n")
    link = folder / "link.csv"
    link.symlink_to(target)
    fifo = folder / "fifo.csv"
    os.mkfifo(fifo)
    for path in (link, fifo):
        assert _predict(model, extract_1000, path) == 2
        assert "not a regular file" in _one_line(capsys)
    assert link.is_symlink()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert target.read_text() == "keep\n"


# --- defect 5: one line instead of a traceback -------------------------------------------------


def test_unwritable_output_folder_is_one_line(root: Path, model: Path, extract_1000, capsys):
    blocker = root / "a-file"
    blocker.write_text("x")
    assert _predict(model, extract_1000, blocker / "out.csv") == 2
    assert "cannot write" in _one_line(capsys)
    argv = ["train", "--model", "baseline", "--data", str(extract_1000), "--fast"]
    assert main([*argv, "--out", str(blocker / "models")]) == 2
    _one_line(capsys)


def _without_root_override() -> list[str]:
    """Run a command as its user, minus root's power to ignore permission bits.

    CI runs as root, and root writes into a read-only folder anyway; ``setpriv`` (util-linux)
    starts the command without the capabilities that allow it, so the folder's mode applies.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is needed to run a command as root without DAC override")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", "--"]


@pytest.mark.parametrize("command", ["predict", "train"])
def test_folder_without_write_permission_is_one_line_before_any_work(
    root: Path, model: Path, extract_1000: Path, command: str
) -> None:
    """Defect 5 (PermissionError traceback), tested as root too: exit 2, one line, no file.

    ``train`` is given a file it could not train on: the folder is refused before the data are
    even read, not after a training.
    """
    locked = root / f"locked-{command}"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)  # whatever the umask
    untrainable = root / "header-only.csv"
    untrainable.write_text("CustomerId\n")
    argv = {
        "predict": ["predict", "--model", str(model), "--input", str(extract_1000)]
        + ["--output", str(locked / "out.csv"), "--no-progress"],
        "train": ["train", "--model", "baseline", "--data", str(untrainable), "--fast"]
        + ["--out", str(locked / "models")],
    }[command]
    proc = subprocess.run(
        [*_without_root_override(), str(BANKCHURN), *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BANKCHURN_TRACKING": "false"},
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "cannot write (Permission denied)" in proc.stderr
    assert str(locked) in proc.stderr
    assert list(locked.iterdir()) == []


def _foreign_contract_artifact(root: Path) -> Path:
    meta = {"model_version": "old-contract", "feature_columns": ["Age", "Tenure", "Loyalty"]}
    return save_artifact(root / "old.joblib", tiny_model.fit_tiny_pipeline(), meta)


def test_artifact_of_another_contract_is_one_line(root: Path, extract_1000: Path, capsys):
    """Defect 5: predict said ``columns are missing`` (traceback), evaluate ``AttributeError``."""
    old = _foreign_contract_artifact(root)
    assert _predict(old, extract_1000, root / "o.csv") == 2
    line = _one_line(capsys)
    assert "another data contract" in line
    assert "Loyalty" in line
    assert main(["evaluate", "--model", str(old), "--data", str(extract_1000)]) == 2
    assert "another data contract" in _one_line(capsys)


@pytest.mark.parametrize(
    ("rows", "snapshots", "why"), [(30, 1, "too little data"), (0, 24, "0 churners")]
)
def test_untrainable_data_is_one_line(root: Path, rows, snapshots, why, capsys) -> None:
    """Defect 5: too small a file, or one class only, crashed inside the split or the solver."""
    frame = generate_extract(n_rows=rows or 1200, n_snapshots=snapshots, seed=5).frame
    if rows == 0:
        frame = frame.assign(Exited=0)
    path = root / f"untrainable-{rows}.csv"
    path.write_bytes(to_csv_bytes(frame))
    argv = ["train", "--model", "baseline", "--data", str(path), "--fast"]
    assert main([*argv, "--out", str(root / f"m{rows}")]) == 2
    assert why in _one_line(capsys)


# --- the pickle trust boundary: the recorded hash ------------------------------------------


class _Planted:
    """Unpickling this creates a marker file: proof that loading ran code."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (Path(self.marker),))


def test_artifact_whose_hash_does_not_match_is_not_unpickled(root: Path, model: Path) -> None:
    marker = root / "code-ran"
    evil = root / "evil.joblib"
    evil.write_bytes(pickle.dumps({"format": "bankchurn-model", "x": _Planted(str(marker))}))
    hash_path(evil).write_text(hash_path(model).read_text())  # someone else's hash
    with pytest.raises(UserError, match="differs from the one recorded"):
        load_artifact(evil)
    hash_path(evil).unlink()
    with pytest.raises(UserError, match="no recorded hash"):
        load_artifact(evil)
    assert not marker.exists()
    # the untouched artifact loads and carries its hash
    art = load_artifact(model)
    assert art.sha256 == hash_path(model).read_text().split()[0]
    tampered = root / "tampered.joblib"
    tampered.write_bytes(model.read_bytes()[:-1] + b"\0")
    hash_path(tampered).write_text(hash_path(model).read_text())
    with pytest.raises(UserError, match="refusing to load a changed model file"):
        load_artifact(tampered)


# --- defect 4: signals while predict writes -------------------------------------------------


def _sigint_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def big_input(root: Path) -> Path:
    return write_extract(generate_extract(n_rows=60_000, n_snapshots=2, seed=5), root / "big.csv")


# A signal that lands while importlib runs a weakref callback is swallowed there ("Exception
# ignored in ... _get_module_lock"); the recorded signal still stops the command
# (tests/bankchurn/test_interrupts.py puts it there deterministically).
@pytest.mark.parametrize(("sig", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_signal_during_predict_exits_with_one_line_and_no_output(
    root: Path, model: Path, big_input: Path, sig: str, code: int
) -> None:
    """Defect 4: Ctrl+C exited 0 silently; SIGTERM left an 18 MB ``.NAME.*.tmp``."""
    out_dir = root / f"sig-{sig}"
    out_dir.mkdir()
    dest = out_dir / "scores.csv"
    dest.write_text("previous\n")
    argv = [str(BANKCHURN), "predict", "--model", str(model), "--input", str(big_input)]
    proc = subprocess.Popen(
        [*argv, "--output", str(dest), "--chunk-size", "500", "--progress"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        # SIGINT as a terminal leaves it: a suite run in the background inherits it ignored
        preexec_fn=_sigint_as_from_a_terminal,
    )
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    try:
        while b"scoring" not in seen and time.monotonic() < deadline:  # the output is open
            chunk = proc.stderr.read1(256)  # type: ignore[attr-defined]
            if not chunk:
                break
            seen += chunk
        assert b"scoring" in seen, seen.decode(errors="replace")
        proc.send_signal(getattr(signal, sig))
        seen += proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = seen.decode(errors="replace")
    assert proc.returncode == code, err
    # stderr also holds the progress bar (redrawn with carriage returns): the error is the one
    # line that starts with "bankchurn:", and nothing else is printed
    assert re.findall(r"bankchurn: [^\r\n]*", err) == [
        f"bankchurn: interrupted by {sig}; no output was written or replaced"
    ]
    assert "Traceback" not in err, err[-300:]
    assert err.endswith("replaced\n"), err[-300:]
    assert dest.read_text() == "previous\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["scores.csv"]
