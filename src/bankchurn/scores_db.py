"""The daily scores in the CRM database: the ``scores`` table, its latest-run view, the writer.

``bankchurn predict --output postgresql://...`` writes one row per customer and run date into
[`QUALIFIED_TABLE`][bankchurn.scores_db.QUALIFIED_TABLE], keyed by ``(run_date, customer_key)`` (the pseudonymous
``CustomerKey``: never ``CustomerId``), with the model version, the calibrated probability, the
risk band and, when the run was asked to explain (``--explain``), the three largest reasons in
words (``reason_1`` .. ``reason_3``; NULL otherwise). `QUALIFIED_VIEW` shows the latest run
only: it is what the BI dashboard (the retention team's list) reads.

A run replaces its date's rows in ONE transaction (delete that date, then stream the new rows
with ``COPY ... FROM STDIN``): until it commits, readers see the previous rows of that date; if it
fails or is killed, the server rolls it back. There is never a half-written run nor a customer
twice in a run (the primary key refuses it, and the whole run with it).

The connection, the URL forms and the credential-free display of a URL are the CRM source's
(`bankchurn.crm_db`); the table lives in its own schema so that the scoring job's role
writes there and only reads the CRM's snapshot table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from bankchurn import contract
from bankchurn.business import RISK_BANDS
from bankchurn.crm_db import connect, display_url, error_line
from bankchurn.errors import UserError
from bankchurn.explain import REASON_COLUMNS
from bankchurn.interrupts import raise_if_pending

SCHEMA = "churn"
TABLE = "scores"
VIEW = "latest_scores"
QUALIFIED_TABLE = f"{SCHEMA}.{TABLE}"
QUALIFIED_VIEW = f"{SCHEMA}.{VIEW}"
#: Scored frame column -> table column, in table order after ``run_date``.
COLUMNS: dict[str, str] = {
    contract.CUSTOMER_KEY: "customer_key",
    "model_version": "model_version",
    "churn_probability": "churn_probability",
    "risk_band": "risk_band",
}


def create_sql() -> str:
    """DDL of the table and the view (idempotent; brings a table of an earlier release up to date)."""
    bands = ", ".join(f"'{name}'" for name, _ in RISK_BANDS)
    table = (
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};\n"
        f"CREATE TABLE IF NOT EXISTS {QUALIFIED_TABLE} (\n"
        "    run_date date NOT NULL,\n"
        "    customer_key text NOT NULL,\n"
        "    model_version text NOT NULL,\n"
        "    churn_probability double precision NOT NULL\n"
        "        CHECK (churn_probability BETWEEN 0 AND 1),\n"
        f"    risk_band text NOT NULL CHECK (risk_band IN ({bands})),\n"
        "    scored_at timestamptz NOT NULL DEFAULT now(),\n"
        "    PRIMARY KEY (run_date, customer_key)\n"
        ");\n"
    )
    # Columns added after the first release come last, in new tables and in older ones alike.
    added = "".join(
        f"ALTER TABLE {QUALIFIED_TABLE} ADD COLUMN IF NOT EXISTS {column} text;\n"
        for column in REASON_COLUMNS
    )
    view = (
        f"CREATE OR REPLACE VIEW {QUALIFIED_VIEW} AS\n"
        f"    SELECT * FROM {QUALIFIED_TABLE}\n"
        f"    WHERE run_date = (SELECT max(run_date) FROM {QUALIFIED_TABLE});"
    )
    return table + added + view


def table_name(url: str) -> str:
    """How the scores table is named in messages: ``URL table churn.scores``."""
    return f"{display_url(url)} table {QUALIFIED_TABLE}"


def write_run(
    url: str,
    run_date: dt.date,
    model_version: str,
    frames: Iterable[pd.DataFrame],
    with_reasons: bool = False,
) -> int:
    """Replace ``run_date``'s rows with the scored ``frames``, all or nothing.

    Args:
        url: The CRM database (a role that may create the schema and write the table).
        run_date: The run's date (the key's first part).
        model_version: Version of the artifact that scored.
        frames: Scored chunks (``CustomerKey``, ``churn_probability``, ``risk_band``), consumed
            one at a time while the transaction is open: memory stays bounded by one chunk.
        with_reasons: The frames also hold ``reason_1`` .. ``reason_3`` (``--explain``).

    Returns:
        Rows written.

    Raises:
        UserError: Connection refused, a customer twice in the run, or any database error
            (the transaction is rolled back: the date keeps its previous rows).
        ContractError: Raised by ``frames`` (validation); rolled back likewise.
    """
    import psycopg

    names = ["run_date", *COLUMNS.values(), *(REASON_COLUMNS if with_reasons else ())]
    n_rows = 0
    try:
        with connect(url, read_only=False) as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute(create_sql())
            cur.execute(f"DELETE FROM {QUALIFIED_TABLE} WHERE run_date = %s", (run_date,))
            with cur.copy(f"COPY {QUALIFIED_TABLE} ({', '.join(names)}) FROM STDIN") as cp:
                for frame in frames:
                    for row in _rows(frame, run_date, model_version, with_reasons):
                        cp.write_row(row)
                    n_rows += len(frame)
            raise_if_pending()  # a stop signal swallowed in a callback: roll back, commit nothing
    except psycopg.errors.UniqueViolation:
        raise UserError(
            f"{table_name(url)}: a customer appears twice in the run of {run_date.isoformat()} "
            "(customer_key repeats); nothing was written"
        ) from None
    except psycopg.Error as exc:
        raise UserError(f"{table_name(url)}: cannot write: {error_line(exc)}") from None
    return n_rows


def _rows(
    frame: pd.DataFrame, run_date: dt.date, model_version: str, with_reasons: bool
) -> Iterable[tuple[Any, ...]]:
    keys = frame[contract.CUSTOMER_KEY].astype(str).tolist()
    probs = frame["churn_probability"].astype(float).tolist()
    bands = frame["risk_band"].astype(str).tolist()
    reasons = [frame[c].tolist() for c in REASON_COLUMNS] if with_reasons else []
    for i, (key, p, band) in enumerate(zip(keys, probs, bands, strict=True)):
        yield (run_date, key, model_version, p, band, *(column[i] for column in reasons))
