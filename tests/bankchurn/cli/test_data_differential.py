"""Differential property test (issue 11): the reading commands give ONE verdict per file.

Hypothesis draws files (a valid synthetic extract, then zero to two hostile mutations) and
asks the three ways a file enters the package:

* ``bankchurn data validate FILE`` (the command, in process);
* the read of ``bankchurn train --data FILE`` / ``evaluate --data FILE``: the commands'
  ``_load`` (fitting a model per example would only repeat what the contract already decided);
* ``bankchurn predict --input FILE`` with a random chunk size (the streaming path).

All must accept, or all reject; with one mutation they must name the same rule and column;
every rejection is one stderr line naming the file and the rule (and the line and column when
the rule is about a row).

Bounded: each example costs a few contract checks (one per chunk), so the drawn examples are
few and the chunk sizes give at most five chunks. The power comes from the explicit examples,
one per defect this test exists for (issue 11, defects 2 and 7: chunk-dependent verdicts), run
every time, plus the drawn ones that explore further; each explicit example was seen failing
with its defect planted.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bankchurn import contract
from bankchurn.cli import main
from bankchurn.cli.model import _load
from bankchurn.errors import UserError
from bankchurn.synthetic import generate_extract, to_csv_bytes

from tiny_model import save_tiny_artifact

BASE = to_csv_bytes(generate_extract(n_rows=200, n_snapshots=3, seed=1).frame).decode()
BASE_LINES = BASE.splitlines()
HEADER = BASE_LINES[0].split(",")
N_ROWS = len(BASE_LINES) - 1
NULLABLE = [c.name for c in contract.COLUMNS if c.nullable]
HOSTILE_VALUES = (
    "",
    "NA",
    "abc",
    "-1",
    "0",
    "1",
    "2",
    "42.0",
    "42.5",
    " 42 ",
    "1e400",
    str(2**63),
    str(2**53 + 1),
    "2024-01-31T10:00:00",
    "20240131",
    "31/01/2024",
    "1677-01-01",
    "2024-02-30",
    "x" * 300,
    "Mars",
    "\x1b[31m",
    '"Doe, Jr"',
)

mutation = st.one_of(
    st.tuples(
        st.just("cell"),
        st.integers(0, N_ROWS - 1),
        st.sampled_from(HEADER),
        st.sampled_from(HOSTILE_VALUES),
    ),
    st.tuples(st.just("short"), st.integers(0, N_ROWS - 1)),
    st.tuples(st.just("extra_field"), st.integers(0, N_ROWS - 1)),
    st.tuples(st.just("blank"), st.integers(1, N_ROWS + 1)),
    st.tuples(st.just("trailing_blank"), st.integers(1, 3)),
    st.tuples(
        st.just("null_run"),
        st.integers(0, N_ROWS - 5),
        st.sampled_from(NULLABLE),
        st.integers(1, 4),
    ),
    st.tuples(st.just("spaced_header"), st.sampled_from(HEADER)),
    st.tuples(st.just("dup_id"), st.integers(0, N_ROWS - 1), st.integers(0, N_ROWS - 1)),
)


def _apply(lines: list[str], op: tuple[Any, ...]) -> list[str]:
    out = list(lines)
    kind = op[0]
    if kind == "cell":
        _, row, column, value = op
        cells = out[row + 1].split(",")
        cells[HEADER.index(column)] = value
        out[row + 1] = ",".join(cells)
    elif kind == "short":
        out[op[1] + 1] = out[op[1] + 1].rsplit(",", 1)[0]
    elif kind == "extra_field":
        out[op[1] + 1] += ",1"
    elif kind == "blank":
        out.insert(op[1], "")
    elif kind == "trailing_blank":
        out.extend([""] * op[1])
    elif kind == "null_run":  # a few gaps close together: one chunk may be far above 1 %
        _, row, column, k = op
        for r in range(row, row + k):
            cells = out[r + 1].split(",")
            cells[HEADER.index(column)] = ""
            out[r + 1] = ",".join(cells)
    elif kind == "spaced_header":
        out[0] = ",".join(f" {h} " if h == op[1] else h for h in out[0].split(","))
    elif kind == "dup_id":
        column = HEADER.index("CustomerId")
        a, b = out[op[1] + 1].split(","), out[op[2] + 1].split(",")
        b[column] = a[column]
        out[op[2] + 1] = ",".join(b)
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("differential")


@pytest.fixture(scope="module")
def model(workdir: Path) -> Path:
    return save_tiny_artifact(workdir / "tiny.joblib")


def _command(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue()


_RULE = re.compile(r"breaks rule (\S+)")
_COLUMN = re.compile(r"column '([^']*)'")


def _verdict(code: int, err: str, path: Path) -> tuple[str, str | None, str | None]:
    if code == 0:
        return ("accept", None, None)
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert err.startswith("bankchurn: error: "), err
    line = err.strip()
    assert str(path) in line, line
    rule = _RULE.search(line)
    assert rule, line
    column = _COLUMN.search(line)
    if " line " in line:  # a row-level rule names its line and (but for field counts) column
        assert re.search(r": line \d+", line), line
    return ("reject", rule.group(1), column.group(1) if column else None)


#: Chunk sizes of ``predict``: three, two or one chunk boundaries inside the 200 rows.
CHUNK_SIZES = (41, 67, 50_000)
SMALL_CHUNK = 67


# Per-example time depends on the machine's load, not on the code: a deadline would only
# make the test flaky on a shared runner, so the cost is bounded by the number of examples.
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(mutation, max_size=2), chunk_size=st.sampled_from(CHUNK_SIZES))
# One explicit example per defect guarded (each planted once and seen failing):
@example(ops=[], chunk_size=SMALL_CHUNK)  # a valid file stays valid in chunks
# defect 2: the 1 % null rule applied per chunk (1 null is 0.5 % of the file, 1.5 % of a chunk)
@example(ops=[("null_run", 10, "Balance", 1)], chunk_size=SMALL_CHUNK)
# defect 7: a short row whose missing last field is nullable; trailing blanks; a spaced header
@example(ops=[("short", 5)], chunk_size=SMALL_CHUNK)
@example(ops=[("trailing_blank", 2)], chunk_size=SMALL_CHUNK)
@example(ops=[("spaced_header", "Age")], chunk_size=SMALL_CHUNK)
# chunk ends: a blank line that is the last line of a chunk; an id repeated in a later chunk
@example(ops=[("blank", SMALL_CHUNK)], chunk_size=SMALL_CHUNK)
@example(ops=[("dup_id", 3, 150)], chunk_size=SMALL_CHUNK)
def test_validate_train_and_predict_give_the_same_verdict(
    workdir: Path, model: Path, ops: list[tuple[Any, ...]], chunk_size: int
) -> None:
    lines = BASE_LINES
    for op in ops:
        lines = _apply(lines, op)
    path = workdir / "drawn.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    by_validate = _verdict(*_command(["data", "validate", str(path)]), path)
    try:
        _load(path, 42)
        by_train = ("accept", None, None)
    except UserError as exc:
        by_train = _verdict(2, f"bankchurn: error: {exc}\n", path)
    out = workdir / "scores.csv"
    out.unlink(missing_ok=True)
    argv = ["predict", "--model", str(model), "--input", str(path), "--output", str(out)]
    code, err = _command([*argv, "--chunk-size", str(chunk_size), "--no-progress"])
    by_predict = _verdict(code, err, path)

    assert by_validate[0] == by_train[0] == by_predict[0], (ops, by_validate, by_predict)
    assert out.exists() == (by_predict[0] == "accept")  # nothing written on a rejection
    if len(ops) <= 1:
        assert by_validate == by_train == by_predict, (ops, by_validate, by_train, by_predict)
