"""Inventories as tables by city or county (CEADs-like), and the units every form is read in."""

from __future__ import annotations

import math

import pytest

from geo.carbon.inventory import import_inventory, inventory_table, list_inventories
from geo.carbon.units import parse_unit
from geo.core.errors import DataValidationError
from tests.carbon_inputs import layer


def test_a_city_table_in_wan_tonnes_with_codes_and_names_in_every_spelling():
    text = "地区,二氧化碳排放量,单位\n沈阳,6500.5,万吨\n大连市,7000,万吨\n210300,1.2,亿吨\nYingkou,30,Mt CO2\n丹东市,800,万吨碳\n"
    import_inventory(text.encode("utf-8"), name="ceads", year=2019, licence="cite only")
    table = inventory_table("ceads", "city").set_index("adcode")
    assert table.loc["210100", "co2_t"] == 65_005_000
    assert table.loc["210200", "co2_t"] == 70_000_000
    assert table.loc["210300", "co2_t"] == 120_000_000
    assert table.loc["210800", "co2_t"] == 30_000_000
    assert table.loc["210600", "co2_t"] == pytest.approx(8_000_000 * 44 / 12, abs=0.01)
    assert math.isnan(table.loc["210400", "co2_t"])  # no row: no data, never 0
    assert table["coverage_pct"].isna().all() and set(table["method"]) == {"table"}
    area = layer("cities").set_index("adcode").to_crs("EPSG:6933").area / 1e6
    assert table.loc["210100", "co2_t_per_km2"] == pytest.approx(65_005_000 / area["210100"], rel=1e-3)


def test_a_county_table_in_gbk_refuses_an_ambiguous_county_naming_the_row():
    counties = layer("counties")
    shenyang = counties[counties.parent_adcode == "210100"]
    names = [name for name in shenyang.name_zh if name != "铁西区"]
    rows = [f"{name},{100 + i}" for i, name in enumerate(names)]
    data = ("区县,排放量\n" + "\n".join([*rows, "铁西区,5"]) + "\n").encode("gbk")
    with pytest.raises(DataValidationError) as exc:
        import_inventory(data, name="county", year=2020, file_name="counties.csv")
    problem = exc.value.problems[0]
    assert (problem.row, problem.field) == (len(rows) + 2, "区县")
    assert "ambiguous place name '铁西区'" in problem.message and "沈阳市铁西区" in problem.message
    assert list_inventories() == []
    # with its city in front it is 沈阳's; all of 沈阳's counties given, 沈阳 is their sum
    data = ("区县,排放量\n" + "\n".join([*rows, "沈阳市铁西区,5"]) + "\n").encode("gbk")
    meta = import_inventory(data, name="county", year=2020)
    assert meta["meta"]["encoding"] == "GBK/GB18030" and meta["meta"]["cities_from_counties"] == ["210100"]
    table = inventory_table("county", "county").set_index("adcode")
    assert table.loc["210106", "co2_t"] == 5 and math.isnan(table.loc["210303", "co2_t"])
    cities = inventory_table("county", "city").set_index("adcode")
    assert cities.loc["210100", "co2_t"] == sum(100 + i for i in range(len(rows))) + 5
    assert math.isnan(cities.loc["210200", "co2_t"])


def test_a_table_refuses_duplicates_unknown_places_negatives_and_rates_naming_each_row():
    text = "city,co2,unit\n沈阳,1,t\n沈阳,2,t\n北京,3,t\n大连,-4,t\n鞍山,5,kg m-2 s-1\n抚顺,x,t\n"
    with pytest.raises(DataValidationError) as exc:
        import_inventory(text.encode(), name="bad", year=2020, file_name="bad.csv")
    got = [(p.row, p.field) for p in exc.value.problems]
    assert got == [(3, "city"), (4, "city"), (5, "co2"), (6, "unit"), (7, "co2")], exc.value
    assert "also in row 2" in str(exc.value) and "negative value '-4'" in str(exc.value)
    assert list_inventories() == []
    import_inventory("city,co2\n大连,-4\n".encode(), name="sink", year=2020, sector="LULUCF 林业")


def test_rows_of_other_years_are_skipped_and_a_table_without_the_year_is_refused():
    text = "城市,年份,排放量\n沈阳,2019,1\n沈阳,2020,2\n"
    import_inventory(text.encode(), name="y", year=2020)
    assert inventory_table("y", "city").set_index("adcode").loc["210100", "co2_t"] == 2
    with pytest.raises(DataValidationError, match="no row of 2018 in the table"):
        import_inventory(text.encode(), name="z", year=2018)


@pytest.mark.parametrize("text,to_t,species,area,per", [
    ("t_C", 1, "C", None, None),
    ("t_CO2", 1, "CO2", None, None),
    ("kt_CO2", 1e3, "CO2", None, None),
    ("tC/cell", 1, "C", None, None),
    ("Mg C", 1, "C", None, None),
    ("Gg CO2", 1e3, "CO2", None, None),
    ("tonne Carbon/cell/month", 1, "C", None, "month"),
    ("kg m-2 s-1", 1e-3, None, 1, "s"),
    ("kg/m2/s", 1e-3, None, 1, "s"),
    ("kg m**-2 s**-1", 1e-3, None, 1, "s"),
    ("kg C m-2 month-1", 1e-3, "C", 1, "month"),
    ("g CO2 m^-2 yr^-1", 1e-6, "CO2", 1, "year"),
    ("t CO2 km-2 a-1", 1, "CO2", 1e6, "year"),
    ("万吨二氧化碳", 1e4, "CO2", None, None),
    ("万吨碳", 1e4, "C", None, None),
])
def test_units_are_read(text, to_t, species, area, per):
    u = parse_unit(text)
    assert (u.to_t, u.species, u.area_m2, u.per) == (to_t, species, area, per)


@pytest.mark.parametrize("text", ["", "furlongs", "mg C", "kg m-3 s-1", "t C C", "kg m-2 s-2", "m-2 s-1"])
def test_unknown_units_are_refused(text):
    with pytest.raises(DataValidationError, match="missing unit|unknown unit"):
        parse_unit(text)
