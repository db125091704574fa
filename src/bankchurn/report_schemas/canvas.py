"""``reports/canvas_status.json``: every ML Canvas metric by tier, with its verdict."""

from __future__ import annotations

from typing import Literal

from bankchurn.report_schemas.base import Number, Status, StrictModel
from bankchurn.report_schemas.metrics import Scenario
from bankchurn.targets import Comparison


class CanvasItem(StrictModel):
    """One ML Canvas success metric: its declared target and what was measured.

    Attributes:
        name: Short name of the metric (a table row).
        description: What is measured, in one line.
        target: The declared target value.
        comparison: How the measured value must compare with the target.
        unit: Unit of target and measured value.
        measured: The measured value; ``None`` when it is not measured by the pipeline.
        source: Metric path (``report.key``) of the measured value, or ``"none"``.
        status: The verdict of the declared comparison.
        best_reachable: The best value any model could reach at the operating point.
        out_of_reach: Whether even ``best_reachable`` misses the target.
        note: Why a value is missing or what it rests on.
    """

    name: str
    description: str
    target: Number
    comparison: Comparison
    unit: str
    measured: Number | None
    source: str
    status: Status
    best_reachable: Number | None
    out_of_reach: bool | None
    note: str | None = None


class CanvasOperatingPoint(StrictModel):
    """The operating point the canvas targets are judged at."""

    capacity: float
    label: str
    origin: str


class CanvasStatus(StrictModel):
    """``reports/canvas_status.json``: every canvas metric by tier, with the verdict."""

    model_evaluated: Literal["target"]
    baseline_roc_auc: float | None
    operating_point: CanvasOperatingPoint
    business: dict[str, CanvasItem]
    model: dict[str, CanvasItem]
    system: dict[str, CanvasItem]
    verdict: dict[str, int]
    scenarios: dict[str, Scenario]

    def items(self) -> list[tuple[str, CanvasItem]]:
        """``(id, item)`` of every metric, ``id`` being ``<tier>.<key>``, in tier order."""
        return [
            (f"{tier}.{key}", item)
            for tier in ("business", "model", "system")
            for key, item in getattr(self, tier).items()
        ]
