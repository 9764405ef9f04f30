"""GDP (地区生产总值) in the observed-values file: the denominator of carbon intensity (issue 22, part 3).

The values below are invented; the conversions are worked by hand:
  沈阳 2020: 6,571.6 亿元 as given.
  大连 2020: 70,300,000 万元 × 0.0001 = 7,030 亿元.
  鞍山 has no GDP row: no data in the export, never zero.
"""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from geo.cli import main
from geo.core.errors import DataValidationError
from geo.measures.catalogue import lookup
from geo.measures.observed import read_observed
from geo.store import db
from tests.test_annual import _export  # the CLI's table export, read back as a frame

ROWS = ("城市,指标,年份,数值,单位\n"
        "沈阳,地区生产总值,2020,6571.6,亿元\n"
        "大连,GDP,2020,70300000,万元\n"
        "沈阳,COD,2020,200000,吨\n")


def _snapshot() -> dict:
    with db.reading() as conn:
        return {t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr) for t in db.metadata.sorted_tables}


def test_gdp_rows_are_read_in_yi_yuan_with_the_conversion_recorded():
    rows = read_observed(ROWS.encode("utf-8"), name="gdp.csv", source="统计年鉴 2021").rows.set_index(["city_zh", "year"])
    sy, dl = rows.loc[("沈阳市", 2020)], rows.loc[("大连市", 2020)]
    sy = sy[sy.pollutant == "gdp"].iloc[0]
    dl = dl.iloc[0] if dl.ndim == 2 else dl
    assert sy.indicator_id == "gdp_2020_observed_100m_yuan" and sy.value == 6571.6 and sy.unit == "100m_yuan"
    assert sy.conversion == "none"
    assert dl.value == pytest.approx(7030.0) and dl.conversion == "× 0.0001 (万元 → 亿元)"


@pytest.mark.parametrize("row, words", [
    ("沈阳,地区生产总值,2020,-5,亿元", "not above zero"),
    ("沈阳,地区生产总值,2020,0,亿元", "not above zero"),
    ("沈阳,地区生产总值,2020,5,美元", "unknown unit '美元' for 地区生产总值; expected 亿元 or 万元"),
])
def test_bad_gdp_is_refused_naming_row_and_field_and_nothing_is_stored(tmp_path, row, words):
    src = tmp_path / "bad.csv"
    src.write_text("城市,指标,年份,数值,单位\n沈阳,COD,2020,200000,吨\n" + row + "\n", encoding="utf-8")
    before = _snapshot()
    with pytest.raises(DataValidationError) as exc:
        read_observed(src.read_bytes(), name=src.name)
    [problem] = exc.value.problems
    assert words in problem.message and problem.row == 3 and problem.field in ("数值", "单位")
    res = CliRunner().invoke(main, ["import", str(src)])
    assert res.exit_code != 0 and "row 3" in res.output
    assert _snapshot() == before


def test_the_export_table_carries_gdp_and_leaves_a_city_without_it_empty(tmp_path):
    src = tmp_path / "gdp.csv"
    src.write_text(ROWS, encoding="utf-8")
    res = CliRunner().invoke(main, ["import", str(src)])
    assert res.exit_code == 0, res.output
    t = _export(tmp_path)
    assert t.loc["沈阳市", "gdp_2020_observed_100m_yuan"] == 6571.6
    assert t.loc["大连市", "gdp_2020_observed_100m_yuan"] == pytest.approx(7030.0)
    assert math.isnan(t.loc["鞍山市", "gdp_2020_observed_100m_yuan"])


def test_the_gdp_id_is_described_with_its_unit_and_source():
    ind = lookup("gdp_2019_observed_100m_yuan")
    assert ind is not None and ind.unit == "100m_yuan" and ind.year == "2019" and ind.kind == "observed"
    assert ind.name_zh == "2019年地区生产总值"
    res = CliRunner().invoke(main, ["indicators", "--format", "csv", "--with-years"])
    assert "gdp_Y_observed_100m_yuan" in res.output
