"""The places an inventory is summed to: Liaoning's 14 cities and its counties, with their equal-area areas.

Areas are those of the committed polygons (:func:`geo.places.boundaries.load_layer`) in
:data:`EQUAL_AREA_CRS`, an Albers equal-area projection for China on the WGS84 ellipsoid: its area is the
ellipsoid's, so a per-area rate and a coverage share are in true square kilometres.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from geo.core.settings import Settings, get_settings
from geo.places.boundaries import load_layer

#: Albers equal-area conic for China (standard parallels 25°N and 47°N, central meridian 105°E), WGS84.
EQUAL_AREA_CRS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
#: The levels an inventory is summed to, and their boundary layers.
LEVELS = {"city": "cities", "county": "counties"}


def place_layer(level: str, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The places of ``level`` (city or county): adcode, name_zh, name_en, parent_adcode, area_km2 and the
    polygon in WGS84, sorted by adcode. A copy: callers may change it."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    settings = settings or get_settings()
    return _layer(LEVELS[level], settings.boundaries_dir).copy()


@lru_cache(maxsize=8)
def _layer(layer: str, boundaries_dir: Path) -> gpd.GeoDataFrame:
    gdf = load_layer(layer, Settings(data_dir=boundaries_dir.parent))
    gdf = gdf[["adcode", "name_zh", "name_en", "parent_adcode", "geometry"]].copy()
    gdf["adcode"] = gdf["adcode"].astype(str)
    gdf["parent_adcode"] = gdf["parent_adcode"].astype(str)
    gdf["area_km2"] = gdf.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6
    return gdf.sort_values("adcode").reset_index(drop=True)


def province_bounds(settings: Settings | None = None) -> tuple[float, float, float, float]:
    """Liaoning's (west, south, east, north) in degrees (WGS84)."""
    cities = place_layer("city", settings)
    west, south, east, north = (float(v) for v in cities.total_bounds)
    return west, south, east, north


def province_outline(settings: Settings | None = None):
    """Liaoning as one (multi)polygon in WGS84: the union of its cities."""
    return place_layer("city", settings).union_all()
