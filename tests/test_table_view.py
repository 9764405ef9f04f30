"""The table view: the 14 cities x every measure of the pollutant on the map, sortable, with a CSV
download built in the browser (issue 9). Expected values are read from 附件4 of 辽政发〔2017〕21号
(the document text), independent of the parser and the app."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboard_server import offline, serve_dashboard
from tests.test_browser_dashboard import _annex_column

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def _open_table(page, url: str) -> None:
    offline(page)
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    page.locator("#table-view summary").click()
    expect(page.locator("#table td.dash-cell").first).to_be_visible()


def test_table_sorts_and_downloads_the_annex_values(page, base, seeds_dir):
    so2_2015 = _annex_column(next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8"), 4, 1)
    assert len(so2_2015) == 14
    _open_table(page, base + "?indicator=so2_emission_2015_t")
    header = page.locator("#table th", has_text="2015年排放量").first
    header.locator(".column-header--sort").click()  # ascending
    # Row 0 holds the headings.
    expect(page.locator("#table tr").nth(1)).to_contain_text(min(so2_2015, key=so2_2015.get))
    header.locator(".column-header--sort").click()  # descending
    top = max(so2_2015, key=so2_2015.get)
    expect(page.locator("#table tr").nth(1)).to_contain_text(top)
    expect(page.locator("#table tr").nth(1)).to_contain_text(f"{so2_2015[top]:,.2f}")  # as the annex prints it

    sent = []
    page.on("request", lambda r: sent.append(r.url) if "_dash-update-component" in r.url else None)
    with page.expect_download() as info:
        page.locator("#table-csv").click()
    download = info.value
    assert download.suggested_filename == "table_so2_zh.csv"
    raw = Path(download.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel reads the Chinese
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    head = rows[0]
    col = next(i for i, h in enumerate(head) if h.startswith("2015年排放量"))
    body = {r[1].removesuffix("市"): r for r in rows[1:15]}
    assert {k: float(r[col]) for k, r in body.items()} == so2_2015
    # Derived columns follow their formulas: cap = 2015 × (1 − cut ÷ 100), rounded to 0.01 (沈阳: 84,582.33).
    cap = next(i for i, h in enumerate(head) if h.startswith("2020年排放上限"))
    cut = next(i for i, h in enumerate(head) if h.startswith("下降比例目标"))
    for r in rows[1:15]:
        assert float(r[cap]) == pytest.approx(round(float(r[col]) * (1 - float(r[cut]) / 100), 2), abs=0.006)
    # Every column's source follows the data, in words.
    sources = rows[rows.index(["出处与公式"]) + 1:]
    assert any("辽政发〔2017〕21号 附件4 第1列" in " ".join(r) for r in sources)
    assert not any("_t" in " ".join(r) for r in sources), "formulas in words, not ids"
    assert not sent, "the table and its CSV are built in the browser"


def test_english_table_has_english_headings(page, base):
    _open_table(page, base + "?indicator=nox_cap_2020_t&lang=en")
    expect(page.locator("#table th").first).to_contain_text("City")
    expect(page.locator("#table")).to_contain_text("2020 cap (t)")
    expect(page.locator("#table")).to_contain_text("Shenyang")
    with page.expect_download() as info:
        page.locator("#table-csv").click()
    text = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    assert info.value.suggested_filename == "table_nox_en.csv"
    assert "Admin code,City," in text and "annex 5, column 1" in text


def test_the_table_loads_when_opened_and_keeps_its_sort_for_another_pollutant(page, base, seeds_dir):
    """dash_table's scripts held up the first map: the table is made when its section opens. Made anew for
    another pollutant, it must keep the user's sort (dash_table's persistence), now on that pollutant's values."""
    nox_2015 = _annex_column(next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8"), 5, 1)
    offline(page)
    page.goto(base + "?indicator=so2_emission_2015_t")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    loaded = "performance.getEntriesByType('resource').filter(e => e.name.includes('dash_table/async-table')).length"
    assert page.evaluate(loaded) == 0 and page.locator("#table").count() == 0
    page.locator("#table-view summary").click()
    expect(page.locator("#table td.dash-cell").first).to_be_visible()
    assert page.evaluate(loaded) == 1
    page.locator("#table th", has_text="2015年排放量").first.locator(".column-header--sort").click()  # ascending
    page.evaluate("document.querySelector('#pollutant input[value=nox]').click()")
    expect(page.locator("#table")).to_contain_text(f"{max(nox_2015.values()):,.2f}")  # NOx's values now
    expect(page.locator("#table tr").nth(1)).to_contain_text(min(nox_2015, key=nox_2015.get))  # still ascending
