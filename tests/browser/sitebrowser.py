"""Drive the built MkDocs site in headless Chromium (Playwright), offline.

Shared by ``tests/browser/conftest.py`` and ``scripts/screenshots.py`` so the tests and the README
screenshot see the site the same way: same build rule, same server, same browser flags.

What a page "loading cleanly" means here (see :class:`PageReport`):
no console error, no uncaught exception, no failed or >= 400 request, no request to any origin other
than the local server, and every Mermaid block turned into an ``<svg>`` of the type its fence declares.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
# The build rule (freshness, lock, log) is shared with the site tests.
if str(ROOT / "tests" / "site") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "site"))
import site_build

# Quiet, offline headless Chromium (toolchain notes); Playwright adds --headless and a fresh profile.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Material renders each Mermaid diagram into a CLOSED shadow root: force every shadow root open so the
# tests can read the SVG. Uncaught errors and rejections are also kept on window for the render wait.
INIT_SCRIPT = """
(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, { mode: "open" }));
  };
  window.__bcErrors = [];
  // Capture phase: also sees scripts/styles that fail to load, so the render wait ends early.
  window.addEventListener("error", (e) => window.__bcErrors.push(
    e.message ? String(e.message) : "failed to load " + ((e.target && (e.target.src || e.target.href)) || "?")
  ), true);
  window.addEventListener("unhandledrejection", (e) => window.__bcErrors.push(String(e.reason)));
})();
"""

# Rendered diagrams, read through the (forced open) shadow roots, in document order.
DIAGRAMS_JS = """
() => [...document.querySelectorAll("div.mermaid, pre.mermaid")].map((host) => {
  const svg = host.shadowRoot ? host.shadowRoot.querySelector("svg") : null;
  if (!svg) return null;
  const box = svg.getBoundingClientRect();
  return {
    role: svg.getAttribute("aria-roledescription") || "",
    texts: [...svg.querySelectorAll("text")].map((t) => t.textContent.trim()),
    width: box.width,
    height: box.height,
  };
})
"""

# Resolves once every expected diagram has an <svg> or an error was raised for each missing one.
SETTLED_JS = """
(expected) => {
  const rendered = [...document.querySelectorAll("div.mermaid")]
    .filter((h) => h.shadowRoot && h.shadowRoot.querySelector("svg")).length;
  return rendered + window.__bcErrors.length >= expected;
}
"""

# Images and tables of a mkdocs-jupyter page, restricted to cell outputs.
NOTEBOOK_JS = """
() => {
  const outputs = document.querySelectorAll(".jp-OutputArea-output, .output_area, .jp-RenderedImage");
  const imgs = new Set();
  const tables = new Set();
  outputs.forEach((o) => {
    o.querySelectorAll("img").forEach((i) => imgs.add(i));
    o.querySelectorAll("table").forEach((t) => tables.add(t));
  });
  return {
    images: [...imgs].map((i) => ({ complete: i.complete, width: i.naturalWidth, height: i.naturalHeight })),
    tables: [...tables].map((t) => t.querySelectorAll("tr").length),
  };
}
"""

# First keyword of a Mermaid fence -> aria-roledescription prefix Mermaid 11 puts on the <svg>.
ROLE_BY_KEYWORD = {
    "flowchart": "flowchart",
    "graph": "flowchart",
    "C4Context": "c4",
    "C4Container": "c4",
    "C4Component": "c4",
    "C4Dynamic": "c4",
    "C4Deployment": "c4",
    "sequenceDiagram": "sequence",
    "classDiagram": "class",
    "stateDiagram": "state",
    "stateDiagram-v2": "state",
    "erDiagram": "er",
    "gantt": "gantt",
    "pie": "pie",
    "journey": "journey",
    "gitGraph": "gitGraph",
    "mindmap": "mindmap",
    "timeline": "timeline",
    "quadrantChart": "quadrantChart",
    "xychart-beta": "xychart",
    "sankey-beta": "sankey",
}


def find_chromium() -> str | None:
    """Path of the system Chromium (Debian ``chromium``), or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def launch_browser(playwright: Any) -> Any:
    """Launch the system Chromium through Playwright (its own browser download is unreachable)."""
    executable = find_chromium()
    if executable is None:
        raise RuntimeError("chromium is not installed")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


# --- the built site ---------------------------------------------------------------------------


def ensure_site(root: Path = ROOT) -> Path:
    """Folder of the built site (see ``site_build.ensure_site``); raise with mkdocs' output on failure."""
    build = site_build.ensure_site(root)
    if build.returncode != 0:
        raise RuntimeError(f"mkdocs build --strict failed:\n{build.log}")
    return build.site


def page_urls(site: Path) -> list[str]:
    """Every HTML page of a built site as a URL path relative to the site root ("" is the home page)."""
    urls = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel == "404.html" or rel.startswith(("assets/", "search/")):
            continue
        urls.append(rel.removesuffix("index.html"))
    return sorted(urls)


def page_file(site: Path, url: str) -> Path:
    """The HTML file served for a relative page URL."""
    return site / (url + "index.html" if url == "" or url.endswith("/") else url)


class _BlockParser(HTMLParser):
    """Collects the text of every ``<pre class="mermaid">`` and the first ``<h1>`` of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.h1: str | None = None
        self._in_block = False
        self._in_h1 = False
        self._skip_depth = 0
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "pre" and "mermaid" in classes:
            self._in_block, self._buf = True, []
        elif tag == "h1" and self.h1 is None:
            self._in_h1, self._buf = True, []
        elif self._in_h1 and tag == "a" and "headerlink" in classes:
            self._skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self._in_block:
            self.blocks.append("".join(self._buf))
            self._in_block = False
        elif tag == "a" and self._skip_depth:
            self._skip_depth -= 1
        elif tag == "h1" and self._in_h1:
            self.h1 = " ".join("".join(self._buf).split())
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if (self._in_block or self._in_h1) and not self._skip_depth:
            self._buf.append(data)


def parse_html(text: str) -> _BlockParser:
    """Mermaid block texts and title of a page, read from its static HTML."""
    parser = _BlockParser()
    parser.feed(text)
    return parser


def parse_page(path: Path) -> _BlockParser:
    """Mermaid block texts and title of a built page file."""
    return parse_html(path.read_text(encoding="utf-8"))


def diagram_keyword(source: str) -> str:
    """The diagram type keyword of a Mermaid source: its first line that is not a directive/comment."""
    for line in html.unescape(source).splitlines():
        line = line.strip()
        if line and not line.startswith("%%") and not line.startswith("---"):
            return line.split()[0]
    return ""


def c4_level(texts: list[str]) -> str:
    """C4 level shown by a rendered C4 SVG, from the element type labels Mermaid draws.

    Mermaid labels elements "[Person]", "[Software System]", "[Container: tech]", "[Component: tech]":
    a diagram showing components is a component view, else containers a container view, else context.
    """
    if any(t.startswith("[Component") for t in texts):
        return "C4Component"
    if any(t.startswith("[Container") for t in texts):
        return "C4Container"
    return "C4Context"


MERMAID_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*mermaid\b")


def source_mermaid_keywords(root: Path = ROOT) -> list[str]:
    """Diagram keywords of every ```mermaid fence in the Markdown sources (docs/ and adr/)."""
    keywords = []
    files = [md for folder in ("docs", "adr") for md in sorted((root / folder).rglob("*.md"))]
    for md in files:
        lines = md.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            match = MERMAID_FENCE.match(lines[i])
            i += 1
            if not match:
                continue
            fence, body = match.group("fence"), []
            while i < len(lines) and not (
                lines[i].strip().startswith(fence) and set(lines[i].strip()) == {fence[0]}
            ):
                body.append(lines[i])
                i += 1
            i += 1
            keywords.append(diagram_keyword("\n".join(body)))
    return keywords


# --- serving ----------------------------------------------------------------------------------


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files, except URL paths listed in ``overrides`` (doctored copies of pages for tests)."""

    overrides: ClassVar[dict[str, str]] = {}

    def do_GET(self) -> None:
        """Serve an override when one is registered for this path, else the file."""
        body = self.overrides.get(urlsplit(self.path).path.lstrip("/"))
        if body is None:
            super().do_GET()
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean: failures are reported by the browser side."""


@contextlib.contextmanager
def serve(directory: Path, overrides: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (free port) from a thread; yield the base URL ending in '/'.

    ``overrides`` maps page URLs relative to the root (e.g. ``"ARCHITECTURE/"``) to HTML served
    instead of the built file, so a test can doctor a page without copying the site.
    """
    handler_class = type("Handler", (_SiteHandler,), {"overrides": dict(overrides or {})})
    handler = functools.partial(handler_class, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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
    in_flight: int = 0  # requests started by this page and not yet finished or failed

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
        ``full_index`` flag is set (see :meth:`crawl`).
        """
        tab = _Tab(self.context.new_page(), self._local)
        if slim_index is not None:
            tab.page.route(
                "**/search/search_index.json", functools.partial(tab.search_index, slim_index)
            )
        return tab

    def open(self, url: str, tab: _Tab | None = None) -> tuple[Any, PageReport]:
        """Start loading ``url`` (in ``tab``, else a new page); returns once the response started.

        Finish with :meth:`settle`. Reusing a tab is several times faster than a new page per URL
        (no new renderer process).
        """
        report = PageReport(url=url)
        source = self.overrides.get(url) or page_file(self.site, url).read_text(encoding="utf-8")
        report.expected_diagrams = [diagram_keyword(b) for b in parse_html(source).blocks]
        tab = tab or self.new_tab()
        tab.report = report
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
        # Chromium asks for the favicon (and may lazy-load images) after `load`: let them end here,
        # so their outcome (a 404 included) is seen on this page before the tab moves on.
        deadline = time.monotonic() + 5
        while report.in_flight > 0 and time.monotonic() < deadline:
            page.wait_for_timeout(20)
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
        for start in range(0, len(urls), len(tabs)):
            batch = []
            for u, tab in zip(urls[start : start + len(tabs)], tabs):
                tab.full_index = u in full_index
                batch.append(self.open(u, tab))
            for page, report in batch:
                reports[report.url] = self.settle(page, report)
                if report.url in shots:
                    save_screenshot(page, shots[report.url])
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
        self._owner: dict[Any, PageReport] = {}  # request -> report of the page that started it
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
        if self.report:
            self.report.requests += 1
            self.report.in_flight += 1
            self._owner[request] = self.report
            if not self._is_local(request.url):
                self.report.off_origin.append(request.url)

    def _on_finished(self, request: Any) -> None:
        owner = self._owner.pop(request, None)
        if owner:
            owner.in_flight -= 1

    def _on_failed(self, request: Any) -> None:
        owner = self._owner.pop(request, None)
        if owner:
            owner.in_flight -= 1
            # Chromium may ask for the favicon after the page settled; navigating this tab to the
            # next page then aborts it. A request cut off because the tab moved on is not a fault
            # of the page (a missing file still shows as an HTTP 404 in `_on_response`).
            if owner is not self.report and "ERR_ABORTED" in str(request.failure):
                return
            # Foreign requests fail because they are blocked; they are reported as off-origin.
            if self._is_local(request.url):
                owner.failed_requests.append(f"{request.url} ({request.failure})")

    def _on_response(self, response: Any) -> None:
        if self.report and response.status >= 400:
            self.report.failed_requests.append(f"{response.url} (HTTP {response.status})")


def save_screenshot(page: Any, path: Path, max_height: int = 4000) -> None:
    """PNG of the page from its top, as tall as the page up to ``max_height`` pixels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.bring_to_front()  # a background tab may not paint
    size = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], max_height)}
    page.screenshot(path=path, full_page=True, clip=clip)


# --- locating the pages the issue names -------------------------------------------------------

ADR_PAGE = re.compile(r"(^|/)(\d{4})-[a-z0-9-]+/?$")


def find_page(urls: list[str], word: str) -> str | None:
    """First page whose URL contains ``word`` (case-insensitive), preferring the shortest URL."""
    hits = sorted((u for u in urls if word.lower() in u.lower()), key=len)
    return hits[0] if hits else None


def adr_pages(urls: list[str]) -> list[str]:
    """Pages published from ``adr/NNNN-kebab-title.md``."""
    return [u for u in urls if ADR_PAGE.search(u.removesuffix(".html"))]


def notebook_pages(urls: list[str], root: Path = ROOT) -> dict[Path, str | None]:
    """Each ``notebooks/*.ipynb`` with the page generated from it (None when there is none)."""
    found: dict[Path, str | None] = {}
    for nb in sorted((root / "notebooks").glob("*.ipynb")) if (root / "notebooks").is_dir() else []:
        pattern = re.compile(rf"(^|/){re.escape(nb.stem)}(/|\.html)?$")
        found[nb] = next((u for u in urls if pattern.search(u)), None)
    return found


SCREENSHOTS = ROOT / "screenshots"  # git-ignored


def screenshot_targets(urls: list[str], root: Path = ROOT) -> dict[str, str | None]:
    """The pages the issue wants pictured: home, ML canvas, architecture, one ADR, one notebook."""
    notebooks = [u for u in notebook_pages(urls, root).values() if u]
    return {
        "home": "" if "" in urls else None,
        "ml-canvas": find_page(urls, "canvas"),
        "architecture": find_page(urls, "architecture"),
        "adr": (adr_pages(urls) or [None])[0],
        "notebook": notebooks[0] if notebooks else None,
    }
