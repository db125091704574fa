"""Shared pytest configuration. Each tests/<area>/ folder keeps its own fixtures."""

import os

import pytest

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Every file the tests feed the commands is synthetic: the public demo pseudonymisation key is
# allowed for them (a real file needs BANKCHURN_PSEUDONYM_KEY; tests/data/test_hostile.py
# removes this opt-in to check the refusal).
os.environ.setdefault("BANKCHURN_ALLOW_DEMO_KEY", "1")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests on one xdist worker (``--dist loadgroup``, see ``make test``): they
    share one served site and one crawl. The notebooks' own rule is in notebooks/conftest.py.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
