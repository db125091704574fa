"""``bankchurn data generate`` and ``bankchurn data validate``: in process and as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bankchurn.cli import main
from bankchurn.synthetic import generate_extract, to_csv_bytes

BANKCHURN = Path(sys.executable).with_name("bankchurn")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (the real entry point) in ``cwd``."""
    return subprocess.run(
        [str(BANKCHURN), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize(
    "argv",
    [["data", "--help"], ["data", "generate", "--help"], ["data", "validate", "--help"]],
)
def test_help(argv: list[str], capsys) -> None:
    assert main(argv) == 0
    assert "Usage" in capsys.readouterr().out


def test_generate_default_path_says_synthetic(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["data", "generate"]) == 0
    out = capsys.readouterr().out
    target = tmp_path / "data" / "generated" / "crm_extract.csv"
    assert target.read_bytes() == to_csv_bytes(generate_extract().frame)
    assert "data/generated/crm_extract.csv" in out
    assert "SYNTHETIC" in out
    assert sorted(os.listdir(target.parent)) == ["crm_extract.csv"]  # no temp file left


def test_generate_options_and_determinism(tmp_path: Path, capsys) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path, seed in ((a, "7"), (b, "7"), (c, "8")):
        argv = ["data", "generate", "--rows", "300", "--snapshots", "6", "--seed", seed]
        assert main([*argv, "--out", str(path)]) == 0
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert a.read_bytes() == to_csv_bytes(generate_extract(300, 6, 7).frame)
    assert "300 rows" in capsys.readouterr().out


def test_generate_then_validate(tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.csv"
    assert main(["data", "generate", "--rows", "500", "--out", str(path)]) == 0
    capsys.readouterr()
    assert main(["data", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: 500 rows")
    assert "24 snapshots" in out


def test_validate_kaggle_layout_mentions_stratified_split(tmp_path: Path, capsys) -> None:
    path = tmp_path / "Churn_Modelling.csv"
    path.write_bytes(to_csv_bytes(generate_extract(200).frame.drop(columns=["SnapshotDate"])))
    assert main(["data", "validate", str(path)]) == 0
    assert "stratified split" in capsys.readouterr().out


def test_generate_into_a_folder_is_a_user_error(tmp_path: Path, capsys) -> None:
    assert main(["data", "generate", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is a folder" in err


def test_bad_input_in_process(bad_input, tmp_path: Path, capsys) -> None:
    path = tmp_path / f"{bad_input.name}.csv"
    path.write_bytes(bad_input.content)
    assert main(["data", "validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"bankchurn: error: {path}:"), lines[0]
    assert bad_input.rule in lines[0]
    assert f"line {bad_input.line}" in lines[0]
    if bad_input.column:
        assert repr(bad_input.column) in lines[0]
    assert os.listdir(tmp_path) == [path.name]  # nothing written


# Every bad input's one line is checked in process above, through the same `main`; the real
# console script is run on one of each kind (no rows, undecodable bytes, a value breaking a rule):
# a process start per input would add CPU and check nothing more.
@pytest.mark.bad_inputs("empty", "non_utf8", "negative_balance")
def test_bad_input_as_subprocess(bad_input, tmp_path: Path) -> None:
    path = tmp_path / f"{bad_input.name}.csv"
    path.write_bytes(bad_input.content)
    result = _run("data", "validate", path.name, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    message = lines[0]
    assert message.startswith(f"bankchurn: error: {path.name}:")
    assert f"line {bad_input.line}" in message
    assert bad_input.rule in message
    if bad_input.column:
        assert repr(bad_input.column) in message
    assert os.listdir(tmp_path) == [path.name]


def test_generate_subprocess_writes_atomically(tmp_path: Path) -> None:
    result = _run("data", "generate", "--rows", "1000", "--out", "out/x.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SYNTHETIC" in result.stdout
    assert os.listdir(tmp_path / "out") == ["x.csv"]
    assert result.stderr == ""


def test_missing_file_as_subprocess(tmp_path: Path) -> None:
    result = _run("data", "validate", "nope.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "bankchurn: error: nope.csv: breaks rule file_exists: no such file"
    )
