"""A real MLflow tracking server on 127.0.0.1 for the tracking and registry tests.

One server per test session (SQLite backend and artifact folder in a temp dir), started by
``mlflow server`` exactly as a team would run it (``tracking_servers.py``), and stopped
afterwards. Every test of this folder runs in the xdist group ``mlflow`` (one worker; each
module sets ``pytestmark``), so the server and the training they share are made once. Skipped
with a one-line reason when the full ``mlflow`` package (the server; a dev dependency) is absent.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

HELPERS = "bankchurn_tracking_test_servers"


def _load_helpers() -> ModuleType:
    """Import tracking_servers.py by path, once, under a name the test modules import.

    Test folders are not packages (importlib import mode) and nothing edits ``sys.path``: the
    module is registered in ``sys.modules`` here, before pytest imports the test modules.
    """
    if HELPERS in sys.modules:
        return sys.modules[HELPERS]
    spec = importlib.util.spec_from_file_location(
        HELPERS, Path(__file__).with_name("tracking_servers.py")
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[HELPERS] = module  # before exec: its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_load_helpers()

from bankchurn_tracking_test_servers import (  # noqa: E402
    MLFLOW,
    MlflowServer,
    Trained,
    start_mlflow_server,
    stop,
    train_and_register,
)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """``mlflow server`` with a SQLite backend in a temp dir, for the whole session."""
    if not MLFLOW.exists():
        pytest.skip("the full mlflow package (mlflow server) is not installed: make setup")
    root = tmp_path_factory.mktemp("mlflow-server")
    server, proc = start_mlflow_server(root, f"sqlite:///{root / 'mlflow.db'}")
    yield server
    stop(proc)


@pytest.fixture(scope="session")
def trained(mlflow_server: MlflowServer, tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """The one ``bankchurn train --register`` of the session (fast baseline)."""
    return train_and_register(mlflow_server, tmp_path_factory.mktemp("train"))
