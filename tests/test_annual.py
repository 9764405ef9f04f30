"""Every observed year, and the straight path from the 2015 baseline to the 2020 cap (issue 11).

Expected numbers are worked by hand from 辽政发〔2017〕21号 附件4 and 附件2, written out here:
沈阳 SO2 2015 = 101,296.20 t, cut 16.5 % -> cap 101296.20 × 0.835 = 84,582.33 t;
path 2018 = 101296.20 − (101296.20 − 84582.33) × 3 ÷ 5 = 101296.20 − 10028.32 = 91,267.88 t.
"""

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.measures.catalogue import formula_words, lookup, templates
from geo.measures.cities import city_table
from geo.measures.observed import annual_table, import_observed, load_observed, trajectory

ROWS = ("城市,指标,年份,数值,单位\n"
        "沈阳,SO2,2016,98000,吨\n沈阳,SO2,2017,95000,吨\n沈阳,SO2,2018,90000,吨\n"
        "沈阳,SO2,2019,88000,吨\n沈阳,SO2,2020,84000,吨\n大连,COD,2018,16.5,万吨\n")


def _export(tmp_path: Path, *args: str) -> pd.DataFrame:
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(main, ["export", "table", "--format", "csv", "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out, dtype={"adcode": str}).set_index("name_zh")


def test_export_table_carries_every_observed_year_and_the_path(tmp_path):
    src = tmp_path / "annual.csv"
    src.write_text(ROWS, encoding="utf-8")
    assert CliRunner().invoke(main, ["import", str(src)]).exit_code == 0
    t = _export(tmp_path)
    sy, dl = t.loc["沈阳市"], t.loc["大连市"]
    assert sy["so2_emission_2018_observed_t"] == 90000
    assert sy["so2_path_2018_t"] == pytest.approx(91267.88, abs=1e-9)
    assert sy["so2_ahead_of_path_2018_t"] == pytest.approx(1267.88, abs=1e-9)
    # 2016: 101296.20 − 16713.87 × 1/5 = 97,953.43; observed 98,000 -> 46.57 behind the path
    assert sy["so2_path_2016_t"] == pytest.approx(97953.43, abs=1e-9)
    assert sy["so2_ahead_of_path_2016_t"] == pytest.approx(-46.57, abs=1e-9)
    # the path ends on the cap
    assert sy["so2_path_2020_t"] == pytest.approx(84582.33, abs=1e-9)
    assert dl["cod_emission_2018_observed_t"] == 165000
    # 大连 COD: 173,983.97 t, cut 13.4 % -> cap 150,670.12; path 2018 = 173983.97 − 23313.85 × 3/5 = 159,995.66
    assert dl["cod_path_2018_t"] == pytest.approx(159995.66, abs=1e-9)
    assert dl["cod_ahead_of_path_2018_t"] == pytest.approx(-5004.34, abs=1e-9)
    # a city with no observed value for the year: no data, never zero
    assert pd.isna(t.loc["鞍山市", "so2_emission_2018_observed_t"])
    assert pd.isna(t.loc["鞍山市", "so2_ahead_of_path_2018_t"])
    # every column has its source and, if derived, its formula
    sources = pd.read_csv(tmp_path / "t.sources.csv").set_index("column")
    assert sources.loc["so2_path_2018_t", "source"] == "辽政发〔2017〕21号 附件4 第1、2列"
    assert "(2018 − 2015) ÷ 5" in sources.loc["so2_path_2018_t", "formula"]
    assert "user import" in sources.loc["so2_emission_2018_observed_t", "source"]


def test_no_observed_values_no_annual_columns(tmp_path):
    t = _export(tmp_path)
    assert not [c for c in t.columns if "_path_" in c or "observed" in c]


def test_annual_table_and_trajectory_directly():
    import_observed(ROWS.encode(), name="annual.csv")
    cities, obs = city_table(), load_observed()
    a = annual_table(cities, obs).set_index("adcode")
    assert a.loc["210100", "so2_ahead_of_path_2019_t"] == pytest.approx(87925.10 - 88000, abs=1e-9)
    rows = trajectory(cities, obs, "210100", "so2")
    assert [r["year"] for r in rows] == [2015, 2016, 2017, 2018, 2019, 2020]
    assert rows[0] == {"year": 2015, "path_t": 101296.20, "observed_t": None, "ahead_of_path_t": None}
    assert rows[3] == {"year": 2018, "path_t": 91267.88, "observed_t": 90000.0, "ahead_of_path_t": 1267.88}
    assert trajectory(cities, obs, "210100", "nox")[1]["observed_t"] is None


def test_yearly_ids_are_described_with_formula_and_citation():
    path = lookup("so2_path_2018_t")
    assert path is not None and path.kind == "derived" and path.unit == "t" and path.year == "2018"
    assert path.formula == "so2_emission_2015_t − (so2_emission_2015_t − so2_cap_2020_t) × (2018 − 2015) ÷ 5, rounded to 0.01"
    assert formula_words(path, "zh") == ("二氧化硫 2015年排放量 − (二氧化硫 2015年排放量 − 二氧化硫 2020年排放上限) × "
                                         "(2018 − 2015) ÷ 5，保留两位小数")
    ahead = lookup("so2_ahead_of_path_2018_t")
    assert ahead is not None and ahead.diverging and "附件4" in ahead.source
    assert formula_words(ahead, "en") == ("SO2 2018 on the straight path to the 2020 cap − SO2 observed 2018 emissions, "
                                          "rounded to 0.01; > 0 ahead of the path, < 0 behind it")
    assert lookup("so2_emission_2018_observed_t").name_zh == "二氧化硫 2018年实际排放量"
    assert lookup("so2_cap_2020_t").kind == "derived"  # the catalogue's own entry
    assert lookup("so2_emission_2018_observed_x") is None


def test_lnmap_indicators_lists_the_yearly_ids_with_their_years():
    res = CliRunner().invoke(main, ["indicators", "--format", "csv", "--with-years"])
    assert res.exit_code == 0
    listed = pd.read_csv(pd.io.common.StringIO(res.output)).set_index("id")
    assert listed.loc["so2_emission_Y_observed_t", "year"] == "2015–2025"
    assert listed.loc["so2_path_Y_t", "year"].startswith("2016–2020")
    assert "(Y − 2015) ÷ 5" in listed.loc["so2_path_Y_t", "formula"]
    assert "so2_cap_T_t" in listed.index and "so2_cap_2020_t" in listed.index
    assert {t.id for t in templates()} <= set(listed.index)


def test_indicators_table_lists_yearly_ids_and_json_keeps_the_catalogue_unless_asked():
    assert "so2_path_Y_t" in CliRunner().invoke(main, ["indicators"]).output
    assert "so2_path_Y_t" not in CliRunner().invoke(main, ["indicators", "--format", "json"]).output
