"""``POST /predict`` scores its customer on the event loop, with the numbers of the frame route."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from bankchurn.api.app import create_app
from bankchurn.api.inference import InferenceService, Score, rows_to_columns
from bankchurn.api.settings import ApiSettings
from bankchurn.artifacts import predict_proba


class RecordingService(InferenceService):
    """The real service; records the thread of each scoring call."""

    def __init__(self, path: Path) -> None:
        self.threads: list[int] = []
        super().__init__(InferenceService.from_path(path).artifact, source="test")
        self.threads.clear()  # the start-up check scored one example

    def predict_many(self, rows: Any) -> list[Score]:
        self.threads.append(threading.get_ident())
        return super().predict_many(rows)


def test_single_customers_are_scored_on_the_event_loop(
    booster_artifact_path: Path, customer: dict[str, Any]
) -> None:
    service = RecordingService(booster_artifact_path)
    app = create_app(ApiSettings(model_path=booster_artifact_path), service=service)

    async def main() -> tuple[int, list[int]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            rows = [{**customer, "Age": 20 + i} for i in range(8)]
            answers = await asyncio.gather(*(client.post("/predict", json=r) for r in rows))
            explained = await client.post("/predict?explain=true", json=customer)
        assert all(a.status_code == 200 for a in answers), answers[0].text
        assert explained.status_code == 200, explained.text
        expected = [s.churn_probability for s in service.predict_many(rows)]
        assert [a.json()["churn_probability"] for a in answers] == expected  # order kept
        return threading.get_ident(), service.threads[:-1]

    loop_thread, threads = asyncio.run(main())
    assert len(threads) == 9
    assert set(threads) == {loop_thread}  # no hop to a worker thread


@pytest.mark.parametrize("artifact", ["artifact_path", "booster_artifact_path"])
def test_columns_score_exactly_as_the_frame(artifact: str, request, customer) -> None:
    service = InferenceService.from_path(request.getfixturevalue(artifact))
    rows = [{**customer, "Age": a, "CreditScore": None if a % 3 else 700} for a in range(18, 93)]
    columns = rows_to_columns(rows)
    # The served CalibratedChurnModel scores the columns; a plain pipeline gets a frame built.
    np.testing.assert_array_equal(
        predict_proba(service.artifact, columns),
        predict_proba(service.artifact, pd.DataFrame(columns)),
    )
