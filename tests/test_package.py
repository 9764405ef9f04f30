"""`lnmap validate` on the bundled data and on broken copies; the reconciliation."""

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.core.settings import REPO_ROOT
from geo.package.build import SCHEMAS, validate_package


@pytest.fixture
def data_copy(tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", dst)
    return dst


def _rewrite(path, edit):
    _edit_without_rehash(path, edit)
    # keep the descriptor's hash in step so that the content check, not the hash, is what fails
    from geo.core.settings import Settings
    from geo.package.build import descriptor

    desc_path = path.parent / "datapackage.json"
    desc = json.loads(desc_path.read_text(encoding="utf-8"))
    fresh = descriptor(Settings(data_dir=path.parent.parent))
    for res, new in zip(desc["resources"], fresh["resources"]):
        res["hash"] = new["hash"]
    desc_path.write_text(json.dumps(desc, ensure_ascii=False), encoding="utf-8")


def test_bundled_data_is_valid():
    assert validate_package() == []


def test_every_column_has_a_description_and_every_table_a_source():
    desc = json.loads((REPO_ROOT / "data/indicators/datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in desc["resources"]} == set(SCHEMAS)
    for res in desc["resources"]:
        assert res["description"].startswith("Source:"), res["name"]
        for field in res["schema"]["fields"]:
            assert field.get("description"), (res["name"], field["name"])
            if field["type"] == "number":
                assert field.get("unit") and field.get("source"), (res["name"], field["name"])


def test_cli_validate_passes_on_bundled_data():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_unknown_adcode_fails_naming_the_row(data_copy):
    def edit(df):
        df.loc[3, "adcode"] = "219900"
    _rewrite(data_copy / "indicators/region_members.csv", edit)
    result = CliRunner().invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    assert "region_members.csv, row 5, field 'adcode'" in result.output and "219900" in result.output


def test_non_numeric_value_fails_naming_the_row(data_copy):
    def edit(df):
        df.loc[10, "value"] = "12,3x"
    _rewrite(data_copy / "indicators/annex_quotas.csv", edit)
    problems = [str(p) for p in validate_package(data_copy)]
    assert any("annex_quotas.csv" in p and "row 12" in p and "value" in p for p in problems), problems


def test_duplicate_key_fails(data_copy):
    def edit(df):
        df.loc[1, ["adcode", "indicator_id", "year"]] = df.loc[0, ["adcode", "indicator_id", "year"]].values
    _rewrite(data_copy / "indicators/annex_quotas.csv", edit)
    problems = [str(p) for p in validate_package(data_copy)]
    assert any("primary-key" in p and "row 3" in p for p in problems), problems


def test_indicator_without_unit_fails(data_copy):
    def edit(df):
        df.loc[4, "unit"] = ""
    _rewrite(data_copy / "indicators/indicators.csv", edit)
    problems = [str(p) for p in validate_package(data_copy)]
    assert any("indicators.csv" in p and "row 6" in p and "unit" in p for p in problems), problems


def test_tampered_file_fails_its_hash(data_copy):
    path = data_copy / "indicators/annex_quotas.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("241522.89", "241522.98"), encoding="utf-8")
    problems = [str(p) for p in validate_package(data_copy)]
    assert any("hash" in p for p in problems), problems


def test_reconciliation_shows_city_sums_and_the_power_plant_note():
    rec = pd.read_csv(REPO_ROOT / "data/indicators/reconciliation.csv").set_index("pollutant")
    quotas = pd.read_csv(REPO_ROOT / "data/indicators/annex_quotas.csv")
    for p in ("cod", "nh3n", "so2", "nox"):
        city_sum = quotas[quotas.indicator_id == f"{p}_emission_2015_t"].value.sum()
        assert rec.loc[p, "city_sum_2015_t"] == pytest.approx(city_sum, abs=0.01)
        implied = rec.loc[p, "province_cap_2020_t"] / (1 - rec.loc[p, "province_cut_pct"] / 100)
        assert rec.loc[p, "province_2015_implied_t"] == pytest.approx(implied, abs=0.01)
    assert rec.loc["cod", "province_cap_2020_t"] == 1_011_000  # 101.1 万吨, 辽政发〔2017〕21号 一(二)
    for p in ("so2", "nox"):
        assert "不含省直管电厂" in rec.loc[p, "note"]
        assert rec.loc[p, "city_share_of_province_2015_pct"] < 95  # power plants missing from city baselines
    assert rec.loc["cod", "city_share_of_province_2015_pct"] == pytest.approx(100, abs=0.1)


def _edit_without_rehash(path, edit):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    result = edit(df)
    df = df if result is None else result
    df.to_csv(path, index=False, lineterminator="\n")


def test_a_hand_edit_is_reported_row_by_row_not_only_as_a_changed_hash(data_copy):
    """What a user sees after editing a file by hand: the descriptor hash no longer matches."""
    def edit(df):
        df.loc[3, "adcode"] = "219999"
    _edit_without_rehash(data_copy / "indicators/region_members.csv", edit)
    problems = [str(p) for p in validate_package(data_copy)]
    assert any("hash-count" in p and "region_members.csv" in p for p in problems), problems
    assert any("region_members.csv, row 5, field 'adcode'" in p and "219999" in p for p in problems), problems


def test_a_deleted_annex_row_is_reported(data_copy):
    def edit(df):
        return df.drop(index=5)
    _edit_without_rehash(data_copy / "indicators/annex_quotas.csv", edit)
    problems = [str(p) for p in validate_package(data_copy)]
    assert any("has no" in p and "annex_quotas.csv" in p for p in problems), problems


def test_a_value_that_differs_from_the_printed_one_is_reported(data_copy):
    def edit(df):
        df.loc[0, "value"] = "1540.0"
    _edit_without_rehash(data_copy / "indicators/annex_quotas.csv", edit)
    problems = [str(p) for p in validate_package(data_copy)]
    assert any("row 2, field 'value'" in p and "as printed" in p for p in problems), problems
