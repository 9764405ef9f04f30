"""Measures over years in the dashboard: the year picker, the annual measures in the browser store,
and a city's trajectory chart (issue 11). Expected values are worked by hand from the fixture
(tests/fixtures/observed_years_so2.csv, invented) and 附件4 of 辽政发〔2017〕21号."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dashboard.state import annual_payload, asked_year, browser_store, observed_store
from dashboard.trajectory import trajectory_figure
from geo.core.settings import Settings
from geo.measures.observed import import_observed, load_observed, trajectory
from geo.measures.view import load_view_data, with_observed

FIXTURE = Path(__file__).parent / "fixtures" / "observed_years_so2.csv"
SHENYANG, DALIAN, ANSHAN = "210100", "210200", "210300"
# 附件4 第1、2列: 沈阳 SO2 2015 = 101296.2 t, cut 16.5 % -> cap 84,582.33 t (101296.2 × 0.835 = 84582.327).
# Path 2018 = 101296.2 − (101296.2 − 84582.33) × 3/5 = 101296.2 − 10028.322 = 91,267.878 -> 91,267.88.
PATH_2018 = 91267.88
PATH_2016 = 97953.43  # 101296.2 − 16713.87 × 1/5 = 97,953.426


@pytest.fixture(scope="module")
def base():
    data = load_view_data(observed=pd.DataFrame())
    return data, browser_store(data)


@pytest.fixture
def observed(tmp_path):
    settings = Settings(store_dir=tmp_path)
    meta = import_observed(FIXTURE.read_bytes(), name=FIXTURE.name, settings=settings, actor="test")
    return load_observed(str(meta["dataset_id"]), settings), meta


def test_store_holds_each_year_and_the_path_with_hand_worked_values(base, observed):
    data, store = base
    rows, meta = observed
    out = observed_store(store, data, rows, meta)
    inds = out["indicators"]
    assert inds["so2_emission_2018_observed_t"]["values"][SHENYANG] == 90000
    assert inds["so2_emission_2016_observed_t"]["values"][DALIAN] == 30000
    assert inds["cod_emission_2018_observed_t"]["values"][DALIAN] == 165000  # 16.5 万吨
    assert inds["so2_path_2018_t"]["values"][SHENYANG] == PATH_2018
    assert inds["so2_path_2016_t"]["values"][SHENYANG] == PATH_2016
    assert inds["so2_ahead_of_path_2018_t"]["values"][SHENYANG] == pytest.approx(1267.88, abs=1e-9)
    assert inds["so2_ahead_of_path_2016_t"]["values"][SHENYANG] == pytest.approx(-46.57, abs=1e-9)
    # A city with no observed value that year: no data, never zero.
    assert inds["so2_emission_2018_observed_t"]["values"]["210400"] is None
    # The year picker's series: the years the file has, and the whole path 2016–2020.
    series = out["series"]["so2"]
    assert sorted(series["observed_year"]) == ["2016", "2018"]
    assert sorted(series["path"]) == ["2016", "2017", "2018", "2019", "2020"]
    assert series["observed_year"]["2018"] == "so2_emission_2018_observed_t"
    assert out["measures"]["so2"][-3:] == ["observed_year", "path", "ahead_of_path"]
    assert "nh3n" not in out["series"]  # no NH3-N in the file: no series offered


def test_energy_years_join_the_energy_measures(base):
    """Yearly energy-intensity declines compound (geo.measures.energy): 沈阳 4.1 % then 3.5 % ->
    1 − 0.959 × 0.965 = 0.074565 -> 7.46 % by 2017. A year no city has (cumulative 2018–2020 after
    the file's last year) is not offered."""
    from geo.measures.observed import read_observed

    data, store = base
    text = ("城市,指标,年份,数值,单位\n沈阳,能耗强度降低率,2016,4.1,%\n沈阳,能耗强度降低率,2017,3.5,%\n"
            "大连,能耗强度降低率,2016,3.0,%\n沈阳,能源消费增量,2016,120,万吨标准煤\n")
    rows = read_observed(text.encode(), name="energy.csv").rows
    out = observed_store(store, data, rows, {"dataset_id": "x"})
    series = out["series"]["energy"]
    assert sorted(series["intensity_cumulative_decline"]) == ["2016", "2017"]
    assert sorted(series["increment_observed"]) == ["2016"]
    assert "intensity_progress" in out["measures"]["energy"]
    assert out["indicators"]["energy_intensity_cumulative_decline_2017_pct"]["values"][SHENYANG] == 7.46
    assert out["indicators"]["energy_intensity_cumulative_decline_2017_pct"]["values"][DALIAN] is None


def test_annual_measures_speak_words_not_ids(base, observed):
    data, _ = base
    rows, _ = observed
    payload, _ = annual_payload(with_observed(data, rows), rows)
    ind = payload["so2_path_2018_t"]
    assert "二氧化硫 2015年排放量" in ind["formula_zh"] and "_t" not in ind["formula_zh"]
    assert "SO2 emissions 2015" in ind["formula_en"] and "so2_" not in ind["formula_en"]
    assert ind["measure"] == "path" and ind["year"] == "2018"


def test_a_link_to_one_year_opens_that_year(base, observed):
    data, store = base
    rows, meta = observed
    out = observed_store(store, data, rows, meta)
    assert asked_year(out, "?indicator=so2_path_2017_t") == "2017"
    assert asked_year(out, "?indicator=so2_cap_2020_t") is None  # not a measure over years
    assert asked_year(store, "?indicator=so2_path_2017_t") is None  # no dataset: the id is unknown


def test_trajectory_chart_tells_series_apart_without_colour():
    """Path, baseline, cap and observed each differ in line dash or marker shape, not only in colour."""
    points = [{"year": 2015, "path_t": 100.0, "observed_t": None, "ahead_of_path_t": None},
              {"year": 2016, "path_t": 90.0, "observed_t": 95.0, "ahead_of_path_t": -5.0},
              {"year": 2017, "path_t": 80.0, "observed_t": 78.0, "ahead_of_path_t": 2.0}]
    fig = trajectory_figure(points, "en")
    looks = {(tr.name, tr.mode, tr.line.dash, tr.marker.symbol) for tr in fig.data}
    assert [tr.name for tr in fig.data] == ["Path to the cap", "2015 baseline", "2020 cap", "Observed"]
    assert len({(m, d, s) for _, m, d, s in looks}) == 4
    observed = next(tr for tr in fig.data if tr.name == "Observed")
    assert list(observed.x) == [2016, 2017] and list(observed.y) == [95.0, 78.0]
    cap = next(tr for tr in fig.data if tr.name == "2020 cap")
    assert list(cap.x) == [2017] and list(cap.y) == [80.0]


def test_trajectory_of_shenyang_runs_from_baseline_to_cap(base, observed):
    data, _ = base
    rows, _ = observed
    pts = {p["year"]: p for p in trajectory(with_observed(data, rows).table, rows, SHENYANG, "so2")}
    assert pts[2015]["path_t"] == 101296.2 and pts[2020]["path_t"] == 84582.33
    assert pts[2018]["observed_t"] == 90000 and pts[2017]["observed_t"] is None


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from dashboard.app import create_app

    folder = tmp_path_factory.mktemp("years")  # its own database: the per-test one changes under a module's server
    settings = Settings(store_dir=folder, database_url=f"sqlite:///{folder / 'lnmap.sqlite3'}")
    # No 2020 values: the dataset is stored but not made the default (geo.measures.observed); a link names it.
    meta = import_observed(FIXTURE.read_bytes(), name=FIXTURE.name, settings=settings, actor="test")
    app = create_app(settings)
    posts: list[str] = []
    inner = app.server.wsgi_app

    def recording(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            posts.append(environ.get("PATH_INFO", ""))
        return inner(environ, start_response)

    app.server.wsgi_app = recording
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", posts, meta["dataset_id"]
    srv.shutdown()
    thread.join(5)


def _label(page, adcode_name: str) -> str:
    return page.evaluate("""(name) => {
        const el = [...document.querySelectorAll('path.lnmap-city')]
            .find(p => (p.getAttribute('aria-label') || '').startsWith(name));
        return el ? el.getAttribute('aria-label') + '|' + el.getAttribute('fill') : null; }""", adcode_name)


@pytest.mark.browser
def test_picking_a_year_recolours_without_a_request_and_the_chart_shows_observed_points(page, served):
    base_url, posts, dataset = served
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("http://127.0.0.1")
               else route.continue_())
    page.goto(base_url + f"/?indicator=so2_emission_2018_observed_t&city=沈阳&dataset={dataset}&map_type=choropleth")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    expect(page.locator(".legend-title")).to_contain_text("2018")
    expect(page.locator("#year-wrap")).to_be_visible()
    page.wait_for_function("""() => [...document.querySelectorAll('path.lnmap-city')]
        .some(p => (p.getAttribute('aria-label') || '').startsWith('大连市：95,000'))""")
    before = {n: _label(page, n) for n in ("沈阳市", "大连市", "鞍山市")}
    # Three cities have a 2018 value: no "sum of the 14 cities" and no share of it, but the coverage.
    expect(page.locator("#cards")).to_contain_text("3 / 14")
    expect(page.locator("#cards")).not_to_contain_text("14市合计")
    expect(page.locator("#focus")).not_to_contain_text("占14市合计")
    assert before["沈阳市"].startswith("沈阳市：90,000") and before["鞍山市"].startswith("鞍山市：20,000")
    # The trajectory chart of the city in the URL: SO2 first, 2016 and 2018 observed as points.
    chart = page.locator("#detail figure.trajectory").first
    expect(chart.locator("figcaption")).to_contain_text("二氧化硫")
    expect(chart.locator(".scatterlayer .trace")).to_have_count(4)
    row_2018 = chart.locator(".trajectory-table tr", has_text="2018")
    expect(row_2018).to_contain_text("91,267.88")
    expect(row_2018).to_contain_text("90,000.00")
    expect(row_2018).to_contain_text("1,267.88")
    observed_trace = chart.locator(".scatterlayer .trace").last
    expect(observed_trace.locator("path.point")).to_have_count(2)

    sent = len(posts)
    page.locator("#year label", has_text="2016").click()
    expect(page.locator(".legend-title")).to_contain_text("2016")
    page.wait_for_function("""() => [...document.querySelectorAll('path.lnmap-city')]
        .some(p => (p.getAttribute('aria-label') || '').startsWith('大连市：30,000'))""")
    after = {n: _label(page, n) for n in ("沈阳市", "大连市", "鞍山市")}
    assert after["沈阳市"].startswith("沈阳市：98,000") and after["鞍山市"].startswith("鞍山市：60,000")
    # 大连 goes from the top of the three (2018) to the bottom (2016): its colour changes.
    assert after["大连市"].split("|")[1] != before["大连市"].split("|")[1]
    assert "indicator=so2_emission_2016_observed_t" in page.url
    assert len(posts) == sent, "picking a year must not ask the server"


@pytest.mark.browser
def test_a_link_to_a_path_year_reopens_it_in_english(page, served):
    base_url, _, dataset = served
    page.goto(base_url + f"/?indicator=so2_path_2017_t&lang=en&dataset={dataset}")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    expect(page.locator(".legend-title")).to_contain_text("SO2 2017 on the straight path to the 2020 cap")
    expect(page.locator("#year input:checked")).to_have_value("2017")
    expect(page.locator("#measure input:checked")).to_have_value("path")
