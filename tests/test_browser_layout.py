"""The dashboard at the five screen sizes people use (projector, laptop, small laptop, tablet, phone).

At each size the whole of Liaoning is on screen and no city lies under the legend, a button, the
zoom or the side panels: each city outline's bounding box is compared with every such box.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser
SIZES = [(1920, 1080), (1366, 768), (1024, 768), (768, 1024), (390, 844)]

#: True when every city outline is inside the map and the viewport, clear of every box drawn over
#: the map or beside it; else a list of what is wrong (for the failure message).
CLEAR = """() => {
  const cities = [...document.querySelectorAll('path.lnmap-city')];
  if (cities.length !== 14) return ['cities: ' + cities.length];
  const map = document.querySelector('#map').getBoundingClientRect();
  const boxes = [...document.querySelectorAll(
      '.map-box, .leaflet-control, .controls, .panel, .top, .notice, .drawer-backdrop')]
    .filter(e => { const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                   return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; });
  const W = innerWidth, H = innerHeight, bad = [];
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  for (const c of cities) {
    const r = c.getBoundingClientRect(), name = c.getAttribute('aria-label') || '?';
    if (r.left < map.left - 0.5 || r.right > map.right + 0.5 || r.top < map.top - 0.5 || r.bottom > map.bottom + 0.5)
      bad.push(name + ' outside the map');
    if (r.left < 0 || r.top < 0 || r.right > W || r.bottom > H) bad.push(name + ' off screen');
    for (const b of boxes) if (hit(r, b.getBoundingClientRect()))
      bad.push(name + ' under ' + (b.id || b.className));
  }
  return bad.length ? bad : true;
}"""


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def open_at(chromium, base, w, h, query=""):
    ctx = chromium.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    offline(page)
    page.goto(base + query)
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    page.wait_for_selector(".legend .legend-title")
    return ctx, page


def wait_clear(page):
    try:
        page.wait_for_function(f"({CLEAR})() === true", timeout=10_000)
    except Exception:
        pytest.fail(f"cities not clear: {page.evaluate(CLEAR)}")


@pytest.mark.parametrize("w,h", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_city_is_on_screen_and_clear_of_the_controls(chromium, base, w, h, lang):
    ctx, page = open_at(chromium, base, w, h, f"?lang={lang}&layers=context,labels,coastal_belt")
    try:
        page.wait_for_selector(".layer-legend .legend-row")  # the region legend is drawn too
        wait_clear(page)
        # The map is not a sliver: it takes at least half the width (or all of it on a phone).
        assert page.locator("#map").bounding_box()["width"] >= (0.45 * w if w >= 1024 else w - 2)
    finally:
        ctx.close()


def test_on_a_phone_the_map_comes_first_and_the_controls_open_in_a_drawer(chromium, base):
    ctx, page = open_at(chromium, base, 390, 844)
    try:
        assert page.locator("#map").bounding_box()["y"] < 80  # right under the title bar
        pollutant = page.locator("#pollutant")
        assert not pollutant.is_visible() or pollutant.bounding_box()["x"] + pollutant.bounding_box()["width"] <= 0
        page.locator("#toggle-controls").click()
        expect(page.locator("#toggle-controls")).to_have_attribute("aria-expanded", "true")
        page.wait_for_function("document.querySelector('#pollutant').getBoundingClientRect().left >= 0")
        page.locator("#pollutant").get_by_text("二氧化硫").click()
        page.wait_for_function("document.querySelector('.legend-title').textContent.includes('二氧化硫')")
        page.keyboard.press("Escape")
        page.wait_for_function("document.querySelector('#controls').getBoundingClientRect().right <= 0")
        wait_clear(page)
    finally:
        ctx.close()


def test_side_panels_collapse_and_the_map_goes_full_screen(chromium, base):
    ctx, page = open_at(chromium, base, 1366, 768)
    try:
        wait_clear(page)
        width = page.locator("#map").bounding_box()["width"]
        page.locator("#toggle-controls").click()
        expect(page.locator("#controls")).to_be_hidden()
        page.locator("#toggle-panel").click()
        expect(page.locator("#side-panel")).to_be_hidden()
        page.wait_for_function(f"document.querySelector('#map').getBoundingClientRect().width > {width + 500}")
        wait_clear(page)
        page.locator("#toggle-panel").click()
        page.locator("#toggle-controls").click()
        expect(page.locator("#side-panel")).to_be_visible()
        page.locator("#fullscreen").click()
        page.wait_for_function("document.querySelector('#map').getBoundingClientRect().height >= innerHeight - 2")
        expect(page.locator("header.top")).to_be_hidden()
        wait_clear(page)
        page.keyboard.press("Escape")
        expect(page.locator("header.top")).to_be_visible()
    finally:
        ctx.close()
