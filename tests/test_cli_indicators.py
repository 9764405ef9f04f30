"""lnmap indicators: every id, the patterns of the yearly, plan and energy measures, in both languages;
the README's indicator-id section names every pattern."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.measures.catalogue import CATALOGUE, POLLUTANTS, templates

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
ENERGY_PATTERNS = ["energy_intensity_decline_Y_observed_pct", "energy_increment_Y_observed_10kt_ce",
                   "energy_intensity_cumulative_decline_Y_pct", "energy_intensity_progress_Y_pct",
                   "energy_increment_cumulative_Y_10kt_ce", "energy_increment_headroom_Y_10kt_ce"]


def _csv(*args: str) -> pd.DataFrame:
    res = CliRunner().invoke(main, ["indicators", "--format", "csv", *args])
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.output), keep_default_na=False).set_index("id")


def test_every_id_and_pattern_with_its_formula_in_both_languages():
    listed = _csv("--with-years")
    assert {i.id for i in CATALOGUE} | {t.id for t in templates()} == set(listed.index)
    assert set(ENERGY_PATTERNS) <= set(listed.index)
    cum = listed.loc["energy_intensity_cumulative_decline_Y_pct"]
    assert cum["unit"] == "%" and cum["year"] == "2016–2020, B+1–T"
    assert cum["formula_en"] == ("(1 − Π(1 − observed decline in year k ÷ 100) over k = 2016–Y) × 100: yearly declines "
                                 "compound, they are not added, rounded to 0.01")
    assert cum["formula_zh"] == ("(1 − Π(1 − k年能耗强度实际降低率 ÷ 100)，k = 2016–Y) × 100："
                                 "逐年降低率连乘，不是相加，保留两位小数")
    head = listed.loc["energy_increment_headroom_Y_10kt_ce"]
    assert head["formula_en"] == ("Cap on added energy use 2016–2020 − Cumulative increment in energy use 2016–Y; "
                                  "< 0 over the cap")
    assert head["formula_zh"] == "“十三五”能耗增量控制目标 − 2016–Y年能源消费累计增量；小于 0 为超出上限"
    # a plan's pattern: its ids named, the years left as B and T
    assert listed.loc["so2_cap_T_t", "formula_en"] == ("SO2 emissions B × (1 − SO2 T cut target vs B ÷ 100), "
                                                       "rounded to 0.01")
    assert listed.loc["cod_cap_2020_t", "formula_zh"] == ("化学需氧量 2015年排放量 × (1 − 化学需氧量 2020年下降比例 ÷ 100)，"
                                                         "保留两位小数")
    # an id without a formula has none in words either
    assert listed.loc["cod_emission_2015_t", "formula_en"] == ""


@pytest.mark.parametrize("lang,words", [
    ("en", ["so2_path_Y_t", "SO2 Y on the straight path to the 2020 cap",
            "formula: SO2 emissions 2015 − (SO2 emissions 2015 − SO2 allowed 2020 emissions) × (Y − 2015) ÷ 5, "
            "rounded to 0.01", "source: 辽政发〔2017〕21号, annex 1, column 1"]),
    ("zh", ["so2_path_Y_t", "二氧化硫 Y年目标路径值", "来源: 辽政发〔2017〕21号 附件1 第1列",
            "公式: 2016–Y年能耗强度累计降低率 ÷ “十三五”能耗强度降低目标 × 100；100 表示完成目标", "来源: 该计划的“出处”列"]),
])
def test_the_table_in_one_language(lang, words):
    res = CliRunner().invoke(main, ["indicators", "--lang", lang])
    assert res.exit_code == 0, res.output
    for w in words:
        assert w in res.output, w
    formulas = [line for line in res.output.splitlines() if line.strip().startswith(("formula:", "公式:"))]
    assert len(formulas) >= len([i for i in CATALOGUE if i.formula])
    if lang == "en":  # no Chinese sentence in an English formula
        assert [f for f in formulas if re.search(r"[\u4e00-\u9fff]", f)] == []


def test_the_readme_names_every_pattern():
    section = README.split("### Indicator ids", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z0-9_A-Z]+)`", section))
    for t in templates():
        pattern = t.id if t.group in ("energy", "gdp") else "p_" + t.id.removeprefix(f"{t.group}_")
        assert pattern in named, pattern
    for i in CATALOGUE:
        if i.group in POLLUTANTS and not i.id.endswith("_per_km2"):  # densities: their own README paragraph
            assert "p_" + i.id.removeprefix(f"{i.group}_") in named, i.id
        elif i.group == "energy":
            assert i.id in named, i.id
