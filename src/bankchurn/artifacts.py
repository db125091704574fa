"""ONE file per trained model: the fitted, calibrated pipeline plus its metadata.

The file is a joblib dump of ``{"format": "bankchurn-model", "format_version": 1,
"pipeline": <CalibratedChurnModel>, "metadata": {...}}``. Metadata keys: ``model_name``,
``model_version``, ``candidate``, ``package_version``, ``sklearn_version``, ``python_version``,
``params``, ``calibration``, ``threshold``, ``feature_columns``, ``provenance`` (data source,
seed or file sha256, date range), ``split`` (kind and date ranges) and ``metrics`` (headline
test metrics). Only load artifacts you produced yourself: joblib files can run code.
"""

from __future__ import annotations

import os
import platform
import tempfile
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn

from bankchurn.contract import FEATURES
from bankchurn.errors import UserError

FORMAT = "bankchurn-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelArtifact:
    """A loaded model: ``pipeline.predict_proba`` gives calibrated churn probabilities."""

    pipeline: Any
    metadata: dict[str, Any]


def package_version() -> str:
    """Installed version of the ``bankchurn`` distribution."""
    try:
        return importlib_metadata.version("bankchurn")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "0+unknown"


def model_version(model_name: str, data_sha256: str, seed: int | None) -> str:
    """Deterministic version string: name, package version, data hash prefix, seed."""
    seed_part = f"-s{seed}" if seed is not None else ""
    return f"{model_name}-{package_version()}-{data_sha256[:8]}{seed_part}"


def build_metadata(
    *,
    model_name: str,
    candidate: str,
    params: dict[str, Any],
    calibration: str,
    threshold: float,
    provenance: dict[str, Any],
    split: dict[str, Any],
    metrics: dict[str, Any],
    seed: int | None,
) -> dict[str, Any]:
    """Assemble the metadata stored next to a pipeline (no wall-clock time: reproducible)."""
    return {
        "model_name": model_name,
        "model_version": model_version(model_name, str(provenance.get("sha256", "")), seed),
        "candidate": candidate,
        "package_version": package_version(),
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "params": dict(params),
        "calibration": calibration,
        "threshold": float(threshold),
        "feature_columns": list(FEATURES),
        "seed": seed,
        "provenance": dict(provenance),
        "split": dict(split),
        "metrics": dict(metrics),
    }


def save_artifact(path: str | Path, pipeline: Any, metadata: dict[str, Any]) -> Path:
    """Write the artifact atomically (temp file in the same folder, then rename).

    Args:
        path: Destination ``.joblib`` file; parent folders are created.
        pipeline: Fitted model with ``predict_proba``.
        metadata: See [`build_metadata`][bankchurn.artifacts.build_metadata].

    Returns:
        The destination path.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        payload = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "pipeline": pipeline,
            "metadata": metadata,
        }
        joblib.dump(payload, tmp, compress=3)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def load_artifact(path: str | Path) -> ModelArtifact:
    """Load a model artifact written by [`save_artifact`][bankchurn.artifacts.save_artifact].

    Raises:
        UserError: One line when the file is missing, unreadable or not a bankchurn model.
    """
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: model artifact not found (train one with `bankchurn train`)")
    try:
        payload = joblib.load(p)
    except Exception as exc:  # noqa: BLE001  (corrupt, truncated or foreign file: any error)
        raise UserError(
            f"{p}: not a readable model artifact ({type(exc).__name__}); retrain it"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise UserError(f"{p}: not a bankchurn model artifact")
    if payload.get("format_version") != FORMAT_VERSION:
        raise UserError(
            f"{p}: artifact format {payload.get('format_version')} is not supported "
            f"(expected {FORMAT_VERSION}); retrain it"
        )
    pipeline, meta = payload.get("pipeline"), payload.get("metadata")
    if not hasattr(pipeline, "predict_proba") or not isinstance(meta, dict):
        raise UserError(f"{p}: model artifact is incomplete; retrain it")
    return ModelArtifact(pipeline=pipeline, metadata=meta)


def predict_proba(artifact: ModelArtifact, frame: pd.DataFrame) -> np.ndarray:
    """Calibrated churn probabilities of the rows of ``frame`` (contract feature columns).

    Raises:
        UserError: If a feature column the model expects is missing.
    """
    expected = artifact.metadata.get("feature_columns", list(FEATURES))
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise UserError(f"input lacks feature column(s) the model needs: {', '.join(missing)}")
    # Select (a copy) only when needed: a one-row .loc costs more than scoring the row.
    same = frame.columns.tolist() == list(expected)
    proba = artifact.pipeline.predict_proba(frame if same else frame.loc[:, expected])[:, 1]
    return np.clip(np.asarray(proba, dtype="float64"), 0.0, 1.0)
