"""One artifact per model: round trip, and one-line errors for missing or corrupt files."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest

from bankchurn.artifacts import load_artifact, predict_proba
from bankchurn.contract import FEATURES
from bankchurn.errors import UserError


def test_round_trip_keeps_pipeline_and_metadata(small_report: Path, small_extract) -> None:
    art = load_artifact(small_report / "models" / "target.joblib")
    meta = art.metadata
    for key in (
        "model_name",
        "model_version",
        "package_version",
        "sklearn_version",
        "params",
        "provenance",
        "metrics",
        "feature_columns",
        "threshold",
        "candidate",
    ):
        assert key in meta
    assert meta["feature_columns"] == list(FEATURES)
    assert meta["provenance"]["sha256"] == small_extract.provenance["sha256"]
    p = predict_proba(art, small_extract.frame.head(50))
    assert p.shape == (50,)
    assert np.all((p >= 0) & (p <= 1))
    with pytest.raises(UserError, match="lacks feature column"):
        predict_proba(art, small_extract.frame.drop(columns=["Age"]))


@pytest.mark.parametrize("content", [None, b"", b"not a joblib file", "foreign"])
def test_bad_artifacts_raise_one_line_user_errors(tmp_path: Path, content) -> None:
    path = tmp_path / "m.joblib"
    if content == "foreign":
        joblib.dump({"hello": 1}, path)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError) as err:
        load_artifact(path)
    assert "\n" not in str(err.value)
    assert str(path) in str(err.value)
