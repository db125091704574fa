"""Fixtures of the API tests: a tiny fitted churn pipeline saved as a model artifact.

The pipeline is fitted here on random rows that respect the data contract, so the API tests do
not depend on training the real models (that is the model area's job and much slower).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from bankchurn.api.app import create_app
from bankchurn.api.settings import ApiSettings
from bankchurn.contract import BY_NAME, CATEGORICAL_FEATURES, FEATURES

MODEL_VERSION = "test-tiny-1"
BATCH_LIMIT = 50


def random_customers(n: int, seed: int = 0) -> pd.DataFrame:
    """Rows inside the contract's ranges and categories (numeric as float64, like ingestion)."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for name in FEATURES:
        spec = BY_NAME[name]
        if spec.kind == "category":
            data[name] = rng.choice(np.array(spec.allowed, dtype=object), size=n)
        elif spec.kind == "binary":
            data[name] = rng.choice(np.array(spec.allowed, dtype=float), size=n)
        elif spec.kind == "int":
            data[name] = rng.integers(int(spec.minimum), int(spec.maximum) + 1, n).astype(float)
        else:
            hi = min(spec.maximum, 250_000.0)
            data[name] = rng.uniform(spec.minimum, hi, n)
    return pd.DataFrame(data, columns=list(FEATURES))


def fit_tiny_pipeline(seed: int = 0) -> Pipeline:
    """Logistic regression on contract features; churn driven by age and activity."""
    X = random_customers(400, seed)
    logit = 0.08 * (X["Age"] - 45) - 1.2 * X["IsActiveMember"] + 0.6 * (X["Geography"] == "Germany")
    y = (np.random.default_rng(seed + 1).random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    numeric = [f for f in FEATURES if f not in CATEGORICAL_FEATURES]
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL_FEATURES)),
        ]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=500))]).fit(X, y)


def save_tiny_artifact(path: Path, model_version: str = MODEL_VERSION) -> Path:
    """Write the tiny pipeline in the artifact format the API loads."""
    joblib.dump({"pipeline": fit_tiny_pipeline(), "metadata": {"model_version": model_version}}, path)
    return path


@pytest.fixture(scope="session")
def artifact_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_artifact(tmp_path_factory.mktemp("model") / "model.joblib")


@pytest.fixture(scope="session")
def settings(artifact_path: Path) -> ApiSettings:
    return ApiSettings(model_path=artifact_path, batch_limit=BATCH_LIMIT, log_level="WARNING")


@pytest.fixture()
def client(settings: ApiSettings) -> Iterator[TestClient]:
    """A fresh app (own metrics registry) with its lifespan running."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture()
def customer() -> dict[str, Any]:
    return {
        "CreditScore": 619,
        "Geography": "France",
        "Gender": "Female",
        "Age": 42,
        "Tenure": 2,
        "Balance": 0.0,
        "NumOfProducts": 1,
        "HasCrCard": 1,
        "IsActiveMember": 1,
        "EstimatedSalary": 101348.88,
    }
