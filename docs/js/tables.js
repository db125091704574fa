/* A visible cue above every table or diagram wider than its column (a phone, mostly): Material
   lets such a table scroll sideways inside its own box, and a diagram keeps its size and scrolls
   the same way (ADR 0025), with nothing to tell the reader that part of it is hidden on the
   right. The cue is shown only while the box overflows (checked again on every resize, and when
   a diagram is drawn) and says where the rest is. */
(() => {
  const HINT = "scroll-hint";
  const BOXES = ".md-typeset__scrollwrap, .md-typeset div.mermaid";
  const mark = () => {
    document.querySelectorAll(BOXES).forEach((box) => {
      const hint = box.previousElementSibling;
      const has = hint && hint.classList.contains(HINT);
      const overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !has) {
        const p = document.createElement("p");
        p.className = HINT;
        p.textContent = box.classList.contains("mermaid")
          ? "Wide diagram: scroll it sideways for the rest →"
          : "Wide table: scroll it sideways for the other columns →";
        box.before(p);
      } else if (!overflows && has) {
        hint.remove();
      }
    });
  };
  // Material wraps the tables in their scrolling box while it starts up, after this script runs,
  // and draws each diagram later still, into a new box: watch for new boxes, and for their size
  // changing when the drawing arrives.
  let queued = false;
  const soon = () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        mark();
      });
    }
  };
  const sized = new ResizeObserver(soon);
  const watch = () => document.querySelectorAll(BOXES).forEach((box) => sized.observe(box));
  window.addEventListener("load", () => {
    watch();
    soon();
    // Only a new diagram box matters (the cues this script adds or removes are no reason).
    const isDiagram = (n) => n.nodeType === 1 && (n.matches("div.mermaid") || n.querySelector("div.mermaid"));
    new MutationObserver((records) => {
      if (records.some((r) => [...r.addedNodes].some(isDiagram))) {
        watch();
        soon();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("resize", mark);
})();
