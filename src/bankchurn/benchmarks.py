"""The benchmark report ``reports/benchmarks.json``: the one read-modify-write of its sections.

Several scripts measure (``scripts/benchmark.py``, ``scripts/loadtest.py``,
``scripts/time_commands.py``); each replaces only its own sections of the one file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bankchurn.atomic import atomic_write_text


def merge_into(out: Path, sections: dict[str, Any], remove: tuple[str, ...] = ()) -> None:
    """Read-modify-write ``out``: replace only the given sections, atomically.

    Args:
        out: The benchmark report (created when missing).
        sections: Top-level keys to replace, with their new values.
        remove: Top-level keys to delete (sections a script no longer writes).

    Raises:
        SystemExit: ``out`` exists but is not a JSON object (it is left untouched).
    """
    data: dict[str, Any] = {}
    if out.is_file():
        data = json.loads(out.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise SystemExit(f"benchmark: {out} is not a JSON object; not overwriting it")
    for key in remove:
        data.pop(key, None)
    data.update(sections)
    atomic_write_text(out, json.dumps(data, indent=2, sort_keys=True) + "\n")


def run_measured(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd`` in a child process; its wall time and peak resident memory.

    ``ru_maxrss`` survives ``exec``, so a child forked from a large process would report that
    process's footprint: a small wrapper interpreter starts ``cmd`` and reports its children's
    peak instead.

    Args:
        cmd: The command line.

    Returns:
        ``rc`` (exit code), ``err`` (end of stderr), ``wall_s`` and ``peak_rss_mib``.
    """
    import subprocess
    import sys

    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'rc': p.returncode, 'err': p.stderr.strip()[-500:],"
        " 'wall_s': time.perf_counter() - t,"
        " 'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, check=True
    )
    res = json.loads(proc.stdout)
    return {
        "rc": int(res["rc"]),
        "err": str(res["err"]),
        "wall_s": float(res["wall_s"]),
        "peak_rss_mib": int(res["maxrss_kib"]) / 1024.0,  # KiB on Linux
    }
