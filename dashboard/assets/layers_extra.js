/* 辽宁减污降碳指标地图 — the county and power-plant layers.
 *
 * window.lnmap.countyLineStyle, countyStyle, countyTooltip   the county layer (key "counties"): thin grey
 *     county borders inside the cities, and the counties a designation names, hatched with a dashed
 *     outline and a tooltip naming the county, its designation(s) and their citation.
 * window.lnmap.plantMarker, plantPopup                         the power-plant layer (key "plants"):
 *     circles whose area is proportional to the capacity, drawn by fuel so they read without colour.
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
    return items;
  };
})();
