"""Carbon inventories to cities and counties: time and peak memory (run by hand:
`.venv/bin/python bench/bench_carbon.py`; writes bench/results_carbon.md).

Inputs are generated into a temporary folder (nothing licensed is used):

- a global 0.1° monthly NetCDF, 3600 × 1800 × 12 float32 (about 311 MB), a flux in kg CO2 m-2 s-1;
- a 1 km grid of China in an Albers projection, 5000 × 4000 float32 (80 MB GeoTIFF, tiled), t CO2 per cell.

Each case runs in a fresh process, so its peak resident memory (``VmHWM``) is its own; the baseline is
its resident memory after its imports, before any work. Beside geo.carbon, the same data through a naive
rasterstats run (the notebook way: read the grid, sum the year, ``zonal_stats`` with the cells whose centre
lies inside; no cell fractions). Targets (issue 22): ≤ 10 s and ≤ 500 MiB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GLOBAL = dict(nx=3600, ny=1800, res=0.1)
CHINA = dict(nx=5000, ny=4000, res=1000.0, west=-2_600_000.0, north=5_900_000.0)
ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def _rss_mib(which: str = "VmHWM") -> float:
    """This process' peak (VmHWM) or current (VmRSS) resident memory in MiB, from /proc: unlike ru_maxrss,
    which Linux carries over an exec from the parent, these belong to this process alone."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(which + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _field(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (1 + 0.5 * np.sin(3 * np.radians(lon * 10)) * np.cos(np.radians(lat * 7))).astype("float32")


def make_global(path: Path) -> None:
    import netCDF4

    nx, ny, res = GLOBAL["nx"], GLOBAL["ny"], GLOBAL["res"]
    lats = 90 - res * (np.arange(ny) + 0.5)
    lons = -180 + res * (np.arange(nx) + 0.5)
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", 12)
        ds.createDimension("lat", ny)
        ds.createDimension("lon", nx)
        t = ds.createVariable("time", "f8", ("time",))
        t.units, t.calendar = "days since 2020-01-01", "standard"
        t[:] = [15 + 30.5 * m for m in range(12)]
        la = ds.createVariable("lat", "f4", ("lat",))
        la.units = "degrees_north"
        la[:] = lats
        lo = ds.createVariable("lon", "f4", ("lon",))
        lo.units = "degrees_east"
        lo[:] = lons
        v = ds.createVariable("emi_co2", "f4", ("time", "lat", "lon"))
        v.units = "kg m-2 s-1"
        lon2, lat2 = np.meshgrid(lons, lats)
        base = _field(lon2, lat2) * np.float32(1e-9)
        for m in range(12):
            v[m] = base * np.float32(1 + 0.1 * m)


def make_china(path: Path) -> None:
    import rasterio
    from rasterio.transform import from_origin

    nx, ny, res = CHINA["nx"], CHINA["ny"], CHINA["res"]
    profile = {"driver": "GTiff", "width": nx, "height": ny, "count": 1, "dtype": "float32", "crs": ALBERS,
               "transform": from_origin(CHINA["west"], CHINA["north"], res, res), "nodata": -1.0, "tiled": True,
               "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as ds:
        ds.update_tags(1, units="t CO2")
        xs = np.arange(nx, dtype="float32")
        for r0 in range(0, ny, 500):
            rows = np.arange(r0, min(ny, r0 + 500), dtype="float32")[:, None]
            block = (50 + 30 * np.sin(xs / 97.0) * np.cos(rows / 53.0)).astype("float32")
            ds.write(block, 1, window=rasterio.windows.Window(0, r0, nx, block.shape[0]))


# --------------------------------------------------------------------------- the cases (each in its own process)


def run_engine(path: str, store: str) -> dict:
    os.environ["LNMAP_STORE_DIR"] = store
    os.environ["LNMAP_DATABASE_URL"] = f"sqlite:///{store}/lnmap.sqlite3"
    from geo.carbon.inventory import import_inventory, inventory_table
    from geo.carbon.places import place_layer
    from geo.store.db import engine

    engine()
    place_layer("city"), place_layer("county")  # boundaries loaded: part of the baseline
    base = _rss_mib("VmRSS")
    t0 = time.perf_counter()
    meta = import_inventory(path, name="bench", year=2020, actor="bench")
    seconds = time.perf_counter() - t0
    city = inventory_table("bench", "city")
    return {"seconds": seconds, "peak_mib": _rss_mib(), "baseline_mib": base, "window": meta["meta"]["window"],
            "province_t": float(city["co2_t"].sum())}


def run_naive(path: str, store: str) -> dict:
    import geopandas as gpd
    import rasterio
    from rasterstats import zonal_stats

    cities = gpd.read_file(ROOT / "data/boundaries/cities.geojson")
    counties = gpd.read_file(ROOT / "data/boundaries/counties.geojson")
    base = _rss_mib("VmRSS")
    t0 = time.perf_counter()
    if path.endswith(".nc"):
        import netCDF4

        with netCDF4.Dataset(path) as ds:
            flux = ds.variables["emi_co2"][:].filled(np.nan)  # the whole year of the whole globe
        seconds = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype="float64") * 86400
        res = GLOBAL["res"]
        lat_edges = 90 - res * np.arange(GLOBAL["ny"] + 1)
        area = (6371008.8 ** 2 * np.radians(res) * np.abs(np.sin(np.radians(lat_edges[:-1]))
                                                           - np.sin(np.radians(lat_edges[1:]))))[:, None]
        tonnes = np.tensordot(seconds, flux, axes=1) * area / 1000
        from affine import Affine

        affine = Affine(res, 0, -180, 0, -res, 90)
        shapes_c, shapes_k = cities, counties
    else:
        with rasterio.open(path) as ds:
            tonnes = ds.read([1])[0].astype("float64")
            tonnes[ds.read_masks([1])[0] == 0] = np.nan
            affine = ds.transform
            shapes_c, shapes_k = cities.to_crs(ds.crs), counties.to_crs(ds.crs)
    city = zonal_stats(shapes_c, tonnes, affine=affine, stats=["sum"], nodata=np.nan)
    zonal_stats(shapes_k, tonnes, affine=affine, stats=["sum"], nodata=np.nan)
    seconds_taken = time.perf_counter() - t0
    return {"seconds": seconds_taken, "peak_mib": _rss_mib(), "baseline_mib": base,
            "province_t": float(sum(s["sum"] or 0 for s in city))}


# --------------------------------------------------------------------------- the report


def child(case: str, path: Path, store: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--case", case, "--file", str(path), "--store", str(store)],
                         capture_output=True, text=True, check=False, cwd=ROOT)
    if out.returncode:
        return {"error": (out.stderr or out.stdout).strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=["engine", "naive"])
    parser.add_argument("--file")
    parser.add_argument("--store")
    args = parser.parse_args()
    if args.case:
        fn = run_engine if args.case == "engine" else run_naive
        print(json.dumps(fn(args.file, args.store)))
        return
    try:
        import rasterstats

        naive_version: str | None = rasterstats.__version__
    except ImportError:
        naive_version = None
    rows = []
    with tempfile.TemporaryDirectory(prefix="lnmap-bench-carbon-") as tmp:
        for label, name, make in (("global 0.1° monthly NetCDF, 3600 × 1800 × 12 float32", "global.nc", make_global),
                                  ("China 1 km GeoTIFF (Albers), 5000 × 4000 float32", "china.tif", make_china)):
            path = Path(tmp) / name
            t0 = time.perf_counter()
            make(path)
            made = time.perf_counter() - t0
            size_mb = path.stat().st_size / 1e6
            for case in ("engine", "naive"):
                if case == "naive" and naive_version is None:
                    rows.append((label, size_mb, made, "rasterstats (not installed)", None))
                    continue
                store = Path(tempfile.mkdtemp(dir=tmp))
                result = child(case, path, store)
                who = "geo.carbon.import_inventory (exactextract, window)" if case == "engine" else \
                    f"naive rasterstats {naive_version} (whole grid, centre-in-polygon)"
                rows.append((label, size_mb, made, who, result))
                print(label, who, result, flush=True)
    lines = [
        "# Carbon inventories: grid to cities and counties",
        "",
        f"Run {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. `.venv/bin/python bench/bench_carbon.py`; each case in a fresh process.",
        "Time: the whole import (size check, sha256 of the file, window read, unit conversion, exactextract for 14 "
        "cities and 100 counties, one transaction into SQLite) for geo.carbon; reading, summing the year and "
        "zonal_stats for the naive run. Peak: the process' maximum resident set (VmHWM); baseline: its resident set "
        "after its imports and the boundaries, before the work. Targets: ≤ 10 s, ≤ 500 MiB.",
        "",
        "| input | file (MB) | run | time (s) | peak RSS (MiB) | baseline (MiB) | Liaoning (t CO2) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, size_mb, _made, who, r in rows:
        if r is None:
            lines.append(f"| {label} | {size_mb:.0f} | {who} | – | – | – | – |")
        elif "error" in r:
            lines.append(f"| {label} | {size_mb:.0f} | {who} | failed: {r['error']} | | | |")
        else:
            lines.append(f"| {label} | {size_mb:.0f} | {who} | {r['seconds']:.2f} | {r['peak_mib']:.0f} | "
                         f"{r['baseline_mib']:.0f} | {r['province_t']:,.0f} |")
    windows = [f"{r['window'][2]} × {r['window'][3]} cells of {label.split(',')[0]}" for label, _s, _m, who, r in rows
               if r and "window" in r]
    lines += [
        "",
        "The naive run differs from geo.carbon in Liaoning's total because it counts a cell wholly or not at all "
        "(by its centre) and reads the whole grid; geo.carbon reads only the window around Liaoning ("
        + "; ".join(windows) + ", each month of the NetCDF file in turn) and counts border cells by the share of "
        "their area inside each place.",
        "",
    ]
    (ROOT / "bench" / "results_carbon.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
