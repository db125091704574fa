"""A mapping of any report as a table of measured values (``kv_table``, ``parameters_table``)."""

from __future__ import annotations

import html
import re

from designdocs.pages.cells import _fmt_cell, _scalar
from designdocs.reports import Reports, SiteDataError
from designdocs.site.format import metric_html


def kv_table(reports: Reports, path: str, fmt: str | None = None) -> str:
    """Two-column table of a mapping in a report, each value a measured metric span."""
    value, report = reports.lookup(path)
    if not isinstance(value, dict) or not value:
        raise SiteDataError(f"{path} in {report.rel_path} is not a non-empty mapping")
    lines = ["| Parameter | Value |", "|---|---|"]
    for key, v in value.items():
        shown = (
            metric_html(reports, f"{path}.{key}", fmt)
            if _scalar(v) and v is not None
            else _fmt_cell(v)
        )
        lines.append(f"| {key.replace('_', ' ')} | {shown} |")
    return "\n".join(lines) + "\n"


def parameters_table(reports: Reports, path: str) -> str:
    """Table of named parameters ``{name: {"value": v, "description": text}}`` in a report."""
    value, report = reports.lookup(path)
    if not isinstance(value, dict) or not value:
        raise SiteDataError(f"{path} in {report.rel_path} is not a non-empty mapping")
    lines = ["| Parameter | Value | Meaning |", "|---|---|---|"]
    keys = sorted(value, key=len, reverse=True)
    names = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, keys)) + r")(?![\w.])")
    for key, item in value.items():
        if isinstance(item, dict) and "value" in item:
            v, desc, vpath = item["value"], item.get("description") or "", f"{path}.{key}.value"
        else:
            v, desc, vpath = item, "", f"{path}.{key}"
        shown = metric_html(reports, vpath) if _scalar(v) and v is not None else _fmt_cell(v)
        desc = html.escape(str(desc)).replace("|", "&#124;")
        # A derived parameter's description is its formula over the others: names as code.
        desc = names.sub(lambda m: f"<code>{m[0]}</code>", desc)
        lines.append(f"| <code>{html.escape(key)}</code> | {shown} | {desc} |")
    return "\n".join(lines) + "\n"
