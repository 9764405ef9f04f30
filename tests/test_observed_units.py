"""Every unit spelling the observed import accepts, and both ends of its year range.

Expected tonnes are worked out by hand from what each unit means: 1 万吨 = 10⁴ t = 10 kt.
"""

from __future__ import annotations

import pytest

from geo.core.errors import DataValidationError
from geo.measures.observed import read_observed

TONNE = ["t", "吨", "tonne", "tonnes", "ton", "tons", "T", " 吨 "]
TEN_KT = ["万吨", "万t", "10kt", "10^4t", "10⁴t", "10KT", "10 kt"]


def _one(unit: str, value: str, year: int = 2020) -> float:
    """沈阳's SO2 (2015 baseline 101,296.20 t: values near it pass the plausibility check)."""
    data = f"城市,指标,年份,数值,单位\n沈阳,SO2,{year},{value},{unit}\n".encode()
    return float(read_observed(data).rows.value.iloc[0])


@pytest.mark.parametrize("unit", TONNE)
def test_tonne_spellings_keep_the_value(unit):
    assert _one(unit, "90000.5") == 90000.5


@pytest.mark.parametrize("unit", TEN_KT)
def test_ten_kilotonne_spellings_multiply_by_ten_thousand(unit):
    assert _one(unit, "9.25") == 92_500.0  # 9.25 万吨 = 9.25 × 10,000 t


@pytest.mark.parametrize("unit", ["kt", "千吨", "kg", "公斤", "100t", "万"])
def test_other_units_are_refused_naming_them(unit):
    with pytest.raises(DataValidationError) as exc:
        _one(unit, "90000")
    assert any("unit" in str(p) and unit.strip() in str(p) for p in exc.value.problems)


@pytest.mark.parametrize("year", [2015, 2020, 2025])
def test_years_inside_the_range_are_kept(year):
    data = f"城市,指标,年份,数值,单位\n沈阳,SO2,{year},90000,t\n".encode()
    assert read_observed(data).rows.year.astype(int).tolist() == [year]


@pytest.mark.parametrize("year", [2014, 2026])
def test_years_just_outside_the_range_are_refused(year):
    with pytest.raises(DataValidationError) as exc:
        _one("t", "90000", year)
    assert any(str(year) in str(p) and "2015" in str(p) and "2025" in str(p) for p in exc.value.problems)
