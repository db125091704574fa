"""Drive the built MkDocs site in headless Chromium (Playwright), offline.

Shared by ``tests/browser/conftest.py`` and ``scripts/screenshots.py`` so the tests and the README
screenshot see the site the same way: same build rule, same server, same browser flags.

What a page "loading cleanly" means here (see `PageReport`): no console error, no uncaught
exception, no failed or >= 400 request, no request to any origin other than the local server, and
every Mermaid block turned into an ``<svg>`` of the type its fence declares.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from designdocs.browser.chromium import (
    DIAGRAMS_JS,
    INIT_SCRIPT,
    NOTEBOOK_JS,
    ROLE_BY_KEYWORD,
    SETTLED_JS,
    WIDE_TABLES_JS,
)
from designdocs.browser.site_files import c4_level, diagram_keyword, page_file, parse_html

# --- inspecting pages -------------------------------------------------------------------------


@dataclass
class PageReport:
    """What the browser saw while loading one page."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    off_origin: list[str] = field(default_factory=list)
    requests: int = 0
    expected_diagrams: list[str] = field(default_factory=list)
    diagrams: list[dict[str, Any] | None] = field(default_factory=list)
    outputs: dict[str, list[Any]] = field(default_factory=dict)  # notebook images and tables
    wide_tables: list[str] = field(default_factory=list)  # headers of tables wider than the column
    in_flight: int = 0  # requests started by this page and not yet finished or failed
    # `SiteBrowser.settle` is done: a request cancelled from then on is the tab leaving the page
    settled: bool = False

    def load_problems(self) -> list[str]:
        """Console errors, uncaught errors and failed requests, one line each."""
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
        )

    def diagram_problems(self) -> list[str]:
        """Mermaid blocks that did not become an SVG of the declared type."""
        problems = []
        if len(self.diagrams) != len(self.expected_diagrams):
            problems.append(
                f"{len(self.expected_diagrams)} mermaid blocks in the HTML, "
                f"{len(self.diagrams)} diagram hosts in the page"
            )
        for i, keyword in enumerate(self.expected_diagrams):
            got = self.diagrams[i] if i < len(self.diagrams) else None
            role = ROLE_BY_KEYWORD.get(keyword)
            if got is None:
                problems.append(f"diagram {i + 1} ({keyword}) has no <svg>")
            elif role is None:
                problems.append(f"diagram {i + 1}: unknown mermaid keyword {keyword!r}")
            elif not got["role"].startswith(role):
                problems.append(f"diagram {i + 1} ({keyword}) rendered as {got['role']!r}")
            elif keyword in {"C4Context", "C4Container", "C4Component"} and (
                c4_level(got["texts"]) != keyword
            ):
                problems.append(f"diagram {i + 1} ({keyword}) shows a {c4_level(got['texts'])}")
            if got is not None and (got["width"] < 10 or got["height"] < 10):
                problems.append(f"diagram {i + 1} ({keyword}) has an empty box")
        return problems


class SiteBrowser:
    """Opens pages of one served site in one browser context, recording everything they request."""

    def __init__(
        self,
        browser: Any,
        base_url: str,
        site: Path,
        overrides: dict[str, str] | None = None,
        **context_options: Any,
    ) -> None:
        self.base_url = base_url
        self.site = site
        self.overrides = overrides or {}
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
        self.off_origin: list[str] = []
        options = {"viewport": {"width": 1280, "height": 800}, "service_workers": "block"}
        options.update(context_options)
        self.context = browser.new_context(**options)
        self.context.add_init_script(INIT_SCRIPT)
        # Record, then abort, anything aimed elsewhere: nothing leaves the machine even on CI.
        self.context.route(lambda url: not self._local(url), self._abort_foreign)

    def _local(self, url: str) -> bool:
        scheme = urlsplit(url).scheme
        return scheme in {"data", "blob", "about"} or url.startswith(self.origin + "/")

    def _abort_foreign(self, route: Any) -> None:
        self.off_origin.append(route.request.url)
        route.abort("blockedbyclient")

    def close(self) -> None:
        """Close the context and its pages."""
        self.context.close()

    def new_tab(self, slim_index: str | None = None) -> _Tab:
        """A new page of this context whose events go to the report of its current URL.

        With ``slim_index``, the tab serves that search index instead of the real one unless its
        ``full_index`` flag is set (see `crawl`).
        """
        tab = _Tab(self.context.new_page(), self._local)
        if slim_index is not None:
            tab.page.route(
                "**/search/search_index.json", functools.partial(tab.search_index, slim_index)
            )
        return tab

    def open(self, url: str, tab: _Tab | None = None) -> tuple[Any, PageReport]:
        """Start loading ``url`` (in ``tab``, else a new page); returns once the response started.

        Finish with `settle`. Reusing a tab is several times faster than a new page per URL
        (no new renderer process).
        """
        report = PageReport(url=url)
        source = self.overrides.get(url) or page_file(self.site, url).read_text(encoding="utf-8")
        report.expected_diagrams = [diagram_keyword(b) for b in parse_html(source).blocks]
        tab = tab or self.new_tab()
        tab.report = report
        tab.documents[_document_url(self.base_url + url)] = report
        tab.page.goto(self.base_url + url, wait_until="commit")
        return tab.page, report

    def settle(self, page: Any, report: PageReport, timeout_ms: int = 15_000) -> PageReport:
        """Wait for load and for every diagram to render (or fail), then read what the page shows."""
        page.wait_for_load_state("load")
        expected = len(report.expected_diagrams)
        if expected:
            with contextlib.suppress(PlaywrightTimeoutError):  # reported as missing SVGs below
                page.wait_for_function(SETTLED_JS, arg=expected, timeout=timeout_ms, polling=50)
        report.diagrams = page.evaluate(DIAGRAMS_JS)
        report.outputs = page.evaluate(NOTEBOOK_JS)
        report.wide_tables = page.evaluate(WIDE_TABLES_JS)
        # Chromium asks for the favicon (and may lazy-load images) after `load`: let them end here,
        # so their outcome (a 404 included) is seen on this page before the tab moves on.
        deadline = time.monotonic() + 5
        while report.in_flight > 0 and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        report.settled = True
        return report

    def visit(self, url: str, tab: _Tab | None = None) -> tuple[Any, PageReport]:
        """Open ``url`` (in ``tab``, else a new page) and wait until it settled; the caller closes it."""
        page, report = self.open(url, tab)
        return page, self.settle(page, report)

    def crawl(
        self, urls: list[str], parallel: int = 3, screenshots: dict[str, Path] | None = None
    ) -> dict[str, PageReport]:
        """Load every page through ``parallel`` tabs that the browser loads concurrently.

        ``screenshots`` maps some of the URLs to PNG paths written once the page settled.

        Material's search worker downloads and indexes the whole site on every page load, which
        was a third of the crawl's time. The real index is served to one page per top-level
        section (the home page included); the other pages get an index with the same
        configuration and no documents, so their search worker still starts and runs the same
        code. Searching itself is tested on the real index (``test_reading.py``).
        """
        reports: dict[str, PageReport] = {}
        shots = screenshots or {}
        full_index = sample_per_section(urls)
        slim = _slim_search_index(self.site)
        tabs = [self.new_tab(slim_index=slim) for _ in range(min(parallel, len(urls)))]
        waiting = iter(urls)
        loading: collections.deque[tuple[_Tab, PageReport]] = collections.deque()

        def load_next(tab: _Tab) -> None:
            url = next(waiting, None)
            if url is not None:
                tab.full_index = url in full_index
                loading.append((tab, self.open(url, tab)[1]))

        for tab in tabs:
            load_next(tab)
        # Oldest first; a tab moves on as soon as its page settled, so no tab waits for the
        # slowest page of a batch while the others keep loading in the browser.
        while loading:
            tab, report = loading.popleft()
            reports[report.url] = self.settle(tab.page, report)
            if report.url in shots:
                save_screenshot(tab.page, shots[report.url])
            load_next(tab)
        for tab in tabs:
            tab.report = None
            tab.page.close()
        return reports


def sample_per_section(urls: list[str]) -> set[str]:
    """The home page and the first page (in URL order) of each top-level section."""
    firsts: dict[str, str] = {}
    for url in sorted(urls):
        firsts.setdefault(url.split("/", 1)[0], url)
    return set(firsts.values())


def _slim_search_index(site: Path) -> str | None:
    """The site's search index with its configuration and no documents (None if no search)."""
    path = site / "search" / "search_index.json"
    if not path.is_file():
        return None
    real = json.loads(path.read_text(encoding="utf-8"))
    return json.dumps({**real, "docs": []})


class _Tab:
    """One browser page; its listeners record into the report of the URL it currently shows."""

    def __init__(self, page: Any, is_local: Any) -> None:
        self.page = page
        self.report: PageReport | None = None
        self._is_local = is_local
        self._owner: dict[Any, PageReport] = {}  # request -> report of the document that issued it
        self.documents: dict[str, PageReport] = {}  # document URL -> its report
        self.full_index = True  # serve the real search index (see SiteBrowser.crawl)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_finished)
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)

    def search_index(self, slim: str, route: Any) -> None:
        """Route handler: the real search index, or the slim one (same config, no documents)."""
        if self.full_index:
            route.continue_()
        else:
            route.fulfill(status=200, content_type="application/json", body=slim)

    def _on_console(self, msg: Any) -> None:
        if self.report and msg.type == "error":
            self.report.console_errors.append(msg.text)

    def _on_pageerror(self, error: Any) -> None:
        if self.report:
            self.report.page_errors.append(str(error))

    def _on_request(self, request: Any) -> None:
        owner = self._document_report(request)
        if owner is not None:
            owner.requests += 1
            owner.in_flight += 1
            self._owner[request] = owner
            if not self._is_local(request.url):
                owner.off_origin.append(request.url)

    def _on_finished(self, request: Any) -> None:
        owner = self._owner.pop(request, None)
        if owner:
            owner.in_flight -= 1

    def _on_failed(self, request: Any) -> None:
        owner = self._owner.pop(request, None)
        if owner is None:
            return
        owner.in_flight -= 1
        # A request its document no longer waits for: the tab moved on to the next page (or
        # closed) and Chromium cancelled what the previous one had started (its favicon, a late
        # image). The abort may arrive before the page's URL changes, hence `settled` too.
        # A missing file is not hidden by this: it shows as an HTTP 404 in `_on_response`.
        if "ERR_ABORTED" in str(request.failure) and (owner.settled or self._left(owner)):
            return
        # Foreign requests fail because they are blocked; they are reported as off-origin.
        if self._is_local(request.url):
            owner.failed_requests.append(f"{request.url} ({request.failure})")

    def _on_response(self, response: Any) -> None:
        owner = self._owner.get(response.request) or self._document_report(response.request)
        if owner is not None and response.status >= 400:
            owner.failed_requests.append(f"{response.url} (HTTP {response.status})")

    def _document_report(self, request: Any) -> PageReport | None:
        """The report of the document that issued ``request``, from its frame's URL at that time.

        A navigation belongs to the document it loads; any other request to the document its
        top frame shows when the request starts. None for a document this tab was not asked to
        open (a service worker's request, which the context blocks anyway).
        """
        if request.is_navigation_request():
            return self.documents.get(_document_url(request.url))
        try:
            frame = request.frame
        except PlaywrightError:
            return None
        while frame.parent_frame is not None:
            frame = frame.parent_frame
        return self.documents.get(_document_url(frame.url))

    def _left(self, owner: PageReport) -> bool:
        """Whether the frame of ``owner``'s document now shows another document."""
        with contextlib.suppress(PlaywrightError):
            return self.documents.get(_document_url(self.page.url)) is not owner
        return True


def _document_url(url: str) -> str:
    """A document's URL without its fragment (a jump inside a page is the same document)."""
    return url.split("#", 1)[0]


def save_screenshot(page: Any, path: Path, max_height: int = 4000) -> None:
    """PNG of the page from its top, as tall as the page up to ``max_height`` pixels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.bring_to_front()  # a background tab may not paint
    size = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], max_height)}
    page.screenshot(path=path, full_page=True, clip=clip)
