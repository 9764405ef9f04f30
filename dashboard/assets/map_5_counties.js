/* 辽宁减污降碳指标地图 — the county level: a CO2 inventory's counties, filled by class or with their totals as
 * circles, under the cities' outlines (restyle in map_3_panel.js makes NS.lastCounty, the counties' hideout and
 * circles; countyLevel gives the layers their files). A press on a county selects it like a city
 * (map_1_core.js); the server renders its panel (dashboard/layout.py render_county).
 * Runs after the map_*.js files before it, whose functions it takes from window.lnmap.parts.
 */
(function () {
  "use strict";
  const NS = (window.lnmap = window.lnmap || {});
  const PARTS = (NS.parts = NS.parts || {});
  const { asButton, esc, grouped, tipSource } = PARTS;
  const symbolRadius = NS.symbolRadius;

  function current(context) {
    return NS.lastCounty || { h: (context && context.hideout) || {}, symbols: {} };
  }
  function colourOf(v, h) {
    const i = NS.classIndex(v, h.bounds);
    return i < 0 ? h.nodata : h.colours[i];
  }
  // A county's fill under the counties' hideout (the colours of its class, or the neutral fill under circles).
  NS.countyLevelStyle = function (feature, context) {
    const h = current(context).h;
    const a = feature.properties.adcode;
    const sel = h.selected === a;
    const v = h.values ? h.values[a] : null;
    return { fillColor: h.symbols ? h.symbols : colourOf(v, h), fillOpacity: 0.88, color: sel ? "#111" : "#ffffff",
             weight: sel ? 3 : 0.7, opacity: 1, className: "lnmap-county" + (sel ? " lnmap-selected" : "") };
  };
  // Its name with its city's (two counties are called 铁西区), and its value with the unit, or "no data".
  NS.countyLevelTooltip = function (feature, layer, context) {
    const p = feature.properties;
    const text = function () {
      const h = current(context).h;
      const name = h.lang === "en" ? p.name_en + ", " + p.city_en : p.city_zh + p.name_zh;
      const v = h.values ? h.values[p.adcode] : null;
      const shown = v === null || v === undefined ? (h.lang === "en" ? "no data" : "无数据")
        : grouped(v, h.decimals === undefined ? 2 : h.decimals) + " " + (h.unit || "");
      return { name: name, value: shown };
    };
    layer.bindTooltip(function () {
      const t = text();
      return "<b>" + esc(t.name) + "</b><br>" + esc(t.value) + tipSource(current(context).h);
    },
                      { sticky: true, className: "lnmap-tip" });
    // Keyboard: each county is a button in the Tab order, as the cities are; Enter or Space selects it.
    layer.on("add", function () { const t = text(); asButton(layer, p.adcode, t.name + "：" + t.value); });
  };
  // A county's circle: area-true like the cities' (geo.core.symbols), in the counties' own scale.
  NS.countyLevelCircle = function (adcode) {
    const s = current().symbols || {};
    const v = s.show && s.values ? s.values[adcode] : null;
    return { r: symbolRadius(v, s.vmax, s.r_max), fillColor: v < 0 ? s.negative : s.colour, fillOpacity: 0.78 };
  };
  NS.countyLevelSymbol = function (feature, latlng) {
    const a = feature.properties.adcode;
    const c = NS.countyLevelCircle(a);
    return L.circleMarker(latlng, { radius: c.r || 0.001, fillColor: c.fillColor, fillOpacity: c.r ? c.fillOpacity : 0,
                                    opacity: c.r ? 1 : 0, color: "#ffffff", weight: 1, interactive: false,
                                    pane: "lnmap-county-symbols", className: "lnmap-symbol lnmap-county-symbol",
                                    adcode: a, county: true });
  };
})();
