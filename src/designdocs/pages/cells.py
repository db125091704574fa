"""Cells shared by the generated tables: badges, comparison signs, value formatting."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bankchurn.targets import BY_ID
from designdocs.site.format import format_value, money

# --------------------------------------------------------------------------- badges


def badge(kind: str, text: str | None = None) -> str:
    """A small coloured label (styles in ``docs/stylesheets/extra.css``)."""
    # No-break spaces: on a phone a badge may wrap, but never leave its sign alone on a line.
    labels = {"pass": "✔\u00a0pass", "miss": "✘\u00a0miss", "na": "–\u00a0not measured"}
    text = text if text is not None else labels.get(kind, kind)
    return f'<span class="badge badge--{html.escape(kind)}">{html.escape(text)}</span>'


# --------------------------------------------------------------------------- comparisons

#: How a declared comparison of `bankchurn.targets` is shown (escape for HTML).
SYMBOLS = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "="}


def format_with_unit(value: float, unit: str, fmt: str | None = None) -> str:
    """A target or measured value with its unit, e.g. ``$400K/year``, ``3.9×``, ``100 ms``."""
    if fmt:
        return format_value(value, fmt)
    u = unit.strip()
    if u.upper().startswith("USD") or u.startswith("$"):
        return money(value) + u.lstrip("$").removeprefix("USD").removeprefix("usd")
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
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float | int) and not isinstance(v, bool):
        return _short(v)
    if isinstance(v, list | tuple) and all(_scalar(x) for x in v):
        return ", ".join(_fmt_cell(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_fmt_cell(x)}" for k, x in sorted(v.items()))
    # An identifier (a scoring path, a model family, a hyperparameter) is shown as code: it is a
    # name from the code on purpose, not a key that lacks its title.
    text = html.escape(str(v)).replace("|", "&#124;")
    return _IDENTIFIER.sub(r'<code class="identifier">\g<0></code>', text)


#: A snake_case identifier, alone or as ``name=value`` (``n_estimators=300``), not already code.
_IDENTIFIER = re.compile(r"(?<![\w./`-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:=[\w.]+)?(?![\w/`-])")


def records_table(records: Sequence[dict[str, Any]], titles: Mapping[str, str]) -> str:
    """Markdown table of a list of flat records (columns in first-seen order).

    A record with the ``id`` of a target declared in `bankchurn.targets` shows that target's
    comparison and, from its ``measured`` value, the verdict of `bankchurn.targets.Target.met`.

    Args:
        records: The rows.
        titles: Column header of each key (a key without one shows as itself, which the site
            check of raw keys in headers then reports).
    """
    cols: list[str] = []
    for r in records:
        cols += [k for k in r if k not in cols and k not in ("op", "passed", "id")]
    has_target = "target" in cols and "measured" in cols
    header = cols + (["status"] if has_target else [])
    lines = [
        "| " + " | ".join(titles.get(c, c) for c in header) + " |",
        "|" + "---|" * len(header),
    ]
    for r in records:
        declared = BY_ID.get(str(r.get("id", "")))
        cells = []
        for c in cols:
            v = r.get(c)
            if c == "target" and v is not None and declared is not None:
                cells.append(f"{html.escape(SYMBOLS[declared.comparison])} {_fmt_cell(v)}")
            elif c not in r:  # a field this kind of record does not have (not a missing value)
                cells.append("–")
            else:
                cells.append(
                    _fmt_cell(v) if c != "measured" or v is None else f"**{_fmt_cell(v)}**"
                )
        if has_target:
            verdict = declared.met(r.get("measured")) if declared is not None else None
            cells.append(badge({True: "pass", False: "miss", None: "na"}[verdict]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
