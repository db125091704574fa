"""Typed report files: the shape each JSON report is written in and read back through.

A report is built as one of these models and written from it; a reader validates the file
against the same model, so a file of another shape fails in one line instead of being guessed
at. The JSON Schema of each model is published on the site (Report formats page).

So far: ``reports/canvas_status.json`` (`CanvasStatus`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bankchurn.targets import Comparison

#: The verdict of one metric as written in the report.
Status = Literal["pass", "miss", "not measured here"]
#: Written status of a verdict (`bankchurn.targets.Target.met`: True, False or None).
STATUS: dict[bool | None, Status] = {True: "pass", False: "miss", None: "not measured here"}

# Whole numbers stay whole (``3``, not ``3.0``): the files are compared byte for byte.
Number = int | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CanvasItem(_Strict):
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


class CanvasOperatingPoint(_Strict):
    """The operating point the canvas targets are judged at."""

    capacity: float
    label: str
    origin: str


class CanvasStatus(_Strict):
    """``reports/canvas_status.json``: every canvas metric by tier, with the verdict."""

    model_evaluated: Literal["target"]
    baseline_roc_auc: float | None
    operating_point: CanvasOperatingPoint
    business: dict[str, CanvasItem]
    model: dict[str, CanvasItem]
    system: dict[str, CanvasItem]
    verdict: dict[str, int]
    scenarios: dict[str, Any]

    def items(self) -> list[tuple[str, CanvasItem]]:
        """``(id, item)`` of every metric, ``id`` being ``<tier>.<key>``, in tier order."""
        return [
            (f"{tier}.{key}", item)
            for tier in ("business", "model", "system")
            for key, item in getattr(self, tier).items()
        ]

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to the file (an unset note is left out)."""
        return self.model_dump(mode="json", exclude_unset=True)
