"""The first frame (dashboard/preview.py, assets/map_*.js) in headless Chromium: on screen before Dash
runs, the same map Leaflet then draws, in the same place, and gone once Leaflet has drawn."""

from __future__ import annotations

import io

import pytest

from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser

#: For each part of the first frame (cities, circles, names): its look and screen boxes in every frame while it
#: is shown, and Leaflet's in the first frame after it was taken away (when Leaflet has painted its own).
RECORD = """
window.__first = {}; window.__leaflet = {}; window.__initial = null;
const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const look = e => ({fill: e.getAttribute('fill'), stroke: e.getAttribute('stroke'), width: +e.getAttribute('stroke-width'),
                    dash: e.getAttribute('stroke-dasharray') || null, opacity: +e.getAttribute('fill-opacity'), box: box(e)});
const all = sel => [...document.querySelectorAll(sel)];
const PARTS = {
  cities: ['.lnmap-preview-cities',
           () => Object.fromEntries(all('#lnmap-preview path.lnmap-preview-city').map(e => [e.dataset.adcode, look(e)])),
           () => Object.fromEntries(all('path.lnmap-city').map(e => [e.getAttribute('aria-label').split('：')[0], look(e)]))],
  circles: ['.lnmap-preview-circles',
            () => [...document.querySelectorAll('#lnmap-preview circle')].map(box),
            () => [...document.querySelectorAll('path.lnmap-symbol')].map(box)],
  names: ['.lnmap-preview-labels',
          () => [...document.querySelectorAll('#lnmap-preview text')].map(t => t.textContent).sort(),
          () => [...document.querySelectorAll('.lnmap-label span')].map(t => t.textContent).sort()],
};
const tick = () => {
  if (!window.__initial && document.querySelector('#lnmap-preview path.lnmap-preview-city')) {
    window.__initial = {cities: PARTS.cities[1](), circles: [...document.querySelectorAll('#lnmap-preview circle')].map(
      e => [e.dataset.adcode, e.getAttribute('fill')]), dash: !!document.getElementById('controls')};
  }
  for (const [k, [sel, mine, theirs]] of Object.entries(PARTS)) {
    const el = document.querySelector('#lnmap-preview ' + sel);
    if (el && el.style.display !== 'none') window.__first[k] = mine();
    else if (window.__first[k] && !window.__leaflet[k]) window.__leaflet[k] = theirs();
  }
  if (Object.keys(window.__leaflet).length < 3) requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
"""


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def names(page) -> dict[str, str]:
    """adcode -> the name the page's language shows (from the first frame's own data)."""
    return page.evaluate("""() => {
      const d = JSON.parse(document.getElementById('lnmap-preview-data').textContent);
      return Object.fromEntries(d.geo.cities.map(c => [c.a, d.view.lang === 'en' ? c.en : c.zh]));
    }""")


def test_the_map_is_on_screen_before_dash_runs(chromium, base):
    """With Dash's renderer refused, the page still shows the 14 cities with their circles and names:
    the first frame needs neither Dash nor the layout nor the GeoJSON."""
    ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    offline(page)
    page.route("**/dash_renderer*", lambda route: route.abort())
    page.goto(base)
    page.wait_for_function("document.querySelectorAll('#lnmap-preview path.lnmap-preview-city[fill]').length === 14")
    assert page.locator("#lnmap-preview circle").count() == 14  # COD 2015 is a total: circles, every city has one
    shown = sorted(page.locator("#lnmap-preview text").all_text_contents())
    assert shown == sorted(names(page).values()) and "沈阳市" in shown
    assert page.locator(".leaflet-container").count() == 0
    box = page.locator("#lnmap-preview").bounding_box()
    assert box["width"] > 400 and box["height"] > 400  # a map, not a thumbnail
    ctx.close()


@pytest.mark.parametrize("query", [
    "?map_type=choropleth",
    "",  # circles on grey cities
    "?indicator=so2_cut_target_pct&lang=en",  # all 14 cities equal
    "?indicator=nox_cap_2020_t&scheme=natural_breaks&map_type=choropleth&city=210200",  # a selected city
    "?panel=region&region=coastal_belt&indicator=nh3n_cut_target_pct",  # members stand out, the rest dimmed
])
def test_leaflet_draws_the_same_map_in_the_same_place(chromium, base, query):
    """The first frame agrees with Leaflet's first drawing city by city: as first drawn (from the server's
    data, before Dash) in colour, outline and opacity; as last shown (inside the map) also in screen box
    (within 2 px: the two simplify differently); circles by centre and size; names alike. A preview with a
    wrong colour, another view or a shifted projection would differ."""
    ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    offline(page)
    page.add_init_script(RECORD)
    page.goto(base + query)
    page.wait_for_function("Object.keys(window.__leaflet).length === 3")
    first, leaflet, label = page.evaluate("window.__first"), page.evaluate("window.__leaflet"), names(page)
    initial = page.evaluate("window.__initial")
    ctx.close()
    # The frame drawn from the server's data alone, before Dash has put up the page (no controls yet), already
    # has Leaflet's colours.
    assert initial["dash"] is False and len(initial["cities"]) == 14
    for adcode, mine in initial["cities"].items():
        theirs = leaflet["cities"][label[adcode]]
        for key in ("fill", "stroke", "width", "dash", "opacity"):
            assert mine[key] == theirs[key], ("first drawn", label[adcode], key, mine[key], theirs[key])
    assert len(initial["circles"]) == len(leaflet["circles"])
    assert len(first["cities"]) == 14 and len(leaflet["cities"]) == 14
    for adcode, mine in first["cities"].items():
        theirs = leaflet["cities"][label[adcode]]
        for key in ("fill", "stroke", "width", "dash", "opacity"):
            assert mine[key] == theirs[key], (label[adcode], key, mine[key], theirs[key])
        assert max(abs(a - b) for a, b in zip(mine["box"], theirs["box"], strict=True)) <= 2, \
            (label[adcode], mine["box"], theirs["box"])
    assert len(first["circles"]) == len(leaflet["circles"])
    left = list(leaflet["circles"])  # Leaflet's circles carry no adcode: each of ours pairs with the nearest
    for mine in first["circles"]:
        off, k = min((max(abs(a - b) for a, b in zip(mine, theirs, strict=True)), k) for k, theirs in enumerate(left))
        assert off <= 1.5, (mine, left)
        left.pop(k)
    assert first["names"] == leaflet["names"] and len(first["names"]) == 14


def test_the_first_frame_goes_and_a_link_with_a_dataset_gets_none(page, base):
    offline(page)
    page.goto(base + "?indicator=cod_cut_target_pct")
    page.wait_for_function("document.documentElement.dataset.firstFrame === 'done'")
    assert page.locator("#lnmap-preview").count() == 0
    page.goto(base + "?dataset=obs-20261122T101010123456-0123abcd")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    assert page.locator("#lnmap-preview-data").count() == 0
    assert page.locator("#lnmap-preview").count() == 0


@pytest.fixture(scope="module")
def recorded():
    """The dashboard behind a WSGI layer that records every GeoJSON request it answers and, while ``late`` is
    set, answers the cities' outlines 2.5 s late, as over a slow link."""
    import time

    state = {"hits": [], "late": False, "slow_account": False, "posts": []}

    def recording(wsgi):
        def layer(environ, start_response):
            path = environ.get("PATH_INFO", "")
            if path.endswith("/_dash-update-component"):
                body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                environ["wsgi.input"] = io.BytesIO(body)
                state["posts"].append(body.decode("utf-8", "replace"))
                if state["slow_account"] and b'"account"' in body:
                    time.sleep(1.5)  # the last answer of the page's first round, late
            if path.endswith(".geojson"):
                state["hits"].append(path.rsplit("/", 1)[-1])
                if state["late"] and path.endswith("/cities.geojson"):
                    time.sleep(2.5)
            return wsgi(environ, start_response)
        return layer

    with serve_dashboard(recording) as url:
        yield url, state


def test_leaflet_reads_its_geojson_from_the_first_frame(chromium, recorded):
    """The first frame fetches and parses the outlines, names and neighbours while Dash starts; Leaflet's own
    request of each file is answered from that copy, without a request (the names, read twice because they also
    place the circles, the second time from the browser's cache), and the server answers each file once. A URL
    that differed from Leaflet's (say, without its version) would send everything twice."""
    base, state = recorded
    ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()  # not routed: playwright turns the HTTP cache off for a routed page (no basemap: all local)
    state["hits"].clear()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.split("?")[0].rsplit("/", 1)[-1]) if ".geojson" in r.url else None)
    page.goto(base)
    page.wait_for_function("document.documentElement.dataset.firstFrame === 'done'")
    page.wait_for_load_state("networkidle")
    ctx.close()
    for name in ("cities.geojson", "labels.geojson", "context.geojson"):
        assert state["hits"].count(name) == 1, (name, state["hits"])
    assert asked.count("cities.geojson") == 1 and asked.count("context.geojson") == 1, asked  # the first frame's


def test_a_city_clicked_in_the_first_frame_opens_once_the_map_is_up(page, recorded):
    """A click on 大连 before Leaflet has its outlines is not lost: the first frame outlines 大连 at once, and its
    panel opens when the map is drawn, as a click on the map would open it."""
    base, state = recorded
    state["late"] = True
    offline(page)
    page.goto(base + "?indicator=so2_cap_2020_t")
    page.wait_for_function("document.querySelectorAll('#lnmap-preview path.lnmap-preview-city').length === 14")
    # A point inside 大连's outline (its box's centre may be sea), found with the path's own hit test.
    x, y = page.evaluate("""() => {
      const p = document.querySelector("#lnmap-preview path[data-adcode='210200']"), r = p.getBoundingClientRect();
      const m = p.getScreenCTM().inverse(), svg = p.ownerSVGElement;
      for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
        const x = r.left + r.width * i / 20, y = r.top + r.height * j / 20;
        const q = new DOMPoint(x, y).matrixTransform(m);
        if (p.isPointInFill(q) && document.elementsFromPoint(x, y).includes(p)) return [x, y];
      }
      return null;
    }""")
    page.mouse.click(x, y)
    assert page.locator("path.lnmap-city").count() == 0  # Leaflet has no city yet
    dalian = page.locator("#lnmap-preview path.lnmap-preview-city[data-adcode='210200']")
    assert dalian.get_attribute("stroke") == "#111"  # the selected city's outline, as Leaflet draws it
    # ... and it stays outlined in every frame the first frame's cities are shown, Dash's first view included.
    page.evaluate("""() => { window.__lost = 0; const tick = () => {
      const g = document.querySelector('#lnmap-preview .lnmap-preview-cities');
      if (!g || g.style.display === 'none') return;
      if (g.querySelector("[data-adcode='210200']").getAttribute('stroke') !== '#111') window.__lost++;
      requestAnimationFrame(tick); }; requestAnimationFrame(tick); }""")
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('大连')")
    assert page.evaluate("window.__lost") == 0
    page.wait_for_function("document.querySelector('path.lnmap-city.lnmap-selected')")
    assert "city=210200" in page.url
    state["late"] = False


def test_a_press_on_a_city_before_the_first_answers_are_in_opens_it_once(page, recorded):
    """Leaflet's cities take presses while the page's first server round (the datasets, then the account box)
    is still coming: a press and release on 大连 then, with no click event (Chromium sent none for some such
    presses on a busy machine), opens 大连's panel once that round is over, with one request for it."""
    base, state = recorded
    state["slow_account"] = True
    try:
        offline(page)
        page.goto(base + "?indicator=so2_cap_2020_t")
        page.wait_for_function("document.querySelectorAll('path.lnmap-city[data-adcode]').length === 14")
        before = len(state["posts"])
        page.evaluate("""() => {
          const p = document.querySelector("path.lnmap-city[data-adcode='210200']"), r = p.getBoundingClientRect();
          let at = null;
          for (let i = 1; i < 20 && !at; i++) for (let j = 1; j < 20 && !at; j++) {
            const x = r.left + r.width * i / 20, y = r.top + r.height * j / 20;
            if (document.elementFromPoint(x, y) === p) at = [x, y];
          }
          const o = { bubbles: true, cancelable: true, isPrimary: true, button: 0, pointerId: 1, pointerType: "mouse",
                      clientX: at[0], clientY: at[1] };
          p.dispatchEvent(new PointerEvent("pointerdown", o));
          p.dispatchEvent(new PointerEvent("pointerup", o));
        }""")
        assert not any('"detail"' in b for b in state["posts"][before:])  # not yet: the first round is not over
        page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('大连')")
        assert "city=210200" in page.url
        page.wait_for_load_state("networkidle")
        assert sum('{"id":"detail","property":"children"}' in b for b in state["posts"][before:]) == 1
    finally:
        state["slow_account"] = False


def test_a_zoom_before_the_cities_arrive_is_kept(page, recorded):
    """The user zooms in while only the first frame shows the cities: the map stays zoomed (the first frame
    follows it), and Leaflet's cities arrive at that zoom instead of being fitted back to the whole province."""
    base, state = recorded
    state["late"] = True
    offline(page)
    page.goto(base)
    page.locator(".leaflet-control-zoom-in").wait_for()
    assert page.locator("path.lnmap-city").count() == 0
    width = "() => { const b = [...document.querySelectorAll(SEL)].map(e => e.getBoundingClientRect());" \
            " return Math.max(...b.map(r => r.right)) - Math.min(...b.map(r => r.left)); }"
    before = page.evaluate(width.replace("SEL", "'#lnmap-preview path.lnmap-preview-city'"))
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    page.wait_for_function("document.documentElement.dataset.firstFrame === 'done'")
    after = page.evaluate(width.replace("SEL", "'path.lnmap-city'"))
    state["late"] = False
    assert after > 1.3 * before, (before, after)  # zoomDelta 0.5: 1.41 times as wide
