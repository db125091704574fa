"""Checked CSV reading and atomic writes (bankchurn.io)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from bankchurn import contract
from bankchurn.atomic import atomic_write_bytes, atomic_write_text
from bankchurn.errors import ContractError
from bankchurn.io import check_header, read_csv_checked
from bankchurn.validation import validate_frame


def _read_and_validate(path: Path) -> pd.DataFrame:
    return validate_frame(read_csv_checked(path), str(path))


def test_valid_file_roundtrip(write_csv, small_frame: pd.DataFrame) -> None:
    path = write_csv("ok.csv", small_frame)
    frame = read_csv_checked(path)
    assert list(frame.columns) == list(small_frame.columns)
    assert len(frame) == len(small_frame)
    assert isinstance(frame.index, pd.RangeIndex)
    assert frame["Surname"].tolist() == small_frame["Surname"].tolist()


def test_bad_input_rejected_with_line_column_rule(bad_input, write_csv) -> None:
    path = write_csv(f"{bad_input.name}.csv", bad_input.content)
    with pytest.raises(ContractError) as info:
        _read_and_validate(path)
    err = info.value
    assert err.rule == bad_input.rule
    assert err.column == bad_input.column
    assert err.rows
    assert err.rows[0] == bad_input.line
    message = str(err)
    assert "\n" not in message
    assert str(path) in message
    assert bad_input.rule in message
    if bad_input.column:
        assert repr(bad_input.column) in message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="file_exists"):
        read_csv_checked(tmp_path / "nope.csv")
    with pytest.raises(ContractError, match="not a regular file"):
        read_csv_checked(tmp_path)


def test_utf8_bom_is_accepted(write_csv, small_frame: pd.DataFrame) -> None:
    from bankchurn.synthetic import to_csv_bytes

    path = write_csv("bom.csv", b"\xef\xbb\xbf" + to_csv_bytes(small_frame))
    assert read_csv_checked(path).columns[0] == "RowNumber"


def test_tab_separated_rejected(write_csv, small_frame: pd.DataFrame) -> None:
    path = write_csv("tab.csv", small_frame.to_csv(index=False, sep="\t"))
    with pytest.raises(ContractError, match="delimiter must be ','"):
        read_csv_checked(path)


def test_ragged_row_names_its_line(write_csv, small_frame: pd.DataFrame) -> None:
    lines = small_frame.to_csv(index=False).splitlines()
    lines[5] += ",extra"
    path = write_csv("ragged.csv", "\n".join(lines) + "\n")
    with pytest.raises(ContractError) as info:
        read_csv_checked(path)
    assert info.value.rule == "field_count(15)"
    assert info.value.rows == [6]


def test_blank_line_inside_rejected_trailing_ignored(write_csv, small_frame) -> None:
    lines = small_frame.to_csv(index=False).splitlines()
    trailing = write_csv("trailing.csv", "\n".join(lines) + "\n\n\n")
    assert len(read_csv_checked(trailing)) == len(small_frame)
    inner = write_csv("inner.csv", "\n".join([*lines[:4], "", *lines[4:]]) + "\n")
    with pytest.raises(ContractError) as info:
        read_csv_checked(inner)
    assert info.value.rule == "no_blank_lines"
    assert info.value.rows == [5]


def test_duplicate_header_rejected(write_csv, small_frame) -> None:
    lines = small_frame.to_csv(index=False).splitlines()
    lines = [f"{line},{line.split(',')[6]}" for line in lines]  # repeat the Age column
    path = write_csv("dup_header.csv", "\n".join(lines) + "\n")
    with pytest.raises(ContractError) as info:
        read_csv_checked(path)
    assert info.value.rule == "unique_header"
    assert info.value.column == "Age"


def test_text_that_looks_missing_stays_text(write_csv, small_frame) -> None:
    frame = small_frame.copy()
    frame.loc[0, "Surname"] = "Null"
    frame.loc[1, "Surname"] = "NA"
    read = read_csv_checked(write_csv("names.csv", frame))
    assert read.loc[0, "Surname"] == "Null"
    assert read.loc[1, "Surname"] == "NA"


def test_kaggle_layout_without_snapshot_is_valid(write_csv, small_frame) -> None:
    path = write_csv("kaggle.csv", small_frame.drop(columns=["SnapshotDate"]))
    assert "SnapshotDate" not in _read_and_validate(path).columns


def test_header_without_label_passes_only_when_scoring() -> None:
    header = [c for c in contract.REQUIRED_COLUMNS if c != contract.TARGET]
    check_header("new.csv", header, require_label=False)
    with pytest.raises(ContractError) as info:
        check_header("new.csv", header)
    assert info.value.column == contract.TARGET
    with pytest.raises(ContractError):  # every other header rule still applies
        check_header("new.csv", [*header, "Salary2"], require_label=False)


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "first")
    atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["out.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]
