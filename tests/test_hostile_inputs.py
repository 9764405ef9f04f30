"""Hostile and oversized observed-values files: refused within seconds and bounded memory.

Each file is made here, by hand: a workbook is a zip of a few XML parts, written with
``zipfile`` so that a part can declare a huge sheet, hold a 1 GiB string or lie about its size.
Every refusal is checked through the three ways in — ``lnmap validate``, ``lnmap import`` and
the dashboard's upload callback — each in its own process, timed, with its peak memory read
from ``os.wait4``.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from test_observed_dashboard import served  # noqa: F401 — the dashboard on a test server (a fixture)

from geo.core.errors import DataValidationError
from geo.measures.observed import list_datasets, read_observed
from geo.store.tableread import Limits, read_table

SECONDS = 10
PEAK_MIB = 400
#: The upload runs in the dashboard's process, which holds the app's data and browser store before any
#: file arrives (about 320 MiB, more with a fresh virtualenv's first imports): the file may add this much.
UPLOAD_ADDS_MIB = 150
HEADER = ["城市", "指标", "年份", "数值", "单位"]
ROWS = [["沈阳", "COD", "2020", "200000", "吨"], ["大连", "COD", "2020", "150000", "吨"]]

# --------------------------------------------------------------------------- making workbooks

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{}</Types>')
_SHARED_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
         'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>')
_REL = '<Relationship Id="{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{}" Target="{}"/>'
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
               'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{}"/><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{_col(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values, start=1))
    return f'<row r="{number}">{cells}</row>'


def workbook(path: Path, rows, *, dimension: str = "A1:E3", shared=None, method=zipfile.ZIP_DEFLATED,
             level: int = 1) -> Path:
    """An XLSX with ``rows`` (strings of XML, or an iterable of them, streamed into the sheet part).

    ``shared``: an iterable of byte chunks for xl/sharedStrings.xml (streamed, may be huge).
    """
    rels = _REL.format("rId1", "worksheet", "worksheets/sheet1.xml")
    if shared is not None:
        rels += _REL.format("rId2", "sharedStrings", "sharedStrings.xml")
    with zipfile.ZipFile(path, "w", method, compresslevel=level if method == zipfile.ZIP_DEFLATED else None) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(_SHARED_TYPE if shared is not None else ""))
        z.writestr("_rels/.rels", _RELS.format(_REL.format("rId1", "officeDocument", "xl/workbook.xml")))
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _RELS.format(rels))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(_SHEET_HEAD.format(dimension).encode())
            pending = []
            for r in rows:
                pending.append(r)
                if len(pending) >= 4096:
                    f.write("".join(pending).encode())
                    pending = []
            f.write(("".join(pending) + _SHEET_TAIL).encode())
        if shared is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
                for chunk in shared:
                    f.write(chunk)
    return path


def _table_rows():
    return [_row(1, HEADER)] + [_row(i, r) for i, r in enumerate(ROWS, start=2)]


def _giant_string(size: int):
    yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    block = b"a" * (1 << 20)
    for _ in range(size >> 20):
        yield block
    yield b"</t></si></sst>"


# --------------------------------------------------------------------------- the hostile files


def huge_dimension(path: Path) -> Path:
    """1.5 KB: declares A1:XFD1048576 and holds a value in its last cell."""
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook(path, _table_rows() + [far], dimension="A1:XFD1048576")


def giant_shared_string(path: Path) -> Path:
    """About 4.7 MB: one shared string of 1 GiB."""
    shared_row = '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return workbook(path, [_row(1, HEADER), shared_row], shared=_giant_string(1 << 30))


def large_shared_strings(path: Path) -> Path:
    """A 20 MiB shared-strings part: within the unpacked total, over the bound for one part."""
    return workbook(path, _table_rows(), shared=_giant_string(20 << 20))


def million_rows(path: Path) -> Path:
    """About 0.6 MB: a million identical data rows (rows and cells without a reference follow the one before)."""
    same = "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in ROWS[0]) + "</row>"
    return workbook(path, [_row(1, HEADER)] + [same] * 1_000_000, dimension="A1:E1000001")


def csv_commas(path: Path) -> Path:
    """5 MB: a header of five million commas."""
    path.write_bytes(b"city" + b"," * 5_000_000 + b"\nShenyang\n")
    return path


HOSTILE = {  # file maker, and what the refusal must say
    "huge_dimension.xlsx": (huge_dimension, ["too many columns", "the limit is 50", "column 16,384"]),
    "giant_shared_string.xlsx": (giant_shared_string, ["too large when unpacked", "1,073,"]),
    "large_shared_strings.xlsx": (large_shared_strings, ["xl/sharedStrings.xml too large", "16,777,216"]),
    "million_rows.xlsx": (million_rows, ["too many rows", "the limit is 10,000"]),
    "commas.csv": (csv_commas, ["too many columns", "the limit is 50"]),
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


def _hostile(hostile_dir: Path, kind: str) -> Path:
    path = hostile_dir / kind
    if not path.exists():
        HOSTILE[kind][0](path)
    return path


# --------------------------------------------------------------------------- measuring


#: Runs argv[2:] and writes its CPU time (user + system) and peak RSS (KiB) to argv[1]. CPU time,
#: not wall time: it is what the refusal costs, and it does not grow when other work shares the
#: machine (a wall-clock bound made this test fail on a busy machine). Linux counts the RSS a
#: process had when it forked into its child's peak, so the command is started from this small
#: process, not from pytest (hundreds of MiB once the dashboard tests have run).
_RUNNER = textwrap.dedent("""
    import os, subprocess, sys
    proc = subprocess.Popen(sys.argv[2:])
    _, status, usage = os.wait4(proc.pid, 0)
    with open(sys.argv[1], "w") as f:
        f.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
""")


def _measured(args: list[str], env: dict, tmp: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``args``; (result, CPU seconds, peak resident MiB of that process alone)."""
    report = tmp / "rusage.txt"
    out = subprocess.run([sys.executable, "-c", _RUNNER, str(report), *args], env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, timeout=120, check=False)
    code, seconds, kib = report.read_text().split()
    result = subprocess.CompletedProcess(args, int(code), (out.stdout + out.stderr).decode("utf-8", "replace"), "")
    return result, float(seconds), int(kib) / 1024


_CALLBACK = textwrap.dedent("""
    import base64, sys
    import pandas as pd
    from dashboard.callbacks import observed_state
    from dashboard.state import browser_store
    from geo.core.settings import Settings
    from geo.measures.view import load_view_data

    import resource

    data = load_view_data(observed=pd.DataFrame())
    store = browser_store(data)
    print("BASELINE_KIB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    path = sys.argv[1]
    contents = "data:application/octet-stream;base64," + base64.b64encode(open(path, "rb").read()).decode()
    out = observed_state(data, store, "upload", contents, path.rsplit("/", 1)[-1], None, None, "en",
                         Settings(store_dir=sys.argv[2]))
    print(out[3])
""")


def _three_ways(path: Path, store: Path) -> dict[str, tuple[subprocess.CompletedProcess, float, float]]:
    env = {**os.environ, "LNMAP_STORE_DIR": str(store)}
    cli = [sys.executable, "-m", "geo.cli"]
    return {
        "validate": _measured([*cli, "validate", str(path)], env, store.parent),
        "import": _measured([*cli, "import", str(path)], env, store.parent),
        "upload": _measured([sys.executable, "-c", _CALLBACK, str(path), str(store)], env, store.parent),
    }


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_file_is_refused_quickly_in_bounded_memory(hostile_dir, tmp_path, kind):
    path = _hostile(hostile_dir, kind)
    assert path.stat().st_size <= 5 * 1024 * 1024
    store = tmp_path / "store"
    for way, (result, seconds, peak) in _three_ways(path, store).items():
        print(f"{kind} via {way}: {seconds:.2f} s of CPU, peak {peak:.0f} MiB")
        for expected in HOSTILE[kind][1]:
            assert expected in result.stdout, f"{way}: {result.stdout[-2000:]}"
        assert "Traceback" not in result.stdout
        if way != "upload":
            assert result.returncode == 1, result.stdout
        assert seconds < SECONDS, f"{way} took {seconds:.1f} s of CPU"
        if way == "upload":  # what the file adds to the dashboard process's own peak
            baseline = int(re.search(r"BASELINE_KIB (\d+)", result.stdout).group(1)) / 1024
            print(f"  upload: app baseline {baseline:.0f} MiB, the file added {peak - baseline:.0f} MiB")
            assert peak - baseline < UPLOAD_ADDS_MIB, f"the upload added {peak - baseline:.0f} MiB"
        else:
            assert peak < PEAK_MIB, f"{way} peaked at {peak:.0f} MiB"
    assert not store.exists() or not list(store.glob("obs-*")), "nothing may be stored"


# --------------------------------------------------------------------------- workbooks, in process


def _refusal(data: bytes, name: str = "x.xlsx") -> str:
    with pytest.raises(DataValidationError) as exc:
        read_observed(data, name=name)
    return str(exc.value)


def test_a_sheet_formatted_down_to_the_last_row_is_read_quickly(tmp_path):
    # 15 real rows (header + 14), then every row to 1,048,576 formatted but empty, as Excel writes a formatted row.
    cities = ["沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "盘锦", "铁岭", "朝阳", "葫芦岛"]
    rows = [_row(1, HEADER)] + [_row(i, [c, "COD", "2020", "100000", "吨"]) for i, c in enumerate(cities, start=2)]
    styled = (f'<row r="{i}" spans="1:5" s="1" customFormat="1"/>' for i in range(16, 1_048_577))
    path = workbook(tmp_path / "formatted.xlsx", [*rows, *styled], dimension="A1:E1048576", level=9)
    assert path.stat().st_size < 5 * 1024 * 1024
    started = time.monotonic()
    parsed = read_observed(path.read_bytes(), name=path.name)
    assert time.monotonic() - started < 5
    assert len(parsed.rows) == 14 and parsed.rows.source_row.tolist() == list(range(2, 16))


def test_a_value_far_below_the_table_is_refused_naming_its_row(tmp_path):
    empty = (f'<row r="{i}"><c r="A{i}" s="1"/></row>' for i in range(4, 200_000))
    note = '<row r="200000"><c r="A200000" t="inlineStr"><is><t>制表人：张三</t></is></c></row>'
    path = workbook(tmp_path / "note.xlsx", [*_table_rows(), *empty, note])
    text = _refusal(path.read_bytes())
    assert "row 200000: a value below" in text and "(rows 4–" in text and "1,000 empty rows end the table" in text


def test_the_declared_dimension_alone_changes_nothing(tmp_path):
    path = workbook(tmp_path / "declared.xlsx", _table_rows(), dimension="A1:XFD1048576")
    assert len(read_observed(path.read_bytes(), name=path.name).rows) == 2


def test_a_part_that_lies_about_its_size_fails_its_checksum(tmp_path):
    path = workbook(tmp_path / "liar.xlsx", _table_rows(), shared=_giant_string(8 << 20))
    data = bytearray(path.read_bytes())
    # The central directory entry of xl/sharedStrings.xml: uncompressed size at offset 24 of the entry.
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"xl/sharedStrings.xml"))
    data[entry + 24:entry + 28] = (1000).to_bytes(4, "little")
    assert "not a table: cannot read the workbook" in _refusal(bytes(data))


def test_a_part_compressed_other_than_excel_does_is_refused(tmp_path):
    path = workbook(tmp_path / "bz.xlsx", _table_rows(), method=zipfile.ZIP_BZIP2)
    assert "uses a compression Excel does not write" in _refusal(path.read_bytes())


def test_xml_bombs_and_giant_pieces_are_refused(tmp_path):
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = workbook(tmp_path / "dtd.xlsx", [laughs.join(["", ""]) + _row(1, HEADER)])
    # the DOCTYPE inside the sheet body is not well-formed XML: refused either way, never expanded
    assert "not a table" in _refusal(path.read_bytes())
    giant = f'<row r="2" x="{"a" * (2 << 20)}"></row>'
    path = workbook(tmp_path / "attr.xlsx", [_row(1, HEADER), giant])
    assert "more than 1,048,576 bytes of XML in one piece" in _refusal(path.read_bytes())


def test_a_long_shared_string_is_refused_naming_row_and_field(tmp_path):
    shared = [b'<sst><si><t>', "很".encode() * 1500, b"</t></si></sst>"]
    rows = [_row(1, HEADER), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>']
    path = workbook(tmp_path / "long.xlsx", rows, shared=shared)
    assert "x.xlsx, row 2, field '城市': field too long: more than 1,000 characters; the limit is 1,000" in _refusal(
        path.read_bytes())


def test_limits_are_checked_in_a_table_read_directly():
    table = read_table(b"a,b\n1,2\n", limits=Limits(rows=1))
    assert table.rows == [(2, ["1", "2"])] and table.separator == ","


# --------------------------------------------------------------------------- the dashboard's callback


@pytest.fixture(scope="module")
def view():
    import pandas as pd

    from dashboard.state import browser_store
    from geo.measures.view import load_view_data

    data = load_view_data(observed=pd.DataFrame())
    return data, browser_store(data)


def _say(out) -> str:
    return str(out[3])


@pytest.mark.parametrize("bad", [{"a": 1}, ["obs-1"], 5])
def test_a_dataset_id_that_is_not_text_gives_a_message(view, tmp_path, bad):
    from dashboard.callbacks import observed_state
    from geo.core.settings import Settings

    data, store = view
    for trigger in ("dataset", "remove-confirm", None):
        out = observed_state(data, store, trigger, None, None, None, bad, "en", Settings(store_dir=tmp_path))
        assert "That is not a dataset" in _say(out) and out[2] is None


@pytest.mark.parametrize("contents", ["data:text/csv;base64,@@@", {"x": 1}, "no comma"])
def test_upload_contents_that_cannot_be_read_give_a_message(view, tmp_path, contents):
    from dashboard.callbacks import observed_state
    from geo.core.settings import Settings

    data, store = view
    out = observed_state(data, store, "upload", contents, ["x"], {"s": 1}, None, "zh", Settings(store_dir=tmp_path))
    assert "无法读取上传的内容" in _say(out)


def test_upload_and_remove_on_a_store_that_cannot_be_written_give_a_message(view, tmp_path, monkeypatch):
    from dashboard.callbacks import observed_state
    from geo.core.settings import Settings
    from geo.measures import observed

    data, store = view
    settings = Settings(store_dir=tmp_path / "store")
    csv = "城市,指标,年份,数值,单位\n沈阳,COD,2020,200000,吨\n".encode()
    contents = "data:text/csv;base64," + base64.b64encode(csv).decode()
    kept = observed_state(data, store, "upload", contents, "a.csv", None, None, "zh", settings)[2]

    import sqlite3

    from sqlalchemy.exc import OperationalError

    def fail(why):  # what SQLite says on a full disk and on a read-only file, raised inside the transaction
        def write(*args, **kwargs):
            raise OperationalError("INSERT INTO audit", {}, sqlite3.OperationalError(why))
        return write

    for why, zh in (("database or disk is full", "数据存储空间已满"),
                    ("attempt to write a readonly database", "数据存储为只读")):
        monkeypatch.setattr(observed.db, "record", fail(why))
        out = observed_state(data, store, "upload", contents, "b.csv", None, None, "zh", settings)
        assert zh in _say(out) and out[0] is out[1] is out[2]  # no_update: nothing changed
        out = observed_state(data, store, "remove-confirm", None, None, None, kept, "zh", settings)
        assert zh in _say(out)
        monkeypatch.undo()
    assert [m["dataset_id"] for m in list_datasets(settings)] == [kept]


def test_an_unexpected_error_in_the_callback_gives_a_message(view, tmp_path, monkeypatch):
    from dashboard import callbacks
    from geo.core.settings import Settings

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(callbacks, "list_datasets", broken)
    data, store = view
    out = callbacks.observed_state(data, store, "dataset", None, None, None, None, "en", Settings(store_dir=tmp_path))
    assert "That did not work; nothing was changed" in _say(out)


# --------------------------------------------------------------------------- in the browser


@pytest.mark.browser
@pytest.mark.parametrize("lang,expected", [
    ("zh", "文件“big.csv”有 6.0 MB，超过上限 5.0 MB，未上传"),
    ("en", "The file “big.csv” is 6.0 MB, over the 5.0 MB limit; it was not uploaded"),
])
def test_a_file_over_the_limit_is_named_in_the_browser(page, served, tmp_path, lang, expected):  # noqa: F811
    big = tmp_path / "big.csv"
    big.write_bytes(b"a" * (6 * 1024 * 1024))  # 6.0 MiB, over the 5.0 MiB limit
    page.goto(served + f"/?lang={lang}")
    page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14", timeout=20_000)
    page.locator("#upload input[type=file]").set_input_files(str(big))
    page.wait_for_function("document.querySelector('#upload-message').textContent.length > 0", timeout=10_000)
    assert expected in page.locator("#upload-message").inner_text()
