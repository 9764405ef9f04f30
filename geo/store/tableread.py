"""Bounded reading of a user's table file — CSV or XLSX — into rows of text.

Files come from browsers and command lines and may be broken or hostile: a 2 KB workbook
that declares ``A1:XFD1048576``, a 1 GiB shared string in a 1 MB zip, a header of five
million commas. Every bound in :class:`Limits` is checked *while* reading, reading stops at
the first one passed, and the :class:`~geo.core.errors.DataValidationError` names the bound and
its limit. Nothing the file says about itself is trusted: the sheet's declared dimension is
ignored (rows and cells are counted as they stream past), and a zip part is unpacked only
after the zip directory's sizes pass the bounds — the zip reader stops at the declared size,
so a part that lies fails its checksum instead of growing.

CSV: UTF-8 (with or without BOM), UTF-16 or UTF-32 with a byte-order mark, GBK/GB18030; the
separator of the header line (comma, semicolon, tab or full-width comma). XLSX: the first
worksheet, streamed through expat; cell values as text, as the file writes them.

Empty rows: rows above the header and below the last value are dropped (statistics systems
often format a sheet down to row 1,048,576); empty rows inside the table are reported. After
``empty_run`` consecutive empty rows the table has ended: the rest of a worksheet is only
scanned for values, without parsing, and a value found there is refused, naming its row,
rather than dropped in silence.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar
from xml.parsers import expat

from geo.core.errors import DataValidationError, Problem

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on one input file. Each is checked while reading; the first one passed stops it."""

    #: Size of the file itself: ample for 14 cities × 4 pollutants × 11 years (about 20 KB as CSV).
    file_bytes: int = 5 * MiB
    #: Data rows below the header, empty rows inside the table included.
    rows: int = 10_000
    #: Columns holding a value (the format has 6; room for a statistics system's extra columns).
    columns: int = 50
    #: Cells holding a value.
    cells: int = 100_000
    #: Characters in one cell (a city, a number, a status note).
    field_chars: int = 1_000
    #: Characters in one CSV record (50 full cells and their separators fit).
    line_chars: int = 64 * 1024
    #: XLSX: every part unpacked, as the zip directory declares them (a sheet formatted down to
    #: row 1,048,576 unpacks to 50–200 MB of empty rows; a zip bomb to gigabytes).
    unpacked_bytes: int = 256 * MiB
    #: XLSX: parts in the zip.
    parts: int = 1_000
    #: XLSX: one XML part read whole — the shared strings, the workbook, relationships.
    part_bytes: int = 16 * MiB
    #: XLSX: XML with no element boundary (a giant attribute, comment or tag name).
    xml_piece_bytes: int = 1 * MiB
    #: Consecutive empty rows that end the table.
    empty_run: int = 1_000
    #: Wall time for reading (not for checking the rows read).
    seconds: float = 5.0


LIMITS = Limits()


@dataclass(frozen=True)
class Table:
    """The rows of a file as text, each with its row number as a spreadsheet shows it."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]  # rows holding at least one value
    empty_runs: list[tuple[int, int]]  # (first, last) runs of empty rows inside the table
    encoding: str  # "xlsx" for a workbook
    separator: str  # "" for a workbook
    extra: list[tuple[int, int]] = field(default_factory=list)  # CSV (row, fields) longer than the header


def read_table(data: bytes, *, name: str = "upload", limits: Limits = LIMITS) -> Table:
    """The table in ``data`` (CSV or XLSX), read within ``limits``; DataValidationError otherwise."""
    if len(data) > limits.file_bytes:
        _refuse(f"file too large: {len(data):,} bytes; the limit is {limits.file_bytes:,}", source=name)
    clock = _Clock(limits.seconds, name)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, name, limits, clock)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        _refuse("not a table this program reads: an old Excel .xls (or an encrypted) workbook; "
                "save it as .xlsx or CSV", source=name)
    return _read_csv(data, name, limits, clock)


def read_file(path, *, limits: Limits = LIMITS) -> bytes:
    """The bytes of ``path``, refused before reading when larger than ``limits.file_bytes``.

    Reads at most one byte past the limit, so a device or a growing file cannot exhaust memory.
    """
    with open(path, "rb") as f:
        data = f.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            size = max(_size(f), len(data))
            _refuse(f"file too large: {'more than ' if size == len(data) else ''}{size:,} bytes; "
                    f"the limit is {limits.file_bytes:,}", source=getattr(path, "name", str(path)))
    return data


def _size(f) -> int:
    try:
        return f.seek(0, io.SEEK_END)
    except OSError:
        return 0


def _refuse(message: str, row: int | None = None, field: str | None = None, source: str | None = None) -> NoReturn:
    raise DataValidationError(Problem(message, row, field, source))


def _too_many(what: str, limit: int, *, row: int | None = None, source: str | None = None,
              detail: str = "") -> NoReturn:
    _refuse(f"too many {what}: more than {limit:,}; the limit is {limit:,}{detail}", row, None, source)


class _Clock:
    def __init__(self, seconds: float, name: str):
        self.seconds, self.name = seconds, name
        self.deadline = time.monotonic() + seconds

    def check(self, row: int | None = None) -> None:
        if time.monotonic() > self.deadline:
            _refuse(f"reading took too long: more than {self.seconds:g} s; the limit is {self.seconds:g} s", row,
                    None, self.name)


class _Rows:
    """Collects rows as they are read and applies the row, column, cell and field bounds."""

    def __init__(self, limits: Limits, name: str, clock: _Clock):
        self.limits, self.name, self.clock = limits, name, clock
        self.header: list[str] | None = None
        self.header_row = 0
        self.rows: list[tuple[int, list[str]]] = []
        self.empty_runs: list[tuple[int, int]] = []
        self.run: tuple[int, int] | None = None  # the current run of empty rows
        self.cells = 0

    def empty(self, first: int, last: int) -> bool:
        """Rows ``first``..``last`` hold no value; True once the run below the header ends the table."""
        self.run = (self.run[0] if self.run else first, last)
        return self.header is not None and self.ended()

    def ended(self) -> bool:
        return self.run is not None and self.run[1] - self.run[0] + 1 >= self.limits.empty_run

    def row(self, number: int, values: list[str]) -> None:
        """A row holding at least one value (trailing empty cells already dropped)."""
        if self.run and self.header is not None:
            first, last = self.run
            if self.ended():
                _refuse(f"a value below {last - first + 1:,} empty rows (rows {first:,}–{last:,}): "
                        f"{self.limits.empty_run:,} empty rows end the table; delete the empty rows or the values "
                        "below them", number, None, self.name)
            self.empty_runs.append(self.run)
        self.run = None
        if len(values) > self.limits.columns:
            _too_many("columns", self.limits.columns, row=number, source=self.name)
        for i, value in enumerate(values):
            if len(value) > self.limits.field_chars:
                self.field_too_long(number, i + 1, len(value))
        self.cells += sum(1 for v in values if v)
        if self.cells > self.limits.cells:
            _too_many("cells with a value", self.limits.cells, row=number, source=self.name)
        if self.header is None:
            self.header, self.header_row = values, number
            return
        if number - self.header_row > self.limits.rows:
            _too_many("rows", self.limits.rows, row=number, source=self.name,
                      detail=f" data rows below the header in row {self.header_row}")
        self.rows.append((number, values))
        if len(self.rows) % 256 == 0:
            self.clock.check(number)

    def field_too_long(self, number: int, column: int, length: int | None) -> None:
        header = self.header[column - 1] if self.header and column <= len(self.header) else ""
        size = f"{length:,} characters" if length else f"more than {self.limits.field_chars:,} characters"
        _refuse(f"field too long: {size}; the limit is {self.limits.field_chars:,}", number,
                header or f"column {column}", self.name)

    def table(self, encoding: str, separator: str, extra: list | None = None) -> Table:
        if self.header is None:
            _refuse("not a table: the file is empty", source=self.name)
        return Table(self.header, self.header_row, self.rows, self.empty_runs, encoding, separator, extra or [])


# --------------------------------------------------------------------------- CSV

_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 LE"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE"),
)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError as exc:
                _refuse(f"cannot decode the file as {label} (byte {exc.start:,})", source=name)
    if b"\x00" in data[:4096]:
        _refuse("not a table: the file is binary, or UTF-16 without a byte-order mark (neither CSV text nor XLSX); "
                "save it as UTF-8 CSV or XLSX", source=name)
    for enc, label in (("utf-8-sig", "utf-8 with BOM" if data.startswith(codecs.BOM_UTF8) else "utf-8"),
                       ("gb18030", "GBK/GB18030")):
        try:
            return data.decode(enc), label
        except UnicodeDecodeError:
            continue
    _refuse("cannot decode the file as UTF-8, UTF-16 (with a byte-order mark) or GBK/GB18030", source=name)


_SEPARATORS = (",", ";", "\t", "，")


def _delimiter(text: str, limits: Limits) -> str:
    """The separator of the header line: comma, semicolon, tab or full-width comma (comma if none)."""
    start = len(text) - len(text.lstrip("\ufeff\r\n"))
    header = text[start:start + limits.line_chars + 1].split("\n", 1)[0]
    counts = {d: header.count(d) for d in _SEPARATORS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, name: str, limits: Limits, clock: _Clock) -> Table:
    text, encoding = _decode(data, name)
    if "\x00" in text:
        _refuse("not a table: the text holds NUL characters (a binary file?)", source=name)
    if not text.strip():
        _refuse("not a table: the file is empty", source=name)
    separator = _delimiter(text, limits)
    rows = _Rows(limits, name, clock)
    record = [0, 1]  # characters in the record being read; its row number

    def lines():
        for line in io.StringIO(text.lstrip("\ufeff"), newline=""):
            record[0] += len(line)
            if record[0] > limits.line_chars:
                if line.count(separator) >= limits.columns:
                    _too_many("columns", limits.columns, row=record[1], source=name)
                _refuse(f"line too long: more than {limits.line_chars:,} characters; the limit is "
                        f"{limits.line_chars:,}", record[1], None, name)
            yield line

    extra = []
    reader = csv.reader(lines(), delimiter=separator, skipinitialspace=True)
    try:
        for number, fields in enumerate(reader, start=1):
            record[0], record[1] = 0, number + 1
            if number % 256 == 0:
                clock.check(number)
            if not fields:  # a blank line: skipped, as spreadsheet programs do, but numbered
                continue
            values = [f.strip() for f in fields]
            while values and not values[-1]:
                values.pop()
            if not values:
                rows.empty(number, number)
                continue
            if rows.header is not None and len(values) > len(rows.header):
                extra.append((number, len(fields)))
            rows.row(number, values)
    except csv.Error as exc:
        _refuse(f"not a table: {exc}", record[1], None, name)
    return rows.table(encoding, separator, extra)


# --------------------------------------------------------------------------- XLSX

_CHUNK = 256 * 1024
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"
_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|t)(?:\s[^>]*)?>\s*[^<\s]")
_ROW_REF = re.compile(rb'<(?:[\w.-]+:)?row\b[^>]*?\sr="(\d+)"')
_CELL_REF = re.compile(r"^([A-Za-z]{1,3})(\d*)$")


def _read_xlsx(data: bytes, name: str, limits: Limits, clock: _Clock) -> Table:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = {i.filename: i for i in book.infolist()}
        if len(book.infolist()) > limits.parts:
            _too_many("parts in the workbook", limits.parts, source=name)
        unpacked = sum(i.file_size for i in book.infolist())
        if unpacked > limits.unpacked_bytes:
            _refuse(f"workbook too large when unpacked: its parts declare {unpacked:,} bytes; the limit is "
                    f"{limits.unpacked_bytes:,}", source=name)
        xlsx = _Workbook(book, parts, name, limits, clock)
        sheet, strings = xlsx.first_sheet(), xlsx.shared_strings()
        rows = _Rows(limits, name, clock)
        xlsx.stream(sheet, _Sheet(rows, strings, name, limits))
        return rows.table("xlsx", "")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, KeyError, ValueError, IndexError,
            NotImplementedError, RuntimeError, expat.ExpatError) as exc:
        _refuse(f"not a table: cannot read the workbook ({type(exc).__name__}: {str(exc)[:200]})", source=name)


class _Handler:
    """Receives expat's events for one XML part; ``events`` counts element boundaries."""

    events = 0
    tail = False

    def scan(self, chunk: bytes) -> None:
        """Look through a chunk after the table ended (handlers that set ``tail`` do)."""

    def start(self, tag: str, attrs: dict) -> None:
        self.events += 1

    def end(self, tag: str) -> None:
        self.events += 1

    def chars(self, text: str) -> None:
        pass



H = TypeVar("H", bound=_Handler)

class _Workbook:
    def __init__(self, book: zipfile.ZipFile, parts: dict, name: str, limits: Limits, clock: _Clock):
        self.book, self.parts, self.name, self.limits, self.clock = book, parts, name, limits, clock
        self.path = self._rels("")[0].get(_OFFICE_DOCUMENT) or "xl/workbook.xml"
        self.rels, self.ids = self._rels(self.path)

    def part(self, path: str) -> zipfile.ZipInfo:
        info = self.parts.get(path)
        if info is None:
            raise KeyError(f"the workbook has no part {path}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _refuse(f"not a table: workbook part {path} uses a compression Excel does not write "
                    f"(method {info.compress_type})", source=self.name)
        return info

    def whole(self, path: str, handler: H) -> H:
        """Parse a part read whole (after checking its declared size)."""
        info = self.part(path)
        if info.file_size > self.limits.part_bytes:
            _refuse(f"workbook part {path} too large: {info.file_size:,} bytes unpacked; the limit for one part is "
                    f"{self.limits.part_bytes:,}", source=self.name)
        return self.stream(info, handler)

    def stream(self, info: zipfile.ZipInfo | str, handler: H) -> H:
        info = self.part(info) if isinstance(info, str) else info
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = handler.start, handler.end
        parser.CharacterDataHandler = handler.chars
        parser.StartDoctypeDeclHandler = self._no_dtd
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        quiet = 0
        with self.book.open(info) as f:
            while chunk := f.read(_CHUNK):
                self.clock.check()
                if handler.tail:
                    handler.scan(chunk)
                    continue
                before = handler.events
                parser.Parse(chunk, False)
                quiet = quiet + len(chunk) if handler.events == before else 0
                if quiet > self.limits.xml_piece_bytes:
                    _refuse(f"workbook part {info.filename} has more than {self.limits.xml_piece_bytes:,} bytes of XML "
                            f"in one piece; the limit is {self.limits.xml_piece_bytes:,}", source=self.name)
        if not handler.tail:
            parser.Parse(b"", True)
        return handler

    def _no_dtd(self, *args) -> None:
        _refuse("not a table: a workbook part declares a document type (Excel never does)", source=self.name)

    def _rels(self, part: str) -> tuple[dict[str, str], dict[str, str]]:
        """(type suffix -> target, id -> target) of a part's relationships."""
        folder, base = posixpath.split(part)
        path = posixpath.join(folder, "_rels", f"{base}.rels")
        if path not in self.parts:
            return {}, {}
        rels = self.whole(path, _Relationships()).found
        by_type: dict[str, str] = {}
        by_id: dict[str, str] = {}
        for rid, kind, target in rels:
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            by_type.setdefault("/" + kind.rsplit("/", 1)[-1], target)
            by_id[rid] = target
        return by_type, by_id

    def first_sheet(self) -> zipfile.ZipInfo:
        rid = self.whole(self.path, _FirstSheet()).rid
        target = self.ids.get(rid) if rid else None
        if target is None:
            _refuse("not a table: the workbook has no worksheet", source=self.name)
        return self.part(target)

    def shared_strings(self) -> list[str]:
        path = self.rels.get(_SHARED_STRINGS)
        if path is None or path not in self.parts:
            return []
        return self.whole(path, _SharedStrings(self.limits.field_chars)).strings


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]


class _Relationships(_Handler):
    def __init__(self):
        self.found: list[tuple[str, str, str]] = []

    def start(self, tag, attrs):
        self.events += 1
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            self.found.append((attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", "")))


class _FirstSheet(_Handler):
    rid: str | None = None

    def start(self, tag, attrs):
        self.events += 1
        if _local(tag) == "sheet" and self.rid is None:
            self.rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)


class _SharedStrings(_Handler):
    """Each string kept to one character past the field bound: enough to refuse it when used."""

    def __init__(self, field_chars: int):
        self.keep = field_chars + 1
        self.strings: list[str] = []
        self.text: list[str] = []
        self.length = 0
        self.collect = self.phonetic = False

    def start(self, tag, attrs):
        self.events += 1
        tag = _local(tag)
        if tag == "si":
            self.text, self.length = [], 0
        elif tag == "rPh":  # phonetic guide: not part of the value
            self.phonetic = True
        elif tag == "t" and not self.phonetic:
            self.collect = True

    def end(self, tag):
        self.events += 1
        tag = _local(tag)
        if tag == "si":
            self.strings.append("".join(self.text))
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "t":
            self.collect = False

    def chars(self, text):
        if self.collect and self.length < self.keep:
            self.text.append(text[:self.keep - self.length])
            self.length += len(text)


def _column(letters: str) -> int:
    n = 0
    for c in letters.upper():
        n = n * 26 + ord(c) - 64
    return n


class _Sheet(_Handler):
    """Rows of a worksheet as they stream past; the sheet's declared dimension is never read."""

    def __init__(self, rows: _Rows, strings: list[str], name: str, limits: Limits):
        self.rows, self.strings, self.name, self.limits = rows, strings, name, limits
        self.row = 0  # number of the row being read (or the last one read)
        self.col = 0
        self.cells: dict[int, str] = {}
        self.kind = "n"
        self.text: list[str] = []
        self.length = 0
        self.collect = self.phonetic = False
        self.overlap = b""

    def start(self, tag, attrs):
        self.events += 1
        tag = _local(tag)
        if tag == "c":
            ref = _CELL_REF.match(attrs.get("r", ""))
            self.col = _column(ref.group(1)) if ref else self.col + 1
            self.kind, self.text, self.length = attrs.get("t", "n"), [], 0
        elif tag == "v" or (tag == "t" and not self.phonetic):
            self.collect = True
        elif tag == "rPh":
            self.phonetic = True
        elif tag == "row":
            number = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.row + 1
            if number <= self.row:
                _refuse(f"not a table: row {number} comes after row {self.row} in the worksheet", source=self.name)
            if number > self.row + 1 and self.rows.empty(self.row + 1, number - 1):
                self.tail = True
            self.row, self.col, self.cells = number, 0, {}

    def end(self, tag):
        self.events += 1
        tag = _local(tag)
        if tag in ("v", "t"):
            self.collect = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "c":
            self.cell()
        elif tag == "row":
            if self.cells:
                self.rows.row(self.row, [self.cells.get(i, "") for i in range(1, max(self.cells) + 1)])
            elif self.rows.empty(self.row, self.row):
                self.tail = True

    def chars(self, text):
        if self.collect:
            self.length += len(text)
            if self.length > self.limits.field_chars:
                self.rows.field_too_long(self.row, self.col, None)
            self.text.append(text)

    def cell(self) -> None:
        text = "".join(self.text)
        if self.kind == "s" and text.strip():
            value = self.strings[int(text)]
            if len(value) > self.limits.field_chars:
                self.rows.field_too_long(self.row, self.col, None)
        elif self.kind == "b":
            value = {"1": "TRUE", "0": "FALSE"}.get(text.strip(), text)
        else:
            value = text
        value = value.strip()
        if not value:
            return
        if self.col > self.limits.columns:
            _too_many("columns", self.limits.columns, row=self.row, source=self.name,
                      detail=f" (a value in column {self.col:,})")
        self.cells[self.col] = value

    def scan(self, chunk: bytes) -> None:
        """After the table has ended: look for a value without parsing; refuse it if there is one."""
        buf = self.overlap + chunk
        found = _VALUE.search(buf)
        if found:
            refs = _ROW_REF.findall(buf, 0, found.start())
            number = int(refs[-1]) if refs else self.row + 1
            run = self.rows.run
            assert run is not None  # the tail is scanned only after a run of empty rows ended the table
            self.rows.empty(run[0], max(run[1], number - 1))
            self.rows.row(number, ["…"])  # refuses: the run of empty rows before it ended the table
        self.overlap = buf[-4096:]
