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
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from flask import Flask, Response, abort, request
from werkzeug.wrappers import Response as BaseResponse

from geo.core.datum import transform_geometry, wgs84_to_gcj02
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import DESIGNATIONS_FILE, PROJECTED_CRS, WEB_CRS, Settings, get_settings
from geo.core.symbols import radii
from geo.core.vocabulary import LANGS, citation_text, label
from geo.measures.view import OTHER_PLAN_CITIES
from geo.places.boundaries import load_layer
from geo.places.power_plants import ATTRIBUTION, ATTRIBUTION_ZH, DATA_AGE, FUELS, OTHER_FUEL, PLANTS_FILE, load_power_plants
from geo.places.regions import region_outlines
from geo.places.sites import KINDS, placed_sites

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
}
COUNTY_WORDS = ("county_lines", "county_marked")
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


def register_routes(server: Flask, blobs: dict[tuple[str, str], Blob]) -> None:
    """Serve the layers at :data:`ROUTE` (read-only, from memory).

    A request carrying the current version (``?v=``) may be cached for a year; any other
    is revalidated with its ETag.
    """
    version = layers_version(blobs)

    def geojson(datum: str, name: str) -> BaseResponse:
        blob = blobs.get((datum, name))
        if blob is None:
            abort(404)
        gz = "gzip" in request.headers.get("Accept-Encoding", "")
        resp = Response(blob.gz if gz else blob.raw, mimetype="application/json")
        if gz:
            resp.headers["Content-Encoding"] = "gzip"
        resp.headers["Vary"] = "Accept-Encoding"
        resp.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == version else "no-cache"
        resp.set_etag(blob.etag)
        return resp.make_conditional(request)

    server.add_url_rule(ROUTE, "lnmap_geojson", geojson)
