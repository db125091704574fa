"""The ML Canvas success metrics: declared targets against measured values, pass or miss."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

from designdocs.pages.cells import (
    _OP_ALIASES,
    _OPS,
    _pick,
    _satisfies,
    badge,
    format_target,
    format_with_unit,
)
from designdocs.reports import Reports, SiteDataError
from designdocs.site.format import provenance_text

TIERS = ("business", "model", "system")


@dataclass
class CanvasMetric:
    """One success metric of the ML Canvas: declared target and measured value."""

    id: str
    tier: str
    name: str
    target: float
    op: str
    measured: float | None
    unit: str = ""
    passed: bool | None = None
    source: str | None = None
    fmt: str | None = None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        """``pass``, ``miss`` or ``na`` (not measured)."""
        if self.passed is None:
            return "na"
        return "pass" if self.passed else "miss"


def canvas_metrics(reports: Reports) -> list[CanvasMetric]:
    """Read and cross-check ``canvas_status.json``.

    Accepts a list of entries under ``metrics`` (or a mapping id -> entry, or a top-level list).
    The marker is recomputed from target, comparison and measured value; a disagreement with the
    report's own pass flag, or a measured value that differs from its ``source`` report, fails.

    Raises:
        SiteDataError: missing fields, unknown comparison, or an inconsistency.
    """
    data = reports.get("canvas").data
    if isinstance(data, dict) and any(isinstance(data.get(t), dict) for t in TIERS):
        # {"business": {"lift_at_10": {...}}, "model": {...}, "system": {...}, ...}
        entries: Any = [
            {"id": f"{tier}.{key}", "tier": tier, **item}
            for tier in TIERS
            for key, item in (data.get(tier) or {}).items()
            if isinstance(item, dict)
        ]
    else:
        entries = data.get("metrics", data.get("targets")) if isinstance(data, dict) else data
    if isinstance(entries, dict):
        entries = [{"id": k, **v} for k, v in entries.items()]
    if not isinstance(entries, list) or not entries:
        raise SiteDataError("canvas_status.json: expected a non-empty list under 'metrics'")
    out = []
    for e in entries:
        mid = str(_pick(e, "id", "key", "name", default=""))
        tier = str(_pick(e, "tier", "level", "group", default=mid.split(".")[0])).lower()
        op = str(_pick(e, "op", "operator", "comparison", "direction", default=">")).strip()
        op = _OP_ALIASES.get(op.lower(), op)
        if op not in _OPS:
            raise SiteDataError(f"canvas_status.json: {mid}: unknown comparison {op!r}")
        target = _pick(e, "target", "threshold", "goal")
        measured = _pick(e, "measured", "value", "actual")
        status = _pick(e, "passed", "pass", "met", "ok", "status")
        if isinstance(status, str):  # "pass" / "miss" / "not measured here"
            status = {"pass": True, "passed": True, "miss": False, "fail": False}.get(
                status.strip().lower()
            )
        if target is None:
            raise SiteDataError(f"canvas_status.json: {mid}: no target declared")
        m = CanvasMetric(
            id=mid,
            tier=tier,
            name=str(_pick(e, "name", "label", "title", "metric", default=_canvas_name(mid))),
            target=float(target),
            op=op,
            measured=measured,
            unit=str(_pick(e, "unit", default="") or ""),
            source=_pick(e, "source", "metric_path", "path"),
            fmt=_pick(e, "fmt", "format"),
            note=str(_pick(e, "note", "comment", "how_measured", default="") or ""),
            raw=e,
        )
        _check_declared(mid, op, float(target), m.unit)
        if measured is not None:
            computed = _satisfies(float(measured), op, float(target))
            if status is not None and bool(status) != computed:
                raise SiteDataError(
                    f"canvas_status.json: {mid}: marked {'pass' if status else 'miss'} but "
                    f"measured {measured} {op} target {target} is {computed}"
                )
            m.passed = computed
            if m.source:
                m.source = _source_leaf(reports, mid, m.source, float(measured))
        elif status:
            raise SiteDataError(f"canvas_status.json: {mid}: marked pass but nothing measured")
        else:
            m.source = None
        out.append(m)
    return out


def _check_declared(mid: str, op: str, target: float, unit: str) -> None:
    """A canvas target must equal its declaration in `bankchurn.targets` (if it has one).

    Raises:
        SiteDataError: the report was written before the target changed (stale report).
    """
    from bankchurn import targets

    declared = targets.BY_ID.get(mid)
    if declared is None:
        return
    if (
        declared.comparison != op
        or not math.isclose(declared.value, target, rel_tol=1e-9)
        or declared.unit != unit
    ):
        raise SiteDataError(
            f"canvas_status.json: {mid}: target {op} {target} {unit!r} differs from its "
            f"declaration {declared.comparison} {declared.value} {declared.unit!r} in "
            "bankchurn.targets: the reports are stale, run `make reports` and commit them"
        )


#: Readable names of the canvas metrics ``bankchurn.reporting.canvas_status`` writes.
CANVAS_NAMES = {
    "business.retained_usd_per_year": "$ retained per year (campaign)",
    "business.lift_at_10": "Lift vs random selection, top 10%",
    "model.roc_auc": "ROC-AUC, test period",
    "model.precision_at_10": "Precision in the top 10%",
    "model.recall": "Recall at the operating threshold",
    "system.latency_p99_ms": "API latency, P99",
    "system.throughput_rps": "API throughput",
    "system.uptime": "Uptime",
    "system.coverage": "Test coverage",
}


def _canvas_name(mid: str) -> str:
    if mid in CANVAS_NAMES:
        return CANVAS_NAMES[mid]
    return mid.split(".")[-1].replace("_", " ").capitalize()


def _source_leaf(reports: Reports, mid: str, source: str, measured: float) -> str | None:
    """The metric path, at or below ``source``, holding the measured value.

    ``source`` may name the number itself (``target.roc_auc``) or the mapping that holds it
    (``target.business.at_capacity``). ``"none"`` means no other report holds it.

    Raises:
        SiteDataError: the source does not exist or holds no number equal to ``measured``.
    """
    if source.strip().lower() in ("", "none", "null"):
        return None
    value, report = reports.lookup(source)

    def close(v: Any) -> bool:
        return (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isclose(float(v), measured, rel_tol=1e-6, abs_tol=1e-9)
        )

    if close(value):
        return source
    if isinstance(value, dict):
        hits = [k for k, v in value.items() if close(v)]
        if hits:
            return f"{source}.{min(hits)}"
    raise SiteDataError(
        f"canvas_status.json: {mid}: measured {measured} is not the value of {source} in "
        f"{report.rel_path} ({value!r:.120})"
    )


def _measured_cell(reports: Reports, m: CanvasMetric) -> str:
    if m.measured is None:
        return "not measured"
    text = format_with_unit(m.measured, m.unit, m.fmt)
    if m.source:
        _, report = reports.lookup(m.source)
        title = provenance_text(report, reports.provenance(report.name))
    else:
        report = reports.get("canvas")
        title = provenance_text(report, reports.provenance("canvas"))
    return (
        f'<span class="metric" data-metric="canvas.{html.escape(m.id)}" '
        f'title="{html.escape(title)}">{html.escape(text)}</span>'
    )


def canvas_table(reports: Reports, tier: str | None = None, *, show_tier: bool = True) -> str:
    """Markdown table: metric, target, measured (with provenance on hover), status."""
    metrics = [m for m in canvas_metrics(reports) if tier is None or m.tier == tier]
    if not metrics:
        raise SiteDataError(f"canvas_status.json: no metric in tier {tier!r}")
    order = {t: i for i, t in enumerate(TIERS)}
    known = list(CANVAS_NAMES)
    metrics.sort(
        key=lambda m: (
            order.get(m.tier, len(TIERS)),
            known.index(m.id) if m.id in known else len(known),
        )
    )
    cols = ["Tier"] if show_tier else []
    cols += ["Metric", "Target", "Measured", "Status"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for m in metrics:
        target = f"{_OPS[m.op]} {format_target(m.target, m.unit, m.fmt)}"
        cells = [m.tier] if show_tier else []
        name = m.name + (f" <small>({html.escape(m.note)})</small>" if m.note else "")
        cells += [name, target, _measured_cell(reports, m), badge(m.state)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def canvas_summary(reports: Reports) -> dict[str, int]:
    """Counts of ``pass`` / ``miss`` / ``na`` over all canvas metrics."""
    counts = {"pass": 0, "miss": 0, "na": 0}
    for m in canvas_metrics(reports):
        counts[m.state] += 1
    return counts
