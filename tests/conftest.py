"""Shared pytest configuration. Each tests/<area>/ folder keeps its own fixtures."""

import os

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_collection_modifyitems(items):  # noqa: ANN001, ANN201 (pytest hook)
    """Keep the browser tests on one xdist worker: they share one served site and one browser."""
    import pytest

    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
