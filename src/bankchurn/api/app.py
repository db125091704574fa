"""FastAPI application factory of the BankChurn inference API.

``create_app(settings)`` loads the model artifact ONCE, before the app exists: a missing or
corrupt artifact raises [`bankchurn.errors.UserError`][bankchurn.errors.UserError] (one line) and no app is built,
so the server refuses to start instead of serving a degraded mode.

Routes (all JSON unless noted):

* ``POST /predict``: one customer -> churn probability, risk band, model version; with
  ``?explain=true`` also the exact TreeSHAP explanation of the score (`bankchurn.explain`).
* ``POST /predict/batch``: ``{"customers": [...]}`` -> predictions in order; HTTP 413 above
  the batch limit.
* ``GET /health``: liveness (the process answers).
* ``GET /ready``: readiness (model loaded and not shutting down), 503 otherwise.
* ``GET /metrics``: Prometheus text exposition (see `bankchurn.api.metrics`).
* ``GET /docs`` and ``GET /redoc``: interactive OpenAPI docs served from local assets
  (``fastapi-offline``), so they work without internet.

``/predict`` scores its one customer (and explains it) on the event loop: that costs less
than the hop to a worker thread and back, which on a busy machine waits for the thread to be
scheduled. ``/predict/batch`` is a plain ``def`` route, which FastAPI runs in its
thread pool, so a large batch never holds the event loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from bankchurn import __version__
from bankchurn.api.inference import InferenceService, Score
from bankchurn.api.metrics import ApiMetrics
from bankchurn.api.middleware import (
    RequestContextMiddleware,
    app_log,
    configure_logging,
    request_id_of,
)
from bankchurn.api.schemas import (
    BatchRequest,
    BatchResponse,
    CustomerFeatures,
    ErrorResponse,
    ExplainedPrediction,
    Explanation,
    Health,
    Prediction,
    QueryBoolean,
    Readiness,
    RegisteredModel,
)
from bankchurn.api.settings import ApiSettings, load_settings
from bankchurn.business import RISK_BANDS
from bankchurn.errors import printable

_BANDS_DOC = ", ".join(f"**{name}** from {lower:.2f}" for name, lower in RISK_BANDS)
DESCRIPTION = f"""
Scores bank customers with the calibrated BankChurn target model.

* Request fields are the feature columns of the data contract; ranges and categories come from
  `bankchurn.contract`. Unknown fields, wrong JSON types and out-of-range values get **422**
  with one message per field.
* `churn_probability` is the calibrated probability of churn; risk bands on it: {_BANDS_DOC}.
* `POST /predict?explain=true` adds `explanation`: exact TreeSHAP contributions of each feature,
  in the calibrated log-odds, sorted by magnitude; `base_value` plus the contributions equals
  `logit(churn_probability)`.
* Every response carries an `X-Request-ID` header (yours, if you send a valid one).
"""

_ERRORS: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorResponse, "description": "Body is not sent as application/json."},
    500: {"model": ErrorResponse, "description": "Unexpected error (no details leaked)."},
}


async def _require_json(request: Request) -> None:
    """Answer 415 when a body is declared with a content type other than JSON.

    ``async`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread
    hop per request for a header check.
    """
    content_type = request.headers.get("content-type")
    if content_type is None:
        return  # an absent body/content type ends as a 422 "Field required"
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise HTTPException(415, detail=f"content type must be application/json, not {media!r}")


async def _known_query(request: Request) -> None:
    """Answer 422 for a query parameter the route does not declare, or one given twice.

    FastAPI ignores unknown query parameters and keeps the last of repeated ones, so
    ``?explian=true`` or ``?explain=true&explain=false`` would be answered 200 without the
    client noticing what was ignored; the body already refuses unknown fields the same way.
    """
    declared: set[str] = set()
    todo = [getattr(request.scope.get("route"), "dependant", None)]
    while todo:  # the route's own parameters and those of its dependencies
        dependant = todo.pop()
        if dependant is not None:
            declared.update(p.alias for p in dependant.query_params)
            todo.extend(dependant.dependencies)
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name, value in request.query_params.multi_items():
        if name not in declared:
            msg, rule = "Extra inputs are not permitted", "extra_forbidden"
        elif name in seen:
            msg, rule = "Given more than once", "repeated"
        else:
            seen.add(name)
            continue
        errors.append({"type": rule, "loc": ("query", name), "msg": msg, "input": value})
    if errors:
        raise RequestValidationError(errors)


#: Most items of a list or object echoed back in an error (the rest is summarised).
ECHO_ITEMS = 20


def _json_safe(value: Any) -> Any:
    r"""What an error may echo of the client's input: valid JSON, short and printable.

    NaN/Infinity (valid Python, invalid JSON) become text; strings are escaped (a lone
    surrogate such as ``"\\ud800"`` cannot be encoded as UTF-8) and capped, and long lists and
    objects are cut, so an error is never larger than the limit allows.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        items = list(value.items())
        out = {printable(str(k)): _json_safe(v) for k, v in items[:ECHO_ITEMS]}
        if len(items) > ECHO_ITEMS:
            out["..."] = f"{len(items) - ECHO_ITEMS} more keys"
        return out
    if isinstance(value, list | tuple):
        cut = [_json_safe(v) for v in value[:ECHO_ITEMS]]
        return cut + (
            [f"... {len(value) - ECHO_ITEMS} more items"] if len(value) > ECHO_ITEMS else []
        )
    return value


def _error_body(request: Request, detail: Any) -> dict[str, Any]:
    return {"detail": detail, "request_id": request_id_of(request.scope)}


def create_app(
    settings: ApiSettings | None = None, *, service: InferenceService | None = None
) -> FastAPI:
    """Build the API around one loaded model artifact.

    Args:
        settings: Configuration; read from ``BANKCHURN_API_*`` environment variables when
            omitted.
        service: An already-loaded inference service (tests); loaded from
            ``settings.model_uri`` (registry) or ``settings.model_path`` when omitted.

    Returns:
        The FastAPI application, ready to be served by uvicorn.

    Raises:
        UserError: When the settings are invalid or the artifact is missing or corrupt.
    """
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    if service is None:
        service = (
            InferenceService.from_registry(settings.model_uri)
            if settings.model_uri is not None
            else InferenceService.from_path(settings.model_path)
        )
    metrics = ApiMetrics()
    metrics.set_model(
        service.model_version,
        service.source,
        service.artifact.metadata.get("score_reference"),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ready = True
        metrics.ready.set(1)
        app_log.info(
            "startup",
            extra={
                "fields": {
                    "model_version": service.model_version,
                    "model_source": service.source,
                }
            },
        )
        yield
        app.state.ready = False  # draining: /ready turns 503 while uvicorn finishes requests
        metrics.ready.set(0)

    app = FastAPIOffline(
        title="BankChurn Predictor API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Metrics are Prometheus (`bankchurn.api.metrics`); FastAPI's OpenTelemetry bridge
        # would otherwise look up the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.service = service
    app.state.metrics = metrics
    app.state.ready = False
    # The body limit lives in this middleware, not in FastAPI's max_body_size: that one
    # answers a plain-text 413 without the request id, which this middleware then counted
    # as a crash (500).
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes
    )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                k: printable(v, 300) if k in ("msg", "type") else _json_safe(v)
                for k, v in error.items()
            }
            for error in jsonable_encoder(exc.errors())[:ECHO_ITEMS]
        ]
        return JSONResponse(_error_body(request, errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return JSONResponse(
            _error_body(request, exc.detail), status_code=exc.status_code, headers=exc.headers
        )

    def _prediction(score: Score) -> Prediction:
        return Prediction(
            churn_probability=score.churn_probability,
            risk_band=score.risk_band,
            model_version=service.model_version,
        )

    @app.post(
        "/predict",
        response_model=ExplainedPrediction,
        response_model_exclude_unset=True,  # no `explanation` key unless one was asked for
        tags=["scoring"],
        summary="Score one customer",
        dependencies=[Depends(_require_json), Depends(_known_query)],
        responses={
            **_ERRORS,
            409: {
                "model": ErrorResponse,
                "description": "explain=true, but the served model has no TreeSHAP explanations.",
            },
        },
    )
    async def predict(
        customer: CustomerFeatures,
        explain: Annotated[
            QueryBoolean,
            Query(description="Also return the exact TreeSHAP explanation of the score."),
        ] = False,
    ) -> Response:
        """Calibrated churn probability, risk band and model version of one customer."""
        row = customer.model_dump()
        if explain and not service.explainable:
            raise HTTPException(409, detail="the served model has no TreeSHAP explanations")
        # On the event loop, on purpose: one row costs less than a thread hop.
        start = time.perf_counter()
        if explain:
            score, explanation = service.explain_one(row)
        else:
            score = service.predict_one(row)
        metrics.observe_predictions(
            [(score.churn_probability, score.risk_band)], "predict", time.perf_counter() - start
        )
        # The JSON bytes FastAPI would send for `response_model` (same fields, same order),
        # without validating the model it was just built from a second time.
        answer = (
            ExplainedPrediction(
                **_prediction(score).model_dump(),
                explanation=Explanation.model_validate(explanation),
            )
            if explain
            else _prediction(score)
        )
        return Response(answer.model_dump_json(), media_type="application/json")

    @app.post(
        "/predict/batch",
        response_model=BatchResponse,
        tags=["scoring"],
        summary="Score a batch of customers",
        dependencies=[Depends(_require_json), Depends(_known_query)],
        responses={
            **_ERRORS,
            413: {
                "model": ErrorResponse,
                "description": f"More than the batch limit ({settings.batch_limit}) "
                "customers, or a body too large.",
            },
        },
    )
    def predict_batch(batch: BatchRequest) -> BatchResponse:
        """Score up to the batch limit of customers; predictions keep the request order."""
        n = len(batch.customers)
        if n > settings.batch_limit:
            raise HTTPException(
                413, detail=f"batch of {n} customers exceeds the limit of {settings.batch_limit}"
            )
        rows = [c.model_dump() for c in batch.customers]
        start = time.perf_counter()
        scores = service.predict_many(rows)  # plain `def` route: runs in a worker thread
        metrics.observe_predictions(
            ((s.churn_probability, s.risk_band) for s in scores),
            "predict_batch",
            time.perf_counter() - start,
        )
        return BatchResponse(predictions=[_prediction(s) for s in scores])

    @app.get("/health", response_model=Health, tags=["operations"], summary="Liveness")
    async def health() -> Health:
        """The process is up and answering."""
        return Health(status="ok")

    @app.get(
        "/ready",
        response_model=Readiness,
        tags=["operations"],
        summary="Readiness",
        responses={503: {"model": ErrorResponse, "description": "Not ready (shutting down)."}},
    )
    async def ready(request: Request) -> Readiness:
        """The model is loaded and the app accepts scoring requests."""
        if not request.app.state.ready:
            raise HTTPException(503, detail="not ready")
        reg = service.registered
        return Readiness(
            status="ready",
            model_version=service.model_version,
            model_source=service.source,
            registered_model=None
            if reg is None
            else RegisteredModel(
                name=reg.name, version=reg.version, alias=reg.alias, run_id=reg.run_id
            ),
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={
            200: {
                "content": {"text/plain": {"schema": {"type": "string"}}},
                "description": "Prometheus text exposition format.",
            }
        },
    )
    async def prometheus_metrics() -> Response:
        """Request counts and latencies by route and status, predictions by risk band, model."""
        body, content_type = metrics.exposition()
        return Response(content=body, media_type=content_type)

    return app
