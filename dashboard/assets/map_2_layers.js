/* 辽宁减污降碳指标地图 — the overlay layers: context, regions, labels, sites, the layer legend and folded sections.
 * Runs after the map_*.js files before it, whose functions it takes from window.lnmap.parts.
 */
(function () {
  "use strict";
  const NS = (window.lnmap = window.lnmap || {});
  const PARTS = (NS.parts = NS.parts || {});
  const { esc, lbl, tr, watch } = PARTS;

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

  Object.assign(PARTS, { glyph, layerChildren });
})();
