/* Settings for every Mermaid diagram of the site.

   Material renders the diagrams itself and calls mermaid.initialize() once, with its own theme CSS
   (which per-page settings cannot reach). This script wraps that call to add ours. It is loaded
   deferred: after mermaid.min.js (a plain script at the end of the page) and before Material,
   which renders on DOMContentLoaded, initialises Mermaid. */
(() => {
  if (typeof mermaid === "undefined") return;

  // Mermaid's C4 layout wraps a row of shapes at the SCREEN's width: on a phone every C4 diagram
  // collapses into one column with arrows through the boxes. Lay out for one width on every
  // screen; a narrower screen scrolls the diagram sideways (extra.css).
  const LAYOUT_WIDTH = 1280;
  Object.defineProperty(window.screen, "availWidth", { get: () => LAYOUT_WIDTH, configurable: true });

  // Relationship labels, arrows and boundary titles sit on the page's background, so they take
  // the page's text colours (Material's custom properties reach into the diagram's shadow root).
  // The C4 boxes keep their own fills; the external grey is darkened for white text (WCAG AA).
  // (Mermaid scopes these rules to the diagram's id; C4 box texts keep their own colours, which
  // Mermaid sets inline.)
  const THEME_CSS = `
    g > text { fill: var(--md-default-fg-color--light); }
    g > path[marker-end] { stroke: var(--md-default-fg-color--light); }
    marker path { fill: var(--md-default-fg-color--light); stroke: var(--md-default-fg-color--light); }
    g > rect[stroke-dasharray] { stroke: var(--md-default-fg-color--light); }
  `;
  // C4 colours with white text at WCAG AA contrast (Mermaid's container blue and external grey
  // are too light for it); sizes that keep the smallest text, the "[Container: ...]" line, at
  // 12 px; margins that fit three boxes in a row into the page's column at 1280 px.
  const EXTERNAL = "#616161";
  const C4 = {
    useMaxWidth: false,
    diagramMarginX: 5,
    diagramMarginY: 0,
    c4ShapeMargin: 30,
    container_bg_color: "#1f65ab",
    container_db_bg_color: "#1f65ab",
    container_queue_bg_color: "#1f65ab",
    component_bg_color: "#2b6cb0",
    component_db_bg_color: "#2b6cb0",
    component_queue_bg_color: "#2b6cb0",
  };
  for (const kind of ["person", "system", "container", "component"]) {
    for (const variant of ["", "_db", "_queue"]) {
      if (kind !== "person") C4[`external_${kind}${variant}_bg_color`] = EXTERNAL;
      C4[`${kind}${variant}FontSize`] = 16;
      C4[`external_${kind}${variant}FontSize`] = 16;
    }
  }
  C4.external_person_bg_color = EXTERNAL;

  // Mermaid's C4 renderer adds the title's band to the viewBox but not to the height attribute,
  // which shrinks the whole drawing, text included, by that ratio: give the SVG the viewBox's
  // proportions.
  const fitHeight = (svg) => {
    const open = svg.match(/^<svg[^>]*>/);
    if (!open || !open[0].includes('aria-roledescription="c4"')) return svg;
    const width = open[0].match(/ width="([\d.]+)"/);
    const box = open[0].match(/ viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"/);
    if (!width || !box) return svg;
    const height = (Number(width[1]) * Number(box[2])) / Number(box[1]);
    return open[0].replace(/ height="[\d.]+"/, ` height="${height}"`) + svg.slice(open[0].length);
  };
  // Mermaid centres a boundary's title on its top edge, right where the arrows from the row above
  // come in (a test measures lines crossing texts): set it in the top-left corner instead.
  const BOUNDARY = /(<g><rect x="([-\d.]+)"[^>]*stroke-dasharray[^>]*><\/rect>)((?:<text[^>]*>.*?<\/text>)+)(<\/g>)/g;
  const cornerTitles = (svg) =>
    svg.replace(BOUNDARY, (_, rect, x, texts, close) => {
      const left = Number(x) + 10;
      const moved = texts
        .replace(/(<text[^>]*?) x="[-\d.]+"/g, `$1 x="${left}"`)
        .replace(/text-anchor: middle/g, "text-anchor: start");
      return rect + moved + close;
    });
  // Mermaid's C4 layout also leaves a blank band above the drawing (around its title): once the
  // SVG is on the page, its viewBox is cut to what is drawn, at the same scale. Material calls the
  // `fn` of render()'s result with the diagram's shadow root after inserting it.
  const MARGIN = 8;
  const TITLE_GAP = 16;
  const trim = (root) => {
    const svg = root.querySelector('svg[aria-roledescription="c4"]');
    if (!svg) return;
    let box = svg.getBBox();
    if (!box.width || !box.height) return; // not laid out (hidden): keep the viewBox
    // The title (the SVG's own <text>) moves down to just above the drawing (screen boxes: the
    // groups carry their own transforms; the SVG is drawn at scale 1).
    const title = [...svg.children].find((c) => c.tagName === "text");
    const tops = [...svg.children]
      .filter((c) => c.tagName === "g")
      .map((g) => g.getBoundingClientRect())
      .filter((r) => r.width || r.height)
      .map((r) => r.top);
    if (title && tops.length) {
      const shift = Math.min(...tops) - TITLE_GAP - title.getBoundingClientRect().bottom;
      if (shift > 0) title.setAttribute("y", Number(title.getAttribute("y")) + shift);
    }
    box = svg.getBBox();
    const [x, y] = [box.x - MARGIN, box.y - MARGIN];
    const [w, h] = [box.width + 2 * MARGIN, box.height + 2 * MARGIN];
    svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
  };
  const render = mermaid.render.bind(mermaid);
  mermaid.render = async (...args) => {
    const out = await render(...args);
    return { ...out, svg: cornerTitles(fitHeight(out.svg)), fn: trim };
  };

  const initialize = mermaid.initialize.bind(mermaid);
  mermaid.initialize = (config = {}) =>
    initialize({
      ...config,
      themeCSS: (config.themeCSS || "") + THEME_CSS,
      c4: { ...(config.c4 || {}), ...C4 },
      flowchart: { ...(config.flowchart || {}), useMaxWidth: false },
    });
})();
