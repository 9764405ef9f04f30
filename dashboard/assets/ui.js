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
  // A basemap tile that cannot load (offline, blocked): say so once; the map's own layers stay.
  document.addEventListener("error", function (e) {
    const el = e.target;
    if (!el || !el.classList || !el.classList.contains("leaflet-tile")) return;
    const ns = window.lnmap || {};
    if (ns.tilesFailed || !ns.store || !window.dash_clientside || !window.dash_clientside.set_props) return;
    ns.tilesFailed = true;
    const lang = root.lang === "en" ? "en" : "zh";
    const s = ns.store.i18n.strings.notice_tiles;
    window.dash_clientside.set_props("tile-notice", { children: s[lang] || s.zh });
  }, true);
  // Dash 4's radio and check lists mark their labels role=option inside a role=listbox although each
  // label holds a native input (nested interactive controls, lists without a name): give them back
  // their native semantics, named by the heading above (the wrapper's aria-labelledby). Re-applied
  // whenever React sets the attributes again.
  function patchAria() {
    document.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
      list.removeAttribute("role");
    });
    document.querySelectorAll(".dash-options-list-option[role=option], .dash-options-list-option[aria-selected]")
      .forEach(function (o) { o.removeAttribute("role"); o.removeAttribute("aria-selected"); });
    document.querySelectorAll(".dash-dropdown-focus-target[aria-hidden]").forEach(function (el) {
      el.removeAttribute("aria-hidden");
      const box = el.closest(".dash-dropdown-wrapper, .dash-dropdown") || el.parentNode;
      const named = box && box.querySelector("[id$='-value']");
      if (named) el.setAttribute("aria-labelledby", named.id);
    });
  }
  new MutationObserver(patchAria).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["role", "aria-selected", "aria-hidden"],
  });
  window.addEventListener("resize", sync);
  document.addEventListener("DOMContentLoaded", sync);
})();
