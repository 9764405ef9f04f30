"""The annex tables against the seed text; derived values; the join; bad input."""

import re

import numpy as np
import pandas as pd
import pytest

from geo.errors import DataValidationError
from geo.indicators import (
    ANNEX_INDICATORS,
    BY_ID,
    CATALOGUE,
    POLLUTANTS,
    city_table,
    derive,
    load_cities,
    load_quotas,
    parse_annexes,
    read_text_utf8,
)


@pytest.fixture(scope="module")
def seed_text(seeds_dir):
    return read_text_utf8(next(seeds_dir.glob("003_*.txt")))


@pytest.fixture(scope="module")
def quotas():
    return load_quotas()


def test_committed_table_equals_a_fresh_parse_of_the_seed(seed_text, quotas):
    fresh, notes = parse_annexes(seed_text)
    pd.testing.assert_frame_equal(
        fresh.sort_values(["adcode", "indicator_id"]).reset_index(drop=True),
        quotas.sort_values(["adcode", "indicator_id"]).reset_index(drop=True),
        check_dtype=False,
    )
    assert set(notes) == {4, 5} and all("省直管电厂" in n[0] for n in notes.values())


def test_every_value_is_on_its_source_line(seed_text, quotas):
    """Independent of the parser: the printed value sits on the cited line, after the city name."""
    lines = seed_text.splitlines()
    assert len(quotas) == 14 * (2 + 3 * 4)  # 5 annexes x 14 cities = 70 rows, 196 values
    for rec in quotas.to_dict("records"):
        line = lines[rec["source_line"] - 1]
        cells = line.split("\t")
        assert re.sub(r"\s", "", cells[0]) == re.sub(r"\s", "", rec["city_as_printed"]), rec
        assert cells[rec["column"]].strip() == rec["value_as_printed"], rec
        assert float(rec["value_as_printed"].rstrip("%")) == rec["value"], rec
        head = next(n for n in range(rec["source_line"] - 1, -1, -1) if re.match(r"^附件\s*\d\s*$", lines[n]))
        assert lines[head].replace(" ", "") == f"附件{rec['annex']}", rec


def test_shenyang_cod_2015(quotas):
    row = quotas[(quotas.adcode == "210100") & (quotas.indicator_id == "cod_emission_2015_t")].iloc[0]
    assert row.value == 241522.89 and row.unit == "t" and row.citation.startswith("辽政发〔2017〕21号 附件2")


def test_fourteen_of_fourteen_cities_joined():
    gdf = load_cities()
    assert len(gdf) == 14 and gdf.adcode.is_unique
    assert gdf.crs.to_epsg() == 4326
    assert gdf[[i.id for i in ANNEX_INDICATORS]].notna().all().all()
    assert {"region_shenyang_metro", "region_east_green"} <= set(gdf.columns)


def test_derived_values_follow_their_formula(quotas):
    table = city_table().set_index("adcode")
    for p in POLLUTANTS:
        e = table[f"{p}_emission_2015_t"]
        pct = table[f"{p}_cut_target_pct"]
        key = table[f"{p}_key_project_cut_t"]
        assert np.allclose(table[f"{p}_cap_2020_t"], e * (1 - pct / 100), atol=0.006)
        assert np.allclose(table[f"{p}_required_cut_t"], e * pct / 100, atol=0.006)
        assert np.allclose(table[f"{p}_cut_beyond_projects_t"], e * pct / 100 - key, atol=0.006)
        assert np.allclose(table[f"{p}_project_coverage_pct"], key / (e * pct / 100) * 100, atol=0.006)
    # worked by hand: 沈阳 COD 241522.89 t × 18 % = 43474.12 t; cap 198048.77 t; beyond projects 26026.57 t
    sy = table.loc["210100"]
    assert sy.cod_required_cut_t == 43474.12 and sy.cod_cap_2020_t == 198048.77
    assert sy.cod_cut_beyond_projects_t == 26026.57


def test_derive_handles_zero_cut():
    wide = pd.DataFrame({f"{p}_{m}": [100.0] for p in POLLUTANTS for m in
                         ("emission_2015_t", "cut_target_pct", "key_project_cut_t")})
    wide["cod_cut_target_pct"] = 0.0
    out = derive(wide)
    assert out.cod_cap_2020_t.iloc[0] == 100.0 and np.isnan(out.cod_project_coverage_pct.iloc[0])


def test_catalogue_has_unit_source_and_formula():
    for ind in CATALOGUE:
        assert ind.unit and ind.source and ind.year, ind.id
        if ind.kind == "derived":
            assert ind.formula, ind.id
    assert "cod_emission_2015_t" in BY_ID and "energy_increment_cap_10kt_ce" in BY_ID


# ------------------------------------------------------------------ bad input


def _annex2(rows: list[str], header="城 市\t2015 年排放量 (吨)\t2020 年下降比例 (%)\t2020 年重点工程 减排量 (吨)"):
    return "附件 2\n\n“十三五”各市化学需氧量排放总量控制计划\n\n" + header + "\n" + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def good_rows(seed_text):
    lines = seed_text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.strip() == "附件 2")
    header = next(n for n in range(start, len(lines)) if lines[n].startswith("城 市"))
    return lines[header + 1: header + 15]


def _problems(text):
    with pytest.raises(DataValidationError) as exc:
        parse_annexes(text)
    return [str(p) for p in exc.value.problems]


def test_unknown_city_names_the_row(good_rows):
    rows = list(good_rows)
    rows[3] = rows[3].replace("抚 顺", "长 春")
    problems = _problems(_annex2(rows))
    assert any("row 9" in p and "长 春" in p and "城市" in p for p in problems), problems


def test_liaoyuan_in_a_liaoning_table_is_rejected(good_rows):
    rows = list(good_rows)
    rows[0] = rows[0].replace("沈 阳", "辽 源")
    assert any("吉林省" in p and "row 6" in p for p in _problems(_annex2(rows)))


def test_duplicate_row_names_the_row(good_rows):
    rows = list(good_rows) + [good_rows[0]]
    problems = _problems(_annex2(rows))
    assert any("duplicate" in p and "row 20" in p and "沈阳市" in p for p in problems), problems


def test_non_numeric_value_names_row_and_column(good_rows):
    rows = list(good_rows)
    rows[1] = rows[1].replace("173983.97", "17398x.97")
    problems = _problems(_annex2(rows))
    assert any("row 7" in p and "2015 年排放量" in p and "17398x.97" in p for p in problems), problems


def test_missing_column_names_the_row(good_rows):
    rows = list(good_rows)
    rows[2] = "\t".join(rows[2].split("\t")[:3])
    problems = _problems(_annex2(rows))
    assert any("row 8" in p and "missing column" in p for p in problems), problems


def test_missing_header_column_is_reported(good_rows):
    problems = _problems(_annex2(good_rows, header="城 市\t2015 年排放量 (吨)\t2020 年下降比例 (%)"))
    assert any("header has 3 columns" in p for p in problems), problems


def test_missing_city_and_missing_annexes_are_reported(good_rows):
    problems = _problems(_annex2(good_rows[:-1]))
    assert any("no row for 葫芦岛市" in p for p in problems), problems
    assert any("annex 1 (附件 1) not found" in p for p in problems)


def test_gbk_encoded_file_is_rejected_naming_the_line(tmp_path, seed_text):
    path = tmp_path / "annexes_gbk.txt"
    path.write_bytes(seed_text.encode("gb18030"))
    with pytest.raises(DataValidationError) as exc:
        read_text_utf8(path)
    msg = str(exc.value)
    assert "not valid UTF-8" in msg and "GBK" in msg and re.search(r"row \d+", msg)


def test_bad_input_changes_nothing_stored(tmp_path, good_rows, monkeypatch):
    """A failed build writes nothing: the committed tables stay as they were."""
    import shutil

    from geo.package import build_indicators
    from geo.settings import REPO_ROOT

    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "003_broken.txt").write_text(_annex2([r.replace("沈 阳", "长 春") for r in good_rows]), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (data / "indicators").iterdir()}
    monkeypatch.setenv("LNMAP_DATA_DIR", str(data))
    monkeypatch.setenv("LNMAP_SEEDS_DIR", str(seeds))
    with pytest.raises(DataValidationError):
        build_indicators()
    after = {p.name: p.read_bytes() for p in (data / "indicators").iterdir()}
    assert before == after
