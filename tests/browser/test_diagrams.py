"""Diagrams legible, measured in the rendered SVGs (designdocs.browser.legibility).

The architecture page (the site's diagrams) is loaded at desktop 1280x800 in the light and the
dark palette and on a phone 390x844 (text size and layout do not depend on the palette), and once
more without the site's diagram settings, for the planted squash. Checked: every diagram text at
least ``MIN_FONT_PX`` rendered; no text overlapping another text or a box it does not belong to;
WCAG AA contrast against what is behind it; on the phone, the desktop's layout, scrolled inside
its own box while the page itself does not scroll sideways. Each check runs on a planted defect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from designdocs import browser as sitebrowser
from designdocs.browser import legibility
from designdocs.browser.chromium import INIT_SCRIPT

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}
SCHEMES = ("light", "dark")

RENDERED_JS = """
(expected) => {
  const hosts = [...document.querySelectorAll("div.mermaid")];
  return hosts.filter((h) => h.shadowRoot && h.shadowRoot.querySelector("svg")).length >= expected;
}
"""


@pytest.fixture(scope="module")
def diagram_page(browser: Any, site_url: str, built_site: Any, urls: list[str]) -> Iterator[Any]:
    """Factory: the architecture page, rendered, in a fresh context of a screen and palette."""
    arch = sitebrowser.find_page(urls, "architecture")
    assert arch is not None, "no architecture page in the site"
    html = sitebrowser.page_file(built_site, arch).read_text(encoding="utf-8")
    expected = len(sitebrowser.parse_html(html).blocks)
    assert expected, f"/{arch} has no mermaid diagram"
    contexts = []

    def open_(screen: str, scheme: str, block: str | None = None) -> Any:
        ctx = browser.new_context(
            viewport=SCREENS[screen], color_scheme=scheme, service_workers="block"
        )
        contexts.append(ctx)
        ctx.add_init_script(INIT_SCRIPT)
        if block:
            ctx.route(f"**/{block}", lambda route: route.abort())
        page = ctx.new_page()
        page.goto(site_url + arch, wait_until="domcontentloaded")
        page.wait_for_function(RENDERED_JS, arg=expected, timeout=20_000, polling=50)
        return page

    yield open_
    for ctx in contexts:
        ctx.close()


#: Text size and layout do not depend on the palette: the phone is loaded in one palette only.
VIEWS = (("desktop", "light"), ("desktop", "dark"), ("phone", "light"))


@pytest.fixture(scope="module")
def pages(diagram_page: Any) -> dict[tuple[str, str], Any]:
    """The architecture page open in every view (one load each, kept open)."""
    return {view: diagram_page(*view) for view in VIEWS}


@pytest.fixture(scope="module")
def measured(pages: dict[tuple[str, str], Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Diagram facts and the page's width for every screen and palette, read before any plant."""
    return {
        key: {
            "diagrams": legibility.measure(page),
            "page_width": page.evaluate("document.documentElement.scrollWidth"),
        }
        for key, page in pages.items()
    }


@pytest.mark.parametrize("view", VIEWS, ids="-".join)
def test_diagram_text_is_large_enough(measured, view: tuple[str, str]) -> None:
    assert legibility.size_problems(measured[view]["diagrams"]) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_diagram_labels_do_not_overlap(measured, scheme: str) -> None:
    assert legibility.overlap_problems(measured["desktop", scheme]["diagrams"]) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_diagram_text_contrast_meets_wcag_aa(measured, scheme: str) -> None:
    assert legibility.contrast_problems(measured["desktop", scheme]["diagrams"]) == []


def test_diagrams_scroll_on_a_phone_instead_of_squashing(measured) -> None:
    phone = measured["phone", "light"]
    problems = legibility.squash_problems(
        measured["desktop", "light"]["diagrams"], phone["diagrams"], PHONE["width"]
    )
    if phone["page_width"] > PHONE["width"] + 1:
        problems.append(f"the page scrolls sideways on the phone: {phone['page_width']} px wide")
    assert problems == []


# --- each check fails on a planted defect ------------------------------------------------------

SHRINK_JS = """
() => {
  const svg = document.querySelector("div.mermaid").shadowRoot.querySelector("svg");
  svg.setAttribute("width", svg.getBoundingClientRect().width / 2);
  svg.removeAttribute("height");
}
"""

#: The first relationship label (C4: a text outside every box) moved onto the first box.
LABEL_ON_BOX_JS = """
() => {
  const svg = document.querySelector("div.mermaid").shadowRoot.querySelector("svg");
  const label = [...svg.querySelectorAll("text")].find((t) => !t.closest("g.node") && t.textContent.trim());
  const box = svg.querySelector("g.node").getBBox();
  const at = svg.querySelector("g.node").getCTM().inverse().multiply(label.getCTM());
  label.setAttribute("x", box.x + box.width / 2 - at.e);
  label.setAttribute("y", box.y + box.height / 2 - at.f);
}
"""

FAINT_JS = """
() => {
  const svg = document.querySelector("div.mermaid").shadowRoot.querySelector("svg");
  const label = [...svg.querySelectorAll("text")].find((t) => !t.closest("g.node") && t.textContent.trim());
  label.style.setProperty("fill", "#3a3d45", "important");
}
"""


def test_small_diagram_text_is_caught(pages, measured) -> None:
    page = pages["phone", "light"]  # each plant gets its own page: they are not undone
    page.evaluate(SHRINK_JS)
    assert legibility.size_problems(legibility.measure(page))


def test_a_label_over_a_box_is_caught(pages, measured) -> None:
    page = pages["desktop", "light"]
    page.evaluate(LABEL_ON_BOX_JS)
    assert any("overlaps" in p for p in legibility.overlap_problems(legibility.measure(page)))


def test_faint_text_in_the_dark_palette_is_caught(pages, measured) -> None:
    page = pages["desktop", "dark"]
    page.evaluate(FAINT_JS)
    assert legibility.contrast_problems(legibility.measure(page))


def test_a_squashed_phone_layout_is_caught(diagram_page, measured) -> None:
    """Without the site's diagram settings, Mermaid lays C4 out for the phone's width."""
    page = diagram_page("phone", "light", block="js/diagrams.js")
    squashed = legibility.measure(page)
    desktop = measured["desktop", "light"]["diagrams"]
    assert legibility.squash_problems(desktop, squashed, PHONE["width"])
    assert legibility.size_problems(squashed)
