"""MicroBatcher: concurrent requests share pipeline calls, off the event loop, in order."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from bankchurn.api.inference import InferenceService, MicroBatcher, Score


class RecordingService:
    """Wraps the real service; records each pipeline call's size and thread."""

    def __init__(self, service: InferenceService, fail: bool = False) -> None:
        self.service = service
        self.fail = fail
        self.calls: list[tuple[int, str]] = []
        self.gate = threading.Event()

    def predict_many(self, rows: list[dict[str, Any]]) -> list[Score]:
        self.calls.append((len(rows), threading.current_thread().name))
        self.gate.wait(5)  # hold the first call so the next requests queue up behind it
        if self.fail:
            raise RuntimeError("model exploded")
        return self.service.predict_many(rows)


@pytest.fixture(scope="module")
def service(artifact_path: Path) -> InferenceService:
    return InferenceService.from_path(artifact_path)


def _customers(customer: dict[str, Any], n: int) -> list[dict[str, Any]]:
    return [{**customer, "Age": 20 + i} for i in range(n)]


def test_concurrent_requests_are_coalesced_in_order(service, customer) -> None:
    recorder = RecordingService(service)
    rows = _customers(customer, 12)

    async def main() -> list[Score]:
        batcher = MicroBatcher(recorder, max_batch=64)  # type: ignore[arg-type]
        loop_thread = threading.current_thread().name
        tasks = [asyncio.create_task(batcher.score(rows[0]))]
        await asyncio.sleep(0.05)  # its pipeline call is running (held by the gate)
        tasks += [asyncio.create_task(batcher.score(r)) for r in rows[1:]]
        await asyncio.sleep(0.05)  # the rest arrived meanwhile and wait in the queue
        recorder.gate.set()
        scores = await asyncio.gather(*tasks)
        await batcher.close()
        assert all(thread != loop_thread for _, thread in recorder.calls)
        return scores

    scores = asyncio.run(main())
    assert [n for n, _ in recorder.calls] == [1, 11]  # one alone, then everything that queued
    assert scores == service.predict_many(rows)  # same scores, request order kept


def test_a_failing_call_fails_every_waiting_request(service, customer) -> None:
    recorder = RecordingService(service, fail=True)
    recorder.gate.set()

    async def main() -> list[Any]:
        batcher = MicroBatcher(recorder)  # type: ignore[arg-type]
        results = await asyncio.gather(
            *(batcher.score(r) for r in _customers(customer, 3)), return_exceptions=True
        )
        await batcher.close()
        return results

    results = asyncio.run(main())
    assert all(isinstance(r, RuntimeError) for r in results)


def test_close_stops_the_worker_and_a_new_loop_restarts_it(service, customer) -> None:
    running = set(threading.enumerate())  # other tests' services may keep their workers
    batcher = MicroBatcher(service)

    async def one() -> Score:
        score = await batcher.score(customer)
        await batcher.close()
        return score

    first, second = asyncio.run(one()), asyncio.run(one())  # two loops, as test clients do
    assert first == second == service.predict_one(customer)
    started = [t for t in threading.enumerate() if t not in running]
    for worker in [t for t in started if t.name.startswith("bankchurn-score")]:
        worker.join(timeout=5)  # shut down without waiting; it ends right after
        assert not worker.is_alive()
