"""The annex tables against the seed text; derived values; the join; bad input."""

import re

import numpy as np
import pandas as pd
import pytest

from geo.core.errors import DataValidationError
from geo.measures.catalogue import (
    ANNEX_INDICATORS,
    BY_ID,
    CATALOGUE,
    POLLUTANTS,
    derive,
    load_quotas,
    parse_annexes,
    read_text_utf8,
)
from geo.measures.cities import city_table
from geo.measures.join import load_cities


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

    from geo.core.settings import REPO_ROOT
    from geo.package.build import build_indicators

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


# ------------------------------------------------------------------ per-area densities


def test_city_area_agrees_with_the_geodesic_area_of_the_same_polygon():
    """EPSG:4550 areas against pyproj.Geod on GRS80 (the CGCS2000 ellipsoid's shape to 0.1 mm), which
    integrates on the ellipsoid and shares no code with the projection."""
    from pyproj import Geod

    from geo.places.boundaries import city_areas_km2, load_layer

    areas = city_areas_km2()
    geod = Geod(ellps="GRS80")
    shapes = load_layer("cities").set_index("adcode").geometry
    for adcode, geom in shapes.items():
        geodesic_km2 = abs(geod.geometry_area_perimeter(geom)[0]) / 1e6
        assert areas[adcode] == pytest.approx(geodesic_km2, rel=0.005), adcode
    # 沈阳: both near 12,869 km² (the Gauss-Kruger scale at 123°E is 1, so they agree to 0.01 %).
    sy = abs(geod.geometry_area_perimeter(shapes["210100"])[0]) / 1e6
    assert 12_800 < sy < 12_950 and areas["210100"] == pytest.approx(sy, rel=1e-4)


def test_density_is_total_over_area_worked_by_hand():
    from geo.core.symbols import resolve_map_type

    table = city_table().set_index("adcode")
    sy = table.loc["210100"]
    # 沈阳 COD 2015: 241,522.89 t (附件2 第1列) ÷ 12,869.1 km² (geodesic area above) = 18.768 t/km²;
    # EPSG:4550 gives 12,869.4 km², hence 18.767 after rounding to 0.001.
    assert sy.cod_emission_2015_t_per_km2 == pytest.approx(18.768, abs=0.002)
    # NH3-N required cut 沈阳: 18,948.35 t × 8.8 % (附件3 第1、2列) = 1,667.45 t ÷ 12,869.1 km² = 0.1296 t/km² -> 0.130
    assert sy.nh3n_required_cut_t_per_km2 == pytest.approx(0.130, abs=0.001)
    for p in POLLUTANTS:
        for total in ("emission_2015_t", "cap_2020_t", "required_cut_t"):
            ind = BY_ID[f"{p}_{total}_per_km2"]
            assert ind.unit == "t/km2" and ind.kind == "derived" and "EPSG:4550" in ind.source, ind.id
            assert ind.formula.startswith(f"{p}_{total} ÷ city area"), ind.id
            assert resolve_map_type(ind) == "choropleth" and resolve_map_type(BY_ID[f"{p}_{total}"]) == "symbols"
            # rounded to 0.001, and no value is shown with fewer than two significant figures
            values = table[ind.id]
            assert (values == values.round(3)).all() and values.min() >= 0.01, ind.id
    # a larger city with the same tonnes is less dense: 朝阳 (19,700 km²) vs 辽阳 (4,712 km²)
    assert table.loc["211300", "cod_emission_2015_t"] / table.loc["211000", "cod_emission_2015_t"] > (
        table.loc["211300", "cod_emission_2015_t_per_km2"] / table.loc["211000", "cod_emission_2015_t_per_km2"])


def test_density_of_a_city_without_a_polygon_is_an_error():
    from geo.measures.catalogue import add_densities

    table = city_table()
    areas = pd.Series({a: 1000.0 for a in table.adcode if a != "210200"})
    with pytest.raises(DataValidationError, match="210200 has no polygon"):
        add_densities(table, areas)


def test_density_reaches_the_table_the_map_export_and_the_dashboard_store():
    from geo.core.vocabulary import citation_text
    from geo.exports.maps import render_map
    from geo.measures.catalogue import formula_text
    from geo.measures.join import export_table
    from geo.measures.view import indicator_payload, load_view_data, measures_by_group

    assert "so2_emission_2015_t_per_km2" in export_table().columns
    csv = render_map("so2_emission_2015_t_per_km2", "csv").decode("utf-8-sig")
    assert "so2_emission_2015_t_per_km2" in csv and "EPSG:4550" in csv
    data = load_view_data()
    payload = indicator_payload(data, ("quantiles",))
    assert payload["nox_required_cut_t_per_km2"]["unit_en"] == "t/km²"
    assert measures_by_group(data)["cod"][7:10] == ["emission_2015_density", "cap_2020_density", "required_cut_density"]
    ind = BY_ID["cod_cap_2020_t_per_km2"]
    zh = formula_text(ind, "zh") + citation_text(ind.source, "zh")
    assert "cod_" not in zh and "rounded" not in zh and "city area" not in zh and "城市面积" in zh
