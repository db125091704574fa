"""Hostile files against the reader and the validator (issue 11): one line, exact lines, exit 2.

Each test names the defect of issue 11 it pins; each was seen failing before its fix.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from bankchurn import contract
from bankchurn.cli import main
from bankchurn.errors import ECHO_LIMIT, ContractError, UserError, printable
from bankchurn.ingest import load_extract
from bankchurn.io import read_csv_checked
from bankchurn.privacy import DEMO_OPT_IN_ENV_VAR, KEY_ENV_VAR
from bankchurn.synthetic import to_csv_bytes
from bankchurn.synthetic_identities import customer_ids
from bankchurn.validation import validate_frame


def _lines(frame: pd.DataFrame) -> list[str]:
    return to_csv_bytes(frame).decode("utf-8").splitlines()


def _with_cell(frame: pd.DataFrame, row: int, column: str, value: str) -> str:
    lines = _lines(frame)
    header = lines[0].split(",")
    cells = lines[row + 1].split(",")
    cells[header.index(column)] = value
    lines[row + 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _validate(path: Path) -> pd.DataFrame:
    return validate_frame(read_csv_checked(path), str(path))


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.endswith("\n"), err[:500]
    assert err.count("\n") == 1, err[:500]
    return err.strip()


# --- defect 6: SnapshotDate ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2024-01-31T10:00:00", "20240131", "01/02/2024", "1677-01-01", "31/01/2024"]
)
def test_one_bad_date_names_exactly_its_line(write_csv, small_frame, value: str) -> None:
    """Defect 6: one unparsable date is reported at its own line, shown as written."""
    path = write_csv("dates.csv", _with_cell(small_frame, 7, "SnapshotDate", value))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas format-guessing warning leaks
        with pytest.raises(ContractError) as info:
            _validate(path)
    err = info.value
    assert (err.column, err.rule, err.rows, err.n_failed) == ("SnapshotDate", "type(date)", [9], 1)
    assert repr(value) in str(err)
    assert contract.DATE_FORMAT_SHOWN in str(err)


def test_a_whole_column_of_day_first_dates_is_rejected(write_csv, small_frame) -> None:
    """Defect 6: dd/mm/yyyy everywhere was accepted with warnings; the contract says YYYY-MM-DD."""
    frame = small_frame.copy()
    frame["SnapshotDate"] = pd.to_datetime(frame["SnapshotDate"]).dt.strftime("%d/%m/%Y")
    path = write_csv("dayfirst.csv", frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ContractError) as info:
            _validate(path)
    assert info.value.rule == "type(date)"
    assert info.value.n_failed == len(frame)
    assert info.value.rows[:5] == [2, 3, 4, 5, 6]


def test_dates_round_trip_as_declared(small_frame) -> None:
    out = validate_frame(small_frame, "x.csv")
    assert out["SnapshotDate"].dtype == "datetime64[ns]"
    assert out["SnapshotDate"].equals(small_frame["SnapshotDate"].astype("datetime64[ns]"))


# --- defect 5: a field over the csv module's limit ---------------------------------------------


@pytest.mark.parametrize("size", [contract.MAX_FIELD_CHARS + 1, 200_000])
def test_oversized_field_is_one_line_naming_line_and_column(
    write_csv, small_frame, size: int, capsys
) -> None:
    """Defect 5: a 200,000-character surname gave ``_csv.Error`` and a traceback."""
    path = write_csv("huge.csv", _with_cell(small_frame, 4, "Surname", "x" * size))
    assert main(["data", "validate", str(path)]) == 2
    line = _one_line(capsys)
    assert "line 6 column 'Surname' breaks rule max_length(256)" in line
    assert len(line) < 400


def test_oversized_field_in_train_data_is_one_line(write_csv, small_frame, capsys) -> None:
    path = write_csv("huge.csv", _with_cell(small_frame, 4, "Surname", "x" * 200_000))
    assert main(["train", "--model", "baseline", "--out", str(path.parent / "m"), "--data",
                 str(path), "--fast"]) == 2  # fmt: skip
    assert "max_length(256)" in _one_line(capsys)
    assert not (path.parent / "m").exists()


# --- defect 7: the reader has one set of rules ---------------------------------------------------


def test_short_row_is_rejected_even_when_its_last_column_is_nullable(write_csv, small_frame):
    """Defect 7: a row missing its last field (nullable EstimatedSalary) was scored."""
    order = [c for c in small_frame.columns if c != "EstimatedSalary"] + ["EstimatedSalary"]
    lines = _lines(small_frame[order])
    lines[4] = lines[4].rsplit(",", 1)[0]
    path = write_csv("short.csv", "\n".join(lines) + "\n")
    with pytest.raises(ContractError) as info:
        read_csv_checked(path)
    assert (info.value.rule, info.value.rows) == ("field_count(15)", [5])


def test_trailing_blank_lines_and_spaced_header_are_accepted(write_csv, small_frame) -> None:
    """Defect 7: both used to pass ``data validate`` and fail ``predict``; now one reader."""
    text = to_csv_bytes(small_frame).decode().replace("Age", " Age ", 1) + "\n\r\n\n"
    out = _validate(write_csv("loose.csv", text))
    assert len(out) == len(small_frame)
    assert "Age" in out.columns


def test_blank_line_inside_the_data_is_rejected(write_csv, small_frame) -> None:
    lines = _lines(small_frame)
    lines.insert(5, "")
    with pytest.raises(ContractError) as info:
        read_csv_checked(write_csv("blank.csv", "\n".join(lines) + "\n"))
    assert (info.value.rule, info.value.rows) == ("no_blank_lines", [6])


# --- defect 9: what is echoed is capped and escaped -------------------------------------------


def test_echoed_values_are_capped(write_csv, small_frame, capsys) -> None:
    """Defect 9: a 10 MB value made a 10 MB stderr line."""
    path = write_csv("long.csv", _with_cell(small_frame, 2, "Geography", "G" * 250))
    assert main(["data", "validate", str(path)]) == 2
    line = _one_line(capsys)
    assert "line 4 column 'Geography'" in line
    assert re.search(r"G\.\.\.\(\+\d+ chars\)", line), line  # cut, and said so
    assert "G" * (ECHO_LIMIT + 1) not in line
    assert len(line) < 300 + len(str(path))  # whatever the temporary folder's length


def test_control_characters_in_header_are_escaped(write_csv, small_frame, capsys) -> None:
    """Defect 9: ANSI escapes in a header name reached the terminal raw."""
    lines = _lines(small_frame)
    lines = [lines[0] + ",Evil\x1b[2J\x1b[31m"] + [line + ",1" for line in lines[1:]]
    path = write_csv("ansi.csv", "\n".join(lines) + "\n")
    assert main(["data", "validate", str(path)]) == 2
    line = _one_line(capsys)
    assert "\x1b" not in line
    assert "\\x1b[2J" in line


def test_printable_escapes_and_caps() -> None:
    assert printable("a\nb\x1b[0m\ud800", 100) == "a\\nb\\x1b[0m\\ud800"
    assert printable("x" * 100, 10) == "x" * 10 + "...(+90 chars)"


# --- defect 10: ids are integers, never floats -------------------------------------------------


def test_ids_above_2_53_stay_distinct_customers(write_csv, small_frame) -> None:
    """Defect 10: 9007199254740993 was read as 9007199254740992, one pseudonym for two."""
    frame = small_frame.copy()
    frame["CustomerId"] = frame["CustomerId"].astype(object)
    frame.loc[0, "CustomerId"], frame.loc[1, "CustomerId"] = 2**53 + 1, 2**53
    path = write_csv("ids.csv", frame)
    raw = read_csv_checked(path)
    assert raw["CustomerId"].iloc[:2].tolist() == [str(2**53 + 1), str(2**53)]
    extract = load_extract(path)
    keys = extract.frame["CustomerKey"]
    assert keys.iloc[0] != keys.iloc[1]
    assert keys.is_unique


# --- defect 3: more than a million synthetic rows ---------------------------------------------


def test_more_than_a_million_synthetic_ids_are_unique() -> None:
    """Defect 3: ``--rows 1000001`` crashed in ``rng.choice(1_000_000, replace=False)``."""
    import numpy as np

    ids = customer_ids(np.random.default_rng(0), 1_000_001)
    assert len(np.unique(ids)) == 1_000_001
    small = customer_ids(np.random.default_rng(0), 10)
    assert small.min() >= 15_000_000
    assert small.max() < 16_000_000


# --- the pseudonymisation key ---------------------------------------------------------------------


def test_a_file_with_the_public_demo_key_is_refused(
    write_csv, small_frame, monkeypatch, capsys
) -> None:
    """Also expected: a data file is never pseudonymised with the public key by default."""
    path = write_csv("real.csv", small_frame)
    monkeypatch.delenv(DEMO_OPT_IN_ENV_VAR, raising=False)
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    with pytest.raises(UserError, match=KEY_ENV_VAR):
        load_extract(path)
    out = path.parent / "m"
    assert main(["train", "--model", "baseline", "--data", str(path), "--out", str(out)]) == 2
    line = _one_line(capsys)
    assert KEY_ENV_VAR in line
    assert DEMO_OPT_IN_ENV_VAR in line
    assert not out.exists()
    load_extract(None, n_rows=50, n_snapshots=2)  # the embedded synthetic extract: fine
    monkeypatch.setenv(DEMO_OPT_IN_ENV_VAR, "1")  # explicit demo opt-in
    load_extract(path)


def test_the_key_never_appears_in_outputs(write_csv, small_frame, monkeypatch, capsys) -> None:
    secret = "k3y-that-must-never-leak-0123456789"
    monkeypatch.delenv(DEMO_OPT_IN_ENV_VAR, raising=False)
    monkeypatch.setenv(KEY_ENV_VAR, secret)
    path = write_csv("real.csv", small_frame)
    extract = load_extract(path)
    assert secret not in repr(extract.provenance)
    bad = write_csv("bad.csv", _with_cell(small_frame, 1, "Age", "old"))
    assert main(["data", "validate", str(bad)]) == 2
    captured = capsys.readouterr()
    assert secret not in captured.err + captured.out


# --- the Data contract page lists every rule ------------------------------------------------


def test_every_rule_the_reader_and_validator_emit_is_on_the_contract_page(bad_input) -> None:
    """The page's rejection list (contract.REJECTION_RULES) names each rule an error can carry."""
    rule = bad_input.rule
    generic = re.sub(r"\(.*\)$", "(", rule)  # in_range(18, 100) -> in_range(
    assert f"`{rule}`" in contract.REJECTION_RULES or f"`{generic}" in contract.REJECTION_RULES


def _emitted_rules() -> set[str]:
    """Every rule name a ``ContractError(source, RULE, ...)`` in the package is built with.

    A literal is taken as it is, a module constant by its value, an f-string up to its first
    ``{`` (``field_count(`` of ``field_count({n})``); a rule passed on (``exc.rule``) is the
    rule of another error, counted where that one is built.
    """
    import ast
    import importlib

    package = Path(contract.__file__).parent
    rules: set[str] = set()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = None
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "ContractError"
                and len(node.args) >= 2
            ):
                continue
            arg = node.args[1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                rules.add(arg.value)
            elif isinstance(arg, ast.Name):
                name = ".".join(path.relative_to(package.parent).with_suffix("").parts)
                module = module or importlib.import_module(name.removesuffix(".__init__"))
                rules.add(getattr(module, arg.id))
            elif isinstance(arg, ast.JoinedStr):
                head = arg.values[0]
                assert isinstance(head, ast.Constant), ast.unparse(arg)
                rules.add(str(head.value))
    return rules


def test_every_rule_the_package_can_emit_is_on_the_contract_page() -> None:
    """Read from the code, not from a list of cases: a rule added without a row here fails."""
    rules = _emitted_rules()
    assert {"file_exists", "no_blank_lines", "field_count("} <= rules  # the scan finds them
    missing = sorted(r for r in rules if f"`{r}" not in contract.REJECTION_RULES)
    assert missing == []


@pytest.mark.parametrize(
    "rule",
    [
        "file_exists",
        "no_blank_lines",
        "field_count(",
        "max_length(",
        "type(date)",
        "type(int)",
        "null_fraction<=",
        "unique_header",
        "unique`",
    ],
)
def test_rules_from_issue_11_are_listed(rule: str) -> None:
    assert f"`{rule}" in contract.REJECTION_RULES
    assert contract.DATE_FORMAT_SHOWN in contract.REJECTION_RULES
