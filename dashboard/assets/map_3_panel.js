/* 辽宁减污降碳指标地图 — the clientside callbacks: a switch painted before Dash works, the panel and the URL.
 * Runs after the map_*.js files before it, whose functions it takes from window.lnmap.parts.
 */
(function () {
  "use strict";
  const NS = (window.lnmap = window.lnmap || {});
  const PARTS = (NS.parts = NS.parts || {});
  const { comp, drawNow, formatQuery, glyph, grouped, hideout, indicatorOf, layerChildren, lbl, legend, mapTypeOf,
          num, parseQuery, ranking, resolveCity, symbolScale, tableOf, tr } = PARTS;

  // ------------------------------------------------------------------ clientside callbacks
  const CS = (window.dash_clientside = window.dash_clientside || {});
  const noUpdate = function () { return window.dash_clientside.no_update; };
  // Whether callback ``name`` runs only because the selected city changed, after it has drawn everything
  // once (on a load with ?city=, Dash's first call of it can come with the city as its only trigger).
  const built = {};
  // The store as the county level sees it (a CO2 measure with county values): the indicator's values and
  // classes are the counties', and the "cities" the legend, ranking and cards name are the counties, each
  // with its city (two share a name: 铁西区). The store itself when the level is the cities or the measure
  // has no county values.
  function levelStore(store, indicator, level) {
    const ind = store.indicators[indicator];
    // (An inventory of counties only is drawn by county whatever the level.)
    if (!ind || !ind.county || !store.counties || (level !== "county" && !ind.county_only)) return store;
    const names = {};
    Object.keys(ind.county.values).forEach(function (a) {
      const c = store.counties[a] || { label_zh: a, label_en: a };
      names[a] = { name_zh: c.label_zh, name_en: c.label_en };  // 宽甸县（丹东）: geo.exports.spec.county_label
    });
    const shown = Object.assign({}, ind, { values: ind.county.values, classes: ind.county.classes });
    const indicators = Object.assign({}, store.indicators);
    indicators[indicator] = shown;
    return Object.assign({}, store, { indicators: indicators, cities: names, level: "county" });
  }
  NS.levelStore = levelStore;
  // What the map draws for a view: its indicator, the cities' hideout, the circles (restyle's first half); at
  // the county level the counties' hideout and circles too, and the cities as outlines.
  function mapView(store, group, measure, scheme, city, lang, panel, region, year, mapType, level) {
    const indicator = indicatorOf(store, group, measure, year);
    if (!indicator) return null;
    const shown = levelStore(store, indicator, level);
    const ind = shown.indicators[indicator];
    const mode = mapTypeOf(store, ind, mapType);
    let vmax = 0;
    Object.keys(ind.values).forEach(function (a) { const v = ind.values[a]; if (v !== null && isFinite(v)) vmax = Math.max(vmax, Math.abs(v)); });
    // The largest circle a little smaller for 100 counties than for 14 cities.
    const rMax = shown === store ? symbolScale(store) : Math.max(10, Math.round(symbolScale(store) * 0.7));
    const symbols = { show: mode === "symbols", values: ind.values, vmax: vmax, r_max: rMax,
                      colour: store.symbols.colour, negative: store.symbols.negative };
    // The region view: its members stand out (partial ones dashed), the other cities are dimmed.
    const highlight = panel === "region" && shown === store ? (store.region_members || {})[region] || null : null;
    const h = hideout(shown, indicator, scheme, city && city.adcode, lang, highlight);
    if (mode === "symbols") h.symbols = store.symbols.base;  // the places' neutral fill under the circles
    if (shown === store) return { indicator: indicator, mode: mode, vmax: vmax, symbols: symbols, h: h, county: null };
    const outline = { outline: true, indicator: indicator, lang: lang };
    return { indicator: indicator, mode: mode, vmax: vmax, symbols: { show: false }, h: outline, store: shown,
             county: { h: h, symbols: symbols } };
  }
  function drawView(v) {
    NS.lastHideout = v.h;
    NS.lastSymbols = v.symbols;
    NS.lastCounty = v.county;
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
  const PREVIEW = { pollutant: 0, measure: 1, scheme: 2, "map-type": 8, level: 9 };
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
                      annual ? String(ind.year) : current[8], v.map_type, v.level];
      // Unchanged values are not set again, so loading a page sets off no callback it does not need.
      return wanted.map(function (w, k) {
        return JSON.stringify(w) === JSON.stringify(current[k]) ? noUpdate() : w;
      });
    },
    // Controls -> URL, with replaceState: no reload, no request, and dcc.Location is not re-triggered.
    toUrl: function (group, measure, scheme, city, layers, lang, basemap, panel, region, store, year, mapType, level) {
      const indicator = indicatorOf(store, group, measure, year) || store.defaults.indicator;
      const ind = store.indicators[indicator];
      const q = formatQuery({ indicator: indicator, scheme: scheme, city: city && city.adcode,
                              layers: layers || [], lang: lang, basemap: basemap, panel: panel, region: region,
                              dataset: store.dataset ? store.dataset.dataset_id : null,
                              plan: store.plan ? store.plan.name : null, map_type: mapType || "auto",
                              level: ind && ind.county && (level === "county" || ind.county_only) ? "county" : "city" });
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
    restyle: function (group, measure, scheme, city, lang, panel, region, store, year, mapType, level, current) {
      const v = mapView(store, group, measure, scheme, city, lang, panel, region, year, mapType, level);
      if (!v) return [noUpdate(), noUpdate(), noUpdate(), noUpdate(), noUpdate(), noUpdate()];
      const indicator = v.indicator, mode = v.mode, vmax = v.vmax, h = v.h;
      const shown = v.store || store;  // the county level's view of the store (levelStore)
      const symbols = v.county ? v.county.symbols : v.symbols;
      const sel = city && city.adcode;
      NS.lastView = { store: store, args: [group, measure, scheme, city, lang, panel, region, year, mapType, level] };
      const ids = window.dash_clientside.callback_context.outputs_list[2].map(function (o) { return o.id; });
      const r = ranking(shown, indicator, scheme, sel, lang, ids, mode);
      const classNames = ids.map(function (id) { return "rank-bar" + (r.order[id.index] === sel ? " selected" : ""); });
      window.lnmap.rankOrder = r.order;
      drawView(v);
      const same = JSON.stringify(h) === JSON.stringify(current);  // e.g. on load: the layout's own hideout
      // A click on a city changes only what marks the selection (the hideout, the bars' classes): the legend,
      // the bars' contents and the circles stay, so Dash does not mount them again while the panel renders.
      // (The counties take their look from NS.lastCounty, which drawView has set and drawn: no hideout of theirs.)
      if (onlyCity("restyle")) return [same ? noUpdate() : h, noUpdate(), noUpdate(), noUpdate(), classNames, noUpdate()];
      const key = legend(shown, indicator, scheme, lang, mode, vmax, symbols.r_max);
      if (v.county) {
        const values = shown.indicators[indicator].values, all = Object.keys(values);
        const have = all.filter(function (a) { return values[a] !== null && values[a] !== undefined; }).length;
        key.push(comp("Div", { className: "legend-note level-note", children: tr(store, "level_note", lang)
          .replace("{k}", have).replace("{n}", all.length) }));
      }
      return [same ? noUpdate() : h, key, r.styles, r.children, classNames, v.county ? { show: false } : symbols];
    },
    // The county level: offered for a measure with county values (a CO2 inventory's); the counties' files
    // are asked for only while it is on, in the basemap's datum; the ranking says which counties it shows.
    countyLevel: function (group, measure, year, level, basemap, lang, store, current) {
      const id = indicatorOf(store, group, measure, year);
      const ind = id && store.indicators[id];
      const counties = !!(ind && ind.county && store.counties);
      const offered = counties && !ind.county_only;  // a choice only when the measure has both levels
      const on = counties && (level === "county" || !!ind.county_only);
      const bm = store.basemaps[basemap];
      const datum = bm ? bm.datum : "wgs84";
      const url = function (name) { return "/lnmap/geo/" + datum + "/" + name + ".geojson?v=" + store.layer_version; };
      const opts = ["city", "county"].map(function (k) { return { label: lbl(store.i18n.levels, k, lang), value: k }; });
      document.documentElement.classList.toggle("lnmap-county-level", on);
      // The two layers, made only while the level is on (and again only when their file changes: the datum).
      const have = current && current.length ? current[0].props.url : null;
      const want = on ? url("county-areas") : null;
      const layers = want === have ? [noUpdate(), noUpdate()] : !on ? [[], []] : [
        [comp("GeoJSON", { url: want, style: { variable: "lnmap.countyLevelStyle" },
                           onEachFeature: { variable: "lnmap.countyLevelTooltip" },
                           hoverStyle: { weight: 2.5, color: "#444" } }, "dash_leaflet")],
        [comp("GeoJSON", { url: url("county-points"), pointToLayer: { variable: "lnmap.countyLevelSymbol" },
                           interactive: false }, "dash_leaflet")]];
      return [{ display: offered ? "block" : "none" }, opts, layers[0], layers[1],
              on ? tr(store, "ranking_counties", lang) : null];
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
    summaries: function (group, measure, city, lang, panel, full, year, level) {
      NS.store = full;
      const id = indicatorOf(full, group, measure, year);
      if (!id) return [noUpdate(), noUpdate()];
      const store = levelStore(full, id, level);  // at the county level: the counties' values and names
      const counties = store.level === "county";
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
        if (summable && all) cards.push(card(tr(store, counties ? "card_total_counties" : "card_total", lang)
          .replace("{n}", have.length), num(total, ind) + " " + unit,
                                             tr(store, counties ? "card_total_counties_note" : "card_total_note", lang)));
        if (!all) cards.push(card(tr(store, counties ? "card_coverage_counties" : "card_coverage", lang), have.length + " / " + Object.keys(store.cities).length));
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
          facts.push(tr(store, counties ? "share_of_counties" : "share_of_total", lang).replace("{p}", grouped((100 * v) / total, 1) + " %"));
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
      if (get("city") && !resolveCity(get("city"), store.cities, store.counties)) say("city", get("city"));
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
    // The page's first server round is over (the account box is the last answer to "boot", after the datasets'):
    // clicks go to Dash from now on.
    ready: function () {
      window.lnmap.markReady();
      return noUpdate();
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
      // The cities' own clicks go through lnmap.pickCity (map_1_core.js); the other plans' areas come here.
      if (trig.type === "area" && trig.key !== "cities") {
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
  Object.assign(PARTS, { mapView });
})();
