"""A gridded inventory cut to Liaoning's places with exact cell fractions.

A reader (:mod:`geo.carbon.geotiff`, :mod:`geo.carbon.netcdf`) reads only the window of the grid around
Liaoning and gives a :class:`Grid`: tonnes of CO2 in each cell for the year, NaN where the grid has no
value (nodata, NaN, the sea), with the cells' true areas. :func:`zonal_sums` then sums it to each place
with :mod:`exactextract`: a cell cut by a border counts by the share of its area inside the polygon, so a
cell of 吉林 or 河北 that reaches into Liaoning counts by the part that does. The share is computed in the
grid's own coordinates, which within one cell equals the share of true area to well under 0.1 %; the
tonnes are already totals per cell (a flux has been multiplied by the cell's ellipsoidal area), so the sum
is Σ tonnes × share. The area a place's valid cells cover, Σ true cell area × share, gives its coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS, Transformer

from geo.carbon.places import EQUAL_AREA_CRS, province_bounds
from geo.carbon.units import Unit, is_sink_sector
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings

#: WGS84's semi-major axis (m) and first eccentricity squared.
_A = 6378137.0
_E2 = 0.00669437999014
#: Cells of margin around Liaoning's bounding box when cutting the window.
MARGIN_CELLS = 2
#: Negative cells listed by name in a refusal; the count says how many there are in all.
LISTED = 10


@dataclass
class Grid:
    """The window of a grid around Liaoning, in the grid's own CRS, north up.

    ``tonnes``: t CO2 per cell for the year (NaN: no value); ``area_m2``: each cell's true area, broadcastable
    to ``tonnes``; ``rows``/``cols``: the file's row and column index of each row and column of the window,
    for messages; ``meta``: what was read and how it was converted.
    """

    tonnes: np.ndarray
    transform: Affine
    crs: CRS
    area_m2: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.tonnes.shape
        return rows, cols


# --------------------------------------------------------------------------- cell areas


def _authalic_q(lat_deg: np.ndarray) -> np.ndarray:
    """q(φ) of the authalic latitude on the WGS84 ellipsoid: the area between the equator and φ over a
    longitude span Δλ is a² (1 − e²) / 2 × q(φ) × Δλ."""
    s = np.sin(np.radians(lat_deg))
    e = math.sqrt(_E2)
    return s / (1 - _E2 * s * s) - np.log((1 - e * s) / (1 + e * s)) / (2 * e)


def geographic_cell_areas(lat_top: np.ndarray, lat_bottom: np.ndarray, dlon_deg: float) -> np.ndarray:
    """Ellipsoidal area (m²) of lat/lon cells between ``lat_bottom`` and ``lat_top``, ``dlon_deg`` wide."""
    q = np.abs(_authalic_q(lat_top) - _authalic_q(lat_bottom))
    return _A * _A * (1 - _E2) / 2 * q * math.radians(abs(dlon_deg))


def cell_areas(transform: Affine, shape: tuple[int, int], crs: CRS) -> np.ndarray:
    """The true area (m²) of each cell of a north-up grid: exact on the ellipsoid for a geographic CRS
    (one value per row, shape (rows, 1)); otherwise the cell's corners projected to
    :data:`~geo.carbon.places.EQUAL_AREA_CRS` (shape (rows, cols))."""
    nrows, ncols = shape
    if crs.is_geographic:
        edges = transform.f + transform.e * np.arange(nrows + 1)
        return geographic_cell_areas(edges[:-1], edges[1:], transform.a)[:, None]
    xs = transform.c + transform.a * np.arange(ncols + 1)
    to_ea = Transformer.from_crs(crs, CRS.from_user_input(EQUAL_AREA_CRS), always_xy=True)
    out = np.empty((nrows, ncols))
    block = max(1, 2_000_000 // (ncols + 1))  # corner rows per pass: bounded memory for a wide window
    for r0 in range(0, nrows, block):
        r1 = min(nrows, r0 + block)
        ys = transform.f + transform.e * np.arange(r0, r1 + 1)
        gx, gy = np.meshgrid(xs, ys)
        ex, ey = to_ea.transform(gx, gy)
        # shoelace over the corners (top-left, top-right, bottom-right, bottom-left) of each cell
        x0, y0, x1, y1 = ex[:-1, :-1], ey[:-1, :-1], ex[:-1, 1:], ey[:-1, 1:]
        x2, y2, x3, y3 = ex[1:, 1:], ey[1:, 1:], ex[1:, :-1], ey[1:, :-1]
        out[r0:r1] = 0.5 * np.abs((x0 * y1 - x1 * y0) + (x1 * y2 - x2 * y1) + (x2 * y3 - x3 * y2) + (x3 * y0 - x0 * y3))
    return out


# --------------------------------------------------------------------------- time steps


@dataclass(frozen=True)
class Step:
    """One time step of the year: its length in days, in months, and the year's length in days."""

    days: float
    months: int
    year_days: float
    label: str


def per_step(unit: Unit, step: Step) -> float:
    """How many of the unit's time periods (``unit.per``) one step lasts; 1 for a mass over the step."""
    if unit.per is None:
        return 1.0
    return {"s": step.days * 86400.0, "h": step.days * 24.0, "d": step.days, "month": float(step.months),
            "year": step.days / step.year_days}[unit.per]


def to_tonnes(values: np.ndarray, unit: Unit, species: str, step: Step, area_m2: np.ndarray) -> np.ndarray:
    """t CO2 per cell in one step from ``values`` in ``unit`` (float64; NaN stays NaN)."""
    factor = unit.to_t * unit.to_co2(species) * per_step(unit, step)
    out = values.astype("float64") * factor
    if unit.is_flux:
        assert unit.area_m2 is not None
        out *= area_m2 / unit.area_m2
    return out


# --------------------------------------------------------------------------- the window


def province_box(crs: CRS, settings: Settings | None = None) -> tuple[float, float, float, float]:
    """Liaoning's bounding box in ``crs`` (its outline densified, so the box holds the whole province)."""
    west, south, east, north = province_bounds(settings)
    if crs.is_geographic and crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return west, south, east, north
    tr = Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True)
    return tr.transform_bounds(west, south, east, north, densify_pts=51)


def index_range(edge0: float, step: float, n: int, low: float, high: float, margin: int = MARGIN_CELLS
                ) -> tuple[int, int] | None:
    """The half-open index range [i0, i1) of cells along an axis (cell i spans edge0 + i·step to
    edge0 + (i+1)·step, step of either sign) that reach into [low, high], widened by ``margin`` cells and
    clipped to the grid; None when no cell does."""
    a, b = (low - edge0) / step, (high - edge0) / step
    i0, i1 = math.floor(min(a, b)) - margin, math.ceil(max(a, b)) + margin
    i0, i1 = max(i0, 0), min(i1, n)
    return (i0, i1) if i1 > i0 else None


def misses(extent: tuple[float, float, float, float], crs: CRS, field: str | None = None) -> DataValidationError:
    """The refusal of a grid whose extent does not reach Liaoning."""
    west, south, east, north = extent
    return DataValidationError(Problem(
        f"the grid does not cover Liaoning: its extent is x {west:g} to {east:g}, y {south:g} to {north:g} "
        f"({crs.to_string()}), and Liaoning lies within 118.8–125.8°E, 38.7–43.5°N", field=field))


# --------------------------------------------------------------------------- checks


def check_values(grid: Grid, sector: str | None, field: str | None) -> dict:
    """Refuse negative cells unless ``sector`` is a sink sector, and a window without a valid cell; counts."""
    valid = np.isfinite(grid.tonnes)
    if not valid.any():
        raise DataValidationError(Problem("the grid has no value around Liaoning: every cell there is nodata, NaN "
                                          "or sea", field=field))
    negative = valid & (grid.tonnes < 0)
    count = int(negative.sum())
    if count and not is_sink_sector(sector):
        problems = []
        for r, c in list(zip(*np.nonzero(negative)))[:LISTED]:
            x, y = grid.transform * (c + 0.5, r + 0.5)
            problems.append(Problem(
                f"negative value {grid.tonnes[r, c]:.6g} t CO2 in the cell at row {int(grid.rows[r])}, column "
                f"{int(grid.cols[c])} of the grid (centre x {x:.6g}, y {y:.6g}); only a sink sector (LULUCF, forest, "
                f"--sector) may hold negative values", field=field))
        if count > LISTED:
            problems.append(Problem(f"{count:,} negative cells in all around Liaoning", field=field))
        raise DataValidationError(problems)
    return {"cells": int(valid.size), "cells_valid": int(valid.sum()), "cells_negative": count}


# --------------------------------------------------------------------------- zonal sums


def zonal_sums(grid: Grid, places: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per place (``places``: adcode and polygon, any CRS): ``co2_t`` = Σ tonnes × covered share of each
    cell and ``covered_m2`` = Σ true area of the valid cells × share (exactextract)."""
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    valid = np.isfinite(grid.tonnes)
    tonnes = np.where(valid, grid.tonnes, 0.0)
    covered = np.where(valid, np.broadcast_to(grid.area_m2, grid.shape), 0.0)
    nrows, ncols = grid.shape
    t = grid.transform
    xmin, ymax = t.c, t.f
    xmax, ymin = t.c + t.a * ncols, t.f + t.e * nrows
    wkt = grid.crs.to_wkt()
    sources = [NumPyRasterSource(tonnes, xmin, ymin, xmax, ymax, name="t", srs_wkt=wkt),
               NumPyRasterSource(covered, xmin, ymin, xmax, ymax, name="a", srs_wkt=wkt)]
    shapes = places[["adcode", "geometry"]].to_crs(grid.crs)
    out = exact_extract(sources, shapes, ["sum"], include_cols=["adcode"], output="pandas")
    return pd.DataFrame({"adcode": out["adcode"].astype(str).to_numpy(), "co2_t": out["t_sum"].to_numpy(float),
                         "covered_m2": out["a_sum"].to_numpy(float)})
