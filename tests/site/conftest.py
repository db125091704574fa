"""Fixtures of the site tests: one strict build of the real site into a temporary folder."""

from __future__ import annotations

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
