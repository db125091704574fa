"""Ingestion: the one way data enters the package.

[`load_extract`][bankchurn.ingest.load_extract] reads a user's CSV (or, with no path, generates the embedded SYNTHETIC
extract in memory), checks it against the data contract and pseudonymises it, always through
the same steps::

    read_csv_checked (file defects) -> validate_frame (contract rules) -> pseudonymise

Defect policy (also shown on the site, see `DEFECT_POLICY`):

* Repaired: missing values in the nullable feature columns (CreditScore, Tenure, Balance,
  HasCrCard, IsActiveMember, EstimatedSalary) when each column misses at most 1% of its
  values. They are NOT filled here: the model pipeline imputes them (fitted on training rows
  only), so training and scoring repair them the same way.
* Rejected (exit code 2, one line naming file, line(s), column, rule and number of failing
  rows, nothing written): everything else. A missing, empty or header-only file; bytes that
  are not UTF-8; a delimiter other than ``,``; a missing, unknown or repeated column; a row
  with the wrong number of fields or a blank line; a value of the wrong type; a value outside
  its declared range or category; a missing value in a non-nullable column (e.g. the label
  ``Exited``); more than 1% missing in a nullable column; a repeated ``CustomerId``; a
  ``SnapshotDate`` that is not a date.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankchurn import contract
from bankchurn.crm_db import is_database_url
from bankchurn.errors import ContractError
from bankchurn.io import read_csv_checked
from bankchurn.privacy import key_for, pseudonymise
from bankchurn.synthetic import SyntheticExtract, generate_extract, to_csv_bytes
from bankchurn.validation import validate_frame

#: The repair/reject policy in a few lines of Markdown, for the site and the notebooks.
DEFECT_POLICY = """\
| Defect | Decision |
|---|---|
| Missing values in a nullable feature (CreditScore, Tenure, Balance, HasCrCard, \
IsActiveMember, EstimatedSalary), at most 1% per column | **Repaired**: imputed inside the \
model pipeline (fitted on training rows only) |
| More than 1% missing in a nullable column; any missing value elsewhere (e.g. the label) | \
**Rejected** |
| Missing, empty or header-only file; non-UTF-8 bytes; delimiter other than `,` | \
**Rejected** |
| Missing, unknown or repeated column; wrong number of fields; blank line | **Rejected** |
| Wrong type, out-of-range value, unknown category, repeated CustomerId, unparsable \
SnapshotDate | **Rejected** |

A rejected file gives one line on stderr naming the file, line(s), column, rule and the \
number of failing rows, exit code 2, and nothing is written."""


#: First line of every synthetic extract file: the contract's columns, in order.
_SYNTHETIC_HEADER = (",".join(c.name for c in contract.COLUMNS) + "\n").encode()


@dataclass(frozen=True)
class Extract:
    """A validated, pseudonymised CRM extract ready for features and models.

    Attributes:
        frame: Contract columns minus ``Surname``; ``CustomerKey`` replaces ``CustomerId``;
            ``SnapshotDate`` (when present) is ``datetime64``.
        true_proba: TRUE churn probabilities aligned to ``frame`` (synthetic data only).
        provenance: Where the data comes from (see [`load_extract`][bankchurn.ingest.load_extract]).
        true_proba_without_gender: The best probabilities a model that may not see ``Gender``
            can reach (synthetic data only; ADR 0006).
        true_proba_without_gender_or_month: The same without the seasonal term: what a model
            that sees neither ``Gender`` nor the snapshot month can reach (synthetic data only).
    """

    frame: pd.DataFrame
    true_proba: np.ndarray | None
    provenance: dict[str, Any] = field(default_factory=dict)
    true_proba_without_gender: np.ndarray | None = None
    true_proba_without_gender_or_month: np.ndarray | None = None

    @property
    def has_snapshots(self) -> bool:
        """Whether the rows carry a ``SnapshotDate`` (enables the temporal split)."""
        return contract.SNAPSHOT in self.frame.columns and bool(
            self.frame[contract.SNAPSHOT].notna().any()
        )


def _snapshot_info(frame: pd.DataFrame) -> dict[str, Any]:
    if contract.SNAPSHOT not in frame.columns:
        return {"snapshot_start": None, "snapshot_end": None, "n_snapshots": None}
    dates = frame[contract.SNAPSHOT]
    return {
        "snapshot_start": dates.min().date().isoformat(),
        "snapshot_end": dates.max().date().isoformat(),
        "n_snapshots": int(dates.nunique()),
    }


def _table_sha256(frame: pd.DataFrame) -> str:
    """The data hash of rows read from the CRM table: that of the same rows as a CSV file.

    The rows are written as ``bankchurn data generate`` writes an extract (integer columns as
    integers, a missing value as an empty field), so a table and a CSV file holding the same
    rows in the same order have the same hash, hence the same model version and the same "is
    this the training data" answer. Only for rows that passed validation.
    """
    out = frame.copy()
    for name in out.columns:
        kind = contract.BY_NAME[name].kind
        if kind in ("int", "binary"):
            out[name] = out[name].astype("Int64")
        elif kind == "float":
            out[name] = out[name].astype("float64")
    return hashlib.sha256(to_csv_bytes(out)).hexdigest()


def read_validated(
    source: str | Path, *, require_label: bool = True
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a CSV file or the CRM table and check it against the contract (not pseudonymised).

    Both sources go through the same parser and the same validation; a bad row of the table is
    named by its key instead of a line ([`bankchurn.crm_db.locate`][bankchurn.crm_db.locate]).

    Args:
        source: CSV path or ``postgresql://`` URL.
        require_label: Whether the label column must be present (not when scoring).

    Returns:
        The validated frame and its provenance: ``source`` (``"file"`` or ``"postgresql"``),
        ``synthetic`` (False), ``sha256`` of the file's bytes (of a table: of its rows written
        as a CSV file), and ``file`` (file name only,
        never the full path) or ``table`` (schema-qualified name; never the URL or a credential).

    Raises:
        ContractError: The data break the contract.
        UserError: The database cannot be reached.
    """
    if is_database_url(source):
        from bankchurn import crm_db

        url = str(source)
        read = crm_db.read_table(url, require_label=require_label)
        try:
            valid = validate_frame(read.frame, read.source, require_label=require_label)
        except ContractError as exc:
            raise crm_db.locate(exc, read) from None
        return valid, {
            "source": "postgresql",
            "synthetic": False,
            "table": crm_db.QUALIFIED_TABLE,
            "sha256": _table_sha256(read.frame),
        }
    raw = read_csv_checked(source, require_label=require_label)
    valid = validate_frame(raw, str(source), require_label=require_label)
    return valid, {
        "source": "file",
        "synthetic": False,
        "file": Path(source).name,
        "sha256": hashlib.sha256(Path(source).read_bytes()).hexdigest(),
    }


def _shown_source(source: str | Path) -> str:
    if is_database_url(source):
        from bankchurn import crm_db

        return crm_db.QUALIFIED_TABLE
    return str(source)


def synthetic_twin(path: str | Path, seed: int | None = None) -> SyntheticExtract | None:
    """The synthetic extract a CSV file is a byte-for-byte copy of, if it is one.

    The pipeline's extract stage writes the embedded synthetic extract to a file that the
    later stages read; that file is still the synthetic extract (same bytes), so it keeps its
    true probabilities and its provenance. Only the extract of ``seed`` and of the
    ``data.n_snapshots`` of params.yaml is recognised (with as many rows as the file has).
    """
    if not Path(path).is_file():
        return None  # the reader names what is wrong with the path
    raw = Path(path).read_bytes()
    if not raw.startswith(_SYNTHETIC_HEADER):
        return None
    n_rows = raw.count(b"\n") - 1
    if n_rows < 1:
        return None
    twin = generate_extract(n_rows=n_rows, seed=seed)
    return twin if to_csv_bytes(twin.frame) == raw else None


def load_extract(
    path: str | Path | None = None,
    seed: int | None = None,
    *,
    n_rows: int | None = None,
    n_snapshots: int | None = None,
    key: bytes | None = None,
    require_label: bool = True,
) -> Extract:
    """Load a CRM extract: a user's CSV, or the embedded synthetic one when ``path`` is None.

    A file that is a byte-for-byte copy of the synthetic extract (what the pipeline's extract
    stage writes; [`synthetic_twin`][bankchurn.ingest.synthetic_twin]) is loaded as the
    synthetic extract.

    Args:
        path: CSV file with the contract columns (the Kaggle file works as is), a
            ``postgresql://`` URL of the CRM database (`bankchurn.crm_db`), or None for the
            synthetic extract generated in memory.
        seed: Seed of the synthetic extract (ignored for files); default params.yaml's.
        n_rows: Rows of the synthetic extract (ignored for files); default params.yaml's.
        n_snapshots: Monthly snapshots of the synthetic extract (ignored for files); default
            params.yaml's.
        key: Pseudonymisation key; default [`bankchurn.privacy.key_for`][bankchurn.privacy.key_for]
            (which refuses the public demo key for a file that is not the synthetic extract).
        require_label: Whether a file must carry the label ``Exited`` (not for unlabelled
            months that are only monitored or scored).

    Returns:
        The extract. ``provenance`` holds ``source`` (``"synthetic"``, ``"file"`` or
        ``"postgresql"``),
        ``synthetic`` (bool), ``sha256`` of the CSV bytes, ``n_rows``, ``has_snapshots``,
        ``snapshot_start``/``snapshot_end``/``n_snapshots`` (None without dates), and
        ``seed``/``generator``/``generator_version`` (synthetic), ``file`` (file name only,
        never the full path) or ``table`` (never the URL).

    Raises:
        ContractError: When the file breaks the data contract (see the module docstring).
        UserError: A file with no secret key set (see [`bankchurn.privacy.key_for`][bankchurn.privacy.key_for]).
    """
    twin = synthetic_twin(path, seed) if path is not None and not is_database_url(path) else None
    if key is not None:
        secret = key
    elif path is None or twin is not None:  # the synthetic extract, even as a file
        secret = key_for(None)
    else:  # a URL is never echoed (it may hold a password): the table's name is
        secret = key_for(_shown_source(path))
    if path is None or twin is not None:
        synthetic = twin or generate_extract(n_rows=n_rows, n_snapshots=n_snapshots, seed=seed)
        seed = synthetic.seed
        source = f"<synthetic seed={seed}>"
        valid = validate_frame(synthetic.frame, source)
        provenance: dict[str, Any] = {
            "source": "synthetic",
            "synthetic": True,
            "seed": int(seed),
            "generator": synthetic.metadata["generator"],
            "generator_version": synthetic.metadata["generator_version"],
            "sha256": hashlib.sha256(to_csv_bytes(synthetic.frame)).hexdigest(),
        }
        true_proba: np.ndarray | None = synthetic.true_proba
        without_gender: np.ndarray | None = synthetic.true_proba_without_gender
        without_month: np.ndarray | None = synthetic.true_proba_without_gender_or_month
    else:
        valid, provenance = read_validated(path, require_label=require_label)
        true_proba = without_gender = without_month = None
    frame = pseudonymise(valid, secret)
    provenance.update(n_rows=len(frame), **_snapshot_info(frame))
    extract = Extract(
        frame=frame,
        true_proba=true_proba,
        provenance=provenance,
        true_proba_without_gender=without_gender,
        true_proba_without_gender_or_month=without_month,
    )
    provenance["has_snapshots"] = extract.has_snapshots
    return extract
