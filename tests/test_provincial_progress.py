"""The province's own targets against the province's own observed values (issue 11, part 5).

Targets from data/indicators/provincial_targets.csv, each quoted from its document; the observed
values are invented. Worked by hand:

SO2, 辽政发〔2017〕21号 clause 一(二): 77.5 万吨 in 2020 = 775,000 t, 20 % below 2015, so the clause implies
  2015 = 775,000 ÷ 0.8 = 968,750 t; required cut 193,750 t.
  2018 observed 800,000 t: path = 968,750 − 193,750 × 3 ÷ 5 = 852,500 t; ahead 852,500 − 800,000 = 52,500 t;
  progress (968,750 − 800,000) ÷ 193,750 × 100 = 87.0968 → 87.10 %; gap 800,000 − 775,000 = 25,000 t.
  2020 observed 76 万吨 = 760,000 t: progress 208,750 ÷ 193,750 × 100 = 107.7419 → 107.74 %; gap −15,000 t.
COD: 101.1 万吨 after 13.4 %: 2015 implied = 1,011,000 ÷ 0.866 = 1,167,436.49 t (reconciliation.csv's figure).
Energy intensity, clause 一(二): −15 % 2015→2020. Declines 5 % (2016), 4 % (2017): 1 − 0.95 × 0.96 = 8.80 %;
  progress 8.80 ÷ 15 × 100 = 58.67 %; gap 15 − 8.80 = 6.20 points.
Energy intensity, 辽环发〔2023〕39号 clause 二(三): −14.5 % 2020→2025. Declines 3 % (2021), 2 % (2022):
  1 − 0.97 × 0.98 = 1 − 0.9506 = 4.94 %; progress 4.94 ÷ 14.5 × 100 = 34.0690 → 34.07 %.
Energy increment, clause 一(二): ≤ 3550 万吨标准煤 over 2016–2020. 600 (2016) + 700 (2017) = 1,300; gap 1,300 − 3,550 = −2,250.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.core.errors import DataValidationError
from geo.measures.observed import import_observed, load_observed
from geo.measures.provincial import provincial_progress
from geo.measures.targets import province_baselines

ROWS = ("城市,指标,年份,数值,单位\n"
        "辽宁省,SO2,2018,800000,吨\n辽宁,二氧化硫,2020,76,万吨\n"
        "辽宁省,能耗强度降低率,2016,5,%\nLiaoning,能耗强度降低率,2017,4,%\n"
        "辽宁省,能耗强度降低率,2021,3,%\n辽宁省,能耗强度降低率,2022,2,%\n"
        "辽宁省,能源消费增量,2016,600,万吨标准煤\n辽宁省,能源消费增量,2017,700,万吨标准煤\n"
        "沈阳,SO2,2020,84000,吨\n")


def _rows(table: pd.DataFrame, target_id: str) -> pd.DataFrame:
    return table[table.target_id == target_id].set_index("year")


def test_province_rows_give_progress_against_the_provincial_targets():
    meta = import_observed(ROWS.encode(), name="province.csv")
    assert meta["cities"] == 1 and meta["province_rows"] == 8
    table = provincial_progress(load_observed(meta["dataset_id"]))
    so2 = _rows(table, "ln2020_so2_total_10kt")
    assert so2.loc[2018, "path"] == pytest.approx(852500.0, abs=1e-9)
    assert so2.loc[2018, "ahead_of_path"] == pytest.approx(52500.0, abs=1e-9)
    assert so2.loc[2018, "progress_pct"] == pytest.approx(87.10, abs=1e-9)
    assert so2.loc[2018, "gap"] == pytest.approx(25000.0, abs=1e-9)
    assert so2.loc[2020, "observed"] == pytest.approx(760000.0, abs=1e-9)
    assert so2.loc[2020, "progress_pct"] == pytest.approx(107.74, abs=1e-9)
    assert so2.loc[2020, "gap"] == pytest.approx(-15000.0, abs=1e-9)
    assert so2.loc[2018, "citation"] == "辽政发〔2017〕21号 一(二)"
    intensity = _rows(table, "ln2020_energy_intensity_cut_pct")
    assert intensity.loc[2017, "compared"] == pytest.approx(8.80, abs=1e-9)
    assert intensity.loc[2017, "progress_pct"] == pytest.approx(58.67, abs=1e-9)
    assert intensity.loc[2017, "gap"] == pytest.approx(6.20, abs=1e-9)
    later = _rows(table, "ln2025_energy_intensity_cut_pct")
    assert list(later.index) == [2021, 2022]  # 2016/2017 declines are not the 2020→2025 target's
    assert later.loc[2022, "compared"] == pytest.approx(4.94, abs=1e-9)
    assert later.loc[2022, "progress_pct"] == pytest.approx(34.07, abs=1e-9)
    assert later.loc[2022, "citation"] == "辽环发〔2023〕39号 二(三)"
    added = _rows(table, "ln2020_energy_increment_cap_10kt_ce")
    assert added.loc[2017, "compared"] == pytest.approx(1300.0, abs=1e-9)
    assert added.loc[2017, "gap"] == pytest.approx(-2250.0, abs=1e-9)
    assert "row 9" in added.loc[2017, "observed_source"]  # the header is row 1
    assert set(table.target_id) == {"ln2020_so2_total_10kt", "ln2020_energy_intensity_cut_pct",
                                    "ln2025_energy_intensity_cut_pct", "ln2020_energy_increment_cap_10kt_ce"}


def test_the_implied_provincial_baselines():
    base = province_baselines()
    assert base["so2"] == (968750.0, 775000.0)
    assert base["cod"] == (1167436.49, 1011000.0)
    recon = pd.read_csv("data/indicators/reconciliation.csv").set_index("pollutant")
    assert base["nox"][0] == recon.loc["nox", "province_2015_implied_t"]


def test_the_city_table_stays_one_row_per_city(tmp_path):
    import_observed(ROWS.encode(), name="province.csv")
    out = tmp_path / "t.csv"
    assert CliRunner().invoke(main, ["export", "table", "--format", "csv", "--out", str(out)]).exit_code == 0
    t = pd.read_csv(out, dtype={"adcode": str})
    assert len(t) == 14 and "210000" not in set(t.adcode)


def test_lnmap_progress_province(tmp_path):
    runner = CliRunner()
    empty = runner.invoke(main, ["progress", "--province"])
    assert empty.exit_code == 0 and "no provincial observed values" in empty.output
    import_observed(ROWS.encode(), name="province.csv")
    res = runner.invoke(main, ["progress", "--province"])
    assert res.exit_code == 0, res.output
    assert "ln2020_so2_total_10kt" in res.output and "辽政发〔2017〕21号 一(二)" in res.output
    assert "2018  observed 800,000.00 t; path 852,500.00 t, ahead of it 52,500.00 t; progress 87.10 %" in res.output
    csv = pd.read_csv(io.StringIO(runner.invoke(main, ["progress", "--province", "--format", "csv"]).output))
    assert _rows(csv, "ln2020_energy_intensity_cut_pct").loc[2017, "progress_pct"] == 58.67
    records = json.loads(runner.invoke(main, ["progress", "--province", "--format", "json"]).output)
    assert {r["year"] for r in records if r["target_id"] == "ln2020_so2_total_10kt"} == {2018, 2020}
    assert runner.invoke(main, ["progress"]).exit_code == 2  # a usage error: the scope is named


@pytest.mark.parametrize("row,field,says", [
    ("辽宁省,SO2,2019,80,吨", "数值", "implausible value 80 t for 辽宁省 SO2 2019"),  # 80 万吨 meant
    ("辽宁省,能源消费增量,2016,36000,万吨标准煤", "数值", "implausible energy increment 36000 万吨标准煤 for 辽宁省"),
    ("吉林省,SO2,2018,800000,吨", "城市", "吉林省 is in 吉林省, not Liaoning"),
    ("辽宁省,SO2,2018,800000,吨", "城市", "duplicate 辽宁省 / SO2 / 2018: also in row 2"),
])
def test_bad_province_rows_are_refused(row, field, says):
    data = f"城市,指标,年份,数值,单位\n辽宁省,SO2,2018,800000,吨\n{row}\n".encode()
    with pytest.raises(DataValidationError) as exc:
        import_observed(data, name="bad.csv")
    problems = exc.value.problems
    assert len(problems) == 1 and problems[0].row == 3 and problems[0].field == field, problems
    assert says in problems[0].message, problems[0].message
    assert load_observed().empty
