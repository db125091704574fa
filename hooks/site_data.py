"""Reports the site reads, and the formatting of measured values with their provenance.

Every measured number on the site goes through :func:`Reports.lookup` and :func:`format_value`:
nothing is typed by hand. A missing report or key raises :class:`SiteDataError`, which fails the
(strict) build instead of printing a blank.

The reports directory is ``reports/`` at the repository root; the environment variable
``BANKCHURN_REPORTS_DIR`` points the site at another copy (for developing against a throwaway set).
"""

from __future__ import annotations

import hashlib
import html
import inspect
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bankchurn.adr import REPORTS

ROOT = Path(__file__).resolve().parent.parent
REPORTS_ENV = "BANKCHURN_REPORTS_DIR"

#: Report name (first segment of a metric path) -> file under the reports directory. Declared
#: once, in the package, where the ADR lint checks ``metric()`` keys against the same files.
REPORT_FILES: dict[str, str] = REPORTS

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


class SiteDataError(KeyError):
    """A report or a key the site asks for does not exist (the build must fail)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def reports_dir() -> Path:
    """Directory the site reads its reports from (``BANKCHURN_REPORTS_DIR`` or ``reports/``)."""
    env = os.environ.get(REPORTS_ENV)
    return Path(env).resolve() if env else ROOT / "reports"


@dataclass
class Report:
    """One JSON report: its parsed content, where it came from and its hash."""

    name: str
    path: Path
    data: Any
    sha256: str

    @property
    def rel_path(self) -> str:
        """Path shown to readers: relative to the repository when possible."""
        try:
            return self.path.relative_to(ROOT).as_posix()
        except ValueError:
            return self.path.as_posix()


@dataclass
class Reports:
    """Lazy loader of the reports under one directory."""

    directory: Path = field(default_factory=reports_dir)
    _cache: dict[str, Report] = field(default_factory=dict)

    def exists(self, name: str) -> bool:
        """Whether report ``name`` is present on disk."""
        return (self.directory / _file_of(name)).is_file()

    def get(self, name: str) -> Report:
        """Load report ``name`` (``data``, ``baseline``, ``target``, ...).

        Raises:
            SiteDataError: unknown report name, missing file or invalid JSON.
        """
        if name not in self._cache:
            path = self.directory / _file_of(name)
            if not path.is_file():
                raise SiteDataError(
                    f"report {name!r} not found: {path} is missing "
                    "(run `bankchurn report --out reports`, or `make bench` for benchmarks)"
                )
            raw = path.read_bytes()
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SiteDataError(f"report {path} is not valid JSON: {exc}") from exc
            self._cache[name] = Report(name, path, data, hashlib.sha256(raw).hexdigest())
        return self._cache[name]

    def lookup(self, path: str) -> tuple[Any, Report]:
        """Resolve a dotted metric path such as ``target.roc_auc`` or ``target.roc_auc_ci.0``.

        The first segment names the report; the rest are dict keys or list indices.

        Raises:
            SiteDataError: the report or any key along the path is missing.
        """
        name, _, rest = path.partition(".")
        report = self.get(name)
        value: Any = report.data
        walked = name
        for key in rest.split(".") if rest else []:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif (
                isinstance(value, list)
                and key.lstrip("-").isdigit()
                and -len(value) <= int(key) < len(value)
            ):
                value = value[int(key)]
            else:
                avail = (
                    ", ".join(sorted(map(str, value)))[:300]
                    if isinstance(value, dict)
                    else f"{type(value).__name__}"
                    + (f" of length {len(value)}" if isinstance(value, list) else "")
                )
                raise SiteDataError(
                    f"metric {path!r}: key {key!r} not found under {walked!r} in "
                    f"{report.rel_path} (has: {avail})"
                )
            walked += f".{key}"
        return value, report

    def provenance(self, name: str) -> dict[str, Any]:
        """The ``provenance`` block of a report (empty when the report has none)."""
        data = self.get(name).data
        prov = data.get("provenance") if isinstance(data, dict) else None
        return prov if isinstance(prov, dict) else {}


def _file_of(name: str) -> str:
    if name not in REPORT_FILES:
        raise SiteDataError(
            f"unknown report {name!r}: a metric path starts with one of {', '.join(REPORT_FILES)}"
        )
    return REPORT_FILES[name]


def format_value(value: Any, fmt: str | None = None) -> str:
    """Format a measured value for the page.

    Args:
        value: A number, string, bool or a list of numbers (e.g. a confidence interval).
        fmt: Either a format spec (``".3f"``, ``".1%"``, ``",.0f"``) or a template with one
            replacement field (``"${:,.0f}"``, ``"{:.1f} ms"``). Default: integers with
            thousands separators, floats with 3 decimals (no decimals from 1000 up).

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
        if fmt:
            return fmt.format(value) if "{" in fmt else format(value, fmt)
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"
    except (ValueError, TypeError) as exc:
        raise SiteDataError(f"cannot format {value!r} with {fmt!r}: {exc}") from exc
    return str(value)


def provenance_text(report: Report, prov: dict[str, Any]) -> str:
    """One line that says where a number comes from (used as the hover title)."""
    parts = [f"file {report.rel_path} (sha256 {report.sha256[:12]})"]
    shown = {k: v for k, v in prov.items() if v is not None and v != ""}
    keys = [k for k in PROVENANCE_ORDER if k in shown]
    keys += sorted(k for k in shown if k not in PROVENANCE_ORDER)
    for key in keys:
        val = prov[key]
        if isinstance(val, dict):
            val = ", ".join(f"{k}={v}" for k, v in sorted(val.items()))
        elif isinstance(val, list | tuple):
            val = " to ".join(map(str, val))
        if isinstance(val, str) and len(val) == 64 and all(c in "0123456789abcdef" for c in val):
            val = val[:12] + "…"  # a full sha256 is noise on hover
        parts.append(f"{key.replace('_', ' ')}: {val}")
    return "provenance: " + "; ".join(parts)


def metric_html(reports: Reports, path: str, fmt: str | None = None) -> str:
    """``<span class="metric">`` with the formatted value and its provenance on hover."""
    value, report = reports.lookup(path)
    try:
        text = format_value(value, fmt)
    except SiteDataError as exc:
        raise SiteDataError(f"metric {path!r} in {report.rel_path}: {exc}") from exc
    title = provenance_text(report, reports.provenance(report.name))
    return (
        f'<span class="metric" data-metric="{html.escape(path)}" '
        f'title="{html.escape(title)}">{html.escape(text)}</span>'
    )


def code_value(path: str) -> tuple[Any, str]:
    """A constant declared in the ``bankchurn`` package, by dotted path below it.

    ``split.DEFAULT_TEST_MONTHS`` is ``bankchurn.split.DEFAULT_TEST_MONTHS``; a path through a
    pydantic model class ends at a field's default
    (``business.BusinessParameters.campaign_capacity``), one through a function at an argument's
    default (``evaluation.bootstrap_ci.level``).

    Returns:
        The value and the fully qualified name it was read from.

    Raises:
        SiteDataError: no such module, attribute or field, or the value is not a plain number,
            string or bool.
    """
    import importlib

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
