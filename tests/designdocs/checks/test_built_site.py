"""The built-site checker catches what it claims to catch (fed deliberately broken sites)."""

from __future__ import annotations

from pathlib import Path

from designdocs.checks import built_site

PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="../assets/site.css">
<script src="../assets/app.js"></script>
</head><body>
<h2 id="intro">Intro</h2>
<a href="#intro">ok</a>
<a href="../b/#part">ok</a>
<a href="../b/">ok</a>
<a href="https://example.org/reference">a reference the reader clicks: allowed</a>
<a href="mailto:team@example.org">mail</a>
{extra}
</body></html>
"""


def _site(tmp_path: Path, extra: str = "", css: str = "body{}") -> Path:
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "b").mkdir()
    (site / "assets").mkdir()
    (site / "a" / "index.html").write_text(PAGE.format(extra=extra), encoding="utf-8")
    (site / "b" / "index.html").write_text('<html><body><p id="part">B</p></body></html>')
    (site / "assets" / "site.css").write_text(css)
    (site / "assets" / "app.js").write_text("console.log('local');")
    return site


def _kinds(site: Path) -> list[tuple[str, str]]:
    return [(p.kind, p.detail) for p in built_site.check_site(site)]


def test_a_clean_site_passes(tmp_path: Path) -> None:
    assert _kinds(_site(tmp_path)) == []


def test_dangling_in_page_anchor_is_caught(tmp_path: Path) -> None:
    assert _kinds(_site(tmp_path, '<a href="#no-such-heading">x</a>')) == [
        ("missing anchor", "#no-such-heading")
    ]


def test_dangling_anchor_on_another_page_is_caught(tmp_path: Path) -> None:
    assert _kinds(_site(tmp_path, '<a href="../b/#gone">x</a>')) == [
        ("missing anchor", "../b/#gone")
    ]


def test_broken_internal_link_is_caught(tmp_path: Path) -> None:
    assert _kinds(_site(tmp_path, '<a href="../c/">x</a>')) == [("broken link", "../c/")]


def test_missing_local_resource_is_caught(tmp_path: Path) -> None:
    kinds = _kinds(_site(tmp_path, '<img src="../assets/none.png">'))
    assert kinds == [("missing resource", "<img src='../assets/none.png'>")]


def test_third_party_loads_are_caught(tmp_path: Path) -> None:
    extra = """
<script src="https://cdn.jsdelivr.net/npm/mermaid/dist/mermaid.min.js"></script>
<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
<img src="//unpkg.com/logo.png">
<style>@import url(https://fonts.gstatic.com/s/roboto.woff2);</style>
<div style="background: url('https://example.com/bg.png')"></div>
<script>import("https://cdnjs.cloudflare.com/ajax/libs/mathjax/x.js")</script>
"""
    site = _site(tmp_path, extra, css="@font-face{src:url(https://fonts.gstatic.com/a.woff2)}")
    found = [d for k, d in _kinds(site) if k == "third-party request"]
    for host in (
        "cdn.jsdelivr.net",
        "fonts.googleapis.com",
        "unpkg.com",
        "example.com",
        "cdnjs.cloudflare.com",
    ):
        assert any(host in d for d in found), f"{host} not caught: {found}"
    assert sum("fonts.gstatic.com" in d for d in found) == 2  # inline <style> and the CSS file


def test_canonical_link_and_plain_reference_links_are_not_requests(tmp_path: Path) -> None:
    extra = '<link rel="canonical" href="https://bankchurn.example.org/a/">'
    assert _kinds(_site(tmp_path, extra)) == []
