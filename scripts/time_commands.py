"""Time the repository's own commands and merge them into ``reports/benchmarks.json``.

Measures, on this machine: a warm ``make site`` (second of two runs), the browser suite alone
(``pytest tests/browser``) and a whole ``make test``. The targets come from their one declaration
in `bankchurn.targets`; the Benchmarks page renders them with pass / miss. Timings are
recorded, never asserted by a test (see the Benchmarks page).

Usage::

    .venv/bin/python scripts/time_commands.py --out reports/benchmarks.json [--skip-make-test]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bankchurn import targets
from bankchurn.benchmarks import merge_into
from bankchurn.settings import settings

ROOT = settings().root


def timed(cmd: list[str]) -> float:
    """Run ``cmd`` in the repository root; return its wall time in seconds (fail loudly)."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise SystemExit(f"time_commands: {' '.join(cmd)} failed ({proc.returncode}): {tail[0]}")
    return wall


def record(target_id: str, name: str, measured: float) -> dict[str, Any]:
    """One row for the site: the declared target next to the measured value."""
    t = targets.get(target_id)
    return {
        "id": t.id,
        "name": name,
        "unit": t.unit,
        "op": t.comparison,
        "target": t.value,
        "measured": round(measured, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Time the repository commands and merge their rows into the benchmark report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=settings().reports_dir / "benchmarks.json")
    parser.add_argument(
        "--skip-make-test",
        action="store_true",
        help="do not time a whole `make test` (it takes minutes)",
    )
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    timed(["make", "site"])  # warm-up: environment, vendored mermaid, caches
    rows = [record("engineering.site_build_s", "Warm `make site`", timed(["make", "site"]))]
    browser = timed(
        [str(ROOT / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", "tests/browser"]
    )
    rows.append(
        record("engineering.browser_suite_s", "Browser suite (`pytest tests/browser`)", browser)
    )
    if not args.skip_make_test:
        rows.append(
            record("engineering.make_test_min", "Whole `make test`", timed(["make", "test"]) / 60.0)
        )
    merge_into(
        args.out,
        {
            "commands": {
                "measured_at": dt.date.today().isoformat(),
                "load_avg_1m_before": round(load_before, 2),
                "load_avg_1m_after": round(os.getloadavg()[0], 2),
                "cpu_count": os.cpu_count(),
            },
            "command_targets": rows,
        },
    )
    for r in rows:
        print(f"{r['name']}: {r['measured']} {r['unit']} (target {r['op']} {r['target']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
