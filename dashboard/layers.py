"""The map's GeoJSON layers, built once at start and served as static files by URL.

Each layer exists in two datums: ``wgs84`` (the committed data, for the plain
background and WGS84 tile services such as OpenStreetMap) and ``gcj02`` (shifted
with :func:`geo.datum.wgs84_to_gcj02`, to line up with Amap/Gaode tiles). The bytes
are gzip-compressed once; the route sends them compressed to browsers that accept it,
with an ETag so a reload costs a 304.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from flask import Flask, Response, abort, request
from werkzeug.wrappers import Response as BaseResponse

from geo.boundaries import load_layer
from geo.datum import transform_geometry, wgs84_to_gcj02
from geo.regions import region_outlines
from geo.settings import PROJECTED_CRS, WEB_CRS, Settings
from geo.sites import KINDS, placed_sites
from geo.view import OTHER_PLAN_CITIES

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
    return frames


def build_layers(settings: Settings | None = None) -> dict[tuple[str, str], Blob]:
    """Every (datum, layer) as JSON bytes with a gzip copy and an ETag."""
    out = {}
    for name, gdf in source_frames(settings).items():
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
