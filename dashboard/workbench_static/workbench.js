/* The allocation workbench (dashboard/workbench.py): two scenarios, A and B, split on the server by
 * geo.allocation's engine (the rules never run here), compared on one map and in one ranking.
 * State: window.location's query string (a_*, b_*, p, base, lang, view), rewritten after every change,
 * so a copied link reopens the same comparison. Every word comes from the page's word table (cfg.words). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("wb-config").textContent);
  var S = cfg.state;
  var KEYS = ["rule", "kind", "target", "rates", "m", "choices", "w", "basis", "floors", "ceils", "stored", "name"];
  var results = {a: null, b: null}, errors = {a: null, b: null}, pending = {a: 0, b: 0}, seq = {a: 0, b: 0};
  var ctrl = {a: null, b: null};
  var stored = [], editor = cfg.editor, notices = cfg.notices, extraNotice = null;
  var root = document.getElementById("wb");
  var map = null, cityLayers = {}, circles = {}, labelPoints = {}, geoReady = false, mapBox = null;
  var SEQ_COLOURS = ["#fee6ce", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];
  var DIV_COLOURS = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"];
  var NO_DATA = "#d9d9d9", R_MAX = 26;

  // ------------------------------------------------------------------ words and numbers
  function w(key, kw) {
    var e = cfg.words[key] || {}, t = e[S.lang] || e.zh || "";
    if (kw) { Object.keys(kw).forEach(function (k) { t = t.split("{" + k + "}").join(String(kw[k])); }); }
    return t;
  }
  var nf2 = new Intl.NumberFormat("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  function num(v) {
    if (v === null || v === undefined || !isFinite(v)) { return "—"; }
    var s = nf2.format(v);
    if (s === "-0.00") { s = "0.00"; }
    return s.replace("-", "−");
  }
  function signed(v) {
    var s = num(v);
    return (v > 0 && s !== "0.00" ? "+" : "") + s;
  }
  function cityName(c) { return S.lang === "en" ? c.name_en : c.name_zh; }
  function cityBy(adcode) { for (var i = 0; i < cfg.cities.length; i++) { if (cfg.cities[i].adcode === adcode) { return cfg.cities[i]; } } return null; }
  function regionName(r) { return S.lang === "en" ? r.short_en : r.short_zh; }

  // ------------------------------------------------------------------ elements
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === "text") { e.textContent = v; } else if (k === "cls") { e.className = v; }
      else if (k.slice(0, 2) === "on") { e.addEventListener(k.slice(2), v); }
      else if (k === "value") { e.value = v; } else { e.setAttribute(k, v === true ? "" : v); }
    });
    (kids || []).forEach(function (k) { if (k !== null && k !== undefined) { e.appendChild(typeof k === "string" ? document.createTextNode(k) : k); } });
    return e;
  }
  function select(id, options, value, onchange, label) {
    var s = el("select", {id: id, "aria-label": label || null, onchange: function () { onchange(s.value); }});
    options.forEach(function (o) {
      var opt = el("option", {value: o[0], text: o[1], disabled: o[2] ? true : null});
      if (o[0] === value) { opt.selected = true; }
      s.appendChild(opt);
    });
    return s;
  }
  function field(labelText, input, cls) {
    return el("label", {cls: "wb-field " + (cls || "")}, [el("span", {cls: "wb-label", text: labelText}), input]);
  }
  function numberInput(id, value, onchange, label, placeholder) {
    return el("input", {id: id, type: "text", inputmode: "decimal", value: value === undefined ? "" : value,
      "aria-label": label || null, placeholder: placeholder || null, cls: "wb-num",
      oninput: function (ev) { onchange(ev.target.value); }});
  }

  // ------------------------------------------------------------------ URL
  function pairs(o) {
    return Object.keys(o || {}).filter(function (k) { return o[k] !== "" && o[k] !== null && o[k] !== undefined; })
      .map(function (k) { return k + ":" + String(o[k]).trim(); }).join(",");
  }
  // The link carries every key of both scenarios (empty ones too), so it reopens exactly this state; the API
  // gets what the scenario's rule reads.
  function scenarioParams(x, prefix, forApi) {
    var s = S[x], p = {};
    var put = function (k, v, used) { if (forApi ? (used && v) : true) { p[prefix + k] = v || ""; } };
    p[prefix + "rule"] = s.rule; p[prefix + "kind"] = s.kind;
    p[prefix + "target"] = s.rule === "annex2017" ? "" : (s.target || "");
    put("rates", pairs(s.rates), s.rule === "region");
    put("m", s.m, s.rule === "region");
    put("choices", pairs(s.choices), s.rule === "region");
    put("basis", s.basis, s.rule === "proportional");
    put("w", s.w && s.w.entropy ? "entropy" : pairs(s.w), s.rule === "index");
    put("floors", pairs(s.floors), true);
    put("ceils", pairs(s.ceils), true);
    put("stored", s.stored, true);
    put("name", s.name, true);
    return p;
  }
  function query(obj) {
    return Object.keys(obj).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(obj[k]); }).join("&");
  }
  function apiQuery(x) {
    var p = scenarioParams(x, "", true);
    p.p = S.p; p.base = S.base;
    return query(p);
  }
  function writeUrl() {
    var p = {lang: S.lang, view: S.view, p: S.p, base: S.base};
    ["a", "b"].forEach(function (x) { Object.assign(p, scenarioParams(x, x + "_", false)); });
    history.replaceState(null, "", location.pathname + "?" + query(p));
  }

  // ------------------------------------------------------------------ computing (on the server)
  var timers = {a: null, b: null};
  function schedule(x, now) {
    clearTimeout(timers[x]);
    timers[x] = setTimeout(function () { compute(x); }, now ? 0 : 20);  // keystrokes in one burst: one request
    writeUrl();
  }
  function compute(x) {
    var my = ++seq[x];
    if (ctrl[x]) { ctrl[x].abort(); }
    ctrl[x] = typeof AbortController !== "undefined" ? new AbortController() : null;
    pending[x] = 1;
    root.setAttribute("data-busy", "1");
    var started = performance.now();
    return fetch(cfg.urls.api + "?" + apiQuery(x), {signal: ctrl[x] ? ctrl[x].signal : undefined,
                                                   headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (body) { return [r.status, body]; }, function () { return [r.status, null]; }); })
      .then(function (res) {
        if (my !== seq[x]) { return; }
        var status = res[0], body = res[1];
        if (body && body.ok) { results[x] = body; errors[x] = null; }
        else if (body && body.problems) { results[x] = null; errors[x] = body.problems; }
        else { results[x] = null; errors[x] = [{message: {zh: w("server_failed"), en: w("server_failed")}, field_text: {zh: "", en: ""}, status: status}]; }
        root.setAttribute("data-ms-" + x, String(Math.round(performance.now() - started)));
        done(x);
      }, function (e) {
        if (e && e.name === "AbortError") { return; }
        if (my !== seq[x]) { return; }
        results[x] = null;
        errors[x] = [{message: {zh: w("server_failed"), en: w("server_failed")}, field_text: {zh: "", en: ""}}];
        done(x);
      });
  }
  function done(x) {
    pending[x] = 0;
    if (!pending.a && !pending.b) { root.removeAttribute("data-busy"); }
    drawResults();
    root.setAttribute("data-drawn-" + x, String(seq[x]));
  }

  // ------------------------------------------------------------------ the page
  var parts = {};
  function build() {
    root.textContent = "";
    document.documentElement.lang = S.lang === "en" ? "en" : "zh-CN";
    document.title = w("title");
    var other = S.lang === "en" ? "zh" : "en";
    var langBtn = el("button", {type: "button", id: "wb-lang", cls: "wb-btn", lang: other === "en" ? "en" : "zh-CN",
      text: w("lang_other"), onclick: function () { S.lang = other; writeUrl(); build(); drawResults(); }});
    var views = el("div", {cls: "wb-views", role: "radiogroup", "aria-label": w("view")},
      ["a", "b", "diff"].map(function (v) {
        return el("button", {type: "button", cls: "wb-view" + (S.view === v ? " on" : ""), role: "radio",
          "aria-checked": S.view === v ? "true" : "false", "data-view": v, text: w("view_" + v),
          onclick: function () { S.view = v; writeUrl(); markViews(); drawResults(); }});
      }));
    parts.views = views;
    var pollutant = select("wb-pollutant", Object.keys(cfg.pollutants).map(function (p) { return [p, cfg.pollutants[p][S.lang]]; }),
      S.p, function (v) { S.p = v; schedule("a", true); schedule("b", true); }, w("pollutant"));
    var base = numberInput("wb-base", S.base, function (v) { S.base = v.trim(); schedule("a"); schedule("b"); }, w("base_year"));
    var copy = el("button", {type: "button", cls: "wb-btn", id: "wb-copy", text: w("copy_link"), onclick: copyLink});
    var header = el("header", {cls: "wb-top"}, [
      el("div", {cls: "wb-titles"}, [el("h1", {text: w("title")}), el("div", {cls: "wb-subtitle", text: w("subtitle")})]),
      el("div", {cls: "wb-tools"}, [field(w("pollutant"), pollutant), field(w("base_year"), base, "wb-short"),
        el("a", {href: cfg.urls.map + "?lang=" + S.lang, cls: "wb-btn wb-link", text: w("back")}), copy, langBtn])
    ]);
    var noticeBox = el("div", {id: "wb-notice", cls: "wb-notice", role: "status"});
    parts.notice = noticeBox;
    var panels = el("section", {cls: "wb-panels", "aria-label": w("scenario")}, [panel("a"), panel("b")]);
    mapBox = mapBox || el("div", {id: "wb-map", cls: "wb-map", role: "img"});
    mapBox.setAttribute("aria-label", w("map_alt"));
    var legend = el("div", {id: "wb-legend", cls: "wb-legend"});
    parts.legend = legend;
    var mapCol = el("section", {cls: "wb-mapcol"}, [views, el("div", {cls: "wb-mapframe"}, [mapBox, legend])]);
    var ranking = el("div", {id: "wb-ranking", cls: "wb-ranking"});
    var explain = el("div", {id: "wb-explain", cls: "wb-explain"});
    parts.ranking = ranking; parts.explain = explain;
    var side = el("section", {cls: "wb-side"}, [el("h2", {text: w("ranking")}), ranking,
      el("h2", {text: w("explanations")}), explain]);
    root.appendChild(header);
    root.appendChild(noticeBox);
    root.appendChild(el("main", {cls: "wb-main"}, [panels, mapCol, side]));
    drawNotices();
    if (!map) { initMap(); } else { setTimeout(function () { map.invalidateSize(); }, 0); }
  }
  function markViews() {
    Array.prototype.forEach.call(parts.views.querySelectorAll(".wb-view"), function (b) {
      var on = b.getAttribute("data-view") === S.view;
      b.classList.toggle("on", on);
      b.setAttribute("aria-checked", on ? "true" : "false");
    });
  }
  function drawNotices() {
    var box = parts.notice;
    box.textContent = "";
    var lines = notices[S.lang] || [];
    if (!lines.length && !extraNotice) { box.hidden = true; return; }
    box.hidden = false;
    if (lines.length) { box.appendChild(el("span", {text: w("notice_link") + " " + lines.join(S.lang === "en" ? "; " : "；")})); }
    if (extraNotice) { box.appendChild(el("span", {text: (lines.length ? " " : "") + extraNotice[S.lang]})); }
    box.appendChild(el("button", {type: "button", cls: "wb-btn wb-dismiss", text: w("dismiss"),
      onclick: function () { notices = {zh: [], en: []}; extraNotice = null; drawNotices(); }}));
  }
  function copyLink() {
    var url = location.href, btn = document.getElementById("wb-copy");
    var ok = function () { btn.textContent = w("copied"); setTimeout(function () { btn.textContent = w("copy_link"); }, 1500); };
    if (navigator.clipboard && navigator.clipboard.writeText) { navigator.clipboard.writeText(url).then(ok, function () {}); }
  }

  function panel(x) {
    var s = S[x], X = x.toUpperCase();
    var box = el("div", {cls: "wb-panel wb-panel-" + x, id: "wb-panel-" + x});
    var redo = function () { var fresh = panel(x); box.replaceWith(fresh); };
    var change = function (now) { schedule(x, now); };
    box.appendChild(el("h2", {}, [el("span", {cls: "wb-badge wb-badge-" + x, text: X}), " ", w("panel_" + x)]));
    box.appendChild(el("div", {cls: "wb-summary", id: "wb-summary-" + x}));
    var rules = cfg.rules.map(function (r) {
      return [r.id, r["name_" + S.lang] + (r.offered ? "" : " " + w("rule_needs_table")), !r.offered && r.id !== s.rule];
    });
    box.appendChild(field(w("rule"), select("wb-" + x + "-rule", rules, s.rule, function (v) {
      s.rule = v;
      if (v === "region" && !Object.keys(s.rates).length) { s.rates = Object.assign({}, cfg.defaults.b.rates); s.m = s.m || "strictest"; }
      if (v === "index" && !Object.keys(s.w).length) { s.w = {emission_t: "1", key_project_t: "1"}; }
      redo(); change(true);
    })));
    var kinds = cfg.kinds.map(function (k) { return [k, w("kind_" + k)]; });
    var annex = s.rule === "annex2017";
    var row = el("div", {cls: "wb-row"}, [
      field(w("kind"), select("wb-" + x + "-kind", kinds, s.kind, function (v) { s.kind = v; change(true); })),
      annex ? el("div", {cls: "wb-field wb-note", text: w("target_none")}) :
        field(w("target_value"), numberInput("wb-" + x + "-target", s.target, function (v) { s.target = v; change(); },
          null, ["region"].indexOf(s.rule) >= 0 ? w("target_sum") : ""), "wb-short")
    ]);
    box.appendChild(row);
    if (s.rule === "region") {
      var grid = el("div", {cls: "wb-grid"});
      cfg.regions.forEach(function (r) {
        grid.appendChild(field(regionName(r), numberInput("wb-" + x + "-rate-" + r.id, s.rates[r.id], function (v) {
          s.rates[r.id] = v.trim(); change();
        }, (S.lang === "en" ? r.name_en : r.name_zh) + " %")));
      });
      box.appendChild(el("fieldset", {cls: "wb-fieldset"}, [el("legend", {text: w("rates")}), grid]));
      var ms = [["", w("m_none")]].concat(cfg.memberships.map(function (m) { return [m, w("m_" + m)]; }));
      box.appendChild(field(w("membership"), select("wb-" + x + "-m", ms, s.m || "", function (v) { s.m = v; redo(); change(true); })));
      if (s.m === "choice" || Object.keys(s.choices).length) {
        var multi = cfg.cities.filter(function (c) { return (cfg.members[c.adcode] || []).length > 1; });
        var cg = el("div", {cls: "wb-grid"});
        multi.forEach(function (c) {
          var opts = [["", w("choice_none")]].concat((cfg.members[c.adcode] || []).map(function (rid) {
            var r = cfg.regions.filter(function (q) { return q.id === rid; })[0];
            return [rid, regionName(r)];
          }));
          cg.appendChild(field(cityName(c), select("wb-" + x + "-choice-" + c.adcode, opts, s.choices[c.adcode] || "", function (v) {
            if (v) { s.choices[c.adcode] = v; } else { delete s.choices[c.adcode]; }
            change(true);
          })));
        });
        box.appendChild(el("fieldset", {cls: "wb-fieldset"}, [el("legend", {text: w("choices")}), cg]));
      }
    }
    if (s.rule === "proportional") {
      box.appendChild(field(w("basis"), select("wb-" + x + "-basis", cfg.bases.map(function (b) { return [b, w("basis_" + b)]; }),
        s.basis || "emissions", function (v) { s.basis = v; change(true); })));
    }
    if (s.rule === "index") {
      var wg = el("div", {cls: "wb-grid"});
      var entropy = !!(s.w && s.w.entropy);
      cfg.weights.forEach(function (k) {
        var inp = numberInput("wb-" + x + "-w-" + k, entropy ? "" : s.w[k], function (v) { s.w[k] = v.trim(); delete s.w.entropy; change(); }, w("w_" + k));
        if (entropy) { inp.disabled = true; }
        wg.appendChild(field(w("w_" + k), inp));
      });
      var ent = el("input", {type: "checkbox", id: "wb-" + x + "-entropy", checked: entropy ? true : null, onchange: function (ev) {
        s.w = ev.target.checked ? {entropy: "1"} : {emission_t: "1", key_project_t: "1"}; redo(); change(true);
      }});
      box.appendChild(el("fieldset", {cls: "wb-fieldset"}, [el("legend", {text: w("weights")}), wg,
        el("label", {cls: "wb-check"}, [ent, " ", w("entropy")])]));
    }
    // floors and ceilings
    var nb = Object.keys(s.floors).length + Object.keys(s.ceils).length;
    var bt = el("table", {cls: "wb-bounds"});
    bt.appendChild(el("thead", {}, [el("tr", {}, [el("th", {text: ""}), el("th", {text: w("floor")}), el("th", {text: w("ceiling")})])]));
    var tb = el("tbody");
    [{adcode: "*"}].concat(cfg.cities).forEach(function (c) {
      var name = c.adcode === "*" ? w("bounds_all") : cityName(c);
      var set = function (which) {
        return function (v) { v = v.trim(); if (v) { s[which][c.adcode] = v; } else { delete s[which][c.adcode]; } change(); };
      };
      tb.appendChild(el("tr", {}, [el("th", {scope: "row", text: name}),
        el("td", {}, [numberInput("wb-" + x + "-floor-" + c.adcode.replace("*", "all"), s.floors[c.adcode], set("floors"), name + " " + w("floor"))]),
        el("td", {}, [numberInput("wb-" + x + "-ceil-" + c.adcode.replace("*", "all"), s.ceils[c.adcode], set("ceils"), name + " " + w("ceiling"))])]));
    });
    bt.appendChild(tb);
    box.appendChild(el("details", {cls: "wb-details", open: nb ? true : null}, [
      el("summary", {text: w("bounds") + (nb ? " · " + w("bounds_count", {n: nb}) : "")}), bt]));
    // stored scenarios
    var st = el("div", {cls: "wb-stored"});
    var pick = el("select", {id: "wb-" + x + "-stored", "aria-label": w("stored")});
    st.appendChild(field(w("stored"), pick));
    var loadBtn = el("button", {type: "button", cls: "wb-btn", text: w("load_into") + " " + X, onclick: function () {
      if (pick.value) { loadStored(x, pick.value); }
    }});
    st.appendChild(loadBtn);
    fillStored(pick, loadBtn);
    if (editor) {
      var nameIn = el("input", {type: "text", id: "wb-" + x + "-save-name", "aria-label": w("save_name"), placeholder: w("save_name"), maxlength: "64",
        value: s.name && s.name !== X ? s.name : ""});
      var noteIn = el("input", {type: "text", id: "wb-" + x + "-save-note", "aria-label": w("save_note"), placeholder: w("save_note"), maxlength: "200"});
      st.appendChild(el("div", {cls: "wb-row"}, [nameIn, noteIn, el("button", {type: "button", cls: "wb-btn", text: w("save"), onclick: function () {
        saveScenario(x, nameIn.value.trim(), noteIn.value.trim());
      }})]));
      st.appendChild(el("div", {cls: "wb-note", text: w("signed_in", {name: editor})}));
    } else {
      st.appendChild(el("div", {cls: "wb-note"}, [w("save_viewer") + " ",
        el("a", {href: cfg.urls.login + "?lang=" + S.lang + "&next=" + encodeURIComponent(location.pathname + location.search), text: w("sign_in")})]));
    }
    box.appendChild(st);
    box.appendChild(el("div", {cls: "wb-downloads", id: "wb-downloads-" + x}));
    box.appendChild(el("div", {cls: "wb-error", id: "wb-error-" + x, role: "alert", hidden: true}));
    setTimeout(function () { drawPanelResult(x); }, 0);
    return box;
  }
  function fillStored(pick, btn) {
    pick.textContent = "";
    if (!stored.length) {
      pick.appendChild(el("option", {value: "", text: w("stored_none")}));
      pick.disabled = true; btn.disabled = true;
      return;
    }
    pick.disabled = false; btn.disabled = false;
    pick.appendChild(el("option", {value: "", text: w("stored_pick")}));
    stored.forEach(function (r) {
      pick.appendChild(el("option", {value: r.name, text: r.name + " · v" + r.version + (r.author ? " · " + r.author : "")}));
    });
  }
  function refreshStored() {
    return fetch(cfg.urls.scenarios).then(function (r) { return r.json(); }).then(function (body) {
      stored = body.scenarios || [];
      ["a", "b"].forEach(function (x) {
        var pick = document.getElementById("wb-" + x + "-stored");
        if (pick) { fillStored(pick, pick.parentNode.parentNode.querySelector("button")); }
      });
    }, function () {});
  }
  function loadStored(x, name) {
    fetch(cfg.urls.scenarios + "/" + encodeURIComponent(name)).then(function (r) { return r.json(); }).then(function (body) {
      if (!body.state) { errors[x] = body.problems; drawPanelResult(x); return; }
      S[x] = body.state;
      var msg = {zh: "", en: ""};
      ["zh", "en"].forEach(function (lg) {
        var l0 = S.lang; S.lang = lg;
        msg[lg] = w("loaded", {name: body.name, v: body.version, x: x.toUpperCase()});
        if (body.shared.p !== S.p) { msg[lg] += " " + w("loaded_pollutant", {p: cfg.pollutants[body.shared.p] ? cfg.pollutants[body.shared.p][lg] : body.shared.p}); }
        S.lang = l0;
      });
      var again = body.shared.p !== S.p || body.shared.base !== S.base;
      S.p = body.shared.p; S.base = body.shared.base;
      extraNotice = msg;
      results[x] = null; errors[x] = null;
      build();
      drawResults();
      if (again) { schedule("a", true); schedule("b", true); } else { schedule(x, true); }
    });
  }
  function saveScenario(x, name, note) {
    var p = scenarioParams(x, "", true);
    p.p = S.p; p.base = S.base; p.name = name || S[x].name; p.note = note;
    fetch(cfg.urls.scenarios, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(p)})
      .then(function (r) { return r.json(); }).then(function (body) {
        if (body.ok) {
          extraNotice = {zh: "", en: ""};
          ["zh", "en"].forEach(function (lg) { var l0 = S.lang; S.lang = lg; extraNotice[lg] = w("saved", {name: body.name, v: body.version}); S.lang = l0; });
          S[x].name = body.name;
          drawNotices(); refreshStored(); writeUrl();
        } else { errors[x] = body.problems; drawPanelResult(x); }
      });
  }

  // ------------------------------------------------------------------ map
  function initMap() {
    map = L.map(mapBox, {zoomSnap: 0.25, attributionControl: false, minZoom: 5, maxZoom: 11});
    map.setView([41.3, 122.6], 6);
    Promise.all([fetch(cfg.urls.cities).then(function (r) { return r.json(); }),
                 fetch(cfg.urls.labels).then(function (r) { return r.json(); })]).then(function (got) {
      var cities = got[0], labels = got[1];
      labels.features.forEach(function (f) { labelPoints[f.properties.adcode] = [f.geometry.coordinates[1], f.geometry.coordinates[0]]; });
      var layer = L.geoJSON(cities, {className: "wb-city", style: function () { return {color: "#555", weight: 1, fillColor: NO_DATA, fillOpacity: 0.9}; },
        onEachFeature: function (f, l) { cityLayers[f.properties.adcode] = l; }}).addTo(map);
      Object.keys(cityLayers).forEach(function (a) {
        var e = cityLayers[a].getElement && cityLayers[a].getElement();
        if (e) { e.setAttribute("data-adcode", a); }
      });
      var pad = innerWidth < 700 ? [6, 6] : [14, 14];
      map.fitBounds(layer.getBounds(), {padding: pad});
      var group = L.layerGroup().addTo(map);
      cfg.cities.forEach(function (c) {
        var ll = labelPoints[c.adcode];
        if (!ll) { return; }
        circles[c.adcode] = L.circleMarker(ll, {radius: 0, className: "wb-circle", color: "#333", weight: 1,
          fillColor: "#444", fillOpacity: 0.35, interactive: false}).addTo(group);
      });
      geoReady = true;
      root.setAttribute("data-map", "ready");
      drawResults();
      if (typeof ResizeObserver !== "undefined") {
        new ResizeObserver(function () { map.invalidateSize(); }).observe(mapBox);
      }
    });
  }
  function seqClasses(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    if (!(hi - lo > 0.005)) { return {breaks: [], lo: lo, hi: hi}; }
    var step = (hi - lo) / 5, breaks = [];
    for (var i = 1; i < 5; i++) { breaks.push(lo + step * i); }
    return {breaks: breaks, lo: lo, hi: hi};
  }
  function classOf(v, breaks) { var k = 0; while (k < breaks.length && v > breaks[k] + 1e-9) { k++; } return k; }
  function cityRows(x) { var r = results[x], out = {}; if (r) { r.cities.forEach(function (c) { out[c.adcode] = c; }); } return out; }
  function diffRows() {
    if (!results.a || !results.b) { return null; }
    var a = cityRows("a"), b = cityRows("b");
    return cfg.cities.map(function (c) {
      var ra = a[c.adcode], rb = b[c.adcode];
      return {city: c, a: ra, b: rb, dt: Math.round((rb.cut_t - ra.cut_t) * 100) / 100, dp: rb.cut_pct - ra.cut_pct};
    });
  }
  function drawMap() {
    if (!geoReady) { return; }
    var legend = parts.legend;
    legend.textContent = "";
    var fill = {}, radius = {}, ring = {}, tips = {};
    var view = S.view;
    if (view === "diff") {
      var rows = diffRows();
      if (rows) {
        var m = Math.max.apply(null, rows.map(function (r) { return Math.abs(r.dp); }));
        var mt = Math.max.apply(null, rows.map(function (r) { return Math.abs(r.dt); }));
        var br = m > 0.005 ? [-0.6 * m, -0.2 * m, 0.2 * m, 0.6 * m] : [];
        rows.forEach(function (r) {
          var k = br.length ? classOf(r.dp, br) : 2;
          fill[r.city.adcode] = DIV_COLOURS[k];
          radius[r.city.adcode] = mt > 0 ? R_MAX * Math.sqrt(Math.abs(r.dt) / mt) : 0;
          ring[r.city.adcode] = r.dt > 0 ? "#b2182b" : "#2166ac";
          tips[r.city.adcode] = cityName(r.city) + ": " + signed(r.dp) + (S.lang === "en" ? " points, " : " 个百分点，") + signed(r.dt) + " " + w("t");
        });
        legend.appendChild(el("div", {cls: "wb-legend-title", text: w("legend_diff_pp")}));
        if (!br.length) { legend.appendChild(swatch(DIV_COLOURS[2], w("legend_same"))); }
        else {
          var edges = [-m].concat(br).concat([m]);
          for (var i = 4; i >= 0; i--) { legend.appendChild(swatch(DIV_COLOURS[i], signed(edges[i]) + " – " + signed(edges[i + 1]))); }
        }
        legend.appendChild(el("div", {cls: "wb-legend-note", text: w("legend_diff_t")}));
      }
    } else {
      var r = results[view];
      if (r) {
        var all = [];
        ["a", "b"].forEach(function (x) { if (results[x]) { results[x].cities.forEach(function (c) { all.push(c.cut_pct); }); } });
        var cl = seqClasses(all);
        var tmax = Math.max.apply(null, r.cities.map(function (c) { return Math.abs(c.cut_t); }));
        ["a", "b"].forEach(function (x) { if (results[x]) { results[x].cities.forEach(function (c) { tmax = Math.max(tmax, Math.abs(c.cut_t)); }); } });
        r.cities.forEach(function (c) {
          fill[c.adcode] = cl.breaks.length ? SEQ_COLOURS[classOf(c.cut_pct, cl.breaks)] : SEQ_COLOURS[2];
          radius[c.adcode] = tmax > 0 ? R_MAX * Math.sqrt(Math.abs(c.cut_t) / tmax) : 0;
          ring[c.adcode] = "#333";
          tips[c.adcode] = cityName(c) + ": " + num(c.cut_pct) + " %, " + num(c.cut_t) + " " + w("t");
        });
        legend.appendChild(el("div", {cls: "wb-legend-title", text: w("view_" + view) + " · " + w("legend_cut_pct")}));
        if (!cl.breaks.length) { legend.appendChild(swatch(SEQ_COLOURS[2], num(cl.lo))); }
        else {
          var e2 = [cl.lo].concat(cl.breaks).concat([cl.hi]);
          for (var j = 4; j >= 0; j--) { legend.appendChild(swatch(SEQ_COLOURS[j], num(e2[j]) + " – " + num(e2[j + 1]))); }
        }
        legend.appendChild(el("div", {cls: "wb-legend-note", text: w("legend_cut_t")}));
      }
    }
    if (!Object.keys(fill).length) { legend.appendChild(swatch(NO_DATA, w("legend_none"))); }
    Object.keys(cityLayers).forEach(function (a) {
      var l = cityLayers[a], c = cityBy(a);
      l.setStyle({fillColor: fill[a] || NO_DATA});
      var e = l.getElement && l.getElement();
      if (e) { e.setAttribute("data-fill", fill[a] ? "1" : "0"); e.setAttribute("aria-label", c ? cityName(c) : a); }
      var tip = tips[a] || (c ? cityName(c) : a);
      if (l.getTooltip()) { l.setTooltipContent(tip); } else { l.bindTooltip(tip, {sticky: true}); }
    });
    Object.keys(circles).forEach(function (a) {
      var k = circles[a];
      k.setRadius(radius[a] || 0);
      k.setStyle({color: ring[a] || "#333", fillColor: ring[a] || "#444", opacity: radius[a] ? 1 : 0, fillOpacity: radius[a] ? 0.3 : 0});
    });
    root.setAttribute("data-view-drawn", view);
  }
  function swatch(colour, text) {
    return el("div", {cls: "wb-legend-row"}, [el("span", {cls: "wb-swatch", style: "background:" + colour}), el("span", {text: text})]);
  }

  // ------------------------------------------------------------------ ranking and explanations
  function drawRanking() {
    var box = parts.ranking;
    box.textContent = "";
    var rows = diffRows();
    if (!rows) { box.appendChild(el("p", {cls: "wb-note", text: errors.a || errors.b ? w("legend_none") : w("working")})); return; }
    rows.sort(function (p, q) { return q.dt - p.dt || q.dp - p.dp; });
    var more = rows.filter(function (r) { return r.dt > 0.004; }).length, less = rows.filter(function (r) { return r.dt < -0.004; }).length;
    box.appendChild(el("p", {cls: "wb-note", id: "wb-ranking-summary", text: w("cities_more", {n: more, m: less})}));
    if (Math.abs(results.a.province.cut_t - results.b.province.cut_t) > 0.004) { box.appendChild(el("p", {cls: "wb-note wb-warn", text: w("not_comparable")})); }
    var head = ["col_rank", "col_city", "col_a_t", "col_b_t", "col_diff_t", "col_a_pct", "col_b_pct", "col_diff_pp"];
    var table = el("table", {cls: "wb-table", id: "wb-ranking-table"});
    table.appendChild(el("thead", {}, [el("tr", {}, head.map(function (k) { return el("th", {scope: "col", text: w(k)}); }))]));
    var tb = el("tbody");
    rows.forEach(function (r, i) {
      var cls = r.dt > 0.004 ? "more" : r.dt < -0.004 ? "less" : "";
      tb.appendChild(el("tr", {"data-adcode": r.city.adcode, cls: cls}, [
        el("td", {text: String(i + 1)}), el("th", {scope: "row", text: cityName(r.city)}),
        el("td", {text: num(r.a.cut_t)}), el("td", {text: num(r.b.cut_t)}),
        el("td", {cls: "wb-d " + cls, text: signed(r.dt)}),
        el("td", {text: num(r.a.cut_pct)}), el("td", {text: num(r.b.cut_pct)}),
        el("td", {cls: "wb-d " + cls, text: signed(r.dp)})]));
    });
    var pa = results.a.province, pb = results.b.province;
    tb.appendChild(el("tr", {cls: "wb-total"}, [el("td", {text: ""}), el("th", {scope: "row", text: w("table_total")}),
      el("td", {text: num(pa.cut_t)}), el("td", {text: num(pb.cut_t)}), el("td", {text: signed(pb.cut_t - pa.cut_t)}),
      el("td", {text: num(pa.cut_pct)}), el("td", {text: num(pb.cut_pct)}), el("td", {text: signed(pb.cut_pct - pa.cut_pct)})]));
    table.appendChild(tb);
    box.appendChild(el("div", {cls: "wb-table-wrap"}, [table]));
  }
  function list(items) { return el("ul", {}, items.map(function (t) { return el("li", {text: t}); })); }
  function drawExplain() {
    var box = parts.explain;
    box.textContent = "";
    ["a", "b"].forEach(function (x) {
      var r = results[x], X = x.toUpperCase();
      var sec = el("section", {cls: "wb-explain-one", id: "wb-explain-" + x});
      if (!r) {
        sec.appendChild(el("h3", {}, [el("span", {cls: "wb-badge wb-badge-" + x, text: X}), " ", w("panel_" + x)]));
        if (errors[x]) {
          sec.appendChild(el("div", {cls: "wb-error", role: "alert"}, [el("div", {cls: "wb-error-title", text: w("failed", {x: X})}),
            problemList(errors[x])]));
        } else { sec.appendChild(el("p", {cls: "wb-note", text: w("working")})); }
        box.appendChild(sec);
        return;
      }
      var L_ = S.lang;
      sec.appendChild(el("h3", {}, [el("span", {cls: "wb-badge wb-badge-" + x, text: X}), " ", w("explain", {x: X, rule: r.rule["name_" + L_]})]));
      sec.appendChild(el("p", {cls: "wb-check " + (r.check.ok ? "ok" : "bad"), text: w("check") + ": " + r.check[L_]}));
      var p = r.province;
      sec.appendChild(el("p", {text: w("province_row", {base: num(p.base_t), cut: num(p.cut_t), pct: num(p.cut_pct), cap: num(p.cap_t)})}));
      sec.appendChild(el("h4", {text: w("formula")}));
      sec.appendChild(el("p", {cls: "wb-formula", text: r.formula[L_]}));
      sec.appendChild(el("h4", {text: w("inputs")}));
      sec.appendChild(list(r.inputs[L_]));
      if (r.cities.length && r.cities[0].rate_pct !== undefined) {
        var rates = r.cities.map(function (c) {
          return w("city_rate", {city: cityName(c), rate: num(c.rate_pct), why: w("why_" + c.rate_why)});
        });
        sec.appendChild(el("details", {cls: "wb-details"}, [el("summary", {text: w("city_rates")}), list(rates)]));
      }
      var st = [];
      if (r.stats.extremes) {
        var e = r.stats.extremes;
        st.push(w("extremes", {lo: L_ === "en" ? e.smallest.name_en : e.smallest.name_zh, lo_pct: num(e.smallest.cut_pct),
          hi: L_ === "en" ? e.largest.name_en : e.largest.name_zh, hi_pct: num(e.largest.cut_pct)}));
      }
      var ineq = r.stats.inequality || {};
      if (!(ineq.per_capita && ineq.per_capita.available) && !(ineq.per_gdp && ineq.per_gdp.available)) { st.push(w("inequality_none")); }
      if (st.length) { sec.appendChild(list(st)); }
      sec.appendChild(el("h4", {text: w("sources")}));
      sec.appendChild(list(r.sources[L_]));
      if (r.notes[L_].length) { sec.appendChild(el("h4", {text: w("notes")})); sec.appendChild(list(r.notes[L_])); }
      box.appendChild(sec);
    });
  }
  // The problems of a refused scenario: where (row, field in words) and what, in the screen's language.
  function problemList(problems) {
    return el("ul", {}, problems.map(function (p) {
      var where = [];
      if (p.row) { where.push(w("row", {row: p.row})); }
      var ft = p.field_text && p.field_text[S.lang];
      if (ft) { where.push(w("field", {field: ft})); }
      var msg = (p.message && (p.message[S.lang] || p.message.zh)) || "";
      return el("li", {"data-field": p.field || "", text: (where.length ? where.join(S.lang === "en" ? ", " : "，") + (S.lang === "en" ? ": " : "：") : "") + msg});
    }));
  }
  function drawPanelResult(x) {
    var sum = document.getElementById("wb-summary-" + x), err = document.getElementById("wb-error-" + x);
    var dl = document.getElementById("wb-downloads-" + x);
    if (!sum) { return; }
    var r = results[x];
    sum.textContent = r ? w("result_summary", {cut: num(r.province.cut_t), pct: num(r.province.cut_pct)}) + (r.check.ok ? " ✓" : " ✗") : "";
    err.textContent = "";
    if (errors[x]) {
      err.hidden = false;
      err.appendChild(el("div", {cls: "wb-error-title", text: w("failed", {x: x.toUpperCase()})}));
      err.appendChild(problemList(errors[x]));
    } else { err.hidden = true; }
    dl.textContent = "";
    dl.appendChild(el("span", {cls: "wb-label", text: w("download") + " "}));
    ["xlsx", "pdf", "pptx", "csv"].forEach(function (f) {
      dl.appendChild(el("a", {cls: "wb-btn wb-dl", href: cfg.urls.download + "?fmt=" + f + "&" + apiQuery(x), download: "", text: f.toUpperCase(),
        "aria-disabled": r ? null : "true"}));
    });
  }
  function drawResults() {
    var t0 = performance.now();
    drawMap();
    drawRanking();
    drawExplain();
    drawPanelResult("a");
    drawPanelResult("b");
    root.setAttribute("data-draw-ms", (performance.now() - t0).toFixed(1));  // bench/bench_workbench.py reads it
  }

  build();
  writeUrl();
  refreshStored();
  compute("a");
  compute("b");
})();
