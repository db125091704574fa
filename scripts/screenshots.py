"""Refresh the README screenshot ``docs/assets/screenshot-home.png`` from the built site.

Run by hand after a visible change to the home page (``make site`` first, or let this build it):

    .venv/bin/python scripts/screenshots.py            # home page -> docs/assets/screenshot-home.png
    .venv/bin/python scripts/screenshots.py --all      # also every page the browser tests picture -> screenshots/

The browser tests never write into docs/ (their screenshots go to the git-ignored screenshots/), so a
test run leaves the git tree clean; this script is the only writer of the committed image.
Uses the same build rule, server and headless Chromium as tests/browser (see `designdocs.browser`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bankchurn.settings import settings
from designdocs import browser as sitebrowser

README_SHOT = settings().docs_dir / "assets" / "screenshot-home.png"


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the site, serve it on 127.0.0.1, write the screenshots; 2 on a user error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=README_SHOT, help="PNG for the home page")
    parser.add_argument("--all", action="store_true", help="also picture the pages the tests do")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args(argv)

    if sitebrowser.find_chromium() is None:
        print("error: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    try:
        site = sitebrowser.ensure_site()
    except RuntimeError as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    urls = sitebrowser.page_urls(site)
    with sitebrowser.serve(site) as base, sync_playwright() as playwright:
        browser = sitebrowser.launch_browser(playwright)
        viewport = {"width": args.width, "height": args.height}
        opened = sitebrowser.SiteBrowser(browser, base, site, viewport=viewport)
        page, report = opened.visit("")
        problems = report.load_problems() + report.diagram_problems() + opened.off_origin
        if problems:
            print(
                "error: the home page does not load cleanly: " + "; ".join(problems),
                file=sys.stderr,
            )
            return 2
        # Write beside the target, then rename: a failed run never leaves half a PNG in docs/.
        args.out.parent.mkdir(parents=True, exist_ok=True)
        partial = args.out.with_suffix(".partial.png")
        page.screenshot(path=partial)  # the viewport: what a reader sees first
        partial.replace(args.out)
        page.close()
        print(args.out)
        if args.all:
            for name, url in sitebrowser.screenshot_targets(urls).items():
                if url is not None:
                    page, _ = opened.visit(url)
                    sitebrowser.save_screenshot(page, sitebrowser.SCREENSHOTS / f"{name}.png")
                    page.close()
                    print(sitebrowser.SCREENSHOTS / f"{name}.png")
        opened.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
