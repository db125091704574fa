"""The benchmark report ``reports/benchmarks.json``: the one read-modify-write of its sections.

Several scripts measure (``scripts/benchmark.py``, ``scripts/loadtest.py``,
``scripts/time_commands.py``); each replaces only its own sections of the one file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def merge_into(out: Path, sections: dict[str, Any]) -> None:
    """Read-modify-write ``out``: replace only the given sections, atomically.

    Args:
        out: The benchmark report (created when missing).
        sections: Top-level keys to replace, with their new values.

    Raises:
        SystemExit: ``out`` exists but is not a JSON object (it is left untouched).
    """
    data: dict[str, Any] = {}
    if out.is_file():
        data = json.loads(out.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise SystemExit(f"benchmark: {out} is not a JSON object; not overwriting it")
    data.update(sections)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, out)
