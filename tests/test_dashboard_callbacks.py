"""The server callback and the layout builders as plain functions."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.callbacks import detail_panel
from dashboard.layout import fmt, layer_specs
from dashboard.state import LAYERS
from geo.measures.view import load_view_data


@pytest.fixture(scope="module")
def data():
    return load_view_data(observed=pd.DataFrame())


def text_of(node) -> str:
    """All text in a component tree."""
    if node is None:
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):
        return " ".join(text_of(n) for n in node)
    return text_of(getattr(node, "children", None))


def test_fmt_prints_like_the_documents():
    """Thousands separators, the column's printed decimals (142,602.10 as 附件2 prints it), a true minus."""
    assert fmt(241522.89) == "241,522.89" and fmt(142602.1) == "142,602.10" and fmt(15.0, 0) == "15"
    assert fmt(1500.5, 1) == "1,500.5" and fmt(-1234.5, 1) == "−1,234.5"
    assert fmt(-0.0) == "0.00" and fmt(None) == "—" and fmt(0.005) == "0.01"


def test_city_panel_shows_value_unit_year_formula_citation(data):
    children, style = detail_panel(data, {"adcode": "210100", "n": 1}, "city", "coastal_belt", "zh", False)
    text = text_of(children)
    assert "沈阳市" in text and "241,522.89" in text and "吨" in text
    assert "辽政发〔2017〕21号 附件2 第1列" in text
    assert "× (1 − 化学需氧量 2020年下降比例 ÷ 100)" in text  # a derived value's formula, in words
    assert "cod_cut_target_pct" not in text and "rounded to" not in text
    assert "沈阳现代化都市圈" in text and "桃仙" in text
    assert style == {"display": "none"}


def test_city_panel_in_english(data):
    text = text_of(detail_panel(data, {"adcode": "210100"}, "city", None, "en", False)[0])
    assert "COD emissions 2015" in text and "Targets that apply" in text


def test_no_city_asks_for_a_click(data):
    assert "点击" in text_of(detail_panel(data, None, "city", None, "zh", False)[0])
    assert "Click" in text_of(detail_panel(data, {}, "city", None, "en", False)[0])


def test_liaoyuan_only_when_other_plans_are_asked_for(data):
    hidden = text_of(detail_panel(data, {"adcode": "220400"}, "city", None, "zh", False)[0])
    assert "辽府发" not in hidden
    shown = text_of(detail_panel(data, {"adcode": "220400"}, "city", None, "zh", True)[0])
    assert "辽宁省外" in shown and "辽府发〔2022〕4号 一(二)" in shown


def test_region_panel_says_how_it_aggregates(data):
    children, style = detail_panel(data, None, "region", "east_green", "zh", False)
    text = text_of(children)
    assert style == {"display": "block"}
    assert "部分成员" in text and "不是各市百分比的简单平均" in text and "含部分成员" in text


def test_province_panel_reconciles_with_power_plant_note(data):
    text = text_of(detail_panel(data, None, "province", None, "zh", False)[0])
    assert "全省目标" in text and "省直管电厂" in text
    assert "辽府发" not in text  # 辽源 only on request
    assert "辽府发〔2022〕4号" in text_of(detail_panel(data, None, "province", None, "zh", True)[0])


def test_every_layer_has_a_spec_pointing_at_a_served_url():
    specs = layer_specs()
    assert set(specs) == set(LAYERS)
    for comps in specs.values():
        for c in comps:
            # the layers built at start, or the CO2 sources read from the store when asked (dashboard.layers)
            assert c["namespace"] == "dash_leaflet"
            assert c["props"]["url"].startswith(("/lnmap/geo/wgs84/", "/lnmap/co2/wgs84/")), c["props"]["url"]


def test_province_view_lists_coal_capacity_by_city_from_the_plants_file():
    """The province panel puts each city's coal-fired capacity beside the power-plant note: the MW per city
    and the province's total, summed here from power_plants.csv with the csv module."""
    import csv
    from collections import defaultdict

    import pandas as pd

    from dashboard.callbacks import detail_panel
    from geo.core.settings import get_settings
    from geo.measures.view import load_view_data

    mw: dict[str, float] = defaultdict(float)
    with (get_settings().indicators_dir / "power_plants.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["fuel"] == "Coal" and r["capacity_mw"]:
                mw[r["city_zh"]] += float(r["capacity_mw"])
    children, _ = detail_panel(load_view_data(observed=pd.DataFrame()), None, "province", None, "zh", False)
    text = str(children)
    assert "各市燃煤电厂装机" in text and "不表示哪些电厂为省直管" in text
    assert f"{sum(mw.values()):,.0f}" in text  # the province's total, as printed
    top = max(mw, key=mw.get)
    assert top in text and f"{mw[top]:,.0f}" in text
    assert "Global Power Plant Database v1.3.0" in text


def test_sections_go_as_html_text_open_or_closed_unless_they_hold_a_control():
    """The city panel's sections reach the browser as HTML text (mounting Dash components was most of a
    click's time): open and closed alike. A section with a control in it (a button, a graph) must stay
    components, or its callbacks would never fire."""
    from dash import dcc, html

    from dashboard.layout import folded

    table = html.Table(html.Tr([html.Td("沈阳市", className="name"), html.Td("241,522.89")]))
    opened = html.Details(open=True, children=[html.Summary("COD"), table, html.P("a < b")])
    closed = html.Details(open=False, children=[html.Summary("SO2"), html.Div("附件4", title="注")])
    control = html.Details(open=True, children=[html.Summary("x"), dcc.Graph(id="g")])
    out = folded([opened, closed, control])
    for node, markup in ((out[0], '<table><tr><td class="name">沈阳市</td><td>241,522.89</td></tr></table>'
                                   "<p>a &lt; b</p>"),
                         (out[1], '<div title="注">附件4</div>')):
        summary, body = node.children
        assert isinstance(summary, html.Summary) and body.className == "section-body"
        assert getattr(body, "data-html") == markup and not body.children
    assert isinstance(out[2].children[1], dcc.Graph)  # left as a component


def test_the_city_panel_is_a_few_dozen_components(data):
    """Most of the panel is HTML text; what stays components is the heading, the buttons, the sections'
    frames. 158 components (the open section's 121 among them) took ~200 ms of Dash's renderer a click."""
    from dashboard.layout import folded

    children = folded(detail_panel(data, {"adcode": "210100"}, "city", None, "zh", False, group="cod")[0])

    def count(node) -> int:
        if isinstance(node, list | tuple):
            return sum(count(n) for n in node)
        kids = getattr(node, "children", None)
        return (1 + count(kids)) if hasattr(node, "to_plotly_json") else 0

    assert count(children) <= 60
    assert "241,522.89" in str(children)  # the open section still carries the annex value, as text
