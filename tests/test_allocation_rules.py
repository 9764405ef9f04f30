"""The allocation rules (issue 23), checked against sums worked out by hand in each test.

The inputs are invented and round: city number i (1 = 沈阳 … 14 = 葫芦岛, the annexes' order) emitted
1,000 × i t in 2020, so the 14 cities sum to 1,000 × (1 + 2 + … + 14) = 105,000 t. A 10 % provincial cut is
10,500 t. Every expected value below is plain arithmetic on those numbers, not a call of the code under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo.allocation import rules
from geo.allocation.engine import allocate
from geo.allocation.scenario import RuleInputs, Scenario, Target
from geo.core.errors import DataValidationError

#: The annexes' order of the cities (辽政发〔2017〕21号 附件2–5).
ORDER = ["210100", "210200", "210300", "210400", "210500", "210600", "210700", "210800", "210900", "211000",
         "211200", "211300", "211100", "211400"]
NAMES = ["沈阳市", "大连市", "鞍山市", "抚顺市", "本溪市", "丹东市", "锦州市", "营口市", "阜新市", "辽阳市", "铁岭市",
         "朝阳市", "盘锦市", "葫芦岛市"]
BASE = [1000.0 * i for i in range(1, 15)]  # Σ = 105,000


def table(**columns) -> tuple[dict, ...]:
    """Input rows for 2020: emission_t = 1,000 × i plus any other column (a list of 14 values)."""
    rows = []
    for n, adcode in enumerate(ORDER):
        row = {"adcode": adcode, "year": 2020, "emission_t": BASE[n], "source": "invented test data"}
        row.update({k: v[n] for k, v in columns.items()})
        rows.append(row)
    return tuple(rows)


def scenario(rule: str, value: float | None = 10.0, *, kind: str = "total_cut_pct", rows=None, projects=(), **inputs
             ) -> Scenario:
    return Scenario(name="test", target=Target("cod", kind, value), rule=rule, plan="十四五", target_year=2025,
                    inputs=RuleInputs(base_year=2020, **inputs), table=rows if rows is not None else table(),
                    projects=projects)


def cuts(alloc) -> list[float]:
    return list(alloc.table["cut_t"])


def assert_sums(alloc, total: float) -> None:
    assert round(sum(cuts(alloc)) * 100) == round(total * 100)
    assert alloc.province["cut_t"] == pytest.approx(total, abs=1e-9)
    assert alloc.check["ok"] and f"{total:,.2f}" in alloc.check["en"] and "Σ cities = province target" in alloc.check["en"]
    for c, b, cap in zip(alloc.table["cut_t"], alloc.table["base_t"], alloc.table["cap_t"]):
        assert cap == pytest.approx(b - c, abs=1e-9)


# ---- uniform ---------------------------------------------------------------------------------

def test_uniform_gives_every_city_the_provincial_percentage():
    a = allocate(scenario("uniform"))
    assert cuts(a) == [100.0 * i for i in range(1, 15)]  # 10 % of 1,000 × i
    assert_sums(a, 10_500.0)
    assert list(a.table["cut_pct"]) == [10.0] * 14
    assert a.province["cap_t"] == 94_500.0
    assert "基准年排放量 × 全省削减比例" in a.rule["formula_zh"] and "provincial cut %" in a.rule["formula_en"]


def test_cap_and_key_project_targets():
    # a cap of 100,000 t: the cut is 105,000 − 100,000 = 5,000 t, 5,000 ÷ 105,000 of every base
    a = allocate(scenario("uniform", 100_000.0, kind="cap_t"))
    assert_sums(a, 5_000.0)
    assert cuts(a)[0] == pytest.approx(1000 * 5000 / 105000, abs=0.01)  # 47.619… t


# ---- largest remainder ------------------------------------------------------------------------

def test_largest_remainder_by_hand():
    # 123.4, 234.5 and 342.1 hundredths: rounded down 123 + 234 + 342 = 699, one hundredth left for 700;
    # the largest remainder is 0.5 (the second) → 1.23, 2.35, 3.42
    got = rules.largest_remainder(pd.Series([1.234, 2.345, 3.421]), 700)
    assert list(got) == [123, 235, 342]
    # three equal thirds of 1.00 t: 33 + 33 + 33 = 99, the hundredth left goes to the first (ties: order)
    assert list(rules.largest_remainder(pd.Series([1 / 3] * 3), 100)) == [34, 33, 33]


def test_shares_add_up_exactly_with_the_largest_remainder():
    # three cities with one project of 1 t each share a key-project target of 1.00 t: 0.34, 0.33, 0.33
    projects = tuple({"adcode": a, "project": "p", "tonnes": 1.0, "source": "invented"} for a in ORDER[:3])
    a = allocate(scenario("key_projects", 1.0, kind="key_project_t", projects=projects))
    assert cuts(a)[:3] == [0.34, 0.33, 0.33] and cuts(a)[3:] == [0.0] * 11
    assert_sums(a, 1.0)


# ---- region ------------------------------------------------------------------------------------

RATES = {"shenyang_metro": 15, "沿海经济带": 10, "辽西先导区": 12, "east_green": 20}
# memberships (region_members.csv): 沈阳 metro; 大连 coast; 鞍山 metro + east (partial); 抚顺 metro + east
# (partial); 本溪 metro + east; 丹东 coast + east; 锦州 coast + west; 营口 coast; 阜新 metro + west; 辽阳 metro;
# 铁岭 metro + east (partial); 朝阳 west; 盘锦 coast; 葫芦岛 coast + west
STRICTEST = [15, 10, 20, 20, 20, 20, 12, 10, 15, 15, 20, 12, 10, 12]
LAXEST = [15, 10, 15, 15, 15, 10, 10, 10, 12, 15, 15, 12, 10, 10]


def test_region_rates_with_the_strictest_rate_and_no_target():
    a = allocate(scenario("region", None, rates=RATES, membership="strictest"))
    by_hand = [150, 200, 600, 800, 1000, 1200, 840, 800, 1350, 1500, 2200, 1440, 1300, 1680]  # 1,000 i × rate
    assert cuts(a) == by_hand
    assert_sums(a, 15_060.0)  # 150 + 200 + … + 1,680
    assert list(a.table["rate_pct"]) == STRICTEST
    assert "strictest" in a.table.set_index("name_zh").loc["锦州市", "rate_from"]


def test_region_laxest_and_mean():
    a = allocate(scenario("region", None, rates=RATES, membership="laxest"))
    assert list(a.table["rate_pct"]) == LAXEST
    assert cuts(a)[5] == 600.0  # 丹东: min(10, 20) % of 6,000
    m = allocate(scenario("region", None, rates=RATES, membership="mean"))
    assert cuts(m)[2] == 525.0  # 鞍山: (15 + 20) ÷ 2 = 17.5 % of 3,000
    assert cuts(m)[6] == 770.0  # 锦州: (10 + 12) ÷ 2 = 11 % of 7,000


def test_region_rates_scaled_to_a_target():
    a = allocate(scenario("region", 10.0, rates=RATES, membership="strictest"))
    by_hand = [c * 10_500 / 15_060 for c in [150, 200, 600, 800, 1000, 1200, 840, 800, 1350, 1500, 2200, 1440, 1300, 1680]]
    for got, want in zip(cuts(a), by_hand):
        assert got == pytest.approx(want, abs=0.01)
    assert_sums(a, 10_500.0)
    assert any("scaled" in n for n in a.notes)


def test_region_choice_per_city():
    choices = {"鞍山": "shenyang_metro", "抚顺": "east_green", "本溪": "shenyang_metro", "丹东": "coastal_belt",
               "锦州": "west_liaoning", "阜新": "west_liaoning", "铁岭": "east_green", "葫芦岛": "coastal_belt"}
    a = allocate(scenario("region", None, rates=RATES, membership="choice", choices=choices))
    assert list(a.table["rate_pct"]) == [15, 10, 15, 20, 15, 10, 12, 10, 12, 15, 20, 12, 10, 10]


def test_region_refuses_what_it_would_have_to_guess():
    with pytest.raises(DataValidationError) as e:  # no policy for cities in two regions
        allocate(scenario("region", None, rates=RATES))
    assert "锦州市 is in two or more regions" in str(e.value) and "field 'membership'" in str(e.value)
    with pytest.raises(DataValidationError) as e:  # a rate missing
        allocate(scenario("region", None, rates={"shenyang_metro": 15, "coastal_belt": 10, "west_liaoning": 12},
                          membership="strictest"))
    assert "no rate for 辽东绿色经济区 (east_green)" in str(e.value) and "rates.east_green" in str(e.value)
    with pytest.raises(DataValidationError) as e:  # a choice of a region the city is not in
        allocate(scenario("region", None, rates=RATES, membership="strictest", choices={"大连": "west_liaoning"}))
    assert "大连市" in str(e.value) and "not a region it belongs to" in str(e.value)
    with pytest.raises(DataValidationError) as e:
        allocate(scenario("region", None, rates={**RATES, "北京": 3}, membership="strictest"))
    assert "'北京' is not a region" in str(e.value)


# ---- proportional ------------------------------------------------------------------------------

def test_proportional_to_emissions_is_the_uniform_split():
    assert cuts(allocate(scenario("proportional", basis="emissions"))) == [100.0 * i for i in range(1, 15)]


def test_proportional_to_intensity():
    # GDP 100 亿元 everywhere: intensity = 10 i t per 亿元; cut ∝ 1,000 i × 10 i ∝ i²; Σ i² = 1,015
    a = allocate(scenario("proportional", rows=table(gdp_100m_yuan=[100.0] * 14), basis="intensity"))
    for i, got in enumerate(cuts(a), start=1):
        assert got == pytest.approx(10_500 * i * i / 1015, abs=0.01)
    assert cuts(a)[0] == pytest.approx(10.34, abs=0.01) and cuts(a)[13] == pytest.approx(2027.59, abs=0.01)
    assert_sums(a, 10_500.0)


def test_a_rule_that_needs_gdp_refuses_a_city_without_it():
    gdp = [100.0] * 13 + [None]
    with pytest.raises(DataValidationError) as e:
        allocate(scenario("proportional", rows=table(gdp_100m_yuan=gdp), basis="intensity"))
    assert "葫芦岛市 (211400) has no gdp_100m_yuan" in str(e.value)
    assert "沈阳市" not in str(e.value)


# ---- index -------------------------------------------------------------------------------------

def test_index_with_given_weights():
    # population 10 everywhere: normalised 1/14 each; emissions normalised i/105; weights ½ and ½;
    # index = 14 × (½ i/105 + ½ × 1/14) = i/15 + ½; cut ∝ 1,000 i × (i/15 + ½)
    a = allocate(scenario("index", rows=table(population_10k=[10.0] * 14), weights={"emission_t": 1, "population": 1}))
    raw = [i * (i / 15 + 0.5) for i in range(1, 15)]
    for got, r in zip(cuts(a), raw):
        assert got == pytest.approx(10_500 * r / sum(raw), abs=0.01)
    assert list(a.table["index"]) == pytest.approx([i / 15 + 0.5 for i in range(1, 15)])
    assert a.shown["weights"] == {"emission_t": 0.5, "population": 0.5}
    assert_sums(a, 10_500.0)


def test_entropy_weights_by_hand():
    # column a the same everywhere: entropy 1, weight 0. Column b = 1, 3: p = ¼, ¾,
    # e = −(¼ ln ¼ + ¾ ln ¾) ÷ ln 2 = 0.8113, so b takes the whole weight
    w = rules.entropy_weights(pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, 3.0]}))
    assert w["a"] == pytest.approx(0.0, abs=1e-12) and w["b"] == pytest.approx(1.0)
    e_b = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    w3 = rules.entropy_weights(pd.DataFrame({"b": [1.0, 3.0], "c": [1.0, 1.0 + 1e-9]}))
    assert 1 - e_b == pytest.approx(0.18872, abs=1e-5) and w3["b"] > 0.999


def test_index_with_entropy_weights_shows_them():
    a = allocate(scenario("index", rows=table(population_10k=[10.0] * 14), entropy=True))
    assert a.shown["entropy"] and set(a.shown["weights"]) == {"emission_t", "emission_per_capita", "population"}
    assert a.shown["weights"]["population"] == pytest.approx(0.0, abs=1e-12)  # the same in every city
    assert_sums(a, 10_500.0)


@pytest.mark.parametrize("weights, message", [
    ({"emission_t": -1, "population": 2}, "emission_t: weight -1 is negative"),
    ({"emission_t": 0, "population": 0}, "every weight is zero"),
    ({"colour": 1}, "'colour' is not an index input"),
])
def test_index_refuses_bad_weights(weights, message):
    with pytest.raises(DataValidationError) as e:
        allocate(scenario("index", rows=table(population_10k=[10.0] * 14), weights=weights))
    assert message in str(e.value) and "inputs.weights" in str(e.value)


# ---- converge ----------------------------------------------------------------------------------

def test_converge_to_equal_per_capita_by_the_target_year():
    # equal population: the 2025 cap of 94,500 t is split equally, 6,750 t each; cut = 1,000 i − 6,750
    a = allocate(scenario("converge", rows=table(population_10k=[300.0] * 14), basis="per_capita"))
    assert cuts(a) == [1000.0 * i - 6750 for i in range(1, 15)]
    assert cuts(a)[0] == -5750.0  # 沈阳 (here the smallest emitter) may grow
    assert_sums(a, 10_500.0)


def test_converge_halfway():
    # convergence in 2030: λ = (2025 − 2020) ÷ (2030 − 2020) = ½; cap = 94,500 × (½ i/105 + ½/14) = 450 i + 3,375
    a = allocate(scenario("converge", rows=table(population_10k=[300.0] * 14), basis="per_capita", convergence_year=2030))
    assert cuts(a) == [1000.0 * i - (450 * i + 3375) for i in range(1, 15)]
    assert a.shown["lambda"] == 0.5


# ---- key projects ------------------------------------------------------------------------------

def test_key_projects_sum_per_city_and_scale_to_a_target():
    projects = ({"adcode": "210100", "project": "污水厂一期", "tonnes": 100.0, "source": "invented"},
                {"adcode": "210100", "project": "污水厂二期", "tonnes": 50.0, "source": "invented"},
                {"adcode": "210200", "project": "管网", "tonnes": 300.0, "source": "invented"})
    a = allocate(scenario("key_projects", None, projects=projects))
    assert cuts(a)[:2] == [150.0, 300.0] and sum(cuts(a)[2:]) == 0  # 100 + 50; 300
    assert_sums(a, 450.0)
    b = allocate(scenario("key_projects", 900.0, kind="key_project_t", projects=projects))
    assert cuts(b)[:2] == [300.0, 600.0]  # × 900 ÷ 450


# ---- floors and ceilings -------------------------------------------------------------------------

def test_a_ceiling_pushes_its_excess_onto_the_others():
    # 葫芦岛 at most 8 %: 8 % of 14,000 = 1,120 t; the other 9,380 t over the 91,000 t of cities 1–13
    a = allocate(scenario("uniform", ceilings={"葫芦岛": 8}))
    assert cuts(a)[13] == 1120.0
    for i, got in enumerate(cuts(a)[:13], start=1):
        assert got == pytest.approx(1000 * i * 9380 / 91000, abs=0.01)
    assert a.table["bound"].tolist()[13] == "ceiling"
    assert_sums(a, 10_500.0)


def test_a_floor_takes_from_the_others():
    # 沈阳 at least 12 %: 120 t; the other 10,380 t over 104,000 t
    a = allocate(scenario("uniform", floors={"沈阳市": 12}))
    assert cuts(a)[0] == 120.0
    for i, got in enumerate(cuts(a)[1:], start=2):
        assert got == pytest.approx(1000 * i * 10380 / 104000, abs=0.01)
    assert_sums(a, 10_500.0)


def test_ceilings_cascade():
    # 葫芦岛 ≤ 5 %, 盘锦 ≤ 10.5 %. Round 1: 10 % each, 葫芦岛 over → 700 t. Round 2: 9,800 t over 91,000 t
    # = 10.77 %, 盘锦 over → 10.5 % of 13,000 = 1,365 t. Round 3: 10,500 − 700 − 1,365 = 8,435 t over the
    # 78,000 t of cities 1–12.
    a = allocate(scenario("uniform", ceilings={"葫芦岛": 5, "盘锦": 10.5}))
    assert cuts(a)[13] == 700.0 and cuts(a)[12] == 1365.0
    for i, got in enumerate(cuts(a)[:12], start=1):
        assert got == pytest.approx(1000 * i * 8435 / 78000, abs=0.01)
    assert_sums(a, 10_500.0)


def test_bounds_in_cap_space_for_converge():
    # Equal population: equal caps of 94,500 ÷ 14 = 6,750 t would let cities 1–6 grow. A floor of 0 % (no
    # growth) holds their caps at their bases (21,000 t together); the other 73,500 t of cap split equally
    # over cities 7–14 is 9,187.5 t, still above the bases of cities 7, 8 and 9, which are held too
    # (24,000 t); the last 49,500 t over cities 10–14 is 9,900 t each: cuts 100, 1,100, 2,100, 3,100, 4,100.
    a = allocate(scenario("converge", rows=table(population_10k=[300.0] * 14), basis="per_capita", floors={"*": 0}))
    assert cuts(a) == [0.0] * 9 + [100.0, 1100.0, 2100.0, 3100.0, 4100.0]
    assert list(a.table["bound"]) == ["floor"] * 9 + [""] * 5
    assert_sums(a, 10_500.0)


@pytest.mark.parametrize("inputs, field, words", [
    ({"floors": {"*": 11}}, "floors", "the floors (cut ≥ 11 % in every city) need a cut of at least 11,550.00 t"),
    ({"ceilings": {"*": 9}}, "ceilings", "the ceilings (cut ≤ 9 % in every city) allow a cut of at most 9,450.00 t"),
    ({"floors": {"沈阳": 12}, "ceilings": {"沈阳": 11}}, "floors.210100", "沈阳市: floor 12 % is above its ceiling 11 %"),
])
def test_impossible_bounds_are_refused_naming_the_bound(inputs, field, words):
    with pytest.raises(DataValidationError) as e:
        allocate(scenario("uniform", **inputs))
    assert words in str(e.value) and f"field '{field}'" in str(e.value)


# ---- what stands beside --------------------------------------------------------------------------

def test_stats_extremes_inequality_sensitivity_and_path():
    pop = [100.0 * i for i in range(1, 15)]  # per capita the same everywhere: Gini 0, Theil 0
    rows = table(population_10k=pop) + tuple(
        {"adcode": a, "year": 2021, "emission_t": 1000.0 * (15 - i), "source": "invented"} for i, a in enumerate(ORDER, 1))
    a = allocate(scenario("uniform", rows=rows, floors={"沈阳": 20}))
    st = a.stats
    assert st["extremes"]["largest"] == {"adcode": "210100", "name_zh": "沈阳市", "cut_pct": 20.0}
    assert st["extremes"]["smallest"]["cut_pct"] == pytest.approx(10_300 / 104_000 * 100, abs=1e-3)
    ineq = st["inequality"]["per_capita"]
    assert ineq["gini_base"] == pytest.approx(0.0) and ineq["theil_base"] == pytest.approx(0.0)
    assert ineq["gini"] > 0 and not st["inequality"]["per_gdp"]["available"]
    # base year 2021 (emissions 1,000 × (15 − i)): 沈阳's floor 20 % of 14,000 = 2,800 t = 26.67 % of the cut,
    # against 200 ÷ 10,500 = 1.90 % in 2020
    moved = st["base_year_sensitivity"]["years"]["2021"]
    assert moved["delta_share_pp"]["210100"] == pytest.approx((2800 / 10_500 - 200 / 10_500) * 100, abs=1e-3)
    assert "2019" not in st["base_year_sensitivity"]["years"]
    # a straight path: 葫芦岛 14,000 t in 2020 down to its cap in 2025, the same tonnes every year
    path = a.path[a.path.adcode == "211400"].set_index("year")["emission_t"]
    cut = a.table.set_index("adcode").loc["211400", "cut_t"]
    assert list(path.index) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert path[2020] == 14_000 and path[2025] == pytest.approx(14_000 - cut) and \
        path[2022] == pytest.approx(14_000 - cut * 2 / 5, abs=0.005)


def test_gini_and_theil_by_hand():
    from geo.allocation.stats import gini, theil

    # 1, 3: mean 2; Σ|xi − xj| over ordered pairs = 4; Gini = 4 ÷ (2 × 4 × 2) = 0.25
    assert gini([1, 3]) == pytest.approx(0.25)
    # Theil = ½ (½ ln ½ + 1.5 ln 1.5)
    assert theil([1, 3]) == pytest.approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))


def test_rules_catalogue_is_json_and_names_every_rule():
    import json

    cat = json.loads(json.dumps(rules.rules_catalogue(), ensure_ascii=False))
    assert [r["id"] for r in cat] == ["uniform", "region", "proportional", "index", "converge", "key_projects", "annex2017"]
    for r in cat:
        assert r["formula_zh"] and r["formula_en"] and r["inputs"]


def test_a_scenario_round_trips_through_json():
    import json

    from geo.allocation.scenario import scenario_from_dict

    s = scenario("region", None, rates=RATES, membership="strictest", floors={"*": 5})
    again = scenario_from_dict(json.loads(json.dumps(s.as_dict(), ensure_ascii=False)))
    assert again == s
    with pytest.raises(DataValidationError) as e:
        scenario_from_dict({**s.as_dict(), "colour": "red"})
    assert "unknown key 'colour'" in str(e.value)
