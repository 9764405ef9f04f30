/* 辽宁减污降碳指标地图 — the county and power-plant layers.
 *
 * window.lnmap.countyLineStyle, countyStyle, countyTooltip   the county layer (key "counties"): thin grey
 *     county borders inside the cities, and the counties a designation names, hatched with a dashed
 *     outline and a tooltip naming the county, its designation(s) and their citation.
 * window.lnmap.plantMarker, plantPopup                         the power-plant layer (key "plants"):
 *     circles whose area is proportional to the capacity, drawn by fuel so they read without colour.
 * window.lnmap.co2Marker, co2Popup                             the CO2 sources layer (key "co2_assets"): the sites
 *     of the asset lists in the store, one symbol each, its shape and colour by sector group and its area ∝ t CO2
 *     (a site of another gas small and hollow, a sink dashed); the inventories' citations and how many sites
 *     there are come from the layer's status (a small JSON the hideout names, read when the layer is shown).
 * window.lnmap.extraLegend                                     their rows of the layer legend (map_3_panel.js
 *     `layers` callback), with the size legend and the data's attribution.
 * Everything they print comes in the GeoJSON's hideout (dashboard/layers.py extra_layer_props), in both
 * languages; hideout.lang picks one.
 */
(function () {
  "use strict";
  const NS = (window.lnmap = window.lnmap || {});
  const PLANTS_PANE = "lnmap-plants";
  const HATCH = "lnmap-hatch";

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function hide(context) { return (context && context.hideout) || {}; }
  function words(h) { return ((h.words || {})[h.lang === "en" ? "en" : "zh"]) || {}; }
  // The data's attribution in the page's language (the plants' hideout holds it once).
  function attribution(h) { return (words(h).attribution_lead || "") + (h.attribution || ""); }
  function comp(type, props, ns) {
    return { type: type, namespace: ns || "dash_html_components", props: props || {} };
  }
  function mw(v) {
    return Number(v).toLocaleString("en-US", { maximumFractionDigits: 1 }) + " MW";
  }

  // ------------------------------------------------------------------ counties
  // The hatch of a named county: thin diagonal lines, see-through, so the city's colour still shows.
  function ensureHatch() {  // NS.svgPattern: map_2_layers.js (loaded by the time a layer is drawn)
    NS.svgPattern(HATCH, 6, 45, '<line x1="0" y1="0" x2="0" y2="6" stroke="#1a1a1a" stroke-width="1.3" stroke-opacity="0.6"/>');
  }
  NS.countyLineStyle = function () {
    return { color: "#555555", weight: 0.9, opacity: 0.85, fill: false, interactive: false,
             className: "lnmap-county-line" };
  };
  NS.countyStyle = function () {
    ensureHatch();
    return { color: "#1a1a1a", weight: 2, opacity: 0.9, dashArray: "5 3", fill: true,
             fillColor: "url(#" + HATCH + ")", fillOpacity: 1, className: "lnmap-county lnmap-county-marked" };
  };
  NS.countyTooltip = function (feature, layer, context) {
    const p = feature.properties;
    const en = hide(context).lang === "en";
    let html = "<b>" + esc(en ? p.name_en : p.name_zh) + "</b>" +
      (en ? " (" + esc(p.city_en) + ")" : "（" + esc(p.city_zh) + "）");
    (p.designations || []).forEach(function (d) {
      html += '<div class="lnmap-county-des">' + esc(en ? d.en : d.zh) +
        '<br><span class="cite"' + (en ? ' lang="zh-CN"' : "") + ">" + esc(en ? d.cite_en : d.cite_zh) + "</span></div>";
    });
    layer.bindTooltip(html, { sticky: true, className: "lnmap-tip lnmap-county-tip" });
    // The county lies over its city: a click on it selects the city, as a click on the city would.
    layer.on("click", function () { if (NS.pickCity) NS.pickCity(p.parent_adcode); });
  };

  // ------------------------------------------------------------------ power plants
  // A fuel's style (dashboard/layers.py PLANT_DRAW); the hideout holds every fuel the layer has.
  function fuelOf(h, fuel) {
    return (h.fuels || {})[fuel] || { zh: fuel, en: fuel, fillColor: "#999999", color: "#999999", fillOpacity: 0.3, weight: 1.5 };
  }
  NS.plantMarker = function (feature, latlng, context) {
    const h = hide(context);
    const p = feature.properties;
    const s = fuelOf(h, p.fuel);
    const known = p.radius_px !== null && p.radius_px !== undefined;
    const map = context && context.map;
    const pane = map && map.getPane && map.getPane(PLANTS_PANE) ? PLANTS_PANE : "overlayPane";
    const marker = L.circleMarker(latlng, {
      pane: pane,
      radius: known ? p.radius_px : 3,
      fillColor: s.fillColor, fillOpacity: s.fillOpacity, color: s.color, weight: s.weight,
      dashArray: known ? s.dashArray || null : "2 2", opacity: 1,
      // Leaflet shows a layer's attribution while it is on the map (counted per layer, so it goes with the last
      // plant); dash-leaflet does not pass a GeoJSON's own attribution on.
      attribution: esc(attribution(h)),
      className: "lnmap-plant lnmap-plant-" + String(p.fuel || "other").replace(/\W+/g, "_").toLowerCase(),
    });
    // A dot on the plant's own location: a plant's circle stands on a point, unlike the cities' total circles.
    if (!known || p.radius_px < 5) return marker;
    const dot = L.circleMarker(latlng, { pane: pane, radius: 1.6, stroke: false, fillColor: "#111111", fillOpacity: 0.9,
                                         interactive: false, className: "lnmap-plant-dot" });
    return L.featureGroup([marker, dot]);
  };
  NS.plantPopup = function (feature, layer, context) {
    const h = hide(context);
    const w = words(h);
    const en = h.lang === "en";
    const p = feature.properties;
    const s = fuelOf(h, p.fuel);
    const cap = p.capacity_mw === null || p.capacity_mw === undefined ? w.not_given : mw(p.capacity_mw);
    const placed = p.placement === "border_decision" ? w.plant_border : w.plant_inside;
    const city = en ? p.city_en : p.city_zh;
    const rows = [
      [w.plant_fuel, en ? s.en : s.zh],
      [w.plant_capacity, cap],
      [w.plant_year, p.commissioning_year || w.not_given],
      [w.plant_city, city],
      [w.plant_placed, placed],
    ];
    if (p.placement_note) rows.push([w.plant_reason, p.placement_note]);
    rows.push([w.plant_source, p.source || w.not_given], [w.plant_coords, p.geolocation_source || w.not_given]);
    let html = '<div class="lnmap-popup lnmap-plant-popup"><b lang="en">' + esc(p.name_en) + "</b><table>";
    rows.forEach(function (r) { html += "<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>"; });
    if (/^https?:\/\//.test(p.url || "")) {
      html += '<tr><th></th><td><a href="' + esc(p.url) + '" target="_blank" rel="noopener noreferrer">' +
        esc(p.url.replace(/^https?:\/\/(www\.)?/, "").split("/")[0]) + "</a></td></tr>";
    }
    html += '</table><div class="cite">' + esc(attribution(h)) + "</div>" +
      '<div class="cite">' + esc(w.data_age) + "</div></div>";
    layer.bindPopup(html, { maxWidth: 320 });
    layer.bindTooltip(esc(p.name_en) + " · " + esc(en ? s.en : s.zh) + " · " + esc(cap),
                      { direction: "top", className: "lnmap-tip" });
  };

  // ------------------------------------------------------------------ CO2 sources (asset lists)
  const CO2_PANE = "lnmap-co2-assets";
  // Unit outlines of the shapes, centred on 0,0 (y down); each is scaled to the area of the circle of the site's
  // radius (dashboard/layers.py co2_radius), so every shape of one tonnage covers as much of the map.
  function regular(n, turn, inner) {
    const pts = [];
    const k = inner ? 2 * n : n;
    for (let i = 0; i < k; i++) {
      const a = turn + (2 * Math.PI * i) / k - Math.PI / 2;
      const r = inner && i % 2 ? inner : 1;
      pts.push([r * Math.cos(a), r * Math.sin(a)]);
    }
    return pts;
  }
  const UNIT = {
    square: [[-1, -1], [1, -1], [1, 1], [-1, 1]],
    diamond: [[0, -1], [1, 0], [0, 1], [-1, 0]],
    triangle: regular(3, 0),
    triangle_down: regular(3, Math.PI),
    pentagon: regular(5, 0),
    hexagon: regular(6, Math.PI / 6),
    star: regular(5, 0, 0.5),
    plus: [[-1, -3], [1, -3], [1, -1], [3, -1], [3, 1], [1, 1], [1, 3], [-1, 3], [-1, 1], [-3, 1], [-3, -1], [-1, -1]],
  };
  const SCALE = {};  // the factor that gives a unit outline the area π (a circle of radius 1)
  Object.keys(UNIT).forEach(function (k) {
    const p = UNIT[k];
    let a = 0;
    for (let i = 0; i < p.length; i++) {
      const q = p[(i + 1) % p.length];
      a += p[i][0] * q[1] - q[0] * p[i][1];
    }
    SCALE[k] = Math.sqrt(Math.PI / Math.abs(a / 2));
  });
  // An SVG path of ``shape`` at x, y with the area of a circle of radius r.
  function shapePath(shape, x, y, r) {
    const p = UNIT[shape];
    if (!p) {
      return "M" + (x - r) + "," + y + "a" + r + "," + r + " 0 1,0 " + 2 * r + ",0a" + r + "," + r + " 0 1,0 " + -2 * r + ",0z";
    }
    const s = SCALE[shape] * r;
    return p.map(function (q, i) {
      return (i ? "L" : "M") + (x + s * q[0]).toFixed(2) + "," + (y + s * q[1]).toFixed(2);
    }).join("") + "z";
  }
  function shapeOf(h, group) {
    return (h.groups || {})[group] || (h.groups || {}).other || { zh: group, en: group, color: "#9e9e9e", shape: "hexagon" };
  }
  // A circle marker drawn as another shape (SVG renderer); any other renderer draws the circle.
  let ShapeMarker = null;
  function shapeMarker(latlng, options) {
    if (!ShapeMarker) {
      ShapeMarker = L.CircleMarker.extend({
        _updatePath: function () {
          const shape = this.options.shape;
          if (!this._renderer._setPath || !UNIT[shape]) return L.CircleMarker.prototype._updatePath.call(this);
          if (this._empty()) return this._renderer._setPath(this, "M0 0");
          this._renderer._setPath(this, shapePath(shape, this._point.x, this._point.y, this._radius));
        },
        _updateBounds: function () {  // the corners of a star or triangle reach past the circle's radius
          L.CircleMarker.prototype._updateBounds.call(this);
          const r = this._radius * (UNIT[this.options.shape] ? 1.7 : 1) + this._clickTolerance();
          this._pxBounds = L.bounds(this._point.subtract([r, r]), this._point.add([r, r]));
        },
      });
    }
    return new ShapeMarker(latlng, options);
  }
  function symbolStyle(s, p) {
    const co2 = p.co2_t !== null && p.co2_t !== undefined;
    if (p.group === "sink") {
      return { fillColor: "#ffffff", fillOpacity: 0.55, color: s.color, weight: 2, dashArray: "3 2", opacity: 1 };
    }
    if (!co2) return { fillColor: s.color, fillOpacity: 0, color: s.color, weight: 1.5, dashArray: null, opacity: 1 };
    return { fillColor: s.color, fillOpacity: 0.78, color: "#1a1a1a", weight: 0.7, dashArray: null, opacity: 0.9 };
  }
  NS.co2Marker = function (feature, latlng, context) {
    const h = hide(context);
    const p = feature.properties;
    const s = shapeOf(h, p.group);
    const map = context && context.map;
    if (map && map.getPane && !map.getPane(CO2_PANE)) map.createPane(CO2_PANE);
    return shapeMarker(latlng, Object.assign({
      pane: map && map.getPane && map.getPane(CO2_PANE) ? CO2_PANE : "overlayPane",
      radius: p.r || h.other_gas_r || 3, shape: s.shape,
      className: "lnmap-co2 lnmap-co2-" + String(p.group || "other").replace(/\W+/g, "_"),
    }, symbolStyle(s, p)));
  };

  // The layer's status (dashboard/layers.py co2_status): the inventories and their citations, the counts, the
  // places' names. Read again each time the legend is drawn, so an import shows without a reload (a 304 if none).
  let co2Status = null;
  let co2Pending = null;
  function loadStatus(url) {
    if (co2Pending) return co2Pending;
    co2Pending = fetch(url, { credentials: "same-origin", cache: "no-cache" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(String(r.status))); })
      .then(function (st) { co2Status = st; return st; },
            function () { co2Status = co2Status || { unavailable: true, inventories: [], groups: [], places: {} }; return co2Status; })
      .then(function (st) { co2Pending = null; fillCo2Legends(); return st; });
    return co2Pending;
  }
  function tonnes(v, w) {
    return Number(v).toLocaleString("en-US", { maximumFractionDigits: 1 }) + " " + (w.co2_tonne || "t");
  }
  function count(n) { return Number(n).toLocaleString("en-US"); }
  // Text the user's file gave (a sector, an inventory's name): marked Chinese where it is, so the English
  // screen reads it as a quotation.
  function given(s) {
    return /[\u3400-\u9fff]/.test(String(s || "")) ? '<span lang="zh-CN">' + esc(s) + "</span>" : esc(s);
  }
  function placeName(st, code, en) {
    const n = ((st && st.places) || {})[code];
    return n ? (en ? n[1] : n[0]) : "";
  }
  function inventoryOf(st, name) {
    return ((st && st.inventories) || []).filter(function (i) { return i.name === name; })[0];
  }
  function co2PopupHtml(h, p) {
    const w = words(h);
    const en = h.lang === "en";
    const s = shapeOf(h, p.group);
    const st = co2Status;
    const inv = inventoryOf(st, p.inventory);
    const county = placeName(st, p.county, en), city = placeName(st, p.city, en);
    const place = county && city ? (en ? county + ", " + city : city + county) : county || city;
    const co2 = p.co2_t === null || p.co2_t === undefined ? w.co2_not_counted : tonnes(p.co2_t, w);
    const rows = [
      [w.co2_inventory, given(p.inventory)],
      [w.co2_year, inv ? esc(inv.year) : ""],
      [w.co2_sector, p.sector ? given(p.sector) : esc(w.not_given)],
      [w.co2_group, esc(en ? s.en : s.zh)],
      [w.co2_gas, given(p.gas)],
      [w.co2_tonnes, esc(tonnes(p.tonnes, w))],
      [w.co2_t, esc(co2)],
      [w.co2_place, esc(place)],
    ];
    let html = '<div class="lnmap-popup lnmap-co2-popup"><b>' + esc(en ? s.en : s.zh) + "</b><table>";
    rows.forEach(function (r) {
      if (r[1]) html += "<tr><th>" + esc(r[0]) + "</th><td>" + r[1] + "</td></tr>";
    });
    html += "</table>";
    if (inv) html += '<div class="cite">' + given(en ? inv.cite_en : inv.cite_zh) + "</div>";
    return html + "</div>";
  }
  NS.co2Popup = function (feature, layer, context) {
    const h = hide(context);
    const p = feature.properties;
    layer.bindPopup(function () {
      if (!co2Status && h.status) {  // the legend has not read the status yet: show what the site has, then the rest
        loadStatus(h.status).then(function () {
          if (layer.getPopup()) layer.getPopup().setContent(co2PopupHtml(h, p));
        });
      }
      return co2PopupHtml(h, p);
    }, { maxWidth: Math.max(200, Math.min(320, window.innerWidth - 120)),  // a phone: all of it in view,
         autoPanPaddingTopLeft: [52, 10] });  // clear of the zoom and full-screen buttons
    layer.bindTooltip(function () {
      const w = words(h);
      const s = shapeOf(h, p.group);
      const v = p.co2_t === null || p.co2_t === undefined ? esc(p.gas) + " " + tonnes(p.tonnes, w) : tonnes(p.co2_t, w) + " CO2";
      return esc(h.lang === "en" ? s.en : s.zh) + " · " + esc(v);
    }, { direction: "top", className: "lnmap-tip" });
  };

  // A legend swatch of a group: its shape as an inline SVG.
  function swatch(s, hollow) {
    const r = 5.2;
    const st = s.shape === "ring" ? 'fill="#fff" stroke="' + s.color + '" stroke-width="1.6" stroke-dasharray="2.5 1.5"'
      : hollow ? 'fill="none" stroke="' + s.color + '" stroke-width="1.4"'
        : 'fill="' + s.color + '" fill-opacity="0.85" stroke="#1a1a1a" stroke-width="0.7"';
    return '<svg class="co2-swatch" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><path d="' +
      shapePath(s.shape, 8, 8, hollow ? 3.5 : r) + '" ' + st + "/></svg>";
  }
  // The legend's part that depends on the store: filled into the empty box extraLegend gives (Dash renders the
  // box; its contents are set here, once the status is read, and again whenever Dash makes a new box).
  function co2LegendHtml(h, lang, st) {
    const w = words({ words: h.words, lang: lang });
    if (!st) return '<div class="legend-note">' + esc(w.co2_loading) + "</div>";
    if (st.unavailable) return '<div class="legend-note">' + esc(w.co2_unavailable) + "</div>";
    if (!(st.inventories || []).length) return '<div class="legend-note co2-none">' + esc(w.co2_none) + "</div>";
    let html = '<div class="co2-groups">';
    (st.groups || []).forEach(function (g) {
      const s = shapeOf(h, g);
      html += '<span class="co2-group">' + swatch(s) + esc(lang === "en" ? s.en : s.zh) + "</span>";
    });
    html += "</div>";
    html += '<div class="plant-sizes co2-sizes">';
    (h.sizes || []).forEach(function (z) {
      const d = 2 * z[2];
      html += '<span class="plant-size"><span class="plant-size-circle" style="width:' + d + "px;height:" + d +
        'px"></span><span>' + esc(lang === "en" ? z[1] : z[0]) + "</span></span>";
    });
    html += "</div>";
    html += '<div class="legend-note">' + esc(w.co2_small) + "</div>";
    if (st.other_gas) {
      html += '<div class="legend-note co2-other-gas">' + swatch({ shape: "circle", color: "#555555" }, true) +
        esc(w.co2_other_gas) + "</div>";
    }
    const counted = st.total > st.shown ? w.co2_capped.replace("{shown}", count(st.shown)).replace("{total}", count(st.total))
      : w.co2_count.replace("{n}", count(st.total));
    html += '<div class="legend-note co2-count">' + esc(counted) + "</div>";
    st.inventories.forEach(function (inv) {
      html += '<div class="legend-note co2-cite">' + given(lang === "en" ? inv.cite_en : inv.cite_zh) + "</div>";
    });
    return html;
  }
  function fillCo2Legends() {
    document.querySelectorAll(".co2-legend").forEach(function (el) {
      const h = NS.co2Hideout || {};
      const lang = el.getAttribute("data-lang") === "en" ? "en" : "zh";
      const key = lang + "|" + (co2Status ? JSON.stringify([co2Status.total, co2Status.shown, co2Status.inventories]) : "");
      if (el.lnmapFilled === key) return;
      el.lnmapFilled = key;
      el.innerHTML = co2LegendHtml(h, lang, co2Status);
    });
  }
  // Dash puts the legend's box in the page a few frames after the callback returns: fill it when it comes.
  function fillSoon(frames) {
    fillCo2Legends();
    const el = document.querySelector(".co2-legend");
    if (frames > 0 && (!el || !el.lnmapFilled)) requestAnimationFrame(function () { fillSoon(frames - 1); });
  }

  // ------------------------------------------------------------------ legend rows (map_3_panel.js `layers` callback)
  function rgba(hex, a) {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
    if (!m) return hex;
    return "rgba(" + parseInt(m[1], 16) + "," + parseInt(m[2], 16) + "," + parseInt(m[3], 16) + "," + a + ")";
  }
  function borderOf(s) {
    const dash = s.dashArray || "";
    const kind = !dash ? "solid" : /^1 /.test(dash) ? "dotted" : "dashed";
    return Math.max(1, Math.round(s.weight)) + "px " + kind + " " + s.color;
  }
  // The hideout of a layer's component that carries its words.
  function hideoutOf(store, key) {
    const spec = ((store.layer_specs || {})[key] || []).filter(function (c) { return (c.props.hideout || {}).words; })[0];
    return (spec && spec.props.hideout) || {};
  }
  NS.extraLegend = function (store, layers, lang) {
    const items = [];
    const row = function (swatch, text, cls) {
      return comp("Div", { className: "legend-row" + (cls ? " " + cls : ""), children: [swatch, comp("Span", { children: text })] });
    };
    if (layers.indexOf("counties") >= 0) {
      const w = words({ words: hideoutOf(store, "counties").words, lang: lang });
      items.push(row(comp("Span", { className: "line-swatch county-line-swatch" }), w.county_lines));
      items.push(row(comp("Span", { className: "county-swatch" }), w.county_marked));
    }
    if (layers.indexOf("plants") >= 0) {
      const h = hideoutOf(store, "plants");
      const w = words({ words: h.words, lang: lang });
      items.push(comp("Div", { className: "legend-row plant-legend-title", children: w.plants_title }));
      const attr = attribution({ words: h.words, attribution: h.attribution, lang: lang });
      const fuels = (h.present || []).map(function (f) {
        const s = fuelOf(h, f);
        return comp("Span", { className: "plant-fuel", children: [
          comp("Span", { className: "plant-swatch", style: { background: rgba(s.fillColor, s.fillOpacity),
                                                             border: borderOf(s) } }),
          lang === "en" ? s.en : s.zh] });
      });
      items.push(comp("Div", { className: "plant-fuels", children: fuels }));
      const sizes = (h.sizes || []).map(function (pair) {
        const d = 2 * pair[1];
        return comp("Span", { className: "plant-size", children: [
          comp("Span", { className: "plant-size-circle", style: { width: d + "px", height: d + "px" } }),
          comp("Span", { children: mw(pair[0]) })] });
      });
      items.push(comp("Div", { className: "plant-sizes", children: sizes }));
      items.push(comp("Div", { className: "legend-note", children: w.plants_small }));
      items.push(comp("Div", { className: "legend-note plant-attribution", children: attr }));
      items.push(comp("Div", { className: "legend-note", children: w.data_age }));
    }
    if (layers.indexOf("co2_assets") >= 0) {
      const h = hideoutOf(store, "co2_assets");
      const w = words({ words: h.words, lang: lang });
      NS.co2Hideout = h;
      items.push(comp("Div", { className: "legend-row plant-legend-title", children: w.co2_title }));
      items.push(comp("Div", { className: "co2-legend", "data-lang": lang }));
      if (h.status) loadStatus(h.status);
      requestAnimationFrame(function () { fillSoon(120); });
    }
    return items;
  };
})();
