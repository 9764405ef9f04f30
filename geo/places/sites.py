"""Sites the documents name: parks, mines, ports, steel works, nuclear plants, airports.

Coordinates come from ``reference/sites.csv`` with their precision and source. A site
with no sourced coordinate is listed with its city but not placed on the map.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import DataValidationError, GazetteerError, Problem
from geo.core.settings import PROJECTED_CRS, WEB_CRS, Settings, get_settings
from geo.places.gazetteer import get_gazetteer

SITES_FILE = "sites.csv"
KINDS = {
    "park": ("园区", "Industrial park / zone"),
    "mine": ("矿山", "Mine"),
    "port": ("港口", "Port"),
    "steel": ("钢铁企业", "Steel works"),
    "nuclear": ("核电", "Nuclear power"),
    "airport": ("机场", "Airport"),
    "reserve": ("国家公园/保护地", "National park / reserve"),
}
_REQUIRED = ["name_zh", "name_en", "kind", "expected_city_adcode", "lon", "lat", "precision",
             "coordinate_source", "named_in", "note"]
# Metres per degree of latitude (mean), to turn a precision stated in degrees into metres.
_M_PER_DEG = 111_320.0


def uncertainty_m(precision: str) -> float | None:
    """Radius (m) implied by a precision flag stated in degrees ("about 0.02 deg");
    ``0`` for ``exact``; ``None`` when the source states no size (approximate, proxy…)."""
    text = precision.strip().lower()
    if text == "exact":
        return 0.0
    if text.startswith("about") and text.endswith("deg"):
        return float(text.split()[1]) * _M_PER_DEG
    return None


def build_sites(reference: pd.DataFrame, *, source: str = "reference/sites.csv") -> pd.DataFrame:
    """Validate the reference table and give it ids, adcodes and a placed flag."""
    missing = [c for c in _REQUIRED if c not in reference.columns]
    if missing:
        raise DataValidationError([Problem(f"missing column {c!r}", field=c, source=source) for c in missing])
    gaz = get_gazetteer()
    problems: list[Problem] = []
    rows = []
    for i, rec in enumerate(reference.fillna("").astype(str).to_dict("records"), start=2):
        try:
            place = gaz.resolve(rec["expected_city_adcode"], level="city", row=i, field="expected_city_adcode",
                                source=source)
        except GazetteerError as exc:
            problems.extend(exc.problems)
            continue
        if rec["kind"] not in KINDS:
            problems.append(Problem(f"unknown kind {rec['kind']!r}; expected one of {sorted(KINDS)}", i, "kind", source))
            continue
        lon, lat = rec["lon"].strip(), rec["lat"].strip()
        placed = bool(lon and lat)
        if bool(lon) != bool(lat):
            problems.append(Problem("lon and lat must both be given or both be empty", i, "lon", source))
            continue
        if placed:
            try:
                lon_f, lat_f = float(lon), float(lat)
            except ValueError:
                problems.append(Problem(f"non-numeric coordinate {lon!r}, {lat!r}", i, "lon", source))
                continue
            if not (118 <= lon_f <= 126 and 38 <= lat_f <= 44):
                problems.append(Problem(f"coordinate {lon_f}, {lat_f} is outside Liaoning's extent", i, "lon", source))
                continue
        site_id = hashlib.sha1(f"{rec['kind']}|{rec['name_zh']}".encode()).hexdigest()[:8]
        radius = uncertainty_m(rec["precision"]) if placed else None
        rows.append({
            "site_id": f"{rec['kind']}-{site_id}", "name_zh": rec["name_zh"], "name_en": rec["name_en"],
            "kind": rec["kind"], "adcode": place.adcode, "city_zh": place.name_zh,
            "lon": float(lon) if placed else np.nan, "lat": float(lat) if placed else np.nan,
            "placed": placed, "precision": rec["precision"] if placed else "not found",
            "uncertainty_m": radius, "coordinate_source": rec["coordinate_source"], "named_in": rec["named_in"],
            "note": rec["note"],
        })
    if problems:
        raise DataValidationError(problems)
    out = pd.DataFrame(rows)
    dupes = out[out.duplicated("site_id", keep=False)]
    if len(dupes):
        raise DataValidationError([Problem(f"duplicate site {n!r}", field="name_zh", source=source) for n in dupes.name_zh])
    return out


def load_sites(settings: Settings | None = None) -> pd.DataFrame:
    """Every site, placed or not."""
    settings = settings or get_settings()
    return pd.read_csv(settings.indicators_dir / SITES_FILE, dtype={"adcode": str})


def placed_sites(settings: Settings | None = None) -> gpd.GeoDataFrame:
    """Sites with a sourced coordinate, as points in WGS84."""
    sites = load_sites(settings)
    sites = sites[sites.placed.astype(bool)]
    return gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites.lon, sites.lat), crs=WEB_CRS)


def distance_to_city_m(sites: gpd.GeoDataFrame, cities: gpd.GeoDataFrame) -> pd.Series:
    """Distance (m, projected CRS) from each site to its own city's polygon; 0 inside."""
    if sites.crs != cities.crs:
        raise ValueError(f"CRS mismatch: sites {sites.crs} vs cities {cities.crs}")
    city_geom = cities.set_index("adcode").geometry.to_crs(PROJECTED_CRS)
    pts = sites.to_crs(PROJECTED_CRS)
    return pd.Series([pt.distance(city_geom.loc[a]) for pt, a in zip(pts.geometry, pts.adcode)], index=sites.index)
