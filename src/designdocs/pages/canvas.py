"""The ML Canvas success metrics: declared targets against measured values, pass or miss."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bankchurn.report_schemas import STATUS, CanvasItem, CanvasStatus
from bankchurn.targets import BY_ID, Target
from designdocs.pages.cells import SYMBOLS, badge, format_target, format_with_unit
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
    note: str = ""

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
        SiteDataError: the file breaks `bankchurn.report_schemas.CanvasStatus`, or an
            inconsistency.
    """
    report = reports.get("canvas")
    try:
        status = CanvasStatus.model_validate(report.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SiteDataError(
            f"{report.rel_path}: {where}: {err['msg']} (shape: bankchurn.report_schemas."
            "CanvasStatus; run `make reports`)"
        ) from None
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
        f'<span class="metric" data-metric="canvas.{html.escape(m.id)}" '
        f'title="{html.escape(title)}">{html.escape(text)}</span>'
    )


def canvas_table(reports: Reports, tier: str | None = None, *, show_tier: bool = True) -> str:
    """Markdown table: metric, target, measured (with provenance on hover), status."""
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
    cols += ["Metric", "Target", "Measured", "Status"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for m in metrics:
        target = f"{html.escape(SYMBOLS[m.op])} {format_target(m.target, m.unit)}"
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
