"""Formatting of measured values and of their provenance, and parameters read from the code."""

from __future__ import annotations

import html
import importlib
import inspect
from typing import Any

from designdocs.reports import Report, Reports, SiteDataError

#: Provenance keys shown first, in this order; any other key follows alphabetically.
PROVENANCE_ORDER = (
    "data_source",
    "source",
    "synthetic",
    "file",
    "seed",
    "data_sha256",
    "sha256",
    "file_sha256",
    "artifact",
    "artifact_name",
    "snapshot_start",
    "snapshot_end",
    "data_start",
    "data_end",
    "data_date_range",
    "package_version",
)


#: The money format of ``format_value`` (`money`: the one rule for amounts on every page).
MONEY = "$"


def money(value: float) -> str:
    """An amount in the project's currency (USD), rounded as far as its assumptions allow.

    The one rule for money in prose and tables: from $10K up, whole thousands (``$189K``) or
    millions to one decimal (``$2M``, ``$1.2M``): such figures rest on assumptions (a success
    rate, a cost per contact), and dollars would claim a precision they do not have; below
    $10K, whole dollars (a cost per contact: ``$500``). The sign goes first: ``-$27K``.
    """
    sign, v = ("-" if value < 0 else ""), abs(value)
    if round(v / 1e6, 1) >= 1:
        return f"{sign}${v / 1e6:,.1f}".removesuffix(".0") + "M"
    if v >= 10_000:
        return f"{sign}${v / 1e3:,.0f}K"
    return f"{sign}${v:,.0f}"


def format_value(value: Any, fmt: str | None = None) -> str:
    """Format a measured value for the page.

    Args:
        value: A number, string, bool or a list of numbers (e.g. a confidence interval).
        fmt: Either a format spec (``".3f"``, ``".1%"``, ``",.0f"``), a template with one
            replacement field (``"{:.1f} ms"``), or ``"$"``: an amount of money, as `money`
            writes it. Default: integers with thousands separators, floats with 3 decimals (no
            decimals from 1000 up).

    Raises:
        SiteDataError: the value is missing (``None``), a mapping, or does not fit ``fmt``.
    """
    if value is None:
        raise SiteDataError("value is null in the report (not measured)")
    if isinstance(value, dict):
        raise SiteDataError("value is a mapping: point the metric path at one of its keys")
    if isinstance(value, list | tuple):
        return " – ".join(format_value(v, fmt) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        if fmt == MONEY:
            return money(float(value))
        if fmt:
            return fmt.format(value) if "{" in fmt else format(value, fmt)
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"
    except (ValueError, TypeError) as exc:
        raise SiteDataError(f"cannot format {value!r} with {fmt!r}: {exc}") from exc
    return str(value)


#: Provenance keys that say where the data came from: folded into one phrase (`_data_phrase`).
_DATA_KEYS = frozenset({"source", "data_source", "synthetic", "generator", "file", "table"})


def _data_phrase(prov: dict[str, Any]) -> tuple[str, frozenset[str]]:
    """Where the data came from, said once (``synthetic extract``), and the keys it says.

    The writers record it in several keys (``source: synthetic``, ``synthetic: true``,
    ``generator: bankchurn.synthetic``); shown one by one they said "synthetic" three times.
    """
    said = _DATA_KEYS & prov.keys()
    if prov.get("synthetic") is True:
        return "synthetic extract", said
    source = prov.get("source", prov.get("data_source"))
    where = prov.get("file") or prov.get("table")
    if source is None and where is None:
        return "", frozenset()
    named = " ".join(str(x) for x in (source, where) if x is not None)
    return f"{named} (real data, supplied by the user)", said


def provenance_text(report: Report, prov: dict[str, Any]) -> str:
    """One line that says where a number comes from (used as the hover title)."""
    parts = [f"file {report.rel_path} (sha256 {report.sha256[:12]})"]
    shown = {k: v for k, v in prov.items() if v is not None and v != ""}
    data, said = _data_phrase(shown)
    if data:
        parts.append(f"data: {data}")
        shown = {k: v for k, v in shown.items() if k not in said}
    keys = [k for k in PROVENANCE_ORDER if k in shown]
    keys += sorted(k for k in shown if k not in PROVENANCE_ORDER)
    for key in keys:
        val = shown[key]
        if isinstance(val, bool):
            val = format_value(val)
        elif isinstance(val, dict):
            val = ", ".join(f"{k}={v}" for k, v in sorted(val.items()))
        elif isinstance(val, list | tuple):
            val = " to ".join(map(str, val))
        if isinstance(val, str) and len(val) == 64 and all(c in "0123456789abcdef" for c in val):
            val = val[:12] + "…"  # a full sha256 is noise on hover
        parts.append(f"{key.replace('_', ' ')}: {val}")
    return "provenance: " + "; ".join(parts)


def metric_html(
    reports: Reports, path: str, fmt: str | None = None, unknown: str | None = None
) -> str:
    """``<span class="metric">`` with the formatted value and its provenance on hover.

    Args:
        reports: The reports.
        path: Dotted metric path.
        fmt: Format (see ``format_value``).
        unknown: Words to print when the reports cannot know this value (null, or absent, as
            the ceilings are on a real file); without it such a value fails the build.
    """
    if unknown is not None:
        try:
            value, report = reports.lookup(path)
        except SiteDataError:
            value = None
        if value is None:
            return (
                f'<em class="unknown" data-metric="{html.escape(path)}">{html.escape(unknown)}</em>'
            )
    value, report = reports.lookup(path)
    try:
        text = format_value(value, fmt)
    except SiteDataError as exc:
        raise SiteDataError(f"metric {path!r} in {report.rel_path}: {exc}") from exc
    title = provenance_text(report, reports.provenance(report.name))
    return (
        f'<span class="metric" tabindex="0" data-metric="{html.escape(path)}" '
        f'title="{html.escape(title)}" data-provenance="{html.escape(title)}">'
        f"{html.escape(text)}</span>"
    )


def code_value(path: str) -> tuple[Any, str]:
    """A constant declared in the ``bankchurn`` package, by dotted path below it.

    ``split.DEFAULT_TEST_MONTHS`` is ``bankchurn.split.DEFAULT_TEST_MONTHS``; a path through a
    pydantic model class ends at a field's default
    (``business.BusinessParameters.retention_success_rate``), one through a function at an argument's
    default (``evaluation.bootstrap_ci.level``).

    Returns:
        The value and the fully qualified name it was read from.

    Raises:
        SiteDataError: no such module, attribute or field, or the value is not a plain number,
            string or bool.
    """
    parts = path.split(".")
    obj: Any = None
    for i in range(len(parts), 0, -1):  # longest importable module prefix
        try:
            obj = importlib.import_module("bankchurn." + ".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        rest = parts[i:]
        break
    else:
        raise SiteDataError(f"parameter {path!r}: no module bankchurn.{parts[0]}")
    for name in rest:
        fields = getattr(obj, "model_fields", None)
        params = _parameters_of(obj)
        if isinstance(obj, type) and isinstance(fields, dict) and name in fields:
            obj = fields[name].default
        elif name in params and params[name].default is not inspect.Parameter.empty:
            obj = params[name].default  # a function's default argument
        elif hasattr(obj, name):
            obj = getattr(obj, name)
        else:
            raise SiteDataError(f"parameter {path!r}: {name!r} not found in bankchurn")
    if not isinstance(obj, int | float | str | bool):
        raise SiteDataError(f"parameter {path!r} is a {type(obj).__name__}, not a plain value")
    return obj, f"bankchurn.{path}"


def _parameters_of(obj: Any) -> dict[str, inspect.Parameter]:
    """Parameters of a plain function (empty for anything else)."""
    if not inspect.isfunction(obj):
        return {}
    return dict(inspect.signature(obj).parameters)
