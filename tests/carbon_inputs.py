"""Made-up carbon inventories for the tests, and their expected sums computed without geo.carbon.

Nothing licensed is bundled: every grid, list and table is written here. The expectation is a geopandas
overlay of the cells (shapely boxes) with the committed city or county polygons, in the WGS84 cylindrical
equal-area projection EPSG:6933 (not the Albers projection geo.carbon uses): a cell counts by the area of
its piece inside the polygon over its own area.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
BOUNDARIES = ROOT / "data" / "boundaries"
EQUAL_AREA = "EPSG:6933"


def layer(name: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(BOUNDARIES / f"{name}.geojson")
    gdf["adcode"] = gdf["adcode"].astype(str)
    return gdf


def land() -> shapely.Geometry:
    """Liaoning and the neighbouring provinces: cells whose centre is elsewhere are sea (or abroad)."""
    return shapely.union_all([*layer("province").geometry, *layer("context").geometry])


def pattern(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A known, non-uniform, positive field: waves, a gradient and a hot spot near 沈阳."""
    return (500 + 300 * np.sin(3 * lon) * np.cos(2 * lat) + 40 * (lon - 117) + 25 * (lat - 38)
            + 2000 * np.exp(-((lon - 123.4) ** 2 + (lat - 41.8) ** 2) / 0.05))


def lonlat_grid(west: float, north: float, res: float, nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a north-up lon/lat grid, shape (ny, nx)."""
    lons = west + res * (np.arange(nx) + 0.5)
    lats = north - res * (np.arange(ny) + 0.5)
    return np.meshgrid(lons, lats)


def sea_to_nan(values: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    out = values.astype("float64").copy()
    out[~shapely.contains_xy(land(), lon, lat)] = np.nan
    return out


def cells(west: float, north: float, xres: float, yres: float, tonnes: np.ndarray, crs: str) -> gpd.GeoDataFrame:
    """One box per cell with a value (NaN cells left out), in the grid's CRS."""
    ny, nx = tonnes.shape
    r, c = np.nonzero(np.isfinite(tonnes))
    x0 = west + xres * c
    y1 = north - yres * r
    geoms = shapely.box(x0, y1 - yres, x0 + xres, y1)
    return gpd.GeoDataFrame({"t": tonnes[r, c]}, geometry=geoms, crs=crs)


def equal_area_m2(grid_cells: gpd.GeoDataFrame) -> np.ndarray:
    """The true area of each cell: its box in EPSG:6933 (a lon/lat or Web Mercator box stays a rectangle there)."""
    return grid_cells.to_crs(EQUAL_AREA).area.to_numpy()


def expected(grid_cells: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per adcode: Σ t × (area of the cell's piece in the place ÷ the cell's area), and the share (%) of the
    place's area covered by the cells, all areas in EPSG:6933."""
    c = grid_cells.to_crs(EQUAL_AREA)
    c["cell_area"] = c.area
    p = places[["adcode", "geometry"]].to_crs(EQUAL_AREA)
    inside = gpd.sjoin(c, p, predicate="within", how="inner")  # whole cells: no overlay needed
    whole = inside.groupby("adcode").agg(t=("t", "sum"), covered=("cell_area", "sum"))
    cut = c.drop(index=inside.index.unique())
    pieces = gpd.overlay(cut.reset_index(drop=True), p, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.area / pieces["cell_area"]
    pieces["tw"] = pieces["t"] * pieces["share"]
    pieces["covered"] = pieces.area
    part = pieces.groupby("adcode").agg(t=("tw", "sum"), covered=("covered", "sum"))
    total = whole.add(part, fill_value=0).reindex(p["adcode"]).fillna(0)
    area = p.set_index("adcode").area
    return pd.DataFrame({"co2_t": total["t"], "coverage_pct": 100 * total["covered"] / area})


def seconds_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1] * 86400


def write_geotiff(path: Path, values: np.ndarray, *, west: float, north: float, xres: float, yres: float,
                  crs: str | None, units: str | None = None, nodata: float | None = -9999.0) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    data = values.astype("float32")
    if nodata is not None:
        data = np.where(np.isfinite(data), data, nodata).astype("float32")
    profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1, "dtype": "float32",
               "transform": from_origin(west, north, xres, yres), "nodata": nodata}
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data, 1)
        if units:
            ds.update_tags(1, units=units)
            ds.units = (units,)
    return path


def write_netcdf(path: Path, months: dict[tuple[int, int], np.ndarray], *, west: float, north: float, res: float,
                 variable: str = "co2_flux", units: str | None = "kg m-2 s-1", ascending_lat: bool = True,
                 extra_variable: str | None = None) -> Path:
    """A CF file with a monthly time axis (days since 2000-01-01, standard calendar); ``months``:
    (year, month) → values on the north-up grid, NaN written as _FillValue."""
    import netCDF4

    ny, nx = next(iter(months.values())).shape
    lats = north - res * (np.arange(ny) + 0.5)
    lons = west + res * (np.arange(nx) + 0.5)
    with netCDF4.Dataset(path, "w") as ds:
        ds.Conventions = "CF-1.8"
        ds.createDimension("time", None)
        ds.createDimension("lat", ny)
        ds.createDimension("lon", nx)
        t = ds.createVariable("time", "f8", ("time",))
        t.units, t.calendar, t.standard_name = "days since 2000-01-01", "standard", "time"
        la = ds.createVariable("lat", "f4", ("lat",))
        la.units, la.standard_name = "degrees_north", "latitude"
        lo = ds.createVariable("lon", "f4", ("lon",))
        lo.units, lo.standard_name = "degrees_east", "longitude"
        la[:] = lats[::-1] if ascending_lat else lats
        lo[:] = lons
        v = ds.createVariable(variable, "f4", ("time", "lat", "lon"), fill_value=np.float32(1e20))
        if units:
            v.units = units
        v.long_name = "emissions"
        if extra_variable:
            e = ds.createVariable(extra_variable, "f4", ("time", "lat", "lon"), fill_value=np.float32(1e20))
            e.units = "1"
        for k, ((year, month), values) in enumerate(sorted(months.items())):
            t[k] = netCDF4.date2num(dt.datetime(year, month, 15), t.units, calendar="standard")
            data = values[::-1] if ascending_lat else values
            v[k] = np.where(np.isfinite(data), data, 1e20).astype("float32")
            if extra_variable:
                e[k] = np.ones_like(data, dtype="float32")
    return path
