"""Legibility of the rendered diagrams: size, overlap, crossings, blank bands, contrast.

The functions below turn the facts `designdocs.browser.diagram_facts` reads in the browser
(texts, boxes, connectors, boundaries of each Mermaid diagram) into one problem line each, so
the checks themselves run on plain data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from designdocs.browser.diagram_facts import Diagram, rendered

#: Smallest rendered diagram text, CSS px, at any screen width: the size of Material's own
#: smallest print (footnotes, the footer) at its default root size.
MIN_FONT_PX = 12.0
#: WCAG 2.x AA contrast for normal text; large text (24 px, or 18.66 px bold) needs 3.
AA_NORMAL = 4.5
AA_LARGE = 3.0
#: Overlaps smaller than this (px, in both directions) are anti-aliasing, not a collision.
OVERLAP_TOLERANCE_PX = 1.5
#: Tallest band of a diagram with nothing drawn in it (CSS px): the gap between two rows of boxes.
BLANK_BAND_PX = 40.0
#: A connector end within this distance (px) of a box attaches to it; a point deeper than
#: ``OVERLAP_TOLERANCE_PX`` inside any other box is a crossing.
ATTACH_PX = 8.0


@dataclass(frozen=True)
class Box:
    """A rectangle on screen, CSS px."""

    left: float
    top: float
    right: float
    bottom: float

    def overlap(self, other: Box) -> tuple[float, float]:
        """Width and height of the intersection (<= 0 when apart)."""
        return (
            min(self.right, other.right) - max(self.left, other.left),
            min(self.bottom, other.bottom) - max(self.top, other.top),
        )

    def collides(self, other: Box, tolerance: float = OVERLAP_TOLERANCE_PX) -> bool:
        """True when the two boxes overlap by more than ``tolerance`` in both directions."""
        w, h = self.overlap(other)
        return w > tolerance and h > tolerance

    def contains(self, x: float, y: float, margin: float = 0.0) -> bool:
        """True when the point lies inside the box shrunk by ``margin`` on every side."""
        return (
            self.left + margin < x < self.right - margin
            and self.top + margin < y < self.bottom - margin
        )


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast ratio of two opaque colours (RGB 0-255)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _each(check: Callable[[Diagram], list[str]], diagrams: list[Diagram]) -> list[str]:
    """The problems ``check`` finds in each rendered diagram, in page order."""
    return [problem for d in rendered(diagrams) for problem in check(d)]


def _name(diagram: Diagram, item: dict[str, Any]) -> str:
    return f"diagram {diagram['index'] + 1} ({diagram.get('role', '?')}) {item['text']!r}"


def _connector(line: dict[str, Any]) -> str:
    return f"connector {line['label']!r}" if line["label"] else "a connector"


def _boxes(diagram: Diagram) -> dict[int, list[Box]]:
    """The shapes of each box (node) of a diagram, by node number."""
    boxes: dict[int, list[Box]] = {}
    for node in diagram["nodes"]:
        boxes.setdefault(node["node"], []).append(Box(**node["box"]))
    return boxes


def _ends(points: list[list[float]], boxes: dict[int, list[Box]]) -> set[int]:
    """The boxes a connector joins: those its two ends touch (within ``ATTACH_PX``)."""
    return {
        n
        for n, shapes in boxes.items()
        for x, y in (points[0], points[-1])
        if any(b.contains(x, y, -ATTACH_PX) for b in shapes)
    }


def _intersections(a: list[list[float]], b: list[list[float]]) -> list[tuple[float, float]]:
    """Points where two polylines properly cross (touching ends and collinear runs excluded)."""
    if len(a) < 2 or len(b) < 2:
        return []
    pa, pb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a0, a1, b0, b1 = pa[:-1], pa[1:], pb[:-1], pb[1:]
    da = (a1 - a0)[:, None, :]
    db = (b1 - b0)[None, :, :]
    diff = b0[None, :, :] - a0[:, None, :]
    denom = da[..., 0] * db[..., 1] - da[..., 1] * db[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (diff[..., 0] * db[..., 1] - diff[..., 1] * db[..., 0]) / denom
        u = (diff[..., 0] * da[..., 1] - diff[..., 1] * da[..., 0]) / denom
    hit = (np.abs(denom) > 1e-9) & (t > 0) & (t < 1) & (u > 0) & (u < 1)
    i, j = np.nonzero(hit)
    at = a0[i] + t[i, j][:, None] * (a1[i] - a0[i])
    return [(float(x), float(y)) for x, y in at]


def _small_text(d: Diagram, minimum: float) -> list[str]:
    small = [i for i in d["items"] if i["size"] < minimum - 0.05]
    if not small:
        return []
    worst = min(small, key=lambda i: i["size"])
    return [
        f"{_name(d, worst)} is {worst['size']:.1f} px, under {minimum:g} px "
        f"({len(small)} of {len(d['items'])} texts)"
    ]


def _overlaps(d: Diagram) -> list[str]:
    items = d["items"]
    boxes = [Box(**i["box"]) for i in items]
    problems = [
        f"{_name(d, items[a])} overlaps {items[b]['text']!r} in diagram {d['index'] + 1}"
        for a in range(len(items))
        for b in range(a + 1, len(items))
        if boxes[a].collides(boxes[b])
    ]
    for item, box in zip(items, boxes, strict=True):
        node = next(
            (n for n in d["nodes"] if n["node"] != item["node"] and box.collides(Box(**n["box"]))),
            None,
        )
        if node is not None:
            problems.append(f"{_name(d, item)} overlaps box {node['node'] + 1}")
    return problems


def _crossings(d: Diagram) -> list[str]:
    boxes = _boxes(d)
    problems = []
    for line in d.get("lines", []):
        points = line["points"]
        ends = _ends(points, boxes)
        crossed = sorted(
            n
            for n, shapes in boxes.items()
            if n not in ends
            and any(b.contains(x, y, OVERLAP_TOLERANCE_PX) for b in shapes for x, y in points)
        )
        where = f"diagram {d['index'] + 1} ({d.get('role', '?')}): {_connector(line)} crosses"
        for n in crossed:
            box = next((i["text"] for i in d["items"] if i["node"] == n), f"box {n + 1}")
            problems.append(f"{where} box {box!r}")
        # Texts outside the boxes (other labels, boundary titles): a line through them hides
        # them; the connector's own label may sit on it.
        own = set(line.get("own", []))
        for k, item in enumerate(d["items"]):
            if k in own or item["node"] != -1:
                continue
            box = Box(**item["box"])
            if any(box.contains(x, y, OVERLAP_TOLERANCE_PX) for x, y in points):
                problems.append(f"{where} text {item['text']!r}")
    return problems


def _line_crossings(d: Diagram) -> list[str]:
    boxes = _boxes(d)
    flat = [b for shapes in boxes.values() for b in shapes]
    lines = d.get("lines", [])
    ends = [_ends(line["points"], boxes) for line in lines]
    problems = []
    for a in range(len(lines)):
        for b in range(a + 1, len(lines)):
            if ends[a] & ends[b]:
                continue
            at = next(
                (
                    (x, y)
                    for x, y in _intersections(lines[a]["points"], lines[b]["points"])
                    if not any(box.contains(x, y, -ATTACH_PX) for box in flat)
                ),
                None,
            )
            if at is not None:
                problems.append(
                    f"diagram {d['index'] + 1} ({d.get('role', '?')}): "
                    f"{_connector(lines[a])} crosses {_connector(lines[b])} "
                    f"at ({at[0]:.0f}, {at[1]:.0f})"
                )
    return problems


def _text_on_frames(d: Diagram) -> list[str]:
    t = OVERLAP_TOLERANCE_PX
    problems = []
    for frame in d.get("boundaries", []):
        f = Box(**frame["box"])
        own = set(frame["own"])
        for k, item in enumerate(d["items"]):
            if k in own:
                continue
            b = Box(**item["box"])
            across = min(b.right, f.right) - max(b.left, f.left) > t
            down = min(b.bottom, f.bottom) - max(b.top, f.top) > t
            on_edge = (across and any(b.top + t < y < b.bottom - t for y in (f.top, f.bottom))) or (
                down and any(b.left + t < x < b.right - t for x in (f.left, f.right))
            )
            if on_edge:
                problems.append(
                    f"{_name(d, item)} lies on the frame of a boundary "
                    f"({', '.join(repr(d['items'][o]['text']) for o in sorted(own)) or '?'})"
                )
    return problems


def _blank_bands(d: Diagram, limit: float) -> list[str]:
    return [
        f"diagram {d['index'] + 1} ({d.get('role', '?')}) has a blank band "
        f"{end - start:.0f} px tall, {start:.0f} px from its top"
        for start, end in d.get("blank", [])
        if end - start > limit
    ]


def _low_contrast(d: Diagram) -> list[str]:
    problems = []
    for item in d["items"]:
        large = item["size"] >= 24 or (item["bold"] and item["size"] >= 18.66)
        need = AA_LARGE if large else AA_NORMAL
        ratio = contrast(item["color"], item["background"])
        if ratio < need:
            problems.append(
                f"{_name(d, item)}: contrast {ratio:.2f} under {need} "
                f"(text {_rgb(item['color'])} on {_rgb(item['background'])})"
            )
    return problems


def _rgb(color: list[float]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in color[:3])


def size_problems(diagrams: list[Diagram], minimum: float = MIN_FONT_PX) -> list[str]:
    """Text rendered smaller than ``minimum`` CSS px; diagrams that did not render."""
    missing = [f"diagram {d['index'] + 1} did not render" for d in diagrams if d.get("missing")]
    return missing + _each(lambda d: _small_text(d, minimum), diagrams)


def overlap_problems(diagrams: list[Diagram]) -> list[str]:
    """Texts that overlap each other, and texts that overlap a box they do not belong to."""
    return _each(_overlaps, diagrams)


def crossing_problems(diagrams: list[Diagram]) -> list[str]:
    """Connectors that pass through a box other than the two they join.

    The boxes a connector joins are those its two ends touch (within ``ATTACH_PX``); any other
    box with a sampled point of the connector inside it is crossed.
    """
    return _each(_crossings, diagrams)


def line_crossing_problems(diagrams: list[Diagram]) -> list[str]:
    """Connectors that cross each other, unless they share a box they join.

    Two connectors into (or out of) the same box may meet or swap sides on the way to it: the
    reader who follows either line still reaches the right box. Two connectors that join four
    different boxes never cross (ADR-0025): at an X, the reader has to guess which line goes
    where. Crossings within ``ATTACH_PX`` of a box are where arrows meet it, not crossings.
    """
    return _each(_line_crossings, diagrams)


def boundary_text_problems(diagrams: list[Diagram]) -> list[str]:
    """Texts that a boundary's frame (a C4 dashed line, a subgraph's border) runs through.

    A boundary's own title sits inside its frame and is exempt; every other text, a box's
    included, must lie wholly inside or wholly outside each frame.
    """
    return _each(_text_on_frames, diagrams)


def blank_band_problems(diagrams: list[Diagram], limit: float = BLANK_BAND_PX) -> list[str]:
    """Horizontal bands of a diagram, taller than ``limit`` CSS px, where nothing is drawn."""
    return _each(lambda d: _blank_bands(d, limit), diagrams)


def contrast_problems(diagrams: list[Diagram]) -> list[str]:
    """Texts whose contrast with what is behind them is under WCAG AA."""
    return _each(_low_contrast, diagrams)


def squash_problems(desktop: list[Diagram], phone: list[Diagram], phone_width: int) -> list[str]:
    """On a phone each diagram keeps the desktop layout and scrolls inside its own box."""
    problems = []
    for wide, narrow in zip(desktop, phone, strict=True):
        if wide.get("missing") or narrow.get("missing"):
            continue
        n = narrow["index"] + 1
        if abs(wide["layoutWidth"] - narrow["layoutWidth"]) > 1:
            problems.append(
                f"diagram {n} is laid out {narrow['layoutWidth']:.0f} px wide on the phone, "
                f"{wide['layoutWidth']:.0f} px on the desktop: squashed, not scrolled"
            )
        if narrow["hostWidth"] > phone_width:
            problems.append(f"diagram {n}'s box is {narrow['hostWidth']} px, wider than the phone")
    return problems


def worst(diagrams: list[Diagram]) -> dict[str, float]:
    """Smallest text size and lowest contrast over all diagrams (for the record of a run)."""
    items = [i for d in rendered(diagrams) for i in d["items"]]
    return {
        "min_font_px": round(min(i["size"] for i in items), 2) if items else 0.0,
        "min_contrast": round(min(contrast(i["color"], i["background"]) for i in items), 2)
        if items
        else 0.0,
    }
