"""Fixtures for the browser tests: the built site served on 127.0.0.1 and one headless Chromium.

The site is ``site/`` when it is newer than every source (a ``make site`` run before the tests),
otherwise ``mkdocs build --strict`` builds it there first, once for the session. Chromium is
Debian's ``/usr/bin/chromium`` driven by Playwright; when it is not installed every browser test
is skipped with a one-line reason.

Chromium is never left open for the whole session: while Playwright's sync API is open, its event
loop shows as running in the main thread, which breaks any later ``asyncio.run`` on the same xdist
worker (the API batcher tests). So ``browser`` is module-scoped (package scope would not help:
tests/ folders are not Python packages), and the session-wide ``crawl`` opens and closes its own
Chromium and keeps only the plain data it gathered.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from designdocs import browser as sitebrowser


@pytest.fixture(scope="session")
def session_start() -> float:
    """Wall-clock start of the browser session (files written later are fresh)."""
    return time.time() - 1


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the system Chromium; skip the browser tests when it is missing."""
    found = sitebrowser.find_chromium()
    if found is None:
        pytest.skip("chromium is not installed (apt-get install chromium): browser tests skipped")
    return found


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Folder of the built site (reused when fresh, rebuilt otherwise)."""
    if not (sitebrowser.ROOT / "mkdocs.yml").exists():
        pytest.fail("no mkdocs.yml at the repository root: there is no site to test")
    return sitebrowser.ensure_site()


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """Base URL ('http://127.0.0.1:PORT/') of the built site, served from a thread."""
    with sitebrowser.serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def urls(built_site: Path) -> list[str]:
    """Every page of the built site, as URL paths relative to the site root."""
    found = sitebrowser.page_urls(built_site)
    assert "" in found, f"the built site {built_site} has no home page"
    return found


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = sitebrowser.launch_browser(playwright)
        yield launched
        launched.close()


@pytest.fixture
def site_browser(
    browser: Any, site_url: str, built_site: Path
) -> Iterator[sitebrowser.SiteBrowser]:
    """A fresh browser context on the served site (own storage, request recorder, open shadow roots)."""
    opened = sitebrowser.SiteBrowser(browser, site_url, built_site)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def crawl(
    chromium_path: str, site_url: str, built_site: Path, urls: list[str], session_start: float
) -> dict[str, sitebrowser.PageReport]:
    """Every page loaded once (three tabs at a time): what each logged, requested and rendered.

    The pages of ``sitebrowser.screenshot_targets`` are photographed into screenshots/ on the way.
    Runs in its own Chromium, closed before the reports are handed to the tests (see above).
    """
    from playwright.sync_api import sync_playwright

    shots = {
        url: sitebrowser.SCREENSHOTS / f"{name}.png"
        for name, url in sitebrowser.screenshot_targets(urls).items()
        if url is not None
    }

    def crawl_all() -> dict[str, sitebrowser.PageReport]:
        with sync_playwright() as playwright:
            launched = sitebrowser.launch_browser(playwright)
            opened = sitebrowser.SiteBrowser(launched, site_url, built_site)
            try:
                return opened.crawl(urls, parallel=3, screenshots=shots)
            finally:
                opened.close()
                launched.close()

    # Its own thread: a module's browser may already hold this thread's Playwright loop, and
    # the sync API refuses to start a second one inside it (a partial run can order it so).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(crawl_all).result()


@pytest.fixture
def doctored(
    browser: Any, built_site: Path
) -> Iterator[Callable[[dict[str, str]], sitebrowser.SiteBrowser]]:
    """Factory: serve the site with some pages replaced by doctored HTML; return a browser on it."""
    with contextlib.ExitStack() as stack:

        def open_doctored(overrides: dict[str, str]) -> sitebrowser.SiteBrowser:
            url = stack.enter_context(sitebrowser.serve(built_site, overrides))
            opened = sitebrowser.SiteBrowser(browser, url, built_site, overrides)
            stack.callback(opened.close)
            return opened

        yield open_doctored
