"""Totals as proportional circles on the dashboard map (issue 10, item 1): the map type follows the
measure, a user can force either. Expected values are read from 附件4 of 辽政发〔2017〕21号 (the
document text), not from the app."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from tests.dashboard_server import offline, serve_dashboard
from tests.test_browser_dashboard import _annex_column

pytestmark = pytest.mark.browser
CITY, SYMBOL = "path.lnmap-city", "path.lnmap-symbol"


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def _open(page, url: str) -> None:
    offline(page)
    page.goto(url)
    page.wait_for_function(f"document.querySelectorAll('{CITY}').length === 14")


def _radii(page) -> list[float]:
    """Each circle's drawn radius in pixels (Leaflet draws a circle marker as an SVG arc path)."""
    return page.eval_on_selector_all(SYMBOL, "els => els.map(e => e.getBBox().width / 2)")


def test_totals_are_area_true_circles_over_a_neutral_base(page, base, seeds_dir):
    so2 = _annex_column(next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8"), 4, 1)
    _open(page, base + "?indicator=so2_emission_2015_t")
    page.wait_for_function(f"document.querySelectorAll('{SYMBOL}').length === 14")
    radii = sorted(_radii(page))
    # Area ∝ value: the radius ratio of the smallest and largest circle is √(min ÷ max) of the annex values.
    expected = math.sqrt(min(so2.values()) / max(so2.values()))
    assert radii[0] / radii[-1] == pytest.approx(expected, rel=0.03)
    fills = set(page.eval_on_selector_all(CITY, "els => els.map(e => e.getAttribute('fill'))"))
    assert len(fills) == 1, "under the circles the cities carry no value"
    expect(page.locator(".legend")).to_contain_text("圆的面积与数值成正比")
    expect(page.locator(".legend")).to_contain_text("100,000 吨")


def test_a_rate_stays_a_choropleth_and_a_user_can_force_either(page, base):
    _open(page, base + "?indicator=so2_project_coverage_pct&lang=en")
    page.wait_for_selector(".legend .legend-title")
    expect(page.locator(SYMBOL)).to_have_count(0)
    _open(page, base + "?indicator=nox_cap_2020_t&lang=en")
    page.wait_for_function(f"document.querySelectorAll('{SYMBOL}').length === 14")
    page.locator("#map-type label", has_text="Coloured classes").click()
    expect(page.locator(SYMBOL)).to_have_count(0)
    page.wait_for_function(f"new Set([...document.querySelectorAll('{CITY}')].map(e => e.getAttribute('fill'))).size > 3")
    assert "map_type=choropleth" in page.url
    page.locator("#map-type label", has_text=re.compile("^Proportional circles$")).click()
    page.wait_for_function(f"document.querySelectorAll('{SYMBOL}').length === 14")
    expect(page.locator(".legend")).to_contain_text("Circle area is proportional to the value")


@pytest.mark.parametrize(("values", "decimals"), [
    ([241522.89, 26274.0], 0),   # tonnes from 1,000 up: whole numbers
    ([18.767, 2.652], 2),        # from 1: two decimals
    ([0.13, 0.095, 0.02], 3),    # below 1 (NH3-N's required cut per km²): three, or 0.095 and 0.104 print alike
    ([0.5, 0.25], 2),            # fewer when the values need fewer
])
def test_legend_decimals_agree_in_the_browser_and_the_exports(page, base, values, decimals):
    """assets/map_*.js decimalsFor and geo.core.vocabulary.decimals_for, each against the hand-picked answer."""
    from geo.core.vocabulary import decimals_for

    _open(page, base)
    assert page.evaluate("v => window.lnmap.decimalsFor(v)", values) == decimals
    assert decimals_for(values) == decimals


def test_circles_lie_over_the_cities_whichever_file_arrives_first(page, base):
    """The circles are in their own pane, after the cities' in the page (so painted over them). Made in the
    cities' pane they were drawn under the grey cities (pale, cut at the coast) whenever the circles' file
    arrived first: after the first map stopped waiting for the server, that was most loads."""
    _open(page, base + "?indicator=so2_emission_2015_t")
    page.wait_for_function(f"document.querySelectorAll('{SYMBOL}').length === 14")
    placed = page.evaluate(f"""() => {{
      const circles = [...document.querySelectorAll('{SYMBOL}')].map(e => e.closest('.leaflet-pane'));
      const cities = document.querySelector('{CITY}').closest('.leaflet-pane');
      return [new Set(circles.map(p => p.className)).size, circles[0] !== cities,
              !!(cities.compareDocumentPosition(circles[0]) & Node.DOCUMENT_POSITION_FOLLOWING),
              Number(getComputedStyle(circles[0]).zIndex) >= Number(getComputedStyle(cities).zIndex)];
    }}""")
    assert placed == [1, True, True, True], placed
