"""Builders of the page and of the detail panel: components from plain data, no data loading."""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any
from urllib.parse import quote

import dash_leaflet as dl
from dash import dcc, html

from dashboard.i18n import (
    BASEMAP_LABELS,
    DEFAULT_LANG,
    LANG_LABELS,
    LAYER_LABELS,
    MEASURE_LABELS,
    POLLUTANT_LABELS,
    RELATION_LABELS,
    SCHEME_LABELS,
    label,
    t,
)
from dashboard.layers import extra_layer_props, layer_url
from dashboard.state import BASEMAPS, LAYERS, LEVELS, PANELS, REGION_IDS, REGION_STYLES, SITE_LAYERS, View
from dashboard.trajectory import render_trajectories
from geo.core.symbols import MAP_TYPES
from geo.core.vocabulary import (
    LEVEL_LABELS,
    MAP_TYPE_LABELS,
    PRECISION_LABELS,
    annex_note,
    citation_text,
    data_note,
    fmt_number,
    problem_text,
)
from geo.core.vocabulary import T as in_lang
from geo.exports.profile import PROFILE_FORMATS
from geo.measures.catalogue import words
from geo.measures.observed import MAX_BYTES

#: Liaoning's extent (lat, lon), padded a little, for the initial view.
BOUNDS = [[38.6, 118.8], [43.55, 125.8]]
def FN(name: str) -> dict:
    return {"variable": f"lnmap.{name}"}


def fmt(value, decimals: int = 2) -> str:
    """A number with thousands separators at ``decimals`` places (:func:`geo.core.vocabulary.fmt_number`)."""
    return fmt_number(None if value is None else float(value), decimals)


def T(key: str, tag=html.Span, lang: str = DEFAULT_LANG, **kw):
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
    # Counties and power plants: dashboard/layers.py builds them, assets/layers_extra.js draws them.
    specs.update({k: [_geojson(p) for p in props] for k, props in extra_layer_props(version).items()})
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
        id="map", bounds=BOUNDS, center=[41.1, 122.3], zoom=7, trackViewport=False, zoomSnap=0.25, zoomDelta=0.5,
        minZoom=5, maxZoom=14, style={"height": "100%"},
        children=[
            dl.LayerGroup(id="basemap-layer", children=[]),
            dl.Pane(name="lnmap-context", children=[_layer_group("context", on, version)]),
            dl.GeoJSON(
                id={"type": "area", "key": "cities"}, url=layer_url("wgs84", "cities", version), hideout=hideout,
                style=FN("cityStyle"), onEachFeature=FN("cityTooltip"), hoverStyle={"weight": 3, "color": "#444"},
                n_clicks=0,
            ),
            # The county level (a CO2 inventory's counties): filled counties under the cities' outlines, and
            # their totals as circles; no file until the level is picked (assets/map_5_counties.js).
            # (Empty groups until then: the page's first map renders nothing more for them.)
            dl.Pane(name="lnmap-county-areas", children=[dl.LayerGroup(id="county-areas", children=[])]),
            dl.Pane(name="lnmap-county-symbols", children=[dl.LayerGroup(id="county-symbols", children=[])]),
            dl.Pane(name="lnmap-counties", children=[_layer_group("counties", on, version)]),
            _layer_group("other_plans", on, version),
            dl.Pane(name="lnmap-regions", children=[_layer_group(r, on, version) for r in REGION_IDS]),
            dl.Pane(name="lnmap-plants", children=[_layer_group("plants", on, version)]),
            dl.Pane(name="lnmap-co2-assets", children=[_layer_group("co2_assets", on, version)]),
            # Totals as proportional circles (geo.core.symbols), at the cities' label points; empty for a choropleth.
            dl.Pane(name="lnmap-symbols", children=[dl.GeoJSON(
                id="symbols", url=layer_url("wgs84", "labels", version), pointToLayer=FN("symbolMarker"),
                interactive=False, hideout={"show": False})]),
            dl.Pane(name="lnmap-labels", children=[_layer_group("labels", on, version)]),
            *[_layer_group(k, on, version) for k in SITE_LAYERS],
            dl.ScaleControl(position="bottomleft", imperial=False),
        ],
    )


# --------------------------------------------------------------------------- page


#: Four corners, drawn: the character ⛶ (U+26F6) is missing from most CJK fonts and shows as a box.
FULLSCREEN_ICON = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" fill="none" stroke="#333" stroke-width="1.6">'
    '<path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4"/></svg>')


def attrs(values: dict[str, str]) -> dict[str, Any]:
    """HTML attributes with hyphens (aria-*), for ``**``: Dash takes them as keyword arguments."""
    return values


def _named(heading_id: str, control) -> html.Div:
    """A control in a group named by its heading (for screen readers and axe)."""
    return html.Div(control, role="group", **attrs({"aria-labelledby": heading_id}))


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
        # The plan period whose targets are on the map: the bundled 十三五 or one imported (lnmap targets import).
        html.Div(id="plan-wrap", style={"display": "none"}, children=[
            html.H3(T("plan"), id="h-plan"),
            _named("h-plan", dcc.RadioItems(id="plan", options=[], value=None, className="choice")),
            T("plan_note", html.P, className="note"),
        ]),
        html.H3(T("pollutant"), id="h-pollutant"),
        _named("h-pollutant", dcc.RadioItems(id="pollutant", options=_options(POLLUTANT_LABELS, store["measures"]),
                                             value=ind["group"],
                       className="choice")),
        html.H3(T("measure"), id="h-measure"),
        _named("h-measure", dcc.RadioItems(id="measure", options=_options(MEASURE_LABELS, store["measures"][ind["group"]]),
                       value=ind["measure"], className="choice")),
        # Measures that run over years (observed values, the path to the cap): which year is on the map.
        html.Div(id="year-wrap", style={"display": "none"}, children=[
            html.H3(T("year"), id="h-year"),
            _named("h-year", dcc.RadioItems(id="year", options=[], value=None, className="choice years")),
        ]),
        html.P(id="observed-note", className="note",
               children=t("observed_loaded" if store["observed_loaded"] else "no_observed", lang)),
        create_observed_controls(lang),
        html.H3(T("map_type"), id="h-map-type"),
        _named("h-map-type", dcc.RadioItems(id="map-type", options=_options(MAP_TYPE_LABELS, MAP_TYPES),
                                            value=view.map_type, className="choice")),
        # The county level: shown for a measure that has county values (a CO2 inventory's).
        html.Div(id="level-wrap", style={"display": "none"}, children=[
            html.H3(T("level"), id="h-level"),
            _named("h-level", dcc.RadioItems(id="level", options=_options(LEVEL_LABELS, LEVELS), value=view.level,
                                             className="choice")),
        ]),
        html.H3(T("scheme"), id="h-scheme"),
        _named("h-scheme", dcc.RadioItems(id="scheme", options=_options(SCHEME_LABELS, store["schemes"]),
                                          value=view.scheme, className="choice")),
        html.H3(T("layers"), id="h-layers"),
        _named("h-layers", dcc.Checklist(id="layers", options=_options(LAYER_LABELS, LAYERS), value=view.layers,
                                         className="choice")),
        html.H3(T("basemap"), id="h-basemap"),
        _named("h-basemap", dcc.RadioItems(id="basemap", options=_options(BASEMAP_LABELS, BASEMAPS),
                                           value=view.basemap, className="choice")),
        create_download_controls(lang),
        # The allocation workbench (dashboard/workbench.py): a page of its own on the same server.
        html.P(T("workbench_link", html.A, href="workbench"), className="workbench-link"),
        T("sources_note", html.P, className="sources"),
    ])
    map_wrap = html.Section(className="map-wrap", **attrs({"aria-label": t("map_region", lang)}), children=[
        html.Div(id="notice", className="notice", role="status", **attrs({"aria-live": "polite"})),
        html.Div(id="tile-notice", className="notice", role="status", **attrs({"aria-live": "polite"})),
        html.Div(className="map-frame", children=[
            create_map(hideout, tuple(view.layers), store.get("layer_version", "")),
            html.Button(id="fullscreen", className="map-box map-button", n_clicks=0,
                        children=[html.Img(src=FULLSCREEN_ICON, alt="", className="icon"),
                                  T("fullscreen", className="btn-text")]),
            html.Div(className="map-side", children=[
                html.Div(id="legend", className="legend map-box"),
                html.Div(id="layer-legend", className="layer-legend map-box"),
            ]),
            html.Div(id="datum-note", className="datum map-box", children=t("datum_none", lang)),
        ]),
    ])
    panel = html.Aside(id="side-panel", className="panel", children=[
        html.Div(id="cards", className="cards"),
        T("ranking", html.H3, className="ranking-title"),
        html.Div(id="rank-note", className="note"),  # the county level: which counties the bars are
        html.Div(id="ranking", className="ranking", children=ranks),
        create_table_view(),
        create_multiples_view(),
        # The views as tabs (role=tab, reachable with Tab, arrow keys move); `panel` keeps the value.
        html.Div(className="tabs", role="tablist", id="panel-tabs", children=[
            html.Button(T(f"panel_{p}"), id={"type": "tab", "key": p}, role="tab", n_clicks=0,
                        className="tab" + (" selected" if p == view.panel else ""),
                        **attrs({"aria-selected": "true" if p == view.panel else "false", "aria-controls": "detail"}))
            for p in PANELS]),
        html.Div(dcc.RadioItems(id="panel", value=view.panel, options=[{"label": p, "value": p} for p in PANELS]),
                 hidden=True),
        html.Div(id="region-wrap", style={"display": "none"}, children=[
            html.Span(T("region_pick"), id="h-region-pick", className="sr-only"),
            _named("h-region-pick", dcc.RadioItems(
                id="region", className="choice", value=view.region,
                options=[{"label": store["region_names"][r]["zh"], "value": r} for r in REGION_IDS])),
        ]),
        html.Div(id="focus", className="focus", role="region", **attrs({"aria-live": "polite"})),
        dcc.Loading(html.Div(id="detail", className="detail", role="tabpanel", children=render_city(None, lang)),
                    type="dot", delay_show=300),
    ])

    def toggle(key: str, icon: str, controls: str):
        return html.Button(id=f"toggle-{key}", className="top-button", **attrs({"aria-controls": controls,
                                                                          "aria-expanded": "true"}),
                           children=[html.Span(icon, **attrs({"aria-hidden": "true"})), T(f"toggle_{key}", className="btn-text")])

    header = html.Header(className="top", children=[
        toggle("controls", "☰", "controls"),
        html.Div(className="titles", children=[T("title", html.H1), T("subtitle", html.Div, className="subtitle")]),
        html.Div(className="top-tools", children=[
            toggle("panel", "▤", "side-panel"),
            html.Div(className="lang", role="group", **attrs({"aria-label": "语言 / Language"}), children=[
                dcc.RadioItems(id="lang", value=lang, inline=True, options=[
                    {"label": html.Span(v, lang="zh-CN" if k == "zh" else "en"), "value": k}
                    for k, v in LANG_LABELS.items()]),
            ]),
        ]),
    ])
    return html.Div(className="app", children=[
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="store", data=store),
        dcc.Store(id="city"),
        dcc.Store(id="query"),
        dcc.Store(id="boot"),  # set by assets/map_*.js once the map is drawn: the datasets and plans load then
        dcc.Store(id="ready"),  # never set: the output of the clientside "ready" (the datasets' answer is in)
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


def create_multiples_view() -> html.Details:
    """The measure on the map for COD, NH3-N, SO2 and NOx side by side (geo.exports.multiples), drawn by the server
    on request, with its downloads."""
    return html.Details(id="multiples-view", className="section table-view", children=[
        html.Summary(T("multiples_view")),
        html.Button(T("multiples_show"), id="multiples-show", n_clicks=0, className="small-button"),
        dcc.Loading(html.Div(id="multiples", className="multiples"), type="dot", delay_show=200),
    ])


#: The table view's DataTable but for its columns and data. assets/map_*.js (``tableView``) makes it when the
#: section is opened: dash_table's scripts (~150 KB compressed) then load, not with the page, where they
#: held up the first map. ``persistence`` keeps a sort the user chose while the table is made anew for
#: another pollutant or language.
TABLE_PROPS = {
    "id": "table", "sort_action": "native", "sort_mode": "single", "style_as_list_view": True,
    "persistence": True, "persistence_type": "memory",
    "style_table": {"overflowX": "auto", "minWidth": "100%"},
    "style_cell": {"fontFamily": "inherit", "fontSize": "12px", "padding": "2px 6px", "whiteSpace": "normal",
                   "height": "auto", "minWidth": "5.5em", "maxWidth": "9em"},
    "style_header": {"fontWeight": "600", "background": "#fafafa"},
    "style_cell_conditional": [{"if": {"column_id": "city"}, "textAlign": "left", "fontWeight": "600"}],
}


def create_table_view() -> html.Details:
    """The 14 cities x every measure of the pollutant on the map, sortable (dash_table's own sorting), with
    a CSV download built in the browser (assets/map_*.js ``tableView``/``tableCsv``): no request either way.
    The table itself (:data:`TABLE_PROPS`) is put in ``table-host`` when the section is open."""
    return html.Details(id="table-view", className="section table-view", open=False, children=[
        html.Summary(T("table_view")),
        html.Button(T("table_csv"), id="table-csv", n_clicks=0, className="small-button"),
        html.Div(id="table-host"),
        dcc.Download(id="table-download"),
    ])


def create_download_controls(lang: str = DEFAULT_LANG) -> html.Div:
    """Export buttons: the view on screen (indicator, scheme, layers, language) in each format."""
    return html.Div(className="downloads", children=[
        html.H3(T("download"), id="h-download"),
        _named("h-download", dcc.RadioItems(id="export-page", className="choice", value="slide", inline=True,
                                            options=[{"label": t("page_slide", lang), "value": "slide"},
                                                     {"label": t("page_a4", lang), "value": "a4"}])),
        html.Div(className="export-buttons", children=[
            *[html.Button(f.upper(), id={"type": "export", "fmt": f}, n_clicks=0, className="small-button")
              for f in EXPORT_FORMATS],
            # The joined layer with its style, for QGIS/ArcGIS (geo.exports.gis_layer).
            html.Button(T("export_gpkg", lang=lang), id={"type": "export", "fmt": "gpkg"}, n_clicks=0,
                        className="small-button"),
        ]),
        html.Div(id="export-message", className="note"),
    ])


_PROBLEM = re.compile(r"^(?:(?P<src>[^,:]+), )?(?:row (?P<row>\d+))?(?:, )?(?:field '(?P<field>[^']+)')?: (?P<msg>.*)$")


def _problem(text: str, lang: str) -> str:
    """One rejected row of an upload (``str(Problem)``) in ``lang``, without the file's name."""
    m = _PROBLEM.match(text)
    if not m or not (m["row"] or m["field"] or m["src"]):
        return problem_text(text, None, None, lang)
    return problem_text(m["msg"], int(m["row"]) if m["row"] else None, m["field"], lang)


def render_upload_result(meta: dict | None, problems: list[str] | None, lang: str) -> list:
    """What the upload says: the dataset stored, or every rejected row and field."""
    if problems:
        return [html.B(t("upload_rejected", lang)), html.Ul([html.Li(_problem(p, lang)) for p in problems[:30]],
                                                             className="problems"),
                html.Div(f"… +{len(problems) - 30}") if len(problems) > 30 else ""]
    if meta is None:
        return []
    text = t("upload_ok", lang).format(rows=f"{meta['rows']:,}", cities=meta["cities"], encoding=meta["encoding"])
    return ([html.Span(text, className="ok")] + [html.Div(c, className="cite") for c in meta["conversions"]]
            + [html.Div(w, className="warning") for w in meta.get("warnings", [])])


def dataset_options(metas: list[dict]) -> list[dict]:
    return [{"label": f"{m['source']} · {m['imported_at'][:16].replace('T', ' ')} ({m['rows']})",
             "value": m["dataset_id"]} for m in reversed(metas)]


def _observed_cite(text: str, lang: str) -> str:
    """Where an observed value comes from, without the dataset's internal id:
    ``2020年公报 [估算] (obs-…, row 3, 万吨→吨)`` → ``2020年公报 [估算]（导入数据第 3 行，万吨→吨）``."""
    def row(m: re.Match) -> str:
        rest = m.group(2) or ""
        return (f"（导入数据第 {m.group(1)} 行{rest.replace(', ', '，')}）" if lang == "zh"
                else f" (imported row {m.group(1)}{rest})")
    return re.sub(r"\s*\(obs-[^,\s]+, row (\d+)((?:, [^)]*)?)\)", row, text)


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
             html.Span(_observed_cite(citation_text(r["citation"], lang), lang), className="cite")] for r in rows]
    return [html.H3(t("progress_title", lang)), _table(head, body, class_name="data progress"),
            html.P(t("progress_formula", lang), className="note")]


# --------------------------------------------------------------------------- detail panel

#: The sections of the city panel, in order: one per pollutant, then energy.
GROUPS = ("cod", "nh3n", "so2", "nox", "energy")
#: Units of the documents' own tables (provincial_targets.csv, 辽源's plan) in English.
UNIT_EN = {"万吨": "10⁴ t", "吨": "t", "%": "%", "万吨标准煤": "10⁴ t standard coal", "万千瓦": "10⁴ kW",
           "万亩": "10⁴ mu", "万亩/年": "10⁴ mu a year", "个": "count", "家": "firms", "百分点": "percentage points",
           "万标箱": "10⁴ TEU", "亿吨": "10⁸ t", "亿尾": "10⁸ fry", "亿立方米": "10⁸ m³", "公顷": "ha",
           "蒸吨/小时": "steam t/h", "蒸吨/小时（文中作“吨”）": "steam t/h (the text says “t”)"}
_CJK = re.compile(r"[\u3400-\u9fff]")


def _table(header: list[str], rows: list[list], class_name: str = "data") -> html.Table:
    return html.Table(className=class_name, children=[
        html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
        html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows]),
    ])


def _years(base: str, year: str) -> str:
    base, year = str(base or ""), str(year or "")
    return f"{base} → {year}" if base and year else (year or base or "—")


def _name(d: dict, lang: str, zh: str = "name_zh", en: str = "name_en") -> str:
    return d[zh] if lang == "zh" else d[en]


def _zh(text: str, lang: str, **kw):
    """Text that stays Chinese on the English screen (a quote, a source's own title), marked as such."""
    if lang == "en" and _CJK.search(text or ""):
        return html.Span(text, lang="zh-CN", **kw)
    return html.Span(text, **kw)


_CJK_RUN = re.compile(r"([\u3400-\u9fff\u3000-\u303f\uff01-\uff5e“”]+(?:[\s()（）\d-]*[\u3400-\u9fff]+[”）)]?)*)")


def _mixed(text: str, lang: str) -> list:
    """English text of the data with Chinese proper names in it (a programme, a newspaper): each
    Chinese run marked lang=zh-CN on the English screen, so readers and screen readers know."""
    if lang != "en" or not _CJK.search(text or ""):
        return [text]
    parts = _CJK_RUN.split(text)
    return [html.Span(p, lang="zh-CN") if i % 2 else p for i, p in enumerate(parts) if p]


def _unit(unit: str, lang: str) -> str:
    return unit if lang == "zh" else UNIT_EN.get(unit, unit)


def _section(title, children, open_: bool = False, key: str = "") -> html.Details:
    """A folded section: closed ones cost the browser no layout until opened (and, sent through
    :func:`folded`, no components until opened)."""
    return html.Details(open=open_, className=f"section section-{key}", children=[
        html.Summary(title), *children])


def folded(node):
    """``node`` (a panel's children) with the body of every section as HTML text (``data-html``), put in
    the page by assets/map_*.js when the section is open: at once for an open one, on opening for a closed
    one. Every Dash component costs the browser's renderer time to mount, and Dash's renderer more again
    to index it: a city panel of 600–700 components took most of a click's time, and the open section's
    121 still took about 200 ms. A body that is not plain HTML (a graph, a button) stays as it is."""
    if isinstance(node, list | tuple):
        return [folded(n) for n in node]
    if not isinstance(node, html.Details | html.Div):
        return node
    kids = node.children if isinstance(node.children, list) else None
    if isinstance(node, html.Div) or not kids or not isinstance(kids[0], html.Summary):
        if kids is not None:
            node.children = folded(kids)
        return node
    try:
        markup: dict[str, Any] = {"data-html": _markup(kids[1:])}
    except TypeError:
        return node
    node.children = [kids[0], html.Div(className="section-body", **markup)]
    return node


#: Properties of Dash's html components that are plain HTML attributes (other ones: not markup).
_ATTRIBUTES = {"className": "class", "title": "title", "lang": "lang", "scope": "scope", "colSpan": "colspan",
               "rowSpan": "rowspan", "alt": "alt", "src": "src", "href": "href"}


def _markup(node) -> str:
    """Dash html components as the HTML React would render them; TypeError for anything else."""
    if node is None:
        return ""
    if isinstance(node, list | tuple):
        return "".join(_markup(n) for n in node)
    if isinstance(node, str | int | float) and not isinstance(node, bool):
        return escape(str(node), quote=False)
    plain = node.to_plotly_json() if hasattr(node, "to_plotly_json") else None
    if not plain or plain.get("namespace") != "dash_html_components":
        raise TypeError(f"not plain HTML: {node!r}")
    tag = plain["type"].lower()
    attrs = []
    for k, v in plain["props"].items():
        if k == "children" or v is None:
            continue
        name = _ATTRIBUTES.get(k) or (k if k.startswith(("data-", "aria-")) else None)
        if name is None or isinstance(v, dict | list | bool):
            raise TypeError(f"not a plain attribute: {k}")
        attrs.append(f' {name}="{escape(str(v), quote=True)}"')
    return f"<{tag}{''.join(attrs)}>{_markup(plain['props'].get('children'))}</{tag}>"


def _target_rows(rows: list[dict], lang: str, decimals: dict[str, int]) -> html.Table:
    head = [t("col_indicator", lang), t("col_value", lang), t("col_years", lang),
            f"{t('col_formula', lang)} / {t('col_source', lang)}"]
    body = []
    for r in rows:
        unit = r["unit_zh"] if lang == "zh" else r["unit_en"]
        how = words(r["formula"], lang) if r["formula"] else t(
            "observed_value" if r["kind"] == "observed" else "annex_value", lang)
        cite = citation_text(r["citation"], lang)
        body.append([
            _name(r, lang),
            html.Span([html.Span(fmt(r["value"], decimals.get(r["indicator_id"], 2)), className="num"), " ",
                       html.Span(unit, className="unit")]),
            _years(r["base_year"], r["year"]),
            html.Div([html.Div(how, className="formula"),
                      html.Div(_observed_cite(cite, lang) if r["kind"] == "observed" else cite, className="cite")]),
        ])
    return _table(head, body, class_name="data targets")


def render_city(detail: dict | None, lang: str, group: str | None = None) -> list:
    """The city panel: progress, then one folded section per pollutant (``group`` open: the one
    on the map) with each target's value, unit, years, formula in words and citation; then the
    regions, designations and sites, folded. The indicator on the map, its rank and share come
    first, drawn in the browser (``#focus``, assets/map_*.js ``focus``)."""
    if detail is None:
        return [html.P(t("pick_city", lang), className="muted")]
    head = ([detail["name_zh"], html.Span(f" · {detail['name_en']}", className="muted")] if lang == "zh" else
            [detail["name_en"], " · ", html.Span(detail["name_zh"], lang="zh-CN", className="muted")])
    out: list = [html.H2(head, className="city-name", **{"data-adcode": detail["adcode"]})]
    if detail["in_liaoning"]:  # the page an analyst hands a leader (geo.exports.profile), in the screen's language
        out.append(html.Div(className="profile-buttons", children=[
            html.Span(t("profile_buttons", lang)),
            *[html.Button(f.upper(), id={"type": "profile", "fmt": f}, n_clicks=0, className="small-button")
              for f in PROFILE_FORMATS]]))
    if not detail["in_liaoning"]:
        out.append(html.P(t("outside_liaoning", lang), className="badge outside"))
    out += render_progress(detail.get("progress", []), lang)
    out += render_trajectories(detail.get("trajectories", {}), lang, group)
    decimals = detail.get("decimals", {})
    if detail["targets"]:
        out.append(html.H3(t("targets", lang)))
        notes = [annex_note(n, lang) for n in detail.get("notes", [])]
        for g in GROUPS:
            rows = [r for r in detail["targets"] if r.get("group") == g]
            if not rows:
                continue
            extra = [html.P(n, className="note annex-note") for n in notes
                     if g in ("so2", "nox") and ("SO2" in n or "NOx" in n or "附件4" in n or "附件5" in n
                                                 or "annex 4" in n or "annex 5" in n)]
            title = [label(POLLUTANT_LABELS, g, lang), html.Span(f" ({len(rows)})", className="muted")]
            out.append(_section(title, [_target_rows(rows, lang, decimals), *extra], open_=g == group, key=g))
    if detail.get("carbon"):
        out.append(_section([in_lang(lang, "二氧化碳排放（已导入的清单）", "CO2 emissions (imported inventories)"),
                             html.Span(f" ({len(detail['carbon'])})", className="muted")],
                            [render_carbon(detail["carbon"], lang)], open_=bool(group and group.startswith("co2")),
                            key="carbon"))
    if detail["own_targets"]:
        out.append(html.H3(t("own_targets", lang)))
        head = [t(k, lang) for k in ("col_indicator", "col_value", "col_unit", "col_years", "col_source", "col_quote")]
        out.append(_table(head, [[
            _name(r, lang),
            html.Span(f"{label(RELATION_LABELS, r['relation'], lang)} {fmt(r['value'], _shown_decimals(r['value']))}",
                      className="num"),
            _unit(r["unit"], lang), _years(r["base_year"], r["year"]),
            html.Span(citation_text(r["citation"], lang), className="cite"),
            _zh(r["quote"], lang, className="quote")] for r in detail["own_targets"]]))
    regions = [html.Ul([html.Li(className="partial" if r["partial"] else "full", children=[
        html.B(_name(r, lang)), " — ", t("partial" if r["partial"] else "full", lang),
        f" ({t('confidence', lang)}: {t('confidence_' + r['confidence'], lang)})" if r["confidence"] != "high" else "",
        html.Div([citation_text(r["citation"], lang), "; ", *_mixed(r["source"], lang)]
                 + (["; ", *_mixed(data_note(r["note"], lang), lang)] if r["note"] else []), className="cite"),
    ]) for r in detail["regions"]])] if detail["regions"] else [html.P(t("none", lang), className="muted")]
    out.append(_section([t("regions", lang), html.Span(f" ({len(detail['regions'])})", className="muted")], regions,
                        key="regions"))
    if detail["designations"]:
        head = [t(k, lang) for k in ("col_indicator", "col_place", "col_source")]
        des: list[Any] = [_table(head, [[_name(d, lang), d["place_zh"] if lang == "zh" else (d["place_en"] or d["place_zh"]),
                              html.Span(citation_text(d["citation"], lang), className="cite",
                                        title=d["quote"], lang="zh-CN" if lang == "en" else None)]
                             for d in detail["designations"]])]
    else:
        des = [html.P(t("none", lang), className="muted")]
    out.append(_section([t("designations", lang), html.Span(f" ({len(detail['designations'])})", className="muted")],
                        des, key="designations"))
    if detail["sites"]:
        head = [t(k, lang) for k in ("col_place", "col_kind", "col_precision", "col_named_in")]
        sites: list[Any] = [_table(head, [[_name(s, lang), s["kind_zh"] if lang == "zh" else s["kind_en"],
                                label(PRECISION_LABELS, s["precision"], lang)
                                if s["placed"] and s["precision"] in PRECISION_LABELS
                                else (s["precision"] if s["placed"] else t("not_placed", lang)),
                                html.Span(_mixed(citation_text(s["named_in"], lang), lang), className="cite")]
                               for s in detail["sites"]])]
    else:
        sites = [html.P(t("none", lang), className="muted")]
    out.append(_section([t("sites", lang), html.Span(f" ({len(detail['sites'])})", className="muted")], sites,
                        key="sites"))
    return out


def _shown_decimals(value) -> int:
    """Decimals a document's own figure needs (``2.5`` → 1, ``30`` → 0), at most two."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return 0
    for d in range(3):
        if abs(round(v, d) - v) < 1e-9:
            return d
    return 2


def render_region(summary: dict | None, lang: str) -> list:
    """The region view: members (partial ones marked) and aggregated quotas, saying how they were aggregated."""
    if summary is None:
        return [html.P(t("region_pick", lang), className="muted")]
    note = data_note(summary["note"], lang)
    out: list = [html.H2(_name(summary, lang)),
                 html.P([citation_text(summary["citation"], lang), *([" · ", *_mixed(note, lang)] if note else [])],
                        className="cite"),
                 html.H3(t("region_members", lang))]
    out.append(html.Ul([html.Li(className=m["membership"], children=[
        html.B(_name(m, lang)), " — ", t("partial" if m["membership"] == "partial" else "full", lang),
        f" ({t('confidence', lang)}: {t('confidence_' + m['confidence'], lang)})" if m["confidence"] != "high" else "",
        html.Div(_mixed(m["source"], lang), className="cite"),
        *([html.Div(_mixed(data_note(m["note"], lang), lang), className="cite")] if m.get("note") else []),
    ]) for m in summary["members"]]))
    out.append(html.H3(t("region_totals", lang)))
    out.append(html.P(t("region_method", lang), className="note method"))
    head = [t("col_indicator", lang), t("region_full_only", lang)]
    if summary["has_partial"]:
        head.append(t("region_with_partial", lang))
    head += [t("col_unit", lang), t("col_formula", lang)]
    units = {"t": ("吨", "t"), "%": ("%", "%"), "10kt_ce": ("万吨标准煤", "10⁴ t standard coal")}
    rows = []
    for r in summary["rows"]:
        d = 0 if r["unit"] == "10kt_ce" else 2
        cells: list[Any]
        if r["method"] == "range":
            cells = [f"{fmt(rg[0], 1)}–{fmt(rg[1], 1)}" if rg else "—"
                     for rg in (r.get("range"), r.get("range_with_partial"))]
        else:
            cells = [html.Span(fmt(v, d), className="num") for v in (r["value"], r.get("value_with_partial"))]
        row: list[Any] = [_name(r, lang), cells[0]]
        if summary["has_partial"]:
            row.append(cells[1])
        formula = r.get("formula_zh", r["formula"]) if lang == "zh" else r["formula"]
        row += [units[r["unit"]][0 if lang == "zh" else 1],
                html.Span([t(f"method_{r['method']}", lang), ": ", words(formula, lang)], className="cite")]
        rows.append(row)
    out.append(_table(head, rows))
    return out


def render_coal(coal: list[dict], lang: str) -> list:
    """Coal-fired capacity per city (geo.places.power_plants.coal_by_city) with its share of the province's, the
    data's attribution and age: beside the note that the SO2/NOx baselines leave out province-managed plants."""
    from geo.places.power_plants import ATTRIBUTION, ATTRIBUTION_ZH, DATA_AGE

    if not coal:
        return []
    total = sum(r["capacity_mw"] or 0.0 for r in coal)
    rows = [[_name(r, lang), html.Span(str(r["plants"]), className="num"), html.Span(fmt(r["capacity_mw"], 0), className="num"),
             html.Span(f"{fmt(100 * (r['capacity_mw'] or 0.0) / total, 1)} %" if total else "—", className="num")]
            for r in sorted(coal, key=lambda r: -(r["capacity_mw"] or 0.0))]
    rows.append([html.B(t("coal_total", lang)), html.Span(str(sum(r["plants"] for r in coal)), className="num"),
                 html.Span(fmt(total, 0), className="num"), html.Span("100.0 %", className="num")])
    head = [t(k, lang) for k in ("coal_city", "coal_plants", "coal_mw", "coal_share")]
    age = DATA_AGE[0] if lang == "zh" else DATA_AGE[1]
    return [html.H4(t("coal_title", lang)), _table(head, rows, class_name="data coal"),
            html.P([ATTRIBUTION_ZH if lang == "zh" else ATTRIBUTION, "; ", age], className="cite")]


def render_province(view: dict, others: list[dict], lang: str, show_other: bool, coal: list[dict] | None = None) -> list:
    """Provincial targets by document and the city-sum reconciliation (with each city's coal-fired capacity
    beside the power-plant note); 辽源 only when asked for."""
    out: list = [html.H2(t("province_targets", lang))]
    head = [t(k, lang) for k in ("col_indicator", "col_value", "col_unit", "col_years", "col_source")]
    for doc, rows in view["documents"].items():
        out.append(html.H4(_zh(doc, lang)))
        out.append(_table(head, [[
            _name(r, lang),
            html.Span(f"{label(RELATION_LABELS, r['relation'], lang)} {fmt(r['value'], _shown_decimals(r['value']))}",
                      className="num"),
            _unit(r["unit"], lang), _years(r["base_year"], r["year"]),
            html.Span(citation_text(r["citation"], lang), className="cite", title=r["quote"])] for r in rows]))
    out.append(html.H3(t("reconciliation", lang)))
    head = [t(k, lang) for k in ("recon_pollutant", "recon_city_sum", "recon_implied", "recon_share", "recon_caps",
                                 "recon_prov_cap", "recon_diff")]
    out.append(_table(head, [[r["pollutant_zh"] if lang == "zh" else r["pollutant_en"],
                              *[html.Span(fmt(r[k]), className="num") for k in (
                                  "city_sum_2015_t", "province_2015_implied_t", "city_share_of_province_2015_pct",
                                  "city_sum_cap_2020_t", "province_cap_2020_t", "city_caps_minus_province_cap_t")]]
                             for r in view["reconciliation"]], class_name="data recon"))
    out.append(html.P(t("recon_formulas", lang), className="note"))
    out.append(html.P(t("power_plant_note", lang), className="note power-plant"))
    out += render_coal(coal or [], lang)
    for note in dict.fromkeys(annex_note(r["note"], lang) for r in view["reconciliation"] if r["note"]):
        out.append(html.P(note, className="cite"))
    out.append(html.H3(t("other_plans", lang)))
    if not show_other:
        out.append(html.P(t("other_plans_hint", lang), className="muted"))
        return out
    for d in others:
        out.append(html.Div(className="other-plan", children=render_city(d, lang)))
    return out


def render_carbon(rows: list[dict], lang: str) -> html.Table:
    """A city's (or county's) numbers in each stored CO2 inventory, each with its year, method, licence and
    source; a county's rows have no intensity (no county GDP) but their share of the city's total."""
    county = any("share_of_city_pct" in r for r in rows)
    third = ("占所属城市 %", "Share of its city %") if county else ("吨/万元", "t per 10⁴ yuan")
    head = [in_lang(lang, c_zh, c_en) for c_zh, c_en in (
        ("清单", "Inventory"), ("二氧化碳排放量（吨）", "CO2 (t)"), ("吨/平方千米", "t/km²"), third,
        ("覆盖 %", "Covered %"), ("方法、许可与来源", "Method, licence and source"))]

    def num(v: float, d: int) -> str:
        return fmt_number(v, d) if math.isfinite(v) else "—"

    return _table(head, [[
        f"{r['name']} ({r['year']})",
        html.Span(num(r["co2_t"], 2), className="num"), html.Span(num(r["co2_t_per_km2"], 3), className="num"),
        html.Span(num(r["share_of_city_pct"], 2) if county else num(r["co2_t_per_10k_yuan"], 4), className="num"),
        html.Span(num(r["coverage_pct"], 2), className="num"),
        html.Span(in_lang(lang, f"{r['method_zh']}；许可：{r['licence'] or '未注明'}；来源：{r['source'] or '未注明'}",
                    f"{r['method_en']}; licence: {r['licence'] or 'not given'}; source: {r['source'] or 'not given'}"),
                  className="cite")] for r in rows])


def render_county(county: dict, lang: str) -> list:
    """The county panel (the county level of a CO2 inventory): the county and its city, then its numbers in
    each stored inventory with their method, licence and source, and how a share of the city is computed."""
    head = ([county["name_zh"], html.Span(f" · {county['name_en']}", className="muted")] if lang == "zh" else
            [county["name_en"], " · ", html.Span(county["name_zh"], lang="zh-CN", className="muted")])
    city = county["city_zh"] if lang == "zh" else county["city_en"]
    out: list = [html.H2(head, className="city-name county-name", **{"data-adcode": county["adcode"]}),
                 html.P(in_lang(lang, f"县级行政区 · 所属城市：{city}", f"County-level division · city: {city}"),
                        className="muted")]
    if not county["carbon"]:
        out.append(html.P(in_lang(lang, "已导入的二氧化碳清单中没有该县区的数值。",
                                  "No imported CO2 inventory has a value for this county."), className="muted"))
        return out
    out.append(html.H3(in_lang(lang, "二氧化碳排放（已导入的清单）", "CO2 emissions (imported inventories)")))
    out.append(render_carbon(county["carbon"], lang))
    out.append(html.P(in_lang(
        lang, "占所属城市 % = 该县区的二氧化碳排放量 ÷ 同一清单中所属城市的排放量 × 100；县区没有地区生产总值，故无强度。",
        "Share of its city % = the county's CO2 ÷ its city's CO2 in the same inventory × 100; counties have no GDP, "
        "so no intensity."), className="note"))
    return out
