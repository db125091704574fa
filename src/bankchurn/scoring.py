"""Batch scoring of a CRM extract (CSV file or the CRM table) in bounded memory.

One stream, whatever the source and destination (``bankchurn predict``): the source is read in
chunks, by the one CSV reader ([`bankchurn.io.iter_csv_chunks`][bankchurn.io.iter_csv_chunks]) or
the table reader ([`bankchurn.crm_db.iter_table`][bankchurn.crm_db.iter_table], one ``COPY ... TO
STDOUT``); each chunk goes through the one contract validator
([`bankchurn.validation.ContractValidator`][bankchurn.validation.ContractValidator], the label
``Exited`` may be absent) and the same pseudonymisation as
[`bankchurn.ingest.load_extract`][bankchurn.ingest.load_extract], and is scored by the artifact's
calibrated pipeline. The scores go to a CSV file through the one atomic writer
([`bankchurn.atomic.atomic_writer`][bankchurn.atomic.atomic_writer]), or into the CRM's
``churn.scores`` table in one transaction ([`bankchurn.scores_db.write_run`][bankchurn.scores_db.write_run]).
Memory is bounded by one chunk (plus the ids seen, for the uniqueness rule).

The whole-source rules (at most 1% missing per nullable column, ``CustomerId`` unique across
chunks) are checked before the output is put in place or the transaction commits, so ``predict``
accepts and rejects exactly the sources ``data validate`` does, wherever the chunks end, and a
rejected source leaves nothing behind. A bad row of the table is named by its key, a bad row of a
file by its line. The output holds ``CustomerKey`` (the keyed hash), ``churn_probability`` and
``risk_band``: never ``CustomerId`` or ``Surname``. With ``explain_scores`` it adds ``reason_1`` ..
``reason_3``, the three largest TreeSHAP contributions of each customer in words
([`top_reasons`][bankchurn.explain.top_reasons]).
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from bankchurn import contract, crm_db, explain, scores_db
from bankchurn.artifacts import ModelArtifact, predict_proba
from bankchurn.atomic import atomic_writer
from bankchurn.business import risk_bands
from bankchurn.errors import ContractError
from bankchurn.interrupts import raise_if_pending
from bankchurn.io import iter_csv_chunks
from bankchurn.privacy import key_for, pseudonymise
from bankchurn.validation import ContractValidator

#: Rows per chunk by default: bounds the memory of a scoring run (peak: Benchmarks page).
DEFAULT_CHUNK_SIZE = 50_000
OUTPUT_COLUMNS: tuple[str, ...] = (contract.CUSTOMER_KEY, "churn_probability", "risk_band")


def _count_rows(path: Path) -> int:
    """Data rows (newlines after the header), counted in 1 MiB blocks."""
    n = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
    return max(0, n - 1)


def _score(
    artifact: ModelArtifact, valid: pd.DataFrame, key: bytes, explain_scores: bool = False
) -> pd.DataFrame:
    """The output rows of validated customers, pseudonymised (plus reasons when asked)."""
    frame = pseudonymise(valid, key)
    p = predict_proba(artifact, frame)
    out = pd.DataFrame(
        {
            contract.CUSTOMER_KEY: frame[contract.CUSTOMER_KEY].to_numpy(),
            "churn_probability": np.round(p, 6),
            "risk_band": risk_bands(p),
        }
    )
    if explain_scores:
        features = frame.loc[:, list(contract.FEATURES)]
        reasons = explain.top_reasons(explain.explain(artifact.pipeline, features))
        for i, column in enumerate(explain.REASON_COLUMNS):
            out[column] = [r[i] for r in reasons]
    return out


def _unchanged(exc: ContractError) -> ContractError:
    return exc


@dataclass
class _Chunk:
    """Raw rows of the source and how an error on them is named (file line or table key)."""

    frame: pd.DataFrame
    locate: Callable[[ContractError], ContractError]


@dataclass
class _Source:
    """A source of customers to score, read in chunks.

    Attributes:
        name: The source as named in messages (the file path, or ``URL table crm...``).
        key_source: What the pseudonymisation key is asked for (``key_for``).
        chunks: The raw chunks, read on demand.
        total: Rows to expect (progress bar), when cheap to know.
        whole: How a whole-source error (no row to point at) is named.
    """

    name: str
    key_source: str
    chunks: Iterator[_Chunk]
    total: int | None = None
    whole: Callable[[ContractError], ContractError] = _unchanged


def _whole_table(exc: ContractError) -> ContractError:
    """A whole-table rule (share of missing values) names the table and its column, no rows.

    The rows the validator noted are chunk positions, meaningless once their chunk is gone.
    """
    column = crm_db.db_column(exc.column) if exc.column else None
    return ContractError(
        exc.path, exc.rule, column=column, n_failed=exc.n_failed, detail=exc.detail
    )


def _open_source(source: str | Path, chunk_size: int) -> _Source:
    """The chunks of a CSV file (rows named by line) or of the CRM table (rows named by key)."""
    if crm_db.is_database_url(source):
        url = str(source)
        reads = crm_db.iter_table(url, chunk_size, require_label=False)
        return _Source(
            name=crm_db.table_source(url),
            key_source=crm_db.QUALIFIED_TABLE,
            chunks=(_Chunk(r.frame, functools.partial(crm_db.locate, read=r)) for r in reads),
            whole=_whole_table,
        )
    path = Path(source)
    frames = iter_csv_chunks(path, chunk_size, require_label=False)
    return _Source(
        name=str(path),
        key_source=str(path),
        chunks=(_Chunk(frame, _unchanged) for frame in frames),
        total=_count_rows(path) if path.is_file() else None,
    )


@dataclass
class _Stats:
    n_rows: int = 0
    n_chunks: int = 0
    risk_bands: dict[str, int] = field(
        default_factory=lambda: {name: 0 for name in ("low", "medium", "high")}
    )

    def add(self, scored: pd.DataFrame) -> None:
        for name, count in scored["risk_band"].value_counts().items():
            self.risk_bands[str(name)] += int(count)
        self.n_rows += len(scored)
        self.n_chunks += 1

    def as_dict(self) -> dict[str, Any]:
        return {"n_rows": self.n_rows, "n_chunks": self.n_chunks, "risk_bands": self.risk_bands}


def _scored(
    artifact: ModelArtifact,
    source: _Source,
    first: _Chunk,
    secret: bytes,
    explain_scores: bool,
    progress: bool | None,
    stats: _Stats,
) -> Iterator[pd.DataFrame]:
    """Validate, pseudonymise and score every chunk; the whole-source rules after the last one.

    One validator sees every chunk, so the verdict is the whole source's, wherever chunks end;
    its whole-source rules raise before the caller commits its output.
    """
    validator = ContractValidator(source.name, require_label=False)
    with tqdm(
        total=source.total or None,
        unit="rows",
        desc="scoring",
        file=sys.stderr,
        # None: tqdm draws only on a terminal, so a scheduled job's log holds no redrawn bars
        disable=None if progress is None else not progress,
        leave=False,
    ) as bar:
        chunk: _Chunk | None = first
        while chunk is not None:
            raise_if_pending()  # a stop signal swallowed in a callback: stop at the next chunk
            try:
                valid = validator.check(chunk.frame)
            except ContractError as exc:
                raise chunk.locate(exc) from None
            scored = _score(artifact, valid, secret, explain_scores)
            stats.add(scored)
            bar.update(len(scored))
            yield scored
            chunk = next(source.chunks, None)
    try:
        validator.finish()
    except ContractError as exc:
        raise source.whole(exc) from None


def _start(source: str | Path, chunk_size: int, key: bytes | None) -> tuple[_Source, _Chunk, bytes]:
    """Open the source and read its first chunk: its defects fail before any output is touched."""
    opened = _open_source(source, chunk_size)
    first = next(opened.chunks)  # a reader raises on an empty source: never StopIteration
    secret = key if key is not None else key_for(opened.key_source)
    return opened, first, secret


def score_to_csv(
    artifact: ModelArtifact,
    source: str | Path,
    output_path: str | Path,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool | None = None,
    key: bytes | None = None,
    explain_scores: bool = False,
) -> dict[str, Any]:
    """Score every row of a CSV file or of the CRM table into the CSV ``output_path``.

    Streams chunk by chunk; the file is put in place only when every row passed (atomic).

    Args:
        artifact: The model.
        source: CSV path, or ``postgresql://`` URL of the CRM (its snapshot table).
        output_path: CSV to write (``OUTPUT_COLUMNS``, plus
            `bankchurn.explain.REASON_COLUMNS` when explained).
        chunk_size: Rows per chunk (bounds memory).
        progress: Progress bar on stderr; None draws it only when stderr is a terminal.
        key: Pseudonymisation key (default: the configured secret, see
            [`bankchurn.privacy.key_for`][bankchurn.privacy.key_for]).
        explain_scores: Add the three largest reasons in words.

    Returns:
        ``n_rows``, ``n_chunks`` and the count of each risk band.

    Raises:
        ContractError: The source breaks the contract (nothing is written).
        UserError: The database cannot be reached, or no secret key is set.
        OutputError: The output cannot be written.
    """
    opened, first, secret = _start(source, chunk_size, key)
    stats = _Stats()
    with atomic_writer(output_path, text=True) as out:
        for scored in _scored(artifact, opened, first, secret, explain_scores, progress, stats):
            scored.to_csv(out, header=stats.n_chunks == 1, index=False, lineterminator="\n")
    return stats.as_dict()


def score_to_database(
    artifact: ModelArtifact,
    source: str,
    target: str,
    run_date: dt.date,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool | None = None,
    key: bytes | None = None,
    explain_scores: bool = False,
) -> dict[str, Any]:
    """The daily batch: score the CRM snapshot table (or an extract), replace ``run_date``'s scores.

    The scores stream into the ``churn.scores`` table of ``target`` in one transaction
    ([`write_run`][bankchurn.scores_db.write_run]) while the table is read: memory is bounded by
    one chunk, and a run that fails (a bad row, a whole-table rule) or is killed leaves the
    date's previous rows in place.

    Args:
        artifact: The model.
        source: ``postgresql://`` URL of the CRM (its snapshot table), or a CSV extract of it
            (pseudonymised with the same key, so its customer keys are the table's).
        target: ``postgresql://`` URL of the database holding ``churn.scores``.
        run_date: The run's date (its rows are replaced).
        chunk_size: Rows per chunk (bounds memory).
        progress: Progress bar on stderr; None draws it only when stderr is a terminal.
        key: Pseudonymisation key (default: the configured secret).
        explain_scores: Also store `bankchurn.explain.REASON_COLUMNS`.

    Returns:
        ``n_rows``, ``n_chunks`` and the count of each risk band.

    Raises:
        ContractError: A row breaks the contract (named by its table key; nothing written).
        UserError: A database cannot be reached, or refuses the write.
    """
    opened, first, secret = _start(source, chunk_size, key)
    stats = _Stats()
    frames = _scored(artifact, opened, first, secret, explain_scores, progress, stats)
    version = str(artifact.metadata.get("model_version") or "unversioned")
    scores_db.write_run(target, run_date, version, frames, with_reasons=explain_scores)
    return stats.as_dict()
