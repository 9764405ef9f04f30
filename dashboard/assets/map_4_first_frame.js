/* 辽宁减污降碳指标地图 — the first frame (dashboard/preview.py): the asked map drawn from the page's HTML.
 * Runs after the map_*.js files before it, whose functions it takes from window.lnmap.parts.
 */
(function () {
  "use strict";
  const NS = (window.lnmap = window.lnmap || {});
  const PARTS = (NS.parts = NS.parts || {});
  const { FIRST, bootNow, circleOf, cityLook, fit, freeRect, isReady, legend, mapView, refit } = PARTS;

  // ------------------------------------------------------------------ the first frame (dashboard/preview.py)
  // The index page carries the cities' outlines and the values of the view its link asks for. They are
  // drawn as soon as this file runs, before Dash and Leaflet have started, with the functions Leaflet's
  // layers use (mapView, cityLook, circleOf). Until Leaflet's map exists they fill the part of the window
  // the map will take (style.css); then they lie under Leaflet's panes at the view refit() will choose, so
  // Leaflet paints over them in place; each part goes in the frame Leaflet paints its own.
  const WORLD = 2 * Math.PI * 6378137;  // Web Mercator: the world's width in metres (Leaflet's EPSG:3857)
  const SVG_NS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs, parent) {
    const el = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) el.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(el);
    return el;
  }
  // Preview units (geo.unit metres east and south of geo.origin) of a latitude, longitude.
  function firstUnits(g, lat, lng) {
    const x = lng / 360 * WORLD;
    const y = Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)) / (2 * Math.PI) * WORLD;
    return [(x - g.origin[0]) / g.unit, (g.origin[1] - y) / g.unit];
  }
  // Screen pixels of preview units: px = k * u + a (x), k * u + b (y), in a box W x H.
  function firstPlace() {
    const g = FIRST.data.geo;
    const map = FIRST.map;
    if (map && map.getContainer().isConnected) map.invalidateSize({ pan: false });  // its box may have changed
    if (map && map.getContainer().isConnected && map.getSize().x > 0 && map.getSize().y > 0) {
      const size = map.getSize();
      let t = null;
      // Until Leaflet's cities are drawn, the view refit() will choose; then refit() owns the view, and what is
      // left of the first frame follows the map as it is.
      if (!FIRST.userMoved && !FIRST.since) {
        const bounds = L.latLngBounds(g.bounds);
        const best = freeRect(map, bounds);
        if (best && best.scale > 0 && map._getBoundsCenterZoom) {
          t = map._getBoundsCenterZoom(bounds, { paddingTopLeft: L.point(best.pad.l, best.pad.t),
                                                  paddingBottomRight: L.point(best.pad.r, best.pad.b) });
        }
      }
      if (t && (Math.abs(t.zoom - map.getZoom()) > 1e-9 || !map.getCenter().equals(t.center, 1e-9))) {
        // Leaflet goes there too, before it draws anything: a layer that arrives before the cities (the
        // circles, the names) is drawn in its place at once, not at the opening view and moved by refit().
        fit.busy = true;
        map.setView(t.center, t.zoom, { animate: false });
        fit.busy = false;
      }
      if (!t) t = { center: map.getCenter(), zoom: map.getZoom() };
      const c = map.project(t.center, t.zoom), s = 256 * Math.pow(2, t.zoom);
      return { inMap: true, W: size.x, H: size.y, k: s * g.unit / WORLD,
               a: s * (g.origin[0] / WORLD + 0.5) - c.x + size.x / 2, b: s * (0.5 - g.origin[1] / WORLD) - c.y + size.y / 2 };
    }
    const r = FIRST.el.getBoundingClientRect();
    const nw = firstUnits(g, g.bounds[1][0], g.bounds[0][1]), se = firstUnits(g, g.bounds[0][0], g.bounds[1][1]);
    const m = 8, k = Math.min((r.width - 2 * m) / (se[0] - nw[0]), (r.height - 2 * m) / (se[1] - nw[1]));
    if (!(k > 0)) return null;
    return { inMap: false, W: r.width, H: r.height, k: k, a: (r.width - k * (se[0] + nw[0])) / 2,
             b: (r.height - k * (se[1] + nw[1])) / 2 };
  }
  function firstPaint() {
    const d = FIRST.data, v = FIRST.v, pl = firstPlace();
    if (!pl) return;
    if (pl.inMap && FIRST.el.parentNode !== FIRST.map.getContainer()) {
      FIRST.el.classList.add("in-map");
      FIRST.map.getContainer().insertBefore(FIRST.el, FIRST.map.getContainer().firstChild);
      FIRST.at = "";
      return firstPaint();  // placed again in its new box
    }
    const rMax = Math.max(14, Math.min(44, Math.min(pl.W, pl.H) / 20));
    const key = [pl.k, pl.a, pl.b, rMax, v.h.indicator, v.mode, v.h.selected, v.h.lang, JSON.stringify(v.h.highlight)].join();
    if (key === FIRST.at) return;
    FIRST.at = key;
    const svg = FIRST.el.firstChild || svgEl("svg", { width: "100%", height: "100%" }, FIRST.el);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const geo = svgEl("g", { transform: "matrix(" + [pl.k, 0, 0, pl.k, pl.a, pl.b].join(" ") + ")" }, svg);
    if (d.view.context && d.geo.context) {
      const c = NS.contextStyle();
      svgEl("path", { class: "lnmap-preview-context", d: d.geo.context, fill: c.fillColor, "fill-rule": "evenodd", stroke: c.color,
                      "stroke-width": c.weight, "vector-effect": "non-scaling-stroke" }, geo);
    }
    const cities = svgEl("g", { class: "lnmap-preview-cities" }, geo);
    const circles = svgEl("g", { class: "lnmap-preview-circles" }, svg);
    const labels = svgEl("g", { class: "lnmap-preview-labels" }, svg);
    const sym = Object.assign({}, v.symbols, { r_max: rMax });
    d.geo.cities.forEach(function (c) {
      const st = cityLook(v.h, c.a);
      svgEl("path", { class: "lnmap-preview-city", "data-adcode": c.a, d: c.d, fill: st.fillColor, "fill-rule": "evenodd",
                      "fill-opacity": st.fillOpacity, stroke: st.color, "stroke-width": st.weight,
                      "stroke-dasharray": st.dashArray, "vector-effect": "non-scaling-stroke" }, cities);
      const x = pl.k * c.p[0] + pl.a, y = pl.k * c.p[1] + pl.b;
      const o = circleOf(sym, c.a);
      if (o.r) {
        svgEl("circle", { class: "lnmap-preview-circle", "data-adcode": c.a, cx: x, cy: y, r: o.r, fill: o.fillColor,
                          "fill-opacity": o.fillOpacity, stroke: "#ffffff", "stroke-width": 1.2 }, circles);
      }
      if (d.view.labels) {
        svgEl("text", { x: x, y: v.mode === "symbols" ? y - 13 : y }, labels).textContent = v.h.lang === "en" ? c.en : c.zh;
      }
    });
  }
  // Each frame until it is gone: placed again (the legend and cards that come with Dash change refit's view),
  // and each part hidden once Leaflet has painted its own.
  // The first frame goes (on an error in its own code too: it must never stand in the way of the map).
  function firstGone() {
    Object.keys(PREFETCHED).forEach(function (u) { delete PREFETCHED[u]; });  // a file Leaflet never asked for
    if (FIRST.el) FIRST.el.remove();
    FIRST.el = FIRST.data = FIRST.v = null;
    document.documentElement.dataset.firstFrame = "done";
  }
  function guarded(f) {
    return function () {
      try {
        return f.apply(this, arguments);
      } catch (e) {
        firstGone();
        if (window.console) console.error("first frame:", e);
      }
    };
  }
  const taken = {};  // the parts taken away (Leaflet has drawn its own), by selector
  const firstTick = guarded(function () {
    if (!FIRST.el) return;
    // Once Leaflet's cities are drawn, refit() owns the view. It runs here too, before this frame is painted: when
    // the free part of the map changes (the legend Dash puts up), Leaflet's layers and what is left of the first
    // frame move in the same frame; and in a frame in which the map moved, no part is taken away (the first frame
    // is shown in the new place once before Leaflet's part replaces it).
    let moved = false;
    if (FIRST.since && FIRST.map && fit.map === FIRST.map) {
      const center = FIRST.map.getCenter(), zoom = FIRST.map.getZoom();
      refit();
      moved = FIRST.map.getZoom() !== zoom || !FIRST.map.getCenter().equals(center, 1e-9);
    }
    const leaflet = function (sel) { return FIRST.map && FIRST.map.getContainer().querySelector(sel); };
    const drawn = FIRST.map ? FIRST.map.getContainer().querySelectorAll("path.lnmap-city").length : 0;
    const parts = [
      [".lnmap-preview-cities", drawn >= FIRST.data.geo.cities.length],
      [".lnmap-preview-context", !FIRST.data.view.context || leaflet(".leaflet-lnmap-context-pane path")],
      [".lnmap-preview-circles", FIRST.v.mode !== "symbols" || leaflet("path.lnmap-symbol")],
      [".lnmap-preview-labels", !FIRST.data.view.labels || leaflet(".lnmap-label")],
    ];
    if (parts[0][1] && !FIRST.since) FIRST.since = performance.now();
    // Everything Leaflet draws is there, or its cities for 5 s (a layer that never came): the frame goes.
    if ((parts.every(function (p) { return p[1]; }) && !moved) || (FIRST.since && performance.now() - FIRST.since > 5000)) {
      firstGone();
      return;
    }
    firstPaint();
    parts.forEach(function (p) {
      if (!p[1] || (moved && !taken[p[0]])) return;
      taken[p[0]] = true;  // stays away when firstPaint draws the first frame again
      const el = FIRST.el.querySelector(p[0]);
      if (el) el.style.display = "none";
    });
    // Every frame while the page comes up; after 10 s without Leaflet's cities (their file failed, a very slow
    // link) twice a second: the map it shows stays, without a layout every frame.
    if (performance.now() - FIRST.start > 10000) setTimeout(firstTick, 500);
    else window.requestAnimationFrame(firstTick);
  });
  const firstFrame = guarded(function () {
    const src = document.getElementById("lnmap-preview-data");
    if (!src || !window.L) return;
    let d;
    try {
      d = JSON.parse(src.textContent);
    } catch (e) {
      return;
    }
    const w = d.view;
    const v = mapView(d.store, w.group, w.measure, w.scheme, w.city ? { adcode: w.city } : null, w.lang, w.panel,
                      w.region, null, w.map_type);
    if (!v) return;
    FIRST.data = d;
    FIRST.v = v;
    FIRST.start = performance.now();
    FIRST.el = document.createElement("div");
    FIRST.el.id = "lnmap-preview";
    FIRST.el.setAttribute("aria-hidden", "true");
    document.body.insertBefore(FIRST.el, document.body.firstChild);
    L.Map.addInitHook(function () {
      if (FIRST.map) return;
      FIRST.map = this;
      // A zoom or drag by the user before Leaflet has drawn the cities: the map stays where the user took it.
      // Leaflet and dash-leaflet zoom the map themselves while it is set up: a zoom counts as the user's only
      // right after the user's own input on the map (wheel, pointer, key); a drag always does.
      const map = this;
      ["wheel", "pointerdown", "keydown", "touchstart"].forEach(function (type) {
        map.getContainer().addEventListener(type, function () { FIRST.input = performance.now(); },
                                            { capture: true, passive: true });
      });
      map.on("dragstart", function () { if (!fit.busy) FIRST.userMoved = true; });
      map.on("zoomstart", function () {
        if (!fit.busy && performance.now() - FIRST.input < 1000) FIRST.userMoved = true;
      });
    });
    document.documentElement.dataset.firstFrame = "drawn";
    // Leaflet's cities may be drawn before Dash's first restyle (their file is read here, below): in the view
    // this frame shows, which restyle then confirms (the cities' style reads NS.lastHideout first).
    if (!NS.lastHideout) NS.lastHideout = v.h;
    firstPaint();
    (d.fetch || []).forEach(prefetch);
    window.requestAnimationFrame(firstTick);
  });
  // ------------------------------------------------------------------ Leaflet's GeoJSON, read while Dash starts
  // dash-leaflet asks for its layers' files only once Dash has rendered the layout, and then waits for their
  // bodies behind Dash's first callbacks on the page's one thread (a quarter of a second and more). The first
  // frame fetches and parses them now; dash-leaflet's own request of each file (the same URL) is answered from
  // here, once (a second request of the same file goes to the network, i.e. the browser's cache, as before).
  const PREFETCHED = {};
  function prefetch(u) {
    PREFETCHED[u] = fetch(u, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      const type = r.headers.get("Content-Type") || "application/json";
      return r.text().then(function (text) { return { text: text, json: JSON.parse(text), type: type }; });
    });
    PREFETCHED[u].catch(function () {});
  }
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const hit = typeof input === "string" && PREFETCHED[input];
    if (!hit || (init && init.method && init.method.toUpperCase() !== "GET")) return fetch0.apply(this, arguments);
    delete PREFETCHED[input];
    return hit.then(function (got) {
      const r = new Response(got.text, { status: 200, headers: { "Content-Type": got.type } });
      r.json = function () { return Promise.resolve(got.json); };  // parsed already
      return r;
    }, function () { return fetch0.call(window, input, init); });  // the first request failed: asked again
  };
  // A city clicked in the first frame, before Leaflet has drawn its own (in the first frame's box, or under
  // Leaflet's still empty panes): outlined at once, and its panel opened once the map is up (bootNow), not lost.
  // Only a pointer's click on the map itself: not a key press (no position), not a button, box or control over it.
  document.addEventListener("click", guarded(function (e) {
    if (!FIRST.el || !e.detail || !e.target.closest || !e.target.closest("#lnmap-preview, .leaflet-container") ||
        e.target.closest(".leaflet-control, .map-box, .map-side, button, a, input, label, select, [role=button]")) return;
    const hit = document.elementsFromPoint(e.clientX, e.clientY).find(function (el) {
      return el.classList && el.classList.contains("lnmap-preview-city");
    });
    if (!hit) return;
    FIRST.pick = hit.getAttribute("data-adcode");
    NS.firstFrameView(FIRST.v);
    if (isReady()) {  // the map is up already (a layer still coming kept the first frame): open it now
      const a = FIRST.pick;
      FIRST.pick = null;
      NS.pickCity(a);
    }
  }), true);
  // Leaflet's cities can come in the very task that creates Leaflet's map (their file is read already: below), before
  // any frame has placed the first frame inside the map: their style is asked for before each is drawn, and before
  // the first, the map goes to the view the first frame takes there (firstPlace), so the two lie in the same place.
  // Once: for the other cities the map stays where it is (each move would draw the cities drawn so far again).
  let placedForCities = null;
  NS.beforeCities = guarded(function () {
    if (!FIRST.el || !FIRST.map || FIRST.since || FIRST.userMoved || placedForCities === FIRST.map) return;
    placedForCities = FIRST.map;
    firstPaint();
  });
  // A switch made before Leaflet has drawn the cities: the first frame shows it too.
  NS.firstFrameView = guarded(function (v) {
    if (!FIRST.el || !v) return;
    // A city clicked in the first frame stays outlined until its panel opens (Dash's first view has none).
    FIRST.v = FIRST.pick ? Object.assign({}, v, { h: Object.assign({}, v.h, { selected: FIRST.pick }) }) : v;
    firstPaint();
  });
  firstFrame();
})();
