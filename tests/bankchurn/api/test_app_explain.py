"""``POST /predict?explain=true``: exact TreeSHAP contributions that add up to the score."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bankchurn.api.app import create_app
from bankchurn.api.settings import ApiSettings
from bankchurn.contract import CATEGORICAL_FEATURES, FEATURES


@pytest.fixture(scope="module")
def booster_client(booster_artifact_path: Path) -> Iterator[TestClient]:
    settings = ApiSettings(model_path=booster_artifact_path, log_level="WARNING")
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def test_explanation_adds_up_to_the_calibrated_log_odds(
    booster_client: TestClient, customer: dict[str, Any]
) -> None:
    r = booster_client.post("/predict?explain=true", json=customer)
    assert r.status_code == 200, r.text
    body = r.json()
    ex = body["explanation"]
    p = body["churn_probability"]  # rounded to 6 decimals by the API
    total = ex["base_value"] + sum(c["contribution"] for c in ex["contributions"])
    assert total == pytest.approx(math.log(p / (1 - p)), abs=1e-4)
    sizes = [abs(c["contribution"]) for c in ex["contributions"]]
    assert sizes == sorted(sizes, reverse=True)
    by_name = {c["feature"]: c["value"] for c in ex["contributions"]}
    assert by_name["Geography"] == customer["Geography"]
    assert by_name["Age"] == customer["Age"]
    # Every input column is explained (one-hot columns merged back), plus the derived ratios.
    assert set(FEATURES) <= set(by_name)
    assert not any(f.startswith(f"{c}_") for c in CATEGORICAL_FEATURES for f in by_name)


def test_same_probability_with_and_without_explanation(
    booster_client: TestClient, customer: dict[str, Any]
) -> None:
    plain = booster_client.post("/predict", json=customer).json()
    explained = booster_client.post("/predict?explain=true", json=customer).json()
    assert "explanation" not in plain  # no key at all unless asked for
    assert explained.pop("explanation")
    assert plain == explained


def test_missing_values_are_explained_as_null(
    booster_client: TestClient, customer: dict[str, Any]
) -> None:
    r = booster_client.post("/predict?explain=true", json={**customer, "Balance": None})
    assert r.status_code == 200
    values = {c["feature"]: c["value"] for c in r.json()["explanation"]["contributions"]}
    assert values["Balance"] is None


def test_a_model_without_tree_shap_answers_409(client: TestClient, customer: dict) -> None:
    r = client.post("/predict?explain=true", json=customer)  # the tiny logistic pipeline
    assert r.status_code == 409
    assert "no TreeSHAP" in r.json()["detail"]
    assert client.post("/predict", json=customer).status_code == 200


@pytest.mark.parametrize("value", ["maybe", "yes", "1", "on", "True", "TRUE", "t", ""])
def test_explain_is_true_or_false_and_nothing_else(
    booster_client: TestClient, customer: dict[str, Any], value: str
) -> None:
    """The documented boolean: ``yes``, ``1`` or ``on`` are not guessed to mean ``true``."""
    r = booster_client.post(f"/predict?explain={value}", json=customer)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", "explain"]
    assert "true or false" in r.json()["detail"][0]["msg"]


def test_explain_false_is_the_plain_prediction(
    booster_client: TestClient, customer: dict[str, Any]
) -> None:
    r = booster_client.post("/predict?explain=false", json=customer)
    assert r.status_code == 200, r.text
    assert "explanation" not in r.json()


def test_openapi_documents_the_explanation(booster_client: TestClient) -> None:
    spec = booster_client.get("/openapi.json").json()
    params = spec["paths"]["/predict"]["post"]["parameters"]
    assert [p["name"] for p in params] == ["explain"]
    assert params[0]["schema"]["type"] == "boolean"  # what the 422 above holds clients to
    schemas = spec["components"]["schemas"]
    assert {"base_value", "contributions"} <= set(schemas["Explanation"]["properties"])
    assert "logit(churn_probability)" in schemas["Explanation"]["description"]


@pytest.mark.parametrize(
    ("path", "query", "rule"),
    [
        ("/predict", "explian=true", "extra_forbidden"),  # a typo was answered without reasons
        ("/predict/batch", "explain=true", "extra_forbidden"),  # the batch has no explanations
        ("/predict", "explain=true&explain=false", "repeated"),  # the last one silently won
    ],
)
def test_an_unknown_or_repeated_query_parameter_is_a_client_error(
    client: TestClient, customer: dict[str, Any], path: str, query: str, rule: str
) -> None:
    """Before, FastAPI ignored unknown query parameters and kept the last of repeated ones: 200."""
    body = {"customers": [customer]} if path.endswith("batch") else customer
    r = client.post(f"{path}?{query}", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert [d["type"] for d in detail] == [rule]
    assert detail[0]["loc"][0] == "query"
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert client.post(path, json=body).status_code == 200
