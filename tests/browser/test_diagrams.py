"""Diagrams legible, measured in the rendered SVGs (designdocs.browser.diagram_facts, legibility).

The architecture page (the site's diagrams) is loaded at desktop 1280x800 in the light and the
dark palette and on a phone 390x844 (text size and layout do not depend on the palette), and once
more without the site's diagram settings, for the planted squash. Checked: every diagram text at
least ``MIN_FONT_PX`` rendered; no text overlapping another text or a box it does not belong to;
no connector through a box other than its two ends, or through a text other than its own label;
no two connectors crossing unless they join the same box; no text on a boundary's frame (other
than the boundary's own title); no blank band taller than ``BLANK_BAND_PX``; WCAG AA contrast
against what is behind it; on the phone, the desktop's layout, scrolled inside its own box while
the page itself does not scroll sideways. Each check runs on a planted defect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from designdocs import browser as sitebrowser
from designdocs.browser import diagram_facts, legibility
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
    """Factory: the architecture page, rendered, in a fresh context per view (screen, palette)."""
    arch = sitebrowser.find_page(urls, "architecture")
    assert arch is not None, "no architecture page in the site"
    html = sitebrowser.page_file(built_site, arch).read_text(encoding="utf-8")
    expected = len(sitebrowser.parse_html(html).blocks)
    assert expected, f"/{arch} has no mermaid diagram"
    contexts = []

    def open_(*views: tuple[str, ...]) -> list[Any]:
        """Pages of ``(screen, scheme[, blocked file])`` views, loaded side by side."""
        opened = []
        for screen, scheme, *block in views:
            ctx = browser.new_context(
                viewport=SCREENS[screen], color_scheme=scheme, service_workers="block"
            )
            contexts.append(ctx)
            ctx.add_init_script(INIT_SCRIPT)
            for name in block:
                ctx.route(f"**/{name}", lambda route: route.abort())
            page = ctx.new_page()
            page.goto(site_url + arch, wait_until="commit")
            opened.append(page)
        # Each context renders in its own process: the views render at the same time.
        for page in opened:
            page.wait_for_load_state("domcontentloaded")
            page.wait_for_function(RENDERED_JS, arg=expected, timeout=20_000, polling=50)
        return opened

    yield open_
    for ctx in contexts:
        ctx.close()


#: Text size and layout do not depend on the palette: the phone is loaded in one palette only.
VIEWS = (("desktop", "light"), ("desktop", "dark"), ("phone", "light"))
#: The phone without the site's diagram settings (the planted squash).
SQUASHED = ("phone", "light", "js/diagrams.js")


@pytest.fixture(scope="module")
def pages(diagram_page: Any) -> dict[tuple[str, ...], Any]:
    """The architecture page open in every view and the squashed one (one load each, kept open)."""
    return dict(zip((*VIEWS, SQUASHED), diagram_page(*VIEWS, SQUASHED), strict=True))


@pytest.fixture(scope="module")
def measured(pages: dict[tuple[str, ...], Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    """Diagram facts and the page's width for every screen and palette, read before any plant."""
    return {
        key: {
            "diagrams": diagram_facts.measure(pages[key]),
            "page_width": pages[key].evaluate("document.documentElement.scrollWidth"),
        }
        for key in VIEWS
    }


@pytest.mark.parametrize("view", VIEWS, ids="-".join)
def test_diagram_text_is_large_enough(measured, view: tuple[str, str]) -> None:
    assert legibility.size_problems(measured[view]["diagrams"]) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_diagram_labels_do_not_overlap(measured, scheme: str) -> None:
    assert legibility.overlap_problems(measured["desktop", scheme]["diagrams"]) == []


def test_no_connector_crosses_a_box_or_a_text(measured) -> None:
    assert legibility.crossing_problems(measured["desktop", "light"]["diagrams"]) == []


def test_no_two_connectors_cross(measured) -> None:
    assert legibility.line_crossing_problems(measured["desktop", "light"]["diagrams"]) == []


def test_no_text_lies_on_a_boundary_frame(measured) -> None:
    assert legibility.boundary_text_problems(measured["desktop", "light"]["diagrams"]) == []


def test_no_blank_band_in_a_diagram(measured) -> None:
    assert legibility.blank_band_problems(measured["desktop", "light"]["diagrams"]) == []


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


#: The longest connector of the page; the node of its diagram farthest from both of its ends,
#: moved onto its middle (screen coordinates: the desktop draws the SVG at scale 1).
BOX_ON_LINE_JS = """
() => {
  const lines = [...document.querySelectorAll("div.mermaid")]
    .flatMap((h) => [...h.shadowRoot.querySelectorAll("line[marker-end], path[marker-end]")]);
  const size = (l) => { const r = l.getBoundingClientRect(); return Math.hypot(r.width, r.height); };
  const line = lines.sort((a, b) => size(b) - size(a))[0];
  const svg = line.ownerSVGElement;
  const ctm = line.getScreenCTM();
  const at = (f) => (line.tagName === "line"
    ? new DOMPoint(
        line.x1.baseVal.value + f * (line.x2.baseVal.value - line.x1.baseVal.value),
        line.y1.baseVal.value + f * (line.y2.baseVal.value - line.y1.baseVal.value))
    : line.getPointAtLength(f * line.getTotalLength())).matrixTransform(ctm);
  const [start, mid, end] = [at(0), at(0.5), at(1)];
  const centre = (g) => { const r = g.getBoundingClientRect();
    return { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 }; };
  const far = (g) => { const c = centre(g);
    return Math.min(Math.hypot(c.x - start.x, c.y - start.y), Math.hypot(c.x - end.x, c.y - end.y)); };
  const node = [...svg.querySelectorAll("g.node")].sort((a, b) => far(b) - far(a))[0];
  const c = centre(node);
  const before = node.getAttribute("transform") || "";
  node.setAttribute("transform", `translate(${mid.x - c.x}, ${mid.y - c.y}) ${before}`);
  return node.textContent.trim().slice(0, 30);
}
"""

#: A band of 100 px added above the drawing.
BLANK_BAND_JS = """
() => {
  const svg = document.querySelector("div.mermaid").shadowRoot.querySelector("svg");
  const [x, y, w, h] = svg.getAttribute("viewBox").split(/\\s+/).map(Number);
  svg.setAttribute("viewBox", `${x} ${y - 100} ${w} ${h + 100}`);
  svg.setAttribute("height", h + 100);
}
"""


#: A copy of the page's longest straight connector, turned a right angle about its middle: a
#: connector that crosses it and joins none of its boxes.
CROSSING_JS = """
() => {
  const lines = [...document.querySelectorAll("div.mermaid")]
    .flatMap((h) => [...h.shadowRoot.querySelectorAll("line[marker-end]")]);
  const length = (l) => Math.hypot(l.x2.baseVal.value - l.x1.baseVal.value,
                                   l.y2.baseVal.value - l.y1.baseVal.value);
  const line = lines.sort((a, b) => length(b) - length(a))[0];
  const [x1, y1, x2, y2] = ["x1", "y1", "x2", "y2"].map((a) => line[a].baseVal.value);
  const [mx, my, n] = [(x1 + x2) / 2, (y1 + y2) / 2, length(line)];
  const [nx, ny] = [(-(y2 - y1) / n) * 40, ((x2 - x1) / n) * 40];
  const copy = line.cloneNode();
  [["x1", mx - nx], ["y1", my - ny], ["x2", mx + nx], ["y2", my + ny]]
    .forEach(([a, v]) => copy.setAttribute(a, v));
  line.parentNode.appendChild(copy);
}
"""

#: The first text outside every box and boundary, moved onto the middle of a boundary's bottom edge.
TEXT_ON_FRAME_JS = """
() => {
  const svg = [...document.querySelectorAll("div.mermaid")].map((h) => h.shadowRoot.querySelector("svg"))
    .find((s) => s.querySelector("rect[stroke-dasharray]"));
  const frame = svg.querySelector("rect[stroke-dasharray]");
  const text = [...svg.querySelectorAll("text")].find((t) => t.textContent.trim()
    && !t.closest("g.node") && t.parentNode !== frame.parentNode && t.parentNode !== svg);
  const f = frame.getBoundingClientRect(), r = text.getBoundingClientRect();
  const inv = text.parentNode.getScreenCTM().inverse();
  const to = new DOMPoint((f.left + f.right) / 2, f.bottom).matrixTransform(inv);
  const from = new DOMPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2).matrixTransform(inv);
  text.setAttribute("transform",
    `translate(${to.x - from.x}, ${to.y - from.y}) ${text.getAttribute("transform") || ""}`);
  return text.textContent.trim();
}
"""


def test_a_connector_across_another_is_caught(pages, measured) -> None:
    page = pages["phone", "light"]  # the phone keeps the desktop layout (scrolled)
    # Its other plant only shrinks a drawing, which moves no line across another.
    before = legibility.line_crossing_problems(measured["phone", "light"]["diagrams"])
    page.evaluate(CROSSING_JS)
    after = legibility.line_crossing_problems(diagram_facts.measure(page))
    assert len(after) > len(before), after


def test_a_text_on_a_boundary_frame_is_caught(pages, measured) -> None:
    page = pages["phone", "light"]
    before = legibility.boundary_text_problems(measured["phone", "light"]["diagrams"])
    moved = page.evaluate(TEXT_ON_FRAME_JS)
    after = legibility.boundary_text_problems(diagram_facts.measure(page))
    assert len(after) > len(before), (moved, after)


def test_a_box_on_a_connector_is_caught(pages, measured) -> None:
    page = pages["desktop", "light"]
    moved = page.evaluate(BOX_ON_LINE_JS)
    problems = legibility.crossing_problems(diagram_facts.measure(page))
    assert any("crosses box" in p for p in problems), (moved, problems)


def test_a_blank_band_is_caught(pages, measured) -> None:
    page = pages["desktop", "dark"]
    page.evaluate(BLANK_BAND_JS)
    assert legibility.blank_band_problems(diagram_facts.measure(page))


def test_small_diagram_text_is_caught(pages, measured) -> None:
    page = pages["phone", "light"]  # each plant gets its own page: they are not undone
    page.evaluate(SHRINK_JS)
    assert legibility.size_problems(diagram_facts.measure(page))


def test_a_label_over_a_box_is_caught(pages, measured) -> None:
    page = pages["desktop", "light"]
    page.evaluate(LABEL_ON_BOX_JS)
    assert any("overlaps" in p for p in legibility.overlap_problems(diagram_facts.measure(page)))


def test_faint_text_in_the_dark_palette_is_caught(pages, measured) -> None:
    page = pages["desktop", "dark"]
    page.evaluate(FAINT_JS)
    assert legibility.contrast_problems(diagram_facts.measure(page))


def test_a_squashed_phone_layout_is_caught(pages, measured) -> None:
    """Without the site's diagram settings, Mermaid lays C4 out for the phone's width."""
    squashed = diagram_facts.measure(pages[SQUASHED])
    desktop = measured["desktop", "light"]["diagrams"]
    assert legibility.squash_problems(desktop, squashed, PHONE["width"])
    assert legibility.size_problems(squashed)
    # Mermaid's own layout: arrows through boxes and boundary titles, a band above each C4 drawing.
    assert any("crosses box" in p for p in legibility.crossing_problems(squashed))
    assert any("crosses text" in p for p in legibility.crossing_problems(squashed))
    assert legibility.blank_band_problems(squashed)
