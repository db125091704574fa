#!/usr/bin/env python
"""Where one ``POST /predict`` spends its time, stage by stage, in-process.

Each stage of a single-customer request is timed on its own, many times, on the served model
artifact; then the whole request goes through the real ASGI application (middleware, routing,
validation, model on the event loop, response) without a socket. The difference between the whole
and the sum of the stages is the framework's share (routing, dependency, thread hops).

Stages:

* ``validate``: JSON body -> ``CustomerFeatures`` (pydantic, strict);
* ``to_columns``: validated row -> the model's input columns (``rows_to_columns``);
* ``preprocess``: columns -> model matrix (derived ratios, imputation, one-hot);
* ``model``: the booster's raw score (its own predict call, as served);
* ``calibrate``: raw score -> calibrated probability;
* ``respond``: risk band + ``Prediction`` + JSON bytes;
* ``explain``: the TreeSHAP explanation of the row (only with ``explain=true``);
* ``middleware``: the request-context middleware (id, access log, metrics) around an empty app;
* ``asgi_total`` / ``asgi_total_explain``: the whole request through the app.

Writes the ``request_profile`` and ``request_profile_run`` sections of ``reports/benchmarks.json`` (read-modify-write).

Usage::

    python scripts/profile_request.py --model models/target.joblib --out reports/benchmarks.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bankchurn.artifacts import artifact_path
from bankchurn.benchmarks import merge_into  # one read-modify-write for every section
from bankchurn.settings import settings


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    """Microseconds of ``n`` calls of ``fn`` (after 50 warm-up calls)."""
    for _ in range(50):
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e6)
    return out


def summary(us: list[float]) -> dict[str, float]:
    """Median and 99th percentile of a list of microseconds."""
    xs = sorted(us)
    return {
        "median_us": round(statistics.median(xs), 1),
        "p99_us": round(xs[min(len(xs) - 1, int(0.99 * len(xs)))], 1),
    }


def asgi_request(app: Any, path: str, query: bytes, body: bytes) -> Callable[[], Any]:
    """A coroutine factory sending one POST through the ASGI app, no socket."""

    async def call() -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        if status != 200:
            raise SystemExit(f"profile: {path}?{query.decode()} answered {status}")
        return status

    return call


def main(argv: list[str] | None = None) -> int:
    """Time every stage, then the whole request; merge the ``profile`` section."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=artifact_path(settings().models_dir, "target"))
    ap.add_argument("--out", type=Path, default=settings().reports_dir / "benchmarks.json")
    ap.add_argument("-n", type=int, default=2000, help="calls per stage (default: %(default)s)")
    args = ap.parse_args(argv)

    from bankchurn import explain
    from bankchurn.api.app import create_app
    from bankchurn.api.inference import InferenceService, rows_to_columns
    from bankchurn.api.metrics import ApiMetrics
    from bankchurn.api.middleware import RequestContextMiddleware
    from bankchurn.api.schemas import CustomerFeatures, Prediction
    from bankchurn.api.settings import ApiSettings
    from bankchurn.business import risk_bands
    from bankchurn.threads import scoring_context

    n = args.n
    service = InferenceService.from_path(args.model)
    model = service.artifact.pipeline
    body = json.dumps(CustomerFeatures.model_json_schema()["examples"][0]).encode()
    row = CustomerFeatures.model_validate_json(body).model_dump()
    frame = rows_to_columns([row])
    route = model._array_route()
    score = model._booster_score()
    matrix = route.transform(frame)
    with scoring_context():
        raw = score(matrix)
    p = model.calibrate(raw)

    def respond() -> bytes:
        band = str(risk_bands(p)[0])
        return (
            Prediction(churn_probability=round(float(p[0]), 6), risk_band=band, model_version="v")
            .model_dump_json()
            .encode()
        )

    def model_stage() -> Any:
        with scoring_context():
            return score(matrix)

    stages: dict[str, list[float]] = {
        "validate": timed(lambda: CustomerFeatures.model_validate_json(body), n),
        "to_columns": timed(lambda: rows_to_columns([row]), n),
        "preprocess": timed(lambda: route.transform(frame), n),
        "model": timed(model_stage, n),
        "calibrate": timed(lambda: model.calibrate(raw), n),
        "respond": timed(respond, n),
    }
    explainable = True
    try:
        stages["explain"] = timed(lambda: explain.explain(model, frame), n)
    except (TypeError, ValueError):
        explainable = False

    # The middleware around an app that answers at once: its own cost per request.
    logging.getLogger("bankchurn.api").setLevel(logging.INFO)
    logging.getLogger("bankchurn.api").handlers[:] = [logging.NullHandler()]

    async def empty(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    api_settings = ApiSettings(model_path=args.model, log_level="INFO")
    wrapped = RequestContextMiddleware(
        empty, metrics=ApiMetrics(), max_body_bytes=api_settings.max_body_bytes
    )
    app = create_app(api_settings, service=service)
    logging.getLogger("bankchurn.api").handlers[:] = [logging.NullHandler()]  # no stderr I/O

    loop = asyncio.new_event_loop()
    try:
        for name, target, query in (
            ("middleware_plus_empty_app", wrapped, b""),
            ("asgi_total", app, b""),
            *((("asgi_total_explain", app, b"explain=true"),) if explainable else ()),
        ):
            call = asgi_request(target, "/predict", query, body)
            stages[name] = timed(lambda call=call: loop.run_until_complete(call()), n)
        stages["empty_app"] = timed(lambda: loop.run_until_complete(_noop(empty)), n)
    finally:
        loop.close()

    result = {name: summary(us) for name, us in stages.items()}
    mw = result.pop("middleware_plus_empty_app")
    empty_app = result.pop("empty_app")
    result["middleware"] = {
        "median_us": round(mw["median_us"] - empty_app["median_us"], 1),
        "p99_us": round(mw["p99_us"] - empty_app["p99_us"], 1),
    }
    parts = ("validate", "to_columns", "preprocess", "model", "calibrate", "respond", "middleware")
    staged = sum(result[k]["median_us"] for k in parts)
    total = result["asgi_total"]["median_us"]
    result["framework_rest"] = {"median_us": round(total - staged, 1), "p99_us": None}
    for k, v in result.items():
        v["share_of_request"] = (
            round(v["median_us"] / total, 3) if k in (*parts, "framework_rest") else None
        )
    load = os.getloadavg()[0]
    merge_into(
        args.out,
        {
            "request_profile": result,
            "request_profile_run": {
                "calls_per_stage": n,
                "load_avg_1m": round(load, 2),
                "model_version": service.model_version,
                "what": "one POST /predict in-process (no socket), stage by stage; "
                "framework_rest = whole request minus the timed stages",
            },
        },
    )
    for k, v in result.items():
        print(
            f"{k:20} median {v['median_us']:9.1f} us  p99 {v['p99_us']}  share {v['share_of_request']}"
        )
    print(f"wrote profile -> {args.out}")
    return 0


async def _noop(app: Any) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        return None

    await app({"type": "http"}, receive, send)


if __name__ == "__main__":
    sys.exit(main())
