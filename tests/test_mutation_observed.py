"""Tests that kill surviving mutants of geo/measures/observed.py (bench/results_mutation.md).

Each test names the bug it catches; expected values come from the policy text, a hand
calculation in the comment, or another library -- never from the code under test.
"""

import hashlib
import math
import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from geo.core.errors import DataValidationError, Problem
from geo.measures.observed import (
    STORED_COLUMNS,
    active_dataset,
    check_dataset_id,
    default_actor,
    import_observed,
    list_datasets,
    load_observed,
    observed_sources,
    progress_table,
    purge_removed,
    read_observed,
    remove_dataset,
    restore_dataset,
    trajectory,
    use_dataset,
)
from geo.store import db
from geo.store.db import audit_log

SOURCE_COLUMNS = ["adcode", "pollutant", "source", "flag", "conversion", "source_row", "dataset_id"]


def _rows(*rows: tuple) -> pd.DataFrame:
    """Stored rows (geo.measures.observed.STORED_COLUMNS' names) of (adcode, pollutant, year, value, flag, source_row)."""
    return pd.DataFrame([{"adcode": a, "city_zh": "", "pollutant": p, "indicator_id": f"{p}_emission_{y}_observed_t",
                          "year": y, "value": v, "unit": "t", "value_as_given": str(v), "unit_as_given": "吨",
                          "conversion": "none", "flag": f, "source_row": r, "dataset_id": "d", "source": "s"}
                         for a, p, y, v, f, r in rows])


def test_observed_sources_are_those_of_the_progress_year_only():
    """Bug: the sources shown beside the 2020 progress name a row of another year, or lose a column
    (flag, conversion, row) the panel prints; an empty dataset must still give the columns."""
    obs = _rows(("210100", "so2", 2019, 1.0, "统计公报", 2), ("210100", "so2", 2020, 2.0, "考核值", 3),
                ("210200", "cod", 2020, 3.0, "", 4))
    got = observed_sources(obs)
    assert list(got.columns) == SOURCE_COLUMNS
    assert got.source_row.tolist() == [3, 4] and got.flag.tolist() == ["考核值", ""]
    for empty in (obs.iloc[0:0], pd.DataFrame()):  # pd.DataFrame(): what callers pass for "no dataset"
        got = observed_sources(empty)
        assert list(got.columns) == SOURCE_COLUMNS and len(got) == 0


def test_store_dir_is_the_settings_one(tmp_path):
    """Bug: the store folder of the default settings lost, or of given settings ignored."""
    import dataclasses

    from geo.core.settings import get_settings
    from geo.measures.observed import store_dir

    assert store_dir() == get_settings().store_dir
    assert store_dir(dataclasses.replace(get_settings(), store_dir=tmp_path / "s")) == tmp_path / "s"


# ------------------------------------------------------------------ trajectory: one city's path, year by year

CITY = pd.DataFrame({"adcode": ["210100", "210200"], "so2_emission_2015_t": [1000.0, float("nan")],
                     "so2_cap_2020_t": [800.0, 500.0]})


def test_trajectory_hand_worked_path_and_later_years():
    """Bugs: the path off the straight line from the 2015 baseline to the 2020 cap; a year after the
    target given a path; -0.0 printed for a city exactly on its path."""
    # path(Y) = 1000 − (1000 − 800) × (Y − 2015) ÷ 5 = 1000 − 40 (Y − 2015)
    obs = _rows(("210100", "so2", 2018, 880.004, "", 2), ("210100", "so2", 2022, 700.0, "", 3),
                ("210100", "nox", 2018, 5.0, "", 4), ("210200", "so2", 2018, 1.0, "", 5))
    got = trajectory(CITY, obs, "210100", "so2")
    assert [(r["year"], r["path_t"], r["observed_t"]) for r in got] == [
        (2015, 1000.0, None), (2016, 960.0, None), (2017, 920.0, None), (2018, 880.0, 880.004), (2019, 840.0, None),
        (2020, 800.0, None), (2022, None, 700.0)]
    ahead = got[3]["ahead_of_path_t"]  # 880 − 880.004 = −0.004 → rounded to 0.01: 0, not −0
    assert ahead == 0 and math.copysign(1, ahead) == 1
    assert got[6]["ahead_of_path_t"] is None and got[0]["ahead_of_path_t"] is None


def test_trajectory_without_a_baseline_or_values_or_city():
    """Bugs: a city with no baseline (NaN) given a NaN path instead of none; an empty dataset (no
    columns) failing; an unknown city given rows."""
    got = trajectory(CITY, _rows(("210200", "so2", 2018, 1.0, "", 5)), "210200", "so2")
    assert [r["path_t"] for r in got] == [None] * 6 and got[3]["observed_t"] == 1.0
    assert got[3]["ahead_of_path_t"] is None
    empty = trajectory(CITY, pd.DataFrame(), "210100", "so2")
    assert [r["observed_t"] for r in empty] == [None] * 6 and empty[5]["path_t"] == 800.0
    assert trajectory(CITY, pd.DataFrame(), "999999", "so2") == []


# ------------------------------------------------------------------ read_observed: every problem, where it is


def _problems(text: str, name: str = "obs.csv", source: str | None = None) -> list[Problem]:
    with pytest.raises(DataValidationError) as exc:
        read_observed(text.encode("utf-8"), name=name, source=source)
    return exc.value.problems


INDICATORS = ("COD/化学需氧量, NH3-N/氨氮, SO2/二氧化硫, NOx/氮氧化物, 能耗强度降低率 (%), 能源消费增量 (万吨标准煤)")


def test_read_observed_names_every_bad_row_with_its_column():
    """Bugs: a row problem with the wrong row, column or file (or none); a row problem that hides the
    next problem of the same row or the next rows; a duplicate not pointing at its first row; a
    plausibility bound on the wrong side (kg for t slips through) or wrong by a factor."""
    rows = [
        "辽源,COD,2020,100,吨",  # 2: a city of 吉林
        "沈阳,XYZ,2020,100,吨",  # 3
        "沈阳,COD,20,100,吨",  # 4
        "沈阳,COD,2030,100,吨",  # 5
        "沈阳,COD,2020,abc,吨",  # 6
        "沈阳,COD,2020,-5,吨",  # 7
        "沈阳,COD,2020,100,kg",  # 8
        "沈阳,能耗强度降低率,2018,150,%",  # 9: a yearly decline over 100 %
        "沈阳,能源消费增量,2018,5,吨",  # 10: tonnes are no unit of energy
        "大连,SO2,2019,50000,吨",  # 11
        "大连市,二氧化硫,2019,50000,吨",  # 12: 11 again
        "大连,COD,2018,1739839.7,吨",  # 13: 173983.97 t (附件2) × 10, the upper bound: plausible
        "大连,COD,2019,17398.397,吨",  # 14: 173983.97 ÷ 10, the lower bound: plausible
        "大连,COD,2020,1739839.8,吨",  # 15: above it
        "抚顺,NOX,2020,3975,吨",  # 16: 39753.84 t (附件5) ÷ 10 = 3975.384: below it
        "沈阳,能源消费增量,2019,6200,万吨标准煤",  # 17: 620 (附件1 第2列) × 10: plausible
        "沈阳,能源消费增量,2020,6200.5,万吨标准煤",  # 18
        "大连,能源消费增量,2018,-7000,万吨标准煤",  # 19: 695 × 10 = 6950 < |−7000|
        "沈阳,SO2,2020,30,吨,,extra",  # 20: one field too many, then 30 t of SO2 in 沈阳 is implausible too
    ]
    got = _problems("城市,指标,年份,数值,单位,状态\n" + "\n".join(rows) + "\n", source="统计公报 ☺")
    f = "obs.csv"
    assert got == [
        Problem("7 fields, more than the header's 6: a separator inside a value? Quote the value or remove the "
                "separator", 20, None, f),
        Problem("辽源市 is in 吉林省, not Liaoning", 2, "城市", f),
        Problem(f"unknown indicator 'XYZ'; expected one of {INDICATORS}", 3, "指标", f),
        Problem("year '20' is not a four-digit year", 4, "年份", f),
        Problem("year 2030 outside the indicator's range 2015–2025", 5, "年份", f),
        Problem("value 'abc' is not a number", 6, "数值", f),
        Problem("negative value '-5'", 7, "数值", f),
        Problem("unknown unit 'kg'; expected 吨/t or 万吨/10kt", 8, "单位", f),
        Problem("decline '150' % is not between -100 and 100 %", 9, "数值", f),
        Problem("unknown unit '吨' for 能源消费增量; expected 万吨标准煤/10kt ce or 吨标准煤/tce", 10, "单位", f),
        Problem("duplicate 大连市 / SO2 / 2019: also in row 11", 12, "城市", f),
        Problem("implausible value 1.73984e+06 t for 大连市 COD 2020: more than 10x away from its 2015 baseline "
                "173984 t (辽政发〔2017〕21号); check the unit", 15, "数值", f),
        Problem("implausible value 3975 t for 抚顺市 NOx 2020: more than 10x away from its 2015 baseline 39753.8 t "
                "(辽政发〔2017〕21号); check the unit", 16, "数值", f),
        Problem("implausible energy increment 6200.5 万吨标准煤 for 沈阳市 2020: more than 10x its whole 2016–2020 "
                "increment cap 620 万吨标准煤 (辽政发〔2017〕21号); check the unit", 18, "数值", f),
        Problem("implausible energy increment -7000 万吨标准煤 for 大连市 2018: more than 10x its whole 2016–2020 "
                "increment cap 695 万吨标准煤 (辽政发〔2017〕21号); check the unit", 19, "数值", f),
        Problem("implausible value 30 t for 沈阳市 SO2 2020: more than 10x away from its 2015 baseline 101296 t "
                "(辽政发〔2017〕21号); check the unit", 20, "数值", f),
        Problem("source text contains characters that cannot be printed on exported figures: ☺ — use plain text",
                None, "source", None),
    ]


def test_read_observed_names_header_problems():
    """Bugs: a header problem with the wrong row, column or file; a second column meaning 'value' not named
    with the first; an unknown unit in the value header let through; a missing column not listed with
    the headers that would do; an empty table or empty rows not said where."""
    assert _problems("城市,指标,年份,数值,排放量,单位\n沈阳,COD,2020,1,2,吨\n") == [
        Problem("two columns mean 'value': '数值' and '排放量'", 1, "排放量", "obs.csv")]
    assert _problems("城市,指标,年份,排放量（千克）\n沈阳,COD,2020,1\n") == [
        Problem("unknown unit '千克' in the header; expected 吨/t or 万吨/10kt (energy: % or 万吨标准煤)", 1, "排放量（千克）",
                "obs.csv")]
    assert _problems("城市,指标,数值\n沈阳,COD,1\n") == [
        Problem("missing column 'year' (accepted headers: 年份, 年, 年度, year …)", 1, "year", "obs.csv"),
        Problem("missing column 'unit' (accepted headers: 单位, 计量单位, unit, units …)", 1, "unit", "obs.csv")]
    assert _problems("a,b,c\n1,2,3\n")[0] == Problem(
        "not a table of observed values: no recognised header (found ['a', 'b', 'c'])", 1, None, "obs.csv")
    assert _problems("城市,指标,年份,数值,单位\n") == [Problem("no data rows", None, None, "obs.csv")]
    got = _problems("城市,指标,年份,数值,单位\n沈阳,COD,2020,200000,吨\n,,,,\n\n,,,,\n大连,COD,2020,150000,吨\n"
                    ",,,,\n鞍山,COD,2020,90000,吨\n")
    assert got == [Problem("empty rows 3–5", 3, None, "obs.csv"), Problem("empty row", 7, None, "obs.csv")]


# ------------------------------------------------------------------ progress against the 2020 caps


def test_progress_table_rounds_ignores_other_years_and_has_no_infinite_progress():
    """Bugs: a value of another year taken for 2020's; a city without a required cut (baseline = cap)
    given an infinite progress; results not rounded to 0.01 (or to another precision); −0.0 t shown for a
    city on its cap, or such a city not counted as having met it."""
    cities = pd.DataFrame({"adcode": ["A", "B", "C", "D"]})
    for p in ("cod", "nh3n", "so2", "nox"):
        cities[f"{p}_emission_2015_t"] = [1000.0, 1000.0, 500.0, 1000.0]
        cities[f"{p}_cap_2020_t"] = [700.0, 700.0, 500.0, 700.0]
    obs = _rows(("A", "so2", 2020, 766.667, "", 2), ("A", "so2", 2019, 100.0, "", 3), ("B", "so2", 2020, 699.999, "", 4),
                ("C", "so2", 2020, 450.0, "", 5), ("D", "so2", 2019, 900.0, "", 6))
    out = progress_table(cities, obs).set_index("adcode")
    a = out.loc["A"]
    # achieved (1000 − 766.667) ÷ 1000 × 100 = 23.3333; progress 233.333 ÷ 300 × 100 = 77.7777; gap 66.667
    assert (a.so2_achieved_cut_pct, a.so2_progress_pct, a.so2_gap_to_cap_t) == (23.33, 77.78, 66.67)
    assert a.so2_emission_2020_observed_t == 766.667 and a.so2_target_status == "not_met"
    b = out.loc["B"]  # 699.999 − 700 = −0.001: on the cap at 0.01 t
    assert b.so2_gap_to_cap_t == 0 and math.copysign(1, b.so2_gap_to_cap_t) == 1 and b.so2_target_status == "met"
    c = out.loc["C"]  # no cut required (500 = 500): no progress ratio, but the achieved cut is 10 %
    assert np.isnan(c.so2_progress_pct) and c.so2_achieved_cut_pct == 10 and c.so2_target_status == "exceeded"
    d = out.loc["D"]  # only a 2019 value: nothing for 2020
    assert np.isnan(d.so2_emission_2020_observed_t) and d.so2_target_status == ""
    assert out.cod_target_status.tolist() == [""] * 4  # no COD rows at all
    assert list(out.columns[:5]) == ["cod_emission_2020_observed_t", "cod_achieved_cut_pct", "cod_progress_pct",
                                     "cod_gap_to_cap_t", "cod_target_status"]
    none = progress_table(cities, _rows()).set_index("adcode")
    assert none.so2_target_status.tolist() == [""] * 4 and none.so2_progress_pct.isna().all()


# ------------------------------------------------------------------ the store: metadata and the audit log


CSV = "城市,指标,年份,数值,单位\n沈阳,COD,2020,200000,吨\n大连,COD,2020,15.5,万吨\n".encode()


def _audit() -> list[tuple]:
    return [(r["actor"], r["action"], r["dataset_id"], r["file_name"], r["detail"]) for r in reversed(audit_log())]


def test_import_metadata_and_what_the_store_lists():
    """Bugs: the metadata of a dataset (id, counts, years, conversions, who, when) wrong or missing, in the
    answer to the import or in the store's list; a second copy of a file not pointing at the first."""
    sha = hashlib.sha256(CSV).hexdigest()
    meta = import_observed(CSV, name="a.csv", source="公报 2021", actor="web:alice")
    assert re.fullmatch(rf"obs-\d{{8}}T\d{{12}}-{sha[:8]}", meta["dataset_id"])
    assert {k: meta[k] for k in ("source", "file_name", "file_sha256", "imported_by", "rows", "cities",
                                 "province_rows", "years", "conversions", "warnings", "activated", "existing")} == {
        "source": "公报 2021", "file_name": "a.csv", "file_sha256": sha, "imported_by": "web:alice", "rows": 2,
        "cities": 2, "province_rows": 0, "years": [2020], "conversions": ["× 10000 (万吨 → t)"], "warnings": [],
        "activated": True, "existing": False}
    listed = list_datasets()
    assert len(listed) == 1
    row = listed[0]
    assert {k: row[k] for k in ("dataset_id", "source", "file_name", "file_sha256", "imported_by", "removed_at",
                                "removed_by", "rows", "years")} == {
        "dataset_id": meta["dataset_id"], "source": "公报 2021", "file_name": "a.csv", "file_sha256": sha,
        "imported_by": "web:alice", "removed_at": None, "removed_by": None, "rows": 2, "years": [2020]}
    assert row["imported_at"] == meta["imported_at"]
    again = import_observed(CSV, name="b.csv", actor="web:bob")
    assert (again["dataset_id"], again["existing"], again["activated"], again["file_name"]) == (
        meta["dataset_id"], True, False, "a.csv")
    assert _audit() == [
        ("web:alice", "import", meta["dataset_id"], "a.csv", "2 rows; source 公报 2021"),
        ("web:alice", "use", meta["dataset_id"], None, None),
        ("web:bob", "import-same-file", meta["dataset_id"], "b.csv", f"identical to {meta['dataset_id']}; not stored again"),
    ]


def test_a_dataset_without_2020_or_not_to_be_used_is_kept_but_not_made_the_default():
    """Bugs: the warning about a dataset without 2020 values lost or reworded; ``activate=False`` ignored;
    the source defaulting to something else than the file name."""
    no2020 = import_observed("城市,指标,年份,数值,单位\n沈阳,COD,2019,210000,吨\n".encode(), name="c.csv")
    assert no2020["warnings"] == ["no 2020 values: progress against the 2020 caps needs 2020 figures"]
    assert not no2020["activated"] and no2020["source"] == "c.csv" and no2020["imported_by"] == default_actor()
    quiet = import_observed(CSV, name="a.csv", activate=False)
    assert not quiet["activated"] and active_dataset() is None


def test_use_remove_restore_purge_and_load_keep_their_word():
    """Bugs: a removed, unknown or malformed dataset id accepted; the default kept pointing at a removed
    dataset (or a remove of another dataset clearing it); a restored dataset made the default again; the
    audit log missing who, what or why; a purge of datasets removed less than ``days`` ago; rows loaded
    in another order or with other types."""
    a = import_observed(CSV, name="a.csv", actor="t")["dataset_id"]
    b = import_observed("城市,指标,年份,数值,单位\n鞍山,SO2,2020,90000,吨\n".encode(), name="b.csv", actor="t")["dataset_id"]
    assert active_dataset() == b
    remove_dataset(a, actor="web:ops")
    assert active_dataset() == b  # another dataset's removal leaves the default alone
    removed = list_datasets(removed=True)
    assert [m["dataset_id"] for m in removed] == [a] and removed[0]["removed_by"] == "web:ops"
    assert removed[0]["removed_at"] is not None
    for call in (lambda: remove_dataset(a), lambda: use_dataset(a), lambda: load_observed(a),
                 lambda: restore_dataset(b), lambda: check_dataset_id(123), lambda: load_observed("../b")):
        with pytest.raises(KeyError):
            call()
    back = restore_dataset(a, actor="web:ops")
    assert back["dataset_id"] == a and back["removed_at"] is None and back["removed_by"] is None
    assert active_dataset() == b
    use_dataset(None, actor="web:carol")
    assert active_dataset() is None and load_observed().empty and list(load_observed().columns) == STORED_COLUMNS
    use_dataset(a, actor="web:carol")
    frame = load_observed()
    assert list(frame.columns) == STORED_COLUMNS and frame.source_row.tolist() == [2, 3]
    assert frame.value.tolist() == [200000.0, 155000.0] and str(frame.year.dtype) == "int64"
    assert str(frame.source_row.dtype) == "int64" and str(frame.value.dtype) == "float64"
    remove_dataset(a, actor="web:ops")
    assert active_dataset() is None  # removing the default leaves none
    assert purge_removed(days=1, actor="cli:ops") == []  # removed a moment ago
    assert purge_removed(days=0, actor="cli:ops") == [a]
    assert _audit()[-6:] == [
        ("web:ops", "remove", a, "a.csv", None), ("web:ops", "restore", a, "a.csv", None),
        ("web:carol", "use", None, None, "none"), ("web:carol", "use", a, None, None),
        ("web:ops", "remove", a, "a.csv", None), ("cli:ops", "purge", a, "a.csv", "removed more than 0 days ago"),
    ]
    assert re.fullmatch(r"cli:\S+", default_actor())


def test_read_observed_rows_as_stored():
    """Bugs: a row stored with the wrong id, unit, value or conversion (energy in 吨标准煤 is 0.0001
    万吨标准煤; 万吨 is 10 000 t); Excel's 210100.0, 2020年 or 2018.0 refused; the province's own rows
    (辽宁省, Liaoning) refused or stored under a city; a flag or the row number lost."""
    text = ("城市,指标,年份,数值,单位,状态\n"
            '210100.0,SO2,2020年,"90,000.5",吨,考核值\n'
            "大连,能耗强度降低率,2018.0,3.5,%,\n"
            "辽宁省,能源消费增量,2019,1200,吨标准煤,统计公报\n"
            "Liaoning,COD,2020,100,万吨,\n")
    parsed = read_observed(text.encode(), name="x.csv", source="公报")
    base = {"value_as_given": None, "flag": "", "source": "公报"}
    want = [
        {**base, "adcode": "210100", "city_zh": "沈阳市", "pollutant": "so2", "indicator_id": "so2_emission_2020_observed_t",
         "year": 2020, "value": 90000.5, "unit": "t", "value_as_given": "90,000.5", "unit_as_given": "吨",
         "conversion": "none", "flag": "考核值", "source_row": 2},
        {**base, "adcode": "210200", "city_zh": "大连市", "pollutant": "energy",
         "indicator_id": "energy_intensity_decline_2018_observed_pct", "year": 2018, "value": 3.5, "unit": "%",
         "value_as_given": "3.5", "unit_as_given": "%", "conversion": "none", "source_row": 3},
        {**base, "adcode": "210000", "city_zh": "辽宁省", "pollutant": "energy",
         "indicator_id": "energy_increment_2019_observed_10kt_ce", "year": 2019, "value": 0.12, "unit": "10kt_ce",
         "value_as_given": "1200", "unit_as_given": "吨标准煤", "conversion": "× 0.0001 (吨标准煤 → 万吨标准煤)",
         "flag": "统计公报", "source_row": 4},
        {**base, "adcode": "210000", "city_zh": "辽宁省", "pollutant": "cod", "indicator_id": "cod_emission_2020_observed_t",
         "year": 2020, "value": 1_000_000.0, "unit": "t", "value_as_given": "100", "unit_as_given": "万吨",
         "conversion": "× 10000 (万吨 → t)", "source_row": 5},
    ]
    assert parsed.rows.to_dict("records") == want
    assert (parsed.encoding, parsed.file_name) == ("utf-8", "x.csv")
    assert parsed.sha256 == hashlib.sha256(text.encode()).hexdigest()
    # the unit in the value column's header; no flag column: no flag
    plain = read_observed("城市,指标,年份,排放量（万吨）\n沈阳,COD,2020,20\n".encode(), name="y.csv").rows.iloc[0]
    assert (plain.value, plain.unit_as_given, plain.flag, plain.source) == (200_000.0, "万吨", "", "y.csv")


def test_number_reads_plain_grouped_and_full_width_values_and_says_why_not():
    """Bugs: thousands grouping accepted where a comma may be a decimal comma (or refused in a CSV); a
    full-width or grouped value misread; infinity taken for a number; the reason for a refusal wrong."""
    from geo.measures.rows import parse_number as _number

    assert _number("12,345.6", comma_grouping=True) == (12345.6, "")
    assert _number("２１７３７．５", comma_grouping=False) == (21737.5, "")  # NFKC: full-width digits and point
    assert _number("-.5e2", comma_grouping=False) == (-50.0, "")
    ambiguous = ("value '12,345' is ambiguous: a comma may be a decimal comma or a thousands separator; write it "
                 "without grouping, with a decimal point (e.g. 21737 or 21.737)")
    assert _number("12,345", comma_grouping=False) == (None, ambiguous)
    assert _number("1,23", comma_grouping=True)[1].startswith("value '1,23' is ambiguous")  # not groups of three
    assert _number("21737。5", comma_grouping=True) == (
        None, "value '21737。5' is not a number: 。 is not a decimal point (write '21737.5')")
    assert _number("1e999", comma_grouping=True) == (None, "value '1e999' is not a finite number")
    assert _number("12 t", comma_grouping=True) == (None, "value '12 t' is not a number")


def test_source_text_refuses_what_no_font_draws():
    """Bugs: a control, private-use, surrogate or astral character let into the source printed on figures,
    or the refusal not naming each character once, in order."""
    from geo.measures.rows import check_source_text as _check_source_text

    assert _check_source_text(None) == [] and _check_source_text("") == [] and _check_source_text("统计公报 2021") == []
    got = _check_source_text("a\ue000b\x07c\U00020000\ud800\ue000")
    assert got == [Problem("source text contains characters that cannot be printed on exported figures: "
                           "\x07 \ud800 \ue000 \U00020000 — use plain text", field="source")]


def test_annual_table_paths_only_inside_the_plan_period():
    """Bugs: a path drawn for a pollutant observed only in the base year (or beyond the target); a path
    year missing or off the straight line; −0.0 for a city on its path; a city without a baseline given
    a path (it gets none: no data, never zero); a later plan's period ignored."""
    from geo.measures.catalogue import Period
    from geo.measures.observed import annual_table

    obs = _rows(("A", "so2", 2018, 880.004, "", 2), ("A", "so2", 2022, 700.0, "", 3), ("A", "cod", 2015, 5.0, "", 4),
                ("B", "so2", 2018, 900.0, "", 5))
    cities = CITY.assign(adcode=["A", "B"], cod_emission_2015_t=[10.0, 10.0], cod_cap_2020_t=[8.0, 8.0])
    t = annual_table(cities, obs).set_index("adcode")
    # path(Y) = 1000 − 200 × (Y − 2015) ÷ 5; cod: only a 2015 value (the baseline year), so no cod path
    assert list(t.columns) == ["cod_emission_2015_observed_t", "so2_emission_2018_observed_t",
                               "so2_emission_2022_observed_t", "so2_path_2016_t", "so2_path_2017_t", "so2_path_2018_t",
                               "so2_ahead_of_path_2018_t", "so2_path_2019_t", "so2_path_2020_t"]
    a = t.loc["A"]
    assert [a[f"so2_path_{y}_t"] for y in range(2016, 2021)] == [960.0, 920.0, 880.0, 840.0, 800.0]
    assert a.so2_ahead_of_path_2018_t == 0 and math.copysign(1, a.so2_ahead_of_path_2018_t) == 1
    assert t.loc["B", ["so2_path_2016_t", "so2_ahead_of_path_2018_t"]].isna().all()
    assert t.loc["B", "so2_emission_2018_observed_t"] == 900.0
    assert list(annual_table(cities, _rows()).columns) == ["adcode"]
    # 十四五: 2020 baseline 1000 to the 2025 cap 900 -> path(2023) = 1000 − 100 × 3 ÷ 5 = 940
    later = pd.DataFrame({"adcode": ["A"], "so2_emission_2020_t": [1000.0], "so2_cap_2025_t": [900.0]})
    p = annual_table(later, _rows(("A", "so2", 2023, 930.0, "", 2)), Period("十四五", 2020, 2025)).iloc[0]
    assert (p.so2_path_2023_t, p.so2_ahead_of_path_2023_t, p.so2_path_2025_t) == (940.0, 10.0, 900.0)
    assert "so2_path_2020_t" not in p.index
    # cities in another order and index (a filtered table): values stay with their city
    shuffled = cities.iloc[::-1].set_axis([10, 20])
    only2020 = annual_table(shuffled, _rows(("A", "so2", 2020, 790.0, "", 2))).set_index("adcode")
    assert only2020.loc["A", "so2_path_2020_t"] == 800.0 and only2020.loc["A", "so2_ahead_of_path_2020_t"] == 10.0
    assert only2020.loc["A", "so2_path_2016_t"] == 960.0  # the target year alone draws the whole path
    # a baseline without a cap (or a plan without this pollutant): the observed values, no path
    no_cap = annual_table(cities.drop(columns="so2_cap_2020_t"), _rows(("A", "so2", 2018, 880.0, "", 2)))
    assert list(no_cap.columns) == ["adcode", "so2_emission_2018_observed_t"]
    assert list(annual_table(later[["adcode"]], _rows(("A", "so2", 2023, 930.0, "", 2)),
                             Period("十四五", 2020, 2025)).columns) == ["adcode", "so2_emission_2023_observed_t"]


def test_energy_rows_bounds_and_units():
    """Bugs: a yearly decline of exactly ±100 % accepted (100 % would leave no energy use) or a rise in
    energy intensity (a negative decline) refused as a negative value; a fall in energy use (a negative
    increment) refused; a decline in ‰ accepted as %; the province's name not found."""
    ok = read_observed("城市,指标,年份,数值,单位\n沈阳,能耗强度降低率,2018,-5,%\n沈阳,能耗强度降低率,2019,99.99,%\n"
                       "沈阳,能源消费增量,2018,-50,万吨标准煤\n".encode(), name="e.csv").rows
    assert ok.value.tolist() == [-5.0, 99.99, -50.0] and ok.unit.tolist() == ["%", "%", "10kt_ce"]
    assert _problems("城市,指标,年份,数值,单位\n沈阳,能耗强度降低率,2018,100,%\n沈阳,能耗强度降低率,2019,-100,%\n"
                     "沈阳,能耗强度降低率,2020,3,‰\n吉林,COD,2020,1,吨\n") == [
        Problem("decline '100' % is not between -100 and 100 %", 2, "数值", "obs.csv"),
        Problem("decline '-100' % is not between -100 and 100 %", 3, "数值", "obs.csv"),
        Problem("unknown unit '‰' for 能耗强度降低率; expected %", 4, "单位", "obs.csv"),
        Problem("吉林省 is in 吉林省, not Liaoning", 5, "城市", "obs.csv"),  # a province, but not ours
    ]


def test_every_store_call_uses_the_settings_it_is_given_and_says_what_it_could_not_do(monkeypatch, tmp_path):
    """Bugs: a store call that ignores the settings it is given (and reads or changes the default store),
    or whose error does not say what could not be done; a KeyError that does not name the dataset."""
    import dataclasses
    import os

    from geo.core.errors import StoreError
    from geo.core.settings import get_settings
    from geo.store.db import dispose_all

    a = import_observed(CSV, name="a.csv", actor="t")["dataset_id"]
    b = import_observed("城市,指标,年份,数值,单位\n鞍山,SO2,2020,90000,吨\n".encode(), name="b.csv", actor="t")["dataset_id"]
    use_dataset(a, actor="t")
    remove_dataset(b, actor="t")
    path = os.environ["LNMAP_DATABASE_URL"].removeprefix("sqlite:///")
    mine = dataclasses.replace(get_settings(), database_url=f"sqlite:///file:{path}?mode=ro&uri=true")
    other = tmp_path / "other"  # the default store is now another, empty one
    monkeypatch.setenv("LNMAP_STORE_DIR", str(other))
    monkeypatch.setenv("LNMAP_DATABASE_URL", f"sqlite:///{other / 'lnmap.sqlite3'}")
    try:
        assert [m["dataset_id"] for m in list_datasets(mine)] == [a] and list_datasets() == []
        assert [m["dataset_id"] for m in list_datasets(mine, removed=True)] == [b]
        assert active_dataset(mine) == a and active_dataset() is None
        assert load_observed(a, mine).value.tolist() == [200000.0, 155000.0] and load_observed(None, mine).shape[0] == 2
        with pytest.raises(KeyError, match=f"no dataset '{b}'"):
            load_observed(b, mine)
        with pytest.raises(KeyError, match=f"no dataset '{b}'"):
            use_dataset(b, mine)
        with pytest.raises(KeyError, match=f"no dataset '{b}'"):
            remove_dataset(b, mine)
        with pytest.raises(KeyError, match=f"no removed dataset '{a}'"):
            restore_dataset(a, mine)
        with pytest.raises(KeyError, match="not a dataset id: 'obs-x'"):
            check_dataset_id("obs-x")
        read_only = "the store is read-only or not writable"
        for what, call in [("select the dataset", lambda: use_dataset(a, mine, actor="t")),
                           ("remove the dataset", lambda: remove_dataset(a, mine, actor="t")),
                           ("restore the dataset", lambda: restore_dataset(b, mine, actor="t")),
                           ("purge removed datasets", lambda: purge_removed(mine, days=0, actor="t")),
                           ("store the dataset", lambda: import_observed(CSV + b"\n", name="c.csv", settings=mine))]:
            with pytest.raises(StoreError, match=f"^cannot {what}: {read_only}"):
                call()
    finally:
        dispose_all()


def test_import_and_remove_purge_the_store_they_were_given(monkeypatch, tmp_path):
    """Bug: the purge after an import or a remove run on the default store instead of the one given."""
    import dataclasses

    from geo.core.settings import get_settings
    from geo.measures import observed
    from geo.store.db import dispose_all

    mine = dataclasses.replace(get_settings(), store_dir=tmp_path / "mine",
                               database_url=f"sqlite:///{tmp_path / 'mine.sqlite3'}")
    purged, real = [], observed.purge_removed
    monkeypatch.setattr(observed, "purge_removed", lambda settings=None, **k: purged.append(settings) or real(settings, **k))
    try:
        a = import_observed(CSV, name="a.csv", settings=mine, actor="t")["dataset_id"]
        remove_dataset(a, mine, actor="t")
        assert purged == [mine, mine] and list_datasets() == [] and list_datasets(mine, removed=True)[0]["dataset_id"] == a
    finally:
        dispose_all()


def test_a_default_pointing_at_a_removed_dataset_is_no_default():
    """Bug: the default dataset answered without checking it is still in the store (a removal that did not
    clear the default, as an older store or a concurrent removal leaves it)."""
    a = import_observed(CSV, name="a.csv", actor="t")["dataset_id"]
    b = import_observed("城市,指标,年份,数值,单位\n鞍山,SO2,2020,90000,吨\n".encode(), name="b.csv", actor="t")["dataset_id"]
    remove_dataset(a, actor="t")
    with db.writing() as conn:
        db.set_state(conn, "active_dataset", a)
    assert active_dataset() is None and load_observed().empty
    use_dataset(b, actor="t")
    assert active_dataset() == b


def test_purges_are_measured_in_utc_and_say_who(monkeypatch):
    """Bugs: the purge cutoff taken in local time (in China, UTC+8, a dataset removed a moment ago would look
    eight hours old); the purge that follows a remove recorded without who removed."""
    import dataclasses
    import time

    from geo.core.settings import get_settings

    a = import_observed(CSV, name="a.csv", actor="t")["dataset_id"]
    remove_dataset(a, actor="t")
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert purge_removed(days=0.2, actor="t") == []  # removed seconds ago, not 0.2 days (4.8 h)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    restore_dataset(a, actor="t")
    now = dataclasses.replace(get_settings(), purge_days=0.0)  # removed datasets are purged at once
    remove_dataset(a, now, actor="web:ops")
    assert _audit()[-2:] == [("web:ops", "remove", a, "a.csv", None),
                             ("web:ops", "purge", a, "a.csv", "removed more than 0 days ago")]


def test_a_purge_deletes_only_the_purged_datasets_rows_and_records_the_file():
    """Bugs: the purge deleting the rows of every dataset (or of the others, keeping the purged one's);
    its audit line without the file's checksum."""
    a = import_observed(CSV, name="a.csv", actor="t")["dataset_id"]
    b = import_observed("城市,指标,年份,数值,单位\n鞍山,SO2,2020,90000,吨\n".encode(), name="b.csv", actor="t")["dataset_id"]
    remove_dataset(a, actor="t")
    assert purge_removed(days=0, actor="t") == [a]
    assert load_observed(b).value.tolist() == [90000.0]
    with db.reading() as conn:  # nothing of the purged dataset is left behind
        assert conn.execute(sa.select(db.observations.c.row_no).where(db.observations.c.dataset_id == a)).all() == []
    purge = [r for r in audit_log() if r["action"] == "purge"]
    assert [(r["dataset_id"], r["file_sha256"]) for r in purge] == [(a, hashlib.sha256(CSV).hexdigest())]


def test_a_failed_purge_after_an_import_is_logged_not_raised(monkeypatch, caplog):
    """Bug: a purge that fails after a successful import failing the import, or failing silently."""
    import logging

    from geo.core.errors import StoreError
    from geo.measures import observed

    def broken(settings=None, **kwargs):
        raise StoreError("cannot purge removed datasets: the disk is full", "full")

    monkeypatch.setattr(observed, "purge_removed", broken)
    with caplog.at_level(logging.WARNING, logger="geo.measures.observed"):
        meta = import_observed(CSV, name="a.csv", actor="t")
    assert meta["activated"] and [r.getMessage() for r in caplog.records if r.name == "geo.measures.observed"] == [
        "observed store: purge failed (cannot purge removed datasets: the disk is full)"]


def test_import_time_is_utc_and_is_the_time_in_the_id(monkeypatch):
    """Bugs: a dataset's import time (and id) in local time (eight hours off in China), or the id's time and
    the recorded import time taken at two different moments."""
    import datetime as dt
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        meta = import_observed(CSV, name="a.csv", actor="t")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    at = dt.datetime.strptime(meta["imported_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - at).total_seconds()) < 600
    stamp = meta["dataset_id"].split("-")[1]  # obs-YYYYmmddTHHMMSSffffff-sha8
    assert stamp == at.strftime("%Y%m%dT%H%M%S%f")


def test_a_removed_file_imported_again_is_a_new_dataset():
    """Bug: a file identical to a removed (not yet purged) dataset answered with that removed dataset, so
    the import seems to succeed but nothing is in use or listed."""
    first = import_observed(CSV, name="a.csv", actor="t")["dataset_id"]
    remove_dataset(first, actor="t")
    again = import_observed(CSV, name="a.csv", actor="t")
    assert not again["existing"] and again["dataset_id"] != first and again["activated"]
    assert [m["dataset_id"] for m in list_datasets()] == [again["dataset_id"]] and active_dataset() == again["dataset_id"]
