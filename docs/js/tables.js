/* A visible cue above every table wider than its column (a phone, mostly): Material lets such a
   table scroll sideways inside its own box, with nothing to tell the reader that columns are
   hidden on the right. The cue is shown only while the table overflows (checked again on every
   resize) and says where the rest is. */
(() => {
  const HINT = "scroll-hint";
  const mark = () => {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach((wrap) => {
      const hint = wrap.previousElementSibling;
      const has = hint && hint.classList.contains(HINT);
      const overflows = wrap.scrollWidth > wrap.clientWidth + 1;
      if (overflows && !has) {
        const p = document.createElement("p");
        p.className = HINT;
        p.textContent = "Wide table: scroll it sideways for the other columns →";
        wrap.before(p);
      } else if (!overflows && has) {
        hint.remove();
      }
    });
  };
  // Material wraps the tables in their scrolling box while it starts up, after this script runs.
  window.addEventListener("load", () => requestAnimationFrame(mark));
  window.addEventListener("resize", mark);
})();
