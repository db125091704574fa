"""/metrics: valid Prometheus exposition whose counters follow the traffic."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bankchurn.api import metrics as m


def _samples(client: TestClient) -> dict[str, list[Any]]:
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    out: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def _value(samples: dict[str, list[Any]], name: str, **labels: str) -> float:
    return sum(
        s.value
        for s in samples.get(name, [])
        if all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_exposition_parses_and_has_every_documented_name(
    client: TestClient, customer: dict[str, Any]
) -> None:
    client.post("/predict", json=customer)  # labelled series appear once observed
    samples = _samples(client)
    # The reference shares need an artifact that records them (tested below).
    for name in set(m.METRIC_NAMES) - {m.REFERENCE_BAND_SHARE}:
        present = [
            s
            for s in samples
            if s == name
            or s.startswith(name + "_")
            or (name.endswith("_seconds") and s.startswith(name))
        ]
        assert present, f"{name} missing from /metrics"


def test_model_info_names_the_served_version(client: TestClient) -> None:
    info = _samples(client)[m.MODEL_INFO]
    assert len(info) == 1
    assert info[0].value == 1.0
    assert info[0].labels["model_version"] == "test-tiny-1"


def test_counters_move_with_requests(client: TestClient, customer: dict[str, Any]) -> None:
    before = _samples(client)
    bands = [client.post("/predict", json=customer).json()["risk_band"] for _ in range(3)]
    batch = client.post("/predict/batch", json={"customers": [customer, {**customer, "Age": 80}]})
    bands += [p["risk_band"] for p in batch.json()["predictions"]]
    client.post("/predict", json={**customer, "Age": 5})  # 422
    after = _samples(client)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    req = m.HTTP_REQUESTS_TOTAL
    assert delta(req, method="POST", route="/predict", status="200") == 3
    assert delta(req, method="POST", route="/predict", status="422") == 1
    assert delta(req, method="POST", route="/predict/batch", status="200") == 1
    hist = m.HTTP_REQUEST_DURATION_SECONDS
    assert delta(hist + "_count", route="/predict", status="200") == 3
    assert delta(hist + "_sum", route="/predict", status="200") > 0
    for band in set(bands):
        assert delta(m.PREDICTIONS_TOTAL, risk_band=band) == bands.count(band)
    assert sum(delta(m.PREDICTIONS_TOTAL, risk_band=b) for b in ("low", "medium", "high")) == 5
    assert delta(m.INFERENCE_DURATION_SECONDS + "_count", endpoint="predict") == 3
    assert delta(m.INFERENCE_DURATION_SECONDS + "_count", endpoint="predict_batch") == 1


def test_unknown_paths_share_one_label(client: TestClient) -> None:
    for i in range(5):
        client.get(f"/scanner/probe/{i}")
    samples = _samples(client)
    routes = {s.labels["route"] for s in samples[m.HTTP_REQUESTS_TOTAL]}
    assert m.UNMATCHED_ROUTE in routes
    assert not any(r.startswith("/scanner") for r in routes)


def test_each_app_has_its_own_registry(client: TestClient, settings: Any) -> None:
    from bankchurn.api.app import create_app

    client.get("/health")
    with TestClient(create_app(settings)) as other:
        fresh = _samples(other)
        assert _value(fresh, m.HTTP_REQUESTS_TOTAL, route="/health") == 0


def test_every_risk_band_is_exported_before_any_prediction(client: TestClient) -> None:
    bands = {s.labels["risk_band"]: s.value for s in _samples(client)[m.PREDICTIONS_TOTAL]}
    assert bands == {"low": 0.0, "medium": 0.0, "high": 0.0}


def test_served_probabilities_are_a_histogram_with_the_band_bounds(
    client: TestClient, customer: dict[str, Any]
) -> None:
    from bankchurn.business import RISK_BANDS

    probabilities = [client.post("/predict", json=customer).json()["churn_probability"]]
    batch = client.post("/predict/batch", json={"customers": [customer, {**customer, "Age": 80}]})
    probabilities += [p["churn_probability"] for p in batch.json()["predictions"]]
    samples = _samples(client)
    name = m.CHURN_PROBABILITY
    assert _value(samples, name + "_count") == 3
    assert _value(samples, name + "_sum") == pytest.approx(sum(probabilities), abs=1e-5)
    bounds = {float(s.labels["le"]) for s in samples[name + "_bucket"]}
    assert {lower for _, lower in RISK_BANDS if lower > 0} <= bounds
    below_half = _value(samples, name + "_bucket", le="0.5")
    assert below_half == sum(p < 0.5 for p in probabilities)


def test_readiness_and_reference_shares_are_exported(
    settings: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from bankchurn.api.app import create_app
    from bankchurn.artifacts import load_artifact, save_artifact

    tiny = load_artifact(settings.model_path)
    reference = {"risk_bands": ["low", "medium", "high"], "shares": [0.6, 0.3, 0.1]}
    path = save_artifact(
        tmp_path_factory.mktemp("ref") / "model.joblib",
        tiny.pipeline,
        {**tiny.metadata, "score_reference": reference},
    )
    app = create_app(settings.model_copy(update={"model_path": path}))
    with TestClient(app) as c:
        samples = _samples(c)
        assert _value(samples, m.MODEL_READY) == 1
        shares = {s.labels["risk_band"]: s.value for s in samples[m.REFERENCE_BAND_SHARE]}
        assert shares == {"low": 0.6, "medium": 0.3, "high": 0.1}
    assert app.state.metrics.ready._value.get() == 0  # lifespan ended: not ready any more


def test_no_reference_shares_without_them_in_the_artifact(client: TestClient) -> None:
    assert m.REFERENCE_BAND_SHARE not in _samples(client)
