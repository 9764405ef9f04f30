"""The allocation workbench in a browser (issue 23, "done when"): a region scenario and a uniform one compared on
screen at 1366×768 in both languages — the difference map with its 14 cities coloured, the ranking of the 14
cities, each scenario's formula, inputs, sources and check line; a rate changed redraws; a copied link reopens
the same comparison; the English screen has no Chinese interface words; phone and projector sizes fit."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from dashboard.workbench import WORDS
from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser

RANKED = "document.querySelectorAll('#wb-ranking-table tbody tr[data-adcode]').length === 14"
COLOURED = "document.querySelectorAll('path.wb-city[data-fill=\"1\"]').length === 14"
#: Chinese characters outside document numbers (辽政发〔2017〕21号) and the language switch's own name.
CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\u3001\u3002\uff1a\uff1b]")
DOC_NUMBER = re.compile(r"\S{2,4}〔\d{4}〕\d+号")


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def open_page(chromium, base, query="", w=1366, h=768):
    ctx = chromium.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "workbench" + query)
    page.wait_for_function(RANKED)
    page.wait_for_function(COLOURED)
    return ctx, page, errors


def ranking(page) -> dict[str, list[str]]:
    """adcode → the row's cells, in the ranking's order."""
    rows = page.evaluate("""() => [...document.querySelectorAll('#wb-ranking-table tbody tr[data-adcode]')]
        .map(tr => [tr.dataset.adcode, [...tr.children].map(c => c.textContent)])""")
    return dict((a, cells) for a, cells in rows)


def in_view(page, selector, w, h) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= w + 1 and box["y"] < h


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_region_scenario_and_a_uniform_one_compared_at_1366x768(chromium, base, lang):
    ctx, page, errors = open_page(chromium, base, f"?lang={lang}")
    try:
        expect(page.locator("#wb-a-rule")).to_have_value("uniform")
        expect(page.locator("#wb-b-rule")).to_have_value("region")
        expect(page.locator("#wb-b-m")).to_have_value("strictest")
        # the difference map (the default view): 14 cities in the diverging classes, circles for the tonnes
        assert page.locator(".wb-view.on").get_attribute("data-view") == "diff"
        fills = page.evaluate("[...document.querySelectorAll('path.wb-city')].map(p => p.getAttribute('fill'))")
        assert len(fills) == 14 and len(set(fills)) >= 3  # more, less, and classes between
        assert page.locator("path.wb-circle").count() == 14
        # the ranking: the 14 cities, sorted by B − A in t; names in the screen's language
        rows = ranking(page)
        assert len(rows) == 14
        names = [r[1] for r in rows.values()]
        assert ("沈阳市" in names) if lang == "zh" else ("Shenyang" in names and "Huludao" in names)
        diffs = [float(r[4].replace(",", "").replace("−", "-").replace("+", "")) for r in rows.values()]
        assert diffs == sorted(diffs, reverse=True) and diffs[0] > 0 > diffs[-1]
        assert all(re.fullmatch(r"[+−]?\d{1,3}(,\d{3})*\.\d\d", r[4]) for r in rows.values())  # 0.01 t, separators
        # under it, each scenario: formula, inputs, sources, the check line (Σ cities = province target ✓)
        for x in ("a", "b"):
            section = page.locator(f"#wb-explain-{x}")
            expect(section.locator(".wb-check.ok")).to_contain_text("✓")
            assert section.locator(".wb-formula").inner_text().strip()
            assert section.locator("ul li").count() >= 3
        # on screen at 1366×768: both panels' rules, the map and the ranking without scrolling
        for sel in ("#wb-map", "#wb-ranking-table", "#wb-a-rule", "#wb-b-rule", ".wb-legend"):
            assert in_view(page, sel, 1366, 768), sel
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        if lang == "en":
            text = DOC_NUMBER.sub("", page.locator("body").inner_text()).replace(WORDS["lang_other"]["en"], "")
            assert not CJK.findall(text), sorted(set(CJK.findall(text)))[:20]
            for key, entry in WORDS.items():
                if CJK.search(entry["zh"]) and len(entry["zh"]) > 1:
                    assert entry["zh"] not in text, key
        assert not errors
    finally:
        ctx.close()


def test_changing_a_rate_redraws_and_a_copied_link_reopens_the_same_comparison(chromium, base):
    ctx, page, errors = open_page(chromium, base)
    try:
        before = ranking(page)
        dalian_fill = page.locator('path.wb-city[data-adcode="210200"]').get_attribute("fill")
        page.locator("#wb-b-rate-coastal_belt").fill("16")
        page.wait_for_function("""before => {
            const tr = document.querySelector('#wb-ranking-table tr[data-adcode="210200"]');
            return tr && tr.children[3].textContent !== before; }""", arg=before["210200"][3])
        after = ranking(page)
        assert after["210200"][3] != before["210200"][3]  # 大连's B cut moved with its region's rate
        page.wait_for_function(f"""() => document.querySelector('path.wb-city[data-adcode="210200"]')
            .getAttribute('fill') !== {dalian_fill!r}""")
        # the view and the other scenario's rule in the link too
        page.locator('.wb-view[data-view="b"]').click()
        page.locator("#wb-a-target").fill("12")
        page.wait_for_function("() => document.querySelector('#wb-explain-a .wb-check').textContent.includes('12.00')"
                               " || document.querySelector('#wb-summary-a').textContent.includes('12.00')")
        url = page.url
        query = parse_qs(urlsplit(url).query)
        assert query["b_rates"][0].count("coastal_belt:16") == 1 and query["a_target"] == ["12"]
        assert query["view"] == ["b"]
        shown = ranking(page)
        ctx2 = chromium.new_context(viewport={"width": 1366, "height": 768})
        again = ctx2.new_page()
        offline(again)
        again.goto(url)
        again.wait_for_function(RANKED)
        expect(again.locator("#wb-b-rate-coastal_belt")).to_have_value("16")
        expect(again.locator("#wb-a-target")).to_have_value("12")
        assert again.locator(".wb-view.on").get_attribute("data-view") == "b"
        assert ranking(again) == shown
        ctx2.close()
        assert not errors
    finally:
        ctx.close()


def test_an_unknown_link_value_is_named_and_bad_input_is_explained_in_the_language(chromium, base):
    ctx, page, errors = open_page(chromium, base, "?a_rule=bogus&b_m=sometimes")
    try:
        notice = page.locator("#wb-notice")
        expect(notice).to_contain_text("bogus")
        expect(notice).to_contain_text("sometimes")
        expect(page.locator("#wb-a-rule")).to_have_value("uniform")
        page.locator("#wb-a-target").fill("abc")
        error = page.locator("#wb-error-a")
        expect(error).to_be_visible()
        expect(error).to_contain_text("目标值")
        expect(error).to_contain_text("不是数字")
        page.locator("#wb-lang").click()
        expect(page.locator("#wb-error-a")).to_contain_text("target value")
        page.locator("#wb-a-target").fill("10")
        expect(page.locator("#wb-error-a")).to_be_hidden()
        assert not errors
    finally:
        ctx.close()


@pytest.mark.parametrize("w,h", [(390, 844), (1920, 1080)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_phone_and_projector_fit(chromium, base, w, h, lang):
    ctx, page, errors = open_page(chromium, base, f"?lang={lang}", w, h)
    try:
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        table = page.locator("#wb-ranking-table").bounding_box()
        assert table["x"] >= 0 and table["x"] + table["width"] <= w + 1  # the ranking is not cut off
        map_box = page.locator("#wb-map").bounding_box()
        assert map_box["width"] >= (w - 2 if w < 700 else 0.35 * w) and map_box["height"] >= 280
        # the cities drawn inside the map
        inside = page.evaluate("""() => { const m = document.querySelector('#wb-map').getBoundingClientRect();
            return [...document.querySelectorAll('path.wb-city')].every(p => { const r = p.getBoundingClientRect();
              return r.left >= m.left - 1 && r.right <= m.right + 1 && r.top >= m.top - 1 && r.bottom <= m.bottom + 1; }); }""")
        assert inside
        assert not errors
    finally:
        ctx.close()


def test_chinese_is_set_in_the_bundled_font(chromium, base):
    ctx, page, _ = open_page(chromium, base)
    try:
        page.evaluate("document.fonts.ready")
        page.wait_for_function("document.fonts.check('13px LnmapWorkbenchCJK', '减排指标分配工作台沈阳市葫芦岛市')")
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('LnmapWorkbenchCJK') && f.status === 'loaded')")
    finally:
        ctx.close()


def test_a_viewer_loads_a_stored_scenario_into_a_and_cannot_store(chromium):
    from geo.allocation.scenario import RuleInputs, Scenario, Target
    from geo.allocation.store import save_scenario

    save_scenario(Scenario("十五五 沿海从严", Target("cod", "total_cut_pct", 10.0), "region",
                           inputs=RuleInputs(rates={"shenyang_metro": 9, "coastal_belt": 14, "west_liaoning": 8,
                                                    "east_green": 9}, membership="laxest")), actor="cli:test")
    with serve_dashboard() as url:  # built now: it reads this test's store
        ctx, page, errors = open_page(chromium, url)
        try:
            assert page.locator("#wb-a-save-name").count() == 0  # storing: editors only
            expect(page.locator("#wb-panel-a")).to_contain_text("编辑登录")
            page.locator("#wb-a-stored").select_option("十五五 沿海从严")
            page.locator("#wb-panel-a").get_by_role("button", name="载入到 A").click()
            expect(page.locator("#wb-a-rule")).to_have_value("region")
            expect(page.locator("#wb-a-rate-coastal_belt")).to_have_value("14")
            expect(page.locator("#wb-a-m")).to_have_value("laxest")
            expect(page.locator("#wb-notice")).to_contain_text("十五五 沿海从严")
            page.wait_for_function("(document.querySelector('#wb-explain-a h3') || {textContent: ''})"
                                   ".textContent.includes('按区域定比例')")
            assert "a_rates=" in page.url and "coastal_belt%3A14" in page.url
            assert not errors
        finally:
            ctx.close()
