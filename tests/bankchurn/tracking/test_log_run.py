"""Train -> run visible through the REST API -> register -> promote -> serve -> predict.

Against a real ``mlflow server`` (see conftest.py), with the real ``bankchurn`` commands. One
fast baseline training is shared by the tests of this module.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bankchurn_tracking_test_servers import (
    BANKCHURN,
    REGISTERED,
    MlflowServer,
    Trained,
    run_cli,
    stop,
    tracking_env,
    wait_http,
)

from bankchurn.artifacts import load_artifact, predict_proba
from bankchurn.contract import EXAMPLE_CUSTOMER
from bankchurn.deploy.ports import on_free_port
from bankchurn.tracking.log_run import ARTIFACT_SHA256_TAG, flat_metrics, sha256_of

pytestmark = pytest.mark.xdist_group("mlflow")

NAME = REGISTERED


def _api(server: MlflowServer, endpoint: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/api/2.0/mlflow/{endpoint}", params=params, timeout=30)
    response.raise_for_status()
    return response.json()


def test_run_params_metrics_and_data_hash_are_visible_through_the_rest_api(
    mlflow_server: MlflowServer, trained: Trained
) -> None:
    run = _api(mlflow_server, "runs/get", run_id=trained.run_id)["run"]
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    written = json.loads((trained.out / "metrics.json").read_text())
    artifact = load_artifact(trained.out / "model.joblib")

    expected = dict(flat_metrics(written))
    assert len(expected) > 50
    assert "roc_auc" in expected
    assert metrics == expected  # every number of metrics.json, to the last digit, and no other
    assert params["model"] == "baseline"
    assert params["seed"] == "42"
    assert params["data_sha256"] == artifact.metadata["provenance"]["sha256"]
    assert tags["bankchurn.data_sha256"] == params["data_sha256"]
    assert params["budget.n_trials"]
    assert params["budget.n_bootstrap"] == "100"
    assert tags[ARTIFACT_SHA256_TAG] == sha256_of(trained.out / "model.joblib")
    assert run["info"]["status"] == "FINISHED"


def test_the_run_holds_metrics_plots_and_the_model_with_signature(
    mlflow_server: MlflowServer, trained: Trained, tmp_path: Path
) -> None:
    import mlflow

    mlflow.set_tracking_uri(mlflow_server.url)  # models:/ URIs below resolve against it
    listed = _api(mlflow_server, "artifacts/list", run_id=trained.run_id, path="plots")
    assert {Path(f["path"]).name for f in listed["files"]} == {
        "roc_pr.png",
        "reliability.png",
        "importance.png",
    }
    client = mlflow.MlflowClient(mlflow_server.url)
    local = Path(client.download_artifacts(trained.run_id, "metrics/metrics.json", str(tmp_path)))
    assert local.read_bytes() == (trained.out / "metrics.json").read_bytes()

    version = client.get_model_version(NAME, trained.version)
    info = mlflow.models.get_model_info(f"models:/{NAME}/{trained.version}")
    assert version.run_id == trained.run_id
    inputs = info.signature.inputs.input_names()
    assert inputs == list(EXAMPLE_CUSTOMER)
    assert info.signature.outputs.input_names() == ["churn_probability"]
    example = mlflow.artifacts.download_artifacts(
        f"models:/{NAME}/{trained.version}/input_example.json", dst_path=str(tmp_path)
    )
    assert json.loads(Path(example).read_text())["columns"] == list(EXAMPLE_CUSTOMER)
    # The registered file is the trained file, byte for byte, and pyfunc scores like it.
    model = mlflow.pyfunc.load_model(f"models:/{NAME}/{trained.version}")
    frame = model.input_example
    expected = predict_proba(load_artifact(trained.out / "model.joblib"), frame)
    assert model.predict(frame)["churn_probability"].tolist() == pytest.approx(expected.tolist())


@pytest.fixture(scope="module")
def served(mlflow_server: MlflowServer, trained: Trained) -> Iterator[tuple[str, Path]]:
    """``bankchurn serve --model models:/bankchurn-baseline@champion`` after a promotion."""
    env = tracking_env(mlflow_server)
    promoted = run_cli(
        ["model", "promote", NAME, trained.version, "--alias", "champion"], env, trained.out
    )
    assert promoted.returncode == 0, promoted.stderr
    assert f"models:/{NAME}@champion -> version {trained.version}" in promoted.stdout
    log = trained.out / "serve.log"

    def start(port: int) -> subprocess.Popen[bytes]:
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                [
                    str(BANKCHURN),
                    "serve",
                    "--model",
                    f"models:/{NAME}@champion",
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=trained.out,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_http(f"http://127.0.0.1:{port}/ready", proc, 120, log)
        except BaseException:
            stop(proc)
            raise
        return proc

    port, proc = on_free_port(start)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        stop(proc)


def test_serve_answers_with_the_promoted_version(
    trained: Trained, served: tuple[str, Path]
) -> None:
    url, _ = served
    ready = httpx.get(f"{url}/ready", timeout=10).json()
    assert ready["registered_model"] == {
        "name": NAME,
        "version": trained.version,
        "alias": "champion",
        "run_id": trained.run_id,
    }
    assert ready["model_source"] == f"models:/{NAME}@champion"
    artifact = load_artifact(trained.out / "model.joblib")
    assert ready["model_version"] == artifact.metadata["model_version"]

    answer = httpx.post(f"{url}/predict", json=EXAMPLE_CUSTOMER, timeout=10).json()
    import pandas as pd

    local = predict_proba(artifact, pd.DataFrame([EXAMPLE_CUSTOMER]))[0]
    assert answer["churn_probability"] == pytest.approx(round(float(local), 6), abs=1e-6)
    assert answer["model_version"] == artifact.metadata["model_version"]
