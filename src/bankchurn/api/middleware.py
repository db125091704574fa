"""Request id, JSON access log, metrics and last-resort error handling (one ASGI middleware).

A plain ASGI middleware (not ``BaseHTTPMiddleware``) so it adds no task or stream per request.
It sits between Starlette's outermost error middleware and the router, so it sees every
response, including 404/405/413/422 and crashes, and it is the one place that:

* takes the caller's ``X-Request-ID`` (if it is a short, printable token) or makes one, and
  returns it on every response;
* writes one JSON access-log line per request (method, path, route, status, latency_ms,
  request_id);
* counts the request and its latency in the app's Prometheus registry;
* enforces the body size limit: a body declared or found larger than the limit ends as the
  app's JSON ``413`` (with the request id), counted and logged as 413, never read further;
* turns an unhandled exception into a generic ``500`` JSON body carrying the request id:
  the traceback goes to the server log only, never to the client.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bankchurn.api.metrics import UNMATCHED_ROUTE, ApiMetrics

REQUEST_ID_HEADER = "X-Request-ID"
LOGGER_NAME = "bankchurn.api"
app_log = logging.getLogger(LOGGER_NAME)
access_log = logging.getLogger(f"{LOGGER_NAME}.access")
error_log = logging.getLogger(f"{LOGGER_NAME}.error")

# Accept a caller's id only when it cannot inject anything into logs or headers.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        doc: dict[str, Any] = {
            "ts": round(record.created, 6),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        doc.update(getattr(record, "fields", {}))
        if record.exc_info:
            doc["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(doc, sort_keys=True, default=str)


def configure_logging(level: str) -> None:
    """Send the ``bankchurn.api`` loggers to stderr as JSON lines at ``level``.

    Idempotent: a second app in the same process replaces the handler instead of doubling it.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_bankchurn", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._bankchurn = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


def request_id_of(scope: Scope) -> str | None:
    """Request id the middleware assigned to this request (``None`` outside a request)."""
    return scope.get("state", {}).get("request_id")


def _incoming_request_id(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            candidate = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class RequestContextMiddleware:
    """See the module docstring.

    Args:
        app: The wrapped ASGI app.
        metrics: Collectors of this app.
        max_body_bytes: Largest request body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, metrics: ApiMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        """``receive`` that raises HTTP 413 once the body passes the limit.

        Raised while the route reads its body, so the app's own exception handler answers it
        (JSON, request id) and this middleware counts a 413, not a crash.
        """
        limit = self.max_body_bytes
        too_large = HTTPException(413, detail=f"request body larger than {limit} bytes")
        declared = None
        for key, value in scope.get("headers", ()):
            if key == b"content-length":
                declared = int(value) if value.isdigit() else None
        seen = 0

        async def receive_limited() -> Message:
            nonlocal seen
            if declared is not None and declared > limit:
                raise too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large
            return message

        return receive_limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection (HTTP requests are logged and measured)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = _incoming_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, self._limited(scope, receive), send_with_id)
        except Exception:  # noqa: BLE001  (last resort: log it, answer a generic 500)
            status = 500
            error_log.error(
                "unhandled error",
                exc_info=True,
                extra={"fields": {"request_id": request_id, "path": scope.get("path")}},
            )
            if not started:
                body = json.dumps(
                    {"detail": "internal server error", "request_id": request_id}
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - start
            route = _route_label(scope)
            method = scope.get("method", "")
            self.metrics.observe_request(method, route, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "fields": {
                            "method": method,
                            "path": scope.get("path", ""),
                            "route": route,
                            "status": status,
                            "latency_ms": round(elapsed * 1000.0, 3),
                            "request_id": request_id,
                        }
                    },
                )
