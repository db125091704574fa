"""Inference service: loads the model artifact once and scores customers.

The service is the only part of the API that touches the model. It holds a
`bankchurn.artifacts` artifact (loaded by that module, scored through its
``predict_proba``), turns validated request rows into the
columns the pipeline was trained on (contract ``FEATURES``, one NumPy array each: no frame is
built for a request) and returns the CALIBRATED churn probability with its risk band.
Scoring one customer costs less than handing it to a worker thread, so the app scores single
customers on the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bankchurn.api.schemas import CustomerFeatures, RiskBand
from bankchurn.artifacts import ModelArtifact, load_artifact
from bankchurn.artifacts import predict_proba as artifact_predict_proba
from bankchurn.business import risk_bands
from bankchurn.contract import BY_NAME, FEATURES
from bankchurn.errors import UserError

_NUMERIC = tuple(n for n in FEATURES if BY_NAME[n].kind in ("int", "float", "binary"))


@dataclass(frozen=True)
class Score:
    """Score of one customer: calibrated probability and its band."""

    churn_probability: float
    risk_band: RiskBand


def rows_to_columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """The model's input columns: one array per contract feature, in contract order.

    Missing (``None``) values of nullable columns become NaN, which the pipeline imputes.
    Numeric and 0/1 columns are float64, categories are strings (object arrays), as after
    ingestion.
    """
    data: dict[str, np.ndarray] = {}
    for name in FEATURES:
        values = [row.get(name) for row in rows]
        if name in _NUMERIC:
            data[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            data[name] = np.array(values, dtype=object)
    return data


class InferenceService:
    """Wraps one loaded model artifact.

    Args:
        artifact: A [`bankchurn.artifacts.ModelArtifact`][bankchurn.artifacts.ModelArtifact]: fitted pipeline whose
            ``predict_proba`` returns CALIBRATED probabilities, plus metadata carrying
            ``model_version``.
        source: Where the artifact came from (path or registry URI), for messages and /ready.
        registered: The `bankchurn.tracking.registry.RegisteredVersion` it was fetched
            as, or ``None`` for a file.

    Raises:
        UserError: When the artifact has no model version or cannot score a customer.
    """

    def __init__(
        self, artifact: ModelArtifact, *, source: str = "artifact", registered: Any = None
    ) -> None:
        self.artifact = artifact
        self.source = source
        self.registered = registered
        version = artifact.metadata.get("model_version")
        if not version:
            raise UserError(f"{source}: model artifact metadata has no model_version")
        self.model_version = str(version)
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
        """Load the artifact at ``path`` (once).

        Read with [`load_artifact`][bankchurn.artifacts.load_artifact].

        Raises:
            UserError: One line when the file is missing, corrupt or not a churn model.
        """
        return cls(load_artifact(path), source=str(path))

    @classmethod
    def from_registry(cls, uri: str) -> InferenceService:
        """Fetch a registered version (``models:/NAME@ALIAS``), checked, from MLflow.

        MLflow is imported here only: a server started on a file never pays its import.

        Raises:
            UserError: One line when the registry, the version or its artifact is unusable.
        """
        from bankchurn.tracking.config import load_tracking_settings
        from bankchurn.tracking.registry import fetch_registered

        artifact, registered = fetch_registered(uri, load_tracking_settings())
        return cls(artifact, source=uri, registered=registered)

    def predict_many(self, rows: Sequence[Mapping[str, Any]]) -> list[Score]:
        """Score customers given as validated feature mappings, in order."""
        proba = artifact_predict_proba(self.artifact, rows_to_columns(rows))
        if proba.shape != (len(rows),) or not np.all(np.isfinite(proba)):
            raise RuntimeError("model returned non-finite or misshapen probabilities")
        bands = risk_bands(proba)
        return [Score(round(p, 6), str(b)) for p, b in zip(proba.tolist(), bands, strict=True)]

    def predict_one(self, row: Mapping[str, Any]) -> Score:
        """Score one customer."""
        return self.predict_many([row])[0]

    @property
    def explainable(self) -> bool:
        """Whether the served model has exact TreeSHAP explanations (a sigmoid-calibrated booster)."""
        from bankchurn import explain  # only explaining requests need it (and its libraries)

        model = self.artifact.pipeline
        try:
            explain.calibration_line(model)
            return explain.is_booster(model)
        except (ValueError, AttributeError):
            return False

    def explain_one(self, row: Mapping[str, Any]) -> tuple[Score, dict[str, Any]]:
        """Score one customer and explain the score (see `bankchurn.explain`)."""
        from bankchurn import explain

        score = self.predict_many([row])[0]
        return score, explain.explain(self.artifact.pipeline, rows_to_columns([row])).row(0)
