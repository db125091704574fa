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
from designdocs.site.format import metric_html, provenance_text

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


def _canvas_name(mid: str) -> str:
    """Short name of a canvas metric, from its declaration in ``bankchurn.targets``."""
    from bankchurn import targets

    declared = targets.BY_ID.get(mid)
    return declared.name if declared else mid.split(".")[-1].replace("_", " ").capitalize()


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
        f'<span class="metric" tabindex="0" data-metric="canvas.{html.escape(m.id)}" '
        f'title="{html.escape(title)}" data-provenance="{html.escape(title)}">'
        f"{html.escape(text)}</span>"
    )


def _best_cell(reports: Reports, m: CanvasMetric) -> str:
    """The best value any model could reach at the operating point, with its provenance."""
    best = m.raw.get("best_reachable")
    if best is None:
        return "–"
    text = format_with_unit(float(best), m.unit, m.fmt)
    title = provenance_text(reports.get("canvas"), reports.provenance("canvas"))
    return (
        f'<span class="metric" tabindex="0" data-metric="canvas.{html.escape(m.id)}.best_reachable" '
        f'title="{html.escape(title)}" data-provenance="{html.escape(title)}">'
        f"{html.escape(text)}</span>"
    )


def _status_cell(reports: Reports, m: CanvasMetric, show_best: bool) -> str:
    """The badge; a miss that no model could avoid here says so (with the best possible)."""
    cell = badge(m.state)
    if m.raw.get("out_of_reach") and m.state == "miss":
        best = "" if show_best else f": at most {_best_cell(reports, m)}"
        cell += f' <small class="out-of-reach">out of reach at this capacity{best}</small>'
    return cell


def canvas_table(
    reports: Reports,
    tier: str | None = None,
    *,
    show_tier: bool = True,
    show_best: bool = False,
) -> str:
    """Markdown table: metric, target, measured (with provenance on hover), status.

    Args:
        reports: The reports.
        tier: Only the metrics of this tier (all when ``None``).
        show_tier: Add a tier column.
        show_best: Add a column with the best value any model could reach at the operating
            point (otherwise only an out-of-reach miss mentions it).
    """
    metrics = [m for m in canvas_metrics(reports) if tier is None or m.tier == tier]
    if not metrics:
        raise SiteDataError(f"canvas_status.json: no metric in tier {tier!r}")
    from bankchurn import targets

    order = {t: i for i, t in enumerate(TIERS)}
    known = list(targets.BY_ID)
    metrics.sort(
        key=lambda m: (
            order.get(m.tier, len(TIERS)),
            known.index(m.id) if m.id in known else len(known),
        )
    )
    cols = ["Tier"] if show_tier else []
    cols += ["Metric", "Target", "Measured"]
    cols += ["Best possible here"] if show_best else []
    cols += ["Status"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for m in metrics:
        target = f"{_OPS[m.op]} {format_target(m.target, m.unit, m.fmt)}"
        cells = [m.tier] if show_tier else []
        name = m.name + (f" <small>({html.escape(m.note)})</small>" if m.note else "")
        cells += [name, target, _measured_cell(reports, m)]
        cells += [_best_cell(reports, m)] if show_best else []
        cells += [_status_cell(reports, m, show_best)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def operating_point_sentence(reports: Reports) -> str:
    """Where the business and model targets are judged, from ``canvas_status.json``."""
    op = reports.lookup("canvas.operating_point")[0]
    return (
        "Business and model targets are judged at one operating point: the retention team "
        f"contacts {html.escape(op['label'])} (its capacity per campaign); ROC-AUC judges the "
        "whole ranking."
    )


def scenarios_table(reports: Reports) -> str:
    """Other operating points, side by side: never part of the verdict."""
    scenarios = reports.lookup("canvas.scenarios")[0]
    lines = [
        "| Scenario (not in the verdict) | Contacted | Precision | Recall | Lift | Net value per year |",
        "|---|---|---|---|---|---|",
    ]
    for sid, sc in scenarios.items():

        def cell(key: str, fmt: str, sid: str = sid) -> str:
            return metric_html(reports, f"canvas.scenarios.{sid}.{key}", fmt)

        lines.append(
            f"| {html.escape(sc['label'].capitalize())} | {cell('contacted_share', '.0%')} | "
            f"{cell('precision', '.1%')} | {cell('recall', '.1%')} | "
            f"{cell('lift', '{:.1f}×')} | {cell('net_usd_per_year', '${:,.0f}')} |"
        )
    return "\n".join(lines) + "\n"


def canvas_summary(reports: Reports) -> dict[str, int]:
    """Counts of ``pass`` / ``miss`` / ``na`` over all canvas metrics (scenarios never count).

    ``out_of_reach`` counts the misses no model could avoid at the operating point.
    """
    counts = {"pass": 0, "miss": 0, "na": 0, "out_of_reach": 0}
    for m in canvas_metrics(reports):
        counts[m.state] += 1
        counts["out_of_reach"] += bool(m.state == "miss" and m.raw.get("out_of_reach"))
    return counts
