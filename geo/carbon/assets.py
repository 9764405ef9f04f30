"""Asset lists (Climate TRACE and the like): one row per emitting site with lon, lat, sector, gas, tonnes, year.

CSV or XLSX, UTF-8 or GBK, read by :mod:`geo.store.tableread` within :data:`ASSET_LIMITS`. Headers
(English or Chinese, any case): ``lon``/``longitude``/``经度``, ``lat``/``latitude``/``纬度``,
``sector``/``部门``, ``gas``/``气体``, ``tonnes``/``emissions_quantity``/``排放量``, ``year``/``年份``.
Coordinates are WGS84 unless the list is GCJ-02 (``--datum gcj02``, the datum of Chinese web maps),
then converted with :func:`geo.core.datum.gcj02_to_wgs84`.

Only the rows of the year imported count; the rows of other years are skipped and counted. Each site is
placed in the county (and so the city) whose polygon holds it; sites outside Liaoning are counted, not
kept. Tonnes of CO2 (and of C, × 44/12) are summed per place; sites of other gases (CH4, N2O, CO2e …)
are kept as points but not summed. A negative tonnage is refused unless the row's sector is a sink.
"""

from __future__ import annotations

import math
import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.carbon.places import place_layer
from geo.carbon.units import gas_factor, is_sink_sector
from geo.core.datum import gcj02_to_wgs84
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings
from geo.measures.rows import header_columns
from geo.store.tableread import Limits, Table, read_table

MiB = 1024 * 1024
#: Bounds on an asset list: a national list of a few hundred thousand sites fits.
ASSET_LIMITS = Limits(file_bytes=128 * MiB, rows=1_000_000, columns=100, cells=20_000_000, line_chars=64 * 1024,
                      seconds=120.0)
POINT_COLUMNS = ["point_no", "lon", "lat", "sector", "gas", "tonnes", "co2_t", "city_adcode", "county_adcode",
                 "source_row"]

_HEADERS = {
    "lon": ["lon", "longitude", "lng", "long", "x", "经度"],
    "lat": ["lat", "latitude", "y", "纬度"],
    "sector": ["sector", "subsector", "部门", "行业"],
    "gas": ["gas", "气体", "温室气体"],
    "tonnes": ["tonnes", "tonnes_co2", "emissions_quantity", "emissions", "emission", "t", "排放量", "排放量(吨)",
               "排放量（吨）", "吨"],
    "year": ["year", "年份", "年", "年度"],
}
REQUIRED = ("lon", "lat", "gas", "tonnes", "year")


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", text).lower())


_INDEX = {_key(a): canon for canon, aliases in _HEADERS.items() for a in aliases}


def is_asset_header(header: list[str]) -> bool:
    """True when a table's header names longitude and latitude columns: an asset list."""
    found = {_INDEX.get(_key(h)) for h in header}
    return {"lon", "lat"} <= found


_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


def number(text: str) -> float | None:
    """A finite number from a cell (``1234.5``, ``1,234.5``, ``1.2e5``), else None."""
    text = text.strip()
    try:
        value = float(text.replace(",", "") if _GROUPED.fullmatch(text) else text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_assets(data: bytes | Table, *, year: int, datum: str = "wgs84", scale: float = 1.0, name: str = "upload",
                default_sector: str | None = None, settings: Settings | None = None) -> tuple[pd.DataFrame, dict]:
    """The sites of ``year`` inside Liaoning (:data:`POINT_COLUMNS`, WGS84) and what was read (``data``: the
    file's bytes, or its table already read within :data:`ASSET_LIMITS`);
    :class:`DataValidationError` with every bad row otherwise. ``scale``: tonnes per unit of the tonnes column;
    ``default_sector``: the sector of a row whose sector cell is empty (the import's ``--sector``)."""
    table = data if isinstance(data, Table) else read_table(data, name=name, limits=ASSET_LIMITS)
    header = [str(h) for h in table.header]
    columns, problems = header_columns(header, _INDEX, _key, REQUIRED, _HEADERS, table.header_row, name)
    if problems:
        raise DataValidationError(problems)
    names = {c: header[i] for c, i in columns.items()}
    records = []
    other_years = 0
    for row, cells in table.rows:
        cells = cells + [""] * (len(header) - len(cells))
        rec = {c: unicodedata.normalize("NFKC", cells[j]).strip() for c, j in columns.items()}
        y = number(rec["year"][:4]) if re.fullmatch(r"[0-9]{4}([-/.].*)?(\.0)?", rec["year"]) else None
        if y is None:
            problems.append(Problem(f"{rec['year']!r} is not a year", row, names["year"], name))
            continue
        if int(y) != year:
            other_years += 1
            continue
        bad = []
        lon, lat = number(rec["lon"]), number(rec["lat"])
        if lon is None or not -180 <= lon <= 360:
            bad.append(Problem(f"{rec['lon']!r} is not a longitude in degrees", row, names["lon"], name))
        if lat is None or not -90 <= lat <= 90:
            bad.append(Problem(f"{rec['lat']!r} is not a latitude in degrees", row, names["lat"], name))
        tonnes = number(rec["tonnes"])
        sector = rec.get("sector", "").strip() or (default_sector or "")  # an empty cell: the import's --sector
        if tonnes is None:
            bad.append(Problem(f"{rec['tonnes']!r} is not a number of tonnes", row, names["tonnes"], name))
        elif tonnes < 0 and not is_sink_sector(sector):
            bad.append(Problem(f"negative tonnes {rec['tonnes']!r} in sector {sector or '(none)'!r}: only a sink sector "
                               "(LULUCF, forest …) may hold negative values", row, names["tonnes"], name))
        if not rec["gas"]:
            bad.append(Problem("empty gas (CO2, CH4, N2O …)", row, names["gas"], name))
        if bad:
            problems += bad
            continue
        assert lon is not None and lat is not None and tonnes is not None
        factor = gas_factor(rec["gas"])
        records.append({"lon": lon, "lat": lat, "sector": sector, "gas": rec["gas"], "tonnes": tonnes * scale,
                        "co2_t": None if factor is None else tonnes * scale * factor, "source_row": row})
    for first, last in table.empty_runs:
        problems.append(Problem("empty row" if first == last else f"empty rows {first:,}–{last:,}", first, None, name))
    if problems:
        raise DataValidationError(problems)
    if not records:
        raise DataValidationError(Problem(f"no row of {year} in the list ({other_years:,} rows of other years)",
                                          field="year", source=name))
    points = pd.DataFrame.from_records(records)
    if datum == "gcj02":
        lon_w, lat_w = gcj02_to_wgs84(points["lon"].to_numpy(), points["lat"].to_numpy())
        points["lon"], points["lat"] = lon_w, lat_w
    counties = place_layer("county", settings)
    gdf = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["lon"], points["lat"]), crs="EPSG:4326")
    joined = gpd.sjoin(gdf, counties[["adcode", "parent_adcode", "geometry"]], how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")]  # a site on a shared border: the first county
    points["county_adcode"] = joined["adcode"].to_numpy()
    points["city_adcode"] = joined["parent_adcode"].to_numpy()
    inside = points["county_adcode"].notna()
    meta = {"form": "assets", "rows_read": len(table.rows), "rows_other_years": other_years,
            "sites_of_year": len(points), "sites_outside_liaoning": int((~inside).sum()), "datum": datum,
            "encoding": table.encoding, "gases": sorted(set(points["gas"])),
            "sites_not_co2": int(points.loc[inside, "co2_t"].isna().sum())}
    points = points[inside].reset_index(drop=True)
    if points.empty:
        raise DataValidationError(Problem(f"none of the {meta['sites_of_year']:,} sites of {year} lies in Liaoning"
                                          + (" (is the list in GCJ-02? pass --datum gcj02)" if datum == "wgs84" else ""),
                                          source=name))
    points.insert(0, "point_no", np.arange(len(points)))
    points["county_adcode"] = points["county_adcode"].astype(str)
    points["city_adcode"] = points["city_adcode"].astype(str)
    return points[POINT_COLUMNS], meta


def asset_sums(points: pd.DataFrame, level: str, settings: Settings | None = None) -> pd.DataFrame:
    """t CO2 per place of ``level`` from the sites' CO2 (every place, 0 where the list has no site)."""
    places = place_layer(level, settings)
    key = "city_adcode" if level == "city" else "county_adcode"
    sums = points.dropna(subset=["co2_t"]).groupby(key)["co2_t"].sum()
    return pd.DataFrame({"adcode": places["adcode"], "co2_t": places["adcode"].map(sums).fillna(0.0).to_numpy(),
                         "coverage_pct": np.nan})
