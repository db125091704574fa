"""The JSON report files: deterministic text, written atomically through their models.

Sorted keys, floats rounded to 6 decimals, NaN as null, a trailing newline: the same run gives
the same bytes. A report is written through its model (`bankchurn.report_schemas`), so a file only
ever holds the model's shape.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from bankchurn.atomic import atomic_write_text
from bankchurn.report_schemas.base import ReportModel, conform


def json_ready(obj: Any) -> Any:
    """JSON-ready copy: numpy -> python, floats rounded to 6 decimals, NaN/inf -> None."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return round(f, 6) if math.isfinite(f) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def to_json(obj: Any) -> str:
    """Deterministic JSON text (sorted keys, rounded floats, trailing newline)."""
    return json.dumps(json_ready(obj), sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_json(path: str | Path, obj: Any) -> Path:
    """Write [`to_json`][bankchurn.report_files.to_json] of ``obj`` atomically."""
    return atomic_write_text(path, to_json(obj))


def write_report(path: str | Path, model: type[ReportModel], obj: Any) -> Path:
    """Write report ``obj`` through its model (`bankchurn.report_schemas`), atomically.

    The content is made JSON-ready first (rounded floats), then validated and dumped by the
    model, so a file only ever holds the model's shape.
    """
    return write_json(path, conform(model, json.loads(to_json(obj))))
