"""Carbon inventories in the store: import one, list them, remove one, read one by city or county.

An inventory is a file in one of four forms, told apart by its first bytes and header:

- a GeoTIFF (:mod:`geo.carbon.geotiff`) or a NetCDF file (:mod:`geo.carbon.netcdf`): a grid, summed to
  each place with exact cell fractions (:mod:`geo.carbon.grid`) — method ``grid``;
- an asset list with lon and lat columns (:mod:`geo.carbon.assets`) — method ``asset``;
- a table by city or county (:mod:`geo.carbon.placetable`) — method ``table``.

A file larger than :data:`MAX_BYTES` is refused before anything is read. Everything is validated and
summed before the store is touched; the inventory, its values per place (and an asset list's sites) and
the audit line are written in one transaction, so a rejected or interrupted import stores nothing.

The interface: :func:`import_inventory`, :func:`list_inventories`, :func:`remove_inventory`,
:func:`inventory_table`, :func:`inventory_points`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo.carbon import schema
from geo.carbon.places import LEVELS, place_layer
from geo.carbon.units import parse_unit
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings, get_settings
from geo.store import db
from geo.store.tableread import read_file, read_table
from geo.store.users import default_actor

GiB = 1024 ** 3
#: The largest file read: a global 0.1° monthly NetCDF is about 300 MB; a 1 km grid of Asia a few GB.
MAX_BYTES = 2 * GiB
#: Years an inventory may be of.
YEARS = (1950, 2100)
METHODS = {"geotiff": "grid", "netcdf": "grid", "assets": "asset", "table": "table"}
DATUMS = ("wgs84", "gcj02")
#: The grid formats a file name promises: a file so named must begin like one.
GRID_SUFFIXES = {".tif": "geotiff", ".tiff": "geotiff", ".nc": "netcdf", ".nc4": "netcdf", ".cdf": "netcdf"}
TABLE_COLUMNS = ["adcode", "name_zh", "name_en", "co2_t", "co2_t_per_km2", "coverage_pct", "co2_t_per_10k_yuan",
                 "inventory", "year", "method", "licence"]



def check_name(name: object) -> str:
    """An inventory name: 1–64 printable characters."""
    if not isinstance(name, str) or not name.strip():
        raise DataValidationError(Problem("an inventory needs a name (--name NAME, e.g. EDGAR-2022)", field="name"))
    name = unicodedata.normalize("NFKC", name).strip()
    if len(name) > 64 or any(unicodedata.category(c).startswith("C") for c in name):
        raise DataValidationError(Problem(f"inventory name {name!r}: at most 64 printable characters", field="name"))
    return name


def _check_text(value: str | None, field: str) -> str:
    text = unicodedata.normalize("NFKC", value or "").strip()
    if len(text) > 1000 or any(unicodedata.category(c).startswith("C") for c in text):
        raise DataValidationError(Problem(f"--{field}: at most 1,000 printable characters", field=field))
    return text


def detect_form(head: bytes) -> str:
    """geotiff, netcdf or table (an asset list or a table by place), from a file's first bytes."""
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "geotiff"
    if head[:3] == b"CDF" or head[:8] == b"\x89HDF\r\n\x1a\n":
        return "netcdf"
    return "table"


def _size(source: str | os.PathLike | bytes, name: str) -> int:
    if isinstance(source, bytes | bytearray):
        size = len(source)
    else:
        try:
            size = os.stat(source).st_size
        except OSError as exc:
            why = ("it does not exist" if isinstance(exc, FileNotFoundError) else "no permission to read it"
                   if isinstance(exc, PermissionError) else exc.strerror or str(exc))
            raise DataValidationError(Problem(f"cannot read the file: {why}", source=name)) from exc
    if size > MAX_BYTES:
        raise DataValidationError(Problem(f"file too large: {size:,} bytes; the limit is {MAX_BYTES:,} "
                                          f"({MAX_BYTES // GiB} GiB): cut the grid to the region first "
                                          "(gdal_translate -projwin, cdo sellonlatbox)", source=name))
    return size


def _sha256(source: str | os.PathLike | bytes) -> str:
    if isinstance(source, bytes | bytearray):
        return hashlib.sha256(source).hexdigest()
    h = hashlib.sha256()
    with open(source, "rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def read_inventory(source: str | os.PathLike | bytes, *, year: int, unit: str | None = None,
                   variable: str | None = None, sector: str | None = None, datum: str = "wgs84",
                   name: str = "upload", settings: Settings | None = None) -> tuple[str, dict, pd.DataFrame, pd.DataFrame]:
    """Read and sum a file without storing it: (method, meta, values per place, points).

    ``values``: level, adcode, co2_t, coverage_pct for every place the inventory gives; ``points``:
    an asset list's sites in Liaoning (empty otherwise). :class:`DataValidationError` when the file is refused.
    """
    _size(source, name)
    if isinstance(source, bytes | bytearray):
        head = bytes(source[:8])
    else:
        with open(source, "rb") as f:
            head = f.read(8)
    form = detect_form(head)
    claimed = GRID_SUFFIXES.get(Path(name).suffix.lower())
    if claimed and form != claimed:  # named as a grid, but its first bytes are not one: broken or mislabelled
        raise DataValidationError(Problem(
            f"{name} is named as a {claimed.replace('geotiff', 'GeoTIFF').replace('netcdf', 'NetCDF')} file but does "
            "not begin like one (truncated or not that format): download it again or check its format", source=name))
    if form in ("geotiff", "netcdf"):
        if datum != "wgs84":
            raise DataValidationError(Problem("--datum applies to asset lists: a grid carries its own CRS", field="datum"))
        values, meta = _grid_values(form, source, year=year, unit=unit, variable=variable, sector=sector, name=name,
                                    settings=settings)
        return "grid", meta, values, pd.DataFrame()
    if variable:
        raise DataValidationError(Problem("--variable applies to NetCDF and GeoTIFF grids", field="variable"))
    from geo.carbon.assets import ASSET_LIMITS, is_asset_header

    data = bytes(source) if isinstance(source, bytes | bytearray) else read_file(source, limits=ASSET_LIMITS)
    table = read_table(data, name=name, limits=ASSET_LIMITS)
    if is_asset_header(table.header):
        from geo.carbon.assets import asset_sums, read_assets

        scale = 1.0
        if unit:
            parsed = parse_unit(unit, field="unit")
            if parsed.is_flux or parsed.per:
                raise DataValidationError(Problem(f"--unit {unit!r}: an asset list holds tonnes, not a rate",
                                                  field="unit"))
            scale = parsed.to_t
        if datum not in DATUMS:
            raise DataValidationError(Problem(f"--datum {datum!r}: expected wgs84 or gcj02", field="datum"))
        points, meta = read_assets(table, year=year, datum=datum, scale=scale, name=name, default_sector=sector,
                                   settings=settings)
        values = pd.concat([asset_sums(points, level, settings).assign(level=level) for level in LEVELS],
                           ignore_index=True)
        return "asset", meta, values, points
    if datum != "wgs84":
        raise DataValidationError(Problem("--datum applies to asset lists (with lon and lat columns)", field="datum"))
    from geo.carbon.placetable import read_place_table

    values, meta = read_place_table(data, year=year, unit=unit, sector=sector, name=name, settings=settings)
    return "table", meta, values, pd.DataFrame()


def _grid_values(form: str, source, *, year: int, unit: str | None, variable: str | None, sector: str | None,
                 name: str, settings: Settings | None) -> tuple[pd.DataFrame, dict]:
    from geo.carbon.grid import check_values, zonal_sums

    with tempfile.TemporaryDirectory(prefix="lnmap-carbon-") as tmp:
        if isinstance(source, bytes | bytearray):
            path = Path(tmp) / ("upload.tif" if form == "geotiff" else "upload.nc")
            path.write_bytes(source)
        else:
            path = Path(source)
        if form == "geotiff":
            from geo.carbon.geotiff import read_geotiff

            grid = read_geotiff(path, year=year, unit=unit, variable=variable, name=name, settings=settings)
        else:
            from geo.carbon.netcdf import read_netcdf

            grid = read_netcdf(path, year=year, unit=unit, variable=variable, name=name, settings=settings)
    field = grid.meta.get("variable") or "grid"
    counts = check_values(grid, sector, field)
    frames = []
    for level in LEVELS:
        places = place_layer(level, settings)
        sums = zonal_sums(grid, places)
        area_m2 = places.set_index("adcode")["area_km2"] * 1e6
        pct = 100 * sums["covered_m2"].to_numpy() / sums["adcode"].map(area_m2).to_numpy()
        frames.append(pd.DataFrame({"level": level, "adcode": sums["adcode"], "co2_t": sums["co2_t"],
                                    "coverage_pct": np.minimum(pct, 100.0)}))
    values = pd.concat(frames, ignore_index=True)
    if not (values["coverage_pct"] > 0).any():
        raise DataValidationError(Problem("the grid has no valid cell over Liaoning: its values there are all nodata, "
                                          "NaN or sea", field=field))
    return values, {**grid.meta, **counts}


def import_inventory(path_or_bytes: str | os.PathLike | bytes, *, name: str, year: int, unit: str | None = None,
                     variable: str | None = None, sector: str | None = None, source: str | None = None,
                     licence: str | None = None, datum: str = "wgs84", actor: str | None = None,
                     file_name: str | None = None, settings: Settings | None = None) -> dict:
    """Read, sum and store an inventory under ``name`` in one transaction; its metadata.

    ``path_or_bytes``: the file, or its bytes; ``source`` and ``licence``: where it comes from and under
    which terms (shown beside every number). An inventory of that name already stored is refused (remove
    it first). :class:`DataValidationError` for a refused file, which stores nothing.
    """
    name = check_name(name)
    if not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        raise DataValidationError(Problem(f"--year {year!r}: a year from {YEARS[0]} to {YEARS[1]}", field="year"))
    src, lic, sec = _check_text(source, "source"), _check_text(licence, "licence"), _check_text(sector, "sector")
    datum = (datum or "wgs84").lower()
    if datum not in DATUMS:
        raise DataValidationError(Problem(f"--datum {datum!r}: expected wgs84 or gcj02", field="datum"))
    file_name = file_name or ("upload" if isinstance(path_or_bytes, bytes | bytearray) else Path(path_or_bytes).name)
    with db.reading(settings, "read the inventories") as conn:
        if conn.execute(sa.select(schema.inventories.c.name).where(schema.inventories.c.name == name)).first():
            raise _exists(name)
    method, meta, values, points = read_inventory(path_or_bytes, year=year, unit=unit, variable=variable, sector=sec or None,
                                                  datum=datum, name=file_name, settings=settings)
    sha = _sha256(path_or_bytes)
    actor = actor or default_actor()
    unit_given = unit or meta.get("unit_read") or ", ".join(meta.get("units", [])) or "t"
    record = {"name": name, "year": year, "unit": unit_given, "method": method, "sector": sec, "source": src,
              "licence": lic, "file_name": file_name, "file_sha256": sha,
              "imported_at": db.now_text(dt.datetime.now(dt.UTC)), "imported_by": actor}
    meta = {**_plain(meta), "cities": int((values.level == "city").sum()), "counties": int((values.level == "county").sum()),
            "points": len(points)}
    with db.writing(settings, "store the inventory") as conn:
        if conn.execute(sa.select(schema.inventories.c.name).where(schema.inventories.c.name == name)).first():
            raise _exists(name)
        conn.execute(schema.inventories.insert().values(**record, meta=json.dumps(meta, ensure_ascii=False)))
        rows = [{"inventory": name, "level": r.level, "adcode": str(r.adcode), "co2_t": float(r.co2_t),
                 "coverage_pct": None if pd.isna(r.coverage_pct) else float(r.coverage_pct)}
                for r in values.itertuples()]
        conn.execute(schema.values.insert(), rows)
        if len(points):
            recs = points.to_dict("records")
            for r in recs:
                r.update(inventory=name, point_no=int(r["point_no"]), source_row=int(r["source_row"]),
                         co2_t=None if pd.isna(r["co2_t"]) else float(r["co2_t"]))
            conn.execute(schema.points.insert(), recs)
        db.record(conn, actor, "carbon-import", file_name=file_name, file_sha256=sha,
                  detail=f"inventory {name}: {method}, {year}, {len(values)} place values, {len(points)} points")
    return {**record, "meta": meta}


def _exists(name: str) -> DataValidationError:
    return DataValidationError(Problem(f"an inventory named {name!r} is already stored: remove it first "
                                       f"(lnmap carbon remove {name})", field="name"))


def _plain(value):
    """``value`` with numpy scalars and arrays as plain Python, for JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def list_inventories(settings: Settings | None = None) -> list[dict]:
    """Every stored inventory (oldest first): name, year, unit, method, sector, source, licence, file, who, when."""
    t = schema.inventories
    with db.reading(settings, "list the inventories") as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.imported_at, t.c.name)).mappings().all()
    return [{**{k: v for k, v in r.items() if k != "meta"}, "meta": json.loads(r["meta"] or "{}")} for r in rows]


def remove_inventory(name: str, settings: Settings | None = None, *, actor: str | None = None) -> None:
    """Delete a stored inventory with its values and sites; KeyError if there is none of that name."""
    with db.writing(settings, "remove the inventory") as conn:
        row = conn.execute(sa.select(schema.inventories).where(schema.inventories.c.name == name)).first()
        if row is None:
            raise KeyError(f"no inventory {name!r} (lnmap carbon list)")
        conn.execute(schema.points.delete().where(schema.points.c.inventory == name))
        conn.execute(schema.values.delete().where(schema.values.c.inventory == name))
        conn.execute(schema.inventories.delete().where(schema.inventories.c.name == name))
        db.record(conn, actor or default_actor(), "carbon-remove", file_name=row.file_name, file_sha256=row.file_sha256,
                  detail=f"inventory {name}")


def _inventory_row(conn, name: str):
    row = conn.execute(sa.select(schema.inventories).where(schema.inventories.c.name == name)).first()
    if row is None:
        raise KeyError(f"no inventory {name!r} (lnmap carbon list)")
    return row


def inventory_table(name: str, level: str = "city", settings: Settings | None = None) -> pd.DataFrame:
    """One row per place of ``level`` (city: 14, county: every county), sorted by adcode (:data:`TABLE_COLUMNS`).

    ``co2_t`` (t CO2, 0.01), ``co2_t_per_km2`` (÷ the place's equal-area area, 0.001), ``coverage_pct`` (grids:
    share of the place's area with valid cells, 0.01 %; asset lists and tables: empty), and the inventory's
    name, year, method and licence on every row. A place the inventory gives no value for has no data.
    ``co2_t_per_10k_yuan`` (t CO2 per 10,000 yuan of GDP) is empty here: GDP comes from the observed values
    (指标 地区生产总值), which the caller joins on adcode and year.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    settings = settings or get_settings()
    v = schema.values
    with db.reading(settings, "read the inventory") as conn:
        inv = _inventory_row(conn, name)
        rows = conn.execute(sa.select(v.c.adcode, v.c.co2_t, v.c.coverage_pct)
                            .where(v.c.inventory == name, v.c.level == level)).all()
    got = pd.DataFrame(rows, columns=["adcode", "co2_t", "coverage_pct"]).set_index("adcode")
    places = place_layer(level, settings)
    table = pd.DataFrame({"adcode": places["adcode"], "name_zh": places["name_zh"], "name_en": places["name_en"]})
    co2 = table["adcode"].map(got["co2_t"]).astype(float)
    table["co2_t"] = co2.round(2)
    table["co2_t_per_km2"] = (co2 / places["area_km2"]).round(3)
    table["coverage_pct"] = table["adcode"].map(got["coverage_pct"]).astype(float).round(2)
    table["co2_t_per_10k_yuan"] = np.nan  # GDP (地区生产总值) comes from the observed values; joined by the caller
    table["inventory"], table["year"], table["method"], table["licence"] = inv.name, inv.year, inv.method, inv.licence
    return table[TABLE_COLUMNS].sort_values("adcode").reset_index(drop=True)


def inventory_points(name: str, settings: Settings | None = None) -> pd.DataFrame:
    """An asset list's sites in Liaoning (lon/lat WGS84, sector, gas, tonnes of the gas, co2_t, city and county
    adcode, the file's row); empty for a grid or a table. KeyError if there is no such inventory."""
    from geo.carbon.assets import POINT_COLUMNS

    p = schema.points
    with db.reading(settings, "read the inventory") as conn:
        _inventory_row(conn, name)
        rows = conn.execute(sa.select(*(p.c[c] for c in POINT_COLUMNS)).where(p.c.inventory == name)
                            .order_by(p.c.point_no)).all()
    return pd.DataFrame(rows, columns=POINT_COLUMNS)
