"""Plan periods (issue 11, part 3): a later plan's per-city targets, validated, stored, derived.

tests/fixtures/plan_example_14th.csv is invented. Hand-worked from it:
沈阳 SO2 cap 2025 = 60,000 × (1 − 10 ÷ 100) = 54,000.00 t; 大连 = 5.5 万吨 = 55,000 t × (1 − 0.12) = 48,400.00 t.
"""

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from geo.cli import main
from geo.core.errors import DataValidationError
from geo.measures.plans import import_plan, list_plans, load_plan, plan_table, read_plan, remove_plan
from geo.store import db
from tests.test_annual import _export  # the CLI's table export, read back as a frame

FIXTURE = Path(__file__).parent / "fixtures" / "plan_example_14th.csv"
HEADER = "城市,指标,基准年,目标年,数值,单位,出处"


def _snapshot() -> dict:
    with db.reading() as conn:
        return {t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr) for t in db.metadata.sorted_tables}


def test_import_and_export_a_later_plan(tmp_path):
    res = CliRunner().invoke(main, ["targets", "import", str(FIXTURE), "--plan", "十四五"])
    assert res.exit_code == 0, res.output
    t = _export(tmp_path, "--plan", "十四五")
    assert t.loc["沈阳市", "so2_cap_2025_t"] == pytest.approx(54000.00, abs=1e-9)
    assert t.loc["大连市", "so2_cap_2025_t"] == pytest.approx(48400.00, abs=1e-9)
    assert t.loc["沈阳市", "so2_required_cut_2025_t"] == pytest.approx(6000.00, abs=1e-9)
    assert t.loc["沈阳市", "cod_cap_2025_t"] == pytest.approx(164700.00, abs=1e-9)  # 180,000 × 0.915
    assert pd.isna(t.loc["鞍山市", "so2_cap_2025_t"])  # not in the plan: no data, never zero
    assert "so2_cap_2020_t" not in t.columns
    sources = pd.read_csv(tmp_path / "t.sources.csv").set_index("column")
    assert "示例(虚构) 表1" in sources.loc["so2_cap_2025_t", "source"]
    assert "so2_cut_target_2025_pct" in sources.loc["so2_cap_2025_t", "formula"]
    # the default plan is still 十三五
    assert _export(tmp_path).loc["沈阳市", "so2_cap_2020_t"] == pytest.approx(84582.33, abs=1e-9)
    listed = CliRunner().invoke(main, ["targets", "list"]).output
    assert "十三五" in listed and "十四五" in listed
    assert CliRunner().invoke(main, ["targets", "remove", "十四五"]).exit_code == 0
    assert [p["plan"] for p in list_plans()] == ["十三五"]
    assert CliRunner().invoke(main, ["export", "table", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                                     "--plan", "十四五"]).exit_code == 1


def test_observed_values_give_progress_against_the_plan_asked_for():
    import_plan(FIXTURE.read_bytes(), plan="十四五", name=FIXTURE.name)
    from geo.measures.observed import import_observed, load_observed

    meta = import_observed("城市,指标,年份,数值,单位\n沈阳,SO2,2023,57000,吨\n沈阳,SO2,2025,55000,吨\n".encode(), name="o.csv")
    from geo.measures.join import export_table

    t = export_table(observed=load_observed(meta["dataset_id"]), plan="十四五").set_index("name_zh")
    # progress = (60000 − 55000) ÷ (60000 − 54000) × 100 = 83.33; gap = 55000 − 54000 = 1000
    assert t.loc["沈阳市", "so2_progress_2025_pct"] == pytest.approx(83.33, abs=1e-9)
    assert t.loc["沈阳市", "so2_gap_to_cap_2025_t"] == pytest.approx(1000.0, abs=1e-9)
    # path 2023 = 60000 − 6000 × 3 ÷ 5 = 56,400; observed 57,000 -> 600 behind
    assert t.loc["沈阳市", "so2_path_2023_t"] == pytest.approx(56400.0, abs=1e-9)
    assert t.loc["沈阳市", "so2_ahead_of_path_2023_t"] == pytest.approx(-600.0, abs=1e-9)


def test_plan_rows_are_stored_as_given():
    import_plan(FIXTURE.read_bytes(), plan="十四五", name=FIXTURE.name)
    rows = load_plan("十四五")
    dl = rows[(rows.city_zh == "大连市") & (rows.kind == "emission")].iloc[0]
    assert (dl.value, dl.unit, dl.value_as_given, dl.unit_as_given, dl.citation) == (55000.0, "t", "5.5", "万吨",
                                                                                      "示例(虚构) 表1 第1列")
    table, period = plan_table("十四五")
    assert (period.base_year, period.target_year) == (2020, 2025)


@pytest.mark.parametrize("row,field,says", [
    ("沈阳,SO2,2020,2020,60000,吨,", "出处", "出处 is empty"),
    ("纽约,SO2,2020,2020,60000,吨,文件 表1", "城市", "unknown place name"),
    ("沈阳,SO2,2020,2020,六万,吨,文件 表1", "数值", "is not a number"),
    ("沈阳,SO2,2020,2020,60000,千克,文件 表1", "单位", "unknown unit"),
    ("沈阳,SO2,2025,2020,10,%,文件 表1", "目标年", "is after 目标年"),
    ("沈阳,SO2排放量,2020,2025,60000,吨,文件 表1", "目标年", "基准年 = 目标年"),
    ("沈阳,PM2.5,2020,2025,10,%,文件 表1", "指标", "unknown indicator"),
    ("沈阳,SO2,2020,2025,120,%,文件 表1", "数值", "between −100 and 100"),
])
def test_bad_rows_are_refused_naming_row_and_field(row, field, says):
    import_plan(FIXTURE.read_bytes(), plan="十四五", name=FIXTURE.name)
    before = _snapshot()
    data = f"{HEADER}\n大连,SO2,2020,2020,55000,吨,文件 表1\n{row}\n".encode()
    with pytest.raises(DataValidationError) as exc:
        import_plan(data, plan="十五五", name="bad.csv")
    problems = exc.value.problems
    assert len(problems) == 1 and problems[0].row == 3 and problems[0].field == field, problems
    assert says in problems[0].message
    assert _snapshot() == before


def test_duplicates_and_a_second_plan_of_the_same_name_are_refused():
    data = f"{HEADER}\n沈阳,SO2,2020,2020,60000,吨,a\n沈阳市,二氧化硫,2020,2020,61000,吨,b\n".encode()
    with pytest.raises(DataValidationError, match="duplicate 沈阳市"):
        read_plan(data)
    import_plan(FIXTURE.read_bytes(), plan="十四五", name=FIXTURE.name)
    before = _snapshot()
    with pytest.raises(DataValidationError, match="already stored"):
        import_plan(FIXTURE.read_bytes(), plan="十四五", name=FIXTURE.name)
    with pytest.raises(DataValidationError, match="bundled plan"):
        import_plan(FIXTURE.read_bytes(), plan="十三五", name=FIXTURE.name)
    with pytest.raises(KeyError):
        remove_plan("十三五")
    assert _snapshot() == before


def test_cli_refuses_a_bad_plan_with_row_messages(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n沈阳,SO2,2020,2020,60000,吨,\n纽约,SO2,2020,2020,1,吨,x\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["targets", "import", str(bad), "--plan", "十四五"])
    assert res.exit_code == 1
    assert "rejected (nothing stored)" in res.output and "row 2" in res.output and "row 3" in res.output
    assert [p["plan"] for p in list_plans()] == ["十三五"]
