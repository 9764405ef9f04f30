/* 辽宁减污降碳指标地图 — map functions and clientside callbacks.
 *
 * window.lnmap.*               functions dash-leaflet calls by name ({"variable": "lnmap.cityStyle"}):
 *                              style, tooltip, label, site and cluster builders. They read the
 *                              GeoJSON's `hideout` (context.hideout), so a restyle sends no geometry.
 * window.dash_clientside.lnmap.* clientside callbacks: switching indicator, scheme, layers, language
 *                              or basemap runs here, with no request to the server.
 * hideout() and parseQuery() are twins of dashboard/state.py build_hideout() and parse_query();
 * tests/test_browser_dashboard.py checks that both give the same answers.
 */
(function () {
  "use strict";
  const NS = (window.lnmap = window.lnmap || {});

  // ------------------------------------------------------------------ helpers
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // Numbers as the documents print them: no grouping, at most two decimals (twin of layout.fmt).
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return null;
    let s = Number(v).toFixed(2);
    if (s.indexOf(".") >= 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return s === "-0" ? "0" : s;
  }
  // A value at the precision its indicator is printed with (ind.decimals: the annex's, e.g. 142,602.10),
  // with thousands separators; twin of geo.vocabulary.fmt_number.
  function grouped(v, d) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    const s = Math.abs(v).toFixed(d).split(".");
    const neg = v < 0 && Number(s.join(".")) !== 0;
    return (neg ? "−" : "") + s[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (s.length > 1 ? "." + s[1] : "");
  }
  function num(v, ind) {
    return grouped(v, ind && ind.decimals !== undefined && ind.decimals !== null ? ind.decimals : 2);
  }
  NS.grouped = grouped;
  // Class of a value: index of the first upper bound it does not exceed; -1 = no data (twin of Classes.index).
  function classIndex(v, bounds) {
    if (v === null || v === undefined || !isFinite(v) || !bounds || !bounds.length) return -1;
    for (let i = 0; i < bounds.length; i++) {
      if (v <= bounds[i] + 1e-9 * Math.max(1, Math.abs(bounds[i]))) return i;
    }
    return bounds.length - 1;
  }
  function colourOf(v, h) {
    const i = classIndex(v, h.bounds);
    return i < 0 ? h.nodata : h.colours[i];
  }
  function tr(store, key, lang) {
    const e = store.i18n.strings[key];
    return e ? e[lang] || e.zh : key;
  }
  function lbl(table, key, lang) {
    const e = table[key];
    return e ? e[lang] || e.zh : key;
  }
  function comp(type, props, ns) {
    return { type: type, namespace: ns || "dash_html_components", props: props || {} };
  }
  NS.fmt = fmt;
  NS.classIndex = classIndex;

  // ------------------------------------------------------------------ city choropleth
  // The hideout to draw with: the last one restyle made. dash-leaflet skips a hideout that changes while the
  // layer is still fetching its URL (on a page load, the observed dataset can arrive then) and draws the
  // features with the props of the fetch's start; reading the latest one here draws them right anyway.
  function latest(context) {
    return NS.lastHideout || (context && context.hideout) || {};
  }
  NS.cityStyle = function (feature, context) {
    return cityLook(latest(context), feature.properties.adcode);
  };
  // A city's style under the hideout ``h`` (the cities' layer and the first frame).
  function cityLook(h, a) {
    const v = h.values ? h.values[a] : null;
    const sel = h.selected === a;
    const style = {
      fillColor: h.symbols ? h.symbols : colourOf(v, h), fillOpacity: 0.88, color: sel ? "#111" : "#ffffff",
      weight: sel ? 3.5 : 1.2, opacity: 1, className: "lnmap-city" + (sel ? " lnmap-selected" : ""), dashArray: null,
    };
    if (h.highlight) {
      const m = h.highlight[a];
      if (!m) Object.assign(style, { fillOpacity: 0.2, color: "#dddddd" });
      else if (m === "partial") Object.assign(style, { fillOpacity: 0.6, color: "#222", weight: 2.5, dashArray: "6 4" });
      else Object.assign(style, { color: "#222", weight: 2.2 });
    }
    return style;
  }
  NS.cityTooltip = function (feature, layer, context) {
    const h = latest(context);
    const p = feature.properties;
    const name = h.lang === "en" ? p.name_en : p.name_zh;
    const v = h.values ? h.values[p.adcode] : null;
    const shown = v === null || v === undefined ? null : grouped(v, h.decimals === undefined ? 2 : h.decimals);
    const text = shown === null ? (h.lang === "en" ? "no data" : "无数据") : shown + " " + (h.unit || "");
    layer.bindTooltip("<b>" + esc(name) + "</b><br>" + esc(text), { sticky: true, className: "lnmap-tip" });
    // Keyboard: every city is a button in the Tab order; Enter or Space selects it.
    const label = name + "：" + text;
    const keyboard = function () {
      const el = layer._path;
      if (!el) return;
      el.setAttribute("aria-label", label);
      if (el.dataset.kb) return;
      el.dataset.kb = "1";
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "button");
      L.DomEvent.on(el, "keydown", function (e) {
        if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") {
          L.DomEvent.preventDefault(e);
          NS.pickCity(p.adcode);
        }
      });
    };
    keyboard();
    layer.on("add", function () { keyboard(); watch(layer._map); bootSoon(); });
  };
  // Select a city from the keyboard or the search box: the same store a click sets.
  NS.pickCity = function (adcode) {
    window.dash_clientside.set_props("city", { data: { adcode: adcode, n: Date.now(), src: "click" } });
  };

  // ------------------------------------------------------------------ proportional circles (geo.symbols)
  // Area-true: r = r_max × √(|v| ÷ vmax), in screen pixels; negative values in the second colour.
  function symbolRadius(v, vmax, rMax) {
    if (v === null || v === undefined || !isFinite(v) || !vmax) return 0;
    return rMax * Math.sqrt(Math.abs(v) / vmax);
  }
  NS.symbolRadius = symbolRadius;
  // A city's circle under the symbols hideout ``h``: its radius (0: none) and fill.
  function circleOf(h, adcode) {
    const v = h.show && h.values ? h.values[adcode] : null;
    return { r: symbolRadius(v, h.vmax, h.r_max), fillColor: v < 0 ? h.negative : h.colour, fillOpacity: 0.78 };
  }
  NS.symbolMarker = function (feature, latlng, context) {
    const c = circleOf(NS.lastSymbols || (context && context.hideout) || {}, feature.properties.adcode);
    if (!c.r) return L.layerGroup([]);
    // In the symbols' own pane (layout.create_map), over the cities: a marker made here would otherwise go
    // into the cities' pane and lie above or under them as the two files happened to arrive.
    return L.circleMarker(latlng, { radius: c.r, fillColor: c.fillColor, fillOpacity: c.fillOpacity,
                                    color: "#ffffff", weight: 1.2, interactive: false, pane: "lnmap-symbols",
                                    className: "lnmap-symbol", adcode: feature.properties.adcode });
  };
  // Draw a new hideout at once: restyle calls this as soon as it has made one. dash-leaflet draws the same
  // hideout again, but only after Dash's renderer has put every output of the switch in the page (the
  // legend, the ranking, the cards: some 30 ms later); the colours need not wait for them. Circles a
  // measure does not have yet (none drawn for a zero) come with dash-leaflet's redraw.
  function drawNow() {
    const map = fit.map;
    if (!map) return;
    const s = NS.lastSymbols || {};
    map.eachLayer(function (l) {
      const el = l._path;
      if (!el || !l.feature && !l.options.adcode) return;
      if (l.feature && el.classList.contains("lnmap-city")) {
        l.setStyle(NS.cityStyle(l.feature));
      } else if (l.options.adcode && el.classList.contains("lnmap-symbol")) {
        const c = circleOf(s, l.options.adcode);
        if (c.r) {
          l.setRadius(c.r);
          l.setStyle({ fillColor: c.fillColor, opacity: 1, fillOpacity: c.fillOpacity });
        } else {
          l.setStyle({ opacity: 0, fillOpacity: 0 });  // no circle for this value: gone until the redraw
        }
      }
    });
  }
  // "auto": totals (t, 10⁴ t standard coal) as circles, the rest as colours (twin of geo.symbols.resolve_map_type).
  function mapTypeOf(store, ind, mapType) {
    if (mapType === "choropleth" || mapType === "symbols") return mapType;
    return (store.symbols.units || []).indexOf(ind.unit) >= 0 ? "symbols" : "choropleth";
  }
  // Round values for the size legend (twin of geo.symbols.legend_values).
  function niceFloor(x) {
    if (x <= 0) return 0;
    const e = Math.floor(Math.log10(x));
    for (const m of [5, 2, 1]) if (m * Math.pow(10, e) <= x * (1 + 1e-12)) return m * Math.pow(10, e);
    return Math.pow(10, e);
  }
  function legendValues(vmax) {
    if (!vmax || !isFinite(vmax) || vmax <= 0) return [];
    const top = niceFloor(vmax), out = [top];
    [0.25, 0.05].forEach(function (f) { const v = niceFloor(top * f); if (v > 0 && v < out[out.length - 1]) out.push(v); });
    return out;
  }
  NS.legendValues = legendValues;

  // ------------------------------------------------------------------ after the first map: the server's part
  // The observed datasets and plans (the server callback in dashboard/callbacks.py that reads "boot") load
  // once the cities are drawn, so the first map waits for no server answer: two frames after the first city
  // is on the map, or after 3 s if the map cannot be drawn (the lists must come all the same).
  let booted = false;
  function bootNow() {
    if (booted) return;
    const dc = window.dash_clientside;
    if (!dc || !dc.set_props || !document.getElementById("controls")) {
      setTimeout(bootNow, 100);  // Dash has not put the page up yet (a Store has no element: look for the controls)
      return;
    }
    booted = true;
    dc.set_props("boot", { data: 1 });
    if (FIRST.pick) {  // a city clicked in the first frame (below): opened now, as a click on the map would
      NS.pickCity(FIRST.pick);
      FIRST.pick = null;
    }
  }
  function bootSoon() {
    if (!booted) window.requestAnimationFrame(function () { window.requestAnimationFrame(bootNow); });
  }
  setTimeout(bootNow, 3000);

  // ------------------------------------------------------------------ fit Liaoning into the free part of the map
  // The map's own boxes (legend, buttons, zoom, scale) sit in its corners. Each may be kept clear of
  // by reserving its width (on its side) or its height (on its edge); of all the combinations the one
  // that draws Liaoning largest wins, and the cities are fitted into the rectangle that is left.
  const fit = { map: null, userMoved: false, busy: false, pending: 0, observer: null };
  function cityBounds(map) {
    const b = L.latLngBounds([]);
    map.eachLayer(function (l) {
      const el = l._path;
      if (el && l.getBounds && (el.classList.contains("lnmap-city") || el.classList.contains("lnmap-other"))) {
        b.extend(l.getBounds());
      }
    });
    return b;
  }
  function freeRect(map, bounds) {
    const box = map.getContainer().getBoundingClientRect();
    const W = box.width, H = box.height;
    const frame = map.getContainer().parentNode;
    const rects = [];
    frame.querySelectorAll(".map-box, .leaflet-control").forEach(function (el) {
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") return;
      if (r.right <= box.left || r.left >= box.right || r.bottom <= box.top || r.top >= box.bottom) return;
      rects.push({ l: r.left - box.left, r: r.right - box.left, t: r.top - box.top, b: r.bottom - box.top });
    });
    const z = map.getZoom();
    const p1 = map.project(bounds.getNorthWest(), z), p2 = map.project(bounds.getSouthEast(), z);
    const bw = Math.max(1, p2.x - p1.x), bh = Math.max(1, p2.y - p1.y);
    const m = 8;
    let best = null;
    for (let mask = 0; mask < 1 << rects.length; mask++) {
      const pad = { l: m, r: m, t: m, b: m };
      rects.forEach(function (q, i) {
        const left = q.l + q.r < W, top = q.t + q.b < H;
        if (mask & (1 << i)) {  // reserve its width
          if (left) pad.l = Math.max(pad.l, q.r + m); else pad.r = Math.max(pad.r, W - q.l + m);
        } else if (top) pad.t = Math.max(pad.t, q.b + m); else pad.b = Math.max(pad.b, H - q.t + m);
      });
      const scale = Math.min((W - pad.l - pad.r) / bw, (H - pad.t - pad.b) / bh);
      if (!best || scale > best.scale) best = { scale: scale, pad: pad };
    }
    return best;
  }
  function refit() {
    fit.pending = 0;
    const map = fit.map;
    if (!map || fit.userMoved || !map.getContainer().isConnected) return;
    map.invalidateSize({ pan: false });
    const bounds = cityBounds(map);
    if (!bounds.isValid()) return;
    const best = freeRect(map, bounds);
    if (!best || best.scale <= 0) return;
    // Already at the zoom a fit would pick, and clear of every box: leave the map alone (a legend that
    // grows or shrinks by a line on a switch must not redraw every layer).
    const opts = { paddingTopLeft: L.point(best.pad.l, best.pad.t), paddingBottomRight: L.point(best.pad.r, best.pad.b) };
    const want = map._getBoundsCenterZoom ? map._getBoundsCenterZoom(bounds, opts) : null;
    if (want && Math.abs(want.zoom - map.getZoom()) < 1e-6) {
      const nw = map.latLngToContainerPoint(bounds.getNorthWest()), se = map.latLngToContainerPoint(bounds.getSouthEast());
      const size = map.getSize();
      if (nw.x >= best.pad.l - 1 && nw.y >= best.pad.t - 1 && se.x <= size.x - best.pad.r + 1 &&
          se.y <= size.y - best.pad.b + 1) {
        document.documentElement.dataset.fitted = String((+document.documentElement.dataset.fitted || 0) + 1);
        return;
      }
    }
    fit.busy = true;
    map.fitBounds(bounds, { paddingTopLeft: [best.pad.l, best.pad.t], paddingBottomRight: [best.pad.r, best.pad.b],
                            animate: false });
    fit.busy = false;
    document.documentElement.dataset.fitted = String((+document.documentElement.dataset.fitted || 0) + 1);
  }
  function scheduleFit() {
    if (!fit.pending) fit.pending = window.requestAnimationFrame(refit);
  }
  function watch(map) {
    if (!map) return;
    if (fit.map !== map) {
      fit.map = map;
      fit.userMoved = FIRST.userMoved;  // the user may have moved it under the first frame already
      const mine = function () { if (!fit.busy) fit.userMoved = true; };
      map.on("zoomstart dragstart", mine);
      const ro = new ResizeObserver(function () { if (fit.map) fit.map.invalidateSize({ pan: false }); scheduleFit(); });
      ro.observe(map.getContainer());
      const frame = map.getContainer().parentNode;
      frame.querySelectorAll(".map-side, .map-button").forEach(function (el) { ro.observe(el); });
      fit.observer = ro;
    }
    scheduleFit();
  }
  // The map goes back to Liaoning (after the user zoomed or panned): the full-screen button and a resize do it.
  NS.refit = function (force) { if (force) fit.userMoved = false; scheduleFit(); };

  // ------------------------------------------------------------------ context, regions, other plans
  NS.contextStyle = function () {
    return { fillColor: "#eeeeea", fillOpacity: 1, color: "#b8b8b0", weight: 1, interactive: false };
  };
  // A partial member of a region is hatched in the region's colour: diagonal lines the city's own colour
  // shows through, so "part of this city is in the region" reads without hiding the value on the map.
  // An SVG fill pattern, defined once in the page (a hidden <svg>), for a path's fill: url(#id).
  // Used by the regions' partial members here and the named counties (assets/layers_extra.js).
  NS.svgPattern = function (id, size, angle, lines) {
    if (document.getElementById(id)) return id;
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.style.position = "absolute";
    svg.innerHTML = '<defs><pattern id="' + id + '" patternUnits="userSpaceOnUse" width="' + size + '" height="' +
      size + '" patternTransform="rotate(' + angle + ')">' + lines + "</pattern></defs>";
    document.body.appendChild(svg);
    return id;
  };
  function regionHatch(rid, colour) {
    return NS.svgPattern("lnmap-hatch-" + rid, 8, -45,
      '<line x1="1.2" y1="0" x2="1.2" y2="8" stroke="' + esc(colour) + '" stroke-width="2.4" stroke-opacity="0.9"/>' +
      '<line x1="3" y1="0" x2="3" y2="8" stroke="#1a1a1a" stroke-width="0.9" stroke-opacity="0.7"/>');
  }
  NS.regionStyle = function (feature, context) {
    const h = (context && context.hideout) || {};
    const p = feature.properties;
    const s = (h.styles || {})[p.region_id] || { color: "#333", dashArray: "" };
    const partial = p.membership === "partial";
    return {
      color: s.color, weight: partial ? 2.5 : 4, opacity: partial ? 0.9 : 0.95,
      dashArray: partial ? "1 7" : s.dashArray, lineCap: partial ? "round" : "butt",
      fill: partial, fillColor: partial ? "url(#" + regionHatch(p.region_id, s.color) + ")" : s.color,
      fillOpacity: partial ? 1 : 0,
      className: "lnmap-region lnmap-region-" + p.region_id + (partial ? " lnmap-partial" : ""),
    };
  };
  NS.otherStyle = function () {
    return { fillColor: "#c7d7e8", fillOpacity: 0.75, color: "#35506b", weight: 1.5, dashArray: "6 4",
             className: "lnmap-other" };
  };
  NS.otherTooltip = function (feature, layer, context) {
    const h = (context && context.hideout) || {};
    const p = feature.properties;
    const note = h.lang === "en" ? "outside Liaoning (Jilin): its own plan" : "辽宁省外（吉林省）：其自身规划";
    layer.bindTooltip("<b>" + esc(h.lang === "en" ? p.name_en : p.name_zh) + "</b><br>" + esc(note),
                      { sticky: true, className: "lnmap-tip" });
    layer.on("add", function () { watch(layer._map); });
  };

  // ------------------------------------------------------------------ labels (never catch clicks)
  NS.labelMarker = function (feature, latlng, context) {
    const h = (context && context.hideout) || {};
    const p = feature.properties;
    let text = h.lang === "en" ? p.name_en : p.name_zh;
    if (p.province_zh) text += h.lang === "en" ? " (Jilin, outside Liaoning)" : "（吉林省·省外）";
    const icon = L.divIcon({ className: "lnmap-label" + (p.province_zh ? " lnmap-label-other" : ""),
                             html: "<span>" + esc(text) + "</span>", iconSize: null });
    return L.marker(latlng, { icon: icon, interactive: false, keyboard: false });
  };

  // ------------------------------------------------------------------ sites
  // Distinct shapes (not only colours) per kind, drawn as inline SVG.
  const GLYPHS = {
    park: '<rect x="3" y="3" width="16" height="16" rx="2" fill="#6a3d9a"/><text x="11" y="15.5">园</text>',
    mine: '<path d="M11 2 L20 19 L2 19 Z" fill="#8c510a"/><text x="11" y="17">矿</text>',
    port: '<circle cx="11" cy="11" r="9" fill="#1f78b4"/><path d="M11 5 v11 M7 12 q4 6 8 0 M8.5 7.5 h5" stroke="#fff" stroke-width="1.6" fill="none"/>',
    steel: '<path d="M2 4 h18 v4 h-6 v6 h6 v4 h-18 v-4 h6 v-6 h-6 z" fill="#525252"/>',
    nuclear: '<circle cx="11" cy="11" r="9.5" fill="#e6ab02"/><circle cx="11" cy="11" r="2" fill="#222"/><path d="M11 11 L6 3.5 A9 9 0 0 1 16 3.5 Z M11 11 L20 12 A9 9 0 0 1 15.5 19 Z M11 11 L6.5 19 A9 9 0 0 1 2 12 Z" fill="#222"/>',
    airport: '<circle cx="11" cy="11" r="9.5" fill="#e7298a"/><path d="M11 3.5 l1.3 5 5.7 3 v1.6 l-5.7-1.5 -.3 4 1.8 1.4 v1.2 l-2.8-.8 -2.8 .8 v-1.2 l1.8-1.4 -.3-4 -5.7 1.5 v-1.6 l5.7-3 z" fill="#fff"/>',
    reserve: '<path d="M11 1.5 L19 13 H14 L18 19 H4 L8 13 H3 Z" fill="#1b9e77"/>',
  };
  function glyph(kind, size) {
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + size + '" height="' + size +
      '" viewBox="0 0 22 22" font-size="10" font-family="sans-serif" fill="#fff" text-anchor="middle">' +
      (GLYPHS[kind] || GLYPHS.park) + "</svg>";
  }
  NS.glyph = glyph;
  NS.siteMarker = function (feature, latlng, context) {
    const p = feature.properties;
    const exact = p.precision === "exact";
    const icon = L.divIcon({ className: "lnmap-site lnmap-site-" + p.kind + (exact ? "" : " lnmap-approx"),
                             html: glyph(p.kind, 22), iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10] });
    const marker = L.marker(latlng, { icon: icon, title: p.name_zh, riseOnHover: true });
    if (p.uncertainty_m && p.uncertainty_m > 0) {
      const ring = L.circle(latlng, { radius: p.uncertainty_m, color: "#444", weight: 1, dashArray: "3 3",
                                      fillColor: "#888", fillOpacity: 0.12, interactive: false,
                                      className: "lnmap-uncertainty" });
      return L.featureGroup([ring, marker]);
    }
    return marker;
  };
  NS.sitePopup = function (feature, layer, context) {
    const p = feature.properties;
    if (p.cluster) return;
    const h = (context && context.hideout) || {};
    const t = h.strings || {};
    const en = h.lang === "en";
    const size = p.uncertainty_m && p.uncertainty_m > 0 ? Math.round(p.uncertainty_m) + " m"
      : p.precision === "exact" ? "—" : (t.popup_no_size || "");
    const rows = [
      [t.popup_kind, (h.kinds || {})[p.kind] || p.kind],
      [t.popup_city, en ? p.city_en : p.city_zh],
      [t.popup_precision, (h.precisions || {})[p.precision] || p.precision],
      [t.popup_uncertainty, size],
      [t.popup_named_in, en ? p.named_in : String(p.named_in || "").replace(/\bclause\s+\(([^)\s]+)\)/g, "第（$1）项")
        .replace(/\bclause\s+(\S+)/g, "第$1条")],
      [t.popup_coord_source, p.coordinate_source],
    ];
    let html = '<div class="lnmap-popup"><b>' + esc(en ? p.name_en : p.name_zh) + "</b>" +
      (en ? "" : "<br><span class='muted'>" + esc(p.name_en) + "</span>") + "<table>";
    rows.forEach(function (r) { if (r[1]) html += "<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>"; });
    if (p.note) html += "<tr><th></th><td>" + esc(p.note) + "</td></tr>";
    layer.bindPopup(html + "</table></div>", { maxWidth: 340 });
  };
  NS.siteCluster = function (feature, latlng, index, context) {
    const h = (context && context.hideout) || {};
    const n = feature.properties.point_count_abbreviated;
    const icon = L.divIcon({ className: "lnmap-cluster lnmap-site-" + h.kind,
                             html: glyph(h.kind, 26) + "<b>" + esc(n) + "</b>", iconSize: [34, 30], iconAnchor: [13, 15] });
    return L.marker(latlng, { icon: icon });
  };

  // ------------------------------------------------------------------ view state (twins of state.py)
  function resolveCity(text, cities) {
    if (!text) return null;
    text = text.trim();
    if (cities[text]) return text;
    const low = text.toLowerCase();
    for (const code in cities) {
      const c = cities[code];
      if (text === c.name_zh || text === c.name_zh.replace(/市$/, "") || low === c.name_en.toLowerCase()) return code;
    }
    return null;
  }
  function parseQuery(search, store) {
    const q = new URLSearchParams((search || "").replace(/^\?/, ""));
    const d = store.defaults;
    const view = { indicator: d.indicator, scheme: d.scheme, city: null, layers: d.layers.slice(), lang: d.lang,
                   basemap: d.basemap, panel: d.panel, region: d.region, map_type: d.map_type || "auto" };
    const get = function (k) { const all = q.getAll(k); return all.length ? all[all.length - 1] : null; };
    if (store.indicators[get("indicator")]) view.indicator = get("indicator");
    if (store.schemes.indexOf(get("scheme")) >= 0) view.scheme = get("scheme");
    view.city = resolveCity(get("city"), store.cities);
    if (get("layers") !== null) {
      const asked = get("layers").split(",").filter(function (k) { return k; });
      const known = store.layers.filter(function (k) { return asked.indexOf(k) >= 0; });
      view.layers = known.length || !asked.length ? known : d.layers.slice();
    }
    if (["zh", "en"].indexOf(get("lang")) >= 0) view.lang = get("lang");
    if (store.basemaps.hasOwnProperty(get("basemap"))) view.basemap = get("basemap");
    if (["city", "region", "province"].indexOf(get("panel")) >= 0) view.panel = get("panel");
    if (store.region_ids.indexOf(get("region")) >= 0) view.region = get("region");
    view.dataset = /^obs-\d{8}T\d{12}-[0-9a-f]{8}$/.test(get("dataset") || "") ? get("dataset") : null;
    if ((store.symbols || {}).map_types && store.symbols.map_types.indexOf(get("map_type")) >= 0) view.map_type = get("map_type");
    view.plan = get("plan") && get("plan").length <= 64 ? get("plan") : null;
    return view;
  }
  function formatQuery(v) {
    const parts = [["indicator", v.indicator], ["scheme", v.scheme]];
    if (v.city) parts.push(["city", v.city]);
    parts.push(["layers", v.layers.join(",")], ["lang", v.lang], ["basemap", v.basemap], ["panel", v.panel],
               ["region", v.region]);
    if (v.map_type && v.map_type !== "auto") parts.push(["map_type", v.map_type]);
    if (v.dataset) parts.push(["dataset", v.dataset]);
    if (v.plan) parts.push(["plan", v.plan]);
    return "?" + parts.map(function (p) { return p[0] + "=" + encodeURIComponent(p[1]).replace(/%2C/g, ","); }).join("&");
  }
  function hideout(store, indicator, scheme, selected, lang, highlight) {
    const ind = store.indicators[indicator];
    const cls = ind.classes[scheme];
    return { indicator: indicator, values: ind.values, lower: cls.lower, bounds: cls.bounds, colours: cls.colours,
             nodata: store.nodata, selected: selected || null, unit: lang === "zh" ? ind.unit_zh : ind.unit_en,
             lang: lang, decimals: ind.decimals, highlight: highlight || null };
  }
  // The indicator of a pollutant x measure (x year, for a measure that runs over years: store.series).
  function indicatorOf(store, group, measure, year) {
    const planned = store.plan && (store.plan.ids[group] || {})[measure];
    if (planned) return planned;
    const series = ((store.series || {})[group] || {})[measure];
    if (series) {
      const years = Object.keys(series).sort();
      return series[year] || (years.length ? series[years[years.length - 1]] : null);
    }
    for (const id in store.indicators) {
      const i = store.indicators[id];
      if (i.group === group && i.measure === measure) return id;
    }
    return null;
  }
  // Columns (the indicator of each measure of ``group``) and rows (the 14 cities, by adcode) of the table view.
  function tableOf(store, group, lang, year) {
    const cols = [];
    let shownYear = null;
    (store.measures[group] || []).forEach(function (m) {
      const id = indicatorOf(store, group, m, year);
      const ind = id && store.indicators[id];
      if (!ind) return;
      const series = ((store.series || {})[group] || {})[m];
      if (series) shownYear = ind.year;
      const unit = lang === "zh" ? ind.unit_zh : ind.unit_en;
      const title = lbl(store.i18n.measures, m, lang).replace(/ %$/, "") + (series ? " " + ind.year : "") +
        (lang === "zh" ? "（" + unit + "）" : " (" + unit + ")");
      cols.push({ id: "m_" + m, ind: ind, title: title });
    });
    const rows = Object.keys(store.cities).sort().map(function (a) {
      const c = store.cities[a];
      return { adcode: a, name: lang === "zh" ? c.name_zh : c.name_en };
    });
    return { cols: cols, rows: rows, year: shownYear };
  }
  NS.tableOf = tableOf;
  NS.parseQuery = parseQuery;
  NS.formatQuery = formatQuery;
  NS.hideout = hideout;

  // ------------------------------------------------------------------ legend and ranking
  // Twins of geo.vocabulary.decimals_for and legend_labels: a briefing's decimals for class bounds, and
  // half-open classes (a value on a break belongs to the class below: "> 31,386 – 56,443").
  function decimalsFor(values) {
    const arr = values.filter(function (v) { return v !== null && v !== undefined && isFinite(v); })
      .map(function (v) { return Math.abs(v); });
    if (!arr.length) return 0;
    const top = Math.max.apply(null, arr);
    const most = top >= 1000 ? 0 : top >= 100 ? 1 : top >= 1 ? 2 : 3;
    for (let d = 0; d < most; d++) {
      const f = Math.pow(10, d);
      if (arr.every(function (v) { return Math.abs(Math.round(v * f) / f - v) <= 1e-9; })) return d;
    }
    return most;
  }
  function legendLabels(lower, bounds, values, decimals) {
    const finite = Array.from(new Set(values.filter(function (v) { return v !== null && isFinite(v); })))
      .sort(function (a, b) { return a - b; });
    const close = function (a, b) { return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)); };
    const single = finite.length === bounds.length && finite.every(function (v, i) { return close(v, bounds[i]); });
    let d = decimals, labels = [];
    for (let k = 0; k < 3; k++) {
      labels = bounds.map(function (upper, i) {
        const lo = i === 0 ? lower : bounds[i - 1];
        if (single || close(lo, upper)) return grouped(upper, d);
        return (i === 0 ? "" : "> ") + grouped(lo, d) + " – " + grouped(upper, d);
      });
      if (new Set(labels).size === labels.length || d >= 4) break;
      d += 1;
    }
    return labels;
  }
  NS.legendLabels = legendLabels;
  NS.decimalsFor = decimalsFor;
  // The largest circle's radius follows the map's size (the map is fitted to Liaoning): about a twentieth
  // of its shorter side, so circles neither vanish on a projector nor swamp a phone.
  function symbolScale(store) {
    const el = document.getElementById("map");
    const side = el && el.clientWidth && el.clientHeight ? Math.min(el.clientWidth, el.clientHeight) : 480;
    return Math.max(14, Math.min(44, side / 20)) || store.symbols.r_max;
  }
  function symbolLegend(store, ind, lang, vmax, rMax) {
    const unit = lang === "zh" ? ind.unit_zh : ind.unit_en;
    const vals = legendValues(vmax);
    const big = symbolRadius(vals[0], vmax, rMax);
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="' + (2 * big + 4) + '" height="' + (2 * big + 4) + '">' +
      vals.map(function (v) {
        const r = symbolRadius(v, vmax, rMax);
        return '<circle cx="' + (big + 2) + '" cy="' + (2 * big + 2 - r) + '" r="' + r + '" fill="' +
          store.symbols.colour + '" fill-opacity="0.25" stroke="#555" stroke-width="1"/>';
      }).join("") + "</svg>";
    const rows = [comp("Div", { className: "legend-row legend-sizes", children: [
      comp("Img", { src: "data:image/svg+xml;utf8," + encodeURIComponent(svg), alt: "", className: "size-swatch" }),
      comp("Div", { className: "size-values", children: vals.map(function (v) {
        return comp("Div", { children: grouped(v, 0) + " " + unit }); }) }) ] })];
    const values = Object.keys(ind.values).map(function (a) { return ind.values[a]; });
    if (values.some(function (v) { return v !== null && v < 0; })) {
      rows.push(comp("Div", { className: "legend-row", children: [
        comp("Span", { className: "swatch round", style: { background: store.symbols.negative } }),
        comp("Span", { children: tr(store, "symbols_negative", lang) }) ] }));
    }
    rows.push(comp("Div", { className: "legend-row", children: [
      comp("Span", { className: "swatch", style: { background: store.symbols.base } }),
      comp("Span", { children: tr(store, "symbols_none", lang) }) ] }));
    return rows;
  }
  function legend(store, indicator, scheme, lang, mode, vmax, rMax) {
    const ind = store.indicators[indicator];
    const cls = ind.classes[scheme];
    const unit = lang === "zh" ? ind.unit_zh : ind.unit_en;
    const name = lang === "zh" ? ind.name_zh : ind.name_en;
    const year = lang === "zh" ? ind.year + "年" : ind.year;
    const title = lang === "zh" ? name + "（" + unit + "，" + year + "）" : name + " (" + unit + ", " + year + ")";
    const values = Object.keys(ind.values).map(function (a) { return ind.values[a]; });
    const finite = values.filter(function (v) { return v !== null && isFinite(v); });
    const rows = [];
    const progress = ind.measure === "progress";
    if (mode === "symbols") {
      rows.push.apply(rows, symbolLegend(store, ind, lang, vmax, rMax));
    } else if (finite.length && new Set(finite).size === 1) {
      // Every city has the same value: one colour, said in words.
      rows.push(comp("Div", { className: "legend-row legend-equal", children: [
        comp("Span", { className: "swatch", style: { background: cls.colours[0] } }),
        comp("Span", { children: tr(store, finite.length === 1 ? "only_one" : "equal_all", lang).replace("{n}", finite.length)
          .replace("{v}", num(finite[0], ind) + " " + unit) }) ] }));
    } else {
      const labels = legendLabels(cls.lower, cls.bounds, values, decimalsFor(values.concat(cls.bounds)));
      cls.bounds.forEach(function (b, i) {
        let text = labels[i];
        if (progress) {
          const lo = i === 0 ? cls.lower : cls.bounds[i - 1];
          text += " · " + tr(store, b <= 100 ? "not_met" : lo >= 100 ? "exceeded" : "met", lang);
        }
        rows.push(comp("Div", { className: "legend-row", children: [
          comp("Span", { className: "swatch", style: { background: cls.colours[i] } }),
          comp("Span", { children: text }) ] }));
      });
    }
    if (mode !== "symbols") rows.push(comp("Div", { className: "legend-row", children: [
      comp("Span", { className: "swatch", style: { background: store.nodata } }),
      comp("Span", { children: tr(store, "no_data", lang) }) ] }));
    const notes = [mode === "symbols" ? comp("Div", { className: "legend-note", children: tr(store, "symbols_note", lang) })
      : comp("Div", { className: "legend-note", children: lbl(store.i18n.schemes, scheme, lang) +
      (ind.diverging && cls.lower < ind.centre && ind.centre < cls.bounds[cls.bounds.length - 1]
        ? " · " + tr(store, "legend_centre", lang).replace("{c}", grouped(ind.centre, 0)) : "") })];
    notes.push(comp("Div", { className: "legend-note", children: tr(store, "legend_source", lang) + ": " +
      ind["source_" + lang] }));
    if (ind["note_" + lang]) notes.push(comp("Div", { className: "legend-note annex-note", children: ind["note_" + lang] }));
    // The formula can be long: folded, so the legend does not cover the map (it is also in the city panel).
    if (ind["formula_" + lang]) notes.push(comp("Details", { className: "legend-note legend-formula", children: [
      comp("Summary", { children: tr(store, "legend_formula", lang) }), comp("Div", { children: ind["formula_" + lang] }) ] }));
    return [comp("Div", { className: "legend-title", children: title })].concat(rows, notes);
  }
  function ranking(store, indicator, scheme, selected, lang, ids, mode) {
    const ind = store.indicators[indicator];
    const cls = ind.classes[scheme];
    const h = mode === "symbols" ? { bounds: [Infinity], colours: [store.symbols.colour], nodata: store.nodata }
      : { bounds: cls.bounds, colours: cls.colours, nodata: store.nodata };
    const order = Object.keys(ind.values).sort(function (a, b) {
      const va = ind.values[a], vb = ind.values[b];
      if (va === null && vb === null) return a < b ? -1 : 1;
      if (va === null) return 1;
      if (vb === null) return -1;
      return vb - va || (a < b ? -1 : 1);
    });
    let max = 0;
    order.forEach(function (a) { const v = ind.values[a]; if (v !== null) max = Math.max(max, Math.abs(v)); });
    const unit = lang === "zh" ? ind.unit_zh : ind.unit_en;
    // Bars grow from a reference line: 0, or 100 for progress (ind.centre). Every value on one side
    // of it: the line is the track's edge; values on both sides: it sits where it falls.
    const ref = ind.diverging ? ind.centre || 0 : 0;
    let lo = ref, hi = ref;
    order.forEach(function (a) { const v = ind.values[a]; if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    const span = hi - lo || 1;
    const zero = (100 * (ref - lo)) / span;
    const styles = [], children = [];
    ids.forEach(function (id) {
      const a = order[id.index];
      const v = a === undefined ? null : ind.values[a];
      styles.push({});
      const c = store.cities[a] || { name_zh: a, name_en: a };
      const x0 = v === null ? zero : (100 * (Math.min(v, ref) - lo)) / span;
      const w = v === null ? 0 : Math.max(0.6, (100 * Math.abs(v - ref)) / span);
      const track = [comp("Span", { className: "rank-fill" + (v !== null && v < ref ? " below" : ""),
        style: { left: x0 + "%", width: w + "%",
                 background: mode === "symbols" && v !== null && v < 0 ? store.symbols.negative : colourOf(v, h) } })];
      if (lo < ref || ind.diverging) track.push(comp("Span", { className: "rank-zero", style: { left: zero + "%" },
        title: fmt(ref) }));
      children.push([
        comp("Span", { className: "rank-pos", children: String(id.index + 1) }),
        comp("Span", { className: "rank-name", children: lang === "zh" ? c.name_zh : c.name_en }),
        comp("Span", { className: "rank-track", children: track }),
        comp("Span", { className: "rank-value", children: v === null ? tr(store, "no_data", lang) : num(v, ind, lang) + " " + unit }),
      ]);
    });
    return { styles: styles, children: children, order: order };
  }

  // ------------------------------------------------------------------ layers
  function layerChildren(store, key, datum, lang) {
    const spec = store.layer_specs[key];
    if (!spec) return [];
    return spec.map(function (c) {
      const copy = JSON.parse(JSON.stringify(c));
      copy.props.url = copy.props.url.replace("/wgs84/", "/" + datum + "/");
      copy.props.hideout = Object.assign({}, copy.props.hideout || {}, { lang: lang });
      if (copy.props.hideout.kind) {
        copy.props.hideout.strings = {};
        ["popup_kind", "popup_city", "popup_precision", "popup_uncertainty", "popup_no_size", "popup_named_in",
         "popup_coord_source"].forEach(function (k) { copy.props.hideout.strings[k] = tr(store, k, lang); });
        copy.props.hideout.kinds = {};
        store.site_layers.forEach(function (k) { copy.props.hideout.kinds[k] = lbl(store.i18n.layers, k, lang); });
        copy.props.hideout.precisions = {};
        Object.keys(store.i18n.precisions).forEach(function (k) {
          copy.props.hideout.precisions[k] = lbl(store.i18n.precisions, k, lang);
        });
      }
      return copy;
    });
  }

  // ------------------------------------------------------------------ the table's folded section
  // A <details> opened or closed by hand tells Dash nothing: report it, so tableView builds the table
  // only while it can be seen. "toggle" does not bubble; a listener on the capture phase hears it.
  document.addEventListener("toggle", function (e) {
    const el = e.target;
    if (!el || el.id !== "table-view" || !window.dash_clientside || !window.dash_clientside.set_props) return;
    window.dash_clientside.set_props("table-view", { open: el.open });
  }, true);

  // ------------------------------------------------------------------ folded sections of the panels
  // A section of the city panel comes as HTML text (data-html on its body, layout.folded): it goes
  // into the page while the section is open, and again if a new panel changes it while open.
  function fillSection(body) {
    const d = body.parentNode;
    if (!d || !d.open || body.lnmapShown === body.dataset.html) return;
    body.innerHTML = body.dataset.html;
    body.lnmapShown = body.dataset.html;
  }
  document.addEventListener("toggle", function (e) {
    const el = e.target;
    if (!el || !el.open || !el.querySelector) return;
    const body = el.querySelector(":scope > .section-body[data-html]");
    if (body) fillSection(body);
  }, true);
  // A section that arrives open is filled as it is put in the page (before it is painted).
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === "attributes") {
        if (r.target.classList.contains("section-body")) fillSection(r.target);
        return;
      }
      r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) return;
        if (n.matches(".section-body[data-html]")) fillSection(n);
        n.querySelectorAll(".section-body[data-html]").forEach(fillSection);
      });
    });
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true,
                                         attributeFilter: ["data-html"] });

  // ------------------------------------------------------------------ clientside callbacks
  const CS = (window.dash_clientside = window.dash_clientside || {});
  const noUpdate = function () { return window.dash_clientside.no_update; };
  // Whether callback ``name`` runs only because the selected city changed, after it has drawn everything
  // once (on a load with ?city=, Dash's first call of it can come with the city as its only trigger).
  const built = {};
  // What the map draws for a view: its indicator, the cities' hideout, the circles (restyle's first half).
  function mapView(store, group, measure, scheme, city, lang, panel, region, year, mapType) {
    const indicator = indicatorOf(store, group, measure, year);
    if (!indicator) return null;
    const ind = store.indicators[indicator];
    const mode = mapTypeOf(store, ind, mapType);
    let vmax = 0;
    Object.keys(ind.values).forEach(function (a) { const v = ind.values[a]; if (v !== null && isFinite(v)) vmax = Math.max(vmax, Math.abs(v)); });
    const symbols = { show: mode === "symbols", values: ind.values, vmax: vmax, r_max: symbolScale(store),
                      colour: store.symbols.colour, negative: store.symbols.negative };
    // The region view: its members stand out (partial ones dashed), the other cities are dimmed.
    const highlight = panel === "region" ? (store.region_members || {})[region] || null : null;
    const h = hideout(store, indicator, scheme, city && city.adcode, lang, highlight);
    if (mode === "symbols") h.symbols = store.symbols.base;  // the cities' neutral fill under the circles
    return { indicator: indicator, mode: mode, vmax: vmax, symbols: symbols, h: h };
  }
  function drawView(v) {
    NS.lastHideout = v.h;
    NS.lastSymbols = v.symbols;
    // With circles on, the city names move up a little, so a small circle is not hidden under its name.
    document.documentElement.classList.toggle("lnmap-symbols-on", v.mode === "symbols");
    NS.firstFrameView(v);
    drawNow();
  }

  // ------------------------------------------------------------------ a switch painted before Dash works
  // A click on a pollutant, measure, map type or classification: Dash's renderer takes some 50 ms to run the
  // switch's callbacks and put their outputs in the page, in one task, and the browser paints only after
  // it. So the click is taken here first: the map is redrawn for the new value (mapView, the view restyle
  // will make), the browser paints, and then the control's value goes to Dash (set_props), which
  // updates everything else and draws the same map again. Any click this cannot foresee (a measure the
  // pollutant lacks, a measure over years) goes to Dash as it is.
  const PREVIEW = { pollutant: 0, measure: 1, scheme: 2, "map-type": 8 };
  document.addEventListener("click", function (e) {
    const input = e.target && e.target.closest ? e.target.closest("input[type=radio]") : null;
    const control = input && input.closest("[id]");
    const k = control ? PREVIEW[control.id] : undefined;
    const last = NS.lastView;
    if (k === undefined || !last || !window.dash_clientside || !window.dash_clientside.set_props) return;
    const args = last.args.slice();
    if (args[k] === input.value) return;
    args[k] = input.value;
    if (k === 0) {  // a pollutant: its measure as measureOptions will choose it
      const ms = last.store.measures[input.value] || [];
      if (ms.indexOf(args[1]) < 0) return;
    }
    if (((last.store.series || {})[args[0]] || {})[args[1]]) return;  // a measure over years: its year first
    const v = mapView(last.store, ...args);
    if (!v) return;
    e.stopPropagation();  // Dash hears of it below, after the paint; the radio button is checked as usual
    drawView(v);
    // Two frames: the one that paints the new colours, and one more, so that the frame after the click
    // is not held up behind Dash's long task either (a quick second click is answered in time too).
    const value = input.value;
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(function () {
        setTimeout(function () { window.dash_clientside.set_props(control.id, { value: value }); }, 0);
      });
    });
  }, true);

  const onlyCity = function (name) {
    const trig = (window.dash_clientside.callback_context.triggered || []).map(function (t) { return t.prop_id; });
    const only = built[name] && trig.length > 0 && trig.every(function (p) { return p === "city.data"; });
    built[name] = true;
    return only;
  };
  CS.lnmap = {
    // URL -> controls (on load, and on back/forward). The city goes through selectCity.
    fromUrl: function (search, store, ...current) {
      const v = parseQuery(search, store);
      const ind = store.indicators[v.indicator];
      const annual = ((store.series || {})[ind.group] || {})[ind.measure];
      const wanted = [ind.group, ind.measure, v.scheme, v.layers, v.lang, v.basemap, v.panel, v.region,
                      annual ? String(ind.year) : current[8], v.map_type];
      // Unchanged values are not set again, so loading a page sets off no callback it does not need.
      return wanted.map(function (w, k) {
        return JSON.stringify(w) === JSON.stringify(current[k]) ? noUpdate() : w;
      });
    },
    // Controls -> URL, with replaceState: no reload, no request, and dcc.Location is not re-triggered.
    toUrl: function (group, measure, scheme, city, layers, lang, basemap, panel, region, store, year, mapType) {
      const indicator = indicatorOf(store, group, measure, year) || store.defaults.indicator;
      const q = formatQuery({ indicator: indicator, scheme: scheme, city: city && city.adcode,
                              layers: layers || [], lang: lang, basemap: basemap, panel: panel, region: region,
                              dataset: store.dataset ? store.dataset.dataset_id : null,
                              plan: store.plan ? store.plan.name : null, map_type: mapType || "auto" });
      if (window.location.search !== q) window.history.replaceState(window.history.state, "", q);
      return q;
    },
    measureOptions: function (group, lang, store, measure) {
      const ms = store.measures[group] || [];
      const opts = ms.map(function (m) { return { label: lbl(store.i18n.measures, m, lang), value: m }; });
      // The same measure again is left alone: a value set again, even unchanged, would run every callback
      // that reads it (restyle, summaries, the URL, the years) a second time after each pollutant switch.
      const value = ms.indexOf(measure) >= 0 ? measure : ms[0];
      return [opts, value === measure ? noUpdate() : value];
    },
    // The table view: the 14 cities x every measure of the pollutant (for a measure over years: the year
    // picked), each column at its indicator's printed precision; dash_table sorts it in the browser.
    // Built only while its folded section is open (assets/ui.js reports the section's open state): a
    // closed table costs a switch nothing, and opening it builds it for the view on the map.
    tableView: function (group, lang, store, year, open) {
      if (!open) return noUpdate();
      const t = tableOf(store, group, lang, year);
      const columns = [{ name: tr(store, "table_city", lang), id: "city" }].concat(t.cols.map(function (c) {
        return { name: c.title, id: c.id, type: "numeric",
                 format: { specifier: ",." + c.ind.decimals + "f" } };
      }));
      const data = t.rows.map(function (r) {
        const row = { city: r.name, adcode: r.adcode };
        t.cols.forEach(function (c) { row[c.id] = c.ind.values[r.adcode]; });
        return row;
      });
      // The DataTable itself, made here (layout.TABLE_PROPS): its scripts load when it is first shown.
      return comp("DataTable", Object.assign({}, store.table_props, { columns: columns, data: data }), "dash_table");
    },
    // The same table as a CSV file (UTF-8 with a byte-order mark, so Excel reads the Chinese), values at
    // their printed precision without separators, then each column's source and formula.
    tableCsv: function (n, group, lang, store, year) {
      if (!n) return noUpdate();
      const t = tableOf(store, group, lang, year);
      const cell = function (v) {
        const s = v === null || v === undefined ? "" : String(v);
        return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
      };
      const lines = [[tr(store, "table_adcode", lang), tr(store, "table_city", lang)].concat(
        t.cols.map(function (c) { return c.title; })).map(cell).join(",")];
      t.rows.forEach(function (r) {
        lines.push([r.adcode, r.name].concat(t.cols.map(function (c) {
          const v = c.ind.values[r.adcode];
          return v === null || v === undefined || !isFinite(v) ? "" : Number(v).toFixed(c.ind.decimals);
        })).map(cell).join(","));
      });
      lines.push("", cell(tr(store, "table_sources", lang)));
      t.cols.forEach(function (c) {
        lines.push([c.title, c.ind["source_" + lang], c.ind["formula_" + lang] || ""].map(cell).join(","));
      });
      const name = "table_" + group + (t.year ? "_" + t.year : "") + (store.plan ? "_plan" : "") + "_" + lang + ".csv";
      return { content: "\ufeff" + lines.join("\r\n") + "\r\n", filename: name, type: "text/csv", base64: false };
    },
    // The years a measure over years has (store.series), newest first; hidden for the other measures.
    yearOptions: function (group, measure, lang, store, year) {
      const series = ((store.series || {})[group] || {})[measure];
      // An unchanged year is not set again (see measureOptions): it would restyle the map once more.
      if (!series) return [[], year === null || year === undefined ? noUpdate() : null, { display: "none" }];
      const years = Object.keys(series).sort().reverse();
      const opts = years.map(function (y) { return { label: lang === "zh" ? y + "年" : y, value: y }; });
      const value = years.indexOf(year) >= 0 ? year : years[0];
      return [opts, value === year ? noUpdate() : value, { display: "block" }];
    },
    restyle: function (group, measure, scheme, city, lang, panel, region, store, year, mapType, current) {
      const v = mapView(store, group, measure, scheme, city, lang, panel, region, year, mapType);
      if (!v) return [noUpdate(), noUpdate(), noUpdate(), noUpdate(), noUpdate(), noUpdate()];
      const indicator = v.indicator, mode = v.mode, vmax = v.vmax, symbols = v.symbols, h = v.h;
      const sel = city && city.adcode;
      NS.lastView = { store: store, args: [group, measure, scheme, city, lang, panel, region, year, mapType] };
      const ids = window.dash_clientside.callback_context.outputs_list[2].map(function (o) { return o.id; });
      const r = ranking(store, indicator, scheme, sel, lang, ids, mode);
      const classNames = ids.map(function (id) { return "rank-bar" + (r.order[id.index] === sel ? " selected" : ""); });
      window.lnmap.rankOrder = r.order;
      drawView(v);
      const same = JSON.stringify(h) === JSON.stringify(current);  // e.g. on load: the layout's own hideout
      // A click on a city changes only what marks the selection (the hideout, the bars' classes): the legend,
      // the bars' contents and the circles stay, so Dash does not mount them again while the panel renders.
      if (onlyCity("restyle")) return [same ? noUpdate() : h, noUpdate(), noUpdate(), noUpdate(), classNames, noUpdate()];
      return [same ? noUpdate() : h, legend(store, indicator, scheme, lang, mode, vmax, symbols.r_max), r.styles,
              r.children, classNames,
              symbols];
    },
    layers: function (layers, basemap, lang, current, store) {
      layers = layers || [];
      const bm = store.basemaps[basemap];
      const datum = bm ? bm.datum : "wgs84";
      const outs = window.dash_clientside.callback_context.outputs_list[0];
      // Only groups whose state changes are touched: the others keep their layers (no refetch, no redraw).
      const groups = outs.map(function (o, k) {
        const want = layers.indexOf(o.id.key) >= 0;
        const have = (current && current[k]) || [];
        if (!want) return have.length ? [] : noUpdate();
        const first = have.length ? have[0].props : null;
        const same = first && first.url && first.url.indexOf("/" + datum + "/") >= 0 &&
          (first.hideout || {}).lang === lang;
        return same ? noUpdate() : layerChildren(store, o.id.key, datum, lang);
      });
      const tiles = bm ? [comp("TileLayer", { url: bm.url, attribution: bm.attribution, maxZoom: bm.max_zoom,
                                              id: "basemap-tiles" }, "dash_leaflet")] : [];
      const note = tr(store, "datum_" + basemap, lang);
      // Legend of the outline and site layers in view.
      const items = [];
      store.region_ids.forEach(function (r) {
        if (layers.indexOf(r) < 0) return;
        const s = store.region_styles[r];
        items.push(comp("Div", { className: "legend-row", children: [
          comp("Span", { className: "line-swatch", style: { borderTop: "3px " + (s.dashArray ? "dashed" : "solid") + " " + s.color } }),
          comp("Span", { children: lbl(store.i18n.layers, r, lang) }) ] }));
      });
      if (items.length) {
        items.push(comp("Div", { className: "legend-row", children: [
          comp("Span", { className: "line-swatch partial-swatch" }),
          comp("Span", { children: tr(store, "partial", lang) }) ] }));
      }
      if (NS.extraLegend) items.push.apply(items, NS.extraLegend(store, layers, lang));  // assets/layers_extra.js
      NS.store = store;  // assets/ui.js words the notice of a basemap that cannot load
      NS.tilesFailed = false;
      return [groups, tiles, "/lnmap/geo/" + datum + "/cities.geojson?v=" + store.layer_version, note, items, null,
              "/lnmap/geo/" + datum + "/labels.geojson?v=" + store.layer_version];
    },
    translate: function (lang, store) {
      const i = store.i18n;
      // The page is built in the default language: on load in it, only what the layout lacks (the site
      // icons in the layer list, the observed note) is set; every text again would cost the first map time.
      const first = !NS.translated;
      NS.translated = true;
      const opts = function (table, keys) { return keys.map(function (k) { return { label: lbl(table, k, lang), value: k }; }); };
      const layerOpts = store.layers.map(function (k) {
        const site = store.site_layers.indexOf(k) >= 0;
        return { value: k, label: site ? comp("Span", { className: "layer-label", children: [
          comp("Img", { src: "data:image/svg+xml;utf8," + encodeURIComponent(glyph(k, 16)), className: "layer-icon", alt: "" }),
          lbl(i.layers, k, lang) ] }) : lbl(i.layers, k, lang) };
      });
      document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
      document.title = tr(store, "title", lang);
      const observedNote = tr(store, store.observed_loaded ? "observed_loaded" : "no_observed", lang);
      if (first && lang === store.defaults.lang) {
        return [noUpdate(), noUpdate(), noUpdate(), noUpdate(), layerOpts, noUpdate(), noUpdate(), observedNote];
      }
      const outs = window.dash_clientside.callback_context.outputs_list[0];
      return [outs.map(function (o) { return tr(store, o.id.key, lang); }),
        opts(i.pollutants, Object.keys(store.measures)),
        opts(i.schemes, store.schemes),
        opts(i.map_types, store.symbols.map_types),
        layerOpts,
        opts(i.basemaps, Object.keys(store.basemaps)),
        store.region_ids.map(function (r) { return { label: store.region_names[r][lang], value: r }; }),
        observedNote];
    },
    // Headline cards for the measure on the map, and the selected city's place in it (rank, share).
    summaries: function (group, measure, city, lang, panel, store, year) {
      NS.store = store;
      const id = indicatorOf(store, group, measure, year);
      if (!id) return [noUpdate(), noUpdate()];
      const ind = store.indicators[id];
      const unit = lang === "zh" ? ind.unit_zh : ind.unit_en;
      const name = function (a) { const c = store.cities[a] || {}; return lang === "zh" ? c.name_zh : c.name_en; };
      const have = Object.keys(ind.values).filter(function (a) { return ind.values[a] !== null; })
        .sort(function (a, b) { return ind.values[b] - ind.values[a] || (a < b ? -1 : 1); });
      const card = function (k, v, sub) {
        return comp("Div", { className: "card", children: [comp("Div", { className: "k", children: k }),
          comp("Div", { className: "v", children: v }), comp("Div", { className: "s", children: sub || "" })] });
      };
      const summable = ind.unit === "t" || ind.unit === "10kt_ce";
      const all = Object.keys(store.cities).every(function (a) { return ind.values[a] !== null && ind.values[a] !== undefined; });
      let total = 0;
      have.forEach(function (a) { total += ind.values[a]; });
      const cards = [];
      if (!have.length) {
        cards.push(card(tr(store, "no_data", lang), "—"));
      } else if (new Set(have.map(function (a) { return ind.values[a]; })).size === 1) {
        cards.push(card(lang === "zh" ? ind.name_zh : ind.name_en, tr(store, have.length === 1 ? "only_one" : "equal_all", lang)
          .replace("{n}", have.length).replace("{v}", num(ind.values[have[0]], ind) + " " + unit)));
      } else {
        // A sum (and a share of it) only when every city has a value: 3 cities' sum is not "the 14 cities' total".
        if (summable && all) cards.push(card(tr(store, "card_total", lang), num(total, ind) + " " + unit,
                                             tr(store, "card_total_note", lang)));
        if (!all) cards.push(card(tr(store, "card_coverage", lang), have.length + " / " + Object.keys(store.cities).length));
        cards.push(card(tr(store, "card_max", lang), name(have[0]), num(ind.values[have[0]], ind) + " " + unit));
        cards.push(card(tr(store, "card_min", lang), name(have[have.length - 1]),
                        num(ind.values[have[have.length - 1]], ind) + " " + unit));
        if (ind.measure === "progress") {
          const met = have.filter(function (a) { return ind.values[a] >= 100; }).length;
          cards.push(card(tr(store, "met", lang), tr(store, "n_met", lang).replace("{k}", met).replace("{n}", have.length)));
        }
      }
      let focus = null;
      const a = city && city.adcode;
      if (a && panel === "city" && ind.values.hasOwnProperty(a)) {
        const v = ind.values[a];
        const rank = have.indexOf(a) + 1;
        const facts = [];
        if (v !== null && rank > 0) facts.push(tr(store, "rank_of", lang).replace("{r}", rank).replace("{n}", have.length));
        if (v !== null && summable && all && total > 0) {
          facts.push(tr(store, "share_of_total", lang).replace("{p}", grouped((100 * v) / total, 1) + " %"));
        }
        focus = comp("Div", { className: "focus-box", children: [
          comp("Div", { className: "k", children: tr(store, "on_map", lang) + " · " + name(a) }),
          comp("Div", { className: "focus-name", children: lang === "zh" ? ind.name_zh : ind.name_en }),
          comp("Div", { className: "v", children: v === null ? tr(store, "no_data", lang) : num(v, ind) + " " + unit }),
          comp("Div", { className: "focus-facts", children: facts.join(" · ") }),
          ind["formula_" + lang] ? comp("Div", { className: "formula", children: ind["formula_" + lang] }) : null,
          comp("Div", { className: "cite", children: ind["source_" + lang] }),
        ].filter(Boolean) });
      }
      return [onlyCity("summaries") ? noUpdate() : cards, focus];  // the cards do not depend on the city
    },
    // What a link names that does not exist, named in a notice; the rest of the view opens.
    notice: function (search, store, datasetOptions, lang, planOptions) {
      const ctx = window.dash_clientside.callback_context;
      if ((ctx.triggered || []).some(function (t) { return t.prop_id === "dataset.options"; })) NS.datasetsLoaded = true;
      if ((ctx.triggered || []).some(function (t) { return t.prop_id === "plan.options"; })) NS.plansLoaded = true;
      const q = new URLSearchParams((search || "").replace(/^\?/, ""));
      const get = function (k) { const all = q.getAll(k); return all.length ? all[all.length - 1] : null; };
      const items = [];
      const say = function (key, v) { items.push(tr(store, "notice_" + key, lang).replace("{v}", v)); };
      const dataset = get("dataset");
      const known = (datasetOptions || []).map(function (o) { return o.value; });
      const datasetMissing = dataset && (!/^obs-\d{8}T\d{12}-[0-9a-f]{8}$/.test(dataset) ||
                                         (NS.datasetsLoaded && known.indexOf(dataset) < 0));
      if (datasetMissing) say("dataset", dataset);
      const ind = get("indicator");
      // An observed measure is known only once its dataset is in: wait for it before calling it unknown.
      const plan = get("plan");
      const plans = (planOptions || []).map(function (o) { return o.value; });
      const planMissing = plan && NS.plansLoaded && plans.indexOf(plan) < 0;
      if (planMissing) say("plan", plan);
      const waiting = (dataset && !datasetMissing && !store.dataset) || (plan && !planMissing && !store.plan);
      if (ind !== null && !store.indicators[ind] && !waiting) say("indicator", ind);
      if (get("layers")) {
        get("layers").split(",").forEach(function (k) { if (k && store.layers.indexOf(k) < 0) say("layer", k); });
      }
      if (get("city") && !resolveCity(get("city"), store.cities)) say("city", get("city"));
      if (get("scheme") !== null && store.schemes.indexOf(get("scheme")) < 0) say("scheme", get("scheme"));
      [["basemap", Object.keys(store.basemaps)], ["panel", ["city", "region", "province"]], ["region", store.region_ids],
       ["lang", ["zh", "en"]]].forEach(function (p) {
        const v = get(p[0]);
        if (v !== null && p[1].indexOf(v) < 0) items.push(tr(store, "notice_other", lang).replace("{k}", p[0]).replace("{v}", v));
      });
      if (!items.length) return null;
      return [comp("B", { children: tr(store, "notice_unknown", lang) }),
              comp("Ul", { children: items.map(function (i) { return comp("Li", { children: i }); }) })];
    },
    // The search box: any spelling the gazetteer knows (沈阳, 沈阳市, Shenyang, 210100, a county) selects its city.
    search: function (text, lang, store) {
      if (!text || !text.trim()) return null;
      const key = text.normalize("NFKC").replace(/[\s\u3000]+/g, "").toLowerCase();
      const a = (store.city_aliases || {})[key];
      if (!a || !store.cities[a]) return tr(store, "search_none", lang).replace("{q}", text.trim());
      NS.pickCity(a);
      const c = store.cities[a];
      return tr(store, "search_found", lang).replace("{name}", lang === "zh" ? c.name_zh : c.name_en);
    },
    // The view tabs: a click picks the view; the view marks its tab (only the selected tab is in the Tab order).
    tabClick: function () {
      const trig = window.dash_clientside.callback_context.triggered_id;
      return trig && trig.key ? trig.key : noUpdate();
    },
    tabState: function (panel) {
      const ids = window.dash_clientside.callback_context.outputs_list[0].map(function (o) { return o.id.key; });
      return [ids.map(function (k) { return "tab" + (k === panel ? " selected" : ""); }),
              ids.map(function (k) { return k === panel ? "true" : "false"; }),
              ids.map(function (k) { return k === panel ? 0 : -1; })];
    },
    // A click on a city while the region or province view is open shows that city.
    cityPanel: function (city, panel) {
      return city && city.src === "click" && city.adcode && panel !== "city" ? "city" : noUpdate();
    },
    // Whether the other-plans layer is on, as its own value, so other layer toggles cost no request.
    showOther: function (layers, current) {
      const on = (layers || []).indexOf("other_plans") >= 0;
      return on === current ? noUpdate() : on;
    },
    // One place decides the selected city: the URL on load, a click on a city (n_clicks, so the same
    // city twice still counts), a ranking bar. The counter makes every click a new value.
    selectCity: function (search, areaClicks, rankClicks, areaData, store, current) {
      const ctx = window.dash_clientside.callback_context;
      const n = ((current && current.n) || 0) + 1;
      const trig = ctx.triggered_id;
      if (!trig || trig === "url") {
        const v = parseQuery(search, store);
        if (!v.city && !(current && current.adcode)) return noUpdate();
        return { adcode: v.city, n: n, src: "url" };
      }
      if (trig.type === "rank") {
        const a = (window.lnmap.rankOrder || [])[trig.index];
        return a ? { adcode: a, n: n, src: "click" } : noUpdate();
      }
      if (trig.type === "area") {
        const ids = ctx.inputs_list[1].map(function (o) { return o.id; });
        const k = ids.findIndex(function (id) { return id.key === trig.key; });
        const data = areaData[k];
        const a = data && data.properties && data.properties.adcode;
        if (!a) return noUpdate();
        return { adcode: a, n: n, src: "click" };
      }
      return noUpdate();
    },
  };
  // ------------------------------------------------------------------ the first frame (dashboard/preview.py)
  // The index page carries the cities' outlines and the values of the view its link asks for. They are
  // drawn as soon as this file runs, before Dash and Leaflet have started, with the functions Leaflet's
  // layers use (mapView, cityLook, circleOf). Until Leaflet's map exists they fill the part of the window
  // the map will take (style.css); then they lie under Leaflet's panes at the view refit() will choose, so
  // Leaflet paints over them in place; each part goes in the frame Leaflet paints its own.
  const FIRST = { el: null, data: null, v: null, map: null, at: "", since: 0, pick: null, userMoved: false, start: 0,
                  input: -1e9 };
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
  const firstTick = guarded(function () {
    if (!FIRST.el) return;
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
    if (parts.every(function (p) { return p[1]; }) || (FIRST.since && performance.now() - FIRST.since > 5000)) {
      firstGone();
      return;
    }
    firstPaint();
    parts.forEach(function (p) {
      const el = FIRST.el.querySelector(p[0]);
      if (el && p[1]) el.style.display = "none";
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
    firstPaint();
    // Leaflet's GeoJSON, into the browser's cache now: dash-leaflet asks for it only once Dash has rendered.
    (d.fetch || []).forEach(function (u) {
      fetch(u, { credentials: "same-origin" }).then(function (r) { return r.arrayBuffer(); }).catch(function () {});
    });
    window.requestAnimationFrame(firstTick);
  });
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
    if (booted) {  // the map is up already (a layer still coming kept the first frame): open it now
      NS.pickCity(FIRST.pick);
      FIRST.pick = null;
    }
  }), true);
  // A switch made before Leaflet has drawn the cities: the first frame shows it too.
  NS.firstFrameView = guarded(function (v) {
    if (!FIRST.el || !v) return;
    // A city clicked in the first frame stays outlined until its panel opens (Dash's first view has none).
    FIRST.v = FIRST.pick ? Object.assign({}, v, { h: Object.assign({}, v.h, { selected: FIRST.pick }) }) : v;
    firstPaint();
  });
  firstFrame();
})();
