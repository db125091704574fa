"""Fixtures of the API tests: a tiny fitted churn pipeline saved as a model artifact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bankchurn.api.app import create_app
from bankchurn.api.settings import ApiSettings

import tiny_model as tiny

BATCH_LIMIT = 50


@pytest.fixture(scope="session")
def artifact_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny.save_tiny_artifact(tmp_path_factory.mktemp("model") / "model.joblib")


@pytest.fixture(scope="session")
def booster_artifact_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small calibrated XGBoost model: the kind of target that has explanations."""
    return tiny.save_tiny_booster_artifact(tmp_path_factory.mktemp("xgb") / "model.joblib")


@pytest.fixture(scope="session")
def settings(artifact_path: Path) -> ApiSettings:
    return ApiSettings(model_path=artifact_path, batch_limit=BATCH_LIMIT, log_level="WARNING")


@pytest.fixture
def client(settings: ApiSettings) -> Iterator[TestClient]:
    """A fresh app (own metrics registry) with its lifespan running."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c
