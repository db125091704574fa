"""Headless Chromium as the tests drive it: flags, page scripts, finding and launching it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

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

# Tables wider than the text column (Material lets them scroll sideways in their own box): the
# first cells of their header row. Read once the page has loaded (Material wraps the tables then).
WIDE_TABLES_JS = """
() => [...document.querySelectorAll(".md-typeset__scrollwrap")]
  .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
  .map((wrap) => [...wrap.querySelectorAll("thead th")].slice(0, 4)
    .map((th) => th.textContent.trim()).join(" | ") + ` (${wrap.scrollWidth - wrap.clientWidth} px too wide)`)
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
