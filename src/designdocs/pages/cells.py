"""Cells shared by the generated tables: badges, comparison signs, value formatting."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from designdocs.site.format import format_value

# --------------------------------------------------------------------------- badges


def badge(kind: str, text: str | None = None) -> str:
    """A small coloured label (styles in ``docs/stylesheets/extra.css``)."""
    labels = {"pass": "✔ pass", "miss": "✘ miss", "na": "– not measured"}
    text = text if text is not None else labels.get(kind, kind)
    return f'<span class="badge badge--{html.escape(kind)}">{html.escape(text)}</span>'


def adr_status_badge(status: str) -> str:
    """Status badge of an ADR (``proposed`` / ``accepted`` / ``deprecated`` / ``superseded``)."""
    s = str(status).strip().lower()
    return f'<span class="adr-status adr-status--{html.escape(s)}">{html.escape(s)}</span>'


# --------------------------------------------------------------------------- canvas status

_OPS = {">": "&gt;", ">=": "≥", "<": "&lt;", "<=": "≤", "==": "="}
_OP_ALIASES = {
    "gt": ">",
    "ge": ">=",
    "gte": ">=",
    "lt": "<",
    "le": "<=",
    "lte": "<=",
    "higher": ">",
    "higher_is_better": ">",
    "max": ">",
    "lower": "<",
    "lower_is_better": "<",
    "min": "<",
    "≥": ">=",
    "≤": "<=",
}


def _pick(d: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in d:
            return d[k]
    return default


def _satisfies(measured: float, op: str, target: float) -> bool:
    return {
        ">": measured > target,
        ">=": measured >= target,
        "<": measured < target,
        "<=": measured <= target,
        "==": math.isclose(measured, target),
    }[op]


def format_with_unit(value: float, unit: str, fmt: str | None = None) -> str:
    """A target or measured value with its unit, e.g. ``$400,000``, ``3.9×``, ``100 ms``."""
    if fmt:
        return format_value(value, fmt)
    u = unit.strip()
    if u.upper().startswith("USD") or u.startswith("$"):
        return f"${value:,.0f}" + u.lstrip("$").removeprefix("USD").removeprefix("usd")
    if u in ("EUR", "€"):
        return f"€{value:,.0f}"
    if u in ("x", "×", "times"):
        return f"{value:.1f}×"
    if u in ("%", "percent", "share", "fraction", "ratio_pct"):
        return f"{value:.1%}"
    if u:
        return f"{_short(value)} {u}"
    return format_value(value)


def _short(value: float) -> str:
    """Compact number for values with a unit: ``0.0078``, ``7.5``, ``80``, ``120,000``."""
    v = float(value)
    if v.is_integer():
        return f"{v:,.0f}"
    if abs(v) < 1:  # keep small values' significant digits (a 0.0078 gap is not "0.01")
        return f"{v:.2g}" if abs(v) < 0.01 else f"{v:.4g}"
    return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}"


def format_target(value: float, unit: str, fmt: str | None = None) -> str:
    """A declared target: like `format_with_unit` without trailing zeros (``0.85``)."""
    if fmt or unit.strip():
        return format_with_unit(value, unit, fmt)
    return f"{float(value):.4f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- benchmarks


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float | bool) or v is None


def _fmt_cell(v: Any) -> str:
    if v is None:
        return "not measured"
    if isinstance(v, float | int) and not isinstance(v, bool):
        return _short(v)
    if isinstance(v, list | tuple) and all(_scalar(x) for x in v):
        return ", ".join(_fmt_cell(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_fmt_cell(x)}" for k, x in sorted(v.items()))
    return html.escape(str(v)).replace("|", "&#124;")


def records_table(records: Sequence[dict[str, Any]]) -> str:
    """Markdown table of a list of flat records (columns in first-seen order).

    Records that carry ``target`` (+ ``op``) and ``measured`` get a pass / miss marker.
    """
    cols: list[str] = []
    for r in records:
        cols += [k for k in r if k not in cols and k not in ("op", "passed", "id")]
    has_target = "target" in cols and "measured" in cols
    header = cols + (["status"] if has_target else [])
    lines = [
        "| " + " | ".join(c.replace("_", " ") for c in header) + " |",
        "|" + "---|" * len(header),
    ]
    for r in records:
        cells = []
        for c in cols:
            v = r.get(c)
            if c == "target" and v is not None and r.get("op"):
                op = _OP_ALIASES.get(str(r["op"]).lower(), str(r["op"]))
                cells.append(f"{_OPS.get(op, html.escape(op))} {_fmt_cell(v)}")
            else:
                cells.append(
                    _fmt_cell(v) if c != "measured" or v is None else f"**{_fmt_cell(v)}**"
                )
        if has_target:
            t, m = r.get("target"), r.get("measured")
            op = _OP_ALIASES.get(str(r.get("op", "")).lower(), str(r.get("op", "")))
            if m is None or t is None or op not in _OPS:
                cells.append(badge("na"))
            else:
                cells.append(badge("pass" if _satisfies(float(m), op, float(t)) else "miss"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
