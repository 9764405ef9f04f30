"""Tests that kill surviving mutants of geo/measures/catalogue.py (bench/results_mutation.md).

Each test names the bug it catches; expected values come from the policy text, a hand
calculation in the comment, or another library -- never from the code under test.
The catalogue (``CATALOGUE``, built at import, not mutated) is an independent oracle for
:func:`lookup`: an id of a later plan must read like the catalogue's entry of the same
measure with the years moved.
"""

import re

import pandas as pd
import pytest

from geo.core.errors import DataValidationError, Problem
from geo.measures.catalogue import (
    BY_ID,
    Indicator,
    Period,
    catalogue_frame,
    formula_words,
    lookup,
    parse_annexes,
    read_text_utf8,
    seed_path,
    templates,
)

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
FOURTEENTH = Period("十四五", 2020, 2025, (("so2", "SRC-SO2"), ("energy", "SRC-E")))


def test_energy_headroom_formula_reads_in_one_language():
    """Bug: the 'over the cap' clause of the energy headroom formula comes out in Chinese in the English
    text and in English in the Chinese text."""
    ind = lookup("energy_increment_headroom_2018_10kt_ce")
    en, zh = formula_words(ind, "en"), formula_words(ind, "zh")
    assert not CJK.search(en), en
    assert "over the cap" not in zh and "小于 0 为超出上限" in zh, zh


def _moved(text: str, years: dict[str, str], ids: dict[str, str]) -> str:
    """``text`` with catalogue ids renamed (``ids``) and other years moved (``years``), in one pass."""
    swap = {**years, **ids}
    return re.sub("|".join(sorted(map(re.escape, swap), key=len, reverse=True)), lambda m: swap[m.group()], text)


# 十三五 (2015 -> 2020) moved to 十四五 (2020 -> 2025); the catalogue's un-yeared ids get the plan's year.
YEARS = {"2015": "2020", "2020": "2025"}
IDS = {"so2_emission_2015_t": "so2_emission_2020_t", "so2_cut_target_pct": "so2_cut_target_2025_pct",
       "so2_cap_2020_t": "so2_cap_2025_t", "so2_emission_2020_observed_t": "so2_emission_2025_observed_t"}


@pytest.mark.parametrize(("catalogue_id", "plan_id", "same_name_zh"), [
    ("so2_cap_2020_t", "so2_cap_2025_t", True),
    ("so2_required_cut_t", "so2_required_cut_2025_t", True),
    ("so2_progress_pct", "so2_progress_2025_pct", False),
    ("so2_gap_to_cap_t", "so2_gap_to_cap_2025_t", True),
    ("so2_key_project_cut_t", "so2_key_project_cut_2025_t", True),
    ("so2_emission_2015_t", "so2_emission_2020_t", True),
])
def test_a_later_plans_ids_read_like_the_catalogues(catalogue_id, plan_id, same_name_zh):
    """Bug: a name, unit, year, base year or formula of a later plan's measure (lookup's own text) that
    says something else than the catalogue's entry of the same measure does with the years moved."""
    cat, got = BY_ID[catalogue_id], lookup(plan_id, FOURTEENTH)
    assert got is not None and got.id == plan_id and got.group == "so2"
    # the measure: the catalogue's, without the year of a fixed-year measure (cap_2020 -> cap)
    assert got.measure == {"cap_2020": "cap", "emission_2015": "emission_2020"}.get(cat.measure, cat.measure)
    if same_name_zh:
        assert got.name_zh == _moved(cat.name_zh, YEARS, {})
    assert got.name_en == _moved(cat.name_en, YEARS, {})
    assert (got.unit, got.year, got.base_year) == (cat.unit, _moved(cat.year, YEARS, {}), _moved(cat.base_year, YEARS, {}))
    assert got.formula == _moved(cat.formula, YEARS, IDS)
    assert (got.diverging, got.centre) == (cat.diverging, cat.centre)


def test_a_later_plans_ids_kind_source_and_the_names_written_out():
    """Bug: a later plan's measure with the wrong kind (plan / derived / observed), without the plan's
    citation (or the 'user import' half of it), or a name that does not say the year."""
    P = FOURTEENTH
    kinds = {"so2_emission_2020_t": "plan", "so2_cut_target_2025_pct": "plan", "so2_key_project_cut_2025_t": "plan",
             "so2_cap_2025_t": "derived", "so2_required_cut_2025_t": "derived", "so2_path_2023_t": "derived",
             "so2_progress_2025_pct": "observed", "so2_gap_to_cap_2025_t": "observed",
             "so2_ahead_of_path_2023_t": "observed"}
    for i, kind in kinds.items():
        ind = lookup(i, P)
        assert ind.kind == kind, i
        assert ind.source == ("SRC-SO2; user import" if kind == "observed" else "SRC-SO2"), i
    assert lookup("so2_cut_target_2025_pct", P).name_zh == "二氧化硫 2025年下降比例（较2020年）"
    assert lookup("so2_cut_target_2025_pct", P).name_en == "SO2 2025 cut target vs 2020"
    cut = lookup("so2_cut_target_2025_pct", P)
    assert (cut.unit, cut.year, cut.base_year, cut.measure) == ("%", "2025", "2020", "cut_target")
    assert lookup("so2_progress_2025_pct", P).name_zh == "二氧化硫 2025年减排目标完成进度"
    assert lookup("so2_emission_2020_t", P).measure == "emission_2020"
    # 十四五's path: 2020 baseline to the 2025 cap over 5 years
    path = lookup("so2_path_2023_t", P)
    assert path.name_zh == "二氧化硫 2023年目标路径值" and path.name_en == "SO2 2023 on the straight path to the 2025 cap"
    assert path.formula == "so2_emission_2020_t − (so2_emission_2020_t − so2_cap_2025_t) × (2023 − 2020) ÷ 5, rounded to 0.01"
    assert (path.unit, path.year, path.base_year, path.measure) == ("t", "2023", "2020", "path")
    ahead = lookup("so2_ahead_of_path_2023_t", P)
    assert ahead.name_zh == "二氧化硫 2023年领先目标路径量" and ahead.name_en == "SO2 2023 ahead of the path to the 2025 cap"
    assert ahead.formula == ("so2_path_2023_t − so2_emission_2023_observed_t, rounded to 0.01; "
                             "> 0 ahead of the path, < 0 behind it")
    assert (ahead.unit, ahead.year, ahead.base_year, ahead.diverging, ahead.measure) == ("t", "2023", "2020", True,
                                                                                        "ahead_of_path")
    obs = lookup("so2_emission_2018_observed_t")
    cat = BY_ID["so2_emission_2020_observed_t"]
    assert (obs.name_zh, obs.name_en, obs.source, obs.kind, obs.unit, obs.base_year, obs.measure) == (
        "二氧化硫 2018年实际排放量", "SO2 observed 2018 emissions", cat.source, "observed", "t", "", "observed_2018")
    assert obs.year == "2018"


def test_energy_ids_of_a_later_plan_and_of_observed_years():
    """Bug: an energy measure described with the wrong period (the years 'B+1–Y' it sums over), unit,
    kind or citation, or its progress and headroom measured against 十三五's targets in a later plan."""
    P = FOURTEENTH
    cut, cat_cut = lookup("energy_intensity_cut_target_2025_pct", P), BY_ID["energy_intensity_cut_target_pct"]
    # the catalogue's "2016–2020 cut in energy use per unit GDP", five years on
    assert cut.name_en == _moved(cat_cut.name_en, {"2016": "2021", "2020": "2025"}, {})
    assert (cut.name_zh, cut.unit, cut.year, cut.base_year, cut.kind, cut.source, cut.measure) == (
        "2021–2025年能耗强度降低目标", "%", "2025", "2020", "plan", "SRC-E", "cut_target")
    cap, cat_cap = lookup("energy_increment_cap_2025_10kt_ce", P), BY_ID["energy_increment_cap_10kt_ce"]
    assert cap.name_en == _moved(cat_cap.name_en, {"2016": "2021", "2020": "2025"}, {})
    assert (cap.name_zh, cap.unit, cap.year, cap.base_year, cap.kind, cap.source, cap.measure) == (
        "2021–2025年能耗增量控制目标", "10kt_ce", "2021–2025", "", "plan", "SRC-E", "increment_cap")
    # one year's observed values: against the year before
    dec = lookup("energy_intensity_decline_2023_observed_pct", P)
    assert (dec.name_zh, dec.name_en, dec.unit, dec.year, dec.base_year, dec.kind, dec.measure) == (
        "2023年能耗强度实际降低率", "Observed 2023 decline in energy use per unit GDP", "%", "2023", "2022", "observed",
        "intensity_decline_2023")
    assert dec.source == BY_ID["so2_emission_2020_observed_t"].source  # the user import's citation
    inc = lookup("energy_increment_2023_observed_10kt_ce", P)
    assert (inc.name_zh, inc.name_en, inc.unit, inc.year, inc.base_year, inc.kind, inc.measure) == (
        "2023年能源消费实际增量", "Observed 2023 increment in energy use", "10kt_ce", "2023", "2022", "observed",
        "increment_2023")
    # cumulative over 2021..2023: declines compound (1 − Π(1 − d)), increments add up (Σ)
    cum = lookup("energy_intensity_cumulative_decline_2023_pct", P)
    assert (cum.name_zh, cum.name_en, cum.unit, cum.year, cum.base_year, cum.kind, cum.source) == (
        "2021–2023年能耗强度累计降低率", "Cumulative decline in energy use per unit GDP 2021–2023", "%", "2023", "2020",
        "observed", "user import")
    assert cum.formula == ("(1 − Π(1 − energy_intensity_decline_k_observed_pct ÷ 100) over k = 2021–2023) × 100: "
                           "yearly declines compound, they are not added, rounded to 0.01")
    ci = lookup("energy_increment_cumulative_2023_10kt_ce", P)
    assert (ci.name_zh, ci.name_en, ci.unit, ci.year, ci.base_year, ci.kind, ci.source) == (
        "2021–2023年能源消费累计增量", "Cumulative increment in energy use 2021–2023", "10kt_ce", "2021–2023", "2020",
        "observed", "user import")
    assert ci.formula == "Σ energy_increment_k_observed_10kt_ce over k = 2021–2023, rounded to 0.01"
    prog = lookup("energy_intensity_progress_2023_pct", P)
    assert (prog.name_zh, prog.name_en, prog.unit, prog.year, prog.base_year, prog.kind, prog.source) == (
        "能耗强度降低目标完成进度（2021–2023年）", "Progress towards the energy-intensity target (2021–2023)", "%", "2023",
        "2020", "observed", "SRC-E; user import")
    assert prog.formula == ("energy_intensity_cumulative_decline_2023_pct ÷ energy_intensity_cut_target_2025_pct × 100; "
                            "100 = target reached")
    assert (prog.diverging, prog.centre) == (True, 100.0)
    head = lookup("energy_increment_headroom_2023_10kt_ce", P)
    assert (head.name_zh, head.name_en, head.unit, head.year, head.base_year, head.kind, head.source) == (
        "能耗增量余量（2021–2023年）", "Energy increment left under the cap (2021–2023)", "10kt_ce", "2021–2023", "2020",
        "observed", "SRC-E; user import")
    assert head.formula == "energy_increment_cap_2025_10kt_ce − energy_increment_cumulative_2023_10kt_ce; < 0 over the cap"
    assert (head.diverging, head.centre) == (True, 0.0)
    # 十三五's own progress and headroom point at the catalogue's un-yeared targets
    assert "÷ energy_intensity_cut_target_pct × 100" in lookup("energy_intensity_progress_2018_pct").formula
    assert lookup("energy_increment_headroom_2018_10kt_ce").formula.startswith("energy_increment_cap_10kt_ce − ")
    # 十三五's citation of 附件1 columns 1 and 2 (辽政发〔2017〕21号)
    assert lookup("energy_intensity_progress_2018_pct").source == "辽政发〔2017〕21号 附件1 第1、2列; user import"


def test_formula_words_of_yearly_and_energy_formulas_in_both_languages():
    """Bug: a yearly id (not in the catalogue, so not named by geo.measures.catalogue.words) left as a raw id or
    named in the other language, or a clause of the energy formulas left untranslated in the Chinese text
    (or translated in the English one)."""
    ahead = lookup("so2_ahead_of_path_2018_t")
    # the names of so2_path_2018_t and so2_emission_2018_observed_t, then 附注 in Chinese
    assert formula_words(ahead, "zh") == ("二氧化硫 2018年目标路径值 − 二氧化硫 2018年实际排放量，保留两位小数；"
                                          "大于 0 为领先目标路径，小于 0 为落后")
    cum = lookup("energy_intensity_cumulative_decline_2018_pct")
    assert formula_words(cum, "zh") == ("(1 − Π(1 − k年能耗强度实际降低率 ÷ 100)，k = 2016–2018) × 100："
                                        "逐年降低率连乘，不是相加，保留两位小数")
    assert formula_words(cum, "en") == ("(1 − Π(1 − observed decline in year k ÷ 100) over k = 2016–2018) × 100: "
                                        "yearly declines compound, they are not added, rounded to 0.01")
    inc = lookup("energy_increment_cumulative_2018_10kt_ce")
    assert formula_words(inc, "zh") == "Σ k年能源消费实际增量，k = 2016–2018，保留两位小数"
    assert formula_words(inc, "en") == "Σ observed increment in year k over k = 2016–2018, rounded to 0.01"
    assert formula_words(lookup("so2_emission_2015_t"), "zh") == ""  # an annex value has no formula


def test_formula_words_names_catalogue_and_yearly_ids_together():
    """Bug: a catalogue id (left to geo.measures.catalogue.words) ends the naming of the yearly ids after it,
    which stay raw ids in the text."""
    ind = Indicator("x", "so2", "x", "", "", "t", "2018", "", "derived", "",
                    formula="so2_cut_beyond_projects_t + so2_ahead_of_path_2018_t − so2_path_2018_t")
    assert formula_words(ind, "en") == ("SO2 required cut not covered by key projects + SO2 2018 ahead of the path to "
                                        "the 2020 cap − SO2 2018 on the straight path to the 2020 cap")
    assert formula_words(ind, "zh") == ("二氧化硫 重点工程以外需减排量 + 二氧化硫 2018年领先目标路径量 − "
                                        "二氧化硫 2018年目标路径值")


# ------------------------------------------------------------------ parse_annexes: every problem, where it is

DOC = "辽政发〔2017〕21号"  # parse_annexes' default source: the quota document's number


@pytest.fixture(scope="module")
def seed(seeds_dir) -> str:
    return read_text_utf8(next(seeds_dir.glob("003_*.txt")))


def _at(lines: list[str], text: str, after: int = 0) -> int:
    """The 1-based number of the first line from index ``after`` on that starts with ``text``."""
    return next(n for n in range(after, len(lines)) if lines[n].startswith(text)) + 1


def _annex_rows(lines: list[str], annex: int) -> tuple[int, int]:
    """(0-based index of annex ``annex``'s header line, of its first blank line after the table)."""
    head = _at(lines, f"附件 {annex}") - 1
    header = _at(lines, "城 市", head) - 1
    end = next(n for n in range(header, len(lines)) if not lines[n].strip())
    return header, end


def _found(text: str) -> list[Problem]:
    with pytest.raises(DataValidationError) as exc:
        parse_annexes(text)
    return exc.value.problems


def test_parse_annexes_names_each_annex_and_header_problem_and_goes_on(seed):
    """Bugs: a problem with the wrong line, column or document (or none); the parse stopping at the first
    annex without a header or with a header of the wrong width instead of reporting the next annexes."""
    lines = seed.splitlines()
    lines[_at(lines, "附件 1") - 1] = "附录"  # annex 1's heading gone: annex 1 not found
    h2, _ = _annex_rows(lines, 2)
    lines[h2] = "\t".join(lines[h2].split("\t")[:3])  # annex 2: a header of three columns
    h3, _ = _annex_rows(lines, 3)
    lines[h3] = lines[h3].replace("城 市", "地 区")  # annex 3: no header row starting with 城市
    h5, _ = _annex_rows(lines, 5)
    cells = lines[h5].split("\t")
    lines[h5] = "\t".join([cells[0], "2015 年产量 (吨)", "2020 年增长比例 (%)", cells[3]])  # two wrong words
    expected_4 = ("城市", "2015年排放量(吨)", "2020年下降比例(%)", "2020年重点工程减排量(吨)")
    assert _found("\n".join(lines)) == [
        Problem("annex 1 (附件 1) not found", source=DOC),
        Problem(f"annex 2: header has 3 columns, expected 4 {expected_4}", row=h2 + 1, source=DOC),
        Problem("annex 3: no header row starting with 城市", row=_at(lines, "附件 3"), source=DOC),
        Problem("annex 5: header '2015 年产量 (吨)' does not say '2015年排放量(吨)'", row=h5 + 1, field="column 1",
                source=DOC),
        Problem("annex 5: header '2020 年增长比例 (%)' does not say '2020年下降比例(%)'", row=h5 + 1, field="column 2",
                source=DOC),
    ]


def test_parse_annexes_names_each_bad_row_and_goes_on(seed):
    """Bugs: a row problem with the wrong line, column or document; the wrong line quoted; a county
    (新民市) taken for a city; the first line of a duplicate lost; the parse stopping at the first bad row
    or value; the cities missing from an annex not named (or named without the comma between them)."""
    lines = seed.splitlines()
    h2, e2 = _annex_rows(lines, 2)
    rows = lines[h2 + 1:e2]  # 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 ...
    rows[0] = rows[0].replace("沈 阳", "新民市")  # a county of 沈阳, not a city
    rows[1] = "\t".join(rows[1].split("\t")[:3])  # 大连: a cell missing
    rows[2] = rows[2].replace("鞍 山", "辽 源")  # 辽源 is a city of 吉林
    rows[4] = rows[4].replace("32375.49", "3237x.49").replace("2338.80", "2338.8o")  # 本溪: two bad values
    rows.insert(7, rows[5])  # 丹东 again, after 锦州
    rows[8] = rows[8].replace("39728.10", "-39728.10")  # 营口: a negative value, after the duplicate
    lines[h2 + 1:e2] = rows
    h3, e3 = _annex_rows(lines, 3)
    del lines[e3 - 2:e3]  # annex 3 without its last two rows: 盘锦, 葫芦岛
    text = "\n".join(lines)
    lines = text.splitlines()
    first = h2 + 2  # 1-based line of annex 2's first row
    header = lines[h2].split("\t")
    assert _found(text) == [
        Problem("unknown place name '新民市': it maps to no place at level 'city' in the gazetteer", first, "城市", DOC),
        Problem(f"annex 2: 3 cells, expected 4 (missing column?): {lines[first].strip()!r}", first + 1, None, DOC),
        Problem("'辽 源' is 辽源市 of 吉林省, not a Liaoning city", first + 2, "城市", DOC),
        Problem("annex 2: value '3237x.49' is not a non-negative number", first + 4, header[1], DOC),
        Problem("annex 2: value '2338.8o' is not a non-negative number", first + 4, header[3], DOC),
        Problem(f"annex 2: duplicate row for 丹东市 (first at line {first + 5})", first + 7, "城市", DOC),
        Problem("annex 2: value '-39728.10' is not a non-negative number", first + 8, header[1], DOC),
        # sorted by name: 盘 (U+76D8) before 葫 (U+846B)
        Problem("annex 3: no row for 盘锦市, 葫芦岛市", h3 + 1, None, DOC),
    ]


def test_a_bad_last_row_at_the_end_of_the_text_is_one_problem(seed):
    """Bug: a problem on the very last line of the text counted outside its annex, so the annex also
    reports its cities as missing (a second, misleading problem)."""
    lines = seed.splitlines()
    h5, e5 = _annex_rows(lines, 5)
    lines = lines[:e5]  # the text ends with annex 5's last row (葫芦岛), no newline, no note
    lines[-1] = lines[-1].replace("葫 芦 岛", "葫 芦 山")
    assert _found("\n".join(lines)) == [
        Problem("unknown place name '葫 芦 山': it maps to no place at level 'city' in the gazetteer", e5, "城市", DOC)]


def test_parse_annexes_values_notes_and_headers_as_printed(seed):
    """Bugs: the notes (注：) of annex 5 also given to annex 4; a value printed with thousands commas
    refused; a header with “十三五” inside its words not recognised; a table right under its 附件 line
    (no title between) not found."""
    table, notes = parse_annexes(seed)
    note = "注：各市 2015 年排放量不含省直管电厂"  # below 附件4 and 附件5 (data/sources/003_*.txt)
    assert notes == {4: [note], 5: [note]}
    assert list(table.columns) == ["adcode", "city_zh", "city_as_printed", "indicator_id", "year", "value",
                                   "value_as_printed", "unit", "document", "annex", "column", "column_header",
                                   "citation", "source_line"]
    lines = seed.splitlines()
    h2, _ = _annex_rows(lines, 2)
    lines[h2 + 1] = lines[h2 + 1].replace("241522.89", "241,522.89")  # 沈阳 COD 2015, 附件2
    h1, _ = _annex_rows(lines, 1)
    lines[h1] = lines[h1].replace("“十三五”能耗强度降低目标", "能耗强度“十三五”降低目标")
    a4 = _at(lines, "附件 4") - 1
    h4, _ = _annex_rows(lines, 4)
    del lines[a4 + 1:h4]  # annex 4's header right under "附件 4"
    table, _ = parse_annexes("\n".join(lines))
    sy = table[(table.city_zh == "沈阳市") & (table.indicator_id == "cod_emission_2015_t")].iloc[0]
    assert (sy.value, sy.value_as_printed) == (241522.89, "241,522.89")
    assert len(table) == 14 * (2 + 4 * 3)  # every city, every annex column


# ------------------------------------------------------------------ templates: the patterns lnmap indicators lists

PLAN = "the plan's 出处 column"


def test_templates_say_y_b_and_t_where_the_example_said_a_year():
    """Bugs: a pattern (``so2_cap_T_t``) that keeps the example's year (2025, 2020, 2021) instead of T, B or
    B+1, or cites 附件4 instead of the plan's own 出处 column; the years a pattern may take lost; a
    field (group, names, formula, diverging, centre) dropped."""
    t = {i.id: i for i in templates()}
    assert len(t) == 4 * 10 + 8 + 1  # per pollutant 10 patterns; energy 6 yearly + 2 plan targets; GDP 1 yearly
    gdp = t["gdp_Y_observed_100m_yuan"]
    assert (gdp.group, gdp.name_zh, gdp.unit, gdp.year, gdp.kind) == ("gdp", "Y年地区生产总值", "100m_yuan", "2015–2025",
                                                                       "observed")
    cap = t["so2_cap_T_t"]
    assert (cap.group, cap.measure, cap.name_zh, cap.name_en, cap.unit, cap.year, cap.base_year, cap.kind) == (
        "so2", "cap", "二氧化硫 T年排放上限", "SO2 allowed T emissions", "t", "T (a plan)", "B", "derived")
    assert cap.source == PLAN
    assert cap.formula == "so2_emission_B_t × (1 − so2_cut_target_T_pct ÷ 100), rounded to 0.01"
    assert t["so2_emission_B_t"].year == "B (a plan)" and t["so2_emission_B_t"].name_zh == "二氧化硫 B年排放量"
    cut = t["so2_cut_target_T_pct"]
    assert (cut.name_zh, cut.name_en, cut.year, cut.base_year) == ("二氧化硫 T年下降比例（较B年）", "SO2 T cut target vs B",
                                                                  "T (a plan)", "B")
    for i in ("required_cut", "key_project_cut", "gap_to_cap"):
        assert t[f"nox_{i}_T_t"].year == "T (a plan)" and t[f"nox_{i}_T_t"].source == PLAN, i
    prog = t["cod_progress_T_pct"]
    assert prog.year == "T (a plan)" and (prog.diverging, prog.centre) == (True, 100.0)
    assert prog.formula == ("(cod_emission_B_t − cod_emission_T_observed_t) ÷ (cod_emission_B_t − cod_cap_T_t) × 100; "
                            "100 = target reached")
    ahead = t["nh3n_ahead_of_path_Y_t"]
    assert ahead.formula == "nh3n_path_Y_t − nh3n_emission_Y_observed_t, rounded to 0.01; > 0 ahead of the path, < 0 behind it"
    assert ahead.year == "2016–2020, B+1–T" and ahead.diverging
    assert ahead.source == "辽政发〔2017〕21号 附件3 第1、2列; user import"
    path = t["so2_path_Y_t"]
    assert (path.name_zh, path.name_en) == ("二氧化硫 Y年目标路径值", "SO2 Y on the straight path to the 2020 cap")
    assert path.formula == "so2_emission_2015_t − (so2_emission_2015_t − so2_cap_2020_t) × (Y − 2015) ÷ 5, rounded to 0.01"
    obs = t["so2_emission_Y_observed_t"]
    assert (obs.name_zh, obs.name_en, obs.year) == ("二氧化硫 Y年实际排放量", "SO2 observed Y emissions", "2015–2025")
    ecut, ecap = t["energy_intensity_cut_target_T_pct"], t["energy_increment_cap_T_10kt_ce"]
    assert (ecut.name_zh, ecut.name_en, ecut.year, ecut.source) == (
        "B+1–T年能耗强度降低目标", "B+1–T cut in energy use per unit GDP", "T (a plan)", PLAN)
    assert (ecap.name_zh, ecap.name_en, ecap.year, ecap.unit) == ("B+1–T年能耗增量控制目标", "Cap on added energy use B+1–T",
                                                                  "T (a plan)", "10kt_ce")
    head = t["energy_increment_headroom_Y_10kt_ce"]
    assert (head.name_en, head.year, head.diverging, head.centre) == (
        "Energy increment left under the cap (2016–Y)", "2016–2020, B+1–T", True, 0.0)
    assert head.formula == "energy_increment_cap_10kt_ce − energy_increment_cumulative_Y_10kt_ce; < 0 over the cap"


def test_templates_carry_no_year_of_their_example():
    """Bug (found by the mutation run, fixed): a pattern's measure ('observed_2018', 'emission_2020') or base
    year ('2017') was its example's."""
    for t in templates():
        assert not re.search(r"20\d\d", t.measure), t
        assert not re.search(r"20(1[6-9]|2\d)", t.base_year), t  # only 十三五's base year 2015 is a fixed year


# ------------------------------------------------------------------ small helpers


def test_read_text_utf8_names_line_byte_and_offset(tmp_path):
    """Bug: the line, byte, offset or file of the first bad byte misreported, or the GBK hint given for a
    file that is not GBK (or withheld from one that is)."""
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("附件\n城市\n沈阳".encode("gb18030"))
    with pytest.raises(DataValidationError) as exc:
        read_text_utf8(gbk)
    # 附 in GB18030 is B8 BD; 0xB8 is a UTF-8 continuation byte, invalid at offset 0, line 1
    assert exc.value.problems == [Problem("not valid UTF-8 (byte 0xb8 at offset 0); it decodes as GBK/GB18030 — "
                                          "save it as UTF-8", row=1, source="gbk.txt")]
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"ok\nok\n\xff\xff")  # 0xFF starts no UTF-8 sequence and no GB18030 one
    with pytest.raises(DataValidationError) as exc:
        read_text_utf8(junk)
    assert exc.value.problems == [Problem("not valid UTF-8 (byte 0xff at offset 6)", row=3, source="junk.bin")]
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + "附件".encode())
    assert read_text_utf8(bom) == "附件"  # the byte order mark is not text


def test_seed_path_finds_the_quota_document_or_says_where_it_looked(tmp_path):
    """Bug: the default settings lost (no seeds directory), or a missing document reported without the
    file name looked for and the folder."""
    import dataclasses

    from geo.core.settings import get_settings

    assert seed_path().name.startswith("003_") and seed_path().parent.name == "sources"
    empty = dataclasses.replace(get_settings(), seeds_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=rf"no 003_\*\.txt under {re.escape(str(tmp_path))}"):
        seed_path(empty)


def test_catalogue_frame_equals_the_committed_indicators_csv():
    """Bug: the catalogue written to data/indicators/indicators.csv without its unit in words (unit_zh,
    unit_en columns) or with annex/column as floats."""
    from geo.core.settings import get_settings

    frame = catalogue_frame()
    committed = pd.read_csv(get_settings().indicators_dir / "indicators.csv", keep_default_na=False, dtype=str)
    assert list(frame.columns) == list(committed.columns)
    assert frame.unit_zh.tolist() == committed.unit_zh.tolist() and frame.unit_en.tolist() == committed.unit_en.tolist()
    assert str(frame.annex.dtype) == "Int64" and frame.annex.isna().sum() == (committed.annex == "").sum()


# ------------------------------------------------------------------ the city table and its checks


def test_city_table_refuses_a_quota_table_of_other_places_or_with_a_city_missing():
    """Bugs: a quota row of a place that is not a Liaoning city joined silently (or not named), a city
    without any quota value given an empty row instead of an error."""
    from geo.measures.catalogue import load_quotas
    from geo.measures.cities import city_table

    q = load_quotas()
    stranger = q.iloc[[0, 1]].assign(adcode=["220400", "110000"])  # 辽源 (吉林), 北京
    with pytest.raises(DataValidationError) as exc:
        city_table(quotas=pd.concat([q, stranger]))
    assert exc.value.problems == [Problem("adcode 110000 in the quota table is not a Liaoning city", field="adcode"),
                                  Problem("adcode 220400 in the quota table is not a Liaoning city", field="adcode")]
    with pytest.raises(DataValidationError) as exc:
        city_table(quotas=q[~q.adcode.isin(["210200", "210300"])])  # 大连, 鞍山 gone
    assert exc.value.problems == [Problem("city 210200 has no quota values", field="adcode"),
                                  Problem("city 210300 has no quota values", field="adcode")]


def test_city_table_columns_in_catalogue_order_cities_by_code():
    """Bugs: the table's columns out of the catalogue's order, the status columns lost, or the cities out of
    code order (every export and the dashboard's table read them in this order)."""
    from geo.measures.catalogue import CATALOGUE, load_quotas
    from geo.measures.cities import city_table

    q = load_quotas()
    t = city_table(quotas=q.iloc[::-1])  # the quota rows in reverse: the table still in code order
    assert t.adcode.tolist() == sorted(q.adcode.unique()) and len(t) == 14
    ids = [i.id for i in CATALOGUE if i.kind != "observed"]
    assert list(t.columns) == ["adcode", "name_zh", "name_en", *ids]
    obs = pd.DataFrame({"adcode": ["210100"], "pollutant": ["so2"], "year": [2020], "value": [90000.0]})
    with_obs = city_table(observed=obs)
    assert list(with_obs.columns[-4:]) == ["cod_target_status", "nh3n_target_status", "so2_target_status",
                                           "nox_target_status"]
    assert with_obs.set_index("adcode").loc["210100", "so2_target_status"] == "not_met"  # 90 000 > cap 84 582.33


def test_export_table_orders_yearly_columns_and_drops_empty_gaps():
    """Bugs: the yearly columns of the export out of order (pollutant in the catalogue's order, then
    year, then observed value, path, ahead of the path), a plan's target sorted among observed values,
    or the gap and status columns of pollutants with no 2020 value kept empty."""
    from geo.measures.join import _column_order, export_table
    from geo.measures.observed import read_observed

    obs = read_observed("城市,指标,年份,数值,单位\n沈阳,SO2,2019,90000,吨\n沈阳,COD,2018,200000,吨\n"
                        "大连,SO2,2020,60000,吨\n".encode(), name="o.csv").rows
    t = export_table(observed=obs)
    yearly = [c for c in t.columns if re.search(r"_(2016|2017|2018|2019)_", c)]
    assert yearly == ["cod_path_2016_t", "cod_path_2017_t", "cod_emission_2018_observed_t", "cod_path_2018_t",
                      "cod_ahead_of_path_2018_t", "cod_path_2019_t",
                      "so2_path_2016_t", "so2_path_2017_t", "so2_path_2018_t", "so2_emission_2019_observed_t",
                      "so2_path_2019_t", "so2_ahead_of_path_2019_t"]
    assert "so2_progress_pct" in t.columns and "so2_target_status" in t.columns
    assert "cod_progress_pct" not in t.columns and "cod_target_status" not in t.columns  # no COD value for 2020
    assert "nox_emission_2020_observed_t" not in t.columns
    # a plan's targets before any observed measure, whatever the pollutant or year; then by pollutant (cod,
    # nh3n, so2, nox, energy), year, and the measure's place in the id patterns (geo.measures.catalogue._DYNAMIC)
    want = ["so2_emission_2020_t", "so2_cut_target_2025_pct", "nox_cap_2025_t", "energy_increment_cap_2025_10kt_ce",
            "cod_path_2017_t", "so2_emission_2018_observed_t", "so2_progress_2025_pct", "so2_gap_to_cap_2025_t",
            "energy_intensity_decline_2018_observed_pct", "energy_increment_2018_observed_10kt_ce",
            "energy_intensity_cumulative_decline_2018_pct", "energy_increment_cumulative_2018_10kt_ce",
            "energy_intensity_progress_2018_pct", "energy_increment_headroom_2018_10kt_ce"]
    assert sorted(reversed(want), key=_column_order) == want


def test_density_ids_are_the_totals_with_per_km2():
    """Bug: a density id not the total's id with ``_per_km2`` after it (the catalogue lists them so)."""
    from geo.measures.catalogue import density_id, is_density

    assert density_id("cod_emission_2015_t") == "cod_emission_2015_t_per_km2"
    assert density_id("cod_emission_2015_t") in BY_ID and is_density(BY_ID["cod_emission_2015_t_per_km2"])
    assert not is_density(BY_ID["cod_emission_2015_t"])


def test_annexes_without_blank_lines_between_them_keep_their_problems_apart(seed):
    """Bugs: a header looked for above its 附件 line (a line of the annex before that starts with 城市);
    a bad last row of one annex, directly above the next 附件 line, taken for a problem of the next annex,
    which then does not say which of its cities are missing."""
    lines = seed.splitlines()
    h2, e2 = _annex_rows(lines, 2)
    lines[e2 - 1] = lines[e2 - 1].replace("葫 芦 岛", "葫 芦 山")  # annex 2's last row: an unknown city
    a3 = _at(lines, "附件 3") - 1
    h3, e3 = _annex_rows(lines, 3)
    del lines[e3 - 1]  # annex 3 without 葫芦岛
    del lines[e2:a3]  # no blank line between annex 2's table and "附件 3"
    text = "\n".join(lines)
    lines = text.splitlines()
    a3 = _at(lines, "附件 3") - 1
    h3 = _at(lines, "城 市", a3) - 1
    assert _found(text) == [
        Problem("unknown place name '葫 芦 山': it maps to no place at level 'city' in the gazetteer", a3, "城市", DOC),
        Problem("annex 3: no row for 葫芦岛市", h3 + 1, None, DOC),
    ]
    lines[h3] = lines[h3].replace("城 市", "地 区")
    lines.insert(a3, "城市合计 见各附件")  # a line of annex 2 that starts with 城市, right above "附件 3"
    found = _found("\n".join(lines))
    assert Problem("annex 3: no header row starting with 城市", row=a3 + 2, source=DOC) in found, found


def test_formula_words_of_a_later_plan_names_its_ids_in_that_plan():
    """Bug: the ids of a later plan's formula named as 十三五's (the cumulative decline over 2016–2023 instead
    of 2021–2023, the target of 2016–2025 instead of 2021–2025)."""
    ind = lookup("energy_intensity_progress_2023_pct", FOURTEENTH)
    assert formula_words(ind, "en", FOURTEENTH) == (
        "Cumulative decline in energy use per unit GDP 2021–2023 ÷ 2021–2025 cut in energy use per unit GDP × 100; "
        "100 = target reached")


def test_energy_measures_of_the_first_year_and_their_ids():
    """Bugs: the first year of a plan written as a span ('2021–2021'); a span from the second year on
    written as one year; an energy measure losing its id, its measure name or the user import's citation."""
    P = FOURTEENTH
    first = {m: lookup(i, P) for m, i in [("intensity_cumulative_decline", "energy_intensity_cumulative_decline_2021_pct"),
                                          ("increment_cumulative", "energy_increment_cumulative_2021_10kt_ce"),
                                          ("intensity_progress", "energy_intensity_progress_2021_pct"),
                                          ("increment_headroom", "energy_increment_headroom_2021_10kt_ce")]}
    for measure, ind in first.items():
        assert ind.measure == measure and ind.id.startswith("energy_") and ind.id.endswith(("_pct", "_10kt_ce"))
        assert "2021" in ind.name_zh and "2021–2021" not in ind.name_zh + ind.name_en + ind.year, ind
    assert first["intensity_cumulative_decline"].name_zh == "2021年能耗强度累计降低率"
    assert first["increment_cumulative"].year == "2021" and first["increment_headroom"].year == "2021"
    assert first["intensity_progress"].name_en == "Progress towards the energy-intensity target (2021)"
    assert first["increment_headroom"].name_zh == "能耗增量余量（2021年）"
    assert lookup("energy_increment_cumulative_2022_10kt_ce", P).year == "2021–2022"  # the second year: a span
    assert lookup("energy_intensity_progress_2022_pct", P).id == "energy_intensity_progress_2022_pct"
    inc = lookup("energy_increment_2023_observed_10kt_ce", P)
    assert inc.source == BY_ID["so2_emission_2020_observed_t"].source  # the user import's citation


def test_load_cities_uses_its_settings_and_names_a_city_only_in_one_table(monkeypatch):
    """Bugs: load_cities reading the default settings' layers instead of those it is given; a city only in
    the boundary layer (left) or only in the indicator table (right) joined silently or not named."""
    import dataclasses

    from geo.core.settings import get_settings
    from geo.measures import join
    from geo.measures.join import load_cities
    from geo.places import boundaries

    mine = dataclasses.replace(get_settings(), purge_days=7.0)
    real, calls = boundaries.load_layer, []

    def layer(name, settings=None):
        assert settings is mine, "a layer read with other settings than load_cities was given"
        calls.append(name)
        return real(name, settings)

    monkeypatch.setattr(join, "load_layer", layer)
    from geo.places import regions

    real_members = regions.membership_wide

    def members(settings=None):
        assert settings is mine, "region memberships read with other settings than load_cities was given"
        return real_members(settings)

    monkeypatch.setattr(join, "membership_wide", members)
    gdf = load_cities(mine)
    assert len(gdf) == 14 and gdf.crs.to_epsg() == 4326 and list(gdf.columns[:3]) == ["adcode", "name_zh", "name_en"]
    assert "cod_emission_2015_t" in gdf.columns and any(c.startswith("region_") for c in gdf.columns)
    assert gdf.set_index("adcode").loc["210100", "cod_emission_2015_t"] == 241522.89  # 附件2, 沈阳
    assert calls and set(calls) == {"cities"}

    def shifted(name, settings=None):  # the first read (load_cities' own shapes): 大连's polygon under another code
        shapes = real(name, settings)
        if not calls:
            calls.append(name)
            shapes.loc[shapes.adcode == "210200", "adcode"] = "210299"
        return shapes

    calls.clear()
    monkeypatch.setattr(join, "load_layer", shifted)
    with pytest.raises(DataValidationError) as exc:
        load_cities(mine)
    assert sorted(exc.value.problems, key=str) == [Problem("city 210200 is only in the right table", field="adcode"),
                                                   Problem("city 210299 is only in the left table", field="adcode")]


def test_a_period_without_a_citation_for_a_group_gives_none():
    """Bug: a plan period with no citation for a group answering 'None' or some other text, which would be
    printed as the source of that group's measures."""
    bare = Period("十四五", 2020, 2025)
    assert bare.source("so2") == "" and FOURTEENTH.source("nox") == "" and FOURTEENTH.source("so2") == "SRC-SO2"
    assert lookup("so2_cap_2025_t", bare).source == ""


def test_export_table_reads_with_the_settings_it_is_given(monkeypatch):
    """Bug: the export building its table or its region memberships from the default settings instead of
    those it is given (another data folder, another store), for 十三五 or for a later plan."""
    import dataclasses

    from geo.core.settings import get_settings
    from geo.measures import join
    from geo.measures.catalogue import THIRTEENTH
    from geo.measures.cities import city_table
    from geo.measures.join import export_table
    from geo.places import regions

    mine, seen = dataclasses.replace(get_settings(), purge_days=7.0), []

    def spy(real):
        def call(*args, **kwargs):
            settings = kwargs.get("settings", next((a for a in args if isinstance(a, type(mine))), None))
            seen.append(settings is mine)
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(join, "city_table", spy(city_table))
    monkeypatch.setattr(join, "membership_wide", spy(regions.membership_wide))
    monkeypatch.setattr(join, "plan_table", spy(lambda name, settings=None, observed=None: (city_table(), THIRTEENTH)))
    assert len(export_table(mine)) == 14 and len(export_table(mine, plan="十四五")) == 14
    assert seen == [True] * 4  # city_table, memberships; plan_table, memberships


def test_city_table_reads_with_its_settings_and_a_city_without_a_polygon_is_named(monkeypatch):
    """Bugs: the city table's gazetteer or quota table read with the default settings instead of those it
    is given; a city with no polygon (so no area for its densities) reported without its code field."""
    import dataclasses

    from geo.core.settings import get_settings
    from geo.measures import cities
    from geo.measures.catalogue import add_densities
    from geo.measures.cities import city_table

    mine, seen = dataclasses.replace(get_settings(), purge_days=7.0), []
    for name in ("get_gazetteer", "load_quotas"):
        real = getattr(cities, name)
        monkeypatch.setattr(cities, name, lambda settings=None, _real=real: seen.append(settings is mine) or _real(settings))
    table = city_table(mine)
    assert seen == [True, True] and len(table) == 14
    areas = pd.Series({"210100": 12869.0})  # only 沈阳 has an area
    with pytest.raises(DataValidationError) as exc:
        add_densities(table[table.adcode.isin(["210100", "210200"])], areas)
    assert exc.value.problems == [Problem("city 210200 has no polygon to measure its area", field="adcode")]


def test_derive_prints_no_negative_zero_and_load_cities_carries_the_gaps():
    """Bugs: −0.0 t of cut beyond the key projects (a required cut 0.004 t smaller than the projects'); the
    map's cities without the gap measures of the observed dataset it was given."""
    import math

    from geo.measures.catalogue import derive
    from geo.measures.join import load_cities
    from geo.measures.observed import read_observed

    wide = pd.DataFrame({f"{p}_{m}": [v] for p in ("cod", "nh3n", "so2", "nox")
                         for m, v in (("emission_2015_t", 1000.0), ("cut_target_pct", 10.0), ("key_project_cut_t", 100.004))})
    beyond = derive(wide).loc[0, "so2_cut_beyond_projects_t"]  # 1000 × 10 ÷ 100 − 100.004 = −0.004 → 0.00
    assert beyond == 0 and math.copysign(1, beyond) == 1
    obs = read_observed("城市,指标,年份,数值,单位\n沈阳,SO2,2020,90000,吨\n".encode(), name="o.csv").rows
    gdf = load_cities(observed=obs).set_index("adcode")
    assert gdf.loc["210100", "so2_target_status"] == "not_met"  # 90 000 t > the 2020 cap 84 582.33 t (附件4)
