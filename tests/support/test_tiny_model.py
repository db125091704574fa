"""The tiny model the serving and scoring tests use: contract rows, a real artifact, repeatable."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bankchurn.artifacts import load_artifact, predict_proba
from bankchurn.contract import BY_NAME, FEATURES

from tiny_model import MODEL_VERSION, random_customers, save_tiny_artifact


def test_random_customers_keep_the_contract() -> None:
    rows = random_customers(300, seed=7)
    assert list(rows.columns) == list(FEATURES)
    for name in FEATURES:
        spec = BY_NAME[name]
        if spec.kind in ("category", "binary"):
            assert set(rows[name]) <= set(spec.allowed), name
        else:
            assert rows[name].between(spec.minimum, spec.maximum).all(), name
    assert rows.equals(random_customers(300, seed=7))
    assert not rows.equals(random_customers(300, seed=8))


def test_the_artifact_loads_and_scores_like_the_real_models(tmp_path: Path) -> None:
    artifact = load_artifact(save_tiny_artifact(tmp_path / "m.joblib"))
    assert artifact.metadata["model_version"] == MODEL_VERSION
    rows = random_customers(50, seed=1)
    p = predict_proba(artifact, rows)
    assert p.shape == (50,)
    assert ((p >= 0) & (p <= 1)).all()
    # Churn was made to rise with age: the model learnt it.
    old, young = rows.assign(Age=80.0), rows.assign(Age=20.0)
    assert (predict_proba(artifact, old) > predict_proba(artifact, young)).all()
    again = load_artifact(save_tiny_artifact(tmp_path / "again.joblib"))
    np.testing.assert_array_equal(predict_proba(again, rows), p)
