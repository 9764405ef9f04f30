"""Energy observed year by year against 附件1 of 辽政发〔2017〕21号 (issue 11, part 3).

附件1 (the document's text, data/sources/003_…): 沈阳 能耗强度降低目标 15 %, 能耗增量控制目标 620 万吨标准煤;
大连 15 %, 695. The yearly values below are invented. Worked by hand:

沈阳 declines 4, 5, 3.5, 3, 2 % (2016–2020). Yearly declines compound:
  2017: 1 − 0.96 × 0.95 = 1 − 0.912 = 8.80 %            progress 8.80 ÷ 15 × 100 = 58.67 %
  2018: 1 − 0.912 × 0.965 = 1 − 0.88008 = 11.992 → 11.99 %   progress 11.99 ÷ 15 × 100 = 79.93 %
  2020: 0.88008 × 0.97 = 0.8536776; × 0.98 = 0.836604048; 1 − that = 16.3395952 → 16.34 %
        progress 16.34 ÷ 15 × 100 = 108.9333 → 108.93 %  (adding them would give 17.5 %, wrongly)
沈阳 increments 120, 150 (given as 1,500,000 吨标准煤 × 0.0001), 100, 130, 140 万吨标准煤:
  cumulative 2017 = 270, headroom 620 − 270 = 350; 2020: 640, headroom 620 − 640 = −20 (over the cap).
大连 declines 2016 = 4 %, 2018 = 5 %, no 2017: cumulative 2016 = 4 %, progress 4 ÷ 15 × 100 = 26.67 %;
  2017 and 2018 have no cumulative (a missing year is no data, never a zero decline).
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from geo.cli import main
from geo.core.errors import DataValidationError
from geo.measures.catalogue import lookup
from geo.measures.cities import city_table
from geo.measures.energy import cumulative_decline, energy_table, energy_trajectory
from geo.measures.observed import import_observed, load_observed, read_observed
from geo.store import db
from tests.test_annual import _export  # the CLI's table export, read back as a frame

HEADER = "城市,指标,年份,数值,单位\n"
ROWS = (HEADER
        + "沈阳,能耗强度降低率,2016,4,%\n沈阳,能耗强度降低率,2017,5,%\n沈阳,单位GDP能耗降低率,2018,3.5,%\n"
        + "沈阳,能耗强度降低率,2019,3,%\n沈阳,能耗强度降低率,2020,2,%\n"
        + "沈阳,能源消费增量,2016,120,万吨标准煤\n沈阳,能源消费增量,2017,\"1,500,000\",吨标准煤\n"
        + "沈阳,能源消费增量,2018,100,万吨标准煤\n沈阳,能耗增量,2019,130,万吨标准煤\n沈阳,能源消费增量,2020,140,万吨标准煤\n"
        + "大连,能耗强度降低率,2016,4,%\n大连,能耗强度降低率,2018,5,%\n")


def _snapshot() -> dict:
    with db.reading() as conn:
        return {t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr) for t in db.metadata.sorted_tables}


def test_export_table_carries_energy_years_cumulative_progress_and_headroom(tmp_path):
    src = tmp_path / "energy.csv"
    src.write_text(ROWS, encoding="utf-8")
    res = CliRunner().invoke(main, ["import", str(src)])
    assert res.exit_code == 0, res.output
    assert "× 0.0001 (吨标准煤 → 万吨标准煤)" in res.output
    t = _export(tmp_path)
    sy, dl = t.loc["沈阳市"], t.loc["大连市"]
    assert sy["energy_intensity_decline_2018_observed_pct"] == 3.5
    assert sy["energy_intensity_cumulative_decline_2017_pct"] == pytest.approx(8.80, abs=1e-9)
    assert sy["energy_intensity_progress_2017_pct"] == pytest.approx(58.67, abs=1e-9)
    assert sy["energy_intensity_cumulative_decline_2018_pct"] == pytest.approx(11.99, abs=1e-9)
    assert sy["energy_intensity_progress_2018_pct"] == pytest.approx(79.93, abs=1e-9)
    assert sy["energy_intensity_cumulative_decline_2020_pct"] == pytest.approx(16.34, abs=1e-9)
    assert sy["energy_intensity_progress_2020_pct"] == pytest.approx(108.93, abs=1e-9)
    assert sy["energy_increment_2017_observed_10kt_ce"] == pytest.approx(150, abs=1e-9)
    assert sy["energy_increment_cumulative_2017_10kt_ce"] == pytest.approx(270, abs=1e-9)
    assert sy["energy_increment_headroom_2017_10kt_ce"] == pytest.approx(350, abs=1e-9)
    assert sy["energy_increment_cumulative_2020_10kt_ce"] == pytest.approx(640, abs=1e-9)
    assert sy["energy_increment_headroom_2020_10kt_ce"] == pytest.approx(-20, abs=1e-9)
    assert dl["energy_intensity_cumulative_decline_2016_pct"] == pytest.approx(4.0, abs=1e-9)
    assert dl["energy_intensity_progress_2016_pct"] == pytest.approx(26.67, abs=1e-9)
    assert dl["energy_intensity_decline_2018_observed_pct"] == 5
    assert pd.isna(dl["energy_intensity_cumulative_decline_2017_pct"])  # 2017 missing: no data
    assert pd.isna(dl["energy_intensity_cumulative_decline_2018_pct"])
    assert pd.isna(dl["energy_increment_cumulative_2016_10kt_ce"])  # no increments for 大连
    assert pd.isna(t.loc["鞍山市", "energy_intensity_progress_2016_pct"])
    # every column has its source and formula
    sources = pd.read_csv(tmp_path / "t.sources.csv").set_index("column")
    assert sources.loc["energy_intensity_progress_2020_pct", "source"].startswith("辽政发〔2017〕21号 附件1 第1、2列")
    assert "Π(1 − energy_intensity_decline_k_observed_pct ÷ 100)" in sources.loc[
        "energy_intensity_cumulative_decline_2020_pct", "formula"]
    assert "energy_increment_cap_10kt_ce − energy_increment_cumulative_2020_10kt_ce" in sources.loc[
        "energy_increment_headroom_2020_10kt_ce", "formula"]
    assert "user import" in sources.loc["energy_intensity_decline_2018_observed_pct", "source"]


def test_stored_rows_keep_what_was_given():
    meta = import_observed(ROWS.encode(), name="energy.csv")
    assert meta["cities"] == 2 and meta["rows"] == 12
    rows = load_observed(meta["dataset_id"]).set_index("indicator_id")
    inc = rows[rows.adcode == "210100"].loc["energy_increment_2017_observed_10kt_ce"]
    assert (inc.value, inc.unit, inc.value_as_given, inc.unit_as_given, inc.pollutant) == (
        150.0, "10kt_ce", "1,500,000", "吨标准煤", "energy")
    dec = rows[rows.adcode == "210100"].loc["energy_intensity_decline_2018_observed_pct"]
    assert (dec.value, dec.unit, dec.conversion) == (3.5, "%", "none")


def test_functions_the_dashboard_may_call():
    import_observed(ROWS.encode(), name="energy.csv")
    cities, obs = city_table(), load_observed()
    e = energy_table(cities, obs).set_index("adcode")
    assert e.loc["210100", "energy_intensity_progress_2020_pct"] == pytest.approx(108.93, abs=1e-9)
    rows = energy_trajectory(cities, obs, "210100")
    assert [r["year"] for r in rows] == [2016, 2017, 2018, 2019, 2020]
    assert rows[1] == {"year": 2017, "decline_pct": 5.0, "cumulative_decline_pct": 8.8, "target_pct": 15.0,
                       "progress_pct": 58.67, "increment_10kt_ce": 150.0, "cumulative_increment_10kt_ce": 270.0,
                       "cap_10kt_ce": 620.0, "headroom_10kt_ce": 350.0}
    assert energy_trajectory(cities, obs, "210200")[1]["cumulative_decline_pct"] is None
    assert energy_trajectory(cities, obs, "999999") == []
    # 10 % twice is 19 %, not 20 %: 1 − 0.9 × 0.9 = 0.19
    assert cumulative_decline([10, 10]) == pytest.approx(19.0, abs=1e-9)


def test_energy_ids_are_described_with_formula_and_citation():
    cum = lookup("energy_intensity_cumulative_decline_2018_pct")
    assert cum is not None and cum.unit == "%" and cum.year == "2018" and "yearly declines compound" in cum.formula
    prog = lookup("energy_intensity_progress_2018_pct")
    assert prog is not None and prog.diverging and prog.centre == 100 and "附件1" in prog.source
    assert lookup("energy_increment_2018_observed_10kt_ce").unit_zh == "万吨标准煤"


def test_energy_against_a_later_plan(tmp_path):
    """tests/fixtures/plan_example_14th.csv (invented): 沈阳 能耗强度降低 14.5 % from 2020 to 2025.
    Declines 2021 = 3 %, 2022 = 3 %: 1 − 0.97 × 0.97 = 1 − 0.9409 = 5.91 %; progress 5.91 ÷ 14.5 × 100 = 40.76 %."""
    from pathlib import Path

    from geo.measures.join import export_table
    from geo.measures.plans import import_plan

    fixture = Path(__file__).parent / "fixtures" / "plan_example_14th.csv"
    import_plan(fixture.read_bytes(), plan="十四五", name=fixture.name)
    meta = import_observed((HEADER + "沈阳,能耗强度降低率,2021,3,%\n沈阳,能耗强度降低率,2022,3,%\n"
                            "沈阳,SO2,2025,55000,吨\n").encode(), name="o.csv")
    t = export_table(observed=load_observed(meta["dataset_id"]), plan="十四五").set_index("name_zh")
    assert t.loc["沈阳市", "energy_intensity_cumulative_decline_2022_pct"] == pytest.approx(5.91, abs=1e-9)
    assert t.loc["沈阳市", "energy_intensity_progress_2022_pct"] == pytest.approx(40.76, abs=1e-9)
    assert pd.isna(t.loc["大连市", "energy_intensity_progress_2022_pct"])  # not in the plan's energy rows


@pytest.mark.parametrize("row,field,says", [
    ("沈阳,能耗强度降低率,2016,120,%", "数值", "is not between -100 and 100 %"),
    ("沈阳,能耗强度降低率,2016,4,吨", "单位", "unknown unit '吨' for 能耗强度降低率; expected %"),
    ("沈阳,能源消费增量,2016,120,万吨", "单位", "unknown unit '万吨' for 能源消费增量"),
    ("沈阳,能源消费增量,2016,9000,万吨标准煤", "数值", "implausible energy increment 9000 万吨标准煤 for 沈阳市 2016"),
    ("沈阳,能耗强度降低率,2016,四,%", "数值", "is not a number"),
    ("沈阳,能耗强度降低率,2016,5,%", "城市", "duplicate 沈阳市 / 能耗强度降低率 / 2016: also in row 2"),
    ("吉林省,能耗强度降低率,2016,5,%", "城市", "not Liaoning"),
    ("沈阳,能耗总量,2016,5,%", "指标", "unknown indicator '能耗总量'"),
    ("沈阳,能耗强度降低率,2013,5,%", "年份", "outside the indicator's range"),
])
def test_bad_energy_rows_are_refused_naming_row_and_field(row, field, says):
    import_observed(ROWS.encode(), name="energy.csv")
    before = _snapshot()
    data = f"{HEADER}沈阳,能耗强度降低率,2016,4,%\n{row}\n".encode()
    with pytest.raises(DataValidationError) as exc:
        import_observed(data, name="bad.csv")
    problems = exc.value.problems
    assert len(problems) == 1 and problems[0].row == 3 and problems[0].field == field, problems
    assert says in problems[0].message, problems[0].message
    assert _snapshot() == before


def test_a_decline_may_be_negative_and_an_increment_too():
    """Intensity can rise (a negative decline) and energy use can fall (a negative increment):
    沈阳 2016 = −2 %, 2017 = 5 %: 1 − 1.02 × 0.95 = 1 − 0.969 = 3.10 %; increments −10 and 30: 20."""
    parsed = read_observed((HEADER + "沈阳,能耗强度降低率,2016,-2,%\n沈阳,能耗强度降低率,2017,5,%\n"
                            "沈阳,能源消费增量,2016,-10,万吨标准煤\n沈阳,能源消费增量,2017,30,万吨标准煤\n").encode())
    e = energy_table(city_table(), parsed.rows.assign(dataset_id="x")).set_index("adcode")
    assert e.loc["210100", "energy_intensity_cumulative_decline_2017_pct"] == pytest.approx(3.10, abs=1e-9)
    assert e.loc["210100", "energy_increment_cumulative_2017_10kt_ce"] == pytest.approx(20.0, abs=1e-9)
    assert e.loc["210100", "energy_increment_headroom_2017_10kt_ce"] == pytest.approx(600.0, abs=1e-9)


def test_a_year_after_the_plan_has_its_own_values_and_no_target_of_the_plan():
    parsed = read_observed((HEADER + "沈阳,能耗强度降低率,2016,4,%\n沈阳,能耗强度降低率,2022,3,%\n").encode())
    rows = energy_trajectory(city_table(), parsed.rows.assign(dataset_id="x"), "210100")
    assert [r["year"] for r in rows] == [2016, 2017, 2018, 2019, 2020, 2022]
    assert rows[0]["target_pct"] == 15.0 and rows[0]["progress_pct"] == pytest.approx(26.67, abs=1e-9)  # 4 ÷ 15
    assert rows[-1] == {"year": 2022, "decline_pct": 3.0, "cumulative_decline_pct": None, "target_pct": None,
                        "progress_pct": None, "increment_10kt_ce": None, "cumulative_increment_10kt_ce": None,
                        "cap_10kt_ce": None, "headroom_10kt_ce": None}
