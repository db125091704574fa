"""What a stakeholder does on the site: search, switch palette, read notebook plots; screenshots."""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from designdocs import browser as sitebrowser
from designdocs.browser import PageReport, SiteBrowser

pytestmark = pytest.mark.browser

SCREENSHOTS = sitebrowser.SCREENSHOTS


# --- search -----------------------------------------------------------------------------------

RESULTS_JS = """
() => [...document.querySelectorAll(".md-search-result__item > .md-search-result__link")]
  .map((a) => a.href.split("#")[0].split("?")[0])
"""


#: Material's answer to the query in the box: its result count line says "Type to start
#: searching" for an empty query, then "No matching documents" or "N matching document(s)" once
#: the search worker (which builds its index after the page loads) has answered this query.
ANSWERED_JS = """
([empty]) => {
  const meta = document.querySelector(".md-search-result__meta").textContent.trim();
  const t = JSON.parse(document.getElementById("__config").textContent).translations;
  const items = document.querySelectorAll(".md-search-result__item").length;
  if (empty) return items === 0 && meta === t["search.result.placeholder"];
  return meta === t["search.result.none"] || (items > 0 && meta !== t["search.result.placeholder"]);
}
"""
#: Generous: the first search waits for the worker's index, on a loaded machine too.
SEARCH_TIMEOUT_MS = 60_000


def _search(page: Any, query: str) -> list[str]:
    """Type ``query`` into Material's search box; return the result pages (absolute URLs, in order)."""
    box = page.locator("input.md-search__input")
    if not box.is_visible():
        page.keyboard.press("/")  # Material's shortcut that opens and focuses search
    box.wait_for(state="visible", timeout=SEARCH_TIMEOUT_MS)
    # An empty query first: Material answers it with an empty list, so what is read below
    # answers this query and not the previous one.
    box.fill("")
    page.wait_for_function(ANSWERED_JS, arg=[True], timeout=SEARCH_TIMEOUT_MS)
    box.fill(query)
    box.press("End")  # Material reads the query on keyup: one search instead of one per character
    page.wait_for_function(ANSWERED_JS, arg=[False], timeout=SEARCH_TIMEOUT_MS)
    return page.evaluate(RESULTS_JS)


@pytest.fixture(scope="module")
def search_page(browser: Any, site_url: str, built_site: Path) -> Iterator[tuple[Any, SiteBrowser]]:
    """The home page, opened once for every search."""
    opened = SiteBrowser(browser, site_url, built_site)
    page, report = opened.visit("")
    assert not report.load_problems(), report.load_problems()
    yield page, opened
    opened.close()


def test_search_finds_the_ml_canvas_for_churn(
    search_page: tuple[Any, SiteBrowser], urls: list[str]
) -> None:
    canvas = sitebrowser.find_page(urls, "canvas")
    assert canvas is not None, "no ML canvas page in the site"
    page, opened = search_page
    results = _search(page, "churn")
    assert opened.base_url + canvas in results, f"'churn' found {results}"


def test_search_finds_each_adr_by_its_title(
    search_page: tuple[Any, SiteBrowser], built_site: Path, urls: list[str]
) -> None:
    adrs = sitebrowser.adr_pages(urls)
    assert adrs, "no ADR page (adr/NNNN-kebab-title.md) in the site"
    page, opened = search_page
    misses = []
    for adr in adrs:
        title = sitebrowser.parse_page(sitebrowser.page_file(built_site, adr)).h1
        assert title, f"/{adr} has no <h1> title"
        # Lunr reads ':' '+' '-' '~' '^' '*' as query syntax: search the words of the title.
        query = " ".join(re.findall(r"\w+", title))
        results = _search(page, query)
        if opened.base_url + adr not in results[:5]:
            misses.append(f"{title!r} -> {results[:5]}")
    assert not misses, "ADRs not in the first five results for their own title:\n" + "\n".join(
        misses
    )


# --- palettes ---------------------------------------------------------------------------------

STATE_JS = """
() => ({
  scheme: document.body.getAttribute("data-md-color-scheme"),
  background: getComputedStyle(document.body).backgroundColor,
})
"""


def _toggle_palette(page: Any) -> None:
    toggle = page.locator('form[data-md-component="palette"] label:visible')
    assert toggle.count() >= 1, "no palette toggle in the header"
    toggle.first.click()


def test_light_and_dark_palettes_both_render_the_architecture_page(
    site_browser: SiteBrowser, urls: list[str]
) -> None:
    arch = sitebrowser.find_page(urls, "architecture")
    assert arch is not None, "no architecture page in the site"
    tab = site_browser.new_tab()
    page, first = site_browser.visit(arch, tab)
    assert first.expected_diagrams, f"/{arch} has no mermaid diagram"
    light = page.evaluate(STATE_JS)
    _toggle_palette(page)
    page.wait_for_function(
        "(before) => document.body.getAttribute('data-md-color-scheme') !== before",
        arg=light["scheme"],
    )
    dark = page.evaluate(STATE_JS)
    assert dark["background"] != light["background"], (
        f"palette switch kept the background: {light} {dark}"
    )
    still = site_browser.settle(page, PageReport(arch, expected_diagrams=first.expected_diagrams))
    assert not still.diagram_problems(), still.diagram_problems()

    # A fresh load starts in the chosen (persisted) palette and must render every diagram there too.
    page, again = site_browser.visit(arch, tab)
    assert page.evaluate(STATE_JS) == dark, "the palette choice did not persist across pages"
    sitebrowser.save_screenshot(page, SCREENSHOTS / "architecture-dark.png")
    page.close()
    problems = first.load_problems() + first.diagram_problems()
    problems += again.load_problems() + again.diagram_problems()
    assert not problems, problems


# --- notebooks --------------------------------------------------------------------------------


def _notebook_expectations(path: Path) -> tuple[int, int]:
    """Number of stored image outputs and of HTML tables in a notebook's stored outputs."""
    images = tables = 0
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            images += any(k in data for k in ("image/png", "image/jpeg", "image/svg+xml"))
            html = data.get("text/html", "")
            tables += ("".join(html) if isinstance(html, list) else html).count("<table")
    return images, tables


def _notebook_problems(nb: Path, report: PageReport) -> list[str]:
    """Stored plots that the page does not show decoded, stored tables it does not show, errors."""
    want_images, want_tables = _notebook_expectations(nb)
    url, seen = report.url, report.outputs
    decoded = [i for i in seen["images"] if i["complete"] and i["width"] > 0 and i["height"] > 0]
    problems = []
    if want_images == 0:
        problems.append(f"{nb.name}: no plot stored in the notebook")
    if len(decoded) != want_images or len(seen["images"]) != want_images:
        problems.append(
            f"/{url}: {want_images} stored images, {len(seen['images'])} in the page, "
            f"{len(decoded)} decoded"
        )
    if len(seen["tables"]) < want_tables or any(rows < 2 for rows in seen["tables"]):
        problems.append(f"/{url}: {want_tables} stored tables, rows shown: {seen['tables']}")
    return problems + [f"/{url}: {p}" for p in report.load_problems()]


def _notebooks(urls: list[str]) -> dict[Path, str]:
    notebooks = sitebrowser.notebook_pages(urls)
    if not notebooks:
        pytest.skip("no notebooks/*.ipynb yet: nothing to check")
    missing = [nb.name for nb, url in notebooks.items() if url is None]
    assert not missing, f"notebooks with no site page: {missing}"
    return {nb: url for nb, url in notebooks.items() if url is not None}


def test_notebook_pages_show_their_plots_and_tables(
    crawl: dict[str, PageReport], urls: list[str]
) -> None:
    problems = []
    for nb, url in _notebooks(urls).items():
        problems += _notebook_problems(nb, crawl[url])
    assert not problems, "\n".join(problems)


def test_an_undecodable_notebook_plot_is_caught(
    doctored: Callable[[dict[str, str]], SiteBrowser], built_site: Path, urls: list[str]
) -> None:
    nb, url = next(iter(_notebooks(urls).items()))
    html = sitebrowser.page_file(built_site, url).read_text(encoding="utf-8")
    marker = 'src="data:image/png;base64,'
    assert marker in html, f"/{url} inlines no PNG"
    page, report = doctored({url: html.replace(marker, marker + "AAAA", 1)}).visit(url)
    page.close()
    problems = _notebook_problems(nb, report)
    assert any("decoded" in p for p in problems), problems


# --- screenshots ------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_screenshots_of_the_main_pages(
    crawl: dict[str, PageReport], urls: list[str], session_start: float
) -> None:
    """Home, canvas, architecture, one ADR, one notebook page -> screenshots/ (git-ignored)."""
    targets = sitebrowser.screenshot_targets(urls)
    if targets["notebook"] is None and not sitebrowser.notebook_pages(urls):
        del targets["notebook"]  # no notebooks/*.ipynb yet
    absent = [name for name, url in targets.items() if url is None]
    assert not absent, f"pages not found in the site: {absent}"
    for name, url in targets.items():
        shot = sitebrowser.SCREENSHOTS / f"{name}.png"
        assert shot.exists(), f"{shot} not written"
        assert shot.stat().st_mtime >= session_start, f"{shot} not written"
        width, height = _png_size(shot)
        assert width >= 1280, (shot, width, height)
        assert height >= 800, (shot, width, height)
        assert shot.stat().st_size > 10_000, f"{shot} looks blank"
        assert not crawl[url].load_problems() + crawl[url].diagram_problems()
