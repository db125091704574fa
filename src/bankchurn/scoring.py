"""Batch scoring of a CRM extract CSV in bounded memory.

The file is read in chunks (pandas ``chunksize``); each chunk goes through the same contract
validation and pseudonymisation as [`bankchurn.ingest.load_extract`][bankchurn.ingest.load_extract]
(the label ``Exited``
may be absent), is scored by the artifact's calibrated pipeline, and is appended to a
temporary file beside the output, renamed into place only when every chunk succeeded. A
rejected file therefore leaves nothing behind. The output holds ``CustomerKey`` (the keyed
hash), ``churn_probability`` and ``risk_band``: never ``CustomerId`` or ``Surname``. With
``explain_scores`` it adds ``reason_1`` .. ``reason_3``, the three largest TreeSHAP contributions
of each customer in words ([`top_reasons`][bankchurn.explain.top_reasons]).

Differences from whole-file ingestion, by design: the "at most 1 % missing" rule of nullable
columns is checked per chunk, and ``CustomerId`` uniqueness across chunks is checked on the
ids seen so far (8 bytes per row).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from bankchurn import contract, explain
from bankchurn.artifacts import ModelArtifact, predict_proba
from bankchurn.business import risk_bands
from bankchurn.errors import ContractError
from bankchurn.io import NUMERIC_NA, check_header
from bankchurn.privacy import pseudonym_key, pseudonymise
from bankchurn.validation import validate_frame

#: Rows per chunk by default: bounds the memory of a scoring run (peak: Benchmarks page).
DEFAULT_CHUNK_SIZE = 50_000
OUTPUT_COLUMNS: tuple[str, ...] = (contract.CUSTOMER_KEY, "churn_probability", "risk_band")
#: Extra columns of ``--explain``: the largest contributions of each customer, in words.
REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{i + 1}" for i in range(explain.N_REASONS))


def _header(path: Path) -> list[str]:
    shown = str(path)
    if not path.is_file():
        raise ContractError(shown, "file_exists", detail="no such file")
    with path.open("rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise ContractError(shown, "non_empty", detail="the file is empty")
    try:
        line = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ContractError(
            shown,
            "encoding(utf-8)",
            rows=[1],
            n_failed=1,
            detail="the header is not UTF-8; save the file as UTF-8",
        ) from None
    header = [h.strip() for h in next(csv.reader([line]))]
    check_header(shown, header, require_label=False)  # same rules as ingestion, label optional
    return header


def _count_rows(path: Path) -> int:
    """Data rows (newlines after the header), counted in 1 MiB blocks."""
    n = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
    return max(0, n - 1)


def _chunks(path: Path, header: list[str], chunk_size: int) -> Iterator[pd.DataFrame]:
    na_values = {
        c: (list(NUMERIC_NA) if contract.BY_NAME[c].kind not in ("text", "category") else [""])
        for c in header
    }
    dtype = {c: str for c in header if contract.BY_NAME[c].kind in ("text", "category", "date")}
    reader = None
    try:
        # The parser reads its first block on construction, so that is inside the try too.
        reader = pd.read_csv(
            path,
            sep=",",
            dtype=dtype,
            keep_default_na=False,
            na_values=na_values,
            chunksize=chunk_size,
            encoding="utf-8-sig",
            skip_blank_lines=False,
        )
        yield from reader
    except UnicodeDecodeError as exc:
        raise ContractError(
            str(path), "encoding(utf-8)", detail=f"byte 0x{exc.object[exc.start]:02x} is not UTF-8"
        ) from None
    except pd.errors.ParserError as exc:
        raise ContractError(str(path), "field_count", detail=str(exc).strip()) from None
    finally:
        if reader is not None:
            reader.close()


def score_chunk(
    artifact: ModelArtifact,
    chunk: pd.DataFrame,
    source: str,
    key: bytes,
    explain_scores: bool = False,
) -> pd.DataFrame:
    """Validate, pseudonymise and score one chunk (index = 0-based data row of the file)."""
    valid = validate_frame(chunk, source, require_label=False)
    return _scores(artifact, pseudonymise(valid, key), explain_scores)


def _scores(
    artifact: ModelArtifact, frame: pd.DataFrame, explain_scores: bool = False
) -> pd.DataFrame:
    """The output rows of pseudonymised, validated customers (plus reasons when asked)."""
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
    """
    from bankchurn.ingest import read_validated
    from bankchurn.io import atomic_write_bytes

    valid, _ = read_validated(url, require_label=False)
    frame = pseudonymise(valid, key if key is not None else pseudonym_key())
    scored = _scores(artifact, frame, explain_scores)
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

    With ``explain_scores`` the output also holds
    [`REASON_COLUMNS`][bankchurn.scoring.REASON_COLUMNS].

    Returns:
        ``n_rows``, ``n_chunks`` and the count of each risk band.

    Raises:
        ContractError: When the input breaks the contract (nothing is written).
    """
    src, dest = Path(input_path), Path(output_path)
    header = _header(src)
    secret = key if key is not None else pseudonym_key()
    total = _count_rows(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    seen: list[np.ndarray] = []
    n_rows = n_chunks = 0
    bands = {name: 0 for name in ("low", "medium", "high")}
    try:
        with (
            os.fdopen(fd, "w", encoding="utf-8", newline="") as out,
            tqdm(
                total=total or None,
                unit="rows",
                desc="scoring",
                file=sys.stderr,
                disable=not progress,
                leave=False,
            ) as bar,
        ):
            for chunk in _chunks(src, header, chunk_size):
                ids = pd.to_numeric(chunk[contract.CUSTOMER_ID], errors="coerce").to_numpy()
                if seen:
                    dup = np.isin(ids, np.concatenate(seen))
                    if dup.any():
                        rows = [int(i) + 2 for i in chunk.index[dup][:5]]
                        raise ContractError(
                            str(src),
                            "unique",
                            column=contract.CUSTOMER_ID,
                            rows=rows,
                            n_failed=int(dup.sum()),
                            detail="CustomerId repeats an earlier row",
                        )
                scored = score_chunk(artifact, chunk, str(src), secret, explain_scores)
                seen.append(ids.astype("float64"))
                scored.to_csv(out, header=n_chunks == 0, index=False, lineterminator="\n")
                for name, count in scored["risk_band"].value_counts().items():
                    bands[str(name)] += int(count)
                n_rows += len(scored)
                n_chunks += 1
                bar.update(len(scored))
        if n_rows == 0:
            raise ContractError(str(src), "non_empty", rows=[1], detail="header only, no data rows")
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"n_rows": n_rows, "n_chunks": n_chunks, "risk_bands": bands}


def score_database_into_database(
    artifact: ModelArtifact,
    source: str,
    target: str,
    run_date: dt.date,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
    key: bytes | None = None,
) -> dict[str, Any]:
    """The daily batch: stream the CRM snapshot table, score it, replace ``run_date``'s scores.

    Reads ``source`` in chunks (:func:`bankchurn.crm_db.iter_table`), validates, pseudonymises
    and scores each like a CSV chunk, and streams the scores into the ``scores`` table of
    ``target`` in one transaction (:func:`bankchurn.scores_db.write_run`): memory is bounded
    by one chunk, and a run that fails or is killed leaves the date's previous rows in place.

    Returns:
        ``n_rows``, ``n_chunks`` and the count of each risk band.

    Raises:
        ContractError: A row breaks the contract (named by its table key; nothing written).
        UserError: A database cannot be reached, or refuses the write.
    """
    from bankchurn import crm_db, scores_db

    secret = key if key is not None else pseudonym_key()
    stats: dict[str, Any] = {
        "n_rows": 0,
        "n_chunks": 0,
        "risk_bands": {name: 0 for name in ("low", "medium", "high")},
    }

    def scored() -> Iterator[pd.DataFrame]:
        with tqdm(
            unit="rows", desc="scoring", file=sys.stderr, disable=not progress, leave=False
        ) as bar:
            for read in crm_db.iter_table(source, chunk_size, require_label=False):
                try:
                    frame = score_chunk(artifact, read.frame, read.source, secret)
                except ContractError as exc:
                    raise crm_db.locate(exc, read) from None
                for name, count in frame["risk_band"].value_counts().items():
                    stats["risk_bands"][str(name)] += int(count)
                stats["n_rows"] += len(frame)
                stats["n_chunks"] += 1
                bar.update(len(frame))
                yield frame

    version = str(artifact.metadata.get("model_version") or "unversioned")
    scores_db.write_run(target, run_date, version, scored())
    return stats
