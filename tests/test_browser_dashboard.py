"""The dashboard in real headless Chromium (Debian's), driven by playwright.

One server per module: the app runs in-process on a free port in a thread.
"""

from __future__ import annotations

import io
import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.state import build_hideout, parse_query

pytestmark = pytest.mark.browser
CITY = "path.lnmap-city"


@pytest.fixture(scope="module")
def hits():
    """(method, path, status) of every request that reached the server, in order."""
    return []


@pytest.fixture(scope="module")
def served(hits):
    app = create_app()
    inner = app.server.wsgi_app

    def recording(environ, start_response):
        def start(status, headers, *exc):
            hits.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), int(status[:3])))
            return start_response(status, headers, *exc)

        return inner(environ, start)

    app.server.wsgi_app = recording
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    store = next(c for c in app.layout.children if getattr(c, "id", None) == "store").data
    yield f"http://127.0.0.1:{srv.server_port}", store
    srv.shutdown()
    thread.join(5)


@pytest.fixture
def base(served):
    return served[0]


def open_map(page, url):
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("http://127.0.0.1")
               else route.continue_())  # offline: anything not from the app fails
    page.goto(url)
    page.wait_for_function(f"document.querySelectorAll('{CITY}').length === 14", timeout=20_000)
    page.wait_for_selector(".legend .legend-title")


def fills(page):
    return page.eval_on_selector_all(CITY, "els => els.map(e => e.getAttribute('fill'))")


def click_city(page, name):
    """Click a city where its label is drawn: labels must let the click through to the city."""
    label = page.locator(".lnmap-label span", has_text=name).first
    label.wait_for()
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_page_shows_the_14_cities_offline(page, base):
    open_map(page, base + "/")
    assert page.locator(CITY).count() == 14
    page.wait_for_function("document.querySelectorAll('.lnmap-label').length === 14")
    assert page.locator(".leaflet-tile").count() == 0  # plain background, no tiles
    expect(page.locator(".legend")).to_contain_text("无数据")


def test_switching_so2_to_cod_recolours_without_a_server_request(page, base):
    open_map(page, base + "/?map_type=choropleth")  # totals as coloured classes (auto draws circles)
    page.locator("#pollutant").get_by_text("二氧化硫").click()
    page.wait_for_function("document.querySelector('.legend-title').textContent.includes('二氧化硫')")
    so2 = fills(page)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.locator("#pollutant").get_by_text("化学需氧量").click()
    page.wait_for_function("document.querySelector('.legend-title').textContent.includes('化学需氧量')")
    page.wait_for_function("([sel, before]) => [...document.querySelectorAll(sel)].some("
                           "(e, i) => e.getAttribute('fill') !== before[i])", arg=[CITY, so2])
    cod = fills(page)
    assert so2 != cod and len(set(cod)) > 1
    # Restyled in the browser: no callback round trip, no geometry.
    assert [u for u in requests if "favicon" not in u] == []


def test_after_the_first_load_switches_and_clicks_fetch_no_file(page, base, hits):
    """Static files (favicon, scripts, styles, GeoJSON) are cached with versioned URLs: after
    the first load the server sees only the callbacks that render a city's panel, although
    every switch and click rewrites the address (which makes Chromium look at the favicon)."""
    open_map(page, base + "/")
    page.wait_for_load_state("networkidle")
    mark = len(hits)
    page.locator("#pollutant").get_by_text("二氧化硫").click()
    page.wait_for_function("location.search.includes('so2')")
    click_city(page, "沈阳市")
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('沈阳')")
    page.locator("#pollutant").get_by_text("化学需氧量").click()
    page.wait_for_function("location.search.includes('cod')")
    # A last round trip: a favicon request made after any address change above reaches the
    # server before this callback's answer reaches the page.
    page.locator("#ranking").get_by_text("大连市").click()
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('大连')")
    after = hits[mark:]
    assert after and set(after) == {("POST", "/_dash-update-component", 200)}, after


def test_clicking_shenyang_shows_its_cod_baseline_with_citation(page, base):
    open_map(page, base + "/")
    click_city(page, "沈阳市")
    detail = page.locator("#detail")
    detail.get_by_text("241,522.89").first.wait_for()
    text = detail.inner_text()
    assert "沈阳市" in text and "241,522.89" in text and "吨" in text
    assert "辽政发〔2017〕21号 附件2" in text
    assert "city=210100" in page.evaluate("location.search")


def test_clicks_always_update_the_panel(page, base):
    open_map(page, base + "/")
    click_city(page, "沈阳市")
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('沈阳')")
    page.locator("#ranking").get_by_text("大连市").click()  # a bar selects a city too
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('大连')")
    assert "selected" in page.locator(".rank-bar.selected").get_attribute("class")
    click_city(page, "沈阳市")  # same polygon as before: clickData is unchanged, n_clicks is not
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('沈阳')")
    page.locator("#panel-tabs").get_by_role("tab", name="全省").click()
    page.locator("#detail").get_by_text("省直管电厂").first.wait_for()
    click_city(page, "沈阳市")  # the same city again, from the province view
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('沈阳')")


#: From the page's first script on: the time the 14 cities were first drawn with their fills.
FILL_CLOCK = """(() => {
  const tick = () => {
    const filled = [...document.querySelectorAll('path.lnmap-city')].filter(p => p.getAttribute('fill')).length;
    if (filled === 14) window.__filled = performance.now(); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()"""


def test_the_first_map_waits_for_no_server_callback_and_the_lists_come_after(page, base):
    """Server callbacks at load (the datasets, the plans, the account) used to hold the first map back:
    the map's callbacks waited for their answer. They run once the map is drawn (assets/map_*.js sets
    "boot"); the account line and the dataset list must still come."""
    page.add_init_script(FILL_CLOCK)
    open_map(page, base + "/")
    page.locator("#account a[href*='/login']").wait_for()  # _account ran after the boot
    filled = page.evaluate("window.__filled")
    starts = page.evaluate("performance.getEntriesByType('resource')"
                           ".filter(e => e.name.includes('_dash-update-component')).map(e => e.startTime)")
    assert filled and starts, (filled, starts)
    assert min(starts) > filled  # no callback request before the map was drawn


#: Click a control; the cities' fills and the circles' outlines before the click and in the first frame after it.
NEXT_FRAME = """async (sel) => {
  const look = () => [[...document.querySelectorAll('path.lnmap-city')].map(e => e.getAttribute('fill')).join(),
                      [...document.querySelectorAll('path.lnmap-symbol')].map(e => e.getAttribute('d')).join()];
  const before = look();
  document.querySelector(sel).click();
  return [before, await new Promise(r => requestAnimationFrame(() => r(look())))];
}"""


@pytest.mark.parametrize("map_type", ["choropleth", "symbols"])
def test_a_switch_is_drawn_in_the_next_frame_as_dash_then_draws_it(page, base, map_type):
    """A pollutant click redraws the map before Dash's renderer runs (assets/map_*.js, the preview): the first
    frame must already show the new pollutant, and exactly what the full update draws after it."""
    open_map(page, base + f"/?map_type={map_type}")
    before, first = page.evaluate(NEXT_FRAME, "#pollutant input[value=so2]")
    k = 0 if map_type == "choropleth" else 1
    assert first[k] != before[k]  # the colours (or the circles) changed in the very next frame
    page.wait_for_function("document.querySelector('.legend').textContent.includes('二氧化硫')")
    page.wait_for_function("location.search.includes('so2_emission_2015_t')")
    page.wait_for_timeout(300)  # dash-leaflet's own redraw of the same hideout
    after = page.evaluate(NEXT_FRAME.replace("document.querySelector(sel).click();", ""), "")[0]
    assert after == first  # the preview drew what Dash draws


#: Click 沈阳's ranking bar; in the first frame whose panel heading names the city, the text of the open
#: section's body (null: no open section with a body yet).
FIRST_FRAME = """() => new Promise(done => {
  [...document.querySelectorAll('#ranking .rank-bar')].find(b => b.textContent.includes('沈阳')).click();
  const tick = () => {
    if (!(document.querySelector('#detail h2')?.textContent || '').includes('沈阳')) return requestAnimationFrame(tick);
    const body = document.querySelector('#detail details[open] > .section-body');
    done(body ? body.innerText : null);
  };
  requestAnimationFrame(tick);
})"""


def test_the_panel_sections_arrive_as_text_and_show_when_open(page, base):
    """The sections come as HTML text (layout.folded): the open one must be on screen in the very frame
    the panel names the city, a closed one when it is opened."""
    open_map(page, base + "/")
    shown = page.evaluate(FIRST_FRAME)
    assert shown and "241,522.89" in shown  # 附件2: 沈阳 COD 2015
    so2 = page.locator("#detail details.section-so2")
    assert so2.locator(".section-body").inner_text() == ""  # closed: nothing mounted yet
    so2.locator("summary").click()
    expect(so2.locator(".section-body")).to_contain_text("附件4")


def test_toggling_ports_shows_port_markers(page, base):
    open_map(page, base + "/")
    assert page.locator(".lnmap-site-port").count() == 0
    page.locator("#layers").get_by_text("港口").click()
    page.wait_for_function("document.querySelectorAll('.lnmap-site-port').length >= 3")
    page.locator(".lnmap-site-port").first.click()
    popup = page.locator(".lnmap-popup")
    popup.wait_for()
    assert "辽政发〔2017〕21号 第（十六）项" in popup.inner_text() or "大发改" in popup.inner_text()
    assert "clause" not in popup.inner_text()  # the Chinese screen says 第…项
    page.locator("#layers").get_by_text("港口").click()
    page.wait_for_function("document.querySelectorAll('.lnmap-site-port').length === 0")


def test_url_reopens_the_view(page, base):
    query = "?indicator=so2_cut_target_pct&scheme=equal_interval&city=210200&layers=labels,port,coastal_belt&lang=en&basemap=none"
    open_map(page, base + "/" + query)
    page.wait_for_function("document.querySelector('#detail h2')?.textContent.includes('Dalian')")
    expect(page.locator("#pollutant input[value=so2]")).to_be_checked()
    expect(page.locator("#measure input[value=cut_target]")).to_be_checked()
    expect(page.locator("#scheme input[value=equal_interval]")).to_be_checked()
    expect(page.locator(".legend-title")).to_contain_text("SO2")
    page.wait_for_selector(".lnmap-site-port")
    page.wait_for_selector(".lnmap-region-coastal_belt")  # outlines arrive after the cities
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "indicator=so2_cut_target_pct" in page.evaluate("location.search")


def test_english_switch_changes_labels(page, base):
    open_map(page, base + "/")
    assert "辽宁减污降碳指标地图" in page.locator("h1").inner_text()
    page.locator("#lang").get_by_text("English").click()
    page.wait_for_function("document.querySelector('h1').textContent.includes('Liaoning')")
    page.wait_for_selector(".lnmap-label span:text('Shenyang')")
    expect(page.locator(".legend")).to_contain_text("no data")
    expect(page.locator("#pollutant").get_by_text("Energy")).to_have_count(1)
    page.wait_for_function("location.search.includes('lang=en')")


def test_other_plans_show_liaoyuan_marked_outside(page, base):
    open_map(page, base + "/")
    assert page.locator(".lnmap-other").count() == 0
    page.locator("#layers").get_by_text("其他规划").click()
    page.wait_for_selector(".lnmap-other")
    page.locator(".lnmap-other").first.click(force=True)
    page.locator("#detail").get_by_text("辽宁省外").wait_for()
    expect(page.locator("#detail")).to_contain_text("辽府发〔2022〕4号")


def test_gaode_basemap_shifts_overlays_and_names_the_datum(page, base):
    open_map(page, base + "/")
    page.locator("#basemap").get_by_text("高德").click()
    page.wait_for_function("document.querySelector('#datum-note').textContent.includes('GCJ-02')")
    page.wait_for_selector(".leaflet-tile", state="attached")
    expect(page.locator(CITY)).to_have_count(14)  # the cities, reloaded shifted to GCJ-02


def test_browser_twins_match_python(page, served):
    base, store = served
    open_map(page, base + "/")
    cases = [(i, s, sel, lang) for i in store["indicators"] for s in store["schemes"]
             for sel, lang in ((None, "zh"), ("210100", "en"))]
    got = page.evaluate("([s, cases]) => cases.map(c => window.lnmap.hideout(s, c[0], c[1], c[2], c[3]))",
                        [store, cases])
    assert got == [build_hideout(store, *c) for c in cases]
    queries = ["", "?indicator=nox_cap_2020_t&city=沈阳&layers=port,bogus&lang=en", "?layers=&basemap=gaode&panel=region",
               "?layers=xyz&indicator=no_such_indicator", "?level=county&city=210106", "?level=town&city=210100",
               "?city=210200&level=city", "?city=210000", "?city=219900"]
    got = page.evaluate("([s, qs]) => qs.map(q => window.lnmap.parseQuery(q, s))", [store, queries])
    assert got == [parse_query(q, store).to_dict() for q in queries]
    assert [v["city"] for v in got[4:]] == ["210106", "210100", "210200", None, None]  # a county's code, the province's not
    assert [v["level"] for v in got[4:7]] == ["county", "city", "city"]
    # With the counties in the store (they come with the CO2 inventories), only theirs.
    with_counties = {**store, "counties": {"210106": {"name_zh": "铁西区", "name_en": "Tiexi District", "city": "210100"}}}
    queries = ["?level=county&city=210106", "?level=county&city=210303"]
    got = page.evaluate("([s, qs]) => qs.map(q => window.lnmap.parseQuery(q, s))", [with_counties, queries])
    assert got == [parse_query(q, with_counties).to_dict() for q in queries]
    assert [v["city"] for v in got] == ["210106", None]


def test_hover_tooltip_names_city_value_and_unit(page, base):
    open_map(page, base + "/")
    label = page.locator(".lnmap-label span", has_text="沈阳市").first
    label.wait_for()
    box = label.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 12)
    tip = page.locator(".lnmap-tip")
    expect(tip).to_contain_text("沈阳市")
    expect(tip).to_contain_text("241,522.89 吨")


def test_a_second_visit_downloads_no_file_again(chromium, served, hits):
    """With a warm cache the server sends the page and its state, no file: versioned files come
    from the cache, and Dash's unversioned lazy chunks are only revalidated (304, no body).
    No request routing here: playwright turns Chromium's HTTP cache off for a routed page."""
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(served[0] + "/")
        page.wait_for_function(f"document.querySelectorAll('{CITY}').length === 14")
        page.wait_for_load_state("networkidle")
        mark = len(hits)
        page.goto(served[0] + "/")
        page.wait_for_function(f"document.querySelectorAll('{CITY}').length === 14")
        page.wait_for_load_state("networkidle")
        dynamic = {"/", "/_dash-layout", "/_dash-dependencies", "/_dash-update-component"}
        # Dash loads its lazy chunks (async-*.js) from URLs without a version: those may be revalidated.
        lazy = re.compile(r"^/_dash-component-suites/.+/async-[\w-]+\.js$")
        sent = [(p, status) for _, p, status in hits[mark:]
                if p not in dynamic and not (status == 304 and lazy.match(p))]
        assert sent == [], sent
    finally:
        ctx.close()


def _annex_column(text: str, annex: int, column: int) -> dict[str, float]:
    """Short city name -> the value printed in ``column`` of annex ``annex``, read from the
    document text (independent of the parser and the app)."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if re.fullmatch(rf"附件\s*{annex}\s*", ln.strip()))
    out = {}
    for ln in lines[start + 1:]:
        if re.fullmatch(r"附件\s*\d\s*", ln.strip()):
            break
        cells = ln.split("\t")
        name = re.sub(r"\s", "", cells[0])
        if len(cells) > column and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) and name != "合计":
            try:
                out[name] = float(cells[column].strip().rstrip("%"))
            except ValueError:
                continue
    return out


def _rgb(css: str) -> tuple[int, ...]:
    css = css.strip()
    if css.startswith("#"):
        return tuple(int(css[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(int(x) for x in re.findall(r"\d+", css)[:3])


def test_every_city_wears_the_colour_of_its_legend_class(page, base, seeds_dir):
    """The 2015 COD emissions of 附件2 (read from the document text), placed in the legend's
    classes as the legend prints them: each city's fill is that class's swatch, drawn opaque
    enough to see, and the screen pixels inside the city are that colour, not the background."""
    from PIL import Image

    values = _annex_column(next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8"), 2, 1)
    assert len(values) == 14, values
    open_map(page, base + "/?indicator=cod_emission_2015_t&scheme=quantiles&map_type=choropleth")
    page.wait_for_function("document.querySelectorAll('.lnmap-label').length === 14")
    rows = page.eval_on_selector_all(
        ".legend .legend-row", "rs => rs.map(r => [getComputedStyle(r.querySelector('.swatch')).backgroundColor,"
        " r.innerText])")
    classes = []  # (lower, upper, colour, decimals printed)
    for colour, text in rows:
        nums = re.findall(r"-?[\d,]+(?:\.\d+)?", text)
        if nums:
            decimals = len(nums[-1].partition(".")[2])
            lo, hi = (float(n.replace(",", "")) for n in (nums[0], nums[-1]))
            classes.append((lo, hi, _rgb(colour), decimals))
    assert len(classes) >= 3, rows
    page.add_style_tag(content=".lnmap-label { visibility: hidden; }")  # labels let clicks through; hide them
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    seen = {}
    for name, v in values.items():
        box = page.locator(".lnmap-label span", has_text=name).first.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        fill, opacity = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y);"
            " return e && e.classList.contains('lnmap-city') ? [e.getAttribute('fill'), e.getAttribute('fill-opacity')]"
            " : [null, null]; }", [x, y])
        assert fill is not None, f"no city shape under the {name} label"
        # The class whose printed range holds the value; on a printed edge either neighbour will do.
        ok = set()
        for lo, hi, colour, decimals in classes:
            tol = 0.5 * 10 ** -decimals
            if lo - tol <= v <= hi + tol:
                ok.add(colour)
        assert _rgb(fill) in ok, (name, v, fill, classes)
        assert float(opacity) >= 0.5, (name, opacity)
        a = float(opacity)
        expected = tuple(round(c * a + 255 * (1 - a)) for c in _rgb(fill))  # over the white map background
        px = shot.getpixel((int(x), int(y)))
        assert all(abs(p - e) <= 8 for p, e in zip(px, expected)), (name, px, expected)
        seen[name] = _rgb(fill)
    assert len(set(seen.values())) >= 3  # a real choropleth, not one flat colour
