"""Inference service: loads the model artifact once and scores customers.

The service is the only part of the API that touches the model. It holds a
`bankchurn.artifacts` artifact (loaded by that module, scored through its
``predict_proba``), turns validated request rows into the
DataFrame the pipeline was trained on (contract ``FEATURES`` columns) and returns the
CALIBRATED churn probability with its risk band. Scoring is CPU-bound and synchronous: it
always runs in a worker thread so the event loop keeps serving, and concurrent single-customer
requests are coalesced into one pipeline call by [`MicroBatcher`][bankchurn.api.inference.MicroBatcher].
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankchurn import explain
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
        proba = artifact_predict_proba(self.artifact, rows_to_frame(rows))
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
        model = self.artifact.pipeline
        try:
            explain.calibration_line(model)
            return explain.is_booster(model)
        except (ValueError, AttributeError):
            return False

    def explain_one(self, row: Mapping[str, Any]) -> tuple[Score, dict[str, Any]]:
        """Score one customer and explain the score (see [`bankchurn.explain`][bankchurn.explain])."""
        frame = rows_to_frame([row])
        score = self.predict_many([row])[0]
        return score, explain.explain(self.artifact.pipeline, frame).row(0)


class MicroBatcher:
    """Coalesces concurrent single-customer requests into one pipeline call.

    A sklearn pipeline costs about as much for 30 rows as for one: its per-call overhead
    (pandas indexing, input checks) dominates. Requests that arrive while the model is busy
    wait in a queue and are scored together in the next call, so throughput grows with load
    while an isolated request is scored at once (no timer, no added latency). One pipeline call
    runs at a time, in the batcher's own worker thread, so the event loop keeps serving.

    Args:
        service: The loaded inference service.
        max_batch: Most rows per pipeline call.
        on_batch: Called after each pipeline call with the scores and its duration in seconds.
    """

    def __init__(
        self,
        service: InferenceService,
        max_batch: int = 64,
        on_batch: Callable[[list[Score], float], None] | None = None,
    ) -> None:
        self.service = service
        self.max_batch = max_batch
        self.on_batch = on_batch
        self._queue: asyncio.Queue[tuple[Mapping[str, Any], asyncio.Future[Score]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # One pipeline call at a time, always on the same thread: cheaper than a hop through
        # the shared AnyIO pool, and it never competes with plain `def` routes for its slots.
        self._executor: ThreadPoolExecutor | None = None

    async def score(self, row: Mapping[str, Any]) -> Score:
        """Score one customer, batched with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            # (Re)start in the running loop: uvicorn has one, test clients may use several.
            self._loop, self._queue = loop, asyncio.Queue()
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="bankchurn-score")
            self._task = loop.create_task(self._run(self._queue, self._executor))
        future: asyncio.Future[Score] = loop.create_future()
        assert self._queue is not None
        await self._queue.put((row, future))
        return await future

    async def _run(
        self,
        queue: asyncio.Queue[tuple[Mapping[str, Any], asyncio.Future[Score]]],
        executor: ThreadPoolExecutor,
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            live = [(row, fut) for row, fut in batch if not fut.done()]  # drop cancelled clients
            if not live:
                continue
            start = time.perf_counter()
            try:
                scores = await loop.run_in_executor(
                    executor, self.service.predict_many, [r for r, _ in live]
                )
            except Exception as exc:  # noqa: BLE001  (hand the error to every waiting request)
                for _, fut in live:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            if self.on_batch is not None:
                self.on_batch(scores, time.perf_counter() - start)
            for (_, fut), s in zip(live, scores, strict=True):
                if not fut.done():
                    fut.set_result(s)

    async def close(self) -> None:
        """Stop the background task (at shutdown)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
