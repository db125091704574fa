"""File input/output at the edge of the package: checked CSV reading, atomic writes.

[`read_csv_checked`][bankchurn.io.read_csv_checked] catches the defects of a FILE before any value is looked at (missing
or empty file, header only, bytes that are not UTF-8, a delimiter other than ``,``, missing or
unknown columns, rows with the wrong number of fields, blank lines inside the data) and reports each as ONE
[`bankchurn.errors.ContractError`][bankchurn.errors.ContractError] with the file line. Value-level rules are checked by
`bankchurn.validation`. Data row ``i`` (0-based frame index) is file line ``i + 2`` (blank
lines inside the data are rejected, trailing ones ignored, so the mapping holds; a quoted
field spanning lines would shift it, and no contract column holds such text).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from bankchurn import contract
from bankchurn.errors import ContractError

#: Cell texts read as missing in numeric columns. Text columns only treat "" as missing, so a
#: surname such as "Null" survives.
NUMERIC_NA = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None")
_OTHER_DELIMITERS = {";": "';'", "\t": "tab", "|": "'|'"}


def _decode(path: str, raw: bytes) -> str:
    """Decode UTF-8 (an optional BOM is accepted), naming the first bad line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        header = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip().split(",")
        field_no = raw[start : exc.start].count(b",")
        column = header[field_no] if line > 1 and field_no < len(header) else None
        raise ContractError(
            path,
            "encoding(utf-8)",
            column=column,
            rows=[line],
            n_failed=1,
            detail=f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
        ) from None


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


def _check_field_counts(path: str, text: str, n_fields: int) -> None:
    bad: list[int] = []
    blank: list[int] = []
    first_seen = 0
    reader = csv.reader(io.StringIO(text))
    for record in reader:
        if not record:
            blank.append(reader.line_num)
        elif len(record) != n_fields:
            if not bad:
                first_seen = len(record)
            bad.append(reader.line_num)
    if bad:
        raise ContractError(
            path,
            f"field_count({n_fields})",
            rows=bad,
            n_failed=len(bad),
            detail=f"line {bad[0]} has {first_seen} fields, the header has {n_fields}",
        )
    if blank:
        raise ContractError(
            path, "no_blank_lines", rows=blank, n_failed=len(blank), detail="remove empty lines"
        )


def read_csv_checked(path: str | Path, *, require_label: bool = True) -> pd.DataFrame:
    """Read a CRM extract CSV, rejecting file-level defects with one clear error.

    Args:
        path: The CSV file (UTF-8, ``,``-separated, header on line 1).
        require_label: Whether the label column must be present (not for unlabelled months).

    Returns:
        The raw frame (values not yet validated; see
        [`bankchurn.validation.validate_frame`][bankchurn.validation.validate_frame])
        with a RangeIndex such that data row ``i`` is file line ``i + 2``.

    Raises:
        ContractError: Missing file, empty file, header only, non-UTF-8 bytes, wrong delimiter,
            duplicate/missing/unknown column, or a row with the wrong number of fields.
    """
    shown = str(path)
    p = Path(path)
    if not p.exists():
        raise ContractError(shown, "file_exists", detail="no such file")
    if not p.is_file():
        raise ContractError(shown, "file_exists", detail="not a regular file")
    return parse_csv_bytes(shown, p.read_bytes(), require_label=require_label)


def parse_csv_bytes(shown: str, raw: bytes, *, require_label: bool = True) -> pd.DataFrame:
    """Parse the bytes of a CRM extract CSV (a file's, or a database's ``COPY`` output).

    Args:
        shown: Name of the source quoted in errors.
        raw: The CSV bytes.
        require_label: Whether the label column must be present (not when scoring).

    Returns:
        The raw frame, as [`read_csv_checked`][bankchurn.io.read_csv_checked] describes it.

    Raises:
        ContractError: On the file-level defects listed in [`read_csv_checked`][bankchurn.io.read_csv_checked].
    """
    text = _decode(shown, raw)
    if not text.strip():
        raise ContractError(shown, "non_empty", rows=[1], detail="the file is empty")
    # Trailing blank lines are an editor artefact, not rows; inner blank lines are kept.
    text = text.rstrip("\r\n") + "\n"
    first_line = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first_line]))
    header = [h.strip() for h in header]
    check_header(shown, header, require_label=require_label)
    if text.count("\n") < 2:
        raise ContractError(shown, "non_empty", rows=[1], detail="header only, no data rows")
    _check_field_counts(shown, text, len(header))
    na_values = {
        c: (list(NUMERIC_NA) if contract.BY_NAME[c].kind not in ("text", "category") else [""])
        for c in header
    }
    frame = pd.read_csv(
        io.StringIO(text),
        sep=",",
        dtype={c: str for c in header if contract.BY_NAME[c].kind in ("text", "category", "date")},
        keep_default_na=False,
        na_values=na_values,
        skip_blank_lines=False,
        skipinitialspace=False,
    )
    frame.columns = header
    return frame.reset_index(drop=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, then ``os.replace``.

    A reader never sees a half-written file and a failure leaves no partial output.

    Args:
        path: Destination file; missing parent folders are created.
        data: Bytes to write.

    Returns:
        The destination path.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see [`atomic_write_bytes`][bankchurn.io.atomic_write_bytes])."""
    return atomic_write_bytes(path, text.encode(encoding))
