"""Legibility of the rendered diagrams, measured in the browser: size, overlap, contrast.

``DIAGRAM_TEXT_JS`` reads every piece of text of every rendered Mermaid SVG of a page (SVG
``<text>`` and the HTML labels of flowcharts): its rendered font size in CSS pixels (font size
times the SVG's scale), its box on screen, its colour and the colour behind it (the topmost
filled shape under it, else the page background, alpha composited), and whether it belongs to a
node (a box of the diagram). The functions below turn those facts into one problem line each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

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
#: Connectors are sampled every this many SVG units along their length.
LINE_STEP_PX = 4
#: A connector end within this distance (px) of a box attaches to it; a point deeper than
#: ``OVERLAP_TOLERANCE_PX`` inside any other box is a crossing.
ATTACH_PX = 8.0

DIAGRAM_TEXT_JS = """
() => {
  const LINE_STEP = LINE_STEP_PX;
  const parse = (c) => {
    const m = c && c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const pageBg = (() => {
    for (const el of [document.body, document.documentElement]) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c && c[3] > 0) return over(c, [255, 255, 255, 1]);
    }
    return [255, 255, 255, 1];
  })();
  const filled = (el) => {
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") return null;
    const c = parse(s.fill);
    if (!c || c[3] === 0 || Number(s.fillOpacity) === 0) return null;
    c[3] *= Number(s.fillOpacity) * Number(s.opacity);
    return c;
  };
  const inside = (r, x, y) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
  const box = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  return [...document.querySelectorAll("div.mermaid")].map((host, index) => {
    const svg = host.shadowRoot && host.shadowRoot.querySelector("svg");
    if (!svg) return { index, missing: true };
    const shapes = [...svg.querySelectorAll("rect, path, polygon, circle, ellipse")]
      .map((el) => ({ el, rect: el.getBoundingClientRect(), fill: filled(el) }))
      .filter((s) => s.fill && s.rect.width > 1 && s.rect.height > 1);
    const nodes = shapes.filter((s) => s.el.closest("g.node"));
    const items = [];
    const itemOf = new Map();
    const add = (el, color, scaleOf) => {
      const text = el.textContent.trim();
      const rect = el.getBoundingClientRect();
      if (!text || rect.width === 0 || rect.height === 0) return;
      const style = getComputedStyle(el);
      const ctm = scaleOf.getScreenCTM();
      const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
      const cx = (rect.left + rect.right) / 2, cy = (rect.top + rect.bottom) / 2;
      let bg = null;
      // HTML labels may paint their own background (flowchart edge labels).
      for (let a = el; a && a !== svg && !(a instanceof SVGElement); a = a.parentElement) {
        const c = parse(getComputedStyle(a).backgroundColor);
        if (c && c[3] > 0) { bg = c; break; }
      }
      const under = shapes.filter((s) => inside(s.rect, cx, cy));
      let back = pageBg;
      for (const s of under) back = over(s.fill, back);  // document order = paint order
      if (bg) back = over(bg, back);
      const node = el.closest("g.node");
      itemOf.set(el, items.length);
      items.push({
        text: text.slice(0, 60),
        size: parseFloat(style.fontSize) * scale,
        bold: Number(style.fontWeight) >= 700 || style.fontWeight === "bold",
        color: over(color(style), back),
        background: back,
        box: box(rect),
        node: node ? [...svg.querySelectorAll("g.node")].indexOf(node) : -1,
      });
    };
    svg.querySelectorAll("text").forEach((t) => add(t, (s) => parse(s.fill) || [0, 0, 0, 1], t));
    svg.querySelectorAll("foreignObject").forEach((fo) => {
      fo.querySelectorAll("p, span").forEach((el) => {
        if (el.querySelector("p, span")) return;  // innermost only
        add(el, (s) => parse(s.color) || [0, 0, 0, 1], fo);
      });
    });
    // Connectors (C4 relationships, flowchart edges): points along each, on screen.
    const lines = [...svg.querySelectorAll(
      "line[marker-end], line[marker-start], path[marker-end], path[marker-start], path.flowchart-link"
    )].filter((el) => !el.closest("marker, defs")).map((el) => {
      const ctm = el.getScreenCTM();
      const points = [];
      const push = (x, y) => {
        const p = new DOMPoint(x, y).matrixTransform(ctm);
        points.push([p.x, p.y]);
      };
      if (el.tagName === "line") {
        const [x1, y1, x2, y2] = ["x1", "y1", "x2", "y2"].map((a) => el[a].baseVal.value);
        const n = Math.max(2, Math.ceil(Math.hypot(x2 - x1, y2 - y1) / LINE_STEP));
        for (let i = 0; i <= n; i++) push(x1 + ((x2 - x1) * i) / n, y1 + ((y2 - y1) * i) / n);
      } else {
        const length = el.getTotalLength();
        const n = Math.max(2, Math.ceil(length / LINE_STEP));
        for (let i = 0; i <= n; i++) {
          const p = el.getPointAtLength((length * i) / n);
          push(p.x, p.y);
        }
      }
      // A C4 relationship's own texts (label, technology) follow its line; a flowchart edge's
      // label carries the edge's data-id.
      const own = [];
      for (let t = el.nextElementSibling; t && t.tagName === "text"; t = t.nextElementSibling) {
        if (itemOf.has(t)) own.push(itemOf.get(t));
      }
      const id = el.getAttribute("data-id");
      if (id) {
        svg.querySelectorAll(`g.label[data-id="${id}"] p, g.label[data-id="${id}"] span`)
          .forEach((t) => { if (itemOf.has(t)) own.push(itemOf.get(t)); });
      }
      const label = own.length ? items[own[0]].text : "";
      return { label, own, points };
    });
    // Vertical bands of the SVG where nothing is drawn (a frame, a rect without fill, counts by
    // its top and bottom edges only).
    const top = svg.getBoundingClientRect().top, bottom = svg.getBoundingClientRect().bottom;
    const spans = [];
    svg.querySelectorAll("text, line, path, rect, circle, ellipse, polygon, foreignObject")
      .forEach((el) => {
        if (el.closest("marker, defs")) return;
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) return;
        const s = getComputedStyle(el);
        if (s.display === "none" || s.visibility === "hidden") return;
        if (el.tagName === "rect" && !filled(el)) {
          if (s.stroke === "none" || !s.stroke) return;
          spans.push([r.top, r.top + 1], [r.bottom - 1, r.bottom]);
        } else spans.push([r.top, r.bottom]);
      });
    spans.sort((a, b) => a[0] - b[0]);
    const blank = [];
    let reached = top;
    for (const [a, b] of spans) {
      if (a > reached) blank.push([reached - top, a - top]);
      reached = Math.max(reached, b);
    }
    if (bottom > reached) blank.push([reached - top, bottom - top]);
    // Boundaries (C4 dashed frames, flowchart subgraphs): their frame, and their own title.
    const boundaries = [...svg.querySelectorAll("rect[stroke-dasharray], g.cluster > rect")]
      .filter((r) => !r.closest("g.node, marker, defs"))
      .map((r) => {
        const own = [...r.parentElement.querySelectorAll("text, p, span")]
          .filter((t) => itemOf.has(t)).map((t) => itemOf.get(t));
        return { box: box(r.getBoundingClientRect()), own };
      })
      .filter((b) => b.box.right - b.box.left > 1 && b.box.bottom - b.box.top > 1);
    const vb = svg.viewBox && svg.viewBox.baseVal;
    return {
      blank,
      boundaries,
      lines,
      index,
      role: svg.getAttribute("aria-roledescription") || "",
      layoutWidth: vb ? vb.width : svg.getBoundingClientRect().width,
      hostWidth: host.clientWidth,
      hostScrolls: host.scrollWidth > host.clientWidth + 1,
      items,
      nodes: nodes.map((s) => ({
        node: [...svg.querySelectorAll("g.node")].indexOf(s.el.closest("g.node")),
        box: box(s.rect),
      })),
    };
  });
}
""".replace("LINE_STEP_PX", str(LINE_STEP_PX))


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


def measure(page: Any) -> list[dict[str, Any]]:
    """The text facts of every rendered diagram of an open page (see ``DIAGRAM_TEXT_JS``)."""
    return page.evaluate(DIAGRAM_TEXT_JS)


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


#: The facts ``DIAGRAM_TEXT_JS`` returns for one diagram.
Diagram = dict[str, Any]


def rendered(diagrams: list[Diagram]) -> Iterator[Diagram]:
    """The diagrams that rendered (one that did not is reported by `size_problems`)."""
    return (d for d in diagrams if not d.get("missing"))


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
