"""Ingestion (bankchurn.ingest): same steps for the synthetic extract and a user's file."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from bankchurn import contract
from bankchurn.errors import ContractError
from bankchurn.ingest import DEFECT_POLICY, load_extract
from bankchurn.synthetic import GENERATOR_VERSION, generate_extract, to_csv_bytes


def test_default_is_the_synthetic_extract() -> None:
    extract = load_extract()
    frame = extract.frame
    assert len(frame) == 10_000
    assert extract.true_proba is not None
    assert extract.true_proba.shape == (10_000,)
    assert pd.api.types.is_datetime64_any_dtype(frame["SnapshotDate"])
    assert extract.has_snapshots
    prov = extract.provenance
    assert prov["source"] == "synthetic"
    assert prov["synthetic"] is True
    assert (prov["seed"], prov["generator_version"]) == (42, GENERATOR_VERSION)
    assert (prov["snapshot_start"], prov["snapshot_end"], prov["n_snapshots"]) == (
        "2024-01-31", "2025-12-31", 24,
    )  # fmt: skip
    assert prov["n_rows"] == 10_000
    assert prov["has_snapshots"] is True
    assert prov["sha256"] == hashlib.sha256(to_csv_bytes(generate_extract().frame)).hexdigest()


def test_synthetic_labels_and_probabilities_stay_aligned() -> None:
    raw = generate_extract(n_rows=500, n_snapshots=3, seed=9)
    extract = load_extract(seed=9, n_rows=500, n_snapshots=3)
    assert np.array_equal(extract.frame["Exited"].to_numpy(), raw.frame["Exited"].to_numpy())
    assert np.array_equal(extract.true_proba, raw.true_proba)


def test_file_goes_through_the_same_steps(write_csv) -> None:
    raw = generate_extract(n_rows=300, n_snapshots=3, seed=1)
    path = write_csv("my_extract.csv", raw.frame)
    from_file = load_extract(path)
    from_memory = load_extract(seed=1, n_rows=300, n_snapshots=3)
    pd.testing.assert_frame_equal(from_file.frame, from_memory.frame)
    prov = from_file.provenance
    assert prov["source"] == "file"
    assert prov["file"] == "my_extract.csv"
    assert str(path.parent) not in str(prov)
    assert prov["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert from_file.true_proba is None


def test_kaggle_layout_has_no_snapshots(write_csv, small_frame) -> None:
    path = write_csv("Churn_Modelling.csv", small_frame.drop(columns=["SnapshotDate"]))
    extract = load_extract(path)
    assert not extract.has_snapshots
    prov = extract.provenance
    assert prov["has_snapshots"] is False
    assert prov["snapshot_start"] is None
    assert prov["n_snapshots"] is None
    assert set(extract.frame.columns) == (
        set(contract.REQUIRED_COLUMNS) - {"Surname", "CustomerId"} | {contract.CUSTOMER_KEY}
    )


def test_bad_file_is_rejected(bad_input, write_csv) -> None:
    path = write_csv("bad.csv", bad_input.content)
    with pytest.raises(ContractError) as info:
        load_extract(path)
    assert info.value.rule == bad_input.rule


def test_defect_policy_is_documented() -> None:
    assert "Repaired" in DEFECT_POLICY
    assert "Rejected" in DEFECT_POLICY
    for spec in contract.COLUMNS:
        if spec.nullable:
            assert spec.name in DEFECT_POLICY
    assert f"{contract.MAX_NULL_FRACTION:.0%}" in DEFECT_POLICY


def test_a_copy_of_the_synthetic_extract_is_read_as_the_synthetic_extract(write_csv) -> None:
    """The extract stage's file keeps its provenance; one changed byte makes it a plain file."""
    generated = generate_extract()
    path = write_csv("crm_extract.csv", generated.frame)
    from_file, in_memory = load_extract(path), load_extract()
    assert from_file.provenance == in_memory.provenance
    assert from_file.provenance["source"] == "synthetic"
    assert from_file.true_proba is not None
    pd.testing.assert_frame_equal(from_file.frame, in_memory.frame)
    doctored = path.read_bytes().replace(b",France,", b",Spain,", 1)
    path.write_bytes(doctored)
    assert load_extract(path).provenance["source"] == "file"
