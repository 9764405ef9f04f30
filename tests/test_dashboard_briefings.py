"""Briefing products from the dashboard (issue 10): the selected city's one-page profile and the
four pollutants side by side, in the screen's language."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() for p in reader.pages), len(reader.pages)


def test_city_panel_downloads_the_city_profile_in_the_screen_language(page, base):
    offline(page)
    page.goto(base + "?indicator=cod_emission_2015_t&city=沈阳&lang=en")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    with page.expect_download(timeout=60_000) as info:
        page.locator(".profile-buttons button", has_text="PDF").click()
    assert info.value.suggested_filename == "profile_210100_en.pdf"
    text, pages = _pdf_text(Path(info.value.path()).read_bytes())
    assert pages == 1
    # 附件2 第1列: 沈阳's 2015 COD as the annex prints it; ranks of the form n/14.
    assert "241,522.89" in text and "/14" in text and "Shenyang" in text


def test_small_multiples_show_the_measure_for_the_four_pollutants(page, base):
    offline(page)
    page.goto(base + "?indicator=nox_cap_2020_t")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    page.locator("#multiples-view summary").click()
    page.locator("#multiples-show").click()
    img = page.locator(".multiples-img")
    expect(img).to_have_attribute("alt", "氮氧化物 2020年排放上限：化学需氧量、氨氮、二氧化硫、氮氧化物四图并列，共用一套分级")
    assert page.evaluate("document.querySelector('.multiples-img').naturalWidth") > 600
    with page.expect_download(timeout=60_000) as info:
        page.locator("#multiples button", has_text="PDF").click()
    assert info.value.suggested_filename == "multiples_cap_2020_t_quantiles_zh.pdf"
    text, _ = _pdf_text(Path(info.value.path()).read_bytes())
    for name in ("化学需氧量", "氨氮", "二氧化硫", "氮氧化物"):
        assert name in text
    # Another measure on the map: the figure of the old one goes.
    page.locator("#measure label", has_text=re.compile(r"^应减排量$")).click()
    expect(page.locator(".multiples-img")).to_have_count(0)


def test_energy_has_no_multiples_and_says_why(page, base):
    offline(page)
    page.goto(base + "?indicator=energy_intensity_cut_target_pct&lang=en")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    page.locator("#multiples-view summary").click()
    page.locator("#multiples-show").click()
    expect(page.locator("#multiples")).to_contain_text("Energy measures have no pollutants to compare")
