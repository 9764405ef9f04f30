"""The dashboard's view state and the data the browser keeps: pure functions, no Dash.

The view lives in the URL query string (PRODUCT.md: ``indicator``, ``scheme``,
``city``, ``layers``, ``lang``, ``basemap``; plus ``panel`` and ``region``). The
browser keeps :func:`browser_store` in a ``dcc.Store`` and builds the map's
``hideout`` from it without asking the server; :func:`build_hideout` and
:func:`parse_query` are the Python twins of ``hideout`` and ``parseQuery`` in
``assets/map_*.js`` (a browser test checks that both give the same answer).
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pandas as pd
import xyzservices.providers as xyz

from dashboard.i18n import DEFAULT_LANG, LANGS, bundle
from geo.carbon.places import place_layer
from geo.core.classify import DEFAULT_SCHEME, NO_DATA_COLOUR, SCHEMES
from geo.core.settings import Settings, get_settings
from geo.core.symbols import BASE_COLOUR, MAP_TYPES, NEGATIVE_COLOUR, SYMBOL_COLOUR, TOTAL_UNITS
from geo.core.vocabulary import annex_note, citation_text, column_decimals
from geo.exports.spec import county_label
from geo.measures.catalogue import formula_words, lookup, parse_id, words
from geo.measures.observed import annual_table
from geo.measures.view import ViewData, indicator_payload, measures_by_group, with_observed
from geo.places.gazetteer import normalise
from geo.places.regions import REGION_COLOURS

DEFAULT_INDICATOR = "cod_emission_2015_t"
PANELS = ("city", "region", "province")
REGION_IDS = ("shenyang_metro", "coastal_belt", "west_liaoning", "east_green")
SITE_LAYERS = ("park", "mine", "port", "steel", "nuclear", "airport", "reserve")
LAYERS = ("context", "labels", "counties", *REGION_IDS, *SITE_LAYERS, "plants", "co2_assets", "other_plans")
DEFAULT_LAYERS = ("context", "labels")
#: The map's levels: the 14 cities, or the counties (only a CO2 inventory has county values).
LEVELS = ("city", "county")
#: Basemaps: none (offline default) or an xyzservices provider, with the datum its tiles use.
BASEMAPS = {
    "none": None,
    "osm": (xyz.OpenStreetMap.Mapnik, "wgs84"),
    "gaode": (xyz.Gaode.Normal, "gcj02"),
}
#: Distinct outline styles of the four regions (colour-blind-safe Okabe-Ito colours + dash patterns).
REGION_STYLES = {
    "shenyang_metro": {"color": REGION_COLOURS["shenyang_metro"], "dashArray": ""},
    "coastal_belt": {"color": REGION_COLOURS["coastal_belt"], "dashArray": "10 5"},
    "west_liaoning": {"color": REGION_COLOURS["west_liaoning"], "dashArray": "2 5"},
    "east_green": {"color": REGION_COLOURS["east_green"], "dashArray": "14 4 3 4"},
}


@dataclass
class View:
    indicator: str = DEFAULT_INDICATOR
    scheme: str = DEFAULT_SCHEME
    city: str | None = None
    layers: list[str] = field(default_factory=lambda: list(DEFAULT_LAYERS))
    lang: str = DEFAULT_LANG
    basemap: str = "none"
    panel: str = "city"
    region: str = REGION_IDS[0]
    dataset: str | None = None  # the observed dataset in use (geo.measures.observed), if any
    plan: str | None = None  # a later plan whose targets are shown (geo.measures.plans); None: the bundled 十三五
    map_type: str = "auto"  # geo.core.symbols.MAP_TYPES: auto draws totals as circles, rates as colours
    level: str = "city"  # LEVELS: a CO2 inventory's counties (county) or the cities

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_city(text: str | None, cities: dict[str, dict], counties: dict[str, dict] | None = None) -> str | None:
    """An adcode from an adcode or a city name (沈阳市, 沈阳, Shenyang), or a county's adcode (its name may be
    shared: 铁西区): one of ``counties``, or before the store has them (they come with the CO2 inventories) any
    code of a county of Liaoning (21xxyy, yy not 00); ``None`` if it matches none."""
    if not text:
        return None
    text = text.strip()
    if text in cities or (text in counties if counties is not None else re.fullmatch(r"21\d\d(?!00)\d\d", text)):
        return text
    low = text.lower()
    for code, c in cities.items():
        if text in (c["name_zh"], c["name_zh"].removesuffix("市")) or low == c["name_en"].lower():
            return code
    return None


def parse_query(search: str, store: dict) -> View:
    """The view a query string asks for; unknown values fall back to the defaults."""
    q = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?"), keep_blank_values=True).items()}
    view = View()
    if q.get("indicator") in store["indicators"]:
        view.indicator = q["indicator"]
    if q.get("scheme") in SCHEMES:
        view.scheme = q["scheme"]
    view.city = resolve_city(q.get("city"), store["cities"], store.get("counties"))
    if "layers" in q:
        asked = [k for k in q["layers"].split(",") if k]
        known = [k for k in LAYERS if k in asked]
        # Only unknown names (a typo, an old link): the default layers, and the notice names them.
        view.layers = known if known or not asked else list(DEFAULT_LAYERS)
    if q.get("lang") in LANGS:
        view.lang = q["lang"]
    if q.get("basemap") in BASEMAPS:
        view.basemap = q["basemap"]
    if q.get("panel") in PANELS:
        view.panel = q["panel"]
    if q.get("region") in REGION_IDS:
        view.region = q["region"]
    if re.match(r"^obs-\d{8}T\d{12}-[0-9a-f]{8}$", q.get("dataset") or ""):
        view.dataset = q["dataset"]
    if q.get("map_type") in MAP_TYPES:
        view.map_type = q["map_type"]
    if q.get("level") in LEVELS:
        view.level = q["level"]
    if q.get("plan") and len(q["plan"]) <= 64:  # a plan name (geo.measures.plans.check_plan_name); checked against the store
        view.plan = q["plan"]
    return view


def format_query(view: View) -> str:
    """The query string of a view (``?indicator=...&...``), keys in a fixed order."""
    params = {"indicator": view.indicator, "scheme": view.scheme}
    if view.city:
        params["city"] = view.city
    params.update({"layers": ",".join(view.layers), "lang": view.lang, "basemap": view.basemap,
                   "panel": view.panel, "region": view.region})
    if view.map_type != "auto":
        params["map_type"] = view.map_type
    if view.level != "city":
        params["level"] = view.level
    if view.dataset:
        params["dataset"] = view.dataset
    if view.plan:
        params["plan"] = view.plan
    return "?" + urlencode(params, safe=",")


def build_hideout(store: dict, indicator: str, scheme: str, selected: str | None, lang: str,
                  highlight: dict[str, str] | None = None) -> dict:
    """What the city layer's style function needs: values, class bounds, colours, selection, and in
    the region view the region's members (adcode -> full/partial) to stand out."""
    ind = store["indicators"][indicator]
    cls = ind["classes"][scheme]
    return {
        "indicator": indicator,
        "values": ind["values"],
        "lower": cls["lower"],
        "bounds": cls["bounds"],
        "colours": cls["colours"],
        "nodata": store["nodata"],
        "selected": selected,
        "unit": ind["unit_zh"] if lang == "zh" else ind["unit_en"],
        "lang": lang,
        "decimals": ind["decimals"],
        "highlight": highlight or None,
    }


def basemap_spec(key: str) -> dict | None:
    entry = BASEMAPS[key]
    if entry is None:
        return None
    provider, datum = entry
    # Tiles follow the page's scheme (http or https): a protocol-relative URL.
    url = re.sub(r"^https?:", "", provider.build_url())
    return {"url": url, "attribution": provider.html_attribution,
            "max_zoom": provider.get("max_zoom", 18), "datum": datum, "name": provider.name}


def in_words(indicators: dict) -> dict:
    """Each indicator's source, formula and note as the screen prints them, in both languages
    (:mod:`geo.core.vocabulary`: citations, formulas in words, the annexes' notes), and the decimals its
    values are printed with. The raw forms (ids in formulas) stay off the page."""
    out = {}
    for key, ind in indicators.items():
        ind = dict(ind)
        for lang in ("zh", "en"):
            ind[f"source_{lang}"] = citation_text(ind["source"], lang)
            ind[f"formula_{lang}"] = words(ind["formula"], lang) if ind["formula"] else ""
            # The annexes' notes are about the 2015 emissions: not on the cut targets or key-project cuts.
            uses_2015 = ind["measure"] not in ("cut_target", "key_project_cut", "increment_cap")
            ind[f"note_{lang}"] = annex_note(ind["note"], lang) if ind.get("note") and uses_2015 else ""
        # Densities are rounded to 0.001 t/km² (NH3-N's required cut runs 0.020–0.130): three places, as the exports.
        ind["decimals"] = column_decimals(ind["values"].values(), most=3 if ind["unit"] == "t/km2" else 2)
        out[key] = ind
    return out


def city_aliases(data: ViewData) -> dict[str, str]:
    """Every spelling the gazetteer knows of a Liaoning city or county (normalised as
    :func:`geo.places.gazetteer.normalise` does: width folded, spaces dropped, lower case) -> the city's
    adcode; a county leads to its city. The search box looks names up here, in the browser."""
    out: dict[str, str] = {}
    for p in data.gazetteer.places.values():
        city = p.adcode if p.level == "city" else p.parent_adcode if p.level == "county" else None
        if not p.in_liaoning or not city:
            continue
        for alias in data.gazetteer._aliases(p):
            out.setdefault(normalise(alias), city)
    return out


def county_names(settings: Settings | None = None) -> dict[str, dict]:
    """The counties of the map's county level by adcode: name_zh, name_en, their city's adcode and names."""
    settings = settings or get_settings()
    return _county_names(settings.boundaries_dir)


@functools.lru_cache(maxsize=4)
def _county_names(boundaries_dir: Path) -> dict[str, dict]:
    settings = Settings(data_dir=boundaries_dir.parent)
    cities = place_layer("city", settings).set_index("adcode")
    return {r.adcode: {"name_zh": r.name_zh, "name_en": r.name_en, "city": r.parent_adcode,
                       "city_zh": cities.name_zh[r.parent_adcode], "city_en": cities.name_en[r.parent_adcode]}
            for r in place_layer("county", settings).itertuples()}


def browser_store(data: ViewData) -> dict:
    """Everything the clientside callbacks need, computed once at start (about 40 KB of JSON)."""
    regions = data.regions
    members: dict[str, dict[str, str]] = {}
    for m in data.members.itertuples():
        members.setdefault(m.region_id, {})[m.adcode] = m.membership
    return {
        "indicators": in_words(indicator_payload(data)),
        "region_members": members,
        "city_aliases": city_aliases(data),
        "measures": measures_by_group(data),
        "series": {},  # measures over years, once an observed dataset is in (observed_store)
        # Totals as circles (geo.core.symbols): the units that are totals, colours, the largest circle's radius (px).
        "symbols": {"units": list(TOTAL_UNITS), "colour": SYMBOL_COLOUR, "negative": NEGATIVE_COLOUR,
                    "base": BASE_COLOUR, "r_max": 24, "map_types": list(MAP_TYPES)},
        "cities": {r.adcode: {"name_zh": r.name_zh, "name_en": r.name_en} for r in data.table.itertuples()},
        "observed_loaded": data.observed_loaded,
        "nodata": NO_DATA_COLOUR,
        "schemes": list(SCHEMES),
        "layers": list(LAYERS),
        "site_layers": list(SITE_LAYERS),
        "region_ids": list(REGION_IDS),
        "region_styles": REGION_STYLES,
        "region_names": {r.region_id: {"zh": r.name_zh, "en": r.name_en} for r in regions.itertuples()},
        "basemaps": {k: basemap_spec(k) for k in BASEMAPS},
        "defaults": View().to_dict(),
        "i18n": bundle(),
    }


def observed_store(base: dict, data: ViewData, observed, meta: dict | None) -> dict:
    """The browser store with an observed dataset's measures added (``base`` when there is none).

    Only the observed measures are classified here (14 values each), so picking or
    uploading a dataset costs one small request; indicator switches still cost none.
    """
    if observed is None or not len(observed):
        return {**base, "observed_loaded": False, "dataset": None, "series": {}}
    obs_data = with_observed(data, observed)
    indicators = {**base["indicators"], **in_words(indicator_payload(obs_data, kinds=("observed",)))}
    annual, series = annual_payload(obs_data, observed)
    measures = measures_by_group(obs_data)
    for g, by_measure in series.items():
        measures[g] = [*measures.get(g, []), *(m for m in ANNUAL_MEASURES if m in by_measure)]
    indicators.update({k: v for k, v in annual.items() if k not in indicators})
    return {**base, "indicators": indicators, "measures": measures, "series": series, "observed_loaded": True,
            "dataset": meta}


def asked_year(store: dict, search: str | None) -> str | None:
    """The year a link's indicator names when it is one year of a measure over years (``so2_path_2018_t``
    -> ``"2018"``), known once the observed dataset is in the store; None otherwise."""
    ind = store.get("indicators", {}).get(parse_query(search or "", store).indicator)
    if not ind or ind["measure"] not in store.get("series", {}).get(ind["group"], {}):
        return None
    return str(ind["year"])


#: Measures that run over years (:func:`geo.measures.observed.annual_table`); the year picker chooses one year of them.
ANNUAL_MEASURES = ("observed_year", "path", "ahead_of_path",
                   # energy (geo.measures.energy): the yearly values and where they leave the city against 附件1
                   "intensity_decline_observed", "intensity_cumulative_decline", "intensity_progress",
                   "increment_observed", "increment_cumulative", "increment_headroom")


def annual_payload(data: ViewData, observed) -> tuple[dict, dict]:
    """The measures of every observed year, classified like the others, and the series they form.

    Returns (indicators by id, ``{group: {measure: {year: id}}}``). The ids are
    :func:`geo.measures.catalogue.lookup`'s (``so2_emission_2018_observed_t``, ``so2_path_2018_t``,
    ``so2_ahead_of_path_2018_t``); a year that is also a catalogue measure (the 2020 observed value)
    keeps its catalogue entry and only joins the series.
    """
    table = annual_table(data.table, observed)
    # A year no city has a value for (a cumulative measure after a missing year) is not offered.
    columns = [c for c in table.columns if c != "adcode" and parse_id(c) and table[c].notna().any()]
    series: dict[str, dict[str, dict[str, str]]] = {}
    if not columns:
        return {}, series
    merged = data.table[["adcode", "name_zh", "name_en"]].merge(table[["adcode", *columns]], on="adcode", how="left")
    found = {c: lookup(c) for c in columns}
    inds = tuple(i for i in found.values() if i is not None)
    payload = in_words(indicator_payload(replace(data, table=merged, indicators=inds, by_id={i.id: i for i in inds})))
    for key, ind in payload.items():
        parsed = parse_id(key)
        if parsed is None:
            continue
        group, measure, year = parsed
        series.setdefault(group, {}).setdefault(measure, {})[str(year)] = key
        ind["measure"], ind["year"] = measure, str(year)
        for lang in ("zh", "en"):
            ind[f"formula_{lang}"] = formula_words(found[key], lang)  # type: ignore[arg-type]
    return payload, series


#: A later plan's measures, in selector order (:func:`geo.measures.plans.plan_table`; ids from
#: :func:`geo.measures.catalogue.parse_id`).
PLAN_MEASURES = ("emission", "cut_target", "cap", "required_cut", "key_project_cut", "progress", "gap_to_cap",
                 "intensity_cut_target", "increment_cap")


def plan_store(store: dict, data: ViewData, plan: str | None, observed=None, settings=None) -> dict:
    """The browser store showing a later plan's targets (``plan`` as :func:`geo.measures.plans.list_plans` names it)
    instead of the bundled 十三五: its measures per group, classified as the others, derived the same way
    (``so2_cap_2025_t`` from ``so2_emission_2020_t`` and the cut), with progress when ``observed`` has
    the plan's target year. A city missing from the plan is no data. ``store`` itself for the bundled plan
    or none; KeyError for a plan that is not stored.

    The observed years stay pickable; the path to the 2020 cap (十三五's) does not apply, so it is left out.
    """
    from geo.measures.plans import BUNDLED, plan_table

    if not plan or plan == BUNDLED:
        return {**store, "plan": None}
    table, period = plan_table(plan, settings, observed=observed if observed is not None and len(observed) else None)
    columns = [c for c in table.columns if parse_id(c) and parse_id(c)[1] in PLAN_MEASURES]  # type: ignore[index]
    found = {c: lookup(c, period) for c in columns}
    inds = tuple(i for i in found.values() if i is not None)
    payload = in_words(indicator_payload(replace(data, table=table[["adcode", "name_zh", "name_en", *columns]],
                                                 indicators=inds, by_id={i.id: i for i in inds})))
    ids: dict[str, dict[str, str]] = {}
    for key, ind in payload.items():
        group, measure, _ = parse_id(key)  # type: ignore[misc]
        ids.setdefault(group, {})[measure] = key
        ind["measure"] = measure
        for lang in ("zh", "en"):
            ind[f"formula_{lang}"] = formula_words(found[key], lang, period)  # type: ignore[arg-type]
            ind[f"source_{lang}"] = citation_text(found[key].source, lang)  # type: ignore[union-attr]
    measures = {g: [m for m in PLAN_MEASURES if m in ids[g]] for g in store["measures"] if g in ids}
    series = {g: {m: ys for m, ys in by.items() if m == "observed_year"} for g, by in store.get("series", {}).items()}
    for g, by in series.items():
        if by and g in measures:
            measures[g].append("observed_year")
    return {**store, "indicators": {**store["indicators"], **payload}, "measures": measures, "series": series,
            "plan": {"name": plan, "base_year": period.base_year, "target_year": period.target_year, "ids": ids}}



#: The formula of each carbon measure in words (the catalogue's formulas name ids the screen must not show).
CARBON_DECIMALS = {"co2_t_per_km2": 3, "co2_t_per_10k_yuan": 4}
DIFF_GROUP = "co2_diff"


def carbon_store(store: dict, data: ViewData, observed=None, settings=None) -> dict:
    """The browser store with the stored CO2 inventories added (``store`` itself when there is none): one
    group per inventory (``co2[NAME]``: total, per km², per unit of GDP where the observed values have the
    year's GDP, coverage) and, for two inventories of one year, a group comparing them (their difference
    in % city by city). Every entry carries the inventory, year, method and licence as its source."""
    from geo.carbon.inventory import list_inventories
    from geo.carbon.measures import FORMULA_WORDS, carbon_indicators, cite_inventory, cite_short

    inventories = list_inventories(settings)
    if not inventories:
        return store
    inds, values = carbon_indicators(observed, settings, inventories)
    # The county level: the same measures by county (no intensity: no county GDP), classified among the counties.
    # An inventory of counties only (a county table: Chen et al.'s) has its measures at that level only.
    county_inds, county_values = carbon_indicators(observed, settings, inventories, level="county")
    city_ids = {i.id for i in inds}
    county_only = [i for i in county_inds if i.id not in city_ids]
    inds = [*inds, *county_only]
    for ind in county_only:
        values[ind.id] = float("nan")
    if not inds:
        return store
    by_name = {inv["name"]: inv for inv in inventories}
    pollutants = dict(store["i18n"]["pollutants"])
    measure_labels = dict(store["i18n"]["measures"])
    remapped = []
    for ind in inds:
        inside = ind.id[ind.id.index("[") + 1:-1]
        if ind.measure == "co2_diff_pct":
            a, b = inside.split("|")
            remapped.append(replace(ind, group=DIFF_GROUP, measure=ind.id))
            pollutants[DIFF_GROUP] = {"zh": "二氧化碳清单比较", "en": "CO2 inventories compared"}
            measure_labels[ind.id] = {"zh": f"{a} 较 {b} 差异 %（{ind.year}年）",
                                      "en": f"{a} against {b}, difference % ({ind.year})"}
        else:
            group = f"co2[{inside}]"
            remapped.append(replace(ind, group=group))
            pollutants[group] = {"zh": f"二氧化碳 · {inside}（{ind.year}年）", "en": f"CO2 · {inside} ({ind.year})"}
    table = data.table[["adcode", "name_zh", "name_en"]].merge(values, on="adcode", how="left")
    found = tuple(remapped)
    payload = in_words(indicator_payload(replace(data, table=table, indicators=found, by_id={i.id: i for i in found})))
    for ind in found:
        entry = payload[ind.id]
        field = "co2_diff_pct" if ind.group == DIFF_GROUP else ind.measure
        inside = ind.id[ind.id.index("[") + 1:-1]
        a, _, b = inside.partition("|")
        for k, lang in enumerate(("zh", "en")):
            entry[f"formula_{lang}"] = FORMULA_WORDS[field][k].format(y=ind.year, a=a, b=b)
            cited = (a, b) if ind.group == DIFF_GROUP else (inside,)
            entry[f"source_{lang}"] = ("；" if lang == "zh" else "; ").join(cite_inventory(by_name[n], lang) for n in cited)
            # The tooltips' line: which inventory, year, method and licence the number under the pointer is.
            entry[f"tip_{lang}"] = "\n".join(cite_short(by_name[n], lang) for n in cited)
        if field in CARBON_DECIMALS:
            entry["decimals"] = CARBON_DECIMALS[field]
    by_id = {i.id: i for i in county_inds if i.id in payload}
    if by_id:
        names = county_names(settings)
        counties = pd.DataFrame({"adcode": list(names), "name_zh": [c["name_zh"] for c in names.values()],
                                 "name_en": [c["name_en"] for c in names.values()]})
        counties = counties.merge(county_values, on="adcode", how="left")
        county_payload = indicator_payload(replace(data, table=counties, indicators=tuple(by_id.values()), by_id=by_id))
        for ind_id, entry in county_payload.items():
            payload[ind_id]["county"] = {"values": entry["values"], "classes": entry["classes"]}
        for ind in county_only:
            payload[ind.id]["county_only"] = True  # its map is the counties' at either level
        # The county level's names (two counties share a name, so each carries its city's: 铁西区（沈阳）).
        store = {**store, "counties": {a: {"name_zh": c["name_zh"], "name_en": c["name_en"], "city": c["city"],
                                           **{f"label_{lang}": county_label(c["name_zh"], c["name_en"], c["city_zh"],
                                                                            c["city_en"], lang) for lang in LANGS}}
                                       for a, c in names.items()}}
    measures = dict(store["measures"])
    for ind in found:
        measures.setdefault(ind.group, [])
        if ind.measure not in measures[ind.group]:
            measures[ind.group] = [*measures[ind.group], ind.measure]
    return {**store, "indicators": {**store["indicators"], **payload}, "measures": measures,
            "i18n": {**store["i18n"], "pollutants": pollutants, "measures": measure_labels},
            "carbon": [{"name": i["name"], "year": i["year"], "method": i["method"], "licence": i["licence"]}
                       for i in inventories]}

