"""The container engine and the API image the deploy tests share (built once per session)."""

from __future__ import annotations

import pytest

from bankchurn.deploy import engine as containers
from bankchurn.deploy import image as builder


@pytest.fixture(scope="session")
def engine() -> containers.Engine:
    """The container engine that answers here; skips with its one-line reason otherwise."""
    found, reason = containers.find_engine()
    if found is None:
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def api_image(engine: containers.Engine) -> str:
    """The tag of the current sources' image: reused when present, otherwise built."""
    try:
        return builder.build(engine, say=lambda _line: None)
    except containers.ImageError as exc:
        if "mmdebstrap is not installed" in str(exc):
            pytest.skip(str(exc))
        raise
