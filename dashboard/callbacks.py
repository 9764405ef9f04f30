"""Callbacks: thin adapters. The server renders only the detail panel; the rest runs in the browser.

Clientside callbacks (``assets/map.js``, namespace ``lnmap``) handle every switch of
indicator, scheme, layer, basemap and language, and the URL, so a switch sends no
request. The one server callback, :func:`detail_panel`, is a plain function of its
inputs and the data loaded at start; it reads and writes no module-level state.
"""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, State

from dashboard.i18n import DEFAULT_LANG, LANGS
from dashboard.layout import render_city, render_province, render_region
from geo.view import OTHER_PLAN_CITIES, ViewData, city_detail, other_plans, province_view, region_summary

AREA = {"type": "area", "key": ALL}
RANK = {"type": "rank", "index": ALL}
LAYER = {"type": "layer", "key": ALL}
TEXT = {"type": "t", "key": ALL}
CONTROLS = ("pollutant", "measure", "scheme", "layers", "lang", "basemap", "panel", "region")


def detail_panel(data: ViewData, city: dict | None, panel: str | None, region: str | None, lang: str | None,
                 show_other: bool | None) -> tuple[list, dict]:
    """Children of the detail panel and the style of the region picker."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    region_style = {"display": "block" if panel == "region" else "none"}
    if panel == "region":
        return render_region(region_summary(data, region or ""), lang), region_style
    if panel == "province":
        return render_province(province_view(data), other_plans(data), lang, bool(show_other)), region_style
    adcode = (city or {}).get("adcode")
    if adcode in OTHER_PLAN_CITIES and not show_other:
        adcode = None  # outside Liaoning: shown only when the user asks for other plans
    return render_city(city_detail(data, adcode) if adcode else None, lang), region_style


def _cs(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="lnmap", function_name=name)


def register_callbacks(app: Dash, data: ViewData) -> None:
    store = State("store", "data")
    app.clientside_callback(
        _cs("fromUrl"),
        [Output("pollutant", "value"), Output("measure", "value"), Output("scheme", "value"),
         Output("layers", "value"), Output("lang", "value"), Output("basemap", "value"), Output("panel", "value"),
         Output("region", "value")],
        Input("url", "search"), store, *(State(c, "value") for c in CONTROLS),
    )
    app.clientside_callback(
        _cs("measureOptions"),
        [Output("measure", "options"), Output("measure", "value", allow_duplicate=True)],
        Input("pollutant", "value"), Input("lang", "value"), State("measure", "value"), store,
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("restyle"),
        [Output({"type": "area", "key": "cities"}, "hideout"), Output("legend", "children"),
         Output(RANK, "style"), Output(RANK, "children"), Output(RANK, "className")],
        Input("pollutant", "value"), Input("measure", "value"), Input("scheme", "value"), Input("city", "data"),
        Input("lang", "value"), store, State({"type": "area", "key": "cities"}, "hideout"),
    )
    app.clientside_callback(
        _cs("layers"),
        [Output(LAYER, "children"), Output("basemap-layer", "children"),
         Output({"type": "area", "key": "cities"}, "url"), Output("datum-note", "children"),
         Output("layer-legend", "children")],
        Input("layers", "value"), Input("basemap", "value"), Input("lang", "value"), State(LAYER, "children"), store,
        prevent_initial_call=True,  # the layout already holds the default layers
    )
    app.clientside_callback(
        _cs("translate"),
        [Output(TEXT, "children"), Output("pollutant", "options"), Output("scheme", "options"),
         Output("layers", "options"), Output("basemap", "options"), Output("panel", "options"),
         Output("region", "options"), Output("observed-note", "children")],
        Input("lang", "value"), store,  # runs on load too: it adds the site icons to the layer list
    )
    app.clientside_callback(
        _cs("selectCity"),
        Output("city", "data"),
        Input("url", "search"), Input(AREA, "n_clicks"), Input(RANK, "n_clicks"), State(AREA, "clickData"), store,
        State("city", "data"),
    )
    app.clientside_callback(
        _cs("cityPanel"), Output("panel", "value", allow_duplicate=True), Input("city", "data"), State("panel", "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("showOther"), Output("show-other", "data"), Input("layers", "value"), State("show-other", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("toUrl"),
        Output("query", "data"),
        Input("pollutant", "value"), Input("measure", "value"), Input("scheme", "value"), Input("city", "data"),
        Input("layers", "value"), Input("lang", "value"), Input("basemap", "value"), Input("panel", "value"),
        Input("region", "value"), store,
    )

    @app.callback(
        Output("detail", "children"), Output("region-wrap", "style"),
        Input("city", "data"), Input("panel", "value"), Input("region", "value"), Input("lang", "value"),
        Input("show-other", "data"),
        prevent_initial_call=True,  # the layout holds the empty panel; a city from the URL sets this off
    )
    def _detail(city, panel, region, lang, show_other):
        return detail_panel(data, city, panel, region, lang, show_other)
