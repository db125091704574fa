"""Tracking and registry rules that need no server: settings, URIs, metrics, lazy imports."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bankchurn.api.settings import ApiSettings
from bankchurn.errors import UserError
from bankchurn.settings import settings
from bankchurn.tracking.config import TrackingSettings, load_tracking_settings, redact_uri
from bankchurn.tracking.log_run import flat_metrics, run_params
from bankchurn.tracking.registry import parse_registry_uri, promote

pytestmark = pytest.mark.xdist_group("mlflow")


def test_default_store_is_local_sqlite_under_mlruns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("BANKCHURN_MLRUNS_DIR", raising=False)
    monkeypatch.setenv("BANKCHURN_TRACKING", "true")
    s = load_tracking_settings()
    assert s.enabled
    assert s.is_local_default
    assert s.uri == f"sqlite:///{settings().root / 'mlruns' / 'mlflow.db'}"  # git-ignored
    assert s.local_artifact_root.endswith("/mlruns/artifacts")


def test_mlflow_conventions_and_the_switch_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "churn-team")
    monkeypatch.setenv("BANKCHURN_TRACKING", "false")
    s = load_tracking_settings()
    assert (s.uri, s.experiment, s.enabled, s.is_local_default) == (
        "http://127.0.0.1:5000",
        "churn-team",
        False,
        False,
    )
    monkeypatch.setenv("BANKCHURN_TRACKING", "perhaps")
    with pytest.raises(UserError, match="invalid setting tracking"):
        load_tracking_settings()


def test_the_suite_runs_with_tracking_off() -> None:
    """tests/conftest.py turns tracking off: no test writes a store in the working directory."""
    assert load_tracking_settings().enabled is False


def test_passwords_never_appear_in_a_shown_uri() -> None:
    shown = TrackingSettings(tracking_uri="postgresql://mlflow:s3cret@db:5432/mlflow").display_uri
    assert shown == "postgresql://mlflow:***@db:5432/mlflow"
    assert redact_uri("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    secret = TrackingSettings(tracking_uri="http://u:s3cret@mlflow.internal:5000")
    assert secret.scrub("GET http://u:s3cret@mlflow.internal:5000/api failed") == (
        "GET http://u:***@mlflow.internal:5000/api failed"
    )


def test_metrics_are_every_number_reached_through_keys() -> None:
    metrics = {
        "roc_auc": 0.81,
        "n": 10,
        "ok": True,
        "name": "x",
        "curve": [0.1, 0.2],
        "business": {"at_capacity": {"net_usd_per_year": 1.5}},
    }
    assert dict(flat_metrics(metrics)) == {
        "roc_auc": 0.81,
        "n": 10.0,
        "business.at_capacity.net_usd_per_year": 1.5,
    }


def test_params_carry_the_data_hash_and_the_hyperparameters() -> None:
    meta = {
        "model_name": "target",
        "seed": 42,
        "params": {"max_depth": 3},
        "provenance": {"sha256": "ab" * 32, "n_rows": 10},
        "split": {"kind": "temporal"},
    }
    params = run_params(meta, {"n_trials": 8})
    assert params["data_sha256"] == "ab" * 32
    assert (params["hp.max_depth"], params["budget.n_trials"], params["seed"]) == ("3", "8", "42")


@pytest.mark.parametrize(
    ("uri", "parsed"),
    [
        ("models:/bankchurn-target@champion", ("bankchurn-target", "champion", None)),
        ("models:/bankchurn-target/3", ("bankchurn-target", None, "3")),
    ],
)
def test_registry_uris(uri: str, parsed: tuple[str, str | None, str | None]) -> None:
    assert parse_registry_uri(uri) == parsed
    assert ApiSettings(model_uri=uri).model_source == uri


@pytest.mark.parametrize("uri", ["models:/", "models:/a/b", "runs:/abc/model", "models:/a@"])
def test_malformed_registry_uris_are_refused(uri: str) -> None:
    with pytest.raises(UserError, match="not a registered model URI"):
        parse_registry_uri(uri)
    with pytest.raises(ValueError, match="model_uri"):
        ApiSettings(model_uri=uri)


@pytest.mark.parametrize(("version", "alias"), [("1", "latest"), ("1", "v2"), ("x", "champion")])
def test_promote_checks_alias_and_version_before_calling_mlflow(version: str, alias: str) -> None:
    with pytest.raises(UserError):
        promote(
            "bankchurn-target", version, alias, TrackingSettings(tracking_uri="http://0.0.0.0:9")
        )


def test_register_needs_tracking_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bankchurn.cli import main

    argv = ["train", "--model", "baseline", "--out", str(tmp_path), "--register"]
    assert main(argv) == 2  # refused before any training
    assert capsys.readouterr().err == (
        "bankchurn: error: --register needs tracking, which BANKCHURN_TRACKING turns off\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_tracking_server_stops_train_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """MLflow would retry for minutes after the training; the command stops at once instead."""
    from bankchurn.cli import main

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("BANKCHURN_TRACKING", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://mlflow:s3cret@127.0.0.1:{port}")
    assert main(["train", "--model", "baseline", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not reachable" in err
    assert "s3cret" not in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written
    assert main(["model", "promote", "bankchurn-target", "1"]) == 2
    assert "is not reachable" in capsys.readouterr().err


def test_without_the_mlflow_client_train_and_serve_say_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The API image has no MLflow client (ADR-0017): a registry URI is one line, not a trace."""
    from bankchurn.api.app import create_app
    from bankchurn.cli import main

    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if it were not installed
    monkeypatch.setenv("BANKCHURN_TRACKING", "true")
    with pytest.raises(UserError, match="MLflow client is not installed"):
        create_app(ApiSettings(model_uri="models:/bankchurn-target@champion"))
    assert main(["train", "--model", "baseline", "--out", str(tmp_path)]) == 2
    assert "MLflow client is not installed" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # refused before training


LAZY = """
import sys
from bankchurn.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
from bankchurn.api.app import create_app
import bankchurn.cli.model, bankchurn.cli.registry, bankchurn.tracking.config
bankchurn.tracking.config.load_tracking_settings()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("mlflow", "sqlalchemy", "alembic"))
print("HEAVY:" + ",".join(heavy))
"""


def test_the_cli_and_the_api_do_not_import_mlflow_until_they_track() -> None:
    """`bankchurn --help` and the API's start on a file model stay as fast as before MLflow."""
    proc = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:"
