"""The CO2 sources layer in headless Chromium: toggled on with an asset list in the store, its symbols drawn by sector,
a popup naming the inventory, in both languages; with no asset list the layer's legend says it is empty.

``LNMAP_SCREENSHOT_DIR=DIR`` keeps a screenshot of each language at 1366×768 and 390×844 there (to look at).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from geo.carbon.inventory import import_inventory
from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser

# (lon, lat, sector, gas, tonnes): made up, one site of each group and one of another gas, all in Liaoning.
SITES = [
    (123.43, 41.80, "electricity-generation", "co2", 12_000_000), (122.99, 41.11, "iron-and-steel", "co2", 25_000_000),
    (120.45, 41.57, "cement", "co2", 1_500_000), (122.07, 41.12, "oil-and-gas-refining", "co2", 4_000_000),
    (121.60, 38.92, "petrochemical-steam-cracking", "co2", 2_000_000), (123.95, 41.88, "coal-mining", "co2", 300_000),
    (121.65, 42.02, "solid-waste-disposal", "co2", 50_000), (122.23, 40.67, "domestic-shipping", "co2", 800_000),
    (124.38, 40.13, "rice-cultivation", "co2", 10_000), (123.84, 42.29, "net-forest-land", "co2", -2_000_000),
    (123.77, 41.30, "coal-mining", "ch4", 40_000),
]
GROUPS = ["power", "steel", "cement", "oil_gas", "chemicals", "coal_mining", "waste", "transport", "other", "sink"]
#: Each language: the layer's name in the list, the steel group's name, the licence line of the popup.
WORDS = {"zh": ("CO2 排放源（资产清单）", "钢铁", "许可：CC BY 4.0"),
         "en": ("CO2 sources (asset lists)", "Iron & steel", "licence: CC BY 4.0")}
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")
IDENTIFIER = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def _import() -> None:
    rows = "\n".join(f"{lon},{lat},{sector},{gas},{t},2022" for lon, lat, sector, gas, t in SITES)
    import_inventory(f"lon,lat,sector,gas,tonnes,year\n{rows}\n".encode(), name="TRACE-demo", year=2022,
                     source="Climate TRACE-like test list", licence="CC BY 4.0", file_name="assets.csv")


def _open(page, url: str) -> None:
    offline(page)
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_co2_sources_layer_draws_the_sites_by_sector_with_a_popup_naming_the_inventory(page, lang):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    name, steel, licence = WORDS[lang]
    _import()
    with serve_dashboard() as base:
        _open(page, base + f"?layers=context,labels&lang={lang}")
        assert page.locator("path.lnmap-co2").count() == 0
        page.locator("#layers").get_by_text(name).click()
        page.wait_for_function(f"document.querySelectorAll('path.lnmap-co2').length === {len(SITES)}")
        for group in GROUPS:
            assert page.locator(f"path.lnmap-co2-{group}").count() >= 1, group
        # one shape per group: the SVG paths differ in their number of corners, the circle and ring are arcs
        legend = page.locator("#layer-legend .co2-legend")
        expect(legend).to_contain_text("TRACE-demo")
        expect(legend).to_contain_text(steel)
        assert legend.locator("svg.co2-swatch").count() >= len(GROUPS)
        # the sites sit above the cities and below their names
        z = page.evaluate("""() => ['overlay', 'lnmap-co2-assets', 'lnmap-labels'].map(
            n => +getComputedStyle(document.querySelector('.leaflet-' + n + '-pane')).zIndex)""")
        assert z == sorted(z) and len(set(z)) == 3
        page.locator("path.lnmap-co2-steel").click()  # a click where the square is: the popup opens over it
        popup = page.locator(".lnmap-co2-popup")
        popup.wait_for()
        expect(popup).to_contain_text("TRACE-demo")
        expect(popup).to_contain_text(licence)
        text = popup.inner_text()
        assert steel in text and "iron-and-steel" in text and "25,000,000" in text and "2022" in text
        assert ("鞍山" if lang == "zh" else "Anshan") in text
        # the screen's language (tests/test_browser_vocabulary.py): no Chinese on the English screen, no identifier
        # on the Chinese one
        shown = text + legend.inner_text() + page.locator("#layers").inner_text()
        if lang == "en":
            assert CJK.findall(shown) == []
        else:
            assert IDENTIFIER.findall(shown) == [] and "rounded" not in shown
        assert errors == []
        # Under the Gaode basemap the sites come again, shifted to GCJ-02 (the tiles cannot load offline)
        with page.expect_request(lambda r: "/lnmap/co2/gcj02/assets.geojson" in r.url):
            page.locator("#basemap").get_by_text("高德" if lang == "zh" else "Gaode").click()
        page.wait_for_function(f"document.querySelectorAll('path.lnmap-co2').length === {len(SITES)}")
        _screenshots(page, base, lang)


def test_with_no_asset_list_the_layer_is_empty_and_says_so(page):
    with serve_dashboard() as base:
        _open(page, base + "?layers=context,labels,co2_assets&lang=en")
        expect(page.locator("#layer-legend .co2-legend")).to_contain_text("No asset list")
        assert page.locator("path.lnmap-co2").count() == 0


def _screenshots(page, base: str, lang: str) -> None:
    folder = os.environ.get("LNMAP_SCREENSHOT_DIR")
    if not folder:
        return
    for size, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.goto(base + f"?layers=context,labels,co2_assets&lang={lang}")
        page.wait_for_function(f"document.querySelectorAll('path.lnmap-co2').length === {len(SITES)}")
        page.locator("#layer-legend .co2-legend .co2-cite").first.wait_for()
        page.locator("#layer-legend").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(folder) / f"co2_assets_{lang}_{size}.png"))
        page.locator("#map").scroll_into_view_if_needed()
        page.locator("path.lnmap-co2-steel").click()
        page.locator(".lnmap-co2-popup").wait_for()
        page.wait_for_timeout(400)  # the map pans the popup into view
        page.screenshot(path=str(Path(folder) / f"co2_assets_{lang}_{size}_popup.png"))
