"""annex2017 reproduces the 2020 caps of 辽政发〔2017〕21号 annexes 2–5 from their inputs (issue 23, part 3).

Checked twice: against annex_quotas.csv, and against the document's own text in data/sources/, whose annex
rows this test finds by itself (a tab-separated line per city under "附件 N").
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from geo.allocation.engine import allocate
from geo.allocation.scenario import Scenario, Target
from geo.core.errors import DataValidationError

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "data" / "sources" / "003_6bbbe1509b695a5c.txt"  # 辽政发〔2017〕21号 (data/sources/README.md)
ANNEX = {"cod": 2, "nh3n": 3, "so2": 4, "nox": 5}
ROW = re.compile(r"^([\u4e00-\u9fff][\u4e00-\u9fff ]*?)\t([\d.]+)\t([\d.]+)%\t([\d.]+)\s*$")


def annex_rows_from_text(number: int) -> tuple[list[tuple[str, Decimal, Decimal, Decimal]], str]:
    """The city rows (name, 2015 t, cut %, key-project t) under 附件 ``number``, and the text up to the next annex."""
    text = DOCUMENT.read_text(encoding="utf-8")
    start = text.index(f"附件 {number}\n")
    end = text.find(f"附件 {number + 1}\n", start)
    block = text[start:end if end > 0 else len(text)]
    rows = []
    for line in block.splitlines():
        m = ROW.match(line)
        if m:
            rows.append((m.group(1).replace(" ", "") + "市", Decimal(m.group(2)), Decimal(m.group(3)), Decimal(m.group(4))))
    return rows, block


def cap(base: Decimal, pct: Decimal) -> Decimal:
    return (base * (100 - pct) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("pollutant", list(ANNEX))
def test_annex2017_reproduces_the_caps_of_the_document_text(pollutant):
    rows, block = annex_rows_from_text(ANNEX[pollutant])
    assert len(rows) == 14, f"附件 {ANNEX[pollutant]}: found {len(rows)} city rows"
    a = allocate(Scenario("annex", Target(pollutant), "annex2017"))
    got = a.table.set_index("name_zh")
    assert list(got.index) == [r[0] for r in rows]  # the annex's order
    for name, base, pct, key_project in rows:
        assert Decimal(repr(float(got.loc[name, "base_t"]))) == base
        assert abs(Decimal(repr(float(got.loc[name, "cap_t"]))) - cap(base, pct)) <= Decimal("0.01"), name
        # the cut % realised by the rounded tonnes: within 0.005 t ÷ base of the annex's
        assert got.loc[name, "cut_pct"] == pytest.approx(float(pct), abs=0.005 / float(base) * 100 + 1e-4)
        assert Decimal(repr(float(got.loc[name, "key_project_t"]))) == key_project
    # the check: the province is the cities' sum, at 0.01 t
    assert a.province["cap_t"] == pytest.approx(float(sum(cap(b, p) for _, b, p, _ in rows)), abs=0.005)
    assert a.check["ok"]
    # the annex note on province-managed power plants: printed under annexes 4 and 5, carried by the result
    has_note = "注：各市 2015 年排放量不含省直管电厂" in block
    assert has_note == (pollutant in ("so2", "nox"))
    assert any("不含省直管电厂" in n for n in a.notes) == has_note


@pytest.mark.parametrize("pollutant", list(ANNEX))
def test_annex2017_reproduces_annex_quotas_csv(pollutant):
    q = pd.read_csv(ROOT / "data" / "indicators" / "annex_quotas.csv", dtype={"adcode": str})
    q = q[q.indicator_id.isin([f"{pollutant}_emission_2015_t", f"{pollutant}_cut_target_pct"])]
    wide = q.pivot(index="adcode", columns="indicator_id", values="value")
    a = allocate(Scenario("annex", Target(pollutant), "annex2017")).table.set_index("adcode")
    for adcode, r in wide.iterrows():
        base, pct = r[f"{pollutant}_emission_2015_t"], r[f"{pollutant}_cut_target_pct"]
        assert a.loc[adcode, "cap_t"] == pytest.approx(base * (1 - pct / 100), abs=0.01)
        assert a.loc[adcode, "cap_t"] == pytest.approx(round(base * (1 - pct / 100), 2), abs=0.0051)


def test_shenyang_cod_by_hand():
    # 沈阳 COD: 241,522.89 × (1 − 18 ÷ 100) = 198,048.7698 → 198,048.77 t (README: cap 2020)
    a = allocate(Scenario("annex", Target("cod"), "annex2017")).table.set_index("name_zh")
    assert a.loc["沈阳市", "cap_t"] == 198_048.77 and a.loc["沈阳市", "cut_t"] == 43_474.12


def test_so2_province_note_and_new_inputs():
    a = allocate(Scenario("annex", Target("so2"), "annex2017"))
    assert any("775,000" in n and "province-managed power plants" in n for n in a.notes)
    # new inputs: the 2017 method on invented 2020 emissions, plants subtracted where given
    rows = tuple({"adcode": ad, "year": 2020, "emission_t": 10_000.0, "province_plants_t": 1_000.0 if ad == "210100" else 0.0,
                  "source": "invented"} for ad in a.table.adcode)
    b = allocate(Scenario("annex-new", Target("so2"), "annex2017", target_year=2025,
                          inputs=a.scenario.inputs.__class__(base_year=2020), table=rows))
    t = b.table.set_index("name_zh")
    assert t.loc["沈阳市", "base_t"] == 9_000.0 and t.loc["沈阳市", "cut_t"] == 1_485.0  # 9,000 × 16.5 %
    assert t.loc["大连市", "cut_t"] == 1_650.0
    assert any("subtracted" in n for n in b.notes)


def test_annex2017_takes_no_target_and_no_co2():
    with pytest.raises(DataValidationError) as e:
        allocate(Scenario("x", Target("cod", "total_cut_pct", 10.0), "annex2017"))
    assert "field 'target.value'" in str(e.value) and "annex2017" in str(e.value)
    with pytest.raises(DataValidationError) as e:
        allocate(Scenario("x", Target("co2"), "annex2017"))
    assert "nothing is bundled for CO2" in str(e.value)
