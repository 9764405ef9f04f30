"""Importing observed emissions: formats, spellings, units, bad input, versioning, crash safety, gaps."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.core.errors import DataValidationError
from geo.measures.cities import city_table
from geo.measures.observed import (
    MAX_BYTES,
    active_dataset,
    import_observed,
    list_datasets,
    load_observed,
    progress_table,
    read_observed,
    remove_dataset,
    use_dataset,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    path = tmp_path / "store"
    monkeypatch.setenv("LNMAP_STORE_DIR", str(path))
    return path


def _csv(rows, header="城市,指标,年份,数值,单位,状态", encoding="utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


GOOD = ["沈阳,COD,2020,200000,吨,考核值", "大连市,化学需氧量,2020,15.5,万吨,统计公报"]


def _snapshot(path: Path | None = None) -> dict:
    """Every row of every table of the store's database (``path``: unused, the store is the database)."""
    import sqlalchemy as sa

    from geo.store import db

    with db.reading() as conn:
        return {t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr) for t in db.metadata.sorted_tables}


def _rejected(data: bytes, store: Path, name="bad.csv") -> list[str]:
    before = _snapshot(store)
    with pytest.raises(DataValidationError) as exc:
        import_observed(data, name=name)
    assert _snapshot(store) == before, "a rejected file must change nothing"
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------------ accepted input


@pytest.mark.parametrize("spelling", ["沈阳", "沈阳市", "沈 阳", "Shenyang", "210100"])
def test_city_spellings(spelling):
    parsed = read_observed(_csv([f"{spelling},SO2,2020,90000,t,"]))
    assert parsed.rows.adcode.tolist() == ["210100"]


def test_gbk_file_imported(store):
    meta = import_observed(_csv(GOOD, encoding="gb18030"), name="gbk.csv", source="2020年统计公报")
    assert meta["encoding"] == "GBK/GB18030"
    rows = load_observed()
    assert set(rows.city_zh) == {"沈阳市", "大连市"} and rows.flag.tolist() == ["考核值", "统计公报"]
    assert (rows.source == "2020年统计公报").all()


def test_utf8_bom_and_english_headers():
    data = "\ufeffCity,Pollutant,Year,Value,Unit,Status\nShenyang,NOx,2020,70000,t,monitoring\n".encode("utf-8")
    parsed = read_observed(data)
    assert parsed.encoding == "utf-8 with BOM"
    assert parsed.rows.iloc[0].pollutant == "nox" and parsed.rows.iloc[0].value == 70000


def test_10kt_converted_and_recorded():
    parsed = read_observed(_csv(["大连,COD,2020,15.5,万吨,"]))
    row = parsed.rows.iloc[0]
    assert row.value == 155000 and row.unit == "t"
    assert row.value_as_given == "15.5" and row.unit_as_given == "万吨" and "10000" in row.conversion


def test_xlsx_import():
    buf = io.BytesIO()
    pd.DataFrame({"城市": ["锦州"], "污染物": ["氨氮"], "年份": [2020], "排放量": [6.1], "单位": ["万吨"]}).to_excel(
        buf, index=False)
    parsed = read_observed(buf.getvalue(), name="x.xlsx")
    assert parsed.rows.iloc[0].adcode == "210700" and parsed.rows.iloc[0].value == 61000


def test_example_fixture_imports():
    parsed = read_observed((FIXTURES / "observed_example_cod_2020.csv").read_bytes())
    assert len(parsed.rows) == 14 and parsed.rows.adcode.nunique() == 14


# ------------------------------------------------------------------ rejected input


def test_unknown_city(store):
    problems = _rejected(_csv(GOOD + ["长春,COD,2020,1,吨,"]), store)
    assert problems == ["bad.csv, row 4, field '城市': unknown place name '长春': it maps to no place at level 'city' "
                        "in the gazetteer"]


def test_city_outside_liaoning(store):
    assert any("吉林省" in p and "row 2" in p for p in _rejected(_csv(["辽源,COD,2020,1,吨,"]), store))


def test_duplicate_city_indicator_year(store):
    problems = _rejected(_csv(GOOD + ["沈阳市,cod,2020,200000,吨,"]), store)
    assert len(problems) == 1 and "row 4" in problems[0] and "duplicate" in problems[0] and "row 2" in problems[0]


def test_non_numeric_and_negative_values(store):
    problems = _rejected(_csv(["沈阳,COD,2020,abc,吨,", "大连,COD,2020,-5,吨,"]), store)
    assert any("row 2, field '数值'" in p and "not a number" in p for p in problems)
    assert any("row 3, field '数值'" in p and "negative" in p for p in problems)


def test_unknown_unit(store):
    problems = _rejected(_csv(["沈阳,COD,2020,200000,千克,"]), store)
    assert any("row 2, field '单位'" in p and "千克" in p for p in problems)


def test_year_outside_range(store):
    problems = _rejected(_csv(["沈阳,COD,2031,200000,吨,", "大连,COD,20x0,1,吨,"]), store)
    assert any("row 2, field '年份'" in p and "2031" in p for p in problems)
    assert any("row 3, field '年份'" in p for p in problems)


def test_unknown_indicator(store):
    assert any("row 2, field '指标'" in p for p in _rejected(_csv(["沈阳,PM2.5,2020,200000,吨,"]), store))


def test_missing_column(store):
    problems = _rejected(_csv(["沈阳,COD,2020,1"], header="城市,指标,年份,数值"), store)
    assert any("missing column 'unit'" in p and "row 1" in p for p in problems)


def test_file_too_large(store):
    problems = _rejected(b"a" * (MAX_BYTES + 1), store)
    assert "too large" in problems[0]


def test_not_a_table(store):
    png = (Path(__file__).resolve().parents[1] / "data/boundaries/liaoning.gpkg").read_bytes()[:5000]
    assert "not a table" in _rejected(png, store)[0]
    assert any("no recognised header" in p for p in _rejected(b"hello world\nthis is prose\n", store))
    assert "not a table" in _rejected(b"PK\x03\x04broken zip", store, name="x.xlsx")[0]


def test_cli_rejection_exit_code_and_message(tmp_path, store):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(["长春,COD,2020,1,吨,"], encoding="gb18030"))
    result = CliRunner().invoke(main, ["import", str(bad)])
    assert result.exit_code == 1
    assert "nothing stored" in result.output and "row 2" in result.output and "长春" in result.output
    assert list_datasets() == []
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1 and "row 2" in result.output


# ------------------------------------------------------------------ versioning


def test_two_imports_kept_side_by_side_select_and_remove(store, backend):
    first = import_observed(_csv(GOOD), name="a.csv", source="公报 2021")
    second = import_observed(_csv(["沈阳,COD,2020,190000,吨,监测值(未经审核)"]), name="b.csv", source="监测")
    ids = [m["dataset_id"] for m in list_datasets()]
    assert ids == [first["dataset_id"], second["dataset_id"]]
    assert active_dataset() == second["dataset_id"]
    assert load_observed(first["dataset_id"]).value.tolist() == [200000, 155000]
    use_dataset(first["dataset_id"])
    assert load_observed().value.tolist() == [200000, 155000]
    remove_dataset(first["dataset_id"])
    assert active_dataset() is None and [m["dataset_id"] for m in list_datasets()] == [second["dataset_id"]]
    assert load_observed(second["dataset_id"]).value.tolist() == [190000]


def test_same_file_twice_points_to_the_first(store, backend):
    a = import_observed(_csv(GOOD), name="a.csv")
    before = _snapshot()["observations"]
    b = import_observed(_csv(GOOD), name="again.csv", source="another source")
    assert b["existing"] and b["dataset_id"] == a["dataset_id"] and b["file_name"] == "a.csv"
    assert [m["dataset_id"] for m in list_datasets()] == [a["dataset_id"]]
    assert _snapshot()["observations"] == before, "no second copy of the rows"


def _kill_during_import(tmp_path, rows: list[str], pause: float, kill_after: float | None) -> subprocess.Popen:
    """Start ``lnmap import`` in a process and SIGKILL it: ``kill_after`` seconds after start, or (None) once it
    has written everything and waits before its commit."""
    new = tmp_path / "new.csv"
    new.write_bytes(_csv(rows))
    env = {**os.environ, "LNMAP_FAULT_PAUSE_BEFORE_COMMIT": str(pause)}
    proc = subprocess.Popen([sys.executable, "-m", "geo.cli", "import", str(new)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if kill_after is None:
        line = proc.stderr.readline()  # "WARNING fault injection: pausing …", printed inside the open transaction
        assert "fault injection" in line, line
    else:
        time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stderr.close()
    return proc


def test_import_killed_before_its_commit_leaves_the_store_as_it_was(tmp_path, store, backend):
    first = import_observed(_csv(GOOD), name="first.csv")
    before = _snapshot()
    proc = _kill_during_import(tmp_path, ["鞍山,SO2,2020,90000,吨,"], 30, None)
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot() == before
    assert [m["dataset_id"] for m in list_datasets()] == [first["dataset_id"]]
    assert active_dataset() == first["dataset_id"]
    assert load_observed().value.tolist() == [200000, 155000]
    # and the store still works
    import_observed(_csv(["鞍山,SO2,2020,90000,吨,"]), name="new.csv")
    assert len(list_datasets()) == 2


def test_twenty_imports_killed_at_random_leave_nothing_behind(tmp_path, store, backend):
    """Killed anywhere — starting, reading, writing, or waiting to commit — an import leaves the store
    exactly as it was: no rows, no dataset, no audit line; earlier datasets unchanged."""
    import random

    first = import_observed(_csv(GOOD), name="first.csv")
    before = _snapshot()
    rng = random.Random(8)
    killed = 0
    for i in range(20):
        # a start-up of the CLI takes ~1-2 s: kill somewhere in it, or inside the open transaction
        proc = _kill_during_import(tmp_path, [f"鞍山,SO2,2020,{90000 + i},吨,"], 5,
                                   None if i % 4 == 0 else rng.uniform(0.05, 2.5))
        killed += proc.returncode == -signal.SIGKILL
    assert killed >= 15, "most imports must be killed, not finished"
    after = _snapshot()
    assert after == before, "a killed import changed the store"
    assert load_observed(first["dataset_id"]).value.tolist() == [200000, 155000]


# ------------------------------------------------------------------ progress math


def test_progress_hand_worked():
    cities = pd.DataFrame({"adcode": ["A", "B", "C", "D"]})
    for p in ("cod", "nh3n", "so2", "nox"):
        cities[f"{p}_emission_2015_t"] = 1000.0
        cities[f"{p}_cap_2020_t"] = 800.0  # a 20 % cut
    obs = pd.DataFrame({"adcode": ["A", "B", "C"], "pollutant": "cod", "year": 2020, "value": [900.0, 800.0, 700.0]})
    out = progress_table(cities, obs).set_index("adcode")
    # A: cut 100 of the required 200 t -> 50 %; 100 t still to cut
    assert out.loc["A", "cod_progress_pct"] == 50 and out.loc["A", "cod_gap_to_cap_t"] == 100
    assert out.loc["A", "cod_achieved_cut_pct"] == 10 and out.loc["A", "cod_target_status"] == "not_met"
    assert out.loc["B", "cod_progress_pct"] == 100 and out.loc["B", "cod_target_status"] == "met"
    assert out.loc["C", "cod_progress_pct"] == 150 and out.loc["C", "cod_gap_to_cap_t"] == -100
    assert out.loc["C", "cod_target_status"] == "exceeded"
    assert np.isnan(out.loc["D", "cod_progress_pct"]) and out.loc["D", "cod_target_status"] == ""


def test_progress_on_real_baselines():
    obs = read_observed(_csv(["沈阳,COD,2020,200000,吨,"])).rows
    table = city_table(observed=obs).set_index("adcode")
    sy = table.loc["210100"]
    # 241522.89 t in 2015, cap 198048.77 t: (241522.89 − 200000) ÷ (241522.89 − 198048.77) × 100 = 95.51 %
    assert sy.cod_progress_pct == pytest.approx(95.51, abs=0.01)
    assert sy.cod_gap_to_cap_t == pytest.approx(1951.23, abs=0.01)
    assert table.cod_progress_pct.notna().sum() == 1


@pytest.mark.parametrize("sep", [",", ";", "\t", "，"])
def test_delimiters(sep):
    data = sep.join(["城市", "指标", "年份", "数值", "单位"]) + "\n" + sep.join(["沈阳", "COD", "2020", "200000", "吨"]) + "\n"
    assert read_observed(data.encode("utf-8")).rows.adcode.tolist() == ["210100"]


# ------------------------------------------------------------------ review findings


def test_decimal_comma_is_refused_as_ambiguous_in_a_semicolon_file(store):
    problems = _rejected("城市;指标;年份;数值;单位\n沈阳;cod;2020;21,737;万吨\n".encode(), store)
    assert len(problems) == 1 and "row 2" in problems[0] and "ambiguous" in problems[0]


def test_thousands_grouping_is_accepted_in_a_comma_file():
    parsed = read_observed('城市,指标,年份,数值,单位\n沈阳,cod,2020,"217,370.6",吨\n'.encode())
    assert parsed.rows.value.tolist() == [217370.6]
    assert _rejected_text('城市,指标,年份,数值,单位\n沈阳,cod,2020,"21,7",吨\n'.encode())


def _rejected_text(data: bytes) -> str:
    with pytest.raises(DataValidationError) as exc:
        read_observed(data)
    return str(exc.value)


def test_unit_in_the_value_header():
    parsed = read_observed("城市,污染物,年份,排放量（万吨）\n沈阳,COD,2020,21.5\n".encode())
    assert parsed.rows.value.tolist() == [215000] and parsed.rows.unit_as_given.tolist() == ["万吨"]
    parsed = read_observed(b"City,Pollutant,Year,Emissions (t)\nDalian,SO2,2020,90000\n")
    assert parsed.rows.value.tolist() == [90000]
    assert "unknown unit '千克'" in _rejected_text("城市,污染物,年份,排放量（千克）\n沈阳,COD,2020,1\n".encode())


def test_excel_float_adcode_is_read_as_the_code():
    assert read_observed(b"adcode,pollutant,year,value,unit\n210100.0,COD,2020.0,200000,t\n").rows.adcode.tolist() == [
        "210100"]


def test_implausible_value_names_row_and_unit(store):
    problems = _rejected("城市,指标,年份,数值,单位\n沈阳,COD,2020,200000000,吨\n".encode(), store)  # kg as t
    assert len(problems) == 1 and "row 2" in problems[0] and "implausible" in problems[0]


def test_source_text_that_cannot_be_printed_is_refused(store):
    with pytest.raises(DataValidationError, match="cannot be printed"):
        import_observed(_csv(GOOD), name="a.csv", source="公报 😀")
    assert list_datasets() == []


@pytest.mark.parametrize("bad_id", ["../victim/x", "obs-../../etc", "", None, "obs-20260101T000000000000-zzzzzzzz"])
def test_dataset_ids_are_checked_before_any_path_is_built(tmp_path, store, bad_id):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "x.json").write_text('{"data_file": "../victim/keep.txt"}')
    (victim / "keep.txt").write_text("keep")
    import_observed(_csv(GOOD), name="a.csv")
    with pytest.raises(KeyError):
        remove_dataset(bad_id)
    if bad_id:
        with pytest.raises(KeyError):
            load_observed(bad_id)
        with pytest.raises(KeyError):
            use_dataset(bad_id)
    assert (victim / "keep.txt").exists() and (victim / "x.json").exists() and len(list_datasets()) == 1


def test_dataset_without_progress_year_is_kept_but_not_made_default(store):
    first = import_observed(_csv(GOOD), name="a.csv")
    second = import_observed(_csv(["沈阳,COD,2019,210000,吨,"]), name="b.csv")
    assert second["warnings"] and not second["activated"]
    assert active_dataset() == first["dataset_id"] and len(list_datasets()) == 2


# ------------------------------------------------------------------ encodings and full-width forms


@pytest.mark.parametrize("codec,label", [("utf-16-le", "UTF-16 LE"), ("utf-16-be", "UTF-16 BE")])
def test_utf16_with_a_byte_order_mark_is_read(codec, label):
    text = "城市\t指标\t年份\t数值\t单位\n沈阳\tCOD\t2020\t200000\t吨\n"  # Excel's "Unicode text" is UTF-16 with tabs
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    parsed = read_observed(bom + text.encode(codec))
    assert parsed.encoding == label and parsed.rows.adcode.tolist() == ["210100"]
    assert parsed.rows.value.tolist() == [200000]


def test_utf16_without_a_byte_order_mark_is_refused_saying_so(store):
    problems = _rejected("城市,指标,年份,数值,单位\n沈阳,COD,2020,200000,吨\n".encode("utf-16-le"), store)
    assert len(problems) == 1 and "UTF-16 without a byte-order mark" in problems[0]


def test_full_width_digits_and_full_stop_are_read_as_ascii():
    parsed = read_observed(_csv(["沈阳,COD,２０２０,２１７３７０．６,吨,"]))
    assert parsed.rows.year.tolist() == [2020] and parsed.rows.value.tolist() == [217370.6]
    assert parsed.rows.value_as_given.tolist() == ["２１７３７０．６"]  # kept as given
    assert read_observed(_csv(["２１０１００,COD,2020,200000,吨,"])).rows.adcode.tolist() == ["210100"]


def test_full_width_comma_follows_the_comma_rule(store):
    # In a comma-separated file, quoted "２１７，３７０．６" is thousands grouping: 217,370.6.
    assert read_observed('城市,指标,年份,数值,单位\n沈阳,cod,2020,"２１７，３７０．６",吨\n'.encode()).rows.value.tolist() == [
        217370.6]
    # Separated by semicolons, a comma in a value may be a decimal comma: refused, naming row and field.
    problems = _rejected("城市;指标;年份;数值;单位\n沈阳;cod;2020;２１，７３７;万吨\n".encode(), store)
    assert len(problems) == 1 and problems[0].startswith("bad.csv, row 2, field '数值': value '２１，７３７' is ambiguous")


def test_ideographic_full_stop_and_other_digits_are_refused(store):
    problems = _rejected(_csv(["沈阳,COD,2020,21。5,万吨,", "大连,COD,2020,١٥٠٠٠٠,吨,"]), store)
    assert problems[0] == ("bad.csv, row 2, field '数值': value '21。5' is not a number: 。 is not a decimal point "
                           "(write '21.5')")
    assert problems[1] == "bad.csv, row 3, field '数值': value '١٥٠٠٠٠' is not a number"  # Arabic-Indic digits


# ------------------------------------------------------------------ empty rows and bounds


def test_trailing_empty_rows_are_dropped_inner_ones_reported(store):
    assert len(read_observed(_csv(GOOD + [",,,,,"] * 3)).rows) == 2
    problems = _rejected(_csv([GOOD[0], ",,,,,", ",,,,,", GOOD[1]]), store)
    assert problems == ["bad.csv, row 3: empty rows 3–4"]


def test_blank_lines_are_skipped_but_counted_in_row_numbers(store):
    problems = _rejected("城市,指标,年份,数值,单位\n\n沈阳,COD,2020,x,吨\n".encode(), store)
    assert problems == ["bad.csv, row 3, field '数值': value 'x' is not a number"]


def test_a_value_below_the_empty_run_that_ends_the_table_is_refused(store):
    from geo.store.tableread import LIMITS

    rows = GOOD + [",,,,,"] * LIMITS.empty_run + ["鞍山,COD,2020,1,吨,"]
    problems = _rejected(_csv(rows), store)
    # header in row 1, data in rows 2-3, 1,000 empty rows 4-1,003, the stray value in row 1,004
    assert problems == [("bad.csv, row 1004: a value below 1,000 empty rows (rows 4–1,003): 1,000 empty rows end the "
                         "table; delete the empty rows or the values below them")]


@pytest.mark.parametrize("bound,data,expected", [
    ("rows", _csv(["沈阳,COD,2020,1,吨,"] * 10_001),
     "bad.csv, row 10002: too many rows: more than 10,000; the limit is 10,000 data rows below the header in row 1"),
    ("columns", ",".join(f"c{i}" for i in range(51)).encode() + b"\n",
     "bad.csv, row 1: too many columns: more than 50; the limit is 50"),
    ("field", _csv(["沈阳,COD,2020,1,吨," + "很" * 1001]),
     "bad.csv, row 2, field '状态': field too long: 1,001 characters; the limit is 1,000"),
    ("line", b"a" * 70_000 + b"\n",
     "bad.csv, row 1: line too long: more than 65,536 characters; the limit is 65,536"),
])
def test_each_csv_bound_is_named_with_its_limit(store, bound, data, expected):
    assert _rejected(data, store) == [expected]


def test_cells_bound(store):
    # 40 columns x 2,600 rows = 104,000 cells with a value, over 100,000; it stops in the row passing it:
    # 40 (header) + 40 x 2,499 = 100,000 after row 2,500, so row 2,501 has the 100,001st.
    header = ",".join(f"c{i}" for i in range(40))
    data = "\n".join([header] + [",".join(["1"] * 40)] * 2_600).encode()
    assert _rejected(data, store) == [("bad.csv, row 2501: too many cells with a value: more than 100,000; "
                                       "the limit is 100,000")]


def test_reading_time_is_bounded(store):
    from geo.store.tableread import Limits

    slow = Limits(seconds=0.0)
    with pytest.raises(DataValidationError, match=r"reading took too long: more than 0 s; the limit is 0 s"):
        read_observed(_csv(["沈阳,COD,2020,1,吨,"] * 300), name="bad.csv", limits=slow)


def test_validate_refuses_a_large_file_before_reading_it(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES * 1000)  # 5 GB, sparse: never read whole
    result = CliRunner().invoke(main, ["validate", str(big)])
    assert result.exit_code == 1
    assert f"file too large: {MAX_BYTES * 1000:,} bytes; the limit is {MAX_BYTES:,}" in result.output


# ------------------------------------------------------------------ the store: read-only, full


@pytest.fixture
def read_only_store(store, monkeypatch):
    """Two datasets, then the database opened read-only (as on a read-only mount; root writes anywhere)."""
    from geo.store.db import dispose_all

    first = import_observed(_csv(GOOD), name="a.csv")
    second = import_observed(_csv(["沈阳,COD,2020,190000,吨,"]), name="b.csv")
    path = os.environ["LNMAP_DATABASE_URL"].removeprefix("sqlite:///")
    monkeypatch.setenv("LNMAP_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    yield store, first, second
    dispose_all()


@pytest.mark.parametrize("args", [["datasets", "use", "FIRST"], ["datasets", "remove", "FIRST"], ["import", "NEW"]])
def test_cli_on_a_read_only_store_prints_one_line_and_exits_1(tmp_path, read_only_store, args):
    store, first, _ = read_only_store
    new = tmp_path / "new.csv"
    new.write_bytes(_csv(["鞍山,SO2,2020,90000,吨,"]))
    args = [{"FIRST": first["dataset_id"], "NEW": str(new)}.get(a, a) for a in args]
    before = _snapshot()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot ") and "read-only" in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert _snapshot() == before


def test_a_full_disk_stores_nothing_and_says_so(store):
    """SQLite stops growing the file at max_page_count: the same error as a full disk (SQLITE_FULL)."""
    import sqlalchemy as sa

    from geo.measures import observed
    from geo.store import db

    first = import_observed(_csv(GOOD), name="a.csv")
    before = _snapshot()
    eng = db.engine()

    @sa.event.listens_for(eng, "connect")
    def _full(dbapi_conn, _record):
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    try:
        big = [f"{c},{p},{y},100000,吨," for c in ("沈阳", "大连", "鞍山", "抚顺") for p in ("COD", "SO2", "NOx")
               for y in range(2015, 2026)]
        with pytest.raises(observed.StoreError, match="cannot store the dataset: the disk is full") as exc:
            import_observed(_csv(big * 1, header="城市,指标,年份,数值,单位,状态"), name="big.csv",
                            source="x" * 900)
        assert exc.value.reason == "full"
    finally:
        sa.event.remove(eng, "connect", _full)
    assert _snapshot() == before
    assert [m["dataset_id"] for m in list_datasets()] == [first["dataset_id"]]


def test_a_file_store_made_before_the_database_is_copied_in_once(tmp_path, monkeypatch, backend):
    """A store of obs-*.csv/.json files (written by the file store of commit fd7a113) moves into the database on first
    start with every value, flag and source row; the files stay; a broken record is skipped, not fatal."""
    legacy = FIXTURES / "file_store"
    store = tmp_path / "old-store"
    store.mkdir()
    for f in legacy.iterdir():
        (store / f.name).write_bytes(f.read_bytes())
    (store / "obs-20990101T000000000000-deadbeef.json").write_text("{not json")
    monkeypatch.setenv("LNMAP_STORE_DIR", str(store))
    ids = [m["dataset_id"] for m in list_datasets()]
    assert ids == ["obs-20261126T112943697378-0355b718", "obs-20261126T112943728136-5fd20af8"]
    assert active_dataset() == "obs-20261126T112943697378-0355b718"  # as active.json said
    rows = load_observed("obs-20261126T112943728136-5fd20af8")
    # the values as written in the fixture's CSV (大连 15.5 万吨 = 155000 t)
    assert rows.value.tolist() == [200000.0, 155000.0] and rows.flag.tolist() == ["考核值", "统计公报"]
    assert rows.source_row.tolist() == [2, 3] and rows.conversion.tolist()[1] == "× 10000 (万吨 → t)"
    meta = {m["dataset_id"]: m for m in list_datasets()}["obs-20261126T112943728136-5fd20af8"]
    assert meta["source"] == "公报 2021" and meta["rows"] == 2 and meta["years"] == [2020]
    assert sorted(p.name for p in store.glob("obs-*")) == sorted(
        [f.name for f in legacy.glob("obs-*")] + ["obs-20990101T000000000000-deadbeef.json"]), "files kept"
    # removed and purged, a migrated dataset does not come back from its files
    from geo.measures.observed import purge_removed
    from geo.store.db import dispose_all

    remove_dataset("obs-20261126T112943728136-5fd20af8")
    assert purge_removed(days=0) == ["obs-20261126T112943728136-5fd20af8"]
    dispose_all()
    assert [m["dataset_id"] for m in list_datasets()] == ["obs-20261126T112943697378-0355b718"]
