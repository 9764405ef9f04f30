"""Gridded carbon inventories (issue 22) summed to cities and counties with exact cell fractions.

Every expectation comes from tests/carbon_inputs.py: a geopandas overlay of the cells (shapely boxes)
with the committed polygons in EPSG:6933, independent of geo.carbon (which uses exactextract and an
Albers projection). Sums agree within 0.1 %.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from geo.carbon.inventory import MAX_BYTES, import_inventory, inventory_table, list_inventories
from geo.core.errors import DataValidationError
from tests.carbon_inputs import (
    cells,
    equal_area_m2,
    expected,
    land,
    layer,
    lonlat_grid,
    pattern,
    sea_to_nan,
    seconds_in_month,
    write_geotiff,
    write_netcdf,
)

# A 0.1° grid from 117°E to 128°E and 37.5°N to 45°N: Liaoning, the sea, and the neighbours' cells.
WEST, NORTH, RES, NX, NY = 117.0, 45.0, 0.1, 110, 75
DALIAN, SHENYANG, TIELING, FUXIN, CHAOYANG, HULUDAO, DANDONG = (
    "210200", "210100", "211200", "210900", "211300", "211400", "210600")
LIAOYANG, ANSHAN = "211000", "210300"


@pytest.fixture(scope="module")
def cities():
    return layer("cities")


@pytest.fixture(scope="module")
def counties():
    return layer("counties")


@pytest.fixture(scope="module")
def field():
    """Tonnes of CO2 per 0.1° cell: the pattern on land, NaN at sea."""
    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    return sea_to_nan(pattern(lon, lat), lon, lat)


def _close(got, want, rel=1e-3):
    got, want = np.asarray(got, float), np.asarray(want, float)
    assert np.allclose(got, want, rtol=rel, atol=1e-6), np.c_[got, want][~np.isclose(got, want, rtol=rel, atol=1e-6)]


def _refused(call) -> str:
    with pytest.raises(DataValidationError) as exc:
        call()
    assert list_inventories() == [], "a refused file stored something"
    return str(exc.value)


def test_a_geotiff_in_tonnes_of_co2_sums_to_the_cities_as_the_overlay_does(tmp_path, field, cities):
    path = write_geotiff(tmp_path / "odiac.tif", field, west=WEST, north=NORTH, xres=RES, yres=RES, crs="EPSG:4326",
                         units="t_CO2")  # the unit from the band, not from --unit
    import_inventory(path, name="tif", year=2020, source="made up", licence="CC0")
    table = inventory_table("tif", "city").set_index("adcode")
    want = expected(cells(WEST, NORTH, RES, RES, field, "EPSG:4326"), cities)
    assert len(table) == 14
    _close(table["co2_t"], want.loc[table.index, "co2_t"])
    assert np.allclose(table["coverage_pct"], want.loc[table.index, "coverage_pct"], atol=0.1)
    # 大连's coast: the sea cells (NaN) that cut its shore count for nothing and leave part of it uncovered
    assert 80 < table.loc[DALIAN, "coverage_pct"] < 99.5
    assert table.loc[SHENYANG, "coverage_pct"] == pytest.approx(100, abs=0.05)
    _close(table["co2_t_per_km2"], table["co2_t"] / (cities.set_index("adcode").to_crs("EPSG:6933").area / 1e6)
           .loc[table.index], rel=2e-3)
    assert table["co2_t_per_10k_yuan"].isna().all()
    assert set(table["method"]) == {"grid"} and set(table["licence"]) == {"CC0"} and set(table["year"]) == {2020}
    counties = inventory_table("tif", "county")
    assert len(counties) == 100
    assert counties["co2_t"].sum() == pytest.approx(table["co2_t"].sum(), rel=1e-6)


def test_a_monthly_netcdf_flux_sums_its_year_to_the_counties_as_the_overlay_does(tmp_path, field, counties):
    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    flux = field * 1e-9  # kg CO2 m-2 s-1
    factors = {(y, m): 1 + 0.4 * np.sin(m + y) for y, m in [(2019, 12), *((2020, m) for m in range(1, 13)), (2021, 1)]}
    path = write_netcdf(tmp_path / "gridfed.nc", {k: flux * f for k, f in factors.items()}, west=WEST, north=NORTH,
                        res=RES, extra_variable="land_fraction")
    message = _refused(lambda: import_inventory(path, name="nc", year=2020))
    assert "several variables on the grid (co2_flux, land_fraction)" in message and "--variable" in message
    meta = import_inventory(path, name="nc", year=2020, variable="co2_flux")
    assert meta["meta"]["steps"] == [f"2020-{m:02d}" for m in range(1, 13)]
    # tonnes per cell: flux × true cell area × the seconds of each month of 2020 (February has 29 days)
    grid_cells = cells(WEST, NORTH, RES, RES, flux, "EPSG:4326")
    seconds = sum(factors[(2020, m)] * seconds_in_month(2020, m) for m in range(1, 13))
    grid_cells["t"] = grid_cells["t"] * equal_area_m2(grid_cells) * seconds / 1000
    want = expected(grid_cells, counties)
    table = inventory_table("nc", "county").set_index("adcode")
    assert len(table) == 100
    _close(table["co2_t"], want.loc[table.index, "co2_t"])
    assert np.allclose(table["coverage_pct"], want.loc[table.index, "coverage_pct"], atol=0.15)


def test_cells_across_the_borders_count_by_the_share_inside_liaoning(tmp_path, cities):
    """Only cells whose centre lies outside Liaoning (吉林, 河北, 内蒙古, the sea) hold a value: the border
    cities (沈阳 too: 康平 borders 内蒙古) get the part of those cells inside them, the inland ones nothing."""
    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    import shapely

    outside = ~shapely.contains_xy(layer("province").geometry.iloc[0], lon, lat)
    values = np.where(outside, 1000.0, 0.0)
    path = write_geotiff(tmp_path / "border.tif", values, west=WEST, north=NORTH, xres=RES, yres=RES, crs="EPSG:4326")
    import_inventory(path, name="border", year=2020, unit="t CO2")
    table = inventory_table("border", "city").set_index("adcode")
    want = expected(cells(WEST, NORTH, RES, RES, values, "EPSG:4326"), cities)
    _close(table["co2_t"], want.loc[table.index, "co2_t"])
    for border_city in (TIELING, FUXIN, CHAOYANG, HULUDAO, DANDONG, DALIAN):
        assert table.loc[border_city, "co2_t"] > 100, border_city
    assert table.loc[LIAOYANG, "co2_t"] == 0 and table.loc[ANSHAN, "co2_t"] == 0  # inland, no coast
    # a border cell counts by its share only: far less than whole cells along a border hundreds of km long
    assert table.loc[TIELING, "co2_t"] < 0.5 * 1000 * (outside & shapely.intersects_xy(
        cities.set_index("adcode").loc[TIELING, "geometry"].buffer(0.1), lon, lat)).sum()


@pytest.mark.parametrize("unit,scale,to_tonnes", [
    ("t C", 1.0, lambda t, area: t * 44 / 12),
    ("kg C m-2 yr-1", 1e-3, lambda t, area: t * area / 1000 * 44 / 12),
])
def test_a_1km_grid_in_web_mercator_sums_as_the_overlay_does(tmp_path, cities, unit, scale, to_tonnes):
    """A 1 km grid in EPSG:3857 over southern Liaoning (its cells are about 0.57 km² on the ground at 41°N: a
    flux must go through the true area, tonnes per cell need not); cities it does not reach get 0."""
    from pyproj import Transformer

    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    west, north = to_merc.transform(121.0, 40.3)
    west, north = float(np.floor(west / 1000) * 1000), float(np.floor(north / 1000) * 1000)
    nx, ny = 230, 250
    xs = west + 1000 * (np.arange(nx) + 0.5)
    ys = north - 1000 * (np.arange(ny) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = to_merc.transform(gx, gy, direction="INVERSE")
    values = sea_to_nan(pattern(lon, lat) * scale, lon, lat)
    path = write_geotiff(tmp_path / "merc.tif", values, west=west, north=north, xres=1000, yres=1000, crs="EPSG:3857")
    import_inventory(path, name="merc", year=2021, unit=unit)
    grid_cells = cells(west, north, 1000, 1000, values, "EPSG:3857")
    grid_cells["t"] = to_tonnes(grid_cells["t"].to_numpy(), equal_area_m2(grid_cells))
    want = expected(grid_cells, cities)
    table = inventory_table("merc", "city").set_index("adcode")
    _close(table["co2_t"], want.loc[table.index, "co2_t"])
    assert np.allclose(table["coverage_pct"], want.loc[table.index, "coverage_pct"], atol=0.1)
    assert 0 < table.loc[DALIAN, "coverage_pct"] < 100 and table.loc[TIELING, "co2_t"] == 0


def test_a_grid_that_misses_liaoning_is_refused(tmp_path):
    values = np.full((50, 50), 10.0)
    path = write_geotiff(tmp_path / "europe.tif", values, west=0.0, north=50.0, xres=0.1, yres=0.1, crs="EPSG:4326")
    message = _refused(lambda: import_inventory(path, name="eu", year=2020, unit="t_CO2"))
    assert "does not cover Liaoning" in message and "x 0 to 5" in message


def test_a_grid_with_no_value_over_liaoning_is_refused(tmp_path):
    values = np.full((NY, NX), np.nan)
    path = write_geotiff(tmp_path / "empty.tif", values, west=WEST, north=NORTH, xres=RES, yres=RES, crs="EPSG:4326")
    assert "no value around Liaoning" in _refused(lambda: import_inventory(path, name="e", year=2020, unit="t_CO2"))


def test_a_tiff_without_a_crs_is_refused(tmp_path, field):
    path = write_geotiff(tmp_path / "nocrs.tif", field, west=WEST, north=NORTH, xres=RES, yres=RES, crs=None)
    assert "no coordinate reference system" in _refused(lambda: import_inventory(path, name="x", year=2020,
                                                                                 unit="t_CO2"))


def test_missing_unknown_and_speciesless_units_are_refused(tmp_path, field):
    tif = write_geotiff(tmp_path / "nounit.tif", field, west=WEST, north=NORTH, xres=RES, yres=RES, crs="EPSG:4326")
    assert "missing unit" in _refused(lambda: import_inventory(tif, name="x", year=2020))
    message = _refused(lambda: import_inventory(tif, name="x", year=2020, unit="furlongs"))
    assert "unknown unit 'furlongs'" in message and "field 'unit'" in message
    months = {(2020, m): field * 1e-9 for m in range(1, 13)}
    nc = write_netcdf(tmp_path / "emission.nc", months, west=WEST, north=NORTH, res=RES, variable="emission")
    message = _refused(lambda: import_inventory(nc, name="x", year=2020))
    assert "does not say whether the values are carbon (C) or CO2" in message
    bare = write_netcdf(tmp_path / "bare.nc", months, west=WEST, north=NORTH, res=RES, units=None)
    assert "missing unit" in _refused(lambda: import_inventory(bare, name="x", year=2020))
    # the same file with the species given is read
    import_inventory(nc, name="x", year=2020, unit="kg CO2 m-2 s-1")


def test_negative_cells_are_refused_outside_a_sink_sector(tmp_path, field):
    values = field.copy()
    row, col = int((NORTH - 41.8) / RES), int((123.45 - WEST) / RES)  # a cell in 沈阳
    values[row, col] = -5.0
    path = write_geotiff(tmp_path / "neg.tif", values, west=WEST, north=NORTH, xres=RES, yres=RES, crs="EPSG:4326")
    message = _refused(lambda: import_inventory(path, name="neg", year=2020, unit="t_CO2", sector="energy"))
    assert f"negative value -5 t CO2 in the cell at row {row}, column {col} of the grid" in message
    import_inventory(path, name="neg", year=2020, unit="t_CO2", sector="LULUCF")
    assert list_inventories()[0]["sector"] == "LULUCF"


def test_a_netcdf_without_the_whole_year_is_refused(tmp_path, field):
    months = {(2020, m): field * 1e-9 for m in range(1, 12)} | {(2019, 12): field * 1e-9}
    path = write_netcdf(tmp_path / "eleven.nc", months, west=WEST, north=NORTH, res=RES)
    message = _refused(lambda: import_inventory(path, name="x", year=2020))
    assert "2020 has 11 monthly step(s)" in message and "missing 12" in message
    assert "years present: 2019, 2020" in _refused(lambda: import_inventory(path, name="x", year=2018))


def test_a_4_gb_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.tif"
    with open(path, "wb") as f:
        f.write(b"II*\x00")
    os.truncate(path, 4 * 1024 ** 3)  # sparse: 4 GiB on paper, nothing on disk
    start = time.monotonic()
    message = _refused(lambda: import_inventory(path, name="huge", year=2020, unit="t_CO2"))
    assert time.monotonic() - start < 2
    assert f"file too large: 4,294,967,296 bytes; the limit is {MAX_BYTES:,}" in message


def test_land_mask_has_sea_around_dalian():
    """The made-up grids' sea really cuts 大连's shore (else the coast test tests nothing)."""
    import shapely

    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    dalian = layer("cities").set_index("adcode").loc[DALIAN, "geometry"]
    sea = ~shapely.contains_xy(land(), lon, lat)
    assert (sea & shapely.intersects_xy(dalian, lon, lat)).sum() == 0  # no sea cell centre inside 大连 …
    boxes = shapely.box(lon - RES / 2, lat - RES / 2, lon + RES / 2, lat + RES / 2)
    assert (sea & shapely.intersects(boxes, dalian)).sum() > 50  # … but many sea cells cut its coast


def test_a_12_band_geotiff_is_read_as_the_months_of_the_year(tmp_path, field, cities):
    """ODIAC-like: one band per month in t C per cell; the year is their sum, × 44/12."""
    import rasterio
    from rasterio.transform import from_origin

    months = [field * (1 + 0.1 * m) for m in range(12)]
    path = tmp_path / "monthly.tif"
    with rasterio.open(path, "w", driver="GTiff", width=NX, height=NY, count=12, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(WEST, NORTH, RES, RES), nodata=-9999.0) as ds:
        for m, values in enumerate(months, start=1):
            ds.write(np.where(np.isfinite(values), values, -9999.0).astype("float32"), m)
    meta = import_inventory(path, name="odiac", year=2020, unit="tonne C/cell/month")
    assert meta["meta"]["bands"] == list(range(1, 13)) and meta["unit"] == "tonne C/cell/month"
    want = expected(cells(WEST, NORTH, RES, RES, sum(months) * 44 / 12, "EPSG:4326"), cities)
    table = inventory_table("odiac", "city").set_index("adcode")
    _close(table["co2_t"], want.loc[table.index, "co2_t"])
