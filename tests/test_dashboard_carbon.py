"""CO2 inventories on the dashboard: a group per inventory, their difference, words and sources (issue 22, part 4).

Hand calculations (invented values, as in tests/test_carbon_surfaces.py):
  A = "清单A" (2020): 沈阳 6,500 万吨, 大连 7,000 万吨; B = "Inv-B" (2020): 沈阳 6,000 万吨, 大连 8,000 万吨.
  GDP 2020: 沈阳 6,571.6 亿元 → A's intensity 65,000,000 ÷ 65,716,000 = 0.98910… → 0.9891 t per 万元;
  B's 60,000,000 ÷ 65,716,000 = 0.913019… → 0.9130.
  A against B: 沈阳 (65 − 60) ÷ 60 × 100 = 8.33 %; 大连 (70 − 80) ÷ 80 × 100 = −12.5 %.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from dashboard.state import browser_store, carbon_store
from geo.carbon.inventory import import_inventory
from geo.measures.observed import import_observed, load_observed
from geo.measures.view import load_view_data
from tests.dashboard_server import offline, serve_dashboard

IDENTIFIER = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def base():
    data = load_view_data(observed=pd.DataFrame())
    return data, browser_store(data)


def _inventories():
    import_inventory("地区,排放量,单位\n沈阳,6500,万吨\n大连,7000,万吨\n".encode(), name="清单A", year=2020,
                     source="编造的测试数据", licence="CC BY 4.0", file_name="a.csv", actor="test")
    import_inventory("地区,排放量,单位\n沈阳,6000,万吨\n大连,8000,万吨\n".encode(), name="Inv-B", year=2020,
                     source="invented", licence="cite only", file_name="b.csv", actor="test")
    import_observed("城市,指标,年份,数值,单位\n沈阳,地区生产总值,2020,6571.6,亿元\n".encode(), name="gdp.csv")


def test_without_an_inventory_the_store_is_left_as_it_is(base):
    data, store = base
    assert carbon_store(store, data) is store


def test_each_inventory_is_a_group_and_two_of_one_year_are_compared(base):
    data, store = base
    _inventories()
    out = carbon_store(store, data, load_observed())
    assert set(store["measures"]) < set(out["measures"])  # the pollutants are all still there
    assert out["measures"]["co2[清单A]"] == ["co2_t", "co2_t_per_km2", "co2_t_per_10k_yuan"]
    assert out["measures"]["co2[Inv-B]"] == ["co2_t", "co2_t_per_km2", "co2_t_per_10k_yuan"]
    assert out["indicators"]["co2_t_per_10k_yuan[Inv-B]"]["values"]["210100"] == 0.913  # 60,000,000 ÷ 65,716,000
    labels = out["i18n"]["pollutants"]
    assert labels["co2[清单A]"] == {"zh": "二氧化碳 · 清单A（2020年）", "en": "CO2 · 清单A (2020)"}
    intensity = out["indicators"]["co2_t_per_10k_yuan[清单A]"]
    assert intensity["values"]["210100"] == 0.9891 and intensity["decimals"] == 4
    assert intensity["unit_zh"] == "吨/万元"
    diff = out["indicators"]["co2_diff_pct[清单A|Inv-B]"]
    assert diff["values"]["210100"] == 8.33 and diff["values"]["210200"] == -12.5 and diff["diverging"]
    assert out["measures"]["co2_diff"] == ["co2_diff_pct[清单A|Inv-B]"]
    assert out["i18n"]["measures"]["co2_diff_pct[清单A|Inv-B]"]["en"] == "清单A against Inv-B, difference % (2020)"
    for ind in (intensity, diff, out["indicators"]["co2_t[Inv-B]"]):
        for lang in ("zh", "en"):
            assert not IDENTIFIER.search(ind[f"formula_{lang}"]), ind[f"formula_{lang}"]
    assert "CC BY 4.0" in out["indicators"]["co2_t[清单A]"]["source_zh"]
    assert "cite only" in out["indicators"]["co2_t[Inv-B]"]["source_en"]
    assert "按地区表导入" in out["indicators"]["co2_t[清单A]"]["source_zh"]


@pytest.mark.browser
def test_a_link_to_an_inventory_opens_its_map_in_english(page):
    _inventories()
    with serve_dashboard() as url:
        offline(page)
        page.goto(url + "?indicator=co2_t_per_km2%5B%E6%B8%85%E5%8D%95A%5D&lang=en")
        page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
        expect(page.locator(".legend .legend-title")).to_contain_text("CO2 emissions per km² (清单A)")
        expect(page.locator("#pollutant")).to_contain_text("CO2 inventories compared")
        expect(page.locator(".legend")).to_contain_text("licence: CC BY 4.0")
        # the difference of the two inventories, picked on screen
        page.get_by_text("CO2 inventories compared").click()
        expect(page.locator(".legend .legend-title")).to_contain_text("CO2 difference (清单A against Inv-B)")
        expect(page).to_have_url(re.compile(r"indicator=co2_diff_pct"))


def test_the_city_panel_lists_each_inventory_with_method_licence_and_source(base):
    from dashboard.callbacks import detail_panel
    from geo.measures.observed import list_datasets

    data, _ = base
    _inventories()
    dataset = list_datasets()[0]["dataset_id"]
    children, _ = detail_panel(data, {"adcode": "210100"}, "city", None, "en", False, dataset, group="co2[清单A]")
    text = repr(children)
    assert "CO2 emissions (imported inventories)" in text
    assert "清单A (2020)" in text and "65,000,000.00" in text and "0.9891" in text
    assert "table by place, as given; licence: CC BY 4.0; source: 编造的测试数据" in text
    assert "Inv-B (2020)" in text and "licence: cite only" in text
    children, _ = detail_panel(data, {"adcode": "210300"}, "city", None, "en", False, dataset)  # 鞍山: in neither
    assert "imported inventories" not in repr(children)
