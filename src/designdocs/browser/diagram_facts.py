"""What a rendered page's Mermaid diagrams show, read in the browser (``DIAGRAM_TEXT_JS``).

``DIAGRAM_TEXT_JS`` reads every piece of text of every rendered Mermaid SVG of a page (SVG
``<text>`` and the HTML labels of flowcharts): its rendered font size in CSS pixels (font size
times the SVG's scale), its box on screen, its colour and the colour behind it (the topmost
filled shape under it, else the page background, alpha composited), and whether it belongs to a
node (a box of the diagram); and the connectors (sampled points), boundaries and blank bands of
each diagram. `designdocs.browser.legibility` turns these facts into problems.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Connectors are sampled every this many SVG units along their length.
LINE_STEP_PX = 4
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


#: The facts ``DIAGRAM_TEXT_JS`` returns for one diagram.
Diagram = dict[str, Any]


def rendered(diagrams: list[Diagram]) -> Iterator[Diagram]:
    """The diagrams that rendered (a diagram that did not holds only ``index`` and ``missing``)."""
    return (d for d in diagrams if not d.get("missing"))


def measure(page: Any) -> list[Diagram]:
    """The text facts of every rendered diagram of an open page (see ``DIAGRAM_TEXT_JS``)."""
    return page.evaluate(DIAGRAM_TEXT_JS)
