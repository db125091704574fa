"""Shared pytest configuration. Each tests/<area>/ folder keeps its own fixtures."""

import os

import pytest

# Deterministic hashing and single-threaded BLAS so repeated runs give identical numbers.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Pin work that shares state to one xdist worker (``--dist loadgroup``, see ``make test``).

    The browser tests share one served site and one Chromium. The cells of a notebook (nbval)
    share one kernel and must run in order, so each notebook is a group of its own.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(f"notebook-{item.path.stem}"))
