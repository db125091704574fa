"""The same tracking and registry round trip on an MLflow server backed by PostgreSQL.

This is how a team that outgrows one machine runs MLflow: ``mlflow server`` on a PostgreSQL
database (the throwaway cluster of tests/conftest.py, driver psycopg 3). The model trained once
for the SQLite round trip is logged again (no second training) through the code ``train`` uses,
registered, promoted with the real command and served by the API app.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from bankchurn_tracking_test_servers import (
    REGISTERED,
    MlflowServer,
    Trained,
    start_mlflow_server,
    stop,
)
from fastapi.testclient import TestClient

from bankchurn.api.app import create_app
from bankchurn.api.settings import ApiSettings
from bankchurn.artifacts import load_artifact
from bankchurn.contract import EXAMPLE_CUSTOMER
from bankchurn.tracking.config import TrackingSettings
from bankchurn.tracking.log_run import flat_metrics, log_training_run

pytestmark = pytest.mark.xdist_group("mlflow")


@pytest.fixture(scope="module")
def pg_mlflow(postgres_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """``mlflow server`` whose runs and registry live in a PostgreSQL database."""
    postgres_server.create_database("mlflow")
    url = postgres_server.url("mlflow").replace("postgresql://", "postgresql+psycopg://", 1)
    server, proc = start_mlflow_server(tmp_path_factory.mktemp("mlflow-pg"), url)
    yield server
    stop(proc)


def test_round_trip_on_a_postgresql_backend(
    pg_mlflow: MlflowServer,
    postgres_server,
    trained: Trained,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import mlflow

    from bankchurn.cli import main

    settings = TrackingSettings(tracking_uri=pg_mlflow.url, experiment="bankchurn-pg")
    model_file = trained.out / "model.joblib"
    metadata = load_artifact(model_file).metadata
    run = log_training_run(
        metrics_file=trained.out / "metrics.json",
        model_file=model_file,
        metadata=metadata,
        budget={"n_bootstrap": 100},
        command="train",
        settings=settings,
        register=True,
    )
    assert run.registered_name == REGISTERED
    assert run.registered_version == "1"

    # The run's metrics are the numbers of metrics.json, and they live in PostgreSQL.
    client = mlflow.MlflowClient(pg_mlflow.url)
    logged = client.get_run(run.run_id).data.metrics
    written = json.loads((trained.out / "metrics.json").read_text())
    assert logged == dict(flat_metrics(written))

    monkeypatch.setenv("MLFLOW_TRACKING_URI", pg_mlflow.url)
    assert main(["model", "promote", REGISTERED, "1", "--alias", "champion"]) == 0
    assert "-> version 1" in capsys.readouterr().out
    app = create_app(ApiSettings(model_uri=f"models:/{REGISTERED}@champion", log_level="WARNING"))
    with TestClient(app) as api:
        ready = api.get("/ready").json()
        assert ready["registered_model"]["version"] == "1"
        assert ready["model_version"] == metadata["model_version"]
        assert api.post("/predict", json=EXAMPLE_CUSTOMER).status_code == 200
    # Not a file beside the server: the database holds the experiment and the registry.
    assert ("bankchurn-pg",) in postgres_server.execute("SELECT name FROM experiments", "mlflow")
    assert (REGISTERED,) in postgres_server.execute("SELECT name FROM registered_models", "mlflow")
    assert not list(Path(pg_mlflow.root).glob("*.db"))
