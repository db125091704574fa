"""Helpers of the site tests: paths and a subprocess ``mkdocs build --strict``.

The build runs in a subprocess (as ``make site`` does), so the MkDocs hooks and macros are
exercised exactly as in production. ``BANKCHURN_REPORTS_DIR`` is honoured (default ``reports/``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "hooks"
if str(HOOKS) not in sys.path:  # the checker and renderers live beside the MkDocs hooks
    sys.path.insert(0, str(HOOKS))

MKDOCS = Path(sys.executable).parent / "mkdocs"


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
