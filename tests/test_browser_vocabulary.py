"""The screen speaks the user's language: every panel read in both languages.

Chinese screen: no identifier (``cod_emission_2015_t``), no "rounded to", no file name and no
command. English screen: no Chinese words of the interface — document numbers (辽政发〔2017〕21号)
and text marked as Chinese (``lang="zh-CN"``: quotes, a source's own title, a city's name beside
its English one) excepted.
"""

from __future__ import annotations

import re

import pytest

from geo.core.provenance import DOCUMENTS
from tests.dashboard_server import offline, serve_dashboard

pytestmark = pytest.mark.browser
VIEWS = {
    "default": "?layers=context,labels,coastal_belt,shenyang_metro",
    "city": "?city=210200&indicator=so2_cap_2020_t&layers=context,labels,port",
    "city-energy": "?city=210100&indicator=energy_increment_cap_10kt_ce",
    "region": "?panel=region&region=shenyang_metro",
    "region-west": "?panel=region&region=west_liaoning",
    "province": "?panel=province&layers=context,labels,other_plans",
}
#: The visible text of the page with every folded section opened, minus what is marked Chinese.
READ = """(lang) => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const clone = document.body.cloneNode(true);
  if (lang === 'en') clone.querySelectorAll('[lang^=zh]').forEach(e => e.remove());
  clone.querySelectorAll('script, style, [hidden], .leaflet-tooltip-pane').forEach(e => e.remove());
  document.body.appendChild(clone);
  clone.style.position = 'absolute'; clone.style.left = '-99999px';
  const text = clone.innerText;
  clone.remove();
  return text;
}"""
ZH_FORBIDDEN = [
    (re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b"), "an identifier"),
    (re.compile(r"rounded to", re.I), "'rounded to'"),
    (re.compile(r"\b[\w-]+\.(?:csv|xlsx|json|geojson|py|txt)\b", re.I), "a file name"),
    (re.compile(r"\blnmap\b|\bpython\b|--\w"), "a command"),
    (re.compile(r"\bclause\b|\bannex\b|\bsee\b", re.I), "an English label"),
    (re.compile(r"\bexact\b|\bproxy\b|island centre"), "an English precision"),
]
DOC = re.compile("|".join(re.escape(d.number) for d in sorted(DOCUMENTS, key=lambda d: -len(d.number)))
                 + r"|\S*〔\d{4}〕\d+号")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url


def read(page, base, query, lang):
    offline(page)
    page.goto(base + query + f"&lang={lang}")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
    page.wait_for_selector(".legend .legend-title")
    if "city=" in query or "panel=" in query:  # the panel as the server drew it in this language
        page.wait_for_selector(f"#detail .detail-body[lang={'en' if lang == 'en' else 'zh-CN'}] h2")
    page.wait_for_function(f"document.documentElement.lang === '{'en' if lang == 'en' else 'zh-CN'}'")
    if "layers=" in query and ("coastal" in query or "other" in query):
        page.wait_for_selector(".layer-legend .legend-row, .lnmap-other")
    return settled_text(page, lang)


#: Every folded section open and filled (a section's HTML goes in on the toggle event, after ``open`` is set).
ALL_OPEN = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  return [...document.querySelectorAll('details > .section-body[data-html]')]
    .every(b => b.lnmapShown === b.dataset.html);
}"""


def settled_text(page, lang: str) -> str:
    """The screen's text once it has stopped changing: every section open and filled, no request of the
    page's still running, and the same text read twice 300 ms apart (a callback answered late, on a busy
    machine, changes it in between). What the tests assert is what a reader sees when the page is still."""
    page.wait_for_function(ALL_OPEN)
    page.wait_for_load_state("networkidle")
    before = page.evaluate(READ, lang)
    for _ in range(30):
        page.wait_for_timeout(300)
        page.wait_for_function(ALL_OPEN)
        now = page.evaluate(READ, lang)
        if now == before:
            return now
        before = now
    raise AssertionError("the page's text kept changing for 9 s")


@pytest.mark.parametrize("view", VIEWS)
def test_the_chinese_screen_has_no_identifier_file_or_command(page, base, view):
    text = read(page, base, VIEWS[view], "zh")
    found = [(why, m.group(0)) for rx, why in ZH_FORBIDDEN for m in rx.finditer(text)]
    assert found == [], found


@pytest.mark.parametrize("view", VIEWS)
def test_the_english_screen_has_no_chinese_interface_words(page, base, view):
    text = DOC.sub("", read(page, base, VIEWS[view], "en"))
    found = sorted({m.group(0) for m in CJK.finditer(text)} - {"，", "、"})
    assert found == [], found
