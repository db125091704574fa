"""Prometheus metrics of the inference API, one registry per app instance.

The exposition names below are the ones the docs' monitoring section quotes verbatim; they are
exported as constants so the site renders them from code instead of a second copy.

| metric | type | labels |
| --- | --- | --- |
| ``bankchurn_http_requests_total`` | counter | method, route, status |
| ``bankchurn_http_request_duration_seconds`` | histogram | method, route, status |
| ``bankchurn_predictions_total`` | counter | risk_band |
| ``bankchurn_inference_duration_seconds`` | histogram | endpoint |
| ``bankchurn_model_info`` | info (gauge = 1) | model_version, model_path (file or registry URI) |

``route`` is the route TEMPLATE (``/predict``), or ``unmatched`` for unknown paths, so a
scanner cannot blow up the label cardinality.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    generate_latest,
)

from bankchurn.business import RISK_BANDS

HTTP_REQUESTS_TOTAL = "bankchurn_http_requests_total"
HTTP_REQUEST_DURATION_SECONDS = "bankchurn_http_request_duration_seconds"
PREDICTIONS_TOTAL = "bankchurn_predictions_total"
INFERENCE_DURATION_SECONDS = "bankchurn_inference_duration_seconds"
MODEL_INFO = "bankchurn_model_info"

#: Every exposition name, for the docs' monitoring section.
METRIC_NAMES: tuple[str, ...] = (
    HTTP_REQUESTS_TOTAL,
    HTTP_REQUEST_DURATION_SECONDS,
    PREDICTIONS_TOTAL,
    INFERENCE_DURATION_SECONDS,
    MODEL_INFO,
)

#: Latency buckets (seconds): fine below the engineering P99 goal, where the API is expected to
#: answer, up to the canvas's P99 target and beyond (both declared in ``bankchurn.targets``).
LATENCY_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.0075,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)

UNMATCHED_ROUTE = "unmatched"


class ApiMetrics:
    """Collectors of one app, in a private `CollectorRegistry`.

    A private registry keeps two apps in one process (tests) from sharing or clashing counters.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            HTTP_REQUESTS_TOTAL.removesuffix("_total"),
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            HTTP_REQUEST_DURATION_SECONDS,
            "Wall time from request received to response sent, in seconds.",
            ("method", "route", "status"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            PREDICTIONS_TOTAL.removesuffix("_total"),
            "Customers scored, by risk band of the calibrated churn probability.",
            ("risk_band",),
            registry=self.registry,
        )
        for band, _ in RISK_BANDS:  # every band exported from the start, at 0
            self.predictions.labels(band)
        self.inference = Histogram(
            INFERENCE_DURATION_SECONDS,
            "Time spent in the model pipeline per scoring call, in seconds.",
            ("endpoint",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.model = Info(
            MODEL_INFO.removesuffix("_info"),
            "Model artifact being served (value is always 1).",
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and record its latency."""
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def observe_predictions(self, bands: Iterable[str], endpoint: str, seconds: float) -> None:
        """Count scored customers per band and record the pipeline time of the call."""
        counts: dict[str, int] = {}
        for band in bands:
            counts[band] = counts.get(band, 0) + 1
        for band, n in counts.items():
            self.predictions.labels(band).inc(n)
        self.inference.labels(endpoint).observe(seconds)

    def set_model(self, model_version: str, model_path: str) -> None:
        """Publish which artifact is served."""
        self.model.info({"model_version": model_version, "model_path": model_path})

    def exposition(self) -> tuple[bytes, str]:
        """Text exposition of the registry and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
