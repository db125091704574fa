"""Batch scoring of a CRM extract CSV in bounded memory.

The file is read in chunks by the one CSV reader
([`bankchurn.io.iter_csv_chunks`][bankchurn.io.iter_csv_chunks]); each chunk goes through the one
contract validator
([`bankchurn.validation.ContractValidator`][bankchurn.validation.ContractValidator], the label
``Exited`` may be absent) and the same pseudonymisation as
[`bankchurn.ingest.load_extract`][bankchurn.ingest.load_extract], is scored by the artifact's
calibrated pipeline, and is written through the one atomic writer
([`bankchurn.atomic.atomic_writer`][bankchurn.atomic.atomic_writer]). The whole-file rules (at most
1% missing per nullable column, ``CustomerId`` unique across chunks) are checked before the output
is put in place, so ``predict`` accepts and rejects exactly the files ``data validate`` does,
wherever the chunks end, and a rejected file leaves nothing behind. The output holds ``CustomerKey``
(the keyed hash), ``churn_probability`` and ``risk_band``: never ``CustomerId`` or ``Surname``.
With ``explain_scores`` it adds ``reason_1`` .. ``reason_3``, the three largest TreeSHAP
contributions of each customer in words ([`top_reasons`][bankchurn.explain.top_reasons]).
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from bankchurn import contract, explain
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
#: Extra columns of ``--explain``: the largest contributions of each customer, in words.
REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{i + 1}" for i in range(explain.N_REASONS))


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
        for i, column in enumerate(REASON_COLUMNS):
            out[column] = [r[i] for r in reasons]
    return out


def score_chunk(
    artifact: ModelArtifact,
    chunk: pd.DataFrame,
    source: str,
    key: bytes,
    explain_scores: bool = False,
) -> pd.DataFrame:
    """Validate (as a whole file), pseudonymise and score one frame of customers."""
    validator = ContractValidator(source, require_label=False)
    valid = validator.check(chunk)
    validator.finish()
    return _score(artifact, valid, key, explain_scores)


def score_database(
    artifact: ModelArtifact,
    url: str,
    output_path: str | Path,
    key: bytes | None = None,
    explain_scores: bool = False,
) -> dict[str, Any]:
    """Score every row of the CRM snapshot table into ``output_path`` (atomic, all or nothing).

    The rows get the validation and pseudonymisation of
    [`bankchurn.ingest.read_validated`][bankchurn.ingest.read_validated]
    (the label is not read: current customers have none yet).

    Returns:
        ``n_rows``, ``n_chunks`` (1) and the count of each risk band.

    Raises:
        ContractError: When a row breaks the contract (nothing is written).
        UserError: No secret pseudonymisation key is set (see
            [`bankchurn.privacy.key_for`][bankchurn.privacy.key_for]).
    """
    from bankchurn import crm_db
    from bankchurn.atomic import atomic_write_bytes
    from bankchurn.ingest import read_validated

    secret = key if key is not None else key_for(crm_db.QUALIFIED_TABLE)
    valid, _ = read_validated(url, require_label=False)
    scored = _score(artifact, valid, secret, explain_scores)
    atomic_write_bytes(output_path, scored.to_csv(index=False, lineterminator="\n").encode())
    bands = {name: 0 for name in ("low", "medium", "high")}
    for name, count in scored["risk_band"].value_counts().items():
        bands[str(name)] += int(count)
    return {"n_rows": len(scored), "n_chunks": 1, "risk_bands": bands}


def score_csv(
    artifact: ModelArtifact,
    input_path: str | Path,
    output_path: str | Path,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
    key: bytes | None = None,
    explain_scores: bool = False,
) -> dict[str, Any]:
    """Score every row of ``input_path`` into ``output_path`` (atomic; see module docstring).

    With ``explain_scores`` the output also holds ``reason_1`` .. ``reason_3``.

    Returns:
        ``n_rows``, ``n_chunks`` and the count of each risk band.

    Raises:
        ContractError: When the input breaks the contract (nothing is written).
    """
    src = Path(input_path)
    # Fail on the input's first lines (or a refused key) before the output is touched.
    chunks = iter_csv_chunks(src, chunk_size, require_label=False)
    first = next(chunks)
    secret = key if key is not None else key_for(str(src))
    validator = ContractValidator(str(src), require_label=False)
    n_rows = n_chunks = 0
    bands = {name: 0 for name in ("low", "medium", "high")}
    with (
        atomic_writer(output_path, text=True) as out,
        tqdm(
            total=_count_rows(src) or None,
            unit="rows",
            desc="scoring",
            file=sys.stderr,
            disable=not progress,
            leave=False,
        ) as bar,
    ):
        for chunk in itertools.chain([first], chunks):
            raise_if_pending()  # a stop signal swallowed in a callback: stop at the next chunk
            scored = _score(artifact, validator.check(chunk), secret, explain_scores)
            scored.to_csv(out, header=n_chunks == 0, index=False, lineterminator="\n")
            for name, count in scored["risk_band"].value_counts().items():
                bands[str(name)] += int(count)
            n_rows += len(scored)
            n_chunks += 1
            bar.update(len(scored))
        validator.finish()  # the whole-file rules, before the output is put in place
    return {"n_rows": n_rows, "n_chunks": n_chunks, "risk_bands": bands}


def score_database_into_database(
    artifact: ModelArtifact,
    source: str,
    target: str,
    run_date: dt.date,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
    key: bytes | None = None,
    explain_scores: bool = False,
) -> dict[str, Any]:
    """The daily batch: stream the CRM snapshot table, score it, replace ``run_date``'s scores.

    With ``explain_scores`` each row also gets ``REASON_COLUMNS``.

    Reads ``source`` in chunks ([`iter_table`][bankchurn.crm_db.iter_table]), validates, pseudonymises
    and scores each like a CSV chunk, and streams the scores into the ``scores`` table of
    ``target`` in one transaction ([`write_run`][bankchurn.scores_db.write_run]): memory is bounded
    by one chunk, and a run that fails or is killed leaves the date's previous rows in place.

    Returns:
        ``n_rows``, ``n_chunks`` and the count of each risk band.

    Raises:
        ContractError: A row breaks the contract (named by its table key; nothing written).
        UserError: A database cannot be reached, or refuses the write.
    """
    from bankchurn import crm_db, scores_db

    secret = key if key is not None else key_for(crm_db.QUALIFIED_TABLE)
    stats: dict[str, Any] = {
        "n_rows": 0,
        "n_chunks": 0,
        "risk_bands": {name: 0 for name in ("low", "medium", "high")},
    }

    def scored() -> Iterator[pd.DataFrame]:
        validator: ContractValidator | None = None
        with tqdm(
            unit="rows", desc="scoring", file=sys.stderr, disable=not progress, leave=False
        ) as bar:
            for read in crm_db.iter_table(source, chunk_size, require_label=False):
                raise_if_pending()  # a stop signal swallowed in a callback: stop here
                # One validator over every chunk: the whole-table verdict, wherever chunks end.
                validator = validator or ContractValidator(read.source, require_label=False)
                try:
                    valid = validator.check(read.frame)
                    frame = _score(artifact, valid, secret, explain_scores)
                except ContractError as exc:
                    raise crm_db.locate(exc, read) from None
                for name, count in frame["risk_band"].value_counts().items():
                    stats["risk_bands"][str(name)] += int(count)
                stats["n_rows"] += len(frame)
                stats["n_chunks"] += 1
                bar.update(len(frame))
                yield frame
        if validator is None:
            raise ContractError(crm_db.QUALIFIED_TABLE, "non_empty", detail="the table has no rows")
        try:
            validator.finish()  # before the transaction commits: the whole-table rules
        except ContractError as exc:  # a column-level rule: a table has no lines to name
            raise ContractError(
                validator.source,
                exc.rule,
                column=exc.column,
                n_failed=exc.n_failed,
                detail=exc.detail,
            ) from None

    version = str(artifact.metadata.get("model_version") or "unversioned")
    scores_db.write_run(target, run_date, version, scored(), with_reasons=explain_scores)
    return stats
