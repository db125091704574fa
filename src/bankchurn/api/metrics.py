"""Prometheus metrics of the inference API, one registry per app instance.

The exposition names below are the ones the docs' monitoring section quotes verbatim; they are
exported as constants so the site renders them from code instead of a second copy.

| metric | type | labels |
| --- | --- | --- |
| ``bankchurn_http_requests_total`` | counter | method, route, status |
| ``bankchurn_http_request_duration_seconds`` | histogram | method, route, status |
| ``bankchurn_predictions_total`` | counter | risk_band |
| ``bankchurn_churn_probability`` | histogram | (none) |
| ``bankchurn_inference_duration_seconds`` | histogram | endpoint |
| ``bankchurn_model_info`` | info (gauge = 1) | model_version, model_path (file or registry URI) |
| ``bankchurn_model_ready`` | gauge (1 ready, 0 not) | (none) |
| ``bankchurn_reference_risk_band_share`` | gauge | risk_band |

The reference shares are the risk-band shares of the model's calibrated probabilities on its
training window (artifact metadata ``score_reference``); the score-shift alert compares the
served shares with them by the PSI of `bankchurn.drift`.

``route`` is the route TEMPLATE (``/predict``), or ``unmatched`` for unknown paths, so a
scanner cannot blow up the label cardinality.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
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
CHURN_PROBABILITY = "bankchurn_churn_probability"
MODEL_READY = "bankchurn_model_ready"
REFERENCE_BAND_SHARE = "bankchurn_reference_risk_band_share"

#: Every exposition name, for the docs' monitoring section.
METRIC_NAMES: tuple[str, ...] = (
    HTTP_REQUESTS_TOTAL,
    HTTP_REQUEST_DURATION_SECONDS,
    PREDICTIONS_TOTAL,
    INFERENCE_DURATION_SECONDS,
    MODEL_INFO,
    CHURN_PROBABILITY,
    MODEL_READY,
    REFERENCE_BAND_SHARE,
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

#: Buckets of the served churn probabilities; the risk-band bounds are among them, so a
#: dashboard reads band shares from the histogram too.
PROBABILITY_BUCKETS: tuple[float, ...] = tuple(
    sorted({0.05, 0.1, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0} | {b for _, b in RISK_BANDS if b > 0})
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
        self.probability = Histogram(
            CHURN_PROBABILITY,
            "Calibrated churn probabilities served.",
            buckets=PROBABILITY_BUCKETS,
            registry=self.registry,
        )
        self.ready = Gauge(
            MODEL_READY,
            "1 while the model is loaded and the app accepts scoring requests, else 0.",
            registry=self.registry,
        )
        self.reference = Gauge(
            REFERENCE_BAND_SHARE,
            "Share of each risk band among the model's training-window probabilities.",
            ("risk_band",),
            registry=self.registry,
        )
        # Labelled children by (method, route, status): ``labels()`` re-checks and joins its
        # label values on every call. Routes are templates, so the key set stays small.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and record its latency."""
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:  # first request of this kind: look the labelled children up once
            labels = (method, route, str(status))
            children = (self.requests.labels(*labels), self.latency.labels(*labels))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_predictions(
        self, scores: Iterable[tuple[float, str]], endpoint: str, seconds: float
    ) -> None:
        """Count scored customers per band, record their probabilities and the pipeline time.

        Args:
            scores: ``(churn_probability, risk_band)`` of each scored customer.
            endpoint: Route name the scores were served by.
            seconds: Time spent in the model pipeline.
        """
        counts: dict[str, int] = {}
        for probability, band in scores:
            counts[band] = counts.get(band, 0) + 1
            self.probability.observe(probability)
        for band, n in counts.items():
            self.predictions.labels(band).inc(n)
        self.inference.labels(endpoint).observe(seconds)

    def set_model(
        self, model_version: str, model_path: str, score_reference: Mapping[str, Any] | None
    ) -> None:
        """Publish which artifact is served and its reference risk-band shares (if recorded)."""
        self.model.info({"model_version": model_version, "model_path": model_path})
        if score_reference:
            bands = score_reference["risk_bands"]
            for band, share in zip(bands, score_reference["shares"], strict=True):
                self.reference.labels(band).set(float(share))

    def exposition(self) -> tuple[bytes, str]:
        """Text exposition of the registry and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
