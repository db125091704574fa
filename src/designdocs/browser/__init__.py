"""The built site in headless Chromium: served on 127.0.0.1, crawled, photographed."""

from designdocs.browser.chromium import find_chromium, launch_browser
from designdocs.browser.crawl import PageReport, SiteBrowser, sample_per_section, save_screenshot
from designdocs.browser.locate import (
    SCREENSHOTS,
    adr_pages,
    find_page,
    notebook_pages,
    screenshot_targets,
)
from designdocs.browser.server import serve
from designdocs.browser.site_files import (
    ROOT,
    ensure_site,
    page_file,
    page_urls,
    parse_html,
    parse_page,
    source_mermaid_keywords,
)

__all__ = [
    "ROOT",
    "SCREENSHOTS",
    "PageReport",
    "SiteBrowser",
    "adr_pages",
    "ensure_site",
    "find_chromium",
    "find_page",
    "launch_browser",
    "notebook_pages",
    "page_file",
    "page_urls",
    "parse_html",
    "parse_page",
    "sample_per_section",
    "save_screenshot",
    "screenshot_targets",
    "serve",
    "source_mermaid_keywords",
]
