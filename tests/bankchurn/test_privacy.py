"""Pseudonymisation (bankchurn.privacy) and the proof that no surname or CRM id survives ingestion."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from bankchurn import contract
from bankchurn.ingest import load_extract
from bankchurn.privacy import (
    DEFAULT_DEMO_KEY,
    KEY_ENV_VAR,
    customer_key,
    pseudonym_key,
    pseudonymise,
)
from bankchurn.synthetic import generate_extract


def test_key_is_hmac_sha256_truncated() -> None:
    expected = hmac.new(b"k", b"15634602", hashlib.sha256).hexdigest()[:16]
    assert customer_key(15634602, b"k") == expected
    assert customer_key(15634602, b"other") != expected


def test_pseudonymise_drops_surname_and_replaces_id(small_frame: pd.DataFrame) -> None:
    out = pseudonymise(small_frame, b"secret")
    assert "Surname" not in out.columns
    assert "CustomerId" not in out.columns
    assert list(out.columns).index(contract.CUSTOMER_KEY) == 1
    assert out[contract.CUSTOMER_KEY].str.fullmatch(r"[0-9a-f]{16}").all()
    assert out[contract.CUSTOMER_KEY].is_unique
    first = small_frame["CustomerId"].iloc[0]
    assert out[contract.CUSTOMER_KEY].iloc[0] == customer_key(first, b"secret")
    assert "Surname" in small_frame.columns  # the input is left alone


def test_key_from_environment(monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV_VAR, raising=False)
    assert pseudonym_key() == DEFAULT_DEMO_KEY
    monkeypatch.setenv(KEY_ENV_VAR, "real-secret")
    assert pseudonym_key() == b"real-secret"
    a = load_extract(n_rows=50, n_snapshots=2).frame[contract.CUSTOMER_KEY]
    monkeypatch.setenv(KEY_ENV_VAR, "another-secret")
    b = load_extract(n_rows=50, n_snapshots=2).frame[contract.CUSTOMER_KEY]
    assert not set(a) & set(b)


def test_empty_key_refused(small_frame) -> None:
    with pytest.raises(ValueError, match="empty"):
        pseudonymise(small_frame, b"")


def _cells(frame: pd.DataFrame) -> set[str]:
    """Every cell and column name rendered as text (ints also without a decimal part)."""
    out: set[str] = {str(c) for c in frame.columns}
    for column in frame.columns:
        for value in frame[column].to_numpy():
            out.add(str(value))
            if isinstance(value, float | np.floating) and float(value).is_integer():
                out.add(str(int(value)))
    return out


@pytest.mark.parametrize("source", ["synthetic", "file"])
def test_no_surname_or_customer_id_survives_ingestion(source, write_csv) -> None:
    raw = generate_extract(n_rows=2_000, n_snapshots=4, seed=3).frame
    path = write_csv("crm.csv", raw) if source == "file" else None
    extract = load_extract(path, seed=3, n_rows=2_000, n_snapshots=4)
    cells = _cells(extract.frame)
    assert not {str(v) for v in raw["Surname"]} & cells
    assert not {str(v) for v in raw["CustomerId"]} & cells
    # No column may be a relabelled copy of the id either.
    ids = raw["CustomerId"].to_numpy()
    for column in extract.frame.select_dtypes("number").columns:
        assert not np.array_equal(extract.frame[column].to_numpy(), ids), column
    assert "Surname" not in extract.frame.columns
    assert "CustomerId" not in extract.frame.columns
    assert not any("surname" in str(v).lower() for v in extract.provenance.values())
