"""Finding the pages the tests and screenshots name (canvas, ADRs, notebooks) among the URLs."""

from __future__ import annotations

import re
from pathlib import Path

from bankchurn.settings import settings

ROOT = settings().root


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
        "adr": next(iter(adr_pages(urls)), None),
        "notebook": notebooks[0] if notebooks else None,
    }
