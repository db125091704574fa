"""Input at the edge of the package: the one CSV reader of CRM extracts.

[`iter_csv_chunks`][bankchurn.io.iter_csv_chunks] reads a CRM extract in chunks of rows (bounded
memory) and catches the defects of a FILE before any value is looked at (missing file or not a
regular file, empty file, header only, bytes that are not UTF-8, a delimiter other than ``,``,
missing or unknown columns, rows with the wrong number of fields, blank lines inside the data, a
cell longer than [`bankchurn.contract.MAX_FIELD_CHARS`][bankchurn.contract.MAX_FIELD_CHARS]),
reporting each as ONE [`bankchurn.errors.ContractError`][bankchurn.errors.ContractError] with the
file line. [`read_csv_checked`][bankchurn.io.read_csv_checked] is the same reader, whole file at
once. Value-level rules are checked by `bankchurn.validation`. Data row ``i`` (the frame index,
counted over the whole file) is file line ``i + 2``: blank lines inside the data are rejected and
trailing ones ignored, so the mapping holds; a quoted field spanning lines is rejected as a wrong
number of fields.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd

from bankchurn import contract
from bankchurn.atomic import describe_kind
from bankchurn.errors import ContractError

#: Cell texts read as missing in numeric columns. Text columns only treat "" as missing, so a
#: surname such as "Null" survives.
NUMERIC_NA = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None")
_OTHER_DELIMITERS = {";": "';'", "\t": "tab", "|": "'|'"}
#: Rows per chunk of [`read_csv_checked`][bankchurn.io.read_csv_checked] (whole-file reading).
_WHOLE_FILE = 1 << 62
_BLANK = (b"\n", b"\r\n", b"\r")


def _not_utf8(
    path: str, raw: bytes, exc: UnicodeDecodeError, line: int, header: list[str]
) -> ContractError:
    """The error for the first byte of ``raw`` (one line of the file) that is not UTF-8."""
    field_no = raw[: exc.start].count(b",")
    column = header[field_no] if line > 1 and field_no < len(header) else None
    return ContractError(
        path,
        "encoding(utf-8)",
        column=column,
        rows=[line],
        n_failed=1,
        detail=f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
    )


def check_header(path: str, header: list[str], *, require_label: bool = True) -> None:
    """Check a CSV header against the contract: delimiter, duplicates, required and unknown names.

    Args:
        path: File name quoted in the error.
        header: Column names of the first line, stripped.
        require_label: Whether the label column must be present (not when scoring new customers).

    Raises:
        ContractError: On the first broken rule, naming the file, line 1 and the column.
    """
    if len(header) == 1:
        for sep, name in _OTHER_DELIMITERS.items():
            if sep in header[0]:
                raise ContractError(
                    path,
                    "delimiter(',')",
                    rows=[1],
                    detail=f"delimiter must be ',' but the header is separated by {name}",
                )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ContractError(
                path, "unique_header", column=name, rows=[1], detail="column appears twice"
            )
        seen.add(name)
    required = [c for c in contract.REQUIRED_COLUMNS if require_label or c != contract.TARGET]
    missing = [c for c in required if c not in seen]
    if missing:
        raise ContractError(
            path,
            "required_column",
            column=missing[0],
            rows=[1],
            detail=f"missing column(s): {', '.join(missing)}",
        )
    unknown = [c for c in header if c not in contract.BY_NAME]
    if unknown:
        raise ContractError(
            path,
            "no_unknown_columns",
            column=unknown[0],
            rows=[1],
            detail=f"unknown column(s): {', '.join(unknown)}; expected only contract columns",
        )


def _open_input(path: str | Path) -> IO[bytes]:
    shown = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ContractError(shown, "file_exists", detail="no such file") from None
    except OSError as exc:
        raise ContractError(shown, "file_exists", detail=f"cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ContractError(
            shown, "file_exists", detail=f"not a regular file (it is {describe_kind(st.st_mode)})"
        )
    try:
        return open(path, "rb")  # closed by the caller's with-block
    except OSError as exc:
        raise ContractError(shown, "file_exists", detail=f"cannot read ({exc.strerror})") from None


def _read_header(shown: str, fh: IO[bytes], require_label: bool) -> list[str]:
    first = fh.readline()
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    if not first.strip():
        rest = fh.read(1 << 16)
        if not first.strip() and not rest.strip():
            raise ContractError(shown, "non_empty", rows=[1], detail="the file is empty")
    try:
        line = first.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise _not_utf8(shown, first, exc, 1, []) from None
    try:
        header = [h.strip() for h in next(csv.reader([line]))] if line else [""]
    except csv.Error:
        header = [line]
    long = [h for h in header if len(h) > contract.MAX_FIELD_CHARS]
    if long:
        raise ContractError(
            shown,
            contract.FIELD_RULE,
            column=long[0],
            rows=[1],
            n_failed=1,
            detail="column name too long",
        )
    check_header(shown, header, require_label=require_label)
    return header


def _check_lines(shown: str, lines: list[bytes], first_line: int, header: list[str]) -> str:
    """Decode the data lines of one chunk and check their field counts and cell sizes."""
    n_fields = len(header)
    try:
        text = b"".join(lines).decode("utf-8")
    except UnicodeDecodeError:
        for i, raw in enumerate(lines):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(shown, raw, exc, first_line + i, header) from None
        raise  # pragma: no cover - a line above fails
    bad: list[int] = []
    first_count = 0
    limit = contract.MAX_FIELD_CHARS
    for i, raw in enumerate(lines):
        if b'"' not in raw and len(raw) <= limit:
            count = raw.count(b",") + 1
        else:
            try:
                record = next(csv.reader([raw.decode("utf-8").rstrip("\r\n")]))
            except csv.Error:  # a field beyond the csv module's own limit: split naively
                record = raw.decode("utf-8").split(",")
            long = [j for j, cell in enumerate(record) if len(cell) > limit]
            if long:
                j = long[0]
                raise ContractError(
                    shown,
                    contract.FIELD_RULE,
                    column=header[j] if j < n_fields else None,
                    rows=[first_line + i],
                    n_failed=1,
                    detail=f"a cell holds more than {limit} characters",
                )
            count = len(record)
        if count != n_fields:
            if not bad:
                first_count = count
            bad.append(first_line + i)
    if bad:
        raise ContractError(
            shown,
            f"field_count({n_fields})",
            rows=bad,
            n_failed=len(bad),
            detail=f"line {bad[0]} has {first_count} fields, the header has {n_fields}",
        )
    return text


def iter_csv_chunks(
    path: str | Path, chunk_size: int = 50_000, *, require_label: bool = True
) -> Iterator[pd.DataFrame]:
    """Read a CRM extract CSV in chunks of rows, rejecting file-level defects with one error.

    The one CSV reader of the package: whole-file ingestion and batch scoring both read
    through it, so they accept and reject the same files.

    Args:
        path: The CSV file (UTF-8, ``,``-separated, header on line 1; a BOM is accepted).
        chunk_size: Rows per chunk.
        require_label: Whether the header must hold the label column.

    Yields:
        Raw frames (values not yet validated; see
        [`bankchurn.validation.validate_frame`][bankchurn.validation.validate_frame]) whose index
        continues from chunk to chunk, so that data row ``i`` is file line ``i + 2``. Text,
        category, date and id columns hold strings.


    Raises:
        ContractError: Missing or special file, empty file, header only, non-UTF-8 bytes,
            wrong delimiter, duplicate/missing/unknown column, a row with the wrong number of
            fields, a blank line inside the data, or a cell that is too long.
    """
    with _open_input(path) as fh:
        yield from _chunks(str(path), fh, chunk_size, require_label)


def _chunks(
    shown: str, fh: IO[bytes], chunk_size: int, require_label: bool
) -> Iterator[pd.DataFrame]:
    """The reader of [`iter_csv_chunks`][bankchurn.io.iter_csv_chunks], on an open binary stream."""
    header = _read_header(shown, fh, require_label)
    na_values = {
        c: (list(NUMERIC_NA) if contract.BY_NAME[c].kind not in ("text", "category") else [""])
        for c in header
    }
    dtype = {c: str for c in header if contract.BY_NAME[c].read_as_text}
    next_line, n_rows = 2, 0
    blank: list[int] = []
    while lines := list(itertools.islice(fh, chunk_size)):
        first_line = next_line
        next_line += len(lines)
        blanks = [first_line + i for i, raw in enumerate(lines) if raw in _BLANK]
        if blank or blanks:
            # Blank lines are fine only at the very end (an editor artefact): one followed
            # by a data line is an error.
            data = [first_line + i for i, raw in enumerate(lines) if raw not in _BLANK]
            inner = [n for n in blank + blanks if data and n < data[-1]]
            if inner:
                raise ContractError(
                    shown,
                    "no_blank_lines",
                    rows=inner,
                    n_failed=len(inner),
                    detail="remove empty lines",
                )
            blank.extend(blanks)
            lines = [raw for raw in lines if raw not in _BLANK]
            if not lines:
                continue
        text = _check_lines(shown, lines, first_line, header)
        frame = pd.read_csv(
            io.StringIO(text),
            sep=",",
            header=None,
            names=header,
            dtype=dtype,
            keep_default_na=False,
            na_values=na_values,
            skip_blank_lines=False,
        )
        frame.index = pd.RangeIndex(n_rows, n_rows + len(frame))
        n_rows += len(frame)
        yield frame
    if n_rows == 0:
        raise ContractError(shown, "non_empty", rows=[1], detail="header only, no data rows")


def read_csv_checked(path: str | Path, *, require_label: bool = True) -> pd.DataFrame:
    """Read a whole CRM extract CSV with [`iter_csv_chunks`][bankchurn.io.iter_csv_chunks] (one chunk).

    Returns:
        The raw frame with a RangeIndex such that data row ``i`` is file line ``i + 2``.

    Raises:
        ContractError: See [`iter_csv_chunks`][bankchurn.io.iter_csv_chunks].
    """
    return next(iter(iter_csv_chunks(path, _WHOLE_FILE, require_label=require_label)))


def parse_csv_bytes(shown: str, raw: bytes, *, require_label: bool = True) -> pd.DataFrame:
    """Parse the bytes of a CRM extract CSV (a database's ``COPY`` output) with the same rules.

    Args:
        shown: Name of the source quoted in errors.
        raw: The CSV bytes.
        require_label: Whether the label column must be present (not when scoring).

    Returns:
        The raw frame, as [`read_csv_checked`][bankchurn.io.read_csv_checked] describes it.

    Raises:
        ContractError: On the defects listed in [`iter_csv_chunks`][bankchurn.io.iter_csv_chunks].
    """
    return next(_chunks(shown, io.BytesIO(raw), _WHOLE_FILE, require_label))
