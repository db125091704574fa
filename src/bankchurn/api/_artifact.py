"""Thin bridge to :func:`bankchurn.artifacts.load_artifact`.

INTERIM: until ``bankchurn.artifacts`` exists, a joblib file holding
``{"pipeline": ..., "metadata": {...}}`` is read here so the API can be built and tested.
Once the modelling layer lands this module only forwards to it (no second loader).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bankchurn.errors import UserError


@dataclass(frozen=True)
class _Artifact:
    pipeline: Any
    metadata: Any


def load_model_artifact(path: Path) -> Any:
    """Return an object with ``.pipeline`` and ``.metadata``; UserError when unusable."""
    try:
        from bankchurn.artifacts import load_artifact
    except ModuleNotFoundError as exc:
        if exc.name != "bankchurn.artifacts":
            raise
    else:
        return load_artifact(path)

    import joblib

    if not path.is_file():
        raise UserError(f"{path}: model artifact not found (train one with `bankchurn train`)")
    try:
        raw = joblib.load(path)
        return _Artifact(raw["pipeline"], raw["metadata"])
    except Exception as exc:  # noqa: BLE001  (any unpickling failure = a corrupt file)
        raise UserError(f"{path}: model artifact is corrupt or unreadable ({type(exc).__name__})")
