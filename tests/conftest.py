"""Shared pytest configuration. Each tests/<area>/ folder keeps its own fixtures."""

import os

import pytest

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Training commands log to MLflow by default; the suite tracks only in the tests that start their
# own MLflow server (tests/tracking), so no test writes a store into the working directory.
os.environ["BANKCHURN_TRACKING"] = "false"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests on one xdist worker (``--dist loadgroup``, see ``make test``): they
    share one served site and one crawl. The notebooks' own rule is in notebooks/conftest.py.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
