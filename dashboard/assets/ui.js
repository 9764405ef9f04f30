/* Page chrome that needs no server and no Dash state: side panels shown or hidden, the controls
 * drawer on small screens, the full-screen map, arrow keys between the view tabs.
 * State lives in classes on <html> (React never re-renders that element).
 */
(function () {
  "use strict";
  const root = document.documentElement;
  const wide = function () { return window.matchMedia("(min-width: 1200px)").matches; };
  function sync() {
    const c = document.getElementById("toggle-controls"), p = document.getElementById("toggle-panel");
    if (c) c.setAttribute("aria-expanded", String(wide() ? !root.classList.contains("controls-hidden")
                                                          : root.classList.contains("drawer-open")));
    if (p) p.setAttribute("aria-expanded", String(!root.classList.contains("panel-hidden")));
    const f = document.getElementById("fullscreen");
    if (f) f.setAttribute("aria-pressed", String(root.classList.contains("map-full")));
  }
  function refit() { if (window.lnmap && window.lnmap.refit) window.lnmap.refit(true); }
  function closeDrawer() { root.classList.remove("drawer-open"); sync(); }
  document.addEventListener("click", function (e) {
    const t = e.target.closest ? e.target.closest("button, .drawer-backdrop") : null;
    if (!t) return;
    if (t.id === "toggle-controls") {
      if (wide()) root.classList.toggle("controls-hidden"); else root.classList.toggle("drawer-open");
      if (root.classList.contains("drawer-open")) {
        const first = document.querySelector("#controls input, #controls button");
        if (first) first.focus();
      }
    } else if (t.id === "toggle-panel") {
      root.classList.toggle("panel-hidden");
    } else if (t.id === "fullscreen") {
      root.classList.toggle("map-full");
      refit();
    } else if (t.id === "close-controls" || t.id === "drawer-backdrop") {
      closeDrawer();
      const c = document.getElementById("toggle-controls");
      if (c) c.focus();
    } else {
      return;
    }
    sync();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      if (root.classList.contains("drawer-open")) closeDrawer();
      else if (root.classList.contains("map-full")) { root.classList.remove("map-full"); sync(); refit(); }
      return;
    }
    // Arrow keys move between the view tabs (the WAI-ARIA tabs pattern); Enter/Space click them.
    const tab = e.target.closest ? e.target.closest("[role=tab]") : null;
    if (!tab || (e.key !== "ArrowLeft" && e.key !== "ArrowRight" && e.key !== "Home" && e.key !== "End")) return;
    const tabs = Array.prototype.slice.call(tab.parentNode.querySelectorAll("[role=tab]"));
    let k = tabs.indexOf(tab);
    k = e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : (k + (e.key === "ArrowRight" ? 1 : -1) + tabs.length) % tabs.length;
    tabs[k].focus();
    tabs[k].click();
    e.preventDefault();
  });
  window.addEventListener("resize", sync);
  document.addEventListener("DOMContentLoaded", sync);
})();
