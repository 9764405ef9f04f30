"""Reading the dashboard: numbers as printed, summaries, links that say what they ignored, the
keyboard, and axe-core's accessibility rules, in real headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser
CITY = "path.lnmap-city"


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def open_map(page, url):
    offline(page)
    page.goto(url)
    page.wait_for_function(f"document.querySelectorAll('{CITY}').length === 14")
    page.wait_for_selector(".legend .legend-title")


def test_tieling_cod_2015_reads_as_the_annex_prints_it(page, base):
    """附件2 prints 铁岭's 2015 COD as 142602.10: two decimals kept, thousands grouped."""
    open_map(page, base + "?indicator=cod_emission_2015_t&city=211200&map_type=choropleth")
    expect(page.locator("#ranking")).to_contain_text("142,602.10 吨")
    focus = page.locator("#focus")
    expect(focus).to_contain_text("142,602.10 吨")
    expect(focus).to_contain_text("第 3/14 位")  # 沈阳, 大连, then 铁岭
    expect(focus).to_contain_text("占14市合计 12.2 %")  # 142,602.10 ÷ 1,167,466.27
    expect(page.locator("#detail")).to_contain_text("142,602.10")
    expect(page.locator("#cards")).to_contain_text("1,167,466.27 吨")
    legend = page.locator(".legend").inner_text()
    assert "> 31,386 – 56,443" in legend and "26,274 – 31,386" in legend  # half-open, whole tonnes


def test_a_map_where_every_city_is_equal_says_so(page, base):
    open_map(page, base + "?indicator=so2_cut_target_pct")
    expect(page.locator(".legend")).to_contain_text("14 市相同：16.5 %")
    expect(page.locator("#cards")).to_contain_text("14 市相同：16.5 %")
    page.locator("#lang").get_by_text("English").click()
    expect(page.locator(".legend")).to_contain_text("All 14 cities equal: 16.5 %")


def test_an_unknown_indicator_is_named_and_the_rest_of_the_view_opens(page, base):
    open_map(page, base + "?indicator=no_such_indicator&city=210200&scheme=equal_interval")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("no_such_indicator")
    expect(notice).to_contain_text("未找到")
    expect(page.locator("#detail h2")).to_contain_text("大连")  # the city asked for still opens
    expect(page.locator("#scheme input[value=equal_interval]")).to_be_checked()


def test_unknown_layers_and_cities_are_named_and_the_default_layers_stay_on(page, base):
    open_map(page, base + "?layers=xyz&city=atlantis&lang=en")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("layer “xyz”")
    expect(notice).to_contain_text("city “atlantis”")
    page.wait_for_function("document.querySelectorAll('.lnmap-label').length === 14")  # labels: a default layer
    expect(page.locator("#layers input[value=labels]")).to_be_checked()


def test_an_offline_basemap_says_so_and_the_overlays_stay(page, base):
    open_map(page, base + "?basemap=osm")
    expect(page.locator("#tile-notice")).to_contain_text("底图瓦片无法加载")
    expect(page.locator(CITY)).to_have_count(14)
    url = page.eval_on_selector(".leaflet-tile", "e => e.src")
    assert url.startswith("http://")  # the page's own scheme (the page is served over http here)
    page.locator("#basemap").get_by_text("无（离线）").click()
    expect(page.locator("#tile-notice")).to_be_empty()


def test_tab_reaches_the_view_tabs_and_enter_on_a_city_opens_it(page, base):
    open_map(page, base)
    page.locator("#multiples-view summary").focus()  # the last control before the tabs (table, multiples)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('role') + ':' + document.activeElement.textContent")
    assert focused == "tab:城市", focused
    page.keyboard.press("ArrowRight")
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("区域")
    page.keyboard.press("Enter")
    expect(page.locator("#region-wrap")).to_be_visible()
    # The cities are in the Tab order; Enter on one opens its panel.
    page.wait_for_function("document.querySelectorAll('path.lnmap-city[tabindex][aria-label]').length === 14")
    page.locator(CITY).first.focus()
    name = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    expect(page.locator("#detail h2")).to_contain_text(name.split("：")[0])
    page.locator(CITY).nth(1).focus()
    other = page.evaluate("document.activeElement.getAttribute('aria-label')").split("：")[0]
    assert other != name.split("：")[0]
    page.keyboard.press(" ")
    expect(page.locator("#detail h2")).to_contain_text(other)


def test_the_ranking_is_in_rank_order_for_tab_too(page, base):
    open_map(page, base)
    page.wait_for_function("document.querySelector('#ranking .rank-name')?.textContent === '沈阳市'")
    names = page.eval_on_selector_all("#ranking .rank-bar .rank-name", "es => es.map(e => e.textContent)")
    assert names[:3] == ["沈阳市", "大连市", "铁岭市"] and names[-1] == "辽阳市"
    page.locator("#ranking .rank-bar").nth(2).click()
    expect(page.locator("#detail h2")).to_contain_text("铁岭")


@pytest.mark.parametrize("query", ["", "?city=210200", "?panel=province", "?panel=region&lang=en"])
def test_axe_finds_no_serious_or_critical_violation(page, base, query):
    from axe_playwright_python.sync_playwright import Axe

    open_map(page, base + query)
    if "city" in query:
        page.wait_for_selector("#detail h2")
    elif "panel" in query:
        page.wait_for_selector("#detail h2")
    results = Axe().run(page)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], bad


@pytest.mark.parametrize("spelling", ["大连", "Dalian", "210200", "庄河市"])
def test_the_search_box_takes_any_spelling_the_gazetteer_knows(page, base, spelling):
    open_map(page, base)
    page.locator("#city-search").fill(spelling)
    page.locator("#city-search").press("Enter")
    expect(page.locator("#detail h2")).to_contain_text("大连")
    expect(page.locator("#search-message")).to_contain_text("大连市")


def test_the_search_box_says_when_it_knows_no_such_place(page, base):
    open_map(page, base + "?lang=en")
    page.locator("#city-search").fill("Atlantis")
    page.locator("#city-search").press("Enter")
    expect(page.locator("#search-message")).to_contain_text("No city called “Atlantis”")


def test_a_region_view_highlights_its_members_and_dims_the_rest(page, base):
    open_map(page, base + "?panel=region&region=coastal_belt")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city[fill-opacity=\"0.2\"]').length === 8")
    members = page.eval_on_selector_all(
        CITY, "es => es.filter(e => e.getAttribute('fill-opacity') !== '0.2').map(e => e.getAttribute('aria-label'))")
    assert sorted(m.split("：")[0] for m in members) == sorted(["大连市", "丹东市", "锦州市", "营口市", "盘锦市", "葫芦岛市"])
    page.locator("#panel-tabs").get_by_role("tab", name="城市").click()
    page.wait_for_function("[...document.querySelectorAll('path.lnmap-city')]"
                           ".every(e => e.getAttribute('fill-opacity') === '0.88')")
