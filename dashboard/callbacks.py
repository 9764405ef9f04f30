"""Callbacks: thin adapters. The server renders only the detail panel; the rest runs in the browser.

Clientside callbacks (``assets/map_*.js``, namespace ``lnmap``) handle every switch of
indicator, scheme, layer, basemap and language, and the URL, so a switch sends no
request. The one server callback, :func:`detail_panel`, is a plain function of its
inputs and the data loaded at start; it reads and writes no module-level state.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import pandas as pd
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard.i18n import DEFAULT_LANG, LANGS, t
from dashboard.layout import (
    dataset_options,
    folded,
    render_city,
    render_county,
    render_province,
    render_region,
    render_upload_result,
)
from dashboard.state import (
    REGION_IDS,
    SITE_LAYERS,
    asked_year,
    carbon_store,
    county_names,
    observed_store,
    parse_query,
    plan_store,
)
from geo.core.errors import DataValidationError, LnmapError, StoreError
from geo.core.settings import Settings
from geo.core.vocabulary import column_decimals
from geo.measures.catalogue import POLLUTANTS
from geo.measures.observed import (
    MAX_BYTES,
    active_dataset,
    import_observed,
    list_datasets,
    load_observed,
    remove_dataset,
    trajectory,
)
from geo.measures.view import (
    OTHER_PLAN_CITIES,
    ViewData,
    city_detail,
    other_plans,
    province_view,
    region_summary,
    with_observed,
)

log = logging.getLogger(__name__)
PROVINCE_ADCODE = "210000"  # province rows of an observed file (geo.measures.provincial)

AREA = {"type": "area", "key": ALL}
RANK = {"type": "rank", "index": ALL}
LAYER = {"type": "layer", "key": ALL}
TEXT = {"type": "t", "key": ALL}
TAB = {"type": "tab", "key": ALL}
CONTROLS = ("pollutant", "measure", "scheme", "layers", "lang", "basemap", "panel", "region", "year", "map-type",
            "level")


def _observed_rows(dataset_id: str | None, settings: Settings | None):
    """Rows of the dataset the browser picked (read per request; nothing kept in server memory)."""
    if not dataset_id:
        return None
    try:
        return load_observed(dataset_id, settings)
    except (KeyError, FileNotFoundError):  # not a dataset id, or removed meanwhile (another user, or the CLI)
        return None


def detail_panel(data: ViewData, city: dict | None, panel: str | None, region: str | None, lang: str | None,
                 show_other: bool | None, dataset_id: str | None = None,
                 settings: Settings | None = None, *, group: str | None = None) -> tuple[list, dict]:
    """Children of the detail panel and the style of the region picker; ``group`` is the pollutant
    on the map, whose section of the city panel opens."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    data = with_observed(data, _observed_rows(dataset_id, settings))
    region_style = {"display": "block" if panel == "region" else "none"}
    if panel == "region":
        return render_region(region_summary(data, region or ""), lang), region_style
    if panel == "province":
        return render_province(province_view(data), other_plans(data), lang, bool(show_other),
                               coal_rows(data, settings)), region_style
    adcode = (city or {}).get("adcode")
    county = county_names(settings).get(str(adcode)) if adcode else None
    if county is not None:  # a county of the CO2 inventories' county level
        from geo.carbon.measures import city_carbon

        rows = city_carbon(str(adcode), data.observed, settings, level="county", parent=county["city"])
        return render_county({**county, "adcode": str(adcode), "carbon": rows}, lang), region_style
    if adcode in OTHER_PLAN_CITIES and not show_other:
        adcode = None  # outside Liaoning: shown only when the user asks for other plans
    detail = city_detail(data, adcode) if adcode else None
    if detail is not None:
        from geo.carbon.measures import city_carbon

        detail["carbon"] = city_carbon(str(adcode), data.observed, settings)
        detail["decimals"] = {i.id: column_decimals(data.table[i.id], most=3 if i.unit == "t/km2" else 2)
                              for i in data.indicators}
        if data.observed_loaded and data.observed is not None:
            obs = data.observed
            detail["trajectories"] = {p: trajectory(data.table, obs, str(adcode), p) for p in POLLUTANTS
                                      if (obs.pollutant == p).any()}
    return render_city(detail, lang, group if isinstance(group, str) else None), region_style


def coal_rows(data: ViewData, settings: Settings | None = None) -> list[dict]:
    """Coal-fired plants and capacity per Liaoning city (geo.places.power_plants; none when the file is missing)."""
    from geo.places.power_plants import coal_by_city, load_power_plants

    try:
        coal = coal_by_city(load_power_plants(settings))
    except (FileNotFoundError, LnmapError):
        return []
    names = data.table.set_index("adcode")
    return [{"adcode": r.adcode, "name_zh": names.name_zh.get(r.adcode, r.adcode),
             "name_en": names.name_en.get(r.adcode, r.adcode), "plants": int(r.plants),
             "capacity_mw": None if pd.isna(r.capacity_mw) else float(r.capacity_mw)}
            for r in coal.itertuples()]


def observed_state(data: ViewData, base_store: dict, trigger: str | None, contents: str | None,
                   filename: str | None, source: str | None, dataset_id: str | None, lang: str | None,
                   settings: Settings | None = None, *, search: str | None = None,
                   actor: str | None = "local") -> tuple:
    """Upload, pick or remove an observed dataset.

    ``actor`` is the signed-in editor (``web:<name>``, for the audit log); None refuses an upload or
    removal with a message (the server's guard in :mod:`dashboard.auth` already refuses such requests).

    Returns (store, dataset options, dataset value, message, pollutant, measure); ``no_update``
    where nothing changes. A rejected upload changes nothing and lists each bad row and field.
    Every failure — a bad file, a value the browser should not send, a store that cannot be
    written — ends as a message on the screen, never as a server error.
    """
    lang = lang if isinstance(lang, str) and lang in LANGS else DEFAULT_LANG
    try:
        if trigger in ("upload", "remove-confirm") and actor is None:
            return no_update, no_update, no_update, _error(_SIGN_IN[lang]), no_update, no_update
        return _observed_state(data, base_store, trigger, contents, filename, source, dataset_id, lang, settings,
                               search=search, actor=actor)
    except StoreError as exc:
        log.warning("observed store: %s", exc)
        key = {"full": "store_full", "read_only": "store_read_only"}.get(exc.reason, "store_failed")
    except Exception:
        log.exception("observed-values callback failed (trigger %r)", trigger)
        key = "store_failed"
    return no_update, no_update, no_update, _error(t(key, lang)), no_update, no_update


_SIGN_IN = {"zh": "只有登录的编辑可以导入或删除数据集。", "en": "Only a signed-in editor may import or remove datasets."}


def _error(text: str) -> list:
    return [html.B(text, className="error")]


def _text(value: object) -> str | None:
    """A browser-sent value that must be text: None when it is anything else (a dict, a list ...)."""
    return value if isinstance(value, str) else None


def _observed_state(data: ViewData, base_store: dict, trigger: str | None, contents: object, filename: object,
                    source: object, dataset_id: object, lang: str, settings: Settings | None, *,
                    search: object, actor: str | None = None) -> tuple:
    pollutant: Any = no_update
    measure: Any = no_update
    message: Any = no_update
    filename, source, search = _text(filename), _text(source), _text(search) or ""
    if dataset_id is not None and _text(dataset_id) is None:
        return (no_update, no_update, None, _error(t("dataset_invalid", lang)), no_update, no_update)
    dataset_id = _text(dataset_id)
    if trigger == "upload":
        if not contents:
            return (no_update,) * 6
        try:
            if not isinstance(contents, str) or "," not in contents:
                raise ValueError("not a data URL")
            data_bytes = base64.b64decode(contents.split(",", 1)[1], validate=True)
        except (ValueError, binascii.Error):
            return (no_update, no_update, no_update, _error(t("upload_unreadable", lang)), no_update, no_update)
        try:
            meta = import_observed(data_bytes, name=filename or "upload", source=source or None, settings=settings,
                                   actor=actor,
                                   activate=False)
        except DataValidationError as exc:
            return (no_update, no_update, no_update, render_upload_result(None, [str(p) for p in exc.problems], lang),
                    no_update, no_update)
        dataset_id = str(meta["dataset_id"])
        message = render_upload_result(meta, None, lang)
        observed = load_observed(dataset_id, settings)
        cities_2020 = observed[(observed.year.astype(int) == 2020) & observed.pollutant.isin(list(POLLUTANTS))
                               & (observed.adcode.astype(str) != PROVINCE_ADCODE)]  # not energy, not the province
        first: list[Any] = sorted(set(cities_2020.pollutant))[:1] or [no_update]
        pollutant, measure = first[0], ("progress" if first[0] is not no_update else no_update)
    elif trigger == "remove-confirm":
        if not dataset_id:
            return (no_update,) * 6
        try:
            remove_dataset(dataset_id, settings, actor=actor)
        except KeyError:
            pass
        message = t("removed", lang).format(id=dataset_id)
        dataset_id = None
    elif trigger is None:  # page load: the URL's dataset, else the store's active one
        asked = parse_query(search, {"indicators": {}, "cities": {}})
        dataset_id = dataset_id or asked.dataset or active_dataset(settings)
    metas = list_datasets(settings)
    known = {m["dataset_id"]: m for m in metas}
    if dataset_id not in known:
        dataset_id = None
    if trigger is None and dataset_id is None:
        # The picker's value stays as it is (empty): set again, it would redraw the city panel, which this
        # runs after (the "boot" in register_callbacks), under a click on the panel's buttons.
        store = carbon_store(base_store, data, None, settings)  # the CO2 inventories, if any are stored
        if store is base_store:
            return no_update, dataset_options(metas), no_update, no_update, no_update, no_update
        pollutant, measure = _asked_measure(store, base_store, search)
        return store, dataset_options(metas), no_update, no_update, pollutant, measure
    rows = _observed_rows(dataset_id, settings)
    store = carbon_store(observed_store(base_store, data, rows, known.get(dataset_id)), data, rows, settings)
    if trigger is None:  # a shared link may name an observed measure, known only now that the dataset is in
        pollutant, measure = _asked_measure(store, base_store, search)
    return store, dataset_options(metas), dataset_id, message, pollutant, measure


def _asked_measure(store: dict, base_store: dict, search: str) -> tuple[Any, Any]:
    """The group and measure of a link's indicator that only the dataset or a CO2 inventory brings."""
    asked = parse_query(search, store)
    ind = store["indicators"].get(asked.indicator)
    if ind and asked.indicator not in base_store["indicators"]:
        return ind["group"], ind["measure"]
    return no_update, no_update


def _plan_label(meta: dict) -> str:
    """``十四五 (2020–2025)``: a plan's own name (a proper name, the same in both languages) and its years."""
    years = sorted({*meta.get("base_years", []), *meta.get("target_years", [])})
    return f"{meta['plan']} ({years[0]}–{years[-1]})" if years else str(meta["plan"])


def with_plan(data: ViewData, base_store: dict, out: tuple, trigger: str | None, plan: object, search: str | None,
              pollutant: object, settings: Settings | None = None) -> tuple[tuple, tuple]:
    """The plan period on top of :func:`observed_state`'s answer ``out``.

    Returns (``out`` with the store showing ``plan``'s targets and, on a switch of plan, the pollutant
    and measure moved to the plan's cap; (plan options, plan value, plan picker style)). The plan comes
    from the picker, or on page load from the link (``plan=``); one that is not stored is the bundled
    十三五 (the link's notice names it). A failed upload (no new store) leaves the plan as it was.
    """
    from geo.measures.plans import BUNDLED, list_plans

    store, options, dataset_value, message, new_pollutant, measure = out
    try:
        plans = list_plans(settings)
    except (StoreError, LnmapError):
        log.warning("plans could not be listed", exc_info=True)
        plans = []
    names = [p["plan"] for p in plans]
    picker = ([{"label": _plan_label(p), "value": p["plan"]} for p in plans],
              {"display": "block" if len(plans) > 1 else "none"})
    if trigger is None:
        plan = parse_query(search or "", {"indicators": {}, "cities": {}}).plan
    plan = plan if isinstance(plan, str) and plan in names else BUNDLED
    value: Any = plan if trigger is None else no_update
    if plan == BUNDLED and trigger != "plan":
        return out, (picker[0], value, picker[1])
    if not isinstance(store, dict):
        if trigger not in (None, "plan"):
            return out, (picker[0], value, picker[1])  # nothing changed (a refused upload)
        store = carbon_store(base_store, data, None, settings)
    rows = _observed_rows(dataset_value if isinstance(dataset_value, str) else None, settings)
    try:
        store = plan_store(store, data, plan, rows, settings)
    except KeyError:  # removed meanwhile
        store, value = plan_store(store, data, None), BUNDLED
    measures = store["measures"]
    if trigger == "plan":
        group = pollutant if isinstance(pollutant, str) and pollutant in measures else next(iter(measures), None)
        if group is not None:
            ms = measures[group]
            new_pollutant = group
            measure = next((m for m in ("cap", "cap_2020") if m in ms), ms[0] if ms else no_update)
    elif trigger is None and store.get("plan"):
        asked = parse_query(search or "", store)
        ind = store["indicators"].get(asked.indicator)
        if ind and asked.indicator not in base_store["indicators"]:
            new_pollutant, measure = ind["group"], ind["measure"]
    return (store, options, dataset_value, message, new_pollutant, measure), (picker[0], value, picker[1])


def export_view(data: ViewData, fmt: str, query: str | None, page: str | None, dataset_id: str | None,
                settings: Settings | None = None) -> tuple[Any, str]:
    """The view on screen (indicator, scheme, layers, language) as a download, or a message."""
    from urllib.parse import parse_qs

    from geo.exports.maps import render_map
    from geo.exports.spec import ExportError, file_name
    from geo.measures.catalogue import BY_ID, lookup

    observed = _observed_rows(dataset_id, settings)
    view = parse_query(query or "", {"indicators": {i.id: 1 for i in with_observed(data, observed).indicators},
                                     "cities": {}})
    asked = (parse_qs((query or "").lstrip("?")).get("indicator") or [""])[-1]
    if asked not in BY_ID and lookup(asked) is not None:  # a year's or a later plan's measure: never silently another map
        return no_update, t("export_table_instead", view.lang)
    page = page if page in ("slide", "a4") else "slide"
    # The outlines and sites switched on, and the region whose view is open.
    regions = [r for r in REGION_IDS if r in view.layers or (view.panel == "region" and r == view.region)]
    sites = [k for k in SITE_LAYERS if k in view.layers]
    try:
        if fmt == "gpkg":  # the joined layer with the view's classes as its default style
            from geo.exports.gis_layer import layer_file_name, render_layer

            blob = render_layer([view.indicator], fmt, lang=view.lang, scheme=view.scheme, settings=settings,
                                observed=observed)
            return dcc.send_bytes(blob, layer_file_name([view.indicator], fmt, view.lang)), ""
        # Every option of the view goes into the file, its reproduce command and its name (geo.exports.maps).
        dataset = dataset_id if observed is not None else None
        options: dict[str, Any] = {"scheme": view.scheme, "regions": regions, "sites": sites, "map_type": view.map_type,
                                   "dataset": dataset, "plants": "plants" in view.layers,
                                   "counties": "counties" in view.layers}
        blob = render_map(view.indicator, fmt, lang=view.lang, page=page, settings=settings, observed=observed, **options)
    except (ExportError, LnmapError) as exc:
        return no_update, f"{t('export_failed', view.lang)}{exc}"
    return dcc.send_bytes(blob, file_name(view.indicator, fmt, view.lang, page, **options)), ""


#: A picked file over the size limit never reaches the server (dcc.Upload's max_size drops it
#: silently): assets/upload.js reports its name and size, and this says so in the user's language.
UPLOAD_TOO_LARGE = """function (picked, lang, store) {
    if (!picked || picked.size <= LIMIT) return window.dash_clientside.no_update;
    const s = store.i18n.strings.upload_too_large, mb = function (n) { return (n / 1048576).toFixed(1); };
    return (s[lang] || s.zh).replace("{name}", picked.name).replace("{size}", mb(picked.size))
        .replace("{limit}", mb(LIMIT));
}""".replace("LIMIT", str(MAX_BYTES))


def profile_download(data: ViewData, city: dict | None, fmt: str, lang: str | None, dataset_id: str | None,
                     settings: Settings | None = None) -> tuple[Any, Any]:
    """The selected city's one-page profile (geo.exports.profile) as a download, with the observed values in use."""
    from geo.exports.profile import PROFILE_FORMATS, render_profile

    lang = lang if lang in LANGS else DEFAULT_LANG
    adcode = (city or {}).get("adcode")
    if fmt not in PROFILE_FORMATS or not isinstance(adcode, str) or adcode in OTHER_PLAN_CITIES:
        return no_update, no_update
    try:
        blob = render_profile(adcode, fmt, lang=lang, settings=settings, observed=_observed_rows(dataset_id, settings))
    except LnmapError as exc:
        return no_update, f"{t('export_failed', lang)}{exc}"
    return dcc.send_bytes(blob, f"profile_{adcode}_{lang}.{fmt}"), ""


def multiples_view(query: str | None, dataset_id: str | None, settings: Settings | None = None) -> list:
    """The measure on the map (from the view's link) for the four pollutants, as an image and downloads."""
    from geo.exports.multiples import MULTIPLES_FORMATS, render_multiples
    from geo.measures.catalogue import BY_ID, POLLUTANTS

    view = parse_query(query or "", {"indicators": BY_ID, "cities": {}})
    ind = BY_ID[view.indicator]
    if ind.group not in POLLUTANTS:
        return [html.P(t("multiples_none", view.lang), className="note")]
    measure = view.indicator.removeprefix(f"{ind.group}_")
    observed = _observed_rows(dataset_id, settings)
    try:
        png = render_multiples(measure, "png", lang=view.lang, scheme=view.scheme, dpi=110, settings=settings,
                               observed=observed)
    except LnmapError as exc:
        return [html.P(f"{t('export_failed', view.lang)}{exc}", className="error")]
    name = ind.name_zh if view.lang == "zh" else ind.name_en
    return [html.Img(src="data:image/png;base64," + base64.b64encode(png).decode("ascii"), className="multiples-img",
                     alt=t("multiples_alt", view.lang).format(m=name)),
            html.Div(className="export-buttons", children=[
                html.Span(t("multiples_download", view.lang)),
                *[html.Button(f.upper(), id={"type": "multiples", "fmt": f}, n_clicks=0, className="small-button")
                  for f in MULTIPLES_FORMATS]])]


def multiples_download(query: str | None, fmt: str, dataset_id: str | None, settings: Settings | None = None):
    from geo.exports.multiples import render_multiples
    from geo.measures.catalogue import BY_ID

    view = parse_query(query or "", {"indicators": BY_ID, "cities": {}})
    ind = BY_ID[view.indicator]
    measure = view.indicator.removeprefix(f"{ind.group}_")
    try:
        blob = render_multiples(measure, fmt, lang=view.lang, scheme=view.scheme, settings=settings,
                                observed=_observed_rows(dataset_id, settings))
    except LnmapError as exc:
        return no_update, f"{t('export_failed', view.lang)}{exc}"
    return dcc.send_bytes(blob, f"multiples_{measure}_{view.scheme}_{view.lang}.{fmt}"), ""


def _cs(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="lnmap", function_name=name)


def register_callbacks(app: Dash, data: ViewData, base_store: dict | None = None,
                       settings: Settings | None = None) -> None:
    store = State("store", "data")
    app.clientside_callback(
        _cs("fromUrl"),
        [Output("pollutant", "value"), Output("measure", "value"), Output("scheme", "value"),
         Output("layers", "value"), Output("lang", "value"), Output("basemap", "value"), Output("panel", "value"),
         Output("region", "value"), Output("year", "value"), Output("map-type", "value"), Output("level", "value")],
        Input("url", "search"), store, *(State(c, "value") for c in CONTROLS),
    )
    app.clientside_callback(
        _cs("tableView"), Output("table-host", "children"),
        Input("pollutant", "value"), Input("lang", "value"), Input("store", "data"), Input("year", "value"),
        Input("table-view", "open"),  # set by assets/map_*.js when the section is opened or closed
    )
    app.clientside_callback(
        _cs("tableCsv"), Output("table-download", "data"),
        Input("table-csv", "n_clicks"), State("pollutant", "value"), State("lang", "value"), store,
        State("year", "value"), prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("yearOptions"),
        [Output("year", "options"), Output("year", "value", allow_duplicate=True), Output("year-wrap", "style")],
        Input("pollutant", "value"), Input("measure", "value"), Input("lang", "value"), Input("store", "data"),
        State("year", "value"), prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("measureOptions"),
        [Output("measure", "options"), Output("measure", "value", allow_duplicate=True)],
        Input("pollutant", "value"), Input("lang", "value"), Input("store", "data"), State("measure", "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("restyle"),
        [Output({"type": "area", "key": "cities"}, "hideout"), Output("legend", "children"),
         Output(RANK, "style"), Output(RANK, "children"), Output(RANK, "className"), Output("symbols", "hideout")],
        Input("pollutant", "value"), Input("measure", "value"), Input("scheme", "value"), Input("city", "data"),
        Input("lang", "value"), Input("panel", "value"), Input("region", "value"), Input("store", "data"),
        Input("year", "value"), Input("map-type", "value"), Input("level", "value"),
        State({"type": "area", "key": "cities"}, "hideout"),
    )
    app.clientside_callback(
        _cs("countyLevel"),
        [Output("level-wrap", "style"), Output("level", "options"), Output("county-areas", "children"),
         Output("county-symbols", "children"), Output("rank-note", "children")],
        Input("pollutant", "value"), Input("measure", "value"), Input("year", "value"), Input("level", "value"),
        Input("basemap", "value"), Input("lang", "value"), Input("store", "data"),
        State("county-areas", "children"),
        prevent_initial_call=True,  # the page opens with no CO2 inventory: the store that brings one sets it off
    )
    app.clientside_callback(
        _cs("layers"),
        [Output(LAYER, "children"), Output("basemap-layer", "children"),
         Output({"type": "area", "key": "cities"}, "url"), Output("datum-note", "children"),
         Output("layer-legend", "children"), Output("tile-notice", "children"), Output("symbols", "url")],
        Input("layers", "value"), Input("basemap", "value"), Input("lang", "value"), State(LAYER, "children"), store,
        prevent_initial_call=True,  # the layout already holds the default layers
    )
    app.clientside_callback(
        _cs("summaries"), [Output("cards", "children"), Output("focus", "children")],
        Input("pollutant", "value"), Input("measure", "value"), Input("city", "data"), Input("lang", "value"),
        Input("panel", "value"), Input("store", "data"), Input("year", "value"), Input("level", "value"),
    )
    app.clientside_callback(
        _cs("notice"), Output("notice", "children"),
        Input("url", "search"), Input("store", "data"), Input("dataset", "options"), Input("lang", "value"),
        Input("plan", "options"),
    )
    app.clientside_callback(
        _cs("search"), Output("search-message", "children"), Input("city-search", "value"), State("lang", "value"),
        store, prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("tabClick"), Output("panel", "value", allow_duplicate=True), Input(TAB, "n_clicks"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("tabState"), [Output(TAB, "className"), Output(TAB, "aria-selected"), Output(TAB, "tabIndex")],
        Input("panel", "value"),
    )
    app.clientside_callback(
        _cs("translate"),
        [Output(TEXT, "children"), Output("pollutant", "options"), Output("scheme", "options"), Output("map-type", "options"),
         Output("layers", "options"), Output("basemap", "options"),
         Output("region", "options"), Output("observed-note", "children")],
        Input("lang", "value"), Input("store", "data"),  # on load too: it adds the site icons to the layer list
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
    # The last answer of the page's first server round (the account box waits for the datasets' message).
    app.clientside_callback(_cs("ready"), Output("ready", "data"), Input("account", "children"), prevent_initial_call=True)
    app.clientside_callback(
        _cs("showOther"), Output("show-other", "data"), Input("layers", "value"), State("show-other", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _cs("toUrl"),
        Output("query", "data"),
        Input("pollutant", "value"), Input("measure", "value"), Input("scheme", "value"), Input("city", "data"),
        Input("layers", "value"), Input("lang", "value"), Input("basemap", "value"), Input("panel", "value"),
        Input("region", "value"), Input("store", "data"),  # the store names the observed dataset in use
        Input("year", "value"), Input("map-type", "value"), Input("level", "value"),
    )

    @app.callback(
        Output("detail", "children"), Output("region-wrap", "style"),
        Input("city", "data"), Input("panel", "value"), Input("region", "value"), Input("lang", "value"),
        Input("show-other", "data"), Input("dataset", "value"), State("pollutant", "value"),
        prevent_initial_call=True,  # the layout holds the empty panel; a city from the URL sets this off
    )
    def _detail(city, panel, region, lang, show_other, dataset_id, group):
        children, style = detail_panel(data, city, panel, region, lang, show_other, dataset_id, settings, group=group)
        # Closed sections as HTML text: far fewer components to mount. The panel's language is declared (screen
        # readers; a page test waits for the panel redrawn in the new language).
        lang = lang if lang in LANGS else DEFAULT_LANG
        return [html.Div(lang="zh-CN" if lang == "zh" else "en", className="detail-body", children=folded(children))], style

    app.clientside_callback(
        """function (lang, store) {
            const s = store.i18n.strings, tr = function (k) { return s[k][lang] || s[k].zh; };
            return [tr("search_hint"), tr("upload_source"), tr("dataset_none"), tr("dataset_confirm"),
                    [{label: tr("page_slide"), value: "slide"}, {label: tr("page_a4"), value: "a4"}]];
        }""",
        [Output("city-search", "placeholder"), Output("upload-source", "placeholder"), Output("dataset", "placeholder"),
         Output("remove-confirm", "message"),
         Output("export-page", "options")],
        Input("lang", "value"), store, prevent_initial_call=True,
    )

    @app.callback(
        Output("store", "data", allow_duplicate=True), Output("dataset", "options"),
        Output("dataset", "value"), Output("upload-message", "children"),
        Output("pollutant", "value", allow_duplicate=True), Output("measure", "value", allow_duplicate=True),
        Output("year", "value", allow_duplicate=True),
        Output("plan", "options"), Output("plan", "value"), Output("plan-wrap", "style"),
        Input("upload", "contents"), Input("dataset", "value"), Input("remove-confirm", "submit_n_clicks"),
        Input("plan", "value"), Input("boot", "data"),
        State("upload", "filename"), State("upload-source", "value"), State("lang", "value"), State("url", "search"),
        State("pollutant", "value"),
        # Not with the page's first callbacks: the map's would wait for this one's answer (its store), and
        # most pages have no dataset to add. assets/map_*.js sets "boot" once the map is drawn; then the
        # link's or the active dataset, the datasets and the plans come in (trigger None: the page load).
        prevent_initial_call=True,
    )
    def _observed(contents, dataset_id, _removed, plan, _boot, filename, source, lang, search, pollutant):
        from dashboard.auth import actor

        trigger = ctx.triggered_id if ctx.triggered else None
        trigger = None if trigger == "boot" else trigger
        out = observed_state(data, base_store, "dataset" if trigger == "plan" else trigger, contents, filename,
                             source, dataset_id, lang, settings, search=search, actor=actor())
        # A link to one year of a measure over years opens that year once the dataset is in.
        year = asked_year(out[0], search) if trigger is None and isinstance(out[0], dict) else None
        observed, plans = with_plan(data, base_store, out, trigger, plan, search, pollutant, settings)
        return (*observed, year or no_update, *plans)

    @app.callback(
        Output("editor-upload", "style"), Output("editor-remove", "style"), Output("account", "children"),
        Input("lang", "value"), Input("upload-message", "children"), Input("boot", "data"),
        prevent_initial_call=True,  # after the first map, like the datasets above
    )
    def _account(lang, _message, _boot):
        from dashboard.auth import account_view

        return account_view(lang if lang in LANGS else DEFAULT_LANG, settings)

    app.clientside_callback(UPLOAD_TOO_LARGE, Output("upload-message", "children", allow_duplicate=True),
                            Input("upload-picked", "data"), State("lang", "value"), store, prevent_initial_call=True)

    @app.callback(
        Output("download", "data", allow_duplicate=True), Output("export-message", "children", allow_duplicate=True),
        Input({"type": "profile", "fmt": ALL}, "n_clicks"),
        State("city", "data"), State("lang", "value"), State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _profile(clicks, city, lang, dataset_id):
        if not ctx.triggered_id or not any(clicks or []):
            return no_update, no_update
        return profile_download(data, city, ctx.triggered_id["fmt"], lang, dataset_id, settings)

    @app.callback(
        Output("multiples", "children"), Input("multiples-show", "n_clicks"), State("query", "data"),
        State("dataset", "value"), prevent_initial_call=True,
    )
    def _multiples(clicks, query, dataset_id):
        return multiples_view(query, dataset_id, settings) if clicks else no_update

    # Another measure, scheme or language on the map: the figure of the last one goes (shown again on request).
    app.clientside_callback("function () { return []; }", Output("multiples", "children", allow_duplicate=True),
                            Input("measure", "value"), Input("scheme", "value"), Input("lang", "value"),
                            prevent_initial_call=True)

    @app.callback(
        Output("download", "data", allow_duplicate=True), Output("export-message", "children", allow_duplicate=True),
        Input({"type": "multiples", "fmt": ALL}, "n_clicks"), State("query", "data"), State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _multiples_download(clicks, query, dataset_id):
        if not ctx.triggered_id or not any(clicks or []):
            return no_update, no_update
        return multiples_download(query, ctx.triggered_id["fmt"], dataset_id, settings)

    @app.callback(
        Output("download", "data"), Output("export-message", "children"),
        Input({"type": "export", "fmt": ALL}, "n_clicks"),
        State("query", "data"), State("export-page", "value"), State("dataset", "value"),
        prevent_initial_call=True,
    )
    def _export(clicks, query, page, dataset_id):
        if not ctx.triggered_id or not any(clicks):
            return no_update, no_update
        return export_view(data, ctx.triggered_id["fmt"], query, page, dataset_id, settings)
