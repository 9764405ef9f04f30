"""The county level of the dashboard: a CO2 inventory's counties drawn, ranked and clicked (issue 22, part 4).

Hand calculations (an invented table inventory "混合", 2021, in 万吨 = 10,000 t):
  沈阳市 6,000 → 60,000,000 t; 大连市 4,000 → 40,000,000 t;
  沈阳市和平区 (210102) 120 → 1,200,000 t, its share of 沈阳: 1,200,000 ÷ 60,000,000 × 100 = 2.00 %;
  沈河区 (210103) 80 → 800,000 t, 1.33 %; 大连市西岗区 (210203) 50 → 500,000 t, 500,000 ÷ 40,000,000 × 100 = 1.25 %.
  A second inventory "县表" has counties only (和平区 30 万吨): it is drawn by county at either level.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from dashboard.state import browser_store, carbon_store
from geo.carbon.inventory import import_inventory
from geo.measures.view import load_view_data
from tests.dashboard_server import offline, serve_dashboard

MIXED = "地区,排放量,单位\n沈阳市,6000,万吨\n大连市,4000,万吨\n沈阳市和平区,120,万吨\n210103,80,万吨\n大连市西岗区,50,万吨\n"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def base():
    data = load_view_data(observed=pd.DataFrame())
    return data, browser_store(data)


def _import(counties_only: bool = False) -> None:
    import_inventory(MIXED.encode(), name="混合", year=2021, source="编造的测试数据", licence="CC BY 4.0",
                     file_name="mixed.csv", actor="test")
    if counties_only:
        import_inventory("地区,排放量,单位\n210102,30,万吨\n".encode(), name="县表", year=2021, source="invented",
                         licence="cite only", file_name="counties.csv", actor="test")


def test_the_store_carries_each_inventorys_county_values_classes_and_names(base):
    data, store = base
    assert "counties" not in store  # nothing about counties until an inventory has them
    _import(counties_only=True)
    out = carbon_store(store, data)
    total = out["indicators"]["co2_t[混合]"]
    assert total["values"]["210100"] == 60_000_000 and total["values"]["210200"] == 40_000_000
    county = total["county"]["values"]
    assert len(county) == 100  # every county of the boundary layer, with or without a value
    assert {a: v for a, v in county.items() if v is not None} == {"210102": 1_200_000, "210103": 800_000,
                                                                   "210203": 500_000}
    for scheme, cls in total["county"]["classes"].items():  # classed among the counties, not the cities
        assert cls["bounds"][-1] == 1_200_000, scheme
    assert not total.get("county_only")
    # An inventory of counties only: its measures are there, with no city value, drawn by county.
    only = out["indicators"]["co2_t[县表]"]
    assert only["county_only"] and set(only["values"].values()) == {None}
    assert only["county"]["values"]["210102"] == 300_000
    # Two counties are called 铁西区: each is named with its city.
    names = out["counties"]
    assert len(names) == 100 and names["210106"]["name_zh"] == names["210303"]["name_zh"] == "铁西区"
    assert names["210106"]["label_zh"] == "铁西区（沈阳）" and names["210303"]["label_en"] == "Tiexi District (Anshan)"


def test_a_county_panel_names_its_city_and_each_inventorys_numbers(base):
    from dashboard.callbacks import detail_panel

    data, _ = base
    _import()
    text = repr(detail_panel(data, {"adcode": "210102"}, "city", None, "zh", False)[0])
    assert "和平区" in text and "所属城市：沈阳市" in text
    assert "混合 (2021)" in text and "1,200,000.00" in text
    assert "'2.00'" in text  # 1,200,000 ÷ 60,000,000 × 100
    assert "许可：CC BY 4.0" in text and "来源：编造的测试数据" in text
    assert "占所属城市 % = 该县区的二氧化碳排放量 ÷ 同一清单中所属城市的排放量 × 100" in text
    text = repr(detail_panel(data, {"adcode": "210203"}, "city", None, "en", False)[0])
    assert "Xigang District" in text and "city: Dalian" in text and "Share of its city %" in text
    assert "'1.25'" in text  # 500,000 ÷ 40,000,000 × 100
    text = repr(detail_panel(data, {"adcode": "210104"}, "city", None, "en", False)[0])  # 大东区: in no inventory
    assert "No imported CO2 inventory has a value for this county." in text


def test_the_county_layers_are_served_in_both_datums():
    from geo.core.datum import wgs84_to_gcj02

    with serve_dashboard() as url:
        import urllib.request

        def get(datum: str, name: str) -> dict:
            with urllib.request.urlopen(f"{url}lnmap/geo/{datum}/{name}.geojson") as r:
                return json.load(r)

        areas, points = get("wgs84", "county-areas"), get("wgs84", "county-points")
        shifted = get("gcj02", "county-points")
    assert len(areas["features"]) == len(points["features"]) == 100
    by_code = {f["properties"]["adcode"]: f["properties"] for f in areas["features"]}
    assert by_code["210303"]["city_zh"] == "鞍山市" and by_code["210106"]["city_en"] == "Shenyang"
    a, b = points["features"][0], shifted["features"][0]
    lon, lat = a["geometry"]["coordinates"]
    want = wgs84_to_gcj02(lon, lat)
    assert b["geometry"]["coordinates"] == pytest.approx([float(want[0]), float(want[1])], abs=2e-5)


def hover(page, selector: str) -> tuple[float, float]:
    """Move the pointer onto a point of the path ``selector`` that is on top there (its box's centre may be
    sea or another place); return the point."""
    x, y = page.evaluate("""(sel) => { const p = document.querySelector(sel), r = p.getBoundingClientRect();
      for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) { const x = r.left + r.width * i / 20,
        y = r.top + r.height * j / 20; if (document.elementFromPoint(x, y) === p) return [x, y]; }
      return null; }""", selector)
    page.mouse.move(x, y)
    return x, y


@pytest.mark.browser
def test_the_county_level_draws_ranks_and_opens_a_county(page):
    _import(counties_only=True)
    with serve_dashboard() as url:
        offline(page)
        page.goto(url + "?indicator=co2_t%5B%E6%B7%B7%E5%90%88%5D&map_type=choropleth&lang=en")
        page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
        level = page.locator("#level-wrap")
        expect(level).to_be_visible()  # offered: this measure has county values
        assert page.locator("path.lnmap-county").count() == 0  # no county file until the level is picked
        # A city's tooltip says which inventory its number is, with the method and licence.
        hover(page, "path.lnmap-city[data-adcode='210100']")
        expect(page.locator(".lnmap-tip")).to_contain_text("inventory 混合 (2021) · table by place · licence: CC BY 4.0")
        page.locator("#level").get_by_text("Counties (100)").click()
        page.wait_for_function("document.querySelectorAll('path.lnmap-county').length === 100")
        expect(page).to_have_url(re.compile(r"level=county"))
        store = page.evaluate("window.lnmap.store")
        ind = store["indicators"]["co2_t[混合]"]
        cls = ind["county"]["classes"]["quantiles"]
        fills = page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll('path.lnmap-county'))
                                  .map(p => [p.dataset.adcode, p.getAttribute('fill')]))""")
        assert len(fills) == 100
        for adcode, value in ind["county"]["values"].items():
            want = store["nodata"] if value is None else cls["colours"][next(
                i for i, b in enumerate(cls["bounds"]) if value <= b * (1 + 1e-9))]
            assert fills[adcode] == want, adcode
        # The cities are outlines only: a press inside one reaches its county.
        city_fills = page.evaluate("Array.from(document.querySelectorAll('path.lnmap-city')).map(p => p.getAttribute('fill'))")
        assert set(city_fills) == {"none"}
        ranking = page.locator("#ranking .rank-name")
        expect(ranking.first).to_have_text("Heping District (Shenyang)")
        assert not CJK.search(" ".join(ranking.all_inner_texts()))
        expect(page.locator("#rank-note")).to_contain_text("Counties ranked")
        expect(page.locator(".legend")).to_contain_text("County level: 3 of 100 counties have a value")
        # A county's tooltip: its name with its city's, its value, the inventory; a real click opens its panel.
        x, y = hover(page, "path.lnmap-county[data-adcode='210203']")
        tip = page.locator(".lnmap-tip")
        expect(tip).to_contain_text("Xigang District, Dalian")
        expect(tip).to_contain_text("500,000 t")
        expect(tip).to_contain_text("inventory 混合 (2021) · table by place · licence: CC BY 4.0")
        page.mouse.click(x, y)
        expect(page.locator("#detail h2")).to_contain_text("Xigang District")
        expect(page.locator("#detail")).to_contain_text("city: Dalian")
        expect(page).to_have_url(re.compile(r"city=210203"))
        # An inventory of counties only: no level to pick, drawn by county.
        page.locator("#pollutant").get_by_text("CO2 · 县表 (2021)").click()
        expect(level).to_be_hidden()
        page.wait_for_function("document.querySelectorAll('path.lnmap-county').length === 100")
        # A pollutant has no county values: the level goes, and so do the counties.
        page.locator("#pollutant").get_by_text("SO2").click()
        expect(level).to_be_hidden()
        page.wait_for_function("document.querySelectorAll('path.lnmap-county').length === 0")
        assert "level=county" not in page.url
