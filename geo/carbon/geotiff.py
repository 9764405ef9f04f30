"""GeoTIFF inventories (ODIAC and the like): one band for the year, or 12 monthly bands summed.

Any CRS rasterio reads (geographic or projected); a TIFF without one is refused, as is a rotated grid.
Only the window around Liaoning is read (rasterio windows), never the whole raster. The unit comes from
``--unit`` or the band's unit tag; nodata cells and NaN are skipped. ``variable`` picks a band by number
(``--variable 3``); without it a one-band file is the year, and a 12-band file is read as its months.
"""

from __future__ import annotations

import calendar
from pathlib import Path

import numpy as np
from pyproj import CRS

from geo.carbon.grid import Grid, Step, cell_areas, index_range, misses, province_box, to_tonnes
from geo.carbon.units import Unit, parse_unit, resolve_species
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings


def _year_steps(year: int, months: bool) -> list[Step]:
    year_days = 366.0 if calendar.isleap(year) else 365.0
    if not months:
        return [Step(year_days, 12, year_days, str(year))]
    return [Step(float(calendar.monthrange(year, m)[1]), 1, year_days, f"{year}-{m:02d}") for m in range(1, 13)]


def read_geotiff(path: Path, *, year: int, unit: str | None = None, variable: str | None = None,
                 name: str = "upload", settings: Settings | None = None) -> Grid:
    """The year's t CO2 per cell in the window of the GeoTIFF at ``path`` around Liaoning."""
    import rasterio
    from rasterio.errors import RasterioIOError
    from rasterio.windows import Window

    try:
        ds = rasterio.open(path)
    except RasterioIOError as exc:
        detail = str(exc).replace(str(path), name).replace(path.name, name)  # not the temporary file's path
        raise DataValidationError(Problem(f"cannot read the GeoTIFF: it is damaged or not a GeoTIFF (the reader says: {detail})",
                                          source=name)) from exc
    with ds:
        if ds.crs is None:
            raise DataValidationError(Problem("the GeoTIFF has no coordinate reference system (CRS): it cannot be "
                                              "placed on the map; write one into the file (gdal_translate -a_srs …)",
                                              source=name))
        t = ds.transform
        if t.b != 0 or t.d != 0:
            raise DataValidationError(Problem("the GeoTIFF's grid is rotated: only north-up grids are read", source=name))
        crs = CRS.from_wkt(ds.crs.to_wkt())
        if variable:
            text = str(variable).strip().lower().removeprefix("band").strip()
            if not text.isdigit() or not 1 <= int(text) <= ds.count:
                raise DataValidationError(Problem(f"--variable {variable!r}: a GeoTIFF's variable is a band number "
                                                  f"from 1 to {ds.count}", field="variable", source=name))
            bands, monthly = [int(text)], False
        elif ds.count == 1:
            bands, monthly = [1], False
        elif ds.count == 12:
            bands, monthly = list(range(1, 13)), True
        else:
            raise DataValidationError(Problem(f"the GeoTIFF has {ds.count} bands: pick one with --variable N (a "
                                              "one-band file is a year, a 12-band file its months)", field="variable",
                                              source=name))
        field = f"band {bands[0]}" if len(bands) == 1 else "bands 1–12"
        unit_text = unit or ds.units[bands[0] - 1] or ds.tags(bands[0]).get("units") or ds.tags().get("units")
        parsed: Unit = parse_unit(unit_text, field="unit")
        species = resolve_species(parsed, ds.descriptions[bands[0] - 1], ds.tags(bands[0]).get("long_name"),
                                  ds.tags().get("long_name"), field="unit")
        west, south, east, north = province_box(crs, settings)
        flip = t.e > 0  # south-up: the first row is the southernmost
        top = t.f + t.e * ds.height if flip else t.f
        dy = abs(t.e)
        cols = index_range(t.c, t.a, ds.width, west, east)
        rows = index_range(top, -dy, ds.height, south, north)
        bounds = ds.bounds
        if cols is None or rows is None:
            raise misses((bounds.left, bounds.bottom, bounds.right, bounds.top), crs, field)
        (c0, c1), (r0, r1) = cols, rows
        if flip:  # rows counted from the top of the north-up picture → the file's rows
            r0, r1 = ds.height - r1, ds.height - r0
        window = Window(c0, r0, c1 - c0, r1 - r0)
        wt = ds.window_transform(window)
        if flip:
            wt = wt * wt.translation(0, r1 - r0) * wt.scale(1, -1)
        shape = (r1 - r0, c1 - c0)
        area = cell_areas(wt, shape, crs)
        steps = _year_steps(year, monthly)
        total = np.zeros(shape)
        for band, step in zip(bands, steps if monthly else steps * len(bands)):
            # a list of bands, not one: rasterio 1.4 reshapes a single band's array in place, which numpy 2.5 deprecates
            values = ds.read([band], window=window)[0].astype("float64")
            values[ds.read_masks([band], window=window)[0] == 0] = np.nan  # nodata, and the file's own mask
            scale, offset = ds.scales[band - 1], ds.offsets[band - 1]
            if scale != 1 or offset != 0:
                values = values * scale + offset
            if flip:
                values = values[::-1]
            total += to_tonnes(values, parsed, species, step, area)
        file_rows = np.arange(r0, r1)
        return Grid(total, wt, crs, area, file_rows[::-1] if flip else file_rows, np.arange(c0, c1), {
            "form": "geotiff", "crs": crs.to_string(), "size": [ds.width, ds.height], "bands": bands,
            "steps": [s.label for s in steps], "resolution": [abs(t.a), dy], "window": [int(c0), int(r0), *shape[::-1]],
            "unit_read": unit_text, "species": species, "conversion": parsed.describe(species),
            "nodata": None if ds.nodata is None else float(ds.nodata),
        })
