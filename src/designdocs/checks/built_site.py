"""Checks on the BUILT site that ``mkdocs build --strict`` does not make.

* every internal link (``<a href>``) resolves to a built file, and its ``#fragment`` to an element
  id (or ``<a name>``) on that page: strict mode only validates Markdown links, not raw HTML,
  notebook pages or API-reference pages;
* every internal resource (``<script src>``, ``<link href>``, ``<img src>``) exists;
* nothing is loaded from another origin: no absolute ``http(s)://`` or protocol-relative URL in
  resource-loading attributes, inline ``<script>``/``<style>`` or ``style=""``, and no ``url(...)``
  or ``@import`` of another host in CSS/JS files. Plain ``<a href>`` links a reader clicks
  (references in ADRs, for instance) are allowed.

Only the standard library is used (`html.parser`), so the checks run anywhere. The MkDocs plugin
runs `check_site` after every build (a problem is a warning, so the strict build fails) and
the tests call it on a freshly built copy and on deliberately broken copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

#: (tag, attribute) pairs whose URL the browser fetches by itself, without a click.
RESOURCE_ATTRS: frozenset[tuple[str, str]] = frozenset(
    {
        ("script", "src"),
        ("link", "href"),
        ("img", "src"),
        ("img", "srcset"),
        ("source", "src"),
        ("source", "srcset"),
        ("iframe", "src"),
        ("embed", "src"),
        ("object", "data"),
        ("video", "src"),
        ("video", "poster"),
        ("audio", "src"),
        ("track", "src"),
        ("input", "src"),
        ("image", "href"),
        ("use", "href"),
    }
)
#: ``<link rel=...>`` values that do not make the browser fetch anything.
NON_FETCHING_LINK_RELS = frozenset({"canonical", "alternate", "author", "license", "help", "me"})

_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//")
_CSS_EXTERNAL = re.compile(
    r"""(?:url\(\s*['"]?\s*|@import\s+(?:url\(\s*)?['"]?\s*)((?:https?:)?//[^'")\s;]+)""",
    re.IGNORECASE,
)
_INLINE_SCRIPT_URL = re.compile(r"""['"`]((?:https?:)?//[^'"`\s]+)""")
_SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "blob:")


@dataclass
class Problem:
    """One defect of the built site."""

    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind}: {self.detail}"


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    resources: list[tuple[str, str, str]] = field(default_factory=list)  # tag, attr, url
    inline: list[tuple[str, str]] = field(default_factory=list)  # where, text


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()
        self._inline_tag: str | None = None
        self._inline_attrs: dict[str, str] = {}
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if "id" in a:
            self.page.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.page.ids.add(a["name"])
        if tag == "a" and "href" in a:
            self.page.links.append(a["href"])
        if "style" in a:
            self.page.inline.append((f"<{tag} style>", a["style"]))
        for attr in ("src", "href", "srcset", "data", "poster", "xlink:href"):
            key = "href" if attr == "xlink:href" else attr
            if attr in a and (tag, key) in RESOURCE_ATTRS:
                if tag == "link" and set(a.get("rel", "").lower().split()) & NON_FETCHING_LINK_RELS:
                    continue
                urls = (
                    [u.strip().split(" ")[0] for u in a[attr].split(",") if u.strip()]
                    if attr == "srcset"
                    else [a[attr]]
                )
                for url in urls:
                    self.page.resources.append((tag, attr, url))
        if tag in ("script", "style") and not a.get("src"):
            self._inline_tag, self._inline_attrs, self._buf = tag, a, []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._inline_tag = None

    def handle_data(self, data: str) -> None:
        if self._inline_tag:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._inline_tag == tag:
            kind = self._inline_attrs.get("type", "")
            # JSON / template payloads (e.g. widget state) are data, not code that fetches.
            if not kind.endswith("json"):
                self.page.inline.append((f"inline <{tag}>", "".join(self._buf)))
            self._inline_tag = None


def parse_page(text: str) -> _Page:
    """Ids, links, resources and inline code of one HTML document."""
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector.page


def _is_external(url: str) -> bool:
    return bool(_EXTERNAL.match(url.strip()))


def _target_file(site: Path, page_rel: PurePosixPath, url_path: str) -> Path | None:
    """Built file a relative or root-relative URL path points to (``None`` when missing)."""
    path = unquote(url_path)
    if path.startswith("/"):
        target = PurePosixPath(path.lstrip("/"))
    else:
        target = page_rel.parent / path
    parts: list[str] = []
    for part in target.parts:
        if part == "..":
            if not parts:
                return None  # escapes the site root
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    candidate = site.joinpath(*parts) if parts else site
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def check_site(site_dir: str | Path) -> list[Problem]:
    """All link, anchor and third-party-origin problems of a built site.

    Args:
        site_dir: The directory ``mkdocs build`` wrote.

    Returns:
        The problems found, sorted; an empty list means the site is clean.
    """
    site = Path(site_dir)
    problems: list[Problem] = []
    pages: dict[Path, _Page] = {}
    for html_file in sorted(site.rglob("*.html")):
        pages[html_file.resolve()] = parse_page(html_file.read_text(encoding="utf-8"))

    def ids_of(file: Path) -> set[str] | None:
        page = pages.get(file.resolve())
        return page.ids if page is not None else None

    for file, page in pages.items():
        rel = PurePosixPath(file.relative_to(site.resolve()).as_posix())
        name = rel.as_posix()
        for href in page.links:
            href = href.strip()
            if not href or href.startswith(_SKIP_SCHEMES) or _is_external(href):
                continue
            parts = urlsplit(href)
            if parts.scheme:  # another scheme we do not follow
                continue
            target = file if not parts.path else _target_file(site, rel, parts.path)
            if target is None:
                problems.append(Problem(name, "broken link", href))
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html":
                ids = ids_of(target)
                if ids is not None and frag not in ids:
                    problems.append(Problem(name, "missing anchor", href))
        for tag, attr, url in page.resources:
            url = url.strip()
            if not url or url.startswith(_SKIP_SCHEMES):
                continue
            if _is_external(url):
                problems.append(Problem(name, "third-party request", f"<{tag} {attr}={url!r}>"))
            elif not url.startswith("#") and _target_file(site, rel, urlsplit(url).path) is None:
                problems.append(Problem(name, "missing resource", f"<{tag} {attr}={url!r}>"))
        for where, text in page.inline:
            patterns = (_INLINE_SCRIPT_URL,) if where == "inline <script>" else (_CSS_EXTERNAL,)
            for pattern in patterns:
                for match in pattern.finditer(text):
                    problems.append(Problem(name, "third-party request", f"{where}: {match[1]}"))
    for asset in sorted([*site.rglob("*.css"), *site.rglob("*.js")]):
        text = asset.read_text(encoding="utf-8", errors="replace")
        for match in _CSS_EXTERNAL.finditer(text):
            rel_asset = asset.relative_to(site).as_posix()
            problems.append(Problem(rel_asset, "third-party request", match[1]))
    return sorted(problems, key=lambda p: (p.page, p.kind, p.detail))
