"""CO2 inventories in the exported table, beside the pollutant quotas (issue 22, parts 3 and 4).

Hand calculations (the values are invented):
  inventory "city-2020", a table by city: 沈阳 6,500 万吨 = 65,000,000 t; 大连 7,000 万吨 = 70,000,000 t.
  GDP 2020 (observed values): 沈阳 6,571.6 亿元, 大连 7,030 亿元 (given as 70,300,000 万元).
  intensity = t ÷ (亿元 × 10,000 万元/亿元):
    沈阳 65,000,000 ÷ 65,716,000 = 0.98910463… → 0.9891 t per 万元
    大连 70,000,000 ÷ 70,300,000 = 0.99573257… → 0.9957 t per 万元
  鞍山: no CO2 row → no data; 抚顺 has CO2 but no GDP → no intensity.
  inventory "county-2019", a table by county: 沈阳市和平区 120 t, 大连市中山区 30 t.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.carbon.inventory import import_inventory
from geo.cli import main

CITY_CO2 = "地区,二氧化碳排放量,单位\n沈阳,6500,万吨\n大连,7000,万吨\n抚顺,900,万吨\n"
COUNTY_CO2 = "区县,排放量,单位\n沈阳市和平区,120,t\n大连市中山区,30,t\n"
GDP = "城市,指标,年份,数值,单位\n沈阳,地区生产总值,2020,6571.6,亿元\n大连,GDP,2020,70300000,万元\n"


@pytest.fixture
def stored(tmp_path):
    import_inventory(CITY_CO2.encode("utf-8"), name="city-2020", year=2020, source="made up for the test",
                     licence="CC BY 4.0", file_name="city.csv", actor="test")
    import_inventory(COUNTY_CO2.encode("utf-8"), name="county-2019", year=2019, source="made up too",
                     licence="cite only", file_name="county.csv", actor="test")
    gdp = tmp_path / "gdp.csv"
    gdp.write_text(GDP, encoding="utf-8")
    res = CliRunner().invoke(main, ["import", str(gdp)])
    assert res.exit_code == 0, res.output


def _table(tmp_path, *args) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = tmp_path / "t.xlsx"
    res = CliRunner().invoke(main, ["export", "table", "--format", "xlsx", "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(out, sheet_name=None, dtype={"adcode": str, "city_adcode": str})
    data = next(v for k, v in sheets.items() if k != "sources")
    return data.set_index("adcode"), sheets["sources"].set_index("column")


def test_the_city_table_carries_each_inventory_with_its_intensity_from_the_observed_gdp(tmp_path, stored):
    t, sources = _table(tmp_path)
    assert t.loc["210100", "co2_t[city-2020]"] == 65_000_000
    assert t.loc["210100", "co2_t_per_10k_yuan[city-2020]"] == 0.9891
    assert t.loc["210200", "co2_t_per_10k_yuan[city-2020]"] == 0.9957
    assert math.isnan(t.loc["210300", "co2_t[city-2020]"])  # 鞍山: not in the inventory
    assert t.loc["210400", "co2_t[city-2020]"] == 9_000_000 and math.isnan(t.loc["210400", "co2_t_per_10k_yuan[city-2020]"])
    assert "coverage_pct[city-2020]" not in t.columns  # a table covers no area: the column would be empty
    assert t.loc["210100", "cod_emission_2015_t"] == 241522.89  # the quotas are still there (附件2, 沈阳)
    row = sources.loc["co2_t_per_10k_yuan[city-2020]"]
    assert row["formula"] == "co2_t ÷ (gdp_2020_observed_100m_yuan × 10,000), rounded to 0.0001"
    assert "made up for the test" in row["source"] and "CC BY 4.0" in row["source"] and "table by place" in row["source"]
    assert sources.loc["co2_t[city-2020]", "name_zh"] == "二氧化碳排放量（city-2020，2020年）"
    # the county inventory gives no city a value (no city has all its counties in it): no empty columns
    assert not any(c.endswith("[county-2019]") for c in t.columns)


def test_the_county_table_has_every_county_with_its_city_and_the_county_values(tmp_path, stored):
    t, _ = _table(tmp_path, "--level", "county")
    from geo.places.boundaries import load_layer

    counties = load_layer("counties")
    assert sorted(t.index) == sorted(counties.adcode.astype(str)) and len(t) == 100
    assert t.loc["210102", "name_zh"] == "和平区" and t.loc["210102", "city_zh"] == "沈阳市"
    assert t.loc["210102", "co2_t[county-2019]"] == 120 and t.loc["210202", "co2_t[county-2019]"] == 30
    assert math.isnan(t.loc["210103", "co2_t[county-2019]"])
    # the city inventory gives no county values: its columns would be empty, so they are left out
    assert not any(c.endswith("[city-2020]") for c in t.columns)


def test_carbon_table_cli_fills_the_intensity_and_a_plan_with_counties_is_refused(tmp_path, stored):
    res = CliRunner().invoke(main, ["carbon", "table", "--name", "city-2020", "--format", "csv"])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(io.StringIO(res.output), dtype={"adcode": str}).set_index("adcode")
    assert t.loc["210100", "co2_t_per_10k_yuan"] == 0.9891
    res = CliRunner().invoke(main, ["export", "table", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                                    "--level", "county", "--plan", "十四五"])
    assert res.exit_code != 0 and "--level city" in res.output


def test_the_gis_layer_carries_each_inventory_on_cities_and_a_county_layer(tmp_path, stored):
    import pyogrio

    out = tmp_path / "co2.gpkg"
    res = CliRunner().invoke(main, ["export", "layer", "--indicator", "cod_emission_2015_t", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert {"cities", "regions", "sites", "counties"} <= {name for name, _ in pyogrio.list_layers(out)}
    cities = pyogrio.read_dataframe(out, layer="cities").set_index("adcode")
    assert cities.loc["210100", "co2_t[city-2020]"] == 65_000_000
    assert cities.loc["210200", "co2_t_per_10k_yuan[city-2020]"] == 0.9957
    about = cities.loc["210100", "co2_source[city-2020]"]
    assert about.startswith("city-2020, 2020; method: table by place") and "CC BY 4.0" in about
    counties = pyogrio.read_dataframe(out, layer="counties").set_index("adcode")
    assert len(counties) == 100 and counties.loc["210102", "co2_t[county-2019]"] == 120
    assert counties.loc["210102", "city_zh"] == "沈阳市" and "cite only" in counties.loc["210102", "co2_source[county-2019]"]
    # a Shapefile keeps the values under short names
    shp = tmp_path / "co2.zip"
    res = CliRunner().invoke(main, ["export", "layer", "--indicator", "cod_emission_2015_t", "--out", str(shp)])
    assert res.exit_code == 0, res.output
    flat = pyogrio.read_dataframe(f"/vsizip/{shp}").set_index("adcode")
    assert flat.loc["210100", "co2t_1"] == 65_000_000


def test_the_city_profile_gains_a_carbon_block_with_inventory_method_and_licence(tmp_path, stored):
    from pypdf import PdfReader

    out = tmp_path / "sy.pdf"
    res = CliRunner().invoke(main, ["export", "city", "--city", "沈阳", "--format", "pdf", "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = "".join(page.extract_text() for page in PdfReader(out).pages).replace("\n", "")
    assert "二氧化碳排放（已导入的清单）" in text
    assert "city-2020（2020 年，按地区表导入，CC BY 4.0）：65,000,000 吨" in text
    assert "每万元地区生产总值 0.9891 吨" in text
    out = tmp_path / "as.pdf"  # 鞍山: in no inventory, so no carbon block
    res = CliRunner().invoke(main, ["export", "city", "--city", "鞍山", "--format", "pdf", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "二氧化碳排放" not in "".join(page.extract_text() for page in PdfReader(out).pages)


def test_two_inventories_of_one_year_give_their_difference_as_a_measure(stored):
    """Hand: 沈阳 city-2020 65,000,000 t against other-2020 60,000,000 t: (65 − 60) ÷ 60 × 100 = 8.333… → 8.33 %;
    大连 70,000,000 against 80,000,000: −12.5 %; county-2019 is of another year, so it is compared with nothing."""
    from geo.carbon.measures import carbon_indicators

    import_inventory("地区,排放量,单位\n沈阳,6000,万吨\n大连,8000,万吨\n".encode(), name="other-2020", year=2020,
                     file_name="other.csv", actor="test")
    from geo.measures.observed import load_observed

    inds, values = carbon_indicators(load_observed())
    by_id = {i.id: i for i in inds}
    diff = by_id["co2_diff_pct[city-2020|other-2020]"]
    assert diff.diverging and diff.unit == "%" and diff.group == "co2" and diff.year == "2020"
    v = values.set_index("adcode")["co2_diff_pct[city-2020|other-2020]"]
    assert v["210100"] == 8.33 and v["210200"] == -12.5 and math.isnan(v["210300"])
    assert not any("county-2019|" in i.id or "|county-2019" in i.id for i in inds)
    total = by_id["co2_t[city-2020]"]
    assert total.unit == "t" and "CC BY 4.0" in total.source and "table by place" in total.source
    assert by_id["co2_t_per_10k_yuan[city-2020]"].unit_zh == "吨/万元"
