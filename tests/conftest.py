"""Shared pytest configuration and the fixtures every test folder may use.

Each tests/<area>/ folder keeps its own fixtures; the real servers the integration tests share
live here: ``postgres_server`` (a throwaway PostgreSQL cluster on 127.0.0.1).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bankchurn.deploy.postgres import PostgresServer, ServerUnavailable, throwaway_server

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Training commands log to MLflow by default; the suite tracks only in the tests that start their
# own MLflow server (tests/tracking), so no test writes a store into the working directory.
os.environ["BANKCHURN_TRACKING"] = "false"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests on one xdist worker (``--dist loadgroup``, see ``make test``).

    They share one served site and one crawl. The notebooks' own rule is in notebooks/conftest.py.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


# --- PostgreSQL -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (:mod:`bankchurn.deploy.postgres`).

    One cluster per xdist worker that asks for it. Skips with one line when the server
    binaries are missing.
    """
    try:
        with throwaway_server() as server:
            yield server
    except ServerUnavailable as exc:
        if "not installed" in str(exc):
            pytest.skip(str(exc))
        pytest.fail(str(exc))
