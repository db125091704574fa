"""Fixtures of the tests of the bankchurn package: small synthetic extracts, bad input files, a fast report.

Every test taking a ``bad_input`` argument runs once per bad input of issue 2 (see
`bad_inputs`): the file bytes and what the one-line error must name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from bankchurn.ingest import Extract, load_extract
from bankchurn.synthetic import SyntheticExtract, generate_extract, to_csv_bytes
from bankchurn.tuning import FAST_BUDGET, TuningBudget


@pytest.fixture(scope="session")
def default_extract() -> SyntheticExtract:
    """The default embedded extract (10,000 rows, 24 snapshots, seed 42)."""
    return generate_extract()


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    """A small valid extract (200 rows over 4 snapshots) to break in tests."""
    return generate_extract(n_rows=200, n_snapshots=4, seed=7).frame


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, bytes | str | pd.DataFrame], Path]:
    """Write bytes, text or a frame (as canonical CSV) to ``tmp_path/name``."""

    def _write(name: str, content: bytes | str | pd.DataFrame) -> Path:
        path = tmp_path / name
        if isinstance(content, pd.DataFrame):
            data = to_csv_bytes(content)
        elif isinstance(content, str):
            data = content.encode("utf-8")
        else:
            data = content
        path.write_bytes(data)
        return path

    return _write


@dataclass(frozen=True)
class BadInput:
    """A broken CSV and the error it must produce."""

    name: str
    content: bytes
    line: int
    column: str | None
    rule: str


def _lines(frame: pd.DataFrame) -> list[str]:
    return to_csv_bytes(frame).decode("utf-8").splitlines()


def _set(frame: pd.DataFrame, row: int, column: str, value: object) -> bytes:
    """Replace one cell in the CSV text (keeps every other byte as generated)."""
    lines = _lines(frame)
    header = lines[0].split(",")
    cells = lines[row + 1].split(",")
    cells[header.index(column)] = str(value)
    lines[row + 1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8")


def bad_inputs(frame: pd.DataFrame) -> list[BadInput]:
    """Every bad input the issue asks for, from a valid frame with >= 10 rows."""
    lines = _lines(frame)
    header = lines[0]
    cases = [
        BadInput("empty", b"", 1, None, "non_empty"),
        BadInput("header_only", (header + "\n").encode(), 1, None, "non_empty"),
        BadInput(
            "missing_column",
            to_csv_bytes(frame.drop(columns=["Age"])),
            1,
            "Age",
            "required_column",
        ),
        BadInput(
            "extra_unknown_column",
            to_csv_bytes(frame.assign(FavouriteColour="blue")),
            1,
            "FavouriteColour",
            "no_unknown_columns",
        ),
        BadInput("non_numeric_age", _set(frame, 3, "Age", "forty"), 5, "Age", "type(int)"),
        BadInput(
            "geography_mars",
            _set(frame, 4, "Geography", "Mars"),
            6,
            "Geography",
            "isin(['France', 'Germany', 'Spain'])",
        ),
        BadInput(
            "negative_balance",
            _set(frame, 5, "Balance", "-10.5"),
            7,
            "Balance",
            "in_range(0, 1000000)",
        ),
        BadInput(
            "num_of_products_7",
            _set(frame, 6, "NumOfProducts", 7),
            8,
            "NumOfProducts",
            "in_range(1, 4)",
        ),
        BadInput(
            "duplicated_customer_id",
            _set(frame, 8, "CustomerId", int(frame["CustomerId"].iloc[2])),
            4,
            "CustomerId",
            "unique",
        ),
        BadInput("nan_label", _set(frame, 7, "Exited", ""), 9, "Exited", "not_null"),
        BadInput(
            "non_utf8",
            _set(frame, 2, "Surname", "Müller").decode("utf-8").encode("latin-1"),
            4,
            "Surname",
            "encoding(utf-8)",
        ),
        BadInput(
            "semicolon_separated",
            ("\n".join(line.replace(",", ";") for line in lines) + "\n").encode(),
            1,
            None,
            "delimiter(',')",
        ),
    ]
    return cases


#: Names of the bad inputs, in the order of the issue.
BAD_INPUT_NAMES = (
    "empty",
    "header_only",
    "missing_column",
    "extra_unknown_column",
    "non_numeric_age",
    "geography_mars",
    "negative_balance",
    "num_of_products_7",
    "duplicated_customer_id",
    "nan_label",
    "non_utf8",
    "semicolon_separated",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``bad_input`` tests over every bad input (ids = case names).

    A test marked ``bad_inputs("name", ...)`` runs on those only.
    """
    if "bad_input_name" in metafunc.fixturenames:
        chosen = metafunc.definition.get_closest_marker("bad_inputs")
        names = chosen.args if chosen else BAD_INPUT_NAMES
        assert set(names) <= set(BAD_INPUT_NAMES), names
        metafunc.parametrize("bad_input_name", names)


@pytest.fixture
def bad_input(bad_input_name: str, small_frame: pd.DataFrame) -> BadInput:
    """One bad input (see `bad_inputs`)."""
    cases = {case.name: case for case in bad_inputs(small_frame)}
    assert set(cases) == set(BAD_INPUT_NAMES)
    return cases[bad_input_name]


# --- modelling: a small extract and a fast tuning budget ---------------------------------------

#: Rows of the small extract: enough for 24 monthly snapshots and stable test metrics.
SMALL_ROWS = 2400
SMALL_BUDGET: TuningBudget = FAST_BUDGET


@pytest.fixture(scope="session")
def small_extract() -> Extract:
    """Validated, pseudonymised synthetic extract of 2,400 rows over 24 months."""
    return load_extract(None, seed=7, n_rows=SMALL_ROWS)


@pytest.fixture(scope="session")
def small_report(made_once: Callable[[str, Callable[[Path], None]], Path]) -> Path:
    """One fast report run (both models, reports, artifacts) shared by the read-only tests.

    Made once per session (`made_once`, tests/conftest.py), whichever workers read it; its
    extract is `small_extract`'s.
    """
    from bankchurn.reporting import write_reports
    from bankchurn.training import train_both

    def report(out: Path) -> None:
        extract = load_extract(None, seed=7, n_rows=SMALL_ROWS)
        runs = train_both(extract, seed=7, budget=SMALL_BUDGET, n_bootstrap=50)
        write_reports(extract, runs, out, out / "models", seed=7)

    return made_once("small-report", report)
