"""The reports the documentation reads: report names, files, and the one lazy loader.

Every measured number of the site and of the ADRs goes through `Reports.lookup`: nothing is
typed by hand. A missing report or key raises `SiteDataError`, which fails the (strict) build
instead of printing a blank.

The reports folder is `bankchurn.settings.Settings.reports_dir` (``reports/`` at the repository
root; ``BANKCHURN_REPORTS_DIR`` points the site at another copy).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bankchurn.benchmarks import Benchmarks
from bankchurn.monitoring import MonitoringReport
from bankchurn.report_schemas.base import one_line
from bankchurn.report_schemas.canvas import CanvasStatus
from bankchurn.report_schemas.data_profile import DataProfile
from bankchurn.report_schemas.metrics import TrainingMetrics
from bankchurn.report_schemas.selection import ModelSelection
from bankchurn.settings import ENV_PREFIX, settings
from designdocs.paths import shown

#: Environment variable that points the site at another reports folder.
REPORTS_ENV = f"{ENV_PREFIX}REPORTS_DIR"

#: Report name (first segment of a metric path) -> file under the reports folder.
REPORT_FILES: dict[str, str] = {
    "data": "data_profile.json",
    "baseline": "baseline/metrics.json",
    "target": "target/metrics.json",
    "selection": "model_selection.json",
    "canvas": "canvas_status.json",
    "monitoring": "monitoring.json",
    "bench": "benchmarks.json",
}


#: Report name -> the model its file is written and read through (`bankchurn.report_schemas`).
REPORT_MODELS: dict[str, type[BaseModel]] = {
    "data": DataProfile,
    "baseline": TrainingMetrics,
    "target": TrainingMetrics,
    "selection": ModelSelection,
    "canvas": CanvasStatus,
    "monitoring": MonitoringReport,
    "bench": Benchmarks,
}


#: Reports about the code on a machine rather than about the data (see ``Reports._path``).
MACHINE_REPORTS: tuple[str, ...] = ("bench",)


class SiteDataError(KeyError):
    """A report or a key the site asks for does not exist (the build must fail)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def reports_dir() -> Path:
    """Folder the site reads its reports from (``BANKCHURN_REPORTS_DIR`` or ``reports/``)."""
    return settings().reports_dir


@dataclass
class Report:
    """One JSON report: its parsed content, where it came from and its hash."""

    name: str
    path: Path
    data: Any
    sha256: str
    model: BaseModel

    @property
    def rel_path(self) -> str:
        """Path shown to readers: relative to the repository when possible."""
        return shown(self.path, settings().root)


@dataclass
class Reports:
    """Lazy loader of the reports under one directory."""

    directory: Path = field(default_factory=reports_dir)
    _cache: dict[str, Report] = field(default_factory=dict)

    def exists(self, name: str) -> bool:
        """Whether report ``name`` is present on disk."""
        return self._path(name).is_file()

    def _path(self, name: str) -> Path:
        """File of report ``name``; benchmarks fall back to the repository's own.

        Benchmarks describe the code on a machine, not the data: reports written for a user's
        file (``bankchurn report --out DIR``) have none, and the pages that cite them read the
        repository's ``reports/benchmarks.json`` instead (its provenance says so).
        """
        path = self.directory / _file_of(name)
        if name in MACHINE_REPORTS and not path.is_file():
            return settings().root / "reports" / _file_of(name)
        return path

    def get(self, name: str) -> Report:
        """Load report ``name`` (``data``, ``baseline``, ``target``, ...).

        Raises:
            SiteDataError: unknown report name, missing file, invalid JSON, or a file not of
                its model's shape (`REPORT_MODELS`).
        """
        if name not in self._cache:
            path = self._path(name)
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
            kind = REPORT_MODELS[name]
            try:
                model = kind.model_validate(data)
            except ValidationError as exc:
                raise SiteDataError(
                    f"{shown(path, settings().root)}: {one_line(exc)} (shape: {kind.__module__}."
                    f"{kind.__name__}; run `make reports`)"
                ) from None
            self._cache[name] = Report(name, path, data, hashlib.sha256(raw).hexdigest(), model)
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
