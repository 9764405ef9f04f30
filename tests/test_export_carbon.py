"""CO2 inventories in `lnmap export map` (issue 22: carbon "in every surface, like the pollutants").

Hand calculations (the values are invented, as in tests/test_carbon_surfaces.py):
  inventory "city-2020", a table by city: 沈阳 6,500 万吨 = 65,000,000 t; 大连 7,000 万吨 = 70,000,000 t;
  抚顺 900 万吨 = 9,000,000 t; the other 11 cities have no row, so no value.
  GDP 2020: 沈阳 6,571.6 亿元, 大连 7,030 亿元; intensity = t ÷ (亿元 × 10,000):
    沈阳 65,000,000 ÷ 65,716,000 = 0.98910… → 0.9891; 大连 70,000,000 ÷ 70,300,000 = 0.99573… → 0.9957;
    抚顺 has CO2 but no GDP, the 11 others no CO2: 12 cities without an intensity.
  inventory "county-2019", a table by county: 沈阳市和平区 120 t, 大连市中山区 30 t; 98 counties without a value.
  inventory "grid-2020", a 0.1° GeoTIFF of tests/carbon_inputs.py's pattern: its county sums are read back from
  `lnmap carbon table --level county` (tested against an independent overlay in tests/test_carbon_grid.py).
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.carbon.inventory import import_inventory
from geo.cli import main
from tests.carbon_inputs import layer, lonlat_grid, pattern, sea_to_nan, write_geotiff
from tests.test_carbon_surfaces import stored  # noqa: F401 - the fixture: city-2020, county-2019 and the GDP

WEST, NORTH, RES, NX, NY = 117.0, 45.0, 0.1, 110, 75
FORMATS = ("png", "pdf", "svg", "html", "pptx", "csv", "xlsx")


@pytest.fixture
def carbon(tmp_path, stored):  # noqa: F811 - the fixture imported above
    """tests/test_carbon_surfaces.py's inventories and GDP, and a grid."""
    lon, lat = lonlat_grid(WEST, NORTH, RES, NX, NY)
    tif = write_geotiff(tmp_path / "grid.tif", sea_to_nan(pattern(lon, lat), lon, lat), west=WEST, north=NORTH,
                        xres=RES, yres=RES, crs="EPSG:4326", units="t_CO2")
    import_inventory(tif, name="grid-2020", year=2020, source="a made-up grid", licence="CC0", actor="test")


def _export(tmp_path, indicator: str, fmt: str, *args: str) -> bytes:
    out = tmp_path / f"map.{fmt}"
    res = CliRunner().invoke(main, ["export", "map", "--indicator", indicator, "--out", str(out), "--dpi", "60", *args])
    assert res.exit_code == 0, res.output
    return out.read_bytes()


def _numbers(tmp_path, indicator: str, *args: str) -> pd.DataFrame:
    data = _export(tmp_path, indicator, "csv", *args)
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"adcode": str, "city_adcode": str}).set_index("adcode")


def _pdf_text(tmp_path, indicator: str, *args: str) -> str:
    from pypdf import PdfReader

    data = _export(tmp_path, indicator, "pdf", *args)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def _carbon_table(name: str, level: str) -> pd.DataFrame:
    res = CliRunner().invoke(main, ["carbon", "table", "--name", name, "--level", level, "--format", "csv"])
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.output), dtype={"adcode": str}).set_index("adcode")


def test_a_city_total_is_every_city_with_the_inventory_values_and_the_missing_ones_empty(tmp_path, carbon):
    t = _numbers(tmp_path, "co2_t[city-2020]")
    assert len(t) == 14
    assert t.loc["210100", "value"] == 65_000_000 and t.loc["210200", "value"] == 70_000_000
    assert t.loc["210400", "value"] == 9_000_000 and pd.isna(t.loc["210300", "value"])  # 鞍山: no row
    table = _carbon_table("city-2020", "city")
    pd.testing.assert_series_equal(t["value"].sort_index(), table["co2_t"].astype(float).sort_index(), check_names=False)
    assert t["source"].str.contains("CC BY 4.0").all() and t["source"].str.contains("table by place").all()


def test_the_intensity_map_draws_a_city_without_gdp_as_no_data_and_counts_it(tmp_path, carbon):
    t = _numbers(tmp_path, "co2_t_per_10k_yuan[city-2020]")
    assert len(t) == 14 and t.loc["210100", "value"] == 0.9891 and t.loc["210200", "value"] == 0.9957
    assert t["value"].isna().sum() == 12 and pd.isna(t.loc["210400", "value"])  # 抚顺: CO2, no GDP
    text = _pdf_text(tmp_path, "co2_t_per_10k_yuan[city-2020]")
    assert "辽宁省各市单位地区生产总值二氧化碳排放量" in text
    assert "清单：city-2020（2020年）" in text and "方法：按地区表导入" in text and "许可：CC BY 4.0" in text
    assert "来源：made up for the test" in text and "；地区生产总值：" in text
    assert "无数据（12 个市" in text and "抚顺（无2020年地区生产总值）" in text
    assert "分级：" in text  # a rate: classes, not circles
    assert "0.9891" in text and "0.9957" in text
    assert "co2_t" not in text and "gdp_2020" not in text  # the formula in words, not ids


def test_a_total_is_drawn_as_circles_with_the_inventory_in_the_legend_in_english(tmp_path, carbon):
    text = _pdf_text(tmp_path, "co2_t[city-2020]", "--lang", "en")
    assert "Circle area proportional to the value" in text
    assert "Inventory: city-2020 (2020)" in text and "Licence: CC BY 4.0" in text and "Method: table by place" in text
    assert "No data (11 cities, hatched)" in text
    assert "65,000,000" in text


def test_the_county_level_has_one_row_per_county_with_the_carbon_table_values(tmp_path, carbon):
    counties = layer("counties")
    t = _numbers(tmp_path, "co2_t[grid-2020]", "--level", "county")
    assert sorted(t.index) == sorted(counties["adcode"]) and len(t) == len(counties) == 100
    table = _carbon_table("grid-2020", "county")
    pd.testing.assert_series_equal(t["value"].sort_index(), table["co2_t"].astype(float).sort_index(), check_names=False)
    assert t.loc["210102", "name_zh"] == "和平区" and t.loc["210102", "city_zh"] == "沈阳市"
    tiexi = counties.loc[counties["name_zh"] == "铁西区", "adcode"]  # one in 沈阳, one in 鞍山
    assert sorted(t.loc[tiexi, "city_zh"]) == ["沈阳市", "鞍山市"]
    assert t["source"].str.contains("CC0").all() and t["source"].str.contains("grid cells").all()
    dens = _numbers(tmp_path, "co2_t_per_km2[grid-2020]", "--level", "county")
    pd.testing.assert_series_equal(dens["value"].sort_index(), table["co2_t_per_km2"].astype(float).sort_index(),
                                   check_names=False)


def test_a_county_map_names_the_counties_and_counts_the_ones_without_a_value(tmp_path, carbon):
    t = _numbers(tmp_path, "co2_t[county-2019]", "--level", "county")
    assert len(t) == 100 and t["value"].notna().sum() == 2
    assert t.loc["210102", "value"] == 120 and t.loc["210202", "value"] == 30
    text = _pdf_text(tmp_path, "co2_t[county-2019]", "--level", "county")
    assert "辽宁省各区县二氧化碳排放量" in text and "清单：county-2019（2019年）" in text and "许可：cite only" in text
    assert "无数据（98 个区县" in text
    assert "和平区（沈阳）" in text and "中山区（大连）" in text  # the ranking names each county with its city
    en = _pdf_text(tmp_path, "co2_t_per_km2[grid-2020]", "--level", "county", "--lang", "en")
    assert "Liaoning counties: CO2 emissions per km²" in en and "Inventory: grid-2020 (2020)" in en
    assert "Licence: CC0" in en and "Method: grid, exact cell fractions" in en and "Highest 15 counties" in en


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_of_a_county_map_is_written_and_names_the_inventory(tmp_path, carbon, fmt):
    data = _export(tmp_path, "co2_t_per_km2[grid-2020]", fmt, "--level", "county")
    assert len(data) > 1000
    if fmt == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    elif fmt == "html":
        page = data.decode("utf-8")
        assert "grid-2020" in page and "CC0" in page and "--level county" in page
        assert all(f'"adcode": "{a}"' in page for a in layer("counties")["adcode"])  # a feature per county
        assert json.dumps("和平区（沈阳）")[1:-1] in page  # its popup names it with its city
    elif fmt == "pptx":
        from pptx import Presentation

        slide = Presentation(io.BytesIO(data)).slides[0]
        words = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        assert "grid-2020" in words and "CC0" in words and "区县" in words
        assert "--level county" in slide.notes_slide.notes_text_frame.text
    elif fmt == "xlsx":
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype={"adcode": str})
        assert len(sheets["data"]) == 100
        about = sheets["about"].set_index("key")["value"]
        assert about["level"] == "county" and "CC0" in about["source"]


def test_county_level_is_refused_for_what_has_no_county_values(tmp_path, carbon):
    def refused(*args: str) -> str:
        res = CliRunner().invoke(main, ["export", "map", "--out", str(tmp_path / "x.png"), *args])
        assert res.exit_code != 0 and not (tmp_path / "x.png").exists()
        return res.output

    out = refused("--indicator", "cod_emission_2015_t", "--level", "county")
    assert "--level county" in out and "cod_emission_2015_t" in out and "--level city" in out
    assert "--level" in refused("--indicator", "co2_t[grid-2020]", "--level", "province")
    assert "no county GDP" in refused("--indicator", "co2_t_per_10k_yuan[city-2020]", "--level", "county")
    assert "no county has a value" in refused("--indicator", "co2_t[city-2020]", "--level", "county")
    assert "no CO2 inventory named 'nope'" in refused("--indicator", "co2_t[nope]")


def test_two_inventories_of_one_year_map_their_difference(tmp_path, carbon):
    """Hand: 沈阳 city-2020 65,000,000 t against other-2020 60,000,000 t: (65 − 60) ÷ 60 × 100 = 8.33 %."""
    import_inventory("地区,排放量,单位\n沈阳,6000,万吨\n".encode(), name="other-2020", year=2020, file_name="o.csv",
                     licence="CC BY 4.0", actor="test")
    t = _numbers(tmp_path, "co2_diff_pct[city-2020|other-2020]")
    assert t.loc["210100", "value"] == 8.33 and t["value"].notna().sum() == 1
