"""The built site as files: its page URLs, their HTML blocks and the diagrams they declare."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from bankchurn.settings import settings
from designdocs.site import build as site_build

ROOT = settings().root


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


#: Macros that expand to a mermaid diagram at build time (counted like a fence of that kind).
DIAGRAM_MACROS = {"pipeline_dag": "flowchart"}


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
        text = "\n".join(lines)
        for macro, keyword in DIAGRAM_MACROS.items():
            keywords += [keyword] * len(re.findall(r"\{\{\s*" + macro + r"\(\s*\)\s*\}\}", text))
    return keywords
