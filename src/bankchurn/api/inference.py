"""Inference service: loads the model artifact once and scores customers.

The service is the only part of the API that touches the model. It holds the fitted sklearn
pipeline of a :mod:`bankchurn.artifacts` artifact, turns validated request rows into the
DataFrame the pipeline was trained on (contract ``FEATURES`` columns) and returns the
CALIBRATED churn probability with its risk band. Scoring is CPU-bound and synchronous; the
routes call it from a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankchurn.api.schemas import CustomerFeatures, RiskBand, risk_band
from bankchurn.contract import BY_NAME, FEATURES
from bankchurn.errors import UserError

_NUMERIC = tuple(n for n in FEATURES if BY_NAME[n].kind in ("int", "float", "binary"))


@dataclass(frozen=True)
class Score:
    """Score of one customer: calibrated probability and its band."""

    churn_probability: float
    risk_band: RiskBand


def _metadata_get(metadata: Any, key: str, default: Any = None) -> Any:
    """Read a metadata field whether the artifact stores a mapping or an object."""
    if isinstance(metadata, Mapping):
        return metadata.get(key, default)
    return getattr(metadata, key, default)


def rows_to_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the model's input frame: one column per contract feature, in contract order.

    Missing (``None``) values of nullable columns become NaN, which the pipeline imputes.
    Numeric and 0/1 columns are float64, categories are strings, as after ingestion.
    """
    data: dict[str, Any] = {}
    for name in FEATURES:
        values = [row.get(name) for row in rows]
        if name in _NUMERIC:
            data[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            data[name] = pd.array(values, dtype=object)
    return pd.DataFrame(data, columns=list(FEATURES))


class InferenceService:
    """Wraps one loaded model artifact.

    Args:
        pipeline: Fitted sklearn estimator whose ``predict_proba`` returns calibrated
            probabilities for a frame of contract features.
        metadata: Artifact metadata; must carry ``model_version``.

    Raises:
        UserError: When the pipeline cannot score or the metadata lack a model version.
    """

    def __init__(self, pipeline: Any, metadata: Any, *, source: str = "artifact") -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        version = _metadata_get(metadata, "model_version")
        if not version:
            raise UserError(f"{source}: model artifact metadata has no model_version")
        self.model_version = str(version)
        if not hasattr(pipeline, "predict_proba"):
            raise UserError(f"{source}: model artifact has no predict_proba; not a classifier")
        classes = list(getattr(pipeline, "classes_", [0, 1]))
        if 1 not in classes:
            raise UserError(f"{source}: model artifact does not predict class 1 (churn)")
        self._positive = classes.index(1)
        # Score one example now so a pipeline that unpickles but cannot predict (wrong columns,
        # incompatible library) stops the start-up instead of failing every request.
        example = CustomerFeatures.model_json_schema()["examples"][0]
        try:
            self.predict_many([example])
        except Exception as exc:  # noqa: BLE001  (any failure = an unusable artifact)
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UserError(f"{source}: model artifact cannot score a customer: {first}") from None

    @classmethod
    def from_path(cls, path: str | Path) -> InferenceService:
        """Load the artifact at ``path`` (once) and wrap it.

        Raises:
            UserError: One line when the file is missing, corrupt or not a churn model.
        """
        from bankchurn.api._artifact import load_model_artifact

        artifact = load_model_artifact(Path(path))
        return cls(artifact.pipeline, artifact.metadata, source=str(path))

    def predict_many(self, rows: Sequence[Mapping[str, Any]]) -> list[Score]:
        """Score customers given as validated feature mappings, in order."""
        frame = rows_to_frame(rows)
        proba = np.asarray(self.pipeline.predict_proba(frame), dtype=np.float64)[:, self._positive]
        if proba.shape != (len(rows),) or not np.all(np.isfinite(proba)):
            raise RuntimeError("model returned non-finite or misshapen probabilities")
        out = []
        for p in proba.tolist():
            p = min(1.0, max(0.0, p))  # guard float noise just outside [0, 1]
            out.append(Score(round(p, 6), risk_band(p)))
        return out

    def predict_one(self, row: Mapping[str, Any]) -> Score:
        """Score one customer."""
        return self.predict_many([row])[0]
