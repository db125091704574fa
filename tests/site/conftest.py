"""Fixtures of the site tests: one strict build of the real site; documented commands run."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from designdocs.site.build import ROOT, Build, ensure_site


@pytest.fixture(scope="session")
def built_site() -> Build:
    """The real site and the log of its ``--strict`` build (``site/``, shared with the browser tests).

    Reused when ``make site`` built it from the current sources; built once otherwise (by the
    first test that reads it in ``make test``) (see `designdocs.site.build.ensure_site`).
    """
    if not (ROOT / "docs" / "js" / "mermaid.min.js").is_file():
        pytest.fail(
            "docs/js/mermaid.min.js is missing: run `make setup` (vendors mermaid from npm)"
        )
    build = ensure_site(ROOT)
    if build.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{build.log[-4000:]}")
    return build


RunBlock = Callable[[str, Path, dict[str, str]], subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def run_documented() -> RunBlock:
    """Run a documented block of commands through bash as a reader would, from the repository root.

    The reader's environment is this one without any ``BANKCHURN_`` variable: the suite opts in
    to the public demo key for its synthetic files (tests/conftest.py), a reader does not, and
    the demo-key refusal (ADR 0018) once broke documented blocks while every test passed.
    ``HOME`` is the given folder; tracking is off (the suite starts its own MLflow servers).
    ``replace`` maps text of the block to what the test runs instead (each must be present).
    """

    def run(block: str, home: Path, replace: dict[str, str]) -> subprocess.CompletedProcess[str]:
        for old, new in replace.items():
            assert old in block, f"the block no longer says {old!r}: update the test"
            block = block.replace(old, new)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BANKCHURN_")}
        return subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=ROOT,
            env={**env, "HOME": str(home), "BANKCHURN_TRACKING": "false"},
            capture_output=True,
            text=True,
            check=False,
        )

    return run
