"""Every route of the inference API, happy paths and every kind of bad input."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from bankchurn.api.app import create_app
from bankchurn.api.inference import InferenceService, rows_to_columns
from bankchurn.api.schemas import risk_band
from bankchurn.artifacts import ModelArtifact
from bankchurn.business import RISK_BANDS
from bankchurn.contract import BY_NAME, FEATURES


def _assert_field_error(
    response: httpx.Response, field: str, error_type: str | None = None
) -> None:
    """422 whose detail names ``field`` (last element of ``loc``) and carries a message."""
    assert response.status_code == 422, response.text
    body = response.json()
    matching = [e for e in body["detail"] if e["loc"][-1] == field]
    assert matching, body
    assert all(e["msg"] for e in matching)
    if error_type is not None:
        assert error_type in {e["type"] for e in matching}, matching
    assert body["request_id"] == response.headers["x-request-id"]


# --- POST /predict ------------------------------------------------------------------------


def test_predict_scores_one_customer(client: TestClient, customer: dict[str, Any]) -> None:
    r = client.post("/predict", json=customer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"churn_probability", "risk_band", "model_version"}
    assert 0.0 <= body["churn_probability"] <= 1.0
    assert body["risk_band"] == risk_band(body["churn_probability"])
    assert body["model_version"] == client.app.state.service.model_version  # type: ignore[attr-defined]
    assert body["model_version"] == "test-tiny-1"
    assert r.headers["x-request-id"]


def test_predict_returns_the_pipelines_probability(
    client: TestClient, customer: dict[str, Any]
) -> None:
    service: InferenceService = client.app.state.service  # type: ignore[attr-defined]
    expected = service.artifact.pipeline.predict_proba(pd.DataFrame(rows_to_columns([customer])))[
        0, 1
    ]
    got = client.post("/predict", json=customer).json()["churn_probability"]
    assert got == pytest.approx(expected, abs=1e-6)


def test_older_inactive_german_customer_scores_higher(
    client: TestClient, customer: dict[str, Any]
) -> None:
    # The tiny model learnt churn rises with age and inactivity: the API must not scramble rows.
    young = client.post("/predict", json={**customer, "Age": 25, "IsActiveMember": 1}).json()
    old = client.post(
        "/predict", json={**customer, "Age": 70, "IsActiveMember": 0, "Geography": "Germany"}
    ).json()
    assert old["churn_probability"] > young["churn_probability"]


@pytest.mark.parametrize(
    ("p", "band"),
    [
        (0.0, "low"),
        (0.199999, "low"),
        (0.2, "medium"),
        (0.499999, "medium"),
        (0.5, "high"),
        (1.0, "high"),
    ],
)
def test_risk_band_edges(p: float, band: str) -> None:
    assert risk_band(p) == band
    assert [name for name, _ in RISK_BANDS] == ["low", "medium", "high"]


def test_nullable_fields_may_be_null_or_omitted(
    client: TestClient, customer: dict[str, Any]
) -> None:
    nullable = [n for n in FEATURES if BY_NAME[n].nullable]
    assert nullable  # the contract declares imputed columns
    as_null = client.post("/predict", json={**customer, **{n: None for n in nullable}})
    omitted = client.post("/predict", json={k: v for k, v in customer.items() if k not in nullable})
    assert as_null.status_code == omitted.status_code == 200, (as_null.text, omitted.text)
    assert as_null.json() == omitted.json()


def test_integral_floats_count_as_integers(client: TestClient, customer: dict[str, Any]) -> None:
    # JSON Schema's "integer" includes 42.0; the published schema and the API agree on it.
    as_floats = {**customer, "Age": 42.0, "NumOfProducts": 1.0, "HasCrCard": 1.0}
    assert (
        client.post("/predict", json=as_floats).json()
        == client.post("/predict", json=customer).json()
    )


def test_request_id_is_echoed_or_generated(client: TestClient, customer: dict[str, Any]) -> None:
    mine = client.post("/predict", json=customer, headers={"X-Request-ID": "crm-batch-42.7"})
    assert mine.headers["x-request-id"] == "crm-batch-42.7"
    fresh = client.get("/health")
    other = client.get("/health")
    assert fresh.headers["x-request-id"] != other.headers["x-request-id"]
    # A value that could forge log lines is replaced, not echoed.
    evil = client.get("/health", headers={"X-Request-ID": 'x" injected="1'})
    assert evil.headers["x-request-id"] != 'x" injected="1'
    assert (
        len(client.get("/health", headers={"X-Request-ID": "a" * 500}).headers["x-request-id"])
        <= 128
    )


BAD_FIELDS = [
    pytest.param("Surname", "Smith", "extra_forbidden", id="unknown-field-pii"),
    pytest.param("Exited", 1, "extra_forbidden", id="unknown-field-label"),
    pytest.param("Age", "42", "int_type", id="string-for-int"),
    pytest.param("Age", 42.5, "int_type", id="float-for-int"),
    pytest.param("Age", True, "int_type", id="bool-for-int"),
    pytest.param("Age", 17, "greater_than_equal", id="age-below-range"),
    pytest.param("Age", 101, "less_than_equal", id="age-above-range"),
    pytest.param("CreditScore", 299, "greater_than_equal", id="credit-below-range"),
    pytest.param("NumOfProducts", 7, "less_than_equal", id="products-7"),
    pytest.param("Balance", -1.0, "greater_than_equal", id="negative-balance"),
    pytest.param("Balance", "lots", "float_type", id="string-for-float"),
    pytest.param("Geography", "Mars", "literal_error", id="unknown-country"),
    pytest.param("Geography", "france", "literal_error", id="wrong-case-category"),
    pytest.param("Geography", 1, "literal_error", id="int-for-category"),
    pytest.param("Gender", "Female", "extra_forbidden", id="gender-is-not-an-input"),
    pytest.param("HasCrCard", 2, "literal_error", id="flag-2"),
    pytest.param("HasCrCard", True, "value_error", id="bool-for-flag"),
    pytest.param("Age", None, "int_type", id="null-for-required"),
    pytest.param("Geography", None, "literal_error", id="null-category"),
]


@pytest.mark.parametrize(("field", "value", "error_type"), BAD_FIELDS)
def test_predict_rejects_bad_field(
    client: TestClient, customer: dict[str, Any], field: str, value: Any, error_type: str
) -> None:
    _assert_field_error(client.post("/predict", json={**customer, field: value}), field, error_type)


@pytest.mark.parametrize("field", [n for n in FEATURES if not BY_NAME[n].nullable])
def test_predict_requires_non_nullable_fields(
    client: TestClient, customer: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in customer.items() if k != field}
    _assert_field_error(client.post("/predict", json=body), field, "missing")


def test_every_out_of_range_bound_of_the_contract_is_enforced(
    client: TestClient, customer: dict[str, Any]
) -> None:
    # Walk the contract itself so a new range is tested without touching this file.
    checked = 0
    for name in FEATURES:
        spec = BY_NAME[name]
        step = 1 if spec.kind == "int" else 0.01
        for bound, outside in ((spec.minimum, -step), (spec.maximum, step)):
            if bound is None or spec.kind not in ("int", "float"):
                continue
            value = int(bound + outside) if spec.kind == "int" else bound + outside
            _assert_field_error(client.post("/predict", json={**customer, name: value}), name)
            inside = int(bound) if spec.kind == "int" else float(bound)
            assert client.post("/predict", json={**customer, name: inside}).status_code == 200
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        pytest.param(b"", {"content-type": "application/json"}, id="empty-body"),
        pytest.param(b"", {}, id="no-body-no-type"),
        pytest.param(b"{", {"content-type": "application/json"}, id="truncated-json"),
        pytest.param(b"{'Age': 40}", {"content-type": "application/json"}, id="python-not-json"),
        pytest.param(b"[]", {"content-type": "application/json"}, id="array-not-object"),
        pytest.param(b"null", {"content-type": "application/json"}, id="null-body"),
        pytest.param(b'"customer"', {"content-type": "application/json"}, id="string-body"),
        pytest.param(b"\xff\xfe", {"content-type": "application/json"}, id="not-utf8"),
    ],
)
def test_predict_rejects_malformed_bodies(
    client: TestClient, content: bytes, headers: dict[str, str]
) -> None:
    r = client.post("/predict", content=content, headers=headers)
    assert r.status_code in (400, 422), r.text
    assert "detail" in r.json()


def test_predict_rejects_nan_and_infinity(client: TestClient, customer: dict[str, Any]) -> None:
    text = json.dumps(customer).replace('"Balance": 0.0', '"Balance": NaN')
    assert "NaN" in text
    r = client.post("/predict", content=text, headers={"content-type": "application/json"})
    _assert_field_error(r, "Balance", "finite_number")
    text = json.dumps(customer).replace('"Balance": 0.0', '"Balance": Infinity')
    r = client.post("/predict", content=text, headers={"content-type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_predict_rejects_wrong_content_type(
    client: TestClient, customer: dict[str, Any], content_type: str
) -> None:
    r = client.post(
        "/predict", content=json.dumps(customer), headers={"content-type": content_type}
    )
    assert r.status_code == 415
    assert "application/json" in r.json()["detail"]


def test_predict_accepts_json_with_charset(client: TestClient, customer: dict[str, Any]) -> None:
    r = client.post(
        "/predict",
        content=json.dumps(customer),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 200


def test_wrong_method_and_unknown_path(client: TestClient) -> None:
    assert client.get("/predict").status_code == 405
    r = client.get("/no/such/route")
    assert r.status_code == 404
    assert r.json()["request_id"] == r.headers["x-request-id"]


# --- POST /predict/batch ------------------------------------------------------------------


def test_batch_scores_in_request_order(client: TestClient, customer: dict[str, Any]) -> None:
    customers = [{**customer, "Age": age} for age in (20, 35, 50, 65, 80)]
    r = client.post("/predict/batch", json={"customers": customers})
    assert r.status_code == 200, r.text
    batch = r.json()["predictions"]
    singles = [client.post("/predict", json=c).json() for c in customers]
    assert batch == singles


def test_batch_at_the_limit_is_accepted(client: TestClient, customer: dict[str, Any]) -> None:
    BATCH_LIMIT = client.app.state.settings.batch_limit  # type: ignore[attr-defined]
    r = client.post("/predict/batch", json={"customers": [customer] * BATCH_LIMIT})
    assert r.status_code == 200
    assert len(r.json()["predictions"]) == BATCH_LIMIT


def test_batch_over_the_limit_gets_413(client: TestClient, customer: dict[str, Any]) -> None:
    BATCH_LIMIT = client.app.state.settings.batch_limit  # type: ignore[attr-defined]
    r = client.post("/predict/batch", json={"customers": [customer] * (BATCH_LIMIT + 1)})
    assert r.status_code == 413
    assert str(BATCH_LIMIT) in r.json()["detail"]


def test_oversized_body_gets_413_before_parsing(client: TestClient) -> None:
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    r = client.post(
        "/predict/batch",
        content=b'{"customers": [' + b" " * (limit + 10) + b"]}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413


def test_batch_errors_name_the_row_and_field(client: TestClient, customer: dict[str, Any]) -> None:
    customers = [customer, {**customer, "NumOfProducts": 9}, {**customer, "Planet": "Mars"}]
    r = client.post("/predict/batch", json={"customers": customers})
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["detail"]}
    assert ("body", "customers", 1, "NumOfProducts") in locs
    assert ("body", "customers", 2, "Planet") in locs


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"customers": []},
        {"customers": {}},
        {"customers": [1]},
        {"rows": []},
        {"customers": [], "extra": 1},
    ],
)
def test_batch_rejects_bad_envelopes(client: TestClient, body: Any) -> None:
    assert client.post("/predict/batch", json=body).status_code == 422


# --- health, readiness, docs --------------------------------------------------------------


def test_health_and_ready(client: TestClient, settings: Any) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    r = client.get("/ready")
    assert r.status_code == 200
    # A file artifact: no registry version (tests/bankchurn/tracking serves a registered one).
    assert r.json() == {
        "status": "ready",
        "model_version": "test-tiny-1",
        "model_source": str(settings.model_path),
        "registered_model": None,
    }


def test_ready_is_503_outside_the_lifespan(settings: Any) -> None:
    app = create_app(settings)
    before = TestClient(app, raise_server_exceptions=False)  # no `with`: lifespan not started
    assert before.get("/ready").status_code == 503
    assert before.get("/health").status_code == 200
    with TestClient(app) as running:
        assert running.get("/ready").status_code == 200
    assert before.get("/ready").status_code == 503  # after shutdown: draining


def test_docs_work_offline(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "swagger-ui" in html.lower()
    assets = [a for a in _asset_urls(html)]
    assert assets, html
    for url in assets:
        assert not url.startswith(("http://", "https://", "//")), f"/docs loads {url} remotely"
        r = client.get(url)
        assert r.status_code == 200, url
        assert len(r.content) > 100, url
    redoc = client.get("/redoc").text
    assert all(not u.startswith(("http", "//")) for u in _asset_urls(redoc))
    assert "fonts.googleapis" not in redoc


def _asset_urls(html: str) -> list[str]:
    import re

    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html) + re.findall(
        r"""url:\s*['"]([^'"]+)['"]""", html
    )


def test_openapi_schema_is_derived_from_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    props = spec["components"]["schemas"]["CustomerFeatures"]["properties"]
    assert list(props) == list(FEATURES)
    assert spec["components"]["schemas"]["CustomerFeatures"]["additionalProperties"] is False
    for name in FEATURES:
        c = BY_NAME[name]
        prop = props[name]
        variants = prop.get("anyOf", [prop])
        typed = next(v for v in variants if v.get("type") != "null")
        assert ({"type": "null"} in variants) == c.nullable, name
        if c.allowed:
            assert typed["enum"] == list(c.allowed), name
        else:
            assert typed.get("minimum") == c.minimum, name
            assert typed.get("maximum") == c.maximum, name
    assert {"/predict", "/predict/batch", "/health", "/ready", "/metrics"} <= set(spec["paths"])


# --- errors never leak ---------------------------------------------------------------------


class _Exploding:
    classes_ = np.array([0, 1])

    def predict_proba(self, X: Any) -> Any:
        raise RuntimeError("secret internals /etc/passwd line 42")


def test_unexpected_error_is_a_generic_500(settings: Any, customer: dict[str, Any]) -> None:
    service = InferenceService.from_path(settings.model_path)
    service.artifact = ModelArtifact(_Exploding(), service.artifact.metadata)
    with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as c:
        r = c.post("/predict", json=customer, headers={"X-Request-ID": "boom-1"})
        assert r.status_code == 500
        assert r.json() == {"detail": "internal server error", "request_id": "boom-1"}
        assert "secret" not in r.text
        assert "Traceback" not in r.text
        assert r.headers["x-request-id"] == "boom-1"
        # The worker survives: the next request is served.
        assert c.get("/health").status_code == 200
        metrics = c.get("/metrics").text
        assert 'route="/predict",status="500"' in metrics


def test_access_log_is_one_json_line_per_request(
    client: TestClient, customer: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bankchurn.api.access")
    client.post("/predict", json=customer, headers={"X-Request-ID": "log-me"})
    records = [
        r
        for r in caplog.records
        if r.name == "bankchurn.api.access"
        and getattr(r, "fields", {}).get("request_id") == "log-me"
    ]
    assert len(records) == 1
    from bankchurn.api.middleware import JsonFormatter

    line = json.loads(JsonFormatter().format(records[0]))
    assert line["method"] == "POST"
    assert line["path"] == "/predict"
    assert line["status"] == 200
    assert line["latency_ms"] > 0
    assert line["request_id"] == "log-me"


# --- scoring does not block the event loop ------------------------------------------------


class _Held:
    """A model whose scoring waits until the test releases it (or ``limit`` seconds pass)."""

    classes_ = np.array([0, 1])

    def __init__(self, inner: Any, limit: float) -> None:
        self.inner, self.limit = inner, limit
        self.started, self.release, self.done = threading.Event(), threading.Event(), False

    def predict_proba(self, X: Any) -> Any:
        self.started.set()
        self.release.wait(self.limit)
        self.done = True
        return self.inner.predict_proba(X)


def test_batch_route_runs_off_the_event_loop(settings: Any, customer: dict[str, Any]) -> None:
    # Ordered by events, not timed: /health must answer while the batch's scoring is held. Scoring
    # on the event loop would hold /health until the model gives up waiting (then it fails).
    service = InferenceService.from_path(settings.model_path)
    held = _Held(service.artifact.pipeline, limit=30)
    service.artifact = ModelArtifact(held, service.artifact.metadata)
    app = create_app(settings, service=service)

    async def race() -> bool:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            batch = asyncio.create_task(c.post("/predict/batch", json={"customers": [customer]}))
            while not held.started.is_set() and not batch.done():
                await asyncio.sleep(0.01)
            assert (await c.get("/health")).status_code == 200
            answered_while_held = not held.done
            held.release.set()
            assert (await batch).status_code == 200
            return answered_while_held

    assert asyncio.run(race())


# --- what the server imports to start ----------------------------------------------------

#: Never imported by `import bankchurn.api.app`: the model libraries come with the model.
NOT_AT_IMPORT = ("sklearn", "scipy", "pandas", "lightgbm", "xgboost", "joblib")
#: Never imported to serve a model: training, tracking, explanations, plots, the CRM database.
NOT_TO_SERVE = (
    "optuna",
    "mlflow",
    "shap",
    "matplotlib",
    "pandera",
    "psycopg",
    "bankchurn.explain",
    "bankchurn.tracking",
    "bankchurn.reporting",
    "bankchurn.ingest",
    "bankchurn.scoring",
)


def _imported_by(code: str) -> set[str]:
    """Top-level and bankchurn modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if any(m == n or m.startswith(f"{n}.") for m in modules)]


def test_importing_the_api_imports_no_model_library() -> None:
    modules = _imported_by("import bankchurn.api.app")
    assert _loaded(modules, NOT_AT_IMPORT + NOT_TO_SERVE) == []


def test_serving_a_booster_imports_no_training_library(booster_artifact_path: Any) -> None:
    """The served calibrated booster (bankchurn.models) starts without Optuna, MLflow, SHAP..."""
    modules = _imported_by(
        "from pathlib import Path\n"
        "from bankchurn.api.app import create_app\n"
        "from bankchurn.api.settings import ApiSettings\n"
        f"create_app(ApiSettings(model_path=Path({str(booster_artifact_path)!r})))"
    )
    assert "bankchurn.models" in modules  # the probe did load the model
    assert _loaded(modules, NOT_TO_SERVE) == []
