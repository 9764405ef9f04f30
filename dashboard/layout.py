"""Builders of the page and of the detail panel: components from plain data, no data loading."""

from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html

from dashboard.i18n import (
    BASEMAP_LABELS,
    DEFAULT_LANG,
    LANG_LABELS,
    LAYER_LABELS,
    MEASURE_LABELS,
    RELATION_LABELS,
    POLLUTANT_LABELS,
    SCHEME_LABELS,
    label,
    t,
)
from dashboard.layers import layer_url
from dashboard.state import BASEMAPS, LAYERS, PANELS, REGION_IDS, REGION_STYLES, SITE_LAYERS, View
from geo.observed import MAX_BYTES

#: Liaoning's extent (lat, lon), padded a little, for the initial view.
BOUNDS = [[38.6, 118.8], [43.55, 125.8]]
FN = lambda name: {"variable": f"lnmap.{name}"}  # noqa: E731  (a function in assets/map.js)


def fmt(value) -> str:
    """A number as the documents print it: no grouping, at most two decimals (twin of map.js fmt)."""
    if value is None:
        return "—"
    s = f"{float(value):.2f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def T(key: str, tag=html.Span, lang: str = DEFAULT_LANG, **kw):  # noqa: N802
    """A translatable text element: the clientside ``translate`` callback swaps its children."""
    return tag(t(key, lang), id={"type": "t", "key": key}, **kw)


# --------------------------------------------------------------------------- map layers


def _geojson(props: dict) -> dict:
    return {"type": "GeoJSON", "namespace": "dash_leaflet", "props": props}


def layer_specs(version: str = "") -> dict[str, list[dict]]:
    """The component (as JSON) each toggleable layer adds to its LayerGroup; URLs in WGS84,
    carrying the layers' ``version`` (:func:`dashboard.layers.layers_version`).

    The browser swaps ``/wgs84/`` for ``/gcj02/`` under a GCJ-02 basemap and sets the language.
    """
    specs: dict[str, list[dict]] = {
        "context": [_geojson({"url": layer_url("wgs84", "context", version), "style": FN("contextStyle"), "interactive": False,
                              "hideout": {}})],
        "labels": [_geojson({"url": layer_url("wgs84", "labels", version), "pointToLayer": FN("labelMarker"),
                             "interactive": False, "hideout": {}})],
        "other_plans": [
            _geojson({"id": {"type": "area", "key": "other"}, "url": layer_url("wgs84", "other", version),
                      "style": FN("otherStyle"), "onEachFeature": FN("otherTooltip"), "hideout": {},
                      "hoverStyle": {"weight": 3}, "n_clicks": 0}),
            _geojson({"url": layer_url("wgs84", "other_labels", version), "pointToLayer": FN("labelMarker"),
                      "interactive": False, "hideout": {}}),
        ],
    }
    for rid in REGION_IDS:
        specs[rid] = [_geojson({"url": layer_url("wgs84", f"regions-{rid}", version), "style": FN("regionStyle"),
                                "interactive": False, "hideout": {"styles": REGION_STYLES}})]
    for kind in SITE_LAYERS:
        specs[kind] = [_geojson({
            "url": layer_url("wgs84", f"sites-{kind}", version), "pointToLayer": FN("siteMarker"),
            "onEachFeature": FN("sitePopup"), "cluster": True, "clusterToLayer": FN("siteCluster"),
            "superClusterOptions": {"radius": 40, "maxZoom": 11}, "zoomToBoundsOnClick": True,
            "hideout": {"kind": kind},
        })]
    assert set(specs) == set(LAYERS), set(LAYERS) ^ set(specs)
    return specs


def _layer_group(key: str, on: tuple[str, ...] = (), version: str = ""):
    """The group a toggleable layer lives in; filled here when the layer is on by default."""
    children = [dl.GeoJSON(**spec["props"]) for spec in layer_specs(version)[key]] if key in on else []
    if key in on:
        for c in children:
            if getattr(c, "hideout", None) is not None:
                c.hideout = {**c.hideout, "lang": DEFAULT_LANG}
    return dl.LayerGroup(id={"type": "layer", "key": key}, children=children)


def create_map(hideout: dict, on: tuple[str, ...] = (), version: str = ""):
    """The Leaflet map: no tile layer (offline), the cities from a URL, a group per toggleable layer."""
    return dl.MapContainer(
        id="map", bounds=BOUNDS, center=[41.1, 122.3], zoom=7, trackViewport=False, zoomSnap=0.25, zoomDelta=0.5, minZoom=5, maxZoom=14, style={"height": "100%"},
        children=[
            dl.LayerGroup(id="basemap-layer", children=[]),
            dl.Pane(name="lnmap-context", children=[_layer_group("context", on, version)]),
            dl.GeoJSON(
                id={"type": "area", "key": "cities"}, url=layer_url("wgs84", "cities", version), hideout=hideout,
                style=FN("cityStyle"), onEachFeature=FN("cityTooltip"), hoverStyle={"weight": 3, "color": "#444"},
                n_clicks=0,
            ),
            _layer_group("other_plans", on, version),
            dl.Pane(name="lnmap-regions", children=[_layer_group(r, on, version) for r in REGION_IDS]),
            dl.Pane(name="lnmap-labels", children=[_layer_group("labels", on, version)]),
            *[_layer_group(k, on, version) for k in SITE_LAYERS],
            dl.ScaleControl(position="bottomleft", imperial=False),
        ],
    )


# --------------------------------------------------------------------------- page


def _options(table: dict, keys, lang: str = DEFAULT_LANG) -> list[dict]:
    return [{"label": label(table, k, lang), "value": k} for k in keys]


def create_layout(store: dict, hideout: dict, view: View | None = None) -> html.Div:
    """The whole page. ``store`` is :func:`dashboard.state.browser_store`; nothing here loads data."""
    view = view or View()
    ind = store["indicators"][view.indicator]
    lang = DEFAULT_LANG
    # One bar per rank position (not per city): the restyle fills position k with the k-th city, so
    # the bars are in rank order for the eye, for Tab and for a screen reader alike.
    ranks = [html.Button(id={"type": "rank", "index": k}, className="rank-bar", n_clicks=0)
             for k in range(len(store["cities"]))]
    controls = html.Aside(id="controls", className="controls", children=[
        html.Button(id="close-controls", className="drawer-close", children=T("close")),
        T("search", html.Label, htmlFor="city-search", className="h3"),
        dcc.Input(id="city-search", type="search", debounce=True, className="search-input", autoComplete="off",
                  placeholder=t("search_hint", lang)),
        html.Div(id="search-message", className="note", role="status"),
        T("pollutant", html.H3),
        dcc.RadioItems(id="pollutant", options=_options(POLLUTANT_LABELS, store["measures"]), value=ind["group"],
                       className="choice"),
        T("measure", html.H3),
        dcc.RadioItems(id="measure", options=_options(MEASURE_LABELS, store["measures"][ind["group"]]),
                       value=ind["measure"], className="choice"),
        html.P(id="observed-note", className="note",
               children=t("observed_loaded" if store["observed_loaded"] else "no_observed", lang)),
        create_observed_controls(lang),
        T("scheme", html.H3),
        dcc.RadioItems(id="scheme", options=_options(SCHEME_LABELS, store["schemes"]), value=view.scheme,
                       className="choice"),
        T("layers", html.H3),
        dcc.Checklist(id="layers", options=_options(LAYER_LABELS, LAYERS), value=view.layers, className="choice"),
        T("basemap", html.H3),
        dcc.RadioItems(id="basemap", options=_options(BASEMAP_LABELS, BASEMAPS), value=view.basemap,
                       className="choice"),
        create_download_controls(lang),
        T("sources_note", html.P, className="sources"),
    ])
    map_wrap = html.Section(className="map-wrap", **{"aria-label": t("map_region", lang)}, children=[
        html.Div(id="notice", className="notice", role="status", **{"aria-live": "polite"}),
        html.Div(className="map-frame", children=[
            create_map(hideout, tuple(view.layers), store.get("layer_version", "")),
            html.Button(id="fullscreen", className="map-box map-button", n_clicks=0,
                        children=[html.Span("⛶", **{"aria-hidden": "true"}), T("fullscreen", className="btn-text")]),
            html.Div(className="map-side", children=[
                html.Div(id="legend", className="legend map-box"),
                html.Div(id="layer-legend", className="layer-legend map-box"),
            ]),
            html.Div(id="datum-note", className="datum map-box", children=t("datum_none", lang)),
        ]),
    ])
    panel = html.Aside(id="side-panel", className="panel", children=[
        html.Div(id="cards", className="cards"),
        T("ranking", html.H3),
        html.Div(id="ranking", className="ranking", children=ranks),
        # The views as tabs (role=tab, reachable with Tab, arrow keys move); `panel` keeps the value.
        html.Div(className="tabs", role="tablist", id="panel-tabs", children=[
            html.Button(T(f"panel_{p}"), id={"type": "tab", "key": p}, role="tab", n_clicks=0,
                        className="tab" + (" selected" if p == view.panel else ""),
                        **{"aria-selected": "true" if p == view.panel else "false", "aria-controls": "detail"})
            for p in PANELS]),
        html.Div(dcc.RadioItems(id="panel", value=view.panel, options=[{"label": p, "value": p} for p in PANELS]),
                 hidden=True),
        html.Div(id="region-wrap", style={"display": "none"}, children=[
            dcc.RadioItems(id="region", className="choice", value=view.region,
                           options=[{"label": store["region_names"][r]["zh"], "value": r} for r in REGION_IDS]),
        ]),
        dcc.Loading(html.Div(id="detail", className="detail", role="tabpanel", children=render_city(None, lang)),
                    type="dot", delay_show=300),
    ])

    def toggle(key: str, icon: str, controls: str):
        return html.Button(id=f"toggle-{key}", className="top-button", **{"aria-controls": controls,
                                                                          "aria-expanded": "true"},
                           children=[html.Span(icon, **{"aria-hidden": "true"}), T(f"toggle_{key}", className="btn-text")])

    header = html.Header(className="top", children=[
        toggle("controls", "☰", "controls"),
        html.Div(className="titles", children=[T("title", html.H1), T("subtitle", html.Div, className="subtitle")]),
        html.Div(className="top-tools", children=[
            toggle("panel", "▤", "side-panel"),
            html.Div(className="lang", role="group", **{"aria-label": "语言 / Language"}, children=[
                dcc.RadioItems(id="lang", options=[{"label": v, "value": k} for k, v in LANG_LABELS.items()],
                               value=lang, inline=True),
            ]),
        ]),
    ])
    return html.Div(className="app", children=[
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="store", data=store),
        dcc.Store(id="city"),
        dcc.Store(id="query"),
        dcc.Store(id="show-other", data="other_plans" in view.layers),
        dcc.Download(id="download"),
        header,
        html.Main(className="main", children=[map_wrap, controls, panel]),
        html.Div(id="drawer-backdrop", className="drawer-backdrop"),
    ])


EXPORT_FORMATS = ("png", "pdf", "svg", "pptx", "html", "csv", "xlsx")


def create_observed_controls(lang: str = DEFAULT_LANG, editors: bool = True) -> html.Div:
    """Upload of observed values, the dataset the map uses, and removal of a dataset.

    ``editors``: upload and removal stay hidden until the account callback finds an editor's
    session (dashboard.auth; the server refuses them to anyone else anyway).
    """
    hidden = {"display": "none"} if editors else None
    return html.Div(className="observed", children=[
        T("observed", html.H3),
        html.Div(id="editor-upload", style=hidden, children=[
            dcc.Input(id="upload-source", type="text", debounce=False, className="source-input",
                      placeholder=t("upload_source", lang)),
            dcc.Upload(id="upload", className="upload", multiple=False, accept=".csv,.xlsx,.txt", max_size=MAX_BYTES,
                       children=T("upload", html.Div)),
        ]),
        # The browser drops a file over max_size without telling Dash; assets/upload.js reports
        # every picked file's name and size here, so the page can say why nothing happened.
        dcc.Store(id="upload-picked"),
        dcc.Dropdown(id="dataset", options=[], value=None, clearable=True, searchable=False,
                     placeholder=t("dataset_none", lang), className="dataset"),
        html.Div(id="editor-remove", style=hidden, children=[
            dcc.ConfirmDialogProvider(id="remove-confirm", message=t("dataset_confirm", lang),
                                      children=html.Button(T("dataset_remove", lang=lang), id="remove-dataset",
                                                           className="small-button")),
        ]),
        html.Div(id="upload-message", className="note upload-message"),
        html.Div(id="account", className="note account"),
    ])


def create_download_controls(lang: str = DEFAULT_LANG) -> html.Div:
    """Export buttons: the view on screen (indicator, scheme, layers, language) in each format."""
    return html.Div(className="downloads", children=[
        T("download", html.H3),
        dcc.RadioItems(id="export-page", className="choice", value="slide", inline=True,
                       options=[{"label": t("page_slide", lang), "value": "slide"},
                                {"label": t("page_a4", lang), "value": "a4"}]),
        html.Div(className="export-buttons", children=[
            *[html.Button(f.upper(), id={"type": "export", "fmt": f}, n_clicks=0, className="small-button")
              for f in EXPORT_FORMATS],
            # The joined layer with its style, for QGIS/ArcGIS (geo.export_layer).
            html.Button(T("export_gpkg", lang=lang), id={"type": "export", "fmt": "gpkg"}, n_clicks=0,
                        className="small-button"),
        ]),
        html.Div(id="export-message", className="note"),
    ])


def render_upload_result(meta: dict | None, problems: list[str] | None, lang: str) -> list:
    """What the upload says: the dataset stored, or every rejected row and field."""
    if problems:
        return [html.B(t("upload_rejected", lang)), html.Ul([html.Li(p) for p in problems[:30]],
                                                             className="problems"),
                html.Div(f"… +{len(problems) - 30}") if len(problems) > 30 else ""]
    if meta is None:
        return []
    text = t("upload_ok", lang).format(rows=meta["rows"], cities=meta["cities"], encoding=meta["encoding"],
                                       id=meta["dataset_id"])
    return ([html.Span(text, className="ok")] + [html.Div(c, className="cite") for c in meta["conversions"]]
            + [html.Div(w, className="warning") for w in meta.get("warnings", [])])


def dataset_options(metas: list[dict]) -> list[dict]:
    return [{"label": f"{m['source']} · {m['imported_at'][:16].replace('T', ' ')} ({m['rows']})",
             "value": m["dataset_id"]} for m in reversed(metas)]


def render_progress(rows: list[dict], lang: str) -> list:
    """Baseline → 2020 cap → observed per pollutant, with progress, status and the observed value's source."""
    if not rows:
        return []
    head = [t(k, lang) for k in ("col_indicator", "col_baseline", "col_cap", "col_observed", "col_progress",
                                 "col_status", "col_source")]
    body = [[_name(r, lang), html.Span(fmt(r["baseline_2015_t"]), className="num"),
             html.Span(fmt(r["cap_2020_t"]), className="num"),
             html.Span(fmt(r["observed_2020_t"]), className="num observed"),
             html.Span(fmt(r["progress_pct"]), className="num"),
             html.Span(t(f"status_{r['status']}", lang) if r["status"] else "—", className=f"status {r['status']}"),
             html.Span(r["citation"], className="cite")] for r in rows]
    return [html.H3(t("progress_title", lang)), _table(head, body, class_name="data progress"),
            html.P(t("progress_formula", lang), className="note")]


# --------------------------------------------------------------------------- detail panel


def _table(header: list[str], rows: list[list], class_name: str = "data") -> html.Table:
    return html.Table(className=class_name, children=[
        html.Thead(html.Tr([html.Th(h) for h in header])),
        html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows]),
    ])


def _years(base: str, year: str) -> str:
    base, year = str(base or ""), str(year or "")
    return f"{base} → {year}" if base and year else (year or base or "—")


def _name(d: dict, lang: str, zh: str = "name_zh", en: str = "name_en") -> str:
    return d[zh] if lang == "zh" else d[en]


def render_city(detail: dict | None, lang: str) -> list:
    """The city panel: targets (value, unit, years, formula, citation), regions, designations, sites."""
    if detail is None:
        return [html.P(t("pick_city", lang), className="muted")]
    out: list = [html.H2(f"{detail['name_zh']} · {detail['name_en']}", className="city-name",
                         **{"data-adcode": detail["adcode"]})]
    if not detail["in_liaoning"]:
        out.append(html.P(t("outside_liaoning", lang), className="badge outside"))
    out += render_progress(detail.get("progress", []), lang)
    if detail["targets"]:
        out.append(html.H3(t("targets", lang)))
        head = [t("col_indicator", lang), t("col_value", lang), t("col_years", lang),
                f"{t('col_formula', lang)} / {t('col_source', lang)}"]
        rows = []
        for r in detail["targets"]:
            unit = r["unit_zh"] if lang == "zh" else r["unit_en"]
            rows.append([
                _name(r, lang),
                html.Span([html.Span(fmt(r["value"]), className="num"), " ", html.Span(unit, className="unit")]),
                _years(r["base_year"], r["year"]),
                html.Div([html.Div(r["formula"] or t("observed_value" if r["kind"] == "observed" else "annex_value",
                                                     lang), className="formula"),
                          html.Div(r["citation"], className="cite")]),
            ])
        out.append(_table(head, rows, class_name="data targets"))
        out += [html.P(n, className="note annex-note") for n in detail.get("notes", [])]
    if detail["own_targets"]:
        out.append(html.H3(t("own_targets", lang)))
        head = [t(k, lang) for k in ("col_indicator", "col_value", "col_unit", "col_years", "col_source", "col_quote")]
        out.append(_table(head, [[_name(r, lang), html.Span(f"{label(RELATION_LABELS, r['relation'], lang)} {fmt(r['value'])}", className="num"),
                                  r["unit"], _years(r["base_year"], r["year"]), html.Span(r["citation"], className="cite"),
                                  html.Span(r["quote"], className="quote")] for r in detail["own_targets"]]))
    out.append(html.H3(t("regions", lang)))
    if detail["regions"]:
        out.append(html.Ul([html.Li(className="partial" if r["partial"] else "full", children=[
            html.B(_name(r, lang)), " — ", t("partial" if r["partial"] else "full", lang),
            f" ({t('confidence', lang)}: {t('confidence_' + r['confidence'], lang)})" if r["confidence"] != "high" else "",
            html.Div(f"{r['citation']}; {r['source']}" + (f"; {r['note']}" if r["note"] else ""), className="cite"),
        ]) for r in detail["regions"]]))
    else:
        out.append(html.P(t("none", lang), className="muted"))
    out.append(html.H3(t("designations", lang)))
    if detail["designations"]:
        head = [t(k, lang) for k in ("col_indicator", "col_place", "col_source")]
        out.append(_table(head, [[_name(d, lang), d["place_zh"] if lang == "zh" else (d["place_en"] or d["place_zh"]),
                                  html.Span(d["citation"], className="cite", title=d["quote"])]
                                 for d in detail["designations"]]))
    else:
        out.append(html.P(t("none", lang), className="muted"))
    out.append(html.H3(t("sites", lang)))
    if detail["sites"]:
        head = [t(k, lang) for k in ("col_place", "col_kind", "col_precision", "col_named_in")]
        out.append(_table(head, [[_name(s, lang), s["kind_zh"] if lang == "zh" else s["kind_en"],
                                  s["precision"] if s["placed"] else t("not_placed", lang),
                                  html.Span(s["named_in"], className="cite")] for s in detail["sites"]]))
    else:
        out.append(html.P(t("none", lang), className="muted"))
    return out


def render_region(summary: dict | None, lang: str) -> list:
    """The region view: members (partial ones marked) and aggregated quotas, saying how they were aggregated."""
    if summary is None:
        return [html.P(t("region_pick", lang), className="muted")]
    out: list = [html.H2(_name(summary, lang)), html.P(f"{summary['citation']} · {summary['note']}", className="cite"),
                 html.H3(t("region_members", lang))]
    out.append(html.Ul([html.Li(className=m["membership"], children=[
        html.B(_name(m, lang)), " — ", t("partial" if m["membership"] == "partial" else "full", lang),
        f" ({t('confidence', lang)}: {t('confidence_' + m['confidence'], lang)})" if m["confidence"] != "high" else "",
        html.Div(m["source"], className="cite")]) for m in summary["members"]]))
    out.append(html.H3(t("region_totals", lang)))
    out.append(html.P(t("region_method", lang), className="note method"))
    head = [t("col_indicator", lang), t("region_full_only", lang)]
    if summary["has_partial"]:
        head.append(t("region_with_partial", lang))
    head += [t("col_unit", lang), t("col_formula", lang)]
    units = {"t": ("吨", "t"), "%": ("%", "%"), "10kt_ce": ("万吨标准煤", "10⁴ t standard coal")}
    rows = []
    for r in summary["rows"]:
        def cell(value, rng):
            if r["method"] == "range":
                return f"{fmt(rng[0])}–{fmt(rng[1])}" if rng else "—"
            return html.Span(fmt(value), className="num")
        row = [_name(r, lang), cell(r["value"], r.get("range"))]
        if summary["has_partial"]:
            row.append(cell(r["value_with_partial"], r.get("range_with_partial")))
        row += [units[r["unit"]][0 if lang == "zh" else 1],
                html.Span([t(f"method_{r['method']}", lang), ": ",
                           r.get("formula_zh", r["formula"]) if lang == "zh" else r["formula"]], className="cite")]
        rows.append(row)
    out.append(_table(head, rows))
    return out


def render_province(view: dict, others: list[dict], lang: str, show_other: bool) -> list:
    """Provincial targets by document and the city-sum reconciliation; 辽源 only when asked for."""
    out: list = [html.H2(t("province_targets", lang))]
    head = [t(k, lang) for k in ("col_indicator", "col_value", "col_unit", "col_years", "col_source")]
    for doc, rows in view["documents"].items():
        out.append(html.H4(doc))
        out.append(_table(head, [[_name(r, lang), html.Span(f"{label(RELATION_LABELS, r['relation'], lang)} {fmt(r['value'])}", className="num"),
                                  r["unit"], _years(r["base_year"], r["year"]),
                                  html.Span(r["citation"], className="cite", title=r["quote"])] for r in rows]))
    out.append(html.H3(t("reconciliation", lang)))
    head = [t(k, lang) for k in ("recon_pollutant", "recon_city_sum", "recon_implied", "recon_share", "recon_caps",
                                 "recon_prov_cap", "recon_diff")]
    out.append(_table(head, [[r["pollutant_zh"] if lang == "zh" else r["pollutant_en"], fmt(r["city_sum_2015_t"]),
                              fmt(r["province_2015_implied_t"]), fmt(r["city_share_of_province_2015_pct"]),
                              fmt(r["city_sum_cap_2020_t"]), fmt(r["province_cap_2020_t"]),
                              fmt(r["city_caps_minus_province_cap_t"])] for r in view["reconciliation"]],
                      class_name="data recon"))
    out.append(html.P(t("recon_formulas", lang), className="note"))
    out.append(html.P(t("power_plant_note", lang), className="note power-plant"))
    for r in view["reconciliation"]:
        if r["note"]:
            out.append(html.P(r["note"], className="cite"))
    out.append(html.H3(t("other_plans", lang)))
    if not show_other:
        out.append(html.P(t("other_plans_hint", lang), className="muted"))
        return out
    for d in others:
        out.append(html.Div(className="other-plan", children=render_city(d, lang)))
    return out
