"""The ML Canvas success metrics: declared targets against measured values, pass or miss."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, cast

from bankchurn.report_schemas.base import STATUS
from bankchurn.report_schemas.canvas import CanvasItem, CanvasStatus
from bankchurn.targets import BY_ID, Target
from designdocs.pages.cells import SYMBOLS, badge, format_target, format_with_unit
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
    note: str = ""
    best_reachable: float | None = None
    out_of_reach: bool = False

    @property
    def state(self) -> str:
        """``pass``, ``miss`` or ``na`` (not measured)."""
        if self.passed is None:
            return "na"
        return "pass" if self.passed else "miss"


def canvas_metrics(reports: Reports) -> list[CanvasMetric]:
    """Read ``canvas_status.json`` through its model and cross-check it.

    The verdict is recomputed with the declared target (`bankchurn.targets.Target.met`); a
    report whose target, comparison or unit differs from the declaration, whose status
    disagrees with the verdict, or whose measured value differs from its ``source`` report fails.

    Raises:
        SiteDataError: the file breaks `bankchurn.report_schemas.canvas.CanvasStatus`, or an
            inconsistency.
    """
    status = cast(CanvasStatus, reports.get("canvas").model)  # REPORT_MODELS["canvas"]
    out = []
    for mid, item in status.items():
        declared = _declared(mid, item)
        passed = declared.met(item.measured)
        if item.status != STATUS[passed]:
            raise SiteDataError(
                f"canvas_status.json: {mid}: marked {item.status!r} but measured "
                f"{item.measured} {item.comparison} target {item.target} is {STATUS[passed]!r}"
            )
        source = None
        if item.measured is not None:
            source = _source_leaf(reports, mid, item.source, float(item.measured))
        out.append(
            CanvasMetric(
                id=mid,
                tier=declared.tier,
                name=item.name,
                target=float(item.target),
                op=item.comparison,
                measured=item.measured,
                unit=item.unit,
                passed=passed,
                source=source,
                note=item.note or "",
                best_reachable=item.best_reachable,
                out_of_reach=bool(item.out_of_reach),
            )
        )
    return out


def _declared(mid: str, item: CanvasItem) -> Target:
    """The declaration of a canvas metric; it must agree with what the report says.

    Raises:
        SiteDataError: not declared, or the report was written before the target changed.
    """
    declared = BY_ID.get(mid)
    if declared is None:
        raise SiteDataError(
            f"canvas_status.json: {mid}: not a target declared in bankchurn.targets"
        )
    if (
        declared.comparison != item.comparison
        or not math.isclose(declared.value, item.target, rel_tol=1e-9)
        or declared.unit != item.unit
    ):
        raise SiteDataError(
            f"canvas_status.json: {mid}: target {item.comparison} {item.target} {item.unit!r} "
            f"differs from its declaration {declared.comparison} {declared.value} "
            f"{declared.unit!r} in bankchurn.targets: the reports are stale, run `make reports` "
            "and commit them"
        )
    return declared


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
    text = format_with_unit(m.measured, m.unit)
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
    if m.best_reachable is None:
        return "–"
    text = format_with_unit(m.best_reachable, m.unit)
    title = provenance_text(reports.get("canvas"), reports.provenance("canvas"))
    return (
        f'<span class="metric" tabindex="0" data-metric="canvas.{html.escape(m.id)}.best_reachable" '
        f'title="{html.escape(title)}" data-provenance="{html.escape(title)}">'
        f"{html.escape(text)}</span>"
    )


def _status_cell(reports: Reports, m: CanvasMetric, show_best: bool) -> str:
    """The badge; a miss that no model could avoid here says so (with the best possible)."""
    cell = badge(m.state)
    if m.out_of_reach and m.state == "miss":
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
    order = {t: i for i, t in enumerate(TIERS)}
    known = list(BY_ID)  # declaration order within a tier
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
        # One line at desktop width ("> $400K/year" once broke after its sign): .target nowraps.
        target = (
            f'<span class="target">{html.escape(SYMBOLS[m.op])} '
            f"{html.escape(format_target(m.target, m.unit))}</span>"
        )
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
            f"{cell('lift', '{:.1f}×')} | {cell('net_usd_per_year', '$')} |"
        )
    return "\n".join(lines) + "\n"


def canvas_summary(reports: Reports) -> dict[str, int]:
    """Counts of ``pass`` / ``miss`` / ``na`` over all canvas metrics (scenarios never count).

    ``out_of_reach`` counts the misses no model could avoid at the operating point.
    """
    counts = {"pass": 0, "miss": 0, "na": 0, "out_of_reach": 0}
    for m in canvas_metrics(reports):
        counts[m.state] += 1
        counts["out_of_reach"] += bool(m.state == "miss" and m.out_of_reach)
    return counts
