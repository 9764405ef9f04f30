/* 辽宁减污降碳指标地图 — map functions and clientside callbacks.
 *
 * This file: the shared functions: formats, classes, the city choropleth and circles, the boot, the fit,
 * the view state (twins of dashboard/state.py) and the legend.
 * The four map_*.js files run in this order (Dash serves assets alphabetically) and share their
 * functions through window.lnmap.parts.
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
  const PARTS = (NS.parts = NS.parts || {});

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
  // with thousands separators; twin of geo.core.vocabulary.fmt_number.
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
    if (FIRST.el && NS.beforeCities) NS.beforeCities();  // the first frame's view, before Leaflet draws a city
    return cityLook(latest(context), feature.properties.adcode);
  };
  // A city's style under the hideout ``h`` (the cities' layer and the first frame).
  function cityLook(h, a) {
    const sel = h.selected === a;
    // The county level: the cities are only their outlines, over the counties (a press inside goes to a county).
    if (h.outline) return { fill: false, fillOpacity: 0, color: "#333", weight: 1.6, opacity: 0.9, dashArray: null,
                            className: "lnmap-city" };
    const v = h.values ? h.values[a] : null;
    const style = {
      fill: true, fillColor: h.symbols ? h.symbols : colourOf(v, h), fillOpacity: 0.88, color: sel ? "#111" : "#ffffff",
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
  // Under a CO2 inventory's number, the inventory, year, method and licence (the store's tip_zh / tip_en).
  function tipSource(h) {
    const ind = NS.store && h.indicator ? NS.store.indicators[h.indicator] : null;
    const tip = ind && ind["tip_" + h.lang];
    return tip ? '<br><span class="tip-source">' + tip.split("\n").map(esc).join("<br>") + "</span>" : "";
  }
  // A place's outline as a button (the cities', the counties'): in the Tab order, named for screen readers,
  // Enter or Space selects it; its adcode is where a press on it (below) finds the place.
  function asButton(layer, adcode, label) {
    const el = layer._path;
    if (!el) return;
    el.setAttribute("aria-label", label);
    el.dataset.adcode = adcode;
    if (el.dataset.kb) return;
    el.dataset.kb = "1";
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "button");
    L.DomEvent.on(el, "keydown", function (e) {
      if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") {
        L.DomEvent.preventDefault(e);
        NS.pickCity(adcode);
      }
    });
  }
  NS.cityTooltip = function (feature, layer, context) {
    const h = latest(context);
    const p = feature.properties;
    const name = h.lang === "en" ? p.name_en : p.name_zh;
    const v = h.values ? h.values[p.adcode] : null;
    const shown = v === null || v === undefined ? null : grouped(v, h.decimals === undefined ? 2 : h.decimals);
    const text = shown === null ? (h.lang === "en" ? "no data" : "无数据") : shown + " " + (h.unit || "");
    layer.bindTooltip("<b>" + esc(name) + "</b><br>" + esc(text) + tipSource(h), { sticky: true, className: "lnmap-tip" });
    const label = name + "：" + text;
    const keyboard = function () { asButton(layer, p.adcode, label); };
    keyboard();
    layer.on("add", function () { keyboard(); watch(layer._map); bootSoon(); });
  };
  // A press and a release on one city select it (read from the pointer events, below), not dash-leaflet's
  // n_clicks: the cities are drawn (from the file the first frame read) while Dash's first callbacks still run,
  // and on a busy machine Chromium then sent no click at all for some presses on a city (pointerdown and
  // pointerup on the same path, nothing moved, no click event: 2 to 5 of 8 page loads under load).
  let press = null;
  document.addEventListener("pointerdown", function (e) {
    const el = e.target;
    press = e.isPrimary && e.button === 0 && el && el.dataset && el.dataset.adcode &&
      (el.classList.contains("lnmap-city") || el.classList.contains("lnmap-county"))
      ? { el: el, x: e.clientX, y: e.clientY, t: performance.now() } : null;
  }, true);
  document.addEventListener("pointerup", function (e) {
    const p = press;
    press = null;
    // The same city, not a drag (Leaflet pans from 3 px on), not a long press.
    if (!p || e.target !== p.el || Math.hypot(e.clientX - p.x, e.clientY - p.y) > 3 || performance.now() - p.t > 1500) return;
    NS.pickCity(p.el.dataset.adcode);
  }, true);
  // Select a city (a press on it, the keyboard, the search box, the first frame): the store selectCity also sets.
  // Until the page's first server round is over (ready, below) it is kept in FIRST.pick and opened then: Dash
  // drops a city panel asked for while the answers to "boot" (the datasets, the account box) are coming. The same
  // city twice within 300 ms is one pick (the first frame and Leaflet's city under it both hear one click).
  let lastPick = { adcode: null, at: -1e9 };
  NS.pickCity = function (adcode) {
    const dc = window.dash_clientside;
    if (!ready || !dc || !dc.set_props) {
      FIRST.pick = adcode;
      return;
    }
    const now = performance.now();
    if (lastPick.adcode === adcode && now - lastPick.at < 300) return;
    lastPick = { adcode: adcode, at: now };
    dc.set_props("city", { data: { adcode: adcode, n: Date.now(), src: "click" } });
  };

  // ------------------------------------------------------------------ proportional circles (geo.core.symbols)
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
      } else if (l.feature && el.classList.contains("lnmap-county") && NS.countyLevelStyle) {
        l.setStyle(NS.countyLevelStyle(l.feature));
      } else if (l.options.county && el.classList.contains("lnmap-symbol") && NS.countyLevelCircle) {
        const c = NS.countyLevelCircle(l.options.adcode);
        l.setRadius(c.r || 0.001);
        l.setStyle({ fillColor: c.fillColor, opacity: c.r ? 1 : 0, fillOpacity: c.r ? c.fillOpacity : 0 });
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
  // "auto": totals (t, 10⁴ t standard coal) as circles, the rest as colours (twin of geo.core.symbols.resolve_map_type).
  function mapTypeOf(store, ind, mapType) {
    if (mapType === "choropleth" || mapType === "symbols") return mapType;
    return (store.symbols.units || []).indexOf(ind.unit) >= 0 ? "symbols" : "choropleth";
  }
  // Round values for the size legend (twin of geo.core.symbols.legend_values).
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
  let booted = false, ready = false;
  function bootNow() {
    if (booted) return;
    const dc = window.dash_clientside;
    if (!dc || !dc.set_props || !document.getElementById("controls")) {
      setTimeout(bootNow, 100);  // Dash has not put the page up yet (a Store has no element: look for the controls)
      return;
    }
    booted = true;
    dc.set_props("boot", { data: 1 });
    setTimeout(NS.markReady, 8000);  // the datasets' answer never came (a server error, shown on screen)
  }
  // The answers to "boot" are in (the clientside callback "ready" in map_3_panel.js): a city clicked before, in
  // the first frame or on Leaflet's map, opens now.
  NS.markReady = function () {
    if (ready || !booted) return;
    ready = true;
    if (FIRST.pick) {
      const a = FIRST.pick;
      FIRST.pick = null;
      NS.pickCity(a);
    }
  };
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


  // ------------------------------------------------------------------ view state (twins of state.py)
  function resolveCity(text, cities, counties) {
    if (!text) return null;
    text = text.trim();
    // A county by its code only (names repeat): one of the store's, or before the store has them (they come with
    // the CO2 inventories) any code of a county of Liaoning (twin of dashboard/state.py resolve_city).
    if (cities[text] || (counties ? counties[text] : /^21\d\d(?!00)\d\d$/.test(text))) return text;
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
                   basemap: d.basemap, panel: d.panel, region: d.region, map_type: d.map_type || "auto",
                   level: d.level || "city" };
    const get = function (k) { const all = q.getAll(k); return all.length ? all[all.length - 1] : null; };
    if (store.indicators[get("indicator")]) view.indicator = get("indicator");
    if (store.schemes.indexOf(get("scheme")) >= 0) view.scheme = get("scheme");
    view.city = resolveCity(get("city"), store.cities, store.counties);
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
    if (["city", "county"].indexOf(get("level")) >= 0) view.level = get("level");
    view.plan = get("plan") && get("plan").length <= 64 ? get("plan") : null;
    return view;
  }
  function formatQuery(v) {
    const parts = [["indicator", v.indicator], ["scheme", v.scheme]];
    if (v.city) parts.push(["city", v.city]);
    parts.push(["layers", v.layers.join(",")], ["lang", v.lang], ["basemap", v.basemap], ["panel", v.panel],
               ["region", v.region]);
    if (v.map_type && v.map_type !== "auto") parts.push(["map_type", v.map_type]);
    if (v.level && v.level !== "city") parts.push(["level", v.level]);
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
  // Twins of geo.core.vocabulary.decimals_for and legend_labels: a briefing's decimals for class bounds, and
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
    const notes = [mode === "symbols" ? comp("Div", { className: "legend-note",
                                                      children: tr(store, store.level === "county" ? "symbols_note_counties" : "symbols_note", lang) })
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

  // The first frame's state (map_4_first_frame.js): read by the boot and the fit above.
  const FIRST = { el: null, data: null, v: null, map: null, at: "", since: 0, pick: null, userMoved: false, start: 0,
                  input: -1e9 };
  function isReady() { return ready; }
  Object.assign(PARTS, { FIRST, asButton, bootNow, tipSource, circleOf, cityLook, comp, drawNow, esc, fit, formatQuery, freeRect, grouped,
                          hideout, indicatorOf, isReady, lbl, legend, mapTypeOf, num, parseQuery, ranking, refit,
                          resolveCity, symbolScale, tableOf, tr, watch });
})();
