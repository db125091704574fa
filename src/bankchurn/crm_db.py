"""The CRM as a PostgreSQL source: the snapshot table's schema, reading it, loading it.

The CRM keeps one row per customer and month-end snapshot (taken monthly, T-1 day) in
`QUALIFIED_TABLE`. Its columns are the data contract's (`bankchurn.contract.COLUMNS`)
under PostgreSQL names ([`db_column`][bankchurn.crm_db.db_column], e.g. ``CustomerId`` -> ``customer_id``), except
``RowNumber``: that is a property of an export, so a read numbers the rows itself, in the
table's key order (``snapshot_date``, ``customer_id``).

The table declares types and the one-row-per-customer-and-month key, not the contract's rules:
the pipeline checks those when it reads, with the very validation a CSV gets, so a team's own
CRM table (which has no such constraints) is judged the same way. The rows are fetched with
``COPY ... TO STDOUT (FORMAT csv)`` and parsed by [`bankchurn.io.parse_csv_bytes`][bankchurn.io.parse_csv_bytes], the
parser of CSV files: NULL, numbers and dates are read by one piece of code whatever the source.

Credentials come from the URL, from libpq's standard ``PG*`` variables (``PGHOST``,
``PGUSER``, ``PGPASSWORD``, ``PGPASSFILE``, ...) or the settings; [`display_url`][bankchurn.crm_db.display_url] is the
only form of a URL that is ever printed or recorded (no user, password or query string).
Reads run in a read-only transaction; the pipeline is meant to use a role that may only
``SELECT`` ([`grant_read_sql`][bankchurn.crm_db.grant_read_sql]).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bankchurn import contract
from bankchurn.errors import ContractError, UserError

if TYPE_CHECKING:  # pandas and psycopg are imported when a table is read or written: the
    # command line imports this module for its URL helpers, and its help stays light
    import pandas as pd
    import psycopg

SCHEMA = "crm"
TABLE = "customer_snapshot"
QUALIFIED_TABLE = f"{SCHEMA}.{TABLE}"
#: URL prefixes that name a PostgreSQL database instead of a CSV file.
URL_PREFIXES = ("postgresql://", "postgres://")
#: PostgreSQL type of each contract kind (``int`` columns without an upper bound are ids).
_SQL_TYPES = {
    "float": "double precision",
    "category": "text",
    "binary": "smallint",
    "date": "date",
    "text": "text",
}
#: Contract columns the table does not hold: an export numbers its rows, the CRM does not.
EXPORT_ONLY = ("RowNumber",)
#: Columns naming one row in an error message (the table's key).
KEY_COLUMNS = (contract.CUSTOMER_ID, contract.SNAPSHOT)
#: The rule of a table value holding a line break (a CSV row must be one line; so must a row).
ONE_LINE = "one_line"
_LINE_BREAK = "a value holds a line break; each row must be one line"


def is_database_url(source: object) -> bool:
    """Whether ``source`` is a PostgreSQL URL rather than a file path."""
    return isinstance(source, str) and source.startswith(URL_PREFIXES)


def db_column(name: str) -> str:
    """PostgreSQL name of a contract column: ``NumOfProducts`` -> ``num_of_products``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _sql_type(spec: contract.ColumnSpec) -> str:
    if spec.kind == "int":
        return "bigint" if spec.maximum is None else "integer"
    return _SQL_TYPES[spec.kind]


@dataclass(frozen=True)
class TableColumn:
    """One column of the CRM snapshot table.

    Attributes:
        name: PostgreSQL column name.
        sql_type: PostgreSQL type.
        contract_name: The data-contract column it holds.
    """

    name: str
    sql_type: str
    contract_name: str


#: The table's columns, in contract order.
TABLE_COLUMNS: tuple[TableColumn, ...] = tuple(
    TableColumn(db_column(spec.name), _sql_type(spec), spec.name)
    for spec in contract.COLUMNS
    if spec.name not in EXPORT_ONLY
)
_BY_CONTRACT = {c.contract_name: c for c in TABLE_COLUMNS}


def create_table_sql() -> str:
    """The DDL of the snapshot table (idempotent: schema and table are created if missing)."""
    cols = ",\n    ".join(f"{c.name} {c.sql_type}" for c in TABLE_COLUMNS)
    key = ", ".join(db_column(c) for c in reversed(KEY_COLUMNS))
    return (
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};\n"
        f"CREATE TABLE IF NOT EXISTS {QUALIFIED_TABLE} (\n    {cols},\n"
        f"    UNIQUE NULLS NOT DISTINCT ({key})\n);"
    )


def grant_read_sql(role: str) -> str:
    """SQL giving ``role`` read access to the snapshot table and nothing else."""
    ident = _ident(role)
    return (
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {ident};\nGRANT SELECT ON {QUALIFIED_TABLE} TO {ident};"
    )


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise UserError(f"role {name!r}: use lower-case letters, digits and '_'")
    return name


def display_url(url: str) -> str:
    """The URL without user, password and query: the only form printed, logged or recorded.

    Args:
        url: A ``postgresql://`` URL.

    Returns:
        ``postgresql://HOST:PORT/DB`` (parts absent from the URL stay absent, as libpq then
        takes them from the ``PG*`` variables).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def table_source(url: str) -> str:
    """How a source table is named in messages: ``URL table crm.customer_snapshot``."""
    return f"{display_url(url)} table {QUALIFIED_TABLE}"


def connect(url: str, *, read_only: bool) -> psycopg.Connection[Any]:
    """Open a connection, turning any failure into one line without credentials.

    Args:
        url: ``postgresql://`` URL; missing parts come from the ``PG*`` variables (libpq).
        read_only: Start every transaction ``READ ONLY`` (what the pipeline's reads use).

    Raises:
        UserError: The server cannot be reached or refuses the login.
    """
    import psycopg

    try:
        conn = psycopg.connect(url, connect_timeout=10, application_name="bankchurn")
    except (psycopg.Error, ValueError) as exc:
        reason = error_line(exc) if isinstance(exc, psycopg.Error) else "malformed URL"
        raise UserError(f"{display_url(url)}: cannot connect: {reason}") from None
    conn.read_only = read_only
    return conn


def error_line(exc: Exception) -> str:
    """Libpq's message without its context lines (it never holds the password)."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__).removeprefix("connection failed: ")


def _select_sql(columns: list[TableColumn]) -> str:
    # The export numbers its rows in the table's key order; snapshot_date may be NULL (files
    # without dates, such as the Kaggle one, loaded as they are).
    order = ", ".join(f"{db_column(c)} NULLS FIRST" for c in reversed(KEY_COLUMNS))
    select = [f'row_number() OVER (ORDER BY {order}) AS "RowNumber"']
    select += [f'{c.name} AS "{c.contract_name}"' for c in columns]
    return f"SELECT {', '.join(select)} FROM {QUALIFIED_TABLE} ORDER BY {order}"


@dataclass(frozen=True)
class TableRead:
    """Rows read from the snapshot table, not yet validated.

    Attributes:
        frame: Contract column names; data row ``i`` is the table row named ``keys[i]``.
        keys: Each row's key as shown in messages (``customer_id=..., snapshot_date=...``).
        source: The table as named in messages ([`table_source`][bankchurn.crm_db.table_source]).
    """

    frame: pd.DataFrame
    keys: list[str]
    source: str


def read_table(url: str, *, require_label: bool = True) -> TableRead:
    """Read every row of the snapshot table, in key order, in a read-only transaction.

    Args:
        url: The CRM database.
        require_label: Read ``exited`` too (training, evaluation); scoring does not need it.

    Returns:
        The rows with the contract's column names, parsed as a CSV file would be.

    Raises:
        UserError: Connection refused.
        ContractError: The table or one of its columns is missing, or it holds no row.
    """
    source = table_source(url)
    columns = [c for c in TABLE_COLUMNS if require_label or c.contract_name != contract.TARGET]
    buffer = bytearray()
    with connect(url, read_only=True) as conn, conn.cursor() as cur:
        with _read_errors(source):
            # Server settings that change how values are written out are fixed for this read.
            cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
            cur.execute("SET LOCAL extra_float_digits = 1")
            with cur.copy(f"COPY ({_select_sql(columns)}) TO STDOUT (FORMAT csv, HEADER)") as cp:
                for block in cp:
                    buffer += block
    raw = bytes(buffer)
    if raw.count(b"\n") < 2:
        raise ContractError(source, "non_empty", detail="the table has no rows")
    frame = _parse(source, raw, require_label)
    return TableRead(frame, _row_keys(frame), source)


def _row_keys(frame: pd.DataFrame) -> list[str]:
    """Each row's table key as messages show it."""
    return [
        _key(cid, snap)
        for cid, snap in zip(
            frame[contract.CUSTOMER_ID].fillna("").astype(str),
            frame[contract.SNAPSHOT].fillna("").astype(str),
            strict=True,
        )
    ]


def _key(customer_id: str, snapshot: str) -> str:
    """A row's key as messages show it; a missing part (SQL NULL) is shown as NULL."""
    return (
        f"{db_column(contract.CUSTOMER_ID)}={customer_id or 'NULL'}, "
        f"{db_column(contract.SNAPSHOT)}={snapshot or 'NULL'}"
    )


def _parse(source: str, raw: bytes, require_label: bool) -> pd.DataFrame:
    """Parse ``COPY`` output with the CSV parser; a defect is named by table key, not line."""
    from bankchurn.io import parse_csv_bytes

    try:
        return parse_csv_bytes(source, raw, require_label=require_label)
    except ContractError as exc:
        if not exc.rows:
            raise
        raise _locate_lines(exc, raw) from None


def _locate_lines(error: ContractError, raw: bytes) -> ContractError:
    """Re-express an error the parser gave on lines of ``COPY`` output with table keys.

    The file-level rules (a cell too long, a value spanning lines) are found before any row
    is parsed, so they name lines; in the table the lines mean nothing. The output is read
    again as CSV (whose quoting lets a value span lines) to find each line's row.
    """
    import csv
    import io

    reader = csv.reader(io.StringIO(raw.decode("utf-8", errors="replace"), newline=""))
    limit = csv.field_size_limit(max(len(raw), csv.field_size_limit()))  # a cell over the limit
    try:
        header = next(reader)
        cid, snap = header.index(contract.CUSTOMER_ID), header.index(contract.SNAPSHOT)
        wanted, keys, column = set(error.rows), [], error.column
        first = 2
        for record in reader:
            last = reader.line_num
            if wanted.intersection(range(first, last + 1)):
                keys.append(_key(_field(record, cid), _field(record, snap)))
                broken = [header[i] for i, v in enumerate(record[: len(header)]) if "\n" in v]
                if column is None and broken:
                    column = broken[0]
            first = last + 1
    finally:
        csv.field_size_limit(limit)
    line_break = error.rule.startswith("field_count") and column is not None
    column = _BY_CONTRACT[column].name if column in _BY_CONTRACT else column
    if line_break:
        return ContractError(
            error.path, ONE_LINE, column=column, keys=keys, n_failed=len(keys), detail=_LINE_BREAK
        )
    return ContractError(
        error.path, error.rule, column=column, keys=keys, n_failed=len(keys), detail=error.detail
    )


def _field(record: list[str], index: int) -> str:
    return record[index] if index < len(record) else ""


def iter_table(url: str, chunk_rows: int, *, require_label: bool = False) -> Iterator[TableRead]:
    """Stream the snapshot table in chunks of ``chunk_rows`` rows (bounded memory).

    The rows arrive in [`read_table`][bankchurn.crm_db.read_table]'s order through one ``COPY ... TO STDOUT`` in a
    read-only transaction; each chunk is parsed by the CSV parser with the header in front, so
    a chunk is exactly what [`read_table`][bankchurn.crm_db.read_table] would give for those rows.

    Args:
        url: The CRM database.
        chunk_rows: Rows per chunk.
        require_label: Read ``exited`` too.

    Yields:
        One [`TableRead`][bankchurn.crm_db.TableRead] per chunk (data row ``i`` of a chunk is named by ``keys[i]``).

    Raises:
        UserError: Connection refused.
        ContractError: The table or one of its columns is missing, or it holds no row.
    """
    source = table_source(url)
    columns = [c for c in TABLE_COLUMNS if require_label or c.contract_name != contract.TARGET]
    n_rows = 0
    with connect(url, read_only=True) as conn, conn.cursor() as cur:
        with _read_errors(source):
            cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
            cur.execute("SET LOCAL extra_float_digits = 1")
            with cur.copy(f"COPY ({_select_sql(columns)}) TO STDOUT (FORMAT csv, HEADER)") as cp:
                header, pending, lines = b"", bytearray(), 0  # lines: newlines in pending
                for block in cp:
                    pending += block
                    lines += bytes(block).count(b"\n")
                    if not header and lines:
                        cut = pending.index(b"\n") + 1
                        header, pending, lines = bytes(pending[:cut]), pending[cut:], lines - 1
                    # COPY's csv quotes a value holding a newline, so a row may span lines: cut
                    # only after a newline that ends a row (an even number of quotes before it).
                    while header and lines >= chunk_rows:
                        boundary = _row_boundary(pending, chunk_rows)
                        if boundary is None:
                            break
                        chunk, pending = bytes(pending[:boundary]), pending[boundary:]
                        lines = pending.count(b"\n")
                        frame = _parse(source, header + chunk, require_label)
                        n_rows += len(frame)
                        yield TableRead(frame, _row_keys(frame), source)
                if pending.strip():
                    frame = _parse(source, header + pending, require_label)
                    n_rows += len(frame)
                    yield TableRead(frame, _row_keys(frame), source)
    if n_rows == 0:
        raise ContractError(source, "non_empty", detail="the table has no rows")


def _row_boundary(data: bytearray, rows: int) -> int | None:
    """Offset just after the ``rows``-th row of CSV ``data`` (``None``: not that many yet)."""
    quotes, pos, found = 0, 0, 0
    while found < rows:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return None
        quotes += data.count(b'"', pos, nl)
        pos = nl + 1
        if quotes % 2 == 0:
            found += 1
    return pos


@contextmanager
def _read_errors(source: str) -> Iterator[None]:
    """Turn the server's answer to a read of the snapshot table into one user-facing error."""
    import psycopg

    try:
        yield
    except psycopg.errors.UndefinedTable:
        raise ContractError(
            source, "table_exists", detail=f"no table {QUALIFIED_TABLE}; see `data load`"
        ) from None
    except psycopg.errors.UndefinedColumn as exc:
        missing = _quoted(exc)
        raise ContractError(
            source,
            "required_column",
            column=missing,
            detail=f"the table has no column {missing}",
        ) from None
    except psycopg.Error as exc:
        raise UserError(f"{source}: cannot read: {error_line(exc)}") from None


def _quoted(exc: Exception) -> str | None:
    found = re.search(r'column "?([a-z_0-9.]+)"?', str(exc))
    return found.group(1).rsplit(".", 1)[-1] if found else None


def locate(error: ContractError, read: TableRead) -> ContractError:
    """Re-express a validation error on rows of ``read`` with table keys and column names.

    The validation names rows by file line (data row ``i`` is line ``i + 2``); a table has no
    lines, so each is replaced by the row's key and the column by its PostgreSQL name.
    """
    keys = [read.keys[line - 2] for line in error.rows if 2 <= line < len(read.keys) + 2]
    column = error.column
    if column in _BY_CONTRACT:
        column = _BY_CONTRACT[column].name
    return ContractError(
        read.source,
        error.rule,
        column=column,
        keys=keys,
        n_failed=error.n_failed,
        detail=error.detail,
    )


def _copy_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as Python values of the columns' SQL types (None for a missing value)."""
    import pandas as pd

    columns: list[list[Any]] = []
    for col in TABLE_COLUMNS:
        if col.contract_name not in frame.columns:
            continue
        values = frame[col.contract_name]
        kind = contract.BY_NAME[col.contract_name].kind
        out: list[Any]
        if kind in ("int", "binary"):  # nullable ints arrive as whole floats with NaN
            out = [None if pd.isna(v) else int(v) for v in values]
        elif kind == "float":
            out = [None if pd.isna(v) else float(v) for v in values]
        elif kind == "date":
            out = [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]
        else:
            out = [None if pd.isna(v) else str(v) for v in values]
        columns.append(out)
    return list(zip(*columns, strict=True))


def load_frame(
    url: str, frame: pd.DataFrame, *, replace: bool = False, grant_read: str | None = None
) -> int:
    """Load validated contract rows into the snapshot table, all or nothing.

    Args:
        url: The CRM database (a role allowed to create the schema and write the table).
        frame: Rows as [`bankchurn.validation.validate_frame`][bankchurn.validation.validate_frame]
            returns them (contract
            names; ``RowNumber`` is not stored).
        replace: Empty the table first (in the same transaction).
        grant_read: Role to give read-only access ([`grant_read_sql`][bankchurn.crm_db.grant_read_sql]).

    Returns:
        Number of rows loaded.

    Raises:
        UserError: Connection refused, or a row repeats a (customer, month) already stored.
    """
    import psycopg

    names = [c.name for c in TABLE_COLUMNS if c.contract_name in frame.columns]
    rows = _copy_rows(frame)
    with connect(url, read_only=False) as conn, conn.cursor() as cur:
        try:
            cur.execute(create_table_sql())
            if grant_read:
                cur.execute(grant_read_sql(grant_read))
            if replace:
                cur.execute(f"TRUNCATE {QUALIFIED_TABLE}")
            with cur.copy(f"COPY {QUALIFIED_TABLE} ({', '.join(names)}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        except psycopg.errors.UniqueViolation:
            raise UserError(
                f"{table_source(url)}: rows for the same customer and month are already "
                "stored; use --replace to reload the table"
            ) from None
        except psycopg.Error as exc:
            raise UserError(f"{table_source(url)}: cannot load: {error_line(exc)}") from None
    return len(rows)
