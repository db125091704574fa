"""The one built site every test reads, and a subprocess ``mkdocs build --strict``.

The build runs in a subprocess (as ``make site`` does), so the designdocs plugin and macros are
exercised exactly as in production. ``BANKCHURN_REPORTS_DIR`` is honoured (default ``reports/``).

`ensure_site` is shared by the site tests, the browser tests and ``scripts/screenshots.py``:
``site/`` is reused when it is newer than every input of the build **and** the strict build that
wrote it left its log in ``.cache/site-build.log`` (``make site`` and `ensure_site` both do,
and only on success). Otherwise ``site/`` is rebuilt once, under a lock, so two xdist workers never
build at the same time.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bankchurn.settings import settings

ROOT = settings().root

MKDOCS = Path(sys.executable).parent / "mkdocs"
BUILD_LOG = Path(".cache") / "site-build.log"  # relative to the repository root; git-ignored

# Inputs of `mkdocs build`: if any is newer than the built site, the site is stale.
SITE_SOURCES = (
    "mkdocs.yml",
    "docs",
    "adr",
    "notebooks",
    "reports",
    "overrides",
    "src",
    "requirements.lock",
    "package-lock.json",
)
_IGNORED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".cache"}


@dataclass
class Build:
    """Result of one ``mkdocs build``."""

    site: Path
    returncode: int
    log: str


def run_mkdocs_build(config: Path, site_dir: Path) -> Build:
    """``mkdocs build --strict`` of ``config`` into ``site_dir``; never raises on failure."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [
            str(MKDOCS),
            "build",
            "--strict",
            "--config-file",
            str(config),
            "--site-dir",
            str(site_dir),
        ],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,  # the caller inspects the return code (failing builds are tested too)
    )
    return Build(site_dir, proc.returncode, proc.stdout + proc.stderr)


def configured_site_dir(root: Path = ROOT) -> Path:
    """``site_dir`` from mkdocs.yml (default ``site``), without loading the plugins."""
    config = root / "mkdocs.yml"
    if config.exists():
        match = re.search(r"^site_dir:\s*['\"]?([^'\"#\s]+)", config.read_text(), re.MULTILINE)
        if match:
            return (root / match.group(1)).resolve()
    return root / "site"


def newest_source_mtime(root: Path = ROOT) -> float:
    """Most recent modification time among the inputs of the site build."""
    newest = 0.0
    for name in SITE_SOURCES:
        path = root / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for sub in path.rglob("*"):
                ignored = _IGNORED_PARTS.intersection(sub.parts) or any(
                    part.endswith(".egg-info") for part in sub.parts
                )
                if sub.is_file() and not ignored:
                    newest = max(newest, sub.stat().st_mtime)
    return newest


def site_is_fresh(site: Path, root: Path = ROOT) -> bool:
    """True when ``site`` holds a complete build newer than every source file."""
    marker = site / "sitemap.xml"
    return (
        (site / "index.html").exists()
        and marker.exists()
        and marker.stat().st_mtime >= newest_source_mtime(root)
    )


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """Hold ``.cache/site-build.lock`` (one builder at a time across processes)."""
    lock = root / ".cache" / "site-build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_site(root: Path = ROOT) -> Build:
    """The built site with the log of its strict build: reused when fresh, else rebuilt in place.

    ``BANKCHURN_SITE_DIR`` (`bankchurn.settings.Settings.site_dir`) points the tests at another
    already-built site (log: empty).
    """
    override = settings().site_dir
    if override is not None:
        return Build(override, 0, "")
    site = configured_site_dir(root)
    log = root / BUILD_LOG
    with _exclusive(root):
        if (
            site_is_fresh(site, root)
            and log.is_file()
            and log.stat().st_mtime >= (site / "sitemap.xml").stat().st_mtime
        ):
            return Build(site, 0, log.read_text(encoding="utf-8"))
        log.unlink(missing_ok=True)  # a log is kept only for a build that succeeded
        build = run_mkdocs_build(root / "mkdocs.yml", site)
        if build.returncode == 0:
            log.write_text(build.log, encoding="utf-8")
        return build
