"""ONE file per trained model: the fitted, calibrated pipeline plus its metadata.

The file is a joblib dump of ``{"format": "bankchurn-model", "format_version": 1,
"pipeline": <CalibratedChurnModel>, "metadata": {...}}``. Metadata keys: ``model_name``,
``model_version``, ``candidate``, ``package_version``, ``sklearn_version``, ``python_version``,
``params``, ``calibration``, ``threshold``, ``feature_columns``, ``provenance`` (data source,
seed or file sha256, date range), ``split`` (kind and date ranges), ``metrics`` (headline
test metrics) and ``training_parameters`` (the ``params.yaml`` values the training used,
`bankchurn.params.training_parameters`).

Loading a joblib file runs code, so an artifact is only loaded when its bytes match the SHA-256
recorded beside it at training time (``<name>.sha256``, ``sha256sum`` format): a file swapped,
truncated or edited after training is refused before it is unpickled. The trust boundary this
draws (who may write the models folder) is the subject of the ADR on the artifact format.

The API imports this module: joblib, pandas and scikit-learn are imported where they are used,
so importing it costs nothing the served model does not itself need (unpickling a model imports
the libraries its objects come from).
"""

from __future__ import annotations

import hashlib
import io
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bankchurn.atomic import atomic_write_bytes, atomic_write_text
from bankchurn.contract import FEATURES
from bankchurn.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "bankchurn-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelArtifact:
    """A loaded model: ``pipeline.predict_proba`` gives calibrated churn probabilities.

    Attributes:
        pipeline: The fitted, calibrated pipeline.
        metadata: See [`build_metadata`][bankchurn.artifacts.build_metadata].
        sha256: SHA-256 of the artifact file (checked against the recorded one at loading).
    """

    pipeline: Any
    metadata: dict[str, Any]
    sha256: str = ""


def hash_path(path: str | Path) -> Path:
    """Where the SHA-256 of the artifact at ``path`` is recorded: ``<path>.sha256``."""
    p = Path(path)
    return p.with_name(p.name + ".sha256")


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
    import sklearn

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
    """Write the artifact and its recorded SHA-256, each whole or not at all.

    Args:
        path: Destination ``.joblib`` file; parent folders are created. The hash goes to
            [`hash_path`][bankchurn.artifacts.hash_path] beside it.
        pipeline: Fitted model with ``predict_proba``.
        metadata: See [`build_metadata`][bankchurn.artifacts.build_metadata].

    Returns:
        The destination path.
    """
    import joblib

    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pipeline": pipeline,
        "metadata": metadata,
    }
    buffer = io.BytesIO()
    joblib.dump(payload, buffer, compress=3)
    data = buffer.getvalue()
    dest = Path(path)
    # Hash first: a crash between the two writes leaves a pair that does not match, which
    # is refused at loading (never a new hash vouching for an old file or the reverse).
    atomic_write_text(hash_path(dest), f"{hashlib.sha256(data).hexdigest()}  {dest.name}\n")
    return atomic_write_bytes(dest, data)


def _recorded_hash(p: Path) -> str:
    sidecar = hash_path(p)
    try:
        text = sidecar.read_text(encoding="utf-8", errors="replace")
    except OSError:
        raise UserError(
            f"{p}: no recorded hash ({sidecar.name}) beside the model artifact; refusing to "
            "load it (loading a model runs code): retrain it with `bankchurn train`"
        ) from None
    recorded = text.split()[0].lower() if text.split() else ""
    if len(recorded) != 64:
        raise UserError(f"{sidecar}: not a SHA-256 record; retrain the model")
    return recorded


def artifact_path(models_dir: str | Path, name: str) -> Path:
    """Where ``bankchurn report`` keeps the artifact of model ``name``: ``models/target.joblib``.

    Args:
        models_dir: The models folder (the settings' ``models_dir``, or a report's ``DIR/models``).
        name: ``baseline`` or ``target``.

    Returns:
        ``models_dir/<name>.joblib``.
    """
    return Path(models_dir) / f"{name}.joblib"


def record_path(model_file: str | Path) -> Path:
    """Where the training record of an artifact lives: ``models/target.training.json``."""
    return Path(model_file).with_suffix(".training.json")


def load_artifact(path: str | Path) -> ModelArtifact:
    """Load a model artifact written by [`save_artifact`][bankchurn.artifacts.save_artifact], after checking its hash.

    Args:
        path: The ``.joblib`` file; its hash is recorded beside it ([`hash_path`][bankchurn.artifacts.hash_path]; a
            registry's download gets the registry's record written there).

    Raises:
        UserError: One line when the file is missing, does not match its recorded hash, is
            unreadable, not a bankchurn model, or was trained on another data contract.
    """
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: model artifact not found (train one with `bankchurn train`)")
    recorded = _recorded_hash(p)
    data = p.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != recorded:
        raise UserError(
            f"{p}: SHA-256 {actual[:12]}... differs from the one recorded at training time "
            f"({recorded[:12]}...); refusing to load a changed model file (it would run code)"
        )
    import joblib

    try:
        payload = joblib.load(io.BytesIO(data))
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
    trained_on = meta.get("feature_columns", list(FEATURES))
    if trained_on != list(FEATURES):
        extra = (
            sorted(set(map(str, trained_on)) ^ set(FEATURES))
            if isinstance(trained_on, list)
            else []
        )
        raise UserError(
            f"{p}: model trained on another data contract (features differ: "
            f"{', '.join(extra) or 'order'}); retrain it on the current contract"
        )
    return ModelArtifact(pipeline=pipeline, metadata=meta, sha256=actual)


def predict_proba(
    artifact: ModelArtifact, frame: pd.DataFrame | Mapping[str, np.ndarray]
) -> np.ndarray:
    """Calibrated churn probabilities of the rows of ``frame`` (contract feature columns).

    ``frame`` may also be a mapping of column name to a 1-D array of values (the API's
    requests: building a frame costs more than scoring a row); the served
    [`CalibratedChurnModel`][bankchurn.models.CalibratedChurnModel] scores either.

    Raises:
        UserError: If a feature column the model expects is missing.
    """
    expected = artifact.metadata.get("feature_columns", list(FEATURES))
    given = list(frame)  # a frame's column names, or the mapping's keys
    missing = [c for c in expected if c not in given]
    if missing:
        raise UserError(f"input lacks feature column(s) the model needs: {', '.join(missing)}")
    if isinstance(frame, Mapping):  # never a DataFrame (pandas does not register it as one)
        columns = {c: frame[c] for c in expected}
        if not getattr(artifact.pipeline, "scores_columns", False):
            import pandas as pd

            return predict_proba(artifact, pd.DataFrame(columns))
        proba = artifact.pipeline.predict_proba(columns)[:, 1]
        return np.clip(np.asarray(proba, dtype="float64"), 0.0, 1.0)
    # Select (a copy) only when needed: a one-row .loc costs more than scoring the row.
    same = given == list(expected)
    proba = artifact.pipeline.predict_proba(frame if same else frame.loc[:, expected])[:, 1]
    return np.clip(np.asarray(proba, dtype="float64"), 0.0, 1.0)
