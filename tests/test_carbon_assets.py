"""Asset lists (Climate TRACE-like CSV: lon, lat, sector, gas, tonnes, year) summed to cities and counties.

The expected place of each site comes from shapely's point-in-polygon on the committed polygons, and the
GCJ-02 list is made with coord-convert, not with geo.core.datum.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from coord_convert.transform import wgs2gcj

from geo.carbon.inventory import import_inventory, inventory_points, inventory_table, list_inventories
from geo.core.errors import DataValidationError
from tests.carbon_inputs import layer

HEADER = "lon,lat,sector,gas,tonnes,year"
# Sites: (lon, lat, sector, gas, tonnes, year)
SITES = [
    (123.43, 41.80, "power", "co2", 5_000_000, 2022),      # 沈阳
    (123.40, 41.75, "steel", "CO2", 1_250_000.5, 2022),    # 沈阳
    (121.60, 38.92, "refining", "co2", 3_000_000, 2022),   # 大连
    (121.60, 38.92, "refining", "ch4", 7_000, 2022),       # 大连, not CO2: kept, not summed
    (122.99, 41.11, "steel", "co2", 2_000_000, 2022),      # 鞍山
    (120.45, 41.57, "cement", "C", 100_000, 2022),         # 朝阳: tonnes of carbon, × 44/12
    (116.40, 39.90, "power", "co2", 9_000_000, 2022),      # 北京: outside Liaoning
    (123.43, 41.80, "power", "co2", 4_000_000, 2021),      # another year
]


def _csv(rows, header=HEADER) -> bytes:
    return ("\n".join([header, *(",".join(str(v) for v in r) for r in rows)]) + "\n").encode()


def _expected(rows, level_layer) -> dict[str, float]:
    """t CO2 per adcode: each CO2 (or C) site of 2022 in the polygon that holds it."""
    out: dict[str, float] = {}
    for lon, lat, _sector, gas, tonnes, year in rows:
        if year != 2022 or gas.lower() not in ("co2", "c"):
            continue
        hits = level_layer[shapely.contains_xy(level_layer.geometry.to_numpy(), lon, lat)]
        if len(hits):
            out[hits.adcode.iloc[0]] = out.get(hits.adcode.iloc[0], 0.0) + tonnes * (44 / 12 if gas == "C" else 1)
    return out


@pytest.mark.parametrize("level,layer_name", [("city", "cities"), ("county", "counties")])
def test_an_asset_list_sums_its_co2_sites_of_the_year_per_place(level, layer_name):
    meta = import_inventory(_csv(SITES), name="trace", year=2022, source="made up", licence="CC BY 4.0",
                            file_name="assets.csv")
    assert meta["method"] == "asset"
    assert meta["meta"]["sites_outside_liaoning"] == 1 and meta["meta"]["rows_other_years"] == 1
    places = layer(layer_name)
    want = _expected(SITES, places)
    table = inventory_table("trace", level).set_index("adcode")
    assert len(table) == len(places)
    got = table["co2_t"]
    for adcode, value in want.items():
        assert got[adcode] == pytest.approx(value, abs=0.01)
    assert (got.drop(list(want)) == 0).all()  # no site: 0 t, the list covers the whole province
    assert table["coverage_pct"].isna().all()
    points = inventory_points("trace")
    assert len(points) == 6 and set(points["gas"]) == {"co2", "CO2", "ch4", "C"}
    assert points.loc[points.gas == "ch4", "co2_t"].isna().all()


def test_a_gcj02_list_is_moved_to_wgs84_before_it_is_placed():
    rows = [(*wgs2gcj(lon, lat), sector, gas, t, y) for lon, lat, sector, gas, t, y in SITES]
    import_inventory(_csv(rows), name="gcj", year=2022, datum="gcj02")
    import_inventory(_csv(SITES), name="wgs", year=2022)
    a, b = inventory_points("gcj"), inventory_points("wgs")
    assert np.allclose(a[["lon", "lat"]], b[["lon", "lat"]], atol=1e-6)
    assert inventory_table("gcj", "county")["co2_t"].tolist() == inventory_table("wgs", "county")["co2_t"].tolist()


def test_a_gbk_list_with_chinese_headers_is_read():
    text = "经度,纬度,部门,气体,排放量,年份\n123.43,41.80,电力,二氧化碳,1000,2022\n"
    import_inventory(text.encode("gbk"), name="zh", year=2022)
    assert inventory_table("zh", "city").set_index("adcode").loc["210100", "co2_t"] == 1000


def test_negative_tonnes_are_refused_outside_a_sink_sector_naming_the_row():
    rows = [*SITES[:3], (123.0, 41.2, "transport", "co2", -50, 2022)]
    with pytest.raises(DataValidationError) as exc:
        import_inventory(_csv(rows), name="neg", year=2022, file_name="neg.csv")
    assert str(exc.value).startswith("neg.csv, row 5, field 'tonnes': negative tonnes '-50' in sector 'transport'")
    assert list_inventories() == []
    rows[-1] = (123.0, 41.2, "forest", "co2", -50, 2022)
    import_inventory(_csv(rows), name="neg", year=2022)
    assert inventory_points("neg")["tonnes"].min() == -50


def test_a_row_without_a_sector_takes_the_imports_sector_for_the_sink_check():
    rows = [*SITES[:3], (123.0, 41.2, "", "co2", -50, 2022)]
    with pytest.raises(DataValidationError) as exc:  # no sector at all: not a sink
        import_inventory(_csv(rows), name="neg", year=2022, file_name="neg.csv")
    assert "negative tonnes '-50' in sector '(none)'" in str(exc.value) and list_inventories() == []
    with pytest.raises(DataValidationError):  # --sector power: not a sink either
        import_inventory(_csv(rows), name="neg", year=2022, sector="power")
    import_inventory(_csv(rows), name="neg", year=2022, sector="LULUCF")
    points = inventory_points("neg")
    assert points["tonnes"].min() == -50 and "LULUCF" in set(points["sector"])


def test_bad_rows_are_all_named_and_nothing_is_stored():
    rows = [(123.4, "north", "power", "co2", 5, 2022), (123.4, 41.8, "power", "", 5, 2022),
            (123.4, 41.8, "power", "co2", "lots", 2022), (123.4, 41.8, "power", "co2", 5, "soon")]
    with pytest.raises(DataValidationError) as exc:
        import_inventory(_csv(rows), name="bad", year=2022, file_name="bad.csv")
    assert [(p.row, p.field) for p in exc.value.problems] == [(2, "lat"), (3, "gas"), (4, "tonnes"), (5, "year")]
    assert list_inventories() == []


def test_a_list_with_no_site_in_liaoning_is_refused():
    with pytest.raises(DataValidationError, match="none of the 1 sites of 2022 lies in Liaoning"):
        import_inventory(_csv([SITES[6]]), name="beijing", year=2022)
