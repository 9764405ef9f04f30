"""A later plan period in the dashboard: the plan picker shows that plan's targets with the same
derivations (issue 11). The plan file is invented (tests/fixtures/plan_example_14th.csv); the
expected values are worked by hand from it."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from dash import no_update
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dashboard.callbacks import with_plan
from dashboard.state import browser_store, plan_store
from geo.core.settings import Settings
from geo.measures.plans import import_plan
from geo.measures.view import load_view_data

PLAN = Path(__file__).parent / "fixtures" / "plan_example_14th.csv"
SHENYANG, DALIAN, ANSHAN = "210100", "210200", "210300"
# From the file: 沈阳 SO2 2020 = 60,000 t, cut 10 % by 2025 -> cap 54,000.00 t, cut 6,000.00 t;
# 大连 SO2 2020 = 5.5 万吨 = 55,000 t, cut 12 % -> cap 48,400.00 t, cut 6,600.00 t.


@pytest.fixture(scope="module")
def base():
    data = load_view_data(observed=pd.DataFrame())
    return data, browser_store(data)


@pytest.fixture
def settings(tmp_path):
    s = Settings(store_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'lnmap.sqlite3'}")
    import_plan(PLAN.read_bytes(), plan="十四五", name=PLAN.name, settings=s, actor="test")
    return s


def test_plan_store_derives_the_caps_of_the_plan(base, settings):
    data, store = base
    out = plan_store(store, data, "十四五", settings=settings)
    cap, cut = out["indicators"]["so2_cap_2025_t"], out["indicators"]["so2_required_cut_2025_t"]
    assert cap["values"][SHENYANG] == 54000.00 and cap["values"][DALIAN] == 48400.00
    assert cut["values"][SHENYANG] == 6000.00 and cut["values"][DALIAN] == 6600.00
    assert cap["values"][ANSHAN] is None  # not in the plan: no data, never zero
    assert out["plan"]["ids"]["so2"]["cap"] == "so2_cap_2025_t"
    assert out["measures"]["so2"] == ["emission", "cut_target", "cap", "required_cut"]
    assert "nox" not in out["measures"]  # the plan has no NOx rows: no NOx measures offered
    # The formula in words names the plan's own years: the cut is from 2020, not 2015.
    assert "较2020年" in cap["formula_zh"] and "2015" not in cap["formula_zh"]
    assert "示例(虚构) 表1" in cap["source_zh"]


def test_bundled_plan_leaves_the_store_as_it_is(base, settings):
    data, store = base
    assert plan_store(store, data, "十三五", settings=settings)["indicators"] is store["indicators"]


def test_picking_the_plan_moves_the_map_to_its_cap_and_back(base, settings):
    data, store = base
    out = (store, [], None, no_update, no_update, no_update)
    (new, *_, pollutant, measure), (options, value, style) = with_plan(
        data, store, out, "plan", "十四五", "", "so2", settings)
    assert (pollutant, measure) == ("so2", "cap") and new["plan"]["name"] == "十四五"
    assert [o["value"] for o in options] == ["十三五", "十四五"] and style == {"display": "block"}
    (back, *_, pollutant, measure), _ = with_plan(data, store, out, "plan", "十三五", "", "so2", settings)
    assert (pollutant, measure) == ("so2", "cap_2020") and back["plan"] is None


def test_export_of_a_plan_measure_says_so_instead_of_sending_another_map(base, settings):
    """The export buttons must never send the default map for a measure they cannot draw yet."""
    from dashboard.callbacks import export_view

    data, _ = base
    for indicator in ("so2_cap_2025_t", "so2_path_2018_t"):
        sent, message = export_view(data, "png", f"?indicator={indicator}&lang=en", "slide", None, settings)
        assert sent is no_update and "table below (CSV)" in message


def test_a_link_names_a_plan_that_is_not_stored(base, settings):
    data, store = base
    out = (no_update, [], None, no_update, no_update, no_update)
    (new, *_), (_, value, _) = with_plan(data, store, out, None, None, "?plan=十五五", None, settings)
    assert new is no_update and value == "十三五"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from dashboard.app import create_app

    folder = tmp_path_factory.mktemp("plans")
    settings = Settings(store_dir=folder, database_url=f"sqlite:///{folder / 'lnmap.sqlite3'}")
    import_plan(PLAN.read_bytes(), plan="十四五", name=PLAN.name, settings=settings, actor="test")
    srv = make_server("127.0.0.1", 0, create_app(settings).server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


@pytest.mark.browser
def test_plan_picker_shows_the_plans_caps_and_the_link_keeps_it(page, served):
    page.goto(served + "/?indicator=so2_cap_2020_t")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    expect(page.locator("#plan-wrap")).to_be_visible()
    page.locator("#plan label", has_text="十四五").click()
    expect(page.locator(".legend-title")).to_contain_text("2025年排放上限")
    page.wait_for_function("""() => [...document.querySelectorAll('path.lnmap-city')]
        .some(p => (p.getAttribute('aria-label') || '').startsWith('沈阳市：54,000'))""")
    assert page.evaluate("""() => [...document.querySelectorAll('path.lnmap-city')]
        .find(p => (p.getAttribute('aria-label') || '').startsWith('鞍山市')).getAttribute('aria-label')""") \
        == "鞍山市：无数据"
    page.wait_for_function("window.location.search.includes('plan=')")
    link = page.url
    assert "indicator=so2_cap_2025_t" in link
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_function("document.querySelector('.legend-title') && "
                            "document.querySelector('.legend-title').textContent.includes('2025年排放上限')")
    expect(other.locator("#plan input:checked")).to_have_value("十四五")
    expect(other.locator("#notice")).to_be_empty()
