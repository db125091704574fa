"""pytest settings for running these notebooks as tests (``pytest --nbval notebooks``).

Kept beside the notebooks so that any invocation which collects them gets the same rules,
with or without ``tests/`` (whose conftest has the package tests' own settings).
"""

import os

import pytest

# Same deterministic environment as the package tests; notebook kernels inherit it.
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Make each notebook one xdist group (``--dist loadgroup``).

    Its cells share one kernel and must run in order on one worker.
    """
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(f"notebook-{item.path.stem}"))
