"""Every page of the built site, loaded in Chromium: clean console, local requests only, live diagrams."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from designdocs import browser as sitebrowser
from designdocs.browser import PageReport, SiteBrowser

pytestmark = pytest.mark.browser


def _summary(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"/{url}: {p}" for url, lines in problems.items() for p in lines)


def test_the_browser_tests_are_pinned_to_one_worker(request: pytest.FixtureRequest) -> None:
    """Under ``--dist loadgroup`` (``make test``) the group suffix must reach the node id.

    pytest 9.2 silently dropped it (pytest-xdist#1386): every worker then crawled the whole site.
    """
    # xdist sets `loadgroup` on the workers' options only; a plain `pytest` run has no such option
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a `--dist loadgroup` run")
    assert request.node.nodeid.endswith("@browser"), request.node.nodeid


def test_every_page_loads_without_console_error_or_failed_request(
    crawl: dict[str, PageReport], urls: list[str]
) -> None:
    assert set(crawl) == set(urls)
    silent = [u for u, r in crawl.items() if r.requests == 0]
    assert not silent, f"no request recorded for {silent}: the recorder is broken"
    problems = {u: r.load_problems() for u, r in crawl.items() if r.load_problems()}
    assert not problems, "pages with errors:\n" + _summary(problems)


def test_no_request_leaves_the_served_origin(crawl: dict[str, PageReport]) -> None:
    foreign = {u: r.off_origin for u, r in crawl.items() if r.off_origin}
    assert not foreign, "requests to other hosts (blocked):\n" + _summary(foreign)


def test_every_mermaid_block_renders_as_an_svg_of_its_declared_type(
    crawl: dict[str, PageReport],
) -> None:
    problems = {u: r.diagram_problems() for u, r in crawl.items() if r.diagram_problems()}
    assert not problems, "diagrams that did not render as declared:\n" + _summary(problems)


def test_every_mermaid_fence_in_the_sources_reaches_the_site(crawl: dict[str, PageReport]) -> None:
    """Fences that became plain code blocks (wrong superfences config) would otherwise go unnoticed."""
    in_sources = Counter(sitebrowser.source_mermaid_keywords())
    rendered = Counter(
        keyword
        for report in crawl.values()
        for keyword, svg in zip(report.expected_diagrams, report.diagrams, strict=False)
        if svg is not None
    )
    assert rendered == in_sources, (
        f"mermaid fences in docs/ + adr/: {dict(in_sources)}; rendered SVGs: {dict(rendered)}"
    )


def test_architecture_page_shows_the_three_c4_levels_and_a_flowchart(
    crawl: dict[str, PageReport], urls: list[str]
) -> None:
    page = sitebrowser.find_page(urls, "architecture")
    assert page is not None, "no architecture page in the site"
    kinds = set(crawl[page].expected_diagrams)
    missing = {"C4Context", "C4Container", "C4Component"} - kinds
    assert not missing, f"/{page} lacks {sorted(missing)}"
    assert kinds & {"flowchart", "graph"}, f"/{page} has no data-flow flowchart"
    assert not crawl[page].diagram_problems()


# --- the checks above must fail on a broken site: prove it on doctored pages ------------------

BROKEN = '<pre class="mermaid"><code>flowchart LR\n  A[ingest] --&gt; --&gt;\n</code></pre>'


def _page_with_diagrams(site: Path, urls: list[str]) -> tuple[str, str]:
    for url in urls:
        html = sitebrowser.page_file(site, url).read_text(encoding="utf-8")
        if sitebrowser.parse_html(html).blocks:
            return url, html
    pytest.fail("no page of the site contains a mermaid block")


def test_a_broken_diagram_is_caught(
    doctored: Callable[[dict[str, str]], SiteBrowser], built_site: Path, urls: list[str]
) -> None:
    url, html = _page_with_diagrams(built_site, urls)
    first = html.index('<pre class="mermaid">')
    # The page's own diagrams are left out: only the broken one renders (the crawl renders them).
    rest = re.sub(r'<pre class="mermaid">.*?</pre>', "", html[first:], flags=re.DOTALL)
    browser = doctored({url: html[:first] + BROKEN + rest})

    page, report = browser.visit(url)
    page.close()
    problems = report.diagram_problems()
    assert report.expected_diagrams == ["flowchart"]
    assert "diagram 1 (flowchart) has no <svg>" in problems, problems
    assert any("Parse error" in p for p in report.load_problems()), report.load_problems()


def test_off_origin_requests_and_missing_assets_are_caught(
    doctored: Callable[[dict[str, str]], SiteBrowser], built_site: Path
) -> None:
    injected = (
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<script src="https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.min.js"></script>'
        '<script src="assets/no-such-file.js"></script>'
    )
    # a frame inside the page: its requests are the page's too
    framed = """<iframe srcdoc="<img src='https://images.example.org/x.png'>"></iframe>"""
    html = (built_site / "index.html").read_text(encoding="utf-8")
    html = html.replace("</head>", injected + "</head>", 1).replace("</body>", framed + "</body>")
    browser = doctored({"": html})

    page, report = browser.visit("")
    page.close()
    hosts = {urlsplit(u).hostname for u in report.off_origin}
    assert hosts == {"fonts.googleapis.com", "cdn.jsdelivr.net", "images.example.org"}, (
        report.off_origin
    )
    assert sorted(browser.off_origin) == sorted(report.off_origin), (
        "a foreign request was not blocked"
    )
    assert any("no-such-file.js (HTTP 404)" in p for p in report.load_problems()), (
        report.load_problems()
    )


class _Frame:
    def __init__(self, url: str, parent: _Frame | None = None) -> None:
        self.url, self.parent_frame = url, parent


class _Request:
    def __init__(self, url: str, frame: _Frame, navigation: bool = False) -> None:
        self.url, self.frame, self._navigation = url, frame, navigation

    def is_navigation_request(self) -> bool:
        return self._navigation


def test_a_request_counts_for_the_document_that_issued_it() -> None:
    """Not for the page the tab shows when the request starts.

    A late request of the previous page (its favicon, a lazy image) is that page's, and a
    navigation is its target's.
    """
    from designdocs.browser.crawl import _Tab

    class _Page:
        url = "http://127.0.0.1:1/b/"

        def on(self, *_: object) -> None: ...

    tab = _Tab(_Page(), lambda url: url.startswith("http://127.0.0.1:1/"))
    a, b = PageReport("a/"), PageReport("b/")
    tab.documents = {"http://127.0.0.1:1/a/": a, "http://127.0.0.1:1/b/": b}
    tab.report = b  # the tab has moved on to b
    late = _Request("http://127.0.0.1:1/favicon.png", _Frame("http://127.0.0.1:1/a/#top"))
    framed = _Request("https://x.example/i.png", _Frame("about:srcdoc", _Frame(_Page.url)))
    navigation = _Request("http://127.0.0.1:1/a/", _Frame(_Page.url), navigation=True)
    assert tab._document_report(late) is a
    assert tab._document_report(framed) is b
    assert tab._document_report(navigation) is a
    tab._on_request(framed)
    assert b.off_origin == ["https://x.example/i.png"]
    assert a.off_origin == []


def test_a_cancel_caused_by_leaving_a_settled_page_is_not_a_failure() -> None:
    """The tab moving on (or closing) aborts the old page's late favicon: not that page's fault.

    The abort event may arrive while the page still shows the old URL (it did on CI), so
    leaving is known from the report being settled, not from the URL alone. Before the page
    settled, the same abort is a failure.
    """
    from designdocs.browser.crawl import _Tab

    class _Page:
        url = "http://127.0.0.1:1/a/"  # the navigation away has not been seen yet

        def on(self, *_: object) -> None: ...

    failed = {}
    for settled in (True, False):
        tab = _Tab(_Page(), lambda url: url.startswith("http://127.0.0.1:1/"))
        a = PageReport("a/", settled=settled)
        tab.documents = {"http://127.0.0.1:1/a/": a}
        tab.report = a
        favicon = _Request("http://127.0.0.1:1/favicon.png", _Frame(_Page.url))
        favicon.failure = "net::ERR_ABORTED"
        tab._on_request(favicon)
        tab._on_failed(favicon)
        failed[settled] = (a.failed_requests, a.in_flight)
    assert failed[True] == ([], 0)
    assert failed[False] == (["http://127.0.0.1:1/favicon.png (net::ERR_ABORTED)"], 0)


#: Pages whose tables may be wider than the text column at 1280 px (they scroll sideways in
#: their own box, under a cue), with the reason; every other table must fit.
WIDE_AT_DESKTOP = {
    "benchmarks/": "raw measurement tables: one column per measured quantity of each phase",
    "monitoring/": "the month-by-month study: one column per statistic, estimate and realised value",
    "decisions/0015-value-model-named-assumptions-sources-and-sensitivity/": (
        "the sensitivity grid: one column per share of customers contacted"
    ),
}


def wide_table_problems(crawl: dict[str, PageReport]) -> list[str]:
    """Tables wider than the text column at desktop width, outside ``WIDE_AT_DESKTOP``."""
    return [
        f"/{url}: table {table}"
        for url, report in sorted(crawl.items())
        if url not in WIDE_AT_DESKTOP
        for table in report.wide_tables
    ]


def test_tables_fit_the_text_column_at_desktop_width(crawl: dict[str, PageReport]) -> None:
    """At 1280x800 a reader sees every column of a table without scrolling it sideways."""
    assert wide_table_problems(crawl) == []
    stale = [u for u in WIDE_AT_DESKTOP if u in crawl and not crawl[u].wide_tables]
    assert stale == [], f"listed as wide but every table fits (drop them): {stale}"


def test_a_table_wider_than_the_column_is_caught(
    doctored: Callable[[dict[str, str]], SiteBrowser], built_site: Path
) -> None:
    cells = "".join(f"<th>column {i}</th>" for i in range(30))
    wide = f"<table><thead><tr>{cells}</tr></thead><tbody><tr>{cells}</tr></tbody></table>"
    html = (built_site / "index.html").read_text(encoding="utf-8")
    article = html.index("</article>")
    browser = doctored({"": html[:article] + wide + html[article:]})
    page, report = browser.visit("")
    page.close()
    problems = wide_table_problems({"": report})
    assert len(problems) == 1, problems
    assert problems[0].startswith("/: table column 0 | column 1 | column 2 | column 3 ("), problems


def test_the_crawl_gives_the_real_search_index_to_one_page_per_section(urls: list[str]) -> None:
    sample = sitebrowser.sample_per_section(urls)
    sections = {u.split("/", 1)[0] for u in urls}
    assert "" in sample
    assert len(sample) == len(sections)
    for section in ("decisions", "notebooks", "reference"):
        assert any(u.startswith(f"{section}/") for u in sample), section
