"""The map's GeoJSON layers, built once at start and served as static files by URL.

Each layer exists in two datums: ``wgs84`` (the committed data, for the plain
background and WGS84 tile services such as OpenStreetMap) and ``gcj02`` (shifted
with :func:`geo.core.datum.wgs84_to_gcj02`, to line up with Amap/Gaode tiles). The bytes
are gzip-compressed once; the route sends them compressed to browsers that accept it,
with an ETag so a reload costs a 304.

Besides the cities, labels, regions and sites: the county borders inside the cities and the
counties a designation names (``counties-lines``, ``counties-marked``), and the power plants
with their area-true circle radius (``plants``); :func:`extra_layer_props` gives the props
their toggleable layers are drawn with (``assets/layers_extra.js``).

One layer is not built at start: the CO2 sources of the asset lists in the store (``co2_assets``,
:data:`CO2_ROUTE`), read when asked for, since an import changes them while the app runs.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from flask import Flask, Response, abort, request
from werkzeug.wrappers import Response as BaseResponse

from geo.carbon import schema as carbon_schema
from geo.carbon.inventory import list_inventories
from geo.carbon.measures import cite_inventory
from geo.carbon.units import is_sink_sector
from geo.core.datum import transform_geometry, wgs84_to_gcj02
from geo.core.errors import DataValidationError, Problem, StoreError
from geo.core.settings import DESIGNATIONS_FILE, PROJECTED_CRS, WEB_CRS, Settings, get_settings
from geo.core.symbols import radii
from geo.core.vocabulary import LANGS, citation_text, label
from geo.measures.view import OTHER_PLAN_CITIES
from geo.places.boundaries import load_layer
from geo.places.power_plants import ATTRIBUTION, ATTRIBUTION_ZH, DATA_AGE, FUELS, OTHER_FUEL, PLANTS_FILE, load_power_plants
from geo.places.regions import region_outlines
from geo.places.sites import KINDS, placed_sites
from geo.store import db

log = logging.getLogger(__name__)

DATUMS = ("wgs84", "gcj02")
ROUTE = "/lnmap/geo/<datum>/<name>.geojson"
#: Decimal places served: 1e-5 degree is about 1 m, far below the 30 m simplification error.
DECIMALS = 5
SITE_KINDS = tuple(KINDS)


def layer_url(datum: str, name: str, version: str = "") -> str:
    """Where a layer is served; ``version`` (:func:`layers_version`) makes the URL change
    whenever the data does, so the browser may keep the file for good."""
    return f"/lnmap/geo/{datum}/{name}.geojson" + (f"?v={version}" if version else "")


def layers_version(blobs: dict[tuple[str, str], Blob]) -> str:
    """One version for every layer: a hash of all their ETags."""
    return hashlib.sha256("".join(sorted(b.etag for b in blobs.values())).encode()).hexdigest()[:12]


#: Cache-Control of a response whose URL carries a version of its content.
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Blob:
    raw: bytes
    gz: bytes
    etag: str


def _round(geoms):
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def _shift(gdf: gpd.GeoDataFrame, datum: str) -> gpd.GeoDataFrame:
    if gdf.crs is None or gdf.crs.to_string() != WEB_CRS:
        raise ValueError(f"expected {WEB_CRS}, got {gdf.crs}")
    out = gdf.copy()
    if datum == "gcj02":
        out["geometry"] = transform_geometry(out.geometry.values, wgs84_to_gcj02)
    out["geometry"] = _round(out.geometry.values)
    return out


def _feature_collection(gdf: gpd.GeoDataFrame, datum: str) -> bytes:
    shifted = _shift(gdf, datum)
    props = [c for c in shifted.columns if c != "geometry"]
    feats = []
    for rec, geom in zip(shifted[props].to_dict("records"), shifted.geometry):
        clean = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in rec.items()}
        feats.append({"type": "Feature", "properties": clean, "geometry": json.loads(shapely.to_geojson(geom))})
    doc = {"type": "FeatureCollection", "datum": datum, "features": feats}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def label_points(polys: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """A label point inside each polygon, found in the projected CRS (not in degrees)."""
    return polys.geometry.to_crs(PROJECTED_CRS).representative_point().to_crs(WEB_CRS)


def source_frames(settings: Settings | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The layers in WGS84, with only the properties the map uses."""
    cities = load_layer("cities", settings)
    context = load_layer("context", settings)
    base = ["adcode", "name_zh", "name_en"]
    frames: dict[str, gpd.GeoDataFrame] = {"cities": cities[[*base, "geometry"]]}
    labels = cities[base].copy()
    frames["labels"] = gpd.GeoDataFrame(labels, geometry=label_points(cities).values, crs=WEB_CRS)
    other = context[context.adcode.isin(OTHER_PLAN_CITIES)][[*base, "province_zh", "geometry"]]
    frames["other"] = other
    other_labels = other[[*base, "province_zh"]].copy()
    frames["other_labels"] = gpd.GeoDataFrame(other_labels, geometry=label_points(other).values, crs=WEB_CRS)
    frames["context"] = context[~context.adcode.isin(OTHER_PLAN_CITIES)][[*base, "geometry"]]
    outlines = region_outlines(cities, settings)
    for rid in outlines.region_id.unique():
        frames[f"regions-{rid}"] = outlines[outlines.region_id == rid]
    sites = placed_sites(settings)
    cols = ["site_id", "name_zh", "name_en", "kind", "adcode", "city_zh", "precision", "uncertainty_m",
            "coordinate_source", "named_in", "note", "lon", "lat"]
    sites = sites[[*cols, "geometry"]].copy()
    sites["city_en"] = sites.adcode.map(cities.set_index("adcode").name_en)
    for c in ("coordinate_source", "note"):
        sites[c] = sites[c].fillna("")
    for kind in SITE_KINDS:
        frames[f"sites-{kind}"] = sites[sites.kind == kind]
    counties = load_layer("counties", settings)
    frames["county-areas"] = county_areas(counties, cities)
    frames["county-points"] = gpd.GeoDataFrame(frames["county-areas"].drop(columns="geometry"),
                                               geometry=label_points(frames["county-areas"]).values, crs=WEB_CRS)
    frames["counties-lines"] = county_lines(counties, cities)
    frames["counties-marked"] = marked_counties(counties, cities, settings)
    frames["plants"] = plant_points(cities, settings)
    return frames


# --------------------------------------------------------------------------- counties


def _segments(polys) -> np.ndarray:
    """Every edge of the polygons' rings as (x1, y1, x2, y2), each written west to east (then south to north)."""
    rings = shapely.get_parts(shapely.get_parts(shapely.boundary(np.asarray(polys))))
    segs = np.vstack([np.hstack([xy[:-1], xy[1:]]) for xy in (shapely.get_coordinates(r) for r in rings)])
    flip = (segs[:, 0] > segs[:, 2]) | ((segs[:, 0] == segs[:, 2]) & (segs[:, 1] > segs[:, 3]))
    segs[flip] = segs[flip][:, [2, 3, 0, 1]]
    return np.round(segs, 9)


def county_areas(counties: gpd.GeoDataFrame, cities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The counties as polygons for the county level of the map (a CO2 inventory's county values), each with its
    city's names (two counties share a name: 沈阳市铁西区 and 鞍山市铁西区)."""
    city = cities.set_index(cities.adcode.astype(str))
    out = counties[["adcode", "name_zh", "name_en", "parent_adcode", "geometry"]].copy()
    out["adcode"] = out.adcode.astype(str)
    out["parent_adcode"] = out.parent_adcode.astype(str)
    out["city_zh"] = out.parent_adcode.map(city.name_zh)
    out["city_en"] = out.parent_adcode.map(city.name_en)
    if out.city_zh.isna().any():
        raise ValueError(f"counties outside the 14 cities: {sorted(out.adcode[out.city_zh.isna()])}")
    return out.sort_values("adcode").reset_index(drop=True)


def county_lines(counties: gpd.GeoDataFrame, cities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The county borders inside the cities: county edges that are no city edge, each drawn once.

    The levels nest exactly (``lnmap build-boundaries`` dissolves counties into cities), so a
    county edge on a city border has the very same vertices as the city's; the map draws the
    city outlines over the choropleth and these thinner lines only inside.
    """
    if counties.crs != cities.crs:
        raise ValueError(f"CRS mismatch: counties {counties.crs}, cities {cities.crs}")
    city_edges = {tuple(e) for e in _segments(cities.geometry.values)}
    edges = _segments(counties.geometry.values)
    inner = np.unique(edges[[tuple(e) not in city_edges for e in edges]], axis=0)
    lines = shapely.line_merge(shapely.multilinestrings(inner.reshape(-1, 2, 2)))
    return gpd.GeoDataFrame({"kind": ["county_border"]}, geometry=[lines], crs=counties.crs)


def marked_counties(counties: gpd.GeoDataFrame, cities: gpd.GeoDataFrame,
                    settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The counties designations.csv names (``level = county``), each with its designations and their
    citations in both languages; a named county missing from the county layer is an error."""
    settings = settings or get_settings()
    des = pd.read_csv(settings.indicators_dir / DESIGNATIONS_FILE, dtype=str, keep_default_na=False)
    des = des[des.level == "county"]
    known = set(counties.adcode.astype(str))
    missing = [Problem(f"county {r.adcode} ({r.place_zh}) is not in the county layer", i + 2, "adcode",
                       DESIGNATIONS_FILE) for i, r in zip(des.index, des.itertuples()) if r.adcode not in known]
    if missing:
        raise DataValidationError(missing)
    city = cities.set_index(cities.adcode.astype(str))
    named = counties[counties.adcode.astype(str).isin(set(des.adcode))].copy()
    named["adcode"] = named.adcode.astype(str)
    named["parent_adcode"] = named.parent_adcode.astype(str)
    named["city_zh"] = named.parent_adcode.map(city.name_zh)
    named["city_en"] = named.parent_adcode.map(city.name_en)
    named["designations"] = [[{
        "zh": r.designation_zh, "en": r.designation_en, "quote": r.quote,
        **{f"cite_{lang}": citation_text(f"{r.document} {r.clause}", lang) for lang in LANGS},
    } for r in des[des.adcode == a].itertuples()] for a in named.adcode]
    cols = ["adcode", "name_zh", "name_en", "parent_adcode", "city_zh", "city_en", "designations"]
    return named[[*cols, "geometry"]].sort_values("adcode").reset_index(drop=True)


# --------------------------------------------------------------------------- power plants

#: Plant circles are area-true: radius = PLANT_R_PX × √(MW ÷ PLANT_R_MW) (:func:`geo.core.symbols.radii`),
#: in screen pixels at every zoom; a circle is never drawn under PLANT_MIN_R_PX, so the smallest stay visible.
PLANT_R_PX = 15.0
PLANT_R_MW = 1000.0
PLANT_MIN_R_PX = 2.5
#: The size legend's reference circles (MW), largest first.
PLANT_LEGEND_MW = (2000, 500, 100)
#: How a fuel reads without its colour (geo.places.power_plants.FUELS): a solid disc, a ring, a dashed or dotted ring.
#: ``color`` None: the outline takes the fuel's colour.
PLANT_DRAW: dict[str, dict] = {
    "Coal": {"fillOpacity": 0.35, "weight": 1.2, "dashArray": "", "color": "#222222"},
    "Wind": {"fillOpacity": 0.15, "weight": 1.8, "dashArray": "", "color": None},
    "Hydro": {"fillOpacity": 0.15, "weight": 1.8, "dashArray": "4 3", "color": None},
    "Nuclear": {"fillOpacity": 0.45, "weight": 2.5, "dashArray": "1 3", "color": None},
    "Solar": {"fillOpacity": 0.15, "weight": 1.8, "dashArray": "1 3", "color": None},
    "Natural Gas": {"fillOpacity": 0.45, "weight": 1.8, "dashArray": "", "color": None},
}
OTHER_DRAW = {"fillOpacity": 0.3, "weight": 1.5, "dashArray": "6 2 1 2", "color": None}
#: Words of the county and power-plant layers. They go to the browser in the layers' hideout only (not in
#: geo.core.vocabulary.STRINGS, which every page carries whole), and no other surface uses them.
MAP_LAYER_WORDS = {
    "county_lines": {"zh": "县界", "en": "County boundary"},
    "county_marked": {"zh": "文件点名的县（市、区）", "en": "County named in a designation"},
    "plants_title": {"zh": "发电厂（圆面积∝装机容量）", "en": "Power plants (circle area ∝ MW)"},
    "plants_small": {"zh": "小于 {mw} MW 的画作最小圆", "en": "under {mw} MW: the smallest circle"},
    "plant_fuel": {"zh": "类型", "en": "Fuel"},
    "plant_capacity": {"zh": "装机容量", "en": "Capacity"},
    "plant_year": {"zh": "投产年份", "en": "Commissioned"},
    "plant_city": {"zh": "所在城市", "en": "City"},
    "plant_placed": {"zh": "落点", "en": "Placed"},
    "plant_inside": {"zh": "在本市边界内", "en": "inside the city polygon"},
    "plant_border": {"zh": "在省界外侧附近，逐一判定", "en": "just outside the border, decided one by one"},
    "plant_reason": {"zh": "理由（英文）", "en": "Reason"},
    "plant_source": {"zh": "来源", "en": "Source"},
    "plant_coords": {"zh": "坐标来源", "en": "Coordinates from"},
    "not_given": {"zh": "未注明", "en": "not given"},
    "co2_title": {"zh": "CO2 排放源（资产清单；符号面积∝二氧化碳排放量）",
                  "en": "CO2 sources (asset lists; symbol area ∝ t CO2)"},
    "co2_small": {"zh": "小于 {t} 吨的画作最小符号", "en": "under {t} t: the smallest symbol"},
    "co2_other_gas": {"zh": "空心小符号：其他气体（如甲烷、氧化亚氮）的点位，不计入二氧化碳",
                      "en": "small and hollow: a site of another gas (CH4, N2O …), not counted as CO2"},
    "co2_none": {"zh": "尚未导入资产清单（设施点位），本图层为空。",
                 "en": "No asset list (sites) has been imported: the layer is empty."},
    "co2_count": {"zh": "共 {n} 个点位", "en": "{n} sites"},
    "co2_capped": {"zh": "点位过多：仅显示排放量最大的 {shown} 个（共 {total} 个）",
                   "en": "Too many sites: the {shown} largest of {total} are shown"},
    "co2_unavailable": {"zh": "暂时无法读取清单，请稍后重试。",
                        "en": "The inventories could not be read just now; try again later."},
    "co2_loading": {"zh": "正在读取清单…", "en": "Reading the inventories…"},
    "co2_inventory": {"zh": "清单", "en": "Inventory"},
    "co2_year": {"zh": "年份", "en": "Year"},
    "co2_sector": {"zh": "部门（原文）", "en": "Sector (as given)"},
    "co2_group": {"zh": "图例类别", "en": "Drawn as"},
    "co2_gas": {"zh": "气体", "en": "Gas"},
    "co2_tonnes": {"zh": "排放量（原气体）", "en": "Tonnes of the gas"},
    "co2_t": {"zh": "二氧化碳", "en": "t CO2"},
    "co2_not_counted": {"zh": "不计入（非二氧化碳）", "en": "not counted (not CO2)"},
    "co2_place": {"zh": "所在地", "en": "Location"},
    "co2_cite": {"zh": "出处", "en": "Citation"},
    "co2_tonne": {"zh": "吨", "en": "t"},
}
COUNTY_WORDS = ("county_lines", "county_marked")
CO2_WORDS = tuple(k for k in MAP_LAYER_WORDS if k.startswith("co2_")) + ("not_given",)
PLANT_WORDS = ("plants_title", "plants_small", "plant_fuel", "plant_capacity", "plant_year", "plant_city",
               "plant_placed", "plant_inside", "plant_border", "plant_reason", "plant_source", "plant_coords",
               "not_given")


def plant_radius(mw) -> np.ndarray:
    """Screen radius (px) of plant circles: area ∝ MW (a 1,200 MW plant's radius is twice a 300 MW one's),
    at least :data:`PLANT_MIN_R_PX`; NaN where the capacity is missing or not positive.

    >>> plant_radius([1000.0, 250.0, 1.0, float("nan")]).round(2).tolist()
    [15.0, 7.5, 2.5, nan]
    """
    v = np.asarray(mw, dtype=float)
    ok = np.isfinite(v) & (v > 0)
    r = radii(np.where(ok, v, 0.0), r_max=PLANT_R_PX, vmax=PLANT_R_MW)
    return np.where(ok, np.maximum(r, PLANT_MIN_R_PX), np.nan)


def plant_points(cities: gpd.GeoDataFrame, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The committed Liaoning plants (geo.places.power_plants) with their circle radius, largest first (drawn first,
    so a small plant is never hidden under a big one)."""
    plants = load_power_plants(settings)
    plants["city_en"] = plants.adcode.map(cities.set_index(cities.adcode.astype(str)).name_en)
    plants["radius_px"] = np.round(plant_radius(plants.capacity_mw), 2)
    cols = ["plant_id", "name_en", "fuel", "capacity_mw", "commissioning_year", "adcode", "city_zh", "city_en",
            "placement", "placement_note", "source", "url", "geolocation_source", "radius_px"]
    order = plants.radius_px.fillna(0).sort_values(ascending=False, kind="stable").index
    return plants.loc[order, [*cols, "geometry"]].reset_index(drop=True)


def _present_fuels(settings: Settings | None) -> list[str]:
    """The fuels the plant layer holds, in the legend's order (read once per version of the file)."""
    path = (settings or get_settings()).indicators_dir / PLANTS_FILE
    return list(_fuels_in(str(path), path.stat().st_mtime_ns if path.exists() else 0))


@functools.lru_cache(maxsize=8)
def _fuels_in(path: str, mtime_ns: int) -> tuple[str, ...]:
    fuels = set(pd.read_csv(path, usecols=["fuel"], dtype=str).fuel) if mtime_ns else set()
    return tuple([f for f in FUELS if f in fuels] + sorted(fuels - set(FUELS)))


def _fuel_styles(fuels) -> dict[str, dict]:
    out = {}
    for fuel in fuels:
        zh, en, colour = FUELS.get(fuel, OTHER_FUEL)
        out[fuel] = {"zh": zh, "en": en, "fillColor": colour, **PLANT_DRAW.get(fuel, OTHER_DRAW)}
        out[fuel]["color"] = out[fuel]["color"] or colour
    return out



# --------------------------------------------------------------------------- CO2 sources (asset lists)

#: The CO2 sources layer (key ``co2_assets``): the sites of the asset lists in the store (``lnmap carbon import``),
#: read at request time, since an import or a removal changes them while the app runs. Not cached for good: the
#: ETag is a hash of the asset inventories' names, files and import times, so a reload costs a 304 until they change.
CO2_ROUTE = "/lnmap/co2/<datum>/assets.geojson"
#: What the legend and the popups say about the layer: the inventories with their citation, how many sites there are.
CO2_STATUS_ROUTE = "/lnmap/co2/assets.json"
#: The most sites served (the largest by t CO2); the legend says how many there are when there are more.
CO2_MAX_POINTS = 20_000
#: Symbols are area-true: a symbol's area is that of a circle of radius CO2_R_PX × √(|t CO2| ÷ CO2_R_T) px, never
#: under CO2_MIN_R_PX; a site of another gas (CH4, N2O, CO2e …) is drawn small and hollow, CO2_OTHER_GAS_R_PX.
CO2_R_PX = 15.0
CO2_R_T = 10_000_000.0
CO2_MIN_R_PX = 3.0
CO2_OTHER_GAS_R_PX = 3.5
#: The size legend's reference symbols (t CO2), largest first, with their labels.
CO2_LEGEND_T = ((20_000_000, "2,000 万吨", "20 Mt"), (5_000_000, "500 万吨", "5 Mt"), (1_000_000, "100 万吨", "1 Mt"))
#: Bumped when what the layer serves changes shape, so the ETag changes with the code too.
CO2_FORMAT = "1"
#: The sector groups in the legend's order: (zh, en, colour, shape). The shapes (assets/layers_extra.js) all have the
#: area of the circle of the site's radius, so a square and a circle of one tonnage look as big.
SECTOR_GROUPS: dict[str, tuple[str, str, str, str]] = {
    "power": ("电力", "Power", "#ee3377", "circle"),
    "steel": ("钢铁", "Iron & steel", "#0077bb", "square"),
    "cement": ("水泥", "Cement", "#999933", "triangle"),
    "oil_gas": ("石油天然气与炼油", "Oil & gas, refining", "#6a3d9a", "diamond"),
    "chemicals": ("化工", "Chemicals", "#009988", "plus"),
    "coal_mining": ("煤炭开采", "Coal mining", "#333333", "triangle_down"),
    "waste": ("废弃物处理", "Waste", "#ddaa33", "pentagon"),
    "transport": ("交通运输", "Transport", "#ee7733", "star"),
    "other": ("其他", "Other", "#9e9e9e", "hexagon"),
    "sink": ("碳汇（吸收）", "Sink (removals)", "#117733", "ring"),
}
#: A sector's group: the first rule whose pattern is found in the sector (lower case, ``-`` and ``_`` read as spaces),
#: after the sinks (:func:`geo.carbon.units.is_sink_sector`, or negative tonnes). Climate TRACE's sectors and
#: subsectors ("electricity-generation", "iron-and-steel", "oil-and-gas-refining", "solid-waste-disposal" …) and
#: Chinese ones (电力, 钢铁 …); chemicals before oil and gas (petrochemicals), oil and gas before transport (pipelines).
SECTOR_RULES: tuple[tuple[str, re.Pattern], ...] = tuple((g, re.compile(p)) for g, p in (
    ("chemicals", r"chemic|fertili[sz]|ammonia|methanol|plastic|化工|化学|石化|化肥|合成氨|甲醇"),
    ("oil_gas", r"\boil\b|\bgas\b|petroleum|refin|lng|炼油|炼化|石油|天然气|油气|油田|气田"),
    ("coal_mining", r"\bcoal (?:mining|mine|production)|煤矿|采煤|煤炭开采|煤炭采选|洗选"),
    ("power", r"electric|power|\bheat\b|generation|电力|发电|火电|热电|供热|电厂"),
    ("steel", r"steel|iron and steel|ironmaking|pig iron|\bcoke\b|钢|炼铁|焦化"),
    ("cement", r"cement|clinker|水泥|熟料"),
    ("waste", r"waste|landfill|incinerat|sewage|垃圾|废弃物|固废|污水|焚烧"),
    ("transport", r"transport|aviation|shipping|railway|\broad\b|\bport\b|交通|运输|航空|航运|铁路|公路|港口|机场"),
))


def sector_group(sector: str | None, tonnes: float | None = None) -> str:
    """The group a site's sector is drawn in (:data:`SECTOR_GROUPS`): a sink sector or a negative tonnage is
    ``sink``; a sector no rule knows is ``other``.

    >>> [sector_group(s) for s in ("electricity-generation", "iron-and-steel", "oil-and-gas-refining",
    ...                             "coal-mining", "solid-waste-disposal", "road-transportation", "rice-cultivation")]
    ['power', 'steel', 'oil_gas', 'coal_mining', 'waste', 'transport', 'other']
    >>> sector_group("net-forest-land"), sector_group("", -5.0), sector_group("petrochemical-steam-cracking")
    ('sink', 'sink', 'chemicals')
    """
    text = unicodedata.normalize("NFKC", sector or "").lower().replace("-", " ").replace("_", " ")
    if is_sink_sector(text) or (tonnes is not None and np.isfinite(tonnes) and tonnes < 0):
        return "sink"
    return next((group for group, rx in SECTOR_RULES if rx.search(text)), "other")


def co2_radius(co2_t) -> np.ndarray:
    """Screen radius (px) of the circle whose area a site's symbol has: area ∝ |t CO2| (a sink's removals count
    as their size), at least :data:`CO2_MIN_R_PX`; NaN where the site is of another gas (no t CO2).

    >>> co2_radius([10_000_000.0, 2_500_000.0, 1.0, -10_000_000.0, float("nan")]).round(2).tolist()
    [15.0, 7.5, 3.0, 15.0, nan]
    """
    v = np.asarray(co2_t, dtype=float)
    ok = np.isfinite(v)
    r = radii(np.where(ok, v, 0.0), r_max=CO2_R_PX, vmax=CO2_R_T)
    return np.where(ok, np.maximum(r, CO2_MIN_R_PX), np.nan)


def _asset_inventories(settings: Settings | None) -> list[dict]:
    """The stored inventories that are asset lists (they alone have sites), oldest first."""
    return [inv for inv in list_inventories(settings) if inv["method"] == "asset"]


def co2_version(inventories: list[dict], limit: int | None = None) -> str:
    """What the layer's content depends on: the asset inventories (name, file, import time), the bound
    (:data:`CO2_MAX_POINTS` by default) and the format."""
    files = [[i["name"], i["file_sha256"], i["imported_at"]] for i in inventories]
    key = [CO2_FORMAT, CO2_MAX_POINTS if limit is None else limit, *files]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:20]


def co2_sites(inventories: list[dict], settings: Settings | None = None,
              limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """The sites of ``inventories`` (at most ``limit``, the largest |t CO2| first, sites of other gases after them)
    and how many there are in all; columns: inventory, point_no, lon, lat (WGS84), sector, gas, tonnes, co2_t,
    city_adcode, county_adcode."""
    p = carbon_schema.points
    cols = ["inventory", "point_no", "lon", "lat", "sector", "gas", "tonnes", "co2_t", "city_adcode", "county_adcode"]
    limit = CO2_MAX_POINTS if limit is None else limit
    names = [i["name"] for i in inventories]
    if not names:
        return pd.DataFrame(columns=cols), 0
    where = p.c.inventory.in_(names)
    with db.reading(settings, "read the CO2 sources") as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(p).where(where)).scalar_one())
        rows = conn.execute(
            sa.select(*(p.c[c] for c in cols)).where(where)
            .order_by(sa.case((p.c.co2_t.is_(None), 1), else_=0), sa.func.abs(p.c.co2_t).desc(),
                      sa.func.abs(p.c.tonnes).desc(), p.c.inventory, p.c.point_no)
            .limit(limit)).all()
    return pd.DataFrame(rows, columns=cols), total


def co2_assets_layer(datum: str, settings: Settings | None = None, limit: int | None = None,
                     inventories: list[dict] | None = None) -> tuple[bytes, dict]:
    """The CO2 sources layer in ``datum`` (``wgs84`` as stored, ``gcj02`` shifted by
    :func:`geo.core.datum.wgs84_to_gcj02`) as GeoJSON bytes, and its status (:func:`co2_status`). Each site: its
    inventory, sector as given and its group (:func:`sector_group`), gas, tonnes, t CO2 (None for another gas),
    city and county adcode and its symbol's radius (``r``, px); the largest first, so a small one is drawn on top."""
    if datum not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}")
    limit = CO2_MAX_POINTS if limit is None else limit
    inventories = _asset_inventories(settings) if inventories is None else inventories
    sites, total = co2_sites(inventories, settings, limit)
    lon, lat = sites["lon"].to_numpy(float), sites["lat"].to_numpy(float)
    if datum == "gcj02" and len(sites):
        lon, lat = wgs84_to_gcj02(lon, lat)
    radius = np.where(sites["co2_t"].isna(), CO2_OTHER_GAS_R_PX, co2_radius(sites["co2_t"].astype(float)))
    sites["group"] = [sector_group(s, t if pd.isna(c) else c)
                      for s, c, t in zip(sites["sector"], sites["co2_t"], sites["tonnes"])]
    feats = []
    for rec, x, y, r in zip(sites.to_dict("records"), np.round(lon, DECIMALS), np.round(lat, DECIMALS), radius):
        co2 = None if pd.isna(rec["co2_t"]) else round(float(rec["co2_t"]), 2)
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
                      "properties": {
                          "inventory": rec["inventory"], "sector": rec["sector"] or "", "group": rec["group"],
                          "gas": rec["gas"], "tonnes": rec["tonnes"], "co2_t": co2,
                          "city": rec["city_adcode"], "county": rec["county_adcode"], "r": round(float(r), 2)}})
    doc = {"type": "FeatureCollection", "datum": datum, "total": total, "shown": len(feats), "features": feats}
    status = co2_status(inventories, sites, total, limit)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), status


def co2_status(inventories: list[dict], sites: pd.DataFrame, total: int, limit: int) -> dict:
    """What the legend and the popups print (``sites``: :func:`co2_sites` with each site's ``group``): each asset
    inventory (name, year, sites shown, its citation in both languages, :func:`geo.carbon.measures.cite_inventory`),
    the sites in all and shown, the groups shown (legend order) and the names of the places the shown sites lie in."""
    per = sites.groupby("inventory").size() if len(sites) else pd.Series(dtype=int)
    places = load_layer("counties")
    cities = load_layer("cities")
    names = {str(a): [zh, en] for a, zh, en in zip(places.adcode, places.name_zh, places.name_en)}
    names.update({str(a): [zh, en] for a, zh, en in zip(cities.adcode, cities.name_zh, cities.name_en)})
    used = set(sites["city_adcode"].astype(str)) | set(sites["county_adcode"].astype(str))
    groups = set(sites["group"])
    return {
        "inventories": [{"name": i["name"], "year": i["year"], "shown": int(per.get(i["name"], 0)),
                         "cite_zh": cite_inventory(i, "zh"), "cite_en": cite_inventory(i, "en")} for i in inventories],
        "total": total, "shown": len(sites), "limit": limit, "other_gas": int(sites["co2_t"].isna().sum()),
        "groups": [g for g in SECTOR_GROUPS if g in groups],
        "places": {a: names[a] for a in sorted(used) if a in names},
    }


class _Co2Cache:
    """The last few built layers by (database, version, datum): a version is built once per process."""

    def __init__(self, size: int = 6):
        self.size, self.lock = size, threading.Lock()
        self.items: OrderedDict[tuple, tuple[Blob, Blob]] = OrderedDict()

    def get(self, key, build):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = build()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_CO2_CACHE = _Co2Cache()


def _co2_blobs(datum: str, settings: Settings | None) -> tuple[str, Blob, Blob]:
    """The layer in ``datum`` and its status as (version, layer, status), built once per version."""
    inventories = _asset_inventories(settings)
    version = co2_version(inventories)

    def build() -> tuple[Blob, Blob]:
        raw, status = co2_assets_layer(datum, settings, inventories=inventories)
        st = json.dumps(status, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return (Blob(raw, gzip.compress(raw, 6, mtime=0), f"{version}-{datum}"),
                Blob(st, gzip.compress(st, 6, mtime=0), f"{version}-status"))

    layer, status = _CO2_CACHE.get((db.database_url(settings), version, datum), build)
    return version, layer, status


def extra_layer_props(version: str = "", settings: Settings | None = None) -> dict[str, list[dict]]:
    """Props of the GeoJSON components of the ``counties`` and ``plants`` layers (URLs in WGS84); the
    drawing functions are in ``assets/layers_extra.js``. ``hideout`` carries the words in both
    languages, the fuels' styles and the size legend, so the browser needs no other request."""
    fn = lambda name: {"variable": f"lnmap.{name}"}  # noqa: E731
    small = f"{PLANT_R_MW * (PLANT_MIN_R_PX / PLANT_R_PX) ** 2:,.0f}"
    county_words = {lang: {k: label(MAP_LAYER_WORDS, k, lang) for k in COUNTY_WORDS} for lang in LANGS}
    plant_words = {lang: {**{k: label(MAP_LAYER_WORDS, k, lang).replace("{mw}", small) for k in PLANT_WORDS},
                          "data_age": DATA_AGE[0] if lang == "zh" else DATA_AGE[1]} for lang in LANGS}
    # The attribution: ATTRIBUTION_ZH is ATTRIBUTION behind a Chinese lead ("发电厂数据："); the page sends it once.
    plant_words["zh"]["attribution_lead"] = ATTRIBUTION_ZH.removesuffix(ATTRIBUTION)
    present = _present_fuels(settings)
    plants_hideout = {
        "words": plant_words, "attribution": ATTRIBUTION, "fuels": _fuel_styles(present), "present": present,
        "sizes": [[mw, float(plant_radius([mw])[0])] for mw in PLANT_LEGEND_MW],
    }
    return {
        "counties": [
            {"url": layer_url("wgs84", "counties-lines", version), "style": fn("countyLineStyle"), "interactive": False},
            {"url": layer_url("wgs84", "counties-marked", version), "style": fn("countyStyle"),
             "onEachFeature": fn("countyTooltip"), "hideout": {"words": county_words}},
        ],
        "plants": [
            {"url": layer_url("wgs84", "plants", version), "pointToLayer": fn("plantMarker"),
             "onEachFeature": fn("plantPopup"), "hideout": plants_hideout},
        ],
        # The URL carries no version: the sites come from the store at request time (co2_version is the ETag).
        "co2_assets": [
            {"url": CO2_ROUTE.replace("<datum>", "wgs84"), "pointToLayer": fn("co2Marker"),
             "onEachFeature": fn("co2Popup"), "hideout": co2_hideout()},
        ],
    }


def co2_hideout() -> dict:
    """What the CO2 sources layer draws and prints with, in both languages: the words, the groups' names, colours
    and shapes, the size legend and where the layer's status is read (:data:`CO2_STATUS_ROUTE`)."""
    small = f"{CO2_R_T * (CO2_MIN_R_PX / CO2_R_PX) ** 2:,.0f}"
    words = {lang: {k: label(MAP_LAYER_WORDS, k, lang).replace("{t}", small) for k in CO2_WORDS} for lang in LANGS}
    return {
        "words": words, "status": CO2_STATUS_ROUTE, "other_gas_r": CO2_OTHER_GAS_R_PX,
        "groups": {g: {"zh": zh, "en": en, "color": colour, "shape": shape}
                   for g, (zh, en, colour, shape) in SECTOR_GROUPS.items()},
        "sizes": [[zh, en, float(co2_radius([t])[0])] for t, zh, en in CO2_LEGEND_T],
    }


def build_layers(settings: Settings | None = None,
                 frames: dict[str, gpd.GeoDataFrame] | None = None) -> dict[tuple[str, str], Blob]:
    """Every (datum, layer) as JSON bytes with a gzip copy and an ETag (of ``frames``, by default
    :func:`source_frames`)."""
    out = {}
    for name, gdf in (frames if frames is not None else source_frames(settings)).items():
        for datum in DATUMS:
            raw = _feature_collection(gdf, datum)
            out[(datum, name)] = Blob(raw, gzip.compress(raw, 9, mtime=0), hashlib.sha256(raw).hexdigest()[:20])
    log.info("built %d layer files, %d bytes", len(out), sum(len(b.raw) for b in out.values()))
    return out


def register_routes(server: Flask, blobs: dict[tuple[str, str], Blob], settings: Settings | None = None) -> None:
    """Serve the layers at :data:`ROUTE` (read-only, from memory), and the CO2 sources read from the store
    (:func:`register_co2_routes`).

    A request carrying the current version (``?v=``) may be cached for a year; any other
    is revalidated with its ETag.
    """
    version = layers_version(blobs)

    def geojson(datum: str, name: str) -> BaseResponse:
        blob = blobs.get((datum, name))
        if blob is None:
            abort(404)
        return _send(blob, IMMUTABLE if request.args.get("v") == version else "no-cache")

    server.add_url_rule(ROUTE, "lnmap_geojson", geojson)
    register_co2_routes(server, settings)


def _send(blob: Blob, cache: str) -> BaseResponse:
    gz = "gzip" in request.headers.get("Accept-Encoding", "")
    resp = Response(blob.gz if gz else blob.raw, mimetype="application/json")
    if gz:
        resp.headers["Content-Encoding"] = "gzip"
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = cache
    resp.set_etag(blob.etag)
    return resp.make_conditional(request)


def register_co2_routes(server: Flask, settings: Settings | None = None) -> None:
    """Serve the CO2 sources layer at :data:`CO2_ROUTE` and its status at :data:`CO2_STATUS_ROUTE`, read from the
    store (``settings``; by default the environment's at each request) and revalidated on every use (``no-cache``
    with an ETag of :func:`co2_version`). A store that cannot be read gives an empty layer whose status says so."""

    def blobs(datum: str) -> tuple[Blob, Blob]:
        try:
            _version, layer, status = _co2_blobs(datum, settings)
        except StoreError as exc:
            log.warning("CO2 sources: %s", exc)
            raw = json.dumps({"type": "FeatureCollection", "datum": datum, "total": 0, "shown": 0, "features": []})
            st = json.dumps({"inventories": [], "total": 0, "shown": 0, "limit": CO2_MAX_POINTS, "other_gas": 0,
                             "groups": [], "places": {}, "unavailable": True})
            layer = Blob(raw.encode(), gzip.compress(raw.encode(), mtime=0), "unavailable-" + datum)
            status = Blob(st.encode(), gzip.compress(st.encode(), mtime=0), "unavailable-status")
        return layer, status

    def layer(datum: str) -> BaseResponse:
        if datum not in DATUMS:
            abort(404)
        return _send(blobs(datum)[0], "no-cache")

    def status() -> BaseResponse:
        return _send(blobs("wgs84")[1], "no-cache")

    server.add_url_rule(CO2_ROUTE, "lnmap_co2_assets", layer)
    server.add_url_rule(CO2_STATUS_ROUTE, "lnmap_co2_status", status)
