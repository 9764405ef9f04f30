import json

import pandas as pd
from click.testing import CliRunner

from geo.cli import main
from geo.measures.catalogue import CATALOGUE


def test_indicators_lists_every_id_with_unit_and_source():
    result = CliRunner().invoke(main, ["indicators", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [i.id for i in CATALOGUE]
    assert all(r["unit"] and r["source"] for r in rows)
    table = CliRunner().invoke(main, ["indicators"])
    assert "cod_emission_2015_t" in table.output and "辽政发〔2017〕21号 附件2" in table.output


def test_export_table_csv(tmp_path):
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(main, ["export", "table", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out, dtype={"adcode": str}, encoding="utf-8-sig")
    assert list(df.columns[:3]) == ["adcode", "name_zh", "name_en"]
    assert [c for c in df.columns if c.startswith("region_")] == [
        "region_shenyang_metro", "region_coastal_belt", "region_west_liaoning", "region_east_green"]
    assert len(df) == 14
    assert df.set_index("name_zh").loc["沈阳市", "cod_emission_2015_t"] == 241522.89
    for ind in CATALOGUE:
        if ind.kind != "observed":
            assert ind.id in df.columns


def test_export_table_xlsx_has_sources_sheet(tmp_path):
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["export", "table", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheets = pd.read_excel(out, sheet_name=None, dtype={"adcode": str})
    assert set(sheets) == {"cities", "sources"}
    assert len(sheets["cities"]) == 14
    src = sheets["sources"].set_index("column")
    assert src.loc["cod_cap_2020_t", "formula"].startswith("cod_emission_2015_t × (1 − cod_cut_target_pct")


def test_export_table_csv_has_a_sources_sidecar_and_the_active_observed_columns(tmp_path, monkeypatch):
    from pathlib import Path

    from geo.measures.observed import import_observed

    monkeypatch.setenv("LNMAP_STORE_DIR", str(tmp_path / "store"))
    fixture = Path(__file__).parent / "fixtures" / "observed_example_cod_2020.csv"
    meta = import_observed(fixture.read_bytes(), name=fixture.name, source="示例（虚构）")
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(main, ["export", "table", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out, dtype={"adcode": str}, encoding="utf-8-sig").set_index("name_zh")
    assert df.loc["沈阳市", "cod_progress_pct"] == 55.56 and df.loc["沈阳市", "cod_target_status"] == "not_met"
    sources = pd.read_csv(tmp_path / "t.sources.csv", encoding="utf-8-sig").set_index("column")
    assert set(df.columns) - {"adcode", "name_en"} <= set(sources.index)
    assert "so2_progress_pct" not in df.columns  # no observed SO2: no empty SO2 gap columns
    assert meta["dataset_id"] in sources.loc["cod_progress_pct", "source"]
    assert sources.loc["cod_emission_2015_t", "source"] == "辽政发〔2017〕21号 附件2 第1列"
