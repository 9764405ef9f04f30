"""``lnmap allocate`` and its four formats: CSV, XLSX (the annex layout, read back with openpyxl), a one-page A4
PDF in Chinese (read back with pypdf) and a PPTX slide; bad input refused with the field named, nothing written."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import main

EPOCH = "1767225600"  # 2026-01-01
UNIFORM = ["allocate", "--pollutant", "cod", "--target-cut-pct", "13.4", "--rule", "uniform", "--ceiling", "18"]
REGION = ["allocate", "--pollutant", "nox", "--rule", "region", "--target-cut-pct", "17.2",
          "--rates", "shenyang_metro=18,沿海经济带=16,辽西先导区=15,辽东绿色经济区=17", "--membership", "strictest"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(autouse=True)
def _date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def test_csv_one_row_per_city_then_the_province(tmp_path):
    out = tmp_path / "u.csv"
    res = run(*UNIFORM, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "Σ cities = province target: 156,440.48 t = 156,440.48 t ✓" in res.output
    t = pd.read_csv(out, dtype={"adcode": str})
    assert list(t.columns[:6]) == ["adcode", "name_zh", "base_t", "cut_pct", "cut_t", "cap_t"]
    assert len(t) == 15 and t.iloc[-1]["name_zh"] == "辽宁省" and t.iloc[-1]["adcode"] == "210000"
    # 13.4 % of the annexes' 1,167,466.27 t = 156,440.4802 → 156,440.48 t; the cities add up to it exactly
    assert round(t.iloc[:-1]["cut_t"].sum() * 100) == 15_644_048
    assert t.iloc[0]["cut_t"] == pytest.approx(241_522.89 * 0.134, abs=0.01)  # 沈阳 32,364.07
    side = json.loads((tmp_path / "u.csv.json").read_text(encoding="utf-8"))
    assert side["check"]["ok"] and side["rule"]["id"] == "uniform" and side["path"]


def test_xlsx_in_the_annex_layout(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    res = run(*REGION, "--out", str(out))
    assert res.exit_code == 0, res.output
    ws = load_workbook(out)["分配"]
    rows = list(ws.iter_rows(values_only=True))
    assert "氮氧化物" in rows[0][0]
    assert rows[1] == ("序号", "城市", "2015 年排放量 (吨)", "2020 年下降比例 (%)", "2020 年重点工程减排量 (吨)",
                       "2020 年排放量控制值 (吨)")
    cities = rows[2:16]
    assert [r[0] for r in cities] == list(range(1, 15)) and cities[0][1] == "沈阳市" and cities[13][1] == "葫芦岛市"
    assert cities[0][2] == 82_645.57 and cities[0][4] == 12_790.10  # the annex's base and key-project cut
    province = rows[16]
    assert province[1] == "全省合计" and province[2] == pytest.approx(648_008.92)
    assert round(sum(r[2] - r[5] for r in cities), 2) == pytest.approx(round(province[2] - province[5], 2))
    under = [r[0] for r in rows[17:] if r[0]]
    assert under[0].startswith("Σ 各市削减量 = 全省目标") and under[0].endswith("✓")
    assert any(u.startswith("规则：按区域定比例") for u in under) and any("日期：2026-01-01" in u for u in under)
    assert any("辽环发〔2023〕39号" in u for u in under) and any("不含省直管电厂" in u for u in under)


def test_pdf_is_one_a4_page_in_chinese_with_the_check_line(tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "a.pdf"
    res = run("allocate", "--pollutant", "so2", "--rule", "annex2017", "--out", str(out))
    assert res.exit_code == 0, res.output
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    w, h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(w), round(h)) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    for words in ("二氧化硫排放总量控制计划", "沈阳市", "葫芦岛市", "全省合计", "Σ 各市削减量 = 全省目标", "143,845.73",
                  "规则", "出处", "辽政发〔2017〕21号", "不含省直管电厂", "2026-01-01"):
        assert words in text, words


def test_pptx_slide(tmp_path):
    from pptx import Presentation

    out = tmp_path / "u.pptx"
    res = run(*UNIFORM, "--out", str(out))
    assert res.exit_code == 0, res.output
    prs = Presentation(str(out))
    assert len(prs.slides) == 1
    texts = []
    for shape in prs.slides[0].shapes:
        if shape.has_table:
            texts += [c.text for row in shape.table.rows for c in row.cells]
        elif shape.has_text_frame:
            texts.append(shape.text_frame.text)
    blob = "\n".join(texts)
    assert "序号" in texts and "沈阳市" in texts and "全省合计" in texts
    assert "Σ 各市削减量 = 全省目标：156,440.48 吨 = 156,440.48 吨 ✓" in blob and "统一比例" in blob
    # the same inputs on the same date give the same bytes
    again = tmp_path / "again.pptx"
    assert run(*UNIFORM, "--out", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_inputs_file_and_save(tmp_path):
    from geo.allocation.store import list_scenarios

    rows = ["city,year,emission_t,gdp_100m_yuan,source"]
    for n, city in enumerate(["沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "铁岭", "朝阳",
                              "盘锦", "葫芦岛"], start=1):
        rows.append(f"{city},2020,{1000 * n},100,invented")
    inputs = tmp_path / "inputs.csv"
    inputs.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "p.csv"
    res = run("allocate", "--pollutant", "cod", "--rule", "proportional", "--basis", "intensity", "--base-year", "2020",
              "--target-cut-pct", "10", "--inputs", str(inputs), "--save", "--name", "intensity-test", "--out", str(out))
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert t.iloc[0]["cut_t"] == pytest.approx(10_500 / 1015, abs=0.01)  # ∝ i²; Σ i² = 1,015
    assert [(s["name"], s["version"]) for s in list_scenarios()] == [("intensity-test", 1)]


@pytest.mark.parametrize("args, words", [
    (["--rule", "region", "--rates", "shenyang_metro=15", "--membership", "strictest"], "field 'rates.coastal_belt'"),
    (["--rule", "uniform", "--target-cut-pct", "10", "--floor", "12"], "field 'floors'"),
    (["--rule", "uniform", "--target-cut-pct", "10", "--ceiling", "8"], "field 'ceilings'"),
    (["--rule", "index", "--target-cut-pct", "10", "--weights", "emission_t=-1"], "weight -1 is negative"),
    (["--rule", "index", "--target-cut-pct", "10", "--weights", "emission_t=0,key_project_t=0"], "every weight is zero"),
    (["--rule", "proportional", "--basis", "intensity", "--target-cut-pct", "10"], "no gdp_100m_yuan given for any city"),
    (["--rule", "uniform"], "field 'target.value'"),
    (["--rule", "region", "--rates", "珠三角=3"], "'珠三角' is not a region"),
])
def test_bad_input_is_refused_and_nothing_written_or_stored(tmp_path, args, words):
    from geo.allocation.store import list_scenarios

    out = tmp_path / "x.csv"
    res = run("allocate", "--pollutant", "cod", *args, "--save", "--out", str(out))
    assert res.exit_code == 1
    assert "rejected (nothing stored)" in res.output and words in res.output, res.output
    assert not out.exists() and list_scenarios() == []


def test_renderers_directly():
    from geo.allocation.engine import allocate
    from geo.allocation.scenario import Scenario, Target
    from geo.exports.allocation import annex_layout, render_csv, wrap

    a = allocate(Scenario("n", Target("nh3n"), "annex2017"))
    title, header, rows = annex_layout(a)
    assert len(rows) == 15 and rows[-1][1] == "全省合计" and rows[0][3] == "8.8"
    frame = pd.read_csv(io.BytesIO(render_csv(a)), dtype={"adcode": str})
    assert frame.iloc[-1]["cap_t"] == pytest.approx(87_817.78)  # the reconciliation's city_sum_cap_2020_t
    assert all(len(line) <= 10 for line in wrap("辽宁减污降碳指标地图辽宁减污降碳指标地图", 20))
