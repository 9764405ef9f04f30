"""NetCDF inventories following CF (GCP-GridFED, EDGAR): a variable on a regular lat/lon grid, with or
without a time axis.

The variable is ``--variable`` or the file's only data variable on lat and lon. Its unit is its ``units``
attribute unless ``--unit`` is given (:mod:`geo.carbon.units`). With a time axis (CF ``units`` like
``days since 2000-01-01`` and a ``calendar``) the year is the sum of its 12 monthly steps, or its one annual
step; a flux per second or per month is multiplied by each step's length in that calendar (February of a
leap year has 29 days; ``noleap`` calendars have none). Without a time axis the variable is the year.
``_FillValue``/``missing_value`` cells and NaN are skipped; ``scale_factor``/``add_offset`` are applied.

Only the window around Liaoning is read (slices of lat and lon), one time step at a time: a global
0.1° monthly file is never in memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS

from geo.carbon.grid import Grid, Step, geographic_cell_areas, index_range, misses, to_tonnes
from geo.carbon.places import province_bounds
from geo.carbon.units import parse_unit, resolve_species
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings

_LAT = ("lat", "latitude", "y", "nav_lat", "rlat")
_LON = ("lon", "longitude", "x", "nav_lon", "rlon")
_TIME = ("time", "t", "month", "months")


def _refuse(message: str, field: str | None = None, source: str | None = None) -> DataValidationError:
    return DataValidationError(Problem(message, field=field, source=source))


def _attr(var, name: str) -> str:
    value = getattr(var, name, "") if var is not None else ""
    return str(value).strip()


def _axis(ds, dim: str) -> str | None:
    """"lat", "lon" or "time" for a dimension, from its coordinate variable's CF attributes or its name."""
    var = ds.variables.get(dim)
    std, units, axis = (_attr(var, "standard_name").lower(), _attr(var, "units").lower(), _attr(var, "axis").upper())
    if std == "latitude" or units in ("degrees_north", "degree_north", "degrees_n", "degree_n") or \
            (axis == "Y" and "degree" in units):
        return "lat"
    if std == "longitude" or units in ("degrees_east", "degree_east", "degrees_e", "degree_e") or \
            (axis == "X" and "degree" in units):
        return "lon"
    if std == "time" or axis == "T" or " since " in units:
        return "time"
    low = dim.lower()
    return "lat" if low in _LAT else "lon" if low in _LON else "time" if low in _TIME else None


def _pick_variable(ds, variable: str | None, name: str):
    if variable:
        if variable not in ds.variables:
            found = ", ".join(sorted(ds.variables)) or "none"
            raise _refuse(f"no variable {variable!r} in the file (variables: {found})", "variable", name)
        return ds.variables[variable]
    candidates = [v for k, v in ds.variables.items()
                  if k not in ds.dimensions and {"lat", "lon"} <= {_axis(ds, d) for d in v.dimensions}
                  and not k.lower().endswith(("_bnds", "_bounds")) and v.dtype.kind in "fiu"]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise _refuse("the file has no variable on a lat/lon grid (CF: dimensions with units degrees_north and "
                      "degrees_east)", "variable", name)
    listed = ", ".join(v.name for v in candidates)
    raise _refuse(f"the file has several variables on the grid ({listed}): pick one with --variable", "variable", name)


def _regular(values: np.ndarray, what: str, field: str, name: str) -> tuple[float, float]:
    """(first cell centre, step) of a regular axis; refused when the spacing varies."""
    if values.size < 2:
        raise _refuse(f"the {what} axis has {values.size} value(s): a grid needs at least 2", field, name)
    step = (float(values[-1]) - float(values[0])) / (values.size - 1)
    if step == 0 or np.max(np.abs(np.diff(values.astype("float64")) - step)) > 1e-3 * abs(step):
        raise _refuse(f"the {what} axis is not regular (its spacing varies): only regular grids are read", field, name)
    return float(values[0]), step


def _steps(ds, var, year: int, field: str, name: str) -> tuple[int | None, list[int], list[Step]]:
    """(time dimension's position, indices of the year's steps, their lengths)."""
    import cftime

    dims = list(var.dimensions)
    tdims = [i for i, d in enumerate(dims) if _axis(ds, d) == "time"]
    if not tdims:
        days = 366.0 if _leap(year, "standard") else 365.0
        return None, [], [Step(days, 12, days, str(year))]
    pos = tdims[0]
    tvar = ds.variables.get(dims[pos])
    if tvar is None or not _attr(tvar, "units"):
        raise _refuse(f"the time axis {dims[pos]!r} has no units (CF: 'days since 2000-01-01'): its years cannot be "
                      "read", field, name)
    cal = _attr(tvar, "calendar").lower() or "standard"
    try:
        dates = cftime.num2date(np.asarray(tvar[:], dtype="float64"), _attr(tvar, "units"), calendar=cal)
    except (ValueError, TypeError) as exc:
        raise _refuse(f"cannot read the time axis {dims[pos]!r}: {exc}", field, name) from exc
    dates = np.atleast_1d(dates)
    years = np.array([d.year for d in dates])
    chosen = [int(i) for i in np.nonzero(years == year)[0]]
    if not chosen:
        present = sorted(set(int(y) for y in years))
        raise _refuse(f"no time step of {year} in the file (years present: {_span(present)}): pass --year with one of "
                      "them", "year", name)
    spacing = np.median(np.diff([cftime.date2num(d, "days since 1970-01-01", calendar=cal) for d in dates])) \
        if len(dates) > 1 else 365.0
    year_days = 366.0 if _leap(year, cal) else (360.0 if cal == "360_day" else 365.0)
    if 27 <= spacing <= 32:
        months = [dates[i].month for i in chosen]
        if sorted(months) != list(range(1, 13)):
            missing = sorted(set(range(1, 13)) - set(months))
            raise _refuse(f"{year} has {len(months)} monthly step(s) in the file (months {_span(sorted(months))}"
                          + (f"; missing {_span(missing)}" if missing else "; a month twice")
                          + "): a year is the sum of its 12 months", "time", name)
        steps = []
        for i in chosen:
            start = cftime.datetime(year, dates[i].month, 1, calendar=cal)
            end = cftime.datetime(year + (dates[i].month == 12), dates[i].month % 12 + 1, 1, calendar=cal)
            steps.append(Step((end - start).total_seconds() / 86400.0, 1, year_days, f"{year}-{dates[i].month:02d}"))
        return pos, chosen, steps
    if 360 <= spacing <= 367:
        if len(chosen) != 1:
            raise _refuse(f"{year} has {len(chosen)} annual steps in the file", "time", name)
        return pos, chosen, [Step(year_days, 12, year_days, str(year))]
    raise _refuse(f"time steps {spacing:g} days apart: only monthly or annual steps are read", "time", name)


def _leap(year: int, cal: str) -> bool:
    if cal in ("noleap", "365_day", "360_day"):
        return False
    if cal in ("all_leap", "366_day"):
        return True
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _span(values: list[int]) -> str:
    return ", ".join(str(v) for v in values) if len(values) <= 6 else f"{values[0]}–{values[-1]}"


def read_netcdf(path: Path, *, year: int, unit: str | None = None, variable: str | None = None,
                name: str = "upload", settings: Settings | None = None) -> Grid:
    """The year's t CO2 per cell in the window of the NetCDF file at ``path`` around Liaoning."""
    import netCDF4

    try:
        ds = netCDF4.Dataset(path, "r")
    except OSError as exc:
        detail = str(exc).replace(str(path), name).replace(path.name, name)  # not the temporary file's path
        raise _refuse(f"cannot read the NetCDF file: it is damaged or not a NetCDF file (the reader says: {detail})",
                      source=name) from exc
    with ds:
        ds.set_auto_maskandscale(True)
        var = _pick_variable(ds, variable, name)
        field = var.name
        dims = list(var.dimensions)
        axes = [_axis(ds, d) for d in dims]
        for d, a in zip(dims, axes):
            if a is None and ds.dimensions[d].size != 1:
                raise _refuse(f"variable {var.name!r} has a dimension {d!r} of {ds.dimensions[d].size} values besides "
                              "lat, lon and time: import one slice at a time", field, name)
        lat_dim, lon_dim = dims[axes.index("lat")], dims[axes.index("lon")]
        if lat_dim not in ds.variables or lon_dim not in ds.variables:
            raise _refuse(f"the grid's axes {lat_dim!r} and {lon_dim!r} need coordinate variables (CF)", field, name)
        lats = np.asarray(ds.variables[lat_dim][:], dtype="float64")
        lons = np.asarray(ds.variables[lon_dim][:], dtype="float64")
        lat0, dlat = _regular(lats, "latitude", field, name)
        lon0, dlon = _regular(lons, "longitude", field, name)
        unit_text = unit or _attr(var, "units")
        parsed = parse_unit(unit_text, field="unit")
        species = resolve_species(parsed, var.name, _attr(var, "long_name"), _attr(var, "standard_name"), field="unit")
        pos, chosen, steps = _steps(ds, var, year, field, name)
        west, south, east, north = province_bounds(settings)
        # Liaoning's longitudes (118–126°E) are the same in −180–180 and 0–360 grids: no wrapping needed
        cols = index_range(lon0 - dlon / 2, dlon, lons.size, west, east)
        rows = index_range(lat0 - dlat / 2, dlat, lats.size, south, north)
        if cols is None or rows is None:
            ext = (min(lons[0], lons[-1]) - abs(dlon) / 2, min(lats[0], lats[-1]) - abs(dlat) / 2,
                   max(lons[0], lons[-1]) + abs(dlon) / 2, max(lats[0], lats[-1]) + abs(dlat) / 2)
            raise misses(ext, CRS.from_epsg(4326), field)
        (c0, c1), (r0, r1) = cols, rows
        # the window's edges from the axis' first value and its mean step (not from float32 noise of each value)
        lat_edges = lat0 - dlat / 2 + dlat * np.arange(r0, r1 + 1)
        lon_left = lon0 - dlon / 2 + dlon * (c0 if dlon > 0 else c1)
        area = geographic_cell_areas(lat_edges[:-1], lat_edges[1:], dlon)[:, None]
        north_up = dlat < 0
        if not north_up:
            area = area[::-1]
        total = np.zeros((r1 - r0, c1 - c0))
        valid = np.ones(total.shape, dtype=bool)
        for k, step in enumerate(steps):
            index: list[object] = []
            for i, a in enumerate(axes):
                index.append(slice(r0, r1) if a == "lat" else slice(c0, c1) if a == "lon" else
                             chosen[k] if pos is not None and i == pos else 0)
            block = var[tuple(index)]
            data: np.ndarray = np.ma.filled(np.ma.masked_invalid(np.ma.asarray(block, dtype="float64")), np.nan)
            if dims.index(lat_dim) > dims.index(lon_dim):
                data = data.T
            if not north_up:
                data = data[::-1]
            if dlon < 0:
                data = data[:, ::-1]
            values = to_tonnes(data, parsed, species, step, area)
            valid &= np.isfinite(values)
            total += np.where(np.isfinite(values), values, 0.0)
        total[~valid] = np.nan
        top = float(lat_edges[0] if north_up else lat_edges[-1])
        transform = Affine(abs(dlon), 0.0, float(lon_left), 0.0, -abs(dlat), top)
        file_rows = np.arange(r0, r1) if north_up else np.arange(r0, r1)[::-1]
        file_cols = np.arange(c0, c1) if dlon > 0 else np.arange(c0, c1)[::-1]
        return Grid(total, transform, CRS.from_epsg(4326), area, file_rows, file_cols, {
            "form": "netcdf", "variable": var.name, "long_name": _attr(var, "long_name"), "crs": "EPSG:4326",
            "size": [int(lons.size), int(lats.size)], "resolution": [abs(dlon), abs(dlat)],
            "window": [int(c0), int(r0), int(c1 - c0), int(r1 - r0)], "steps": [s.label for s in steps],
            "unit_read": unit_text, "species": species, "conversion": parsed.describe(species),
        })
