"""Observed values in the dashboard: upload, pick, remove, the progress map and the detail panel."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
from dash import no_update
from playwright.sync_api import expect
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.callbacks import detail_panel, export_view, observed_state
from dashboard.state import browser_store
from geo.core.settings import Settings
from geo.measures.view import load_view_data

FIXTURE = Path(__file__).parent / "fixtures" / "observed_example_cod_2020.csv"


@pytest.fixture(scope="module")
def base():
    import pandas as pd

    data = load_view_data(observed=pd.DataFrame())
    return data, browser_store(data)


@pytest.fixture
def settings(tmp_path):
    return Settings(store_dir=tmp_path / "store")


def _contents(data: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(data).decode()


def test_upload_adds_progress_measures_and_switches_to_them(base, settings):
    data, store = base
    assert "cod_progress_pct" not in store["indicators"]
    new_store, options, value, message, pollutant, measure = observed_state(
        data, store, "upload", _contents(FIXTURE.read_bytes()), FIXTURE.name, "示例来源", None, "zh", settings)
    assert value and [o["value"] for o in options] == [value]
    assert pollutant == "cod" and measure == "progress"
    ind = new_store["indicators"]["cod_progress_pct"]
    assert ind["diverging"] and ind["centre"] == 100.0
    assert ind["values"]["210100"] == pytest.approx(55.56)  # (241522.89 − 217370.60) ÷ (241522.89 − 198048.77)
    assert "progress" in new_store["measures"]["cod"] and new_store["observed_loaded"]
    assert "so2_progress_pct" not in new_store["indicators"]  # no observed SO2: no SO2 progress map
    assert "已导入 14 行" in str(message)


def test_rejected_upload_lists_rows_and_changes_nothing(base, settings):
    data, store = base
    bad = "城市,指标,年份,数值,单位\n长春,COD,2020,1,吨\n沈阳,COD,2020,x,吨\n".encode("gb18030")
    out = observed_state(data, store, "upload", _contents(bad), "bad.csv", None, None, "zh", settings)
    assert out[0] is no_update and out[2] is no_update
    text = str(out[3])
    assert "未保存任何数据" in text and "第 2 行" in text and "长春" in text and "第 3 行" in text
    assert "bad.csv" not in text  # no file names on the screen
    assert not (settings.store_dir.exists() and any(settings.store_dir.glob("obs-*.json")))


def test_pick_and_remove_a_dataset(base, settings):
    data, store = base
    first = observed_state(data, store, "upload", _contents(FIXTURE.read_bytes()), "a.csv", None, None, "zh",
                           settings)[2]
    other = FIXTURE.read_bytes().replace(b"217370.6", b"217370.5")  # another file: the same one would be the first
    second = observed_state(data, store, "upload", _contents(other), "b.csv", None, None, "zh", settings)[2]
    picked = observed_state(data, store, "dataset", None, None, None, first, "zh", settings)
    assert picked[2] == first and picked[0]["dataset"]["dataset_id"] == first
    removed = observed_state(data, store, "remove-confirm", None, None, None, first, "zh", settings)
    assert removed[2] is None and [o["value"] for o in removed[1]] == [second]
    assert removed[0]["observed_loaded"] is False and "cod_progress_pct" not in removed[0]["indicators"]


def test_page_load_without_datasets_sends_no_store(base, settings):
    data, store = base
    out = observed_state(data, store, None, None, None, None, None, "zh", settings)
    # No store, and the picker left empty as it is: setting it again would redraw the city panel under a click
    assert out[0] is no_update and out[1] == [] and out[2] is no_update


def test_export_names_differ_with_the_layers_and_map_type_on_screen(base, settings):
    """Regions, site kinds and a forced map type change the file: they change its name too."""
    data, _ = base
    names = set()
    for extra in ("", "&layers=context,labels,coastal_belt", "&layers=context,labels,port", "&map_type=choropleth"):
        sent, message = export_view(data, "svg", f"?indicator=so2_cap_2020_t&lang=en{extra}", "slide", None, settings)
        assert message == ""
        names.add(sent["filename"])
    assert len(names) == 4, names
    assert "so2_cap_2020_t_en_slide_regions-coastal_belt.svg" in names


def test_detail_panel_shows_baseline_target_observed_with_source_and_flag(base, settings):
    data, store = base
    dataset = observed_state(data, store, "upload", _contents(FIXTURE.read_bytes()), "ex.csv", "示例来源", None,
                             "zh", settings)[2]
    children, _ = detail_panel(data, {"adcode": "210100"}, "city", None, "zh", False, dataset, settings)
    text = str(children)
    assert "基准 → 目标 → 实测" in text and "241,522.89" in text and "198,048.77" in text and "217,370.60" in text
    assert "示例来源 [示例(虚构)]" in text and "未完成" in text
    without, _ = detail_panel(data, {"adcode": "210100"}, "city", None, "zh", False, None, settings)
    assert "基准 → 目标 → 实测" not in str(without)


def test_export_button_sends_the_view_on_screen(base, settings):
    data, _ = base
    sent, message = export_view(data, "csv", "?indicator=so2_cap_2020_t&scheme=natural_breaks&lang=en", "a4", None,
                                settings)
    # The name carries the options that differ from the defaults: two different views never share one.
    assert message == "" and sent["filename"] == "so2_cap_2020_t_en_natural_breaks.csv"
    body = base64.b64decode(sent["content"]).decode("utf-8-sig")
    assert "natural_breaks" in body and "Shenyang" in body


# ------------------------------------------------------------------ in the browser


EDITOR, PASSWORD = "editor", "a long editor password"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from geo.store.users import add_user

    store_dir = tmp_path_factory.mktemp("store")
    settings = Settings(store_dir=store_dir)
    add_user(EDITOR, PASSWORD, settings)
    app = create_app(settings)
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


def sign_in(page, base: str) -> None:
    """Sign in as the editor through the sign-in page, as a person would."""
    page.goto(base + "/login")
    page.fill("#name", EDITOR)
    page.fill("#password", PASSWORD)
    page.locator("form button, form input[type=submit]").first.click()
    page.wait_for_url(base + "/**")


@pytest.mark.browser
def test_a_viewer_sees_no_upload_or_remove_control(page, served):
    page.goto(served + "/")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14", timeout=20_000)
    expect(page.locator("a[href*='/login']").first).to_be_visible()
    expect(page.locator("#editor-upload")).to_be_hidden()
    expect(page.locator("#remove-dataset")).to_be_hidden()


@pytest.mark.browser
def test_upload_in_the_browser_shows_the_progress_map(page, served):
    sign_in(page, served)
    page.goto(served + "/")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14", timeout=20_000)
    expect(page.locator("#remove-dataset")).to_be_visible()  # an editor gets the controls a viewer doesn't
    page.wait_for_selector(".legend .legend-title")
    expect(page.locator("#observed-note")).to_contain_text("未导入实测排放数据")
    before = page.eval_on_selector_all("path.lnmap-city", "els => els.map(e => e.getAttribute('fill'))")
    page.locator("#upload input[type=file]").set_input_files(str(FIXTURE))
    page.wait_for_selector(".upload-message .ok", timeout=20_000)
    page.wait_for_function("document.querySelector('.legend-title').textContent.includes('进度')", timeout=20_000)
    after = page.eval_on_selector_all("path.lnmap-city", "els => els.map(e => e.getAttribute('fill'))")
    assert after != before and len(set(after)) > 1
    expect(page.locator("#observed-note")).to_contain_text("已导入实测排放数据")
    page.locator("#ranking .rank-bar").first.click()
    expect(page.locator(".data.progress")).to_contain_text("示例(虚构)", timeout=20_000)


@pytest.mark.browser
def test_observed_controls_switch_language(page, served):
    page.goto(served + "/?lang=en")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14", timeout=20_000)
    page.wait_for_function("document.querySelector('#upload-source').placeholder.startsWith('Source')",
                           timeout=10_000)
    expect(page.locator("#remove-dataset")).to_contain_text("Remove selected dataset")
    expect(page.locator("#observed-note")).to_contain_text("No observed values are loaded")
    expect(page.locator("#export-page")).to_contain_text("A4 portrait")


@pytest.mark.browser
def test_export_button_downloads_the_view_on_screen(page, served):
    page.goto(served + "/?indicator=nox_cap_2020_t&scheme=equal_interval&lang=en")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14", timeout=20_000)
    page.wait_for_selector(".legend .legend-title")
    with page.expect_download(timeout=60_000) as info:
        page.locator("button", has_text="PNG").click()
    download = info.value
    assert download.suggested_filename == "nox_cap_2020_t_en_slide_equal_interval.png"
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 100_000


@pytest.mark.browser
def test_a_copied_link_reopens_the_progress_view(chromium, served):
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    sign_in(page, served)
    page.goto(served + "/")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14", timeout=20_000)
    page.locator("#upload input[type=file]").set_input_files(str(FIXTURE))
    page.wait_for_function("document.querySelector('.legend-title').textContent.includes('进度')", timeout=20_000)
    page.wait_for_function("window.location.search.includes('dataset=obs-')", timeout=10_000)
    link = page.url
    assert "indicator=cod_progress_pct" in link
    other = ctx.new_page()
    other.goto(link)
    other.wait_for_function("document.querySelector('.legend-title') && "
                            "document.querySelector('.legend-title').textContent.includes('进度')", timeout=20_000)
    assert other.url == link
    ctx.close()
