"""The registry's refusals, against the real server: altered artifact, unknown version/alias."""

from __future__ import annotations

import pytest
from bankchurn_tracking_test_servers import REGISTERED, MlflowServer, Trained

from bankchurn.api.app import create_app
from bankchurn.api.settings import ApiSettings
from bankchurn.errors import UserError
from bankchurn.tracking.config import TrackingSettings
from bankchurn.tracking.log_run import ARTIFACT_SHA256_TAG
from bankchurn.tracking.registry import fetch_registered

pytestmark = pytest.mark.xdist_group("mlflow")


def test_an_artifact_whose_bytes_differ_from_the_recorded_hash_is_refused(
    mlflow_server: MlflowServer, trained: Trained
) -> None:
    import mlflow

    settings = TrackingSettings(tracking_uri=mlflow_server.url)
    client = mlflow.MlflowClient(mlflow_server.url)
    registered = trained.version
    uri = f"models:/{REGISTERED}/{registered}"
    artifact, version = fetch_registered(uri, settings)  # the recorded hash matches
    assert version.version == registered
    assert artifact.metadata["model_name"] == "baseline"
    good = version.artifact_sha256
    assert good is not None
    client.set_model_version_tag(REGISTERED, registered, ARTIFACT_SHA256_TAG, "0" * 64)
    try:
        with pytest.raises(UserError, match="does not match .* recorded at training"):
            fetch_registered(uri, settings)
        client.delete_model_version_tag(REGISTERED, registered, ARTIFACT_SHA256_TAG)
        with pytest.raises(UserError, match="has no bankchurn.artifact_sha256 tag"):
            fetch_registered(uri, settings)
    finally:
        client.set_model_version_tag(REGISTERED, registered, ARTIFACT_SHA256_TAG, good)


@pytest.mark.parametrize(
    "uri", ["models:/bankchurn-baseline@nobody", "models:/bankchurn-baseline/999", "models:/x@y"]
)
def test_serve_refuses_an_unknown_version_or_alias_in_one_line(
    mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch, uri: str
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
    with pytest.raises(UserError) as err:
        create_app(ApiSettings(model_uri=uri, log_level="WARNING"))
    message = str(err.value)
    assert "\n" not in message
    assert f"cannot resolve {uri}" in message


def test_promote_refuses_an_unknown_version_with_exit_2(
    mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bankchurn.cli import main

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
    assert main(["model", "promote", REGISTERED, "999", "--alias", "champion"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot promote bankchurn-baseline version 999" in err
