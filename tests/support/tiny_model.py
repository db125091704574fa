"""A tiny fitted churn model saved as a real artifact, for the tests that serve or score one.

Fitted in well under a second on random rows that respect the data contract, so the tests of
the API, the CLI's scoring commands and the alert rules do not depend on training the real
models (the model area's job, and much slower). Only the tests use it, so it lives under
``tests/support/`` (``tests/conftest.py`` makes it importable as ``tiny_model``), not in the
installed package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from bankchurn.artifacts import save_artifact
from bankchurn.contract import BY_NAME, CATEGORICAL_FEATURES, FEATURES

MODEL_VERSION = "test-tiny-1"


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
        elif spec.minimum is None or spec.maximum is None:
            raise ValueError(f"{name}: the contract gives no range to draw from")
        elif spec.kind == "int":
            data[name] = rng.integers(int(spec.minimum), int(spec.maximum) + 1, n).astype(float)
        else:  # money (balance, salary): a realistic ceiling, far below the contract's
            data[name] = rng.uniform(spec.minimum, min(spec.maximum, 250_000.0), n)
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
    """Write the tiny pipeline with `bankchurn.artifacts.save_artifact` (the real format)."""
    metadata = {"model_version": model_version, "feature_columns": list(FEATURES)}
    return save_artifact(path, fit_tiny_pipeline(), metadata)


def save_tiny_booster_artifact(path: Path, model_version: str = "test-tiny-xgb-1") -> Path:
    """A small calibrated XGBoost target model (explainable), on the same random rows."""
    from bankchurn.candidates import make_pipeline
    from bankchurn.models import CalibratedChurnModel

    X = random_customers(600, 3)
    logit = 0.08 * (X["Age"] - 45) - 1.2 * X["IsActiveMember"] + 0.6 * (X["Geography"] == "Germany")
    y = (np.random.default_rng(4).random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    pipeline = make_pipeline("xgboost", {"n_estimators": 20, "max_depth": 2}, seed=0)
    model = CalibratedChurnModel(pipeline).fit(X, y, seed=0)
    metadata = {"model_version": model_version, "feature_columns": list(FEATURES)}
    return save_artifact(path, model, metadata)
