"""The allocation workbench's JSON API (dashboard/workbench.py): its answers against sums done by hand here,
from the annex table and the region memberships as committed; bad input is a 400 naming the field, and
nothing is stored; requests are bounded; the downloads are the scenario's table."""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import flask
import pytest

from dashboard.auth import init_auth
from dashboard.workbench import API, DOWNLOAD, MAX_PARAMS, MAX_QUERY_BYTES, SCENARIOS, create_blueprint
from geo.core.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
HOST = "http://localhost"
RATES = {"shenyang_metro": 12.0, "coastal_belt": 10.0, "west_liaoning": 8.0, "east_green": 9.0}
REGION_QUERY = "rule=region&rates=" + ",".join(f"{k}:{v:g}" for k, v in RATES.items()) + "&m=strictest"


def _bases(pollutant: str = "cod") -> dict[str, float]:
    """2015 emissions by adcode, straight from annex_quotas.csv."""
    with open(ROOT / "data/indicators/annex_quotas.csv", encoding="utf-8") as f:
        return {r["adcode"]: float(r["value"]) for r in csv.DictReader(f)
                if r["indicator_id"] == f"{pollutant}_emission_2015_t"}


def _regions_of() -> dict[str, list[str]]:
    with open(ROOT / "data/indicators/region_members.csv", encoding="utf-8") as f:
        out: dict[str, list[str]] = {}
        for r in csv.DictReader(f):
            out.setdefault(r["adcode"], []).append(r["region_id"])
        return out


def _cents(x: float) -> int:
    return int((Decimal(repr(x)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.fixture
def client():
    app = flask.Flask("workbench-test")
    init_auth(app, get_settings())
    app.register_blueprint(create_blueprint(get_settings()))
    return app.test_client()


def _get(client, query: str):
    return client.get(f"{API}?{query}")


def _by_city(body) -> dict[str, dict]:
    return {c["adcode"]: c for c in body["cities"]}


def test_uniform_ten_percent_is_every_city_base_times_a_tenth(client):
    resp = _get(client, "rule=uniform&target=10&p=cod")
    assert resp.status_code == 200
    body = resp.get_json()
    bases = _bases()
    total_cents = _cents(sum(bases.values()) * 0.10)
    assert len(body["cities"]) == 14
    assert body["province"]["cut_t"] == total_cents / 100
    assert body["province"]["base_t"] == pytest.approx(sum(bases.values()), abs=0.005)
    for adcode, c in _by_city(body).items():
        assert c["base_t"] == bases[adcode]
        assert c["cut_t"] == pytest.approx(bases[adcode] * 0.10, abs=0.01)  # largest remainder moves ≤ 1 cent
        assert c["cap_t"] == pytest.approx(bases[adcode] - c["cut_t"], abs=0.001)
        assert c["name_en"] and c["name_zh"].endswith("市")
    assert sum(_cents(c["cut_t"]) for c in body["cities"]) == total_cents  # Σ cities = province, to the cent
    assert body["check"]["ok"] and "✓" in body["check"]["zh"] and "✓" in body["check"]["en"]
    assert body["rule"]["id"] == "uniform" and body["formula"]["zh"] and body["formula"]["en"]
    assert any("附件2" in s for s in body["sources"]["zh"]) and any("annex 2" in s for s in body["sources"]["en"])
    assert body["stats"]["extremes"]["smallest"]["cut_pct"] == pytest.approx(10.0)


def test_region_rates_with_the_strictest_membership_scaled_to_the_target(client):
    body = _get(client, REGION_QUERY + "&target=10").get_json()
    bases, regions = _bases(), _regions_of()
    rate = {a: max(RATES[r] for r in regions[a]) for a in bases}  # the strictest of a city's regions
    raw = {a: bases[a] * rate[a] / 100 for a in bases}
    target = sum(bases.values()) * 0.10
    scale = target / sum(raw.values())
    got = _by_city(body)
    for a in bases:
        assert got[a]["rate_pct"] == rate[a]
        assert got[a]["cut_t"] == pytest.approx(raw[a] * scale, abs=0.01)
    assert got["210100"]["rate_why"] == "only" and got["210300"]["rate_why"] == "strictest"  # 鞍山: 都市圈 + 辽东 (partial)
    assert sum(_cents(c["cut_t"]) for c in body["cities"]) == _cents(target) == _cents(body["province"]["cut_t"])
    # the inputs in words, with no identifier in either language
    words = json.dumps(body["inputs"], ensure_ascii=False)
    assert "shenyang_metro" not in words and "strictest" not in words.replace("the strictest (highest) rate", "")
    assert any("沿海经济带 10 %" in line for line in body["inputs"]["zh"])
    assert any("Coastal belt 10 %" in line for line in body["inputs"]["en"])


def test_region_without_a_target_is_the_cities_own_tonnes(client):
    body = _get(client, REGION_QUERY + "&target=").get_json()
    bases, regions = _bases(), _regions_of()
    expected = {a: bases[a] * max(RATES[r] for r in regions[a]) / 100 for a in bases}
    for a, c in _by_city(body).items():
        assert c["cut_t"] == pytest.approx(expected[a], abs=0.01)
    assert _cents(body["province"]["cut_t"]) == sum(_cents(v) for v in expected.values())


def test_a_floor_holds_one_city_and_the_rest_is_split_by_the_same_rule(client):
    body = _get(client, "rule=uniform&target=10&floors=211300:15").get_json()
    bases = _bases()
    target = sum(bases.values()) * 0.10
    chaoyang = bases["211300"] * 0.15
    others = sum(v for a, v in bases.items() if a != "211300")
    got = _by_city(body)
    assert got["211300"]["cut_t"] == pytest.approx(chaoyang, abs=0.01)
    assert got["211300"]["bound"] == "floor"
    for a in bases:
        if a != "211300":
            assert got[a]["cut_t"] == pytest.approx((target - chaoyang) * bases[a] / others, abs=0.01)
    assert body["check"]["ok"]
    assert any("朝阳市（下限）" in n for n in body["notes"]["zh"]) and any("Chaoyang (floor)" in n for n in body["notes"]["en"])


def test_a_ceiling_for_every_city_and_a_cap_target(client):
    bases = _bases("nox")
    body = _get(client, "rule=uniform&p=nox&kind=cap_t&target=" + f"{sum(bases.values()) * 0.9:.2f}"
                + "&ceils=*:12").get_json()
    assert body["province"]["cut_pct"] == pytest.approx(10.0, abs=0.001)
    assert all(c["cut_pct"] <= 12.0 + 1e-9 for c in body["cities"])


def test_post_of_a_scenario_answers_as_the_get(client):
    scenario = {"name": "B", "rule": "region", "target": {"pollutant": "cod", "kind": "total_cut_pct", "value": 10},
                "inputs": {"rates": {k: v for k, v in RATES.items()}, "membership": "strictest"}}
    posted = client.post(API, json={"scenario": scenario}, headers={"Origin": HOST})
    assert posted.status_code == 200
    got = _get(client, REGION_QUERY + "&target=10&name=B").get_json()
    assert [c["cut_t"] for c in posted.get_json()["cities"]] == [c["cut_t"] for c in got["cities"]]


@pytest.mark.parametrize("query,field,zh", [
    ("rule=uniform&target=abc", "target.value", "不是数字"),
    ("rule=uniform&target=10&floors=*:20", "floors", "下限"),
    ("rule=region&target=10&rates=shenyang_metro:12,coastal_belt:10,east_green:9&m=strictest", "rates.west_liaoning",
     "没有削减率"),
    ("rule=region&target=10&rates=shenyang_metro:12,coastal_belt:10,west_liaoning:8,east_green:9", "membership",
     "属于多个区域"),
    ("rule=index&target=10&w=emission_t:-1", "inputs.weights.emission_t", "为负"),
    ("rule=index&target=10&w=emission_t:0,key_project_t:0", "inputs.weights", "都为 0"),
    ("rule=annex2017&target=5", "target.value", "不需要目标值"),
    ("rule=nonsense&target=10", "rule", "不是可用的值"),
    ("rule=uniform&target=10&colour=red", "colour", "未知参数"),
])
def test_bad_input_is_a_400_naming_the_field_in_both_languages(client, query, field, zh):
    resp = _get(client, query)
    assert resp.status_code == 400
    problems = resp.get_json()["problems"]
    assert any(p["field"] == field for p in problems), problems
    p = next(p for p in problems if p["field"] == field)
    assert zh in p["message"]["zh"] and p["message"]["en"]
    assert p["field_text"]["zh"] and p["field_text"]["en"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in p["field_text"]["en"])


def _as_editor(client, name="alice"):
    from geo.store.users import add_user

    add_user(name, "correct horse battery", get_settings())
    with client.session_transaction() as sess:
        sess["_user_id"] = name
        sess["_fresh"] = True


def test_storing_needs_an_editor_and_bad_input_stores_nothing(client):
    from geo.allocation.store import list_scenarios

    good = {"rule": "uniform", "target": "10", "p": "cod", "name": "十五五 统一"}
    assert client.post(SCENARIOS, json=good, headers={"Origin": HOST}).status_code == 401  # a viewer
    assert list_scenarios() == []
    _as_editor(client)
    bad = {**good, "floors": "*:20"}
    resp = client.post(SCENARIOS, json=bad, headers={"Origin": HOST})
    assert resp.status_code == 400 and resp.get_json()["problems"][0]["field"] == "floors"
    assert list_scenarios() == []
    resp = client.post(SCENARIOS, json={**good, "note": "draft"}, headers={"Origin": HOST})
    assert resp.status_code == 200 and resp.get_json()["version"] == 1
    listed = client.get(SCENARIOS).get_json()["scenarios"]
    assert [(r["name"], r["version"], r["author"]) for r in listed] == [("十五五 统一", 1, "alice")]
    loaded = client.get(f"{SCENARIOS}/十五五 统一").get_json()
    assert loaded["state"]["rule"] == "uniform" and loaded["state"]["target"] == "10" and loaded["shared"]["p"] == "cod"


def test_requests_are_bounded(client):
    long = _get(client, "rule=uniform&target=10&name=" + "x" * MAX_QUERY_BYTES)
    assert long.status_code == 400 and long.get_json()["problems"][0]["field"] == "request"
    many = _get(client, "&".join(f"k{i}=1" for i in range(MAX_PARAMS + 1)))
    assert many.status_code == 400 and many.get_json()["problems"][0]["field"] == "request"
    pairs = _get(client, "rule=uniform&target=10&floors=" + ",".join(f"*:{i}" for i in range(30)))
    assert pairs.status_code == 400 and "超过" in pairs.get_json()["problems"][0]["message"]["zh"]
    body = client.post(API, data=b"{" + b" " * 40_000 + b"}", content_type="application/json", headers={"Origin": HOST})
    assert body.status_code == 400 and body.get_json()["problems"][0]["field"] == "request"


def test_downloads_carry_the_scenarios_table(client):
    resp = client.get(f"{DOWNLOAD}?fmt=csv&rule=uniform&target=10")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == 15 and rows[-1]["adcode"] == "210000"
    assert sum(_cents(float(r["cut_t"])) for r in rows[:14]) == _cents(float(rows[-1]["cut_t"]))
    from openpyxl import load_workbook

    xlsx = client.get(f"{DOWNLOAD}?fmt=xlsx&{REGION_QUERY}&target=10")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(3, 2).value == "沈阳市" and sheet.cell(17, 2).value == "全省合计"
    for fmt, magic in (("pdf", b"%PDF"), ("pptx", b"PK")):
        got = client.get(f"{DOWNLOAD}?fmt={fmt}&rule=uniform&target=10")
        assert got.status_code == 200 and got.data.startswith(magic)
    assert client.get(f"{DOWNLOAD}?fmt=doc&rule=uniform&target=10").status_code == 400


def test_the_page_names_an_unknown_link_value_and_keeps_the_defaults(client):
    page = client.get("/workbench?a_rule=bogus&b_rates=nowhere:3&colour=red").get_data(as_text=True)
    config = json.loads(page.split('type="application/json">', 1)[1].split("</script>", 1)[0])
    assert config["state"]["a"]["rule"] == "uniform"
    zh = " ".join(config["notices"]["zh"])
    assert "bogus" in zh and "nowhere" in zh and "colour" in zh
    assert "方案 A · 分配规则" in zh
