"""The first frame: the map's outlines in the page's own HTML, drawn before Dash has started.

A cold load spends about a second evaluating Dash's and Leaflet's scripts, rendering the layout
and fetching the GeoJSON before Leaflet draws a city. The index page therefore carries the 14
city outlines and the neighbouring provinces, projected to Web Mercator (EPSG:3857, Leaflet's
projection) and simplified below a pixel at the zoom levels the map opens at, together with the
values of the indicator the link asks for. ``assets/map_*.js`` (section "the first frame") draws
them as soon as it is evaluated, with the same style functions Leaflet uses later, under
Leaflet's panes and at the view Leaflet will fit; each part is taken away in the frame
Leaflet's own cities, circles and labels are painted.

Only a view the server can resolve by itself gets a first frame: a link naming an observed
dataset, a later plan, a year or a basemap in another datum opens as before.
"""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box

from dashboard.layers import layer_url
from dashboard.state import BASEMAPS, parse_query

MERCATOR = "EPSG:3857"
#: Coordinates are written in units of this many metres (Web Mercator), relative to the cities'
#: north-west corner: integers of four digits for Liaoning.
UNIT_M = 100
#: Simplification tolerance (Web Mercator metres). A pixel at zoom z is 156,543 / 2^z of them: 611 at
#: zoom 8, the largest the map opens at on a 1920x1080 screen; Leaflet itself simplifies by a pixel.
TOLERANCE_M = 300
#: The neighbours are background: a coarser tolerance, clipped to the cities' box grown by these shares
#: of its width and height on each side (a 1920x1080 screen shows about 1.2 widths more left and right).
CONTEXT_TOLERANCE_M = 1000
CONTEXT_MARGIN = (1.6, 0.8)
#: Query keys whose view needs data the index page does not have (observed values, another plan).
NEEDS_DATA = ("dataset", "plan", "year")


def _path(geom, ox: float, oy: float) -> str:
    """SVG path data of a (multi)polygon in Web Mercator metres: relative moves in UNIT_M units, y down."""
    parts = []
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:-1]
            pts = np.column_stack([np.round((xy[:, 0] - ox) / UNIT_M), np.round((oy - xy[:, 1]) / UNIT_M)]).astype(int)
            keep = np.ones(len(pts), bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)  # repeated points after rounding
            pts = pts[keep]
            if len(pts) < 3:
                continue
            steps = np.diff(pts, axis=0)
            parts.append(f"M{pts[0, 0]} {pts[0, 1]}l" + " ".join(f"{dx} {dy}" for dx, dy in steps) + "z")
    return "".join(parts)


def preview_geometry(frames: dict[str, gpd.GeoDataFrame]) -> dict:
    """What the first frame draws, from the layers the map serves (``layers.source_frames``)."""
    cities = frames["cities"].to_crs(MERCATOR)
    labels = frames["labels"].to_crs(MERCATOR).set_index("adcode")
    minx, miny, maxx, maxy = cities.total_bounds
    ox, oy = math.floor(minx / UNIT_M) * UNIT_M, math.ceil(maxy / UNIT_M) * UNIT_M
    simple = cities.geometry.simplify(TOLERANCE_M, preserve_topology=True)
    out_cities = []
    for (_, row), geom in zip(cities.iterrows(), simple, strict=True):
        p = labels.geometry[row.adcode]
        out_cities.append({"a": row.adcode, "zh": row.name_zh, "en": row.name_en, "d": _path(geom, ox, oy),
                           "p": [round((p.x - ox) / UNIT_M, 1), round((oy - p.y) / UNIT_M, 1)]})
    w, h = maxx - minx, maxy - miny
    mx, my = CONTEXT_MARGIN[0] * w, CONTEXT_MARGIN[1] * h
    frame = box(minx - mx, miny - my, maxx + mx, maxy + my)
    context = frames["context"].to_crs(MERCATOR).geometry
    context = shapely.intersection(context.simplify(CONTEXT_TOLERANCE_M, preserve_topology=True).values, frame)
    west, south, east, north = frames["cities"].total_bounds  # Leaflet fits these (the unsimplified outlines)
    return {
        "unit": UNIT_M, "origin": [ox, oy],
        "bounds": [[float(south), float(west)], [float(north), float(east)]],
        "cities": out_cities,
        "context": "".join(_path(g, ox, oy) for g in context if not g.is_empty and g.area > 0
                           and g.geom_type in ("Polygon", "MultiPolygon")),
    }


def preview_payload(store: dict, search: str) -> dict | None:
    """The first frame of the page ``search`` asks for (a query string), without its outlines (the same for
    every page: :func:`encoded` once, given to :func:`preview_script`), or None when the server cannot tell
    what that page will draw."""
    q = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    if any(q.get(k, [""])[-1] for k in NEEDS_DATA) or q.get("level", [""])[-1] == "county":
        return None  # (the county level draws a CO2 inventory's counties, known once the inventories are in)
    view = parse_query(search, store)
    spec = BASEMAPS.get(view.basemap)
    if spec is not None and spec[1] != "wgs84":
        return None
    ind = store["indicators"][view.indicator]
    return {
        "view": {"indicator": view.indicator, "group": ind["group"], "measure": ind["measure"], "scheme": view.scheme,
                 "city": view.city, "lang": view.lang, "panel": view.panel, "region": view.region,
                 "map_type": view.map_type, "context": "context" in view.layers, "labels": "labels" in view.layers},
        "store": {"indicators": {view.indicator: ind}, "symbols": store["symbols"], "nodata": store["nodata"],
                  "region_members": store["region_members"], "series": {}},
        # The GeoJSON Leaflet will ask for, fetched and parsed while Dash starts; dash-leaflet's own request of each
        # is answered with it (assets/map_4_first_frame.js). Their URLs carry the data's version (cached for a year).
        # (The labels' file also places the circles: always wanted, and 0.6 KB.)
        "fetch": [layer_url("wgs84", name, store.get("layer_version", ""))
                  for name in ("cities", "labels", *(["context"] if "context" in view.layers else []))],
    }


def encoded(obj) -> str:
    """JSON for a ``<script>`` block: ``<`` escaped, so no text in it can close the tag."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def preview_script(payload: dict | None, geo: str = "") -> str:
    """The payload, with the outlines ``geo`` (:func:`encoded` geometry) as its "geo", as an inert JSON block."""
    if payload is None:
        return ""
    text = encoded(payload)
    if geo:
        text = text[:-1] + ("," if len(text) > 2 else "") + '"geo":' + geo + "}"
    return f'<script type="application/json" id="lnmap-preview-data">{text}</script>'
