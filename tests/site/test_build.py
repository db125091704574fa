"""The real site: strict build, offline, links and anchors, generated pages, provenance."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bankchurn import contract
from designdocs.checks.built_site import check_site
from designdocs.pages import canvas
from designdocs.reports import REPORT_FILES, Reports, reports_dir
from designdocs.site.build import ROOT, Build


def _html(build: Build, page: str) -> str:
    path = build.site / page / "index.html" if not page.endswith(".html") else build.site / page
    assert path.is_file(), f"{page} was not built"
    return path.read_text(encoding="utf-8")


def test_strict_build_has_zero_warnings(built_site: Build) -> None:
    noisy = [ln for ln in built_site.log.splitlines() if re.match(r"^(WARNING|ERROR)\b", ln)]
    assert noisy == []


def test_nothing_is_loaded_from_another_origin(built_site: Build) -> None:
    problems = [p for p in check_site(built_site.site) if p.kind == "third-party request"]
    assert problems == [], "\n".join(map(str, problems))
    text = "\n".join(p.read_text(encoding="utf-8") for p in built_site.site.rglob("*.html"))
    for host in (
        "fonts.googleapis.com",
        "fonts.gstatic.com",
        "cdn.jsdelivr.net",
        "unpkg.com",
        "cdnjs.cloudflare.com",
        "googletagmanager.com",
    ):
        assert host not in text, f"{host} appears in the built HTML"


def test_internal_links_and_anchors_resolve(built_site: Build) -> None:
    problems = [p for p in check_site(built_site.site) if p.kind != "third-party request"]
    assert problems == [], "\n".join(map(str, problems))


def test_mermaid_is_vendored_and_every_diagram_kind_is_present(built_site: Build) -> None:
    page = _html(built_site, "architecture")
    blocks = re.findall(r'<(?:pre|div) class="mermaid">(.*?)</(?:pre|div)>', page, re.DOTALL)
    kinds = {re.sub(r"<[^>]+>", "", b).strip().split()[0] for b in blocks}
    assert {"C4Context", "C4Container", "C4Component", "flowchart"} <= kinds
    srcs = re.findall(r'<script src="([^"]*mermaid[^"]*)"', page)
    assert srcs
    assert all(not s.startswith(("http:", "https:", "//")) for s in srcs)
    assert (built_site.site / "js" / "mermaid.min.js").stat().st_size > 1_000_000


def test_the_pages_with_a_diagram_and_only_they_load_mermaid(built_site: Build) -> None:
    """`designdocs.site.mermaid` hands mermaid2 only the pages holding a diagram (ADR 0035).

    A page with a diagram and no Mermaid script would make Material fetch Mermaid from its CDN.
    """
    with_diagram, loading = set(), set()
    for path in built_site.site.rglob("*.html"):
        page, text = path.relative_to(built_site.site).as_posix(), path.read_text("utf-8")
        if re.search(r'<pre\s[^>]*class="mermaid"', text):
            with_diagram.add(page)
        if re.search(r'<script src="(?:\.\./)*js/mermaid\.min\.js">', text):
            assert "window.mermaidConfig" in text, page
            loading.add(page)
    assert "architecture/index.html" in with_diagram
    assert loading == with_diagram


class _Rows(HTMLParser):
    """Text of every table row, keyed by the ids found inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self._ids: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._ids, self._text = [], []
        elif self._text is not None:
            self._ids += [v for k, v in attrs if k == "id" and v]

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._text is not None:
            for i in self._ids:
                self.rows[i] = " ".join("".join(self._text).split())
            self._text = None


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def test_data_contract_page_shows_every_column_and_range(built_site: Build) -> None:
    parser = _Rows()
    parser.feed(_html(built_site, "data-contract"))
    for col in contract.COLUMNS:
        row = parser.rows.get(f"col-{col.name.lower()}")
        assert row is not None, f"{col.name} missing from the Data contract page"
        for bound in (col.minimum, col.maximum):
            if bound is not None:
                assert _num(bound) in row, f"{col.name}: bound {bound} not shown in {row!r}"
        for allowed in col.allowed:
            assert str(allowed) in row, f"{col.name}: value {allowed} not shown"
        assert ("repaired" in row) == col.nullable, f"{col.name}: wrong missing-value policy"
        assert col.description.split(";")[0] in row


def test_every_published_measurement_carries_provenance(built_site: Build) -> None:
    spans = 0
    for page in built_site.site.rglob("*.html"):
        for attrs in re.findall(r'<span class="metric"([^>]*)>', page.read_text(encoding="utf-8")):
            spans += 1
            assert 'title="provenance: file ' in attrs, f"{page}: metric without provenance"
    assert spans >= 20  # home, canvas and the provenance of every table cell


def test_home_shows_every_canvas_metric_with_a_marker(built_site: Build) -> None:
    metrics = canvas.canvas_metrics(Reports())
    home = _html(built_site, ".")
    for m in metrics:
        assert f'data-metric="canvas.{m.id}"' in home or "not measured" in home
    for state in ("pass", "miss", "na"):
        expected = sum(1 for m in metrics if m.state == state)
        # one badge per table row + one summary badge per state
        assert home.count(f'badge badge--{state}"') == expected + 1, state


def test_adrs_notebooks_and_modules_are_published(built_site: Build) -> None:
    for adr in sorted((ROOT / "adr").glob("[0-9][0-9][0-9][0-9]-*.md")):
        assert (built_site.site / "decisions" / adr.stem / "index.html").is_file(), adr.name
    assert (built_site.site / "decisions" / "index.html").is_file()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert (built_site.site / "notebooks" / nb.stem / "index.html").is_file(), nb.name
    for mod in ("bankchurn.contract", "bankchurn.errors"):
        page = _html(built_site, f"reference/{mod}")
        assert 'class="doc doc-' in page, f"{mod}: mkdocstrings rendered nothing"


@pytest.mark.parametrize("page", ["decisions", "notebooks"])
def test_generated_sections_are_in_the_navigation(built_site: Build, page: str) -> None:
    home = _html(built_site, ".")
    assert f'href="{page}/"' in home


def test_reports_used_by_the_site_are_valid_json() -> None:
    for name, rel in REPORT_FILES.items():
        path = reports_dir() / rel
        if name == "bench" and not path.exists():
            continue  # written by `make bench`, not by the pipeline
        json.loads(Path(path).read_text(encoding="utf-8"))


_SPHINX_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const|ref):`")
_UNRESOLVED_REF = re.compile(r"\[<code>[^<]*</code>\]\[[^\]]*\]")


def _docstring_markup_left(html: str) -> list[str]:
    """Sphinx roles and unresolved cross-references shown as literal text on a page."""
    return _SPHINX_ROLE.findall(html) + _UNRESOLVED_REF.findall(html)


def test_reference_pages_show_no_literal_roles_or_broken_references(built_site: Build) -> None:
    pages = sorted((built_site.site / "reference").glob("*/index.html"))
    assert len(pages) > 10
    bad = {
        p.parent.name: found
        for p in pages
        if (found := _docstring_markup_left(p.read_text(encoding="utf-8")))
    }
    assert not bad, f"docstring markup rendered literally (use [`name`][dotted.path]): {bad}"


@pytest.mark.parametrize(
    "html",
    [
        "<p>See :func:`bankchurn.io.read_csv_checked` for the rules.</p>",
        "<p>See :class:`Split`.</p>",
        "<p>See [<code>Split</code>][bankchurn.split.Nope].</p>",
    ],
)
def test_the_markup_check_fails_on_a_literal_role(html: str) -> None:
    assert _docstring_markup_left(html)
