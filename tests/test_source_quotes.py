"""Every hand-curated row in data/indicators/ must be backed by its source text.

Checks ``data/indicators/provincial_targets.csv`` and ``data/indicators/designations.csv``
against the five source documents in ``data/sources/`` (committed with the repository, so
these tests run in any clone; a missing file fails them).

Conventions the two tables follow (and these tests enforce):

* ``document`` is the document number (文号) exactly as printed, e.g. ``辽政发〔2017〕21号``.
  Seed 000 carries no 文号, so it is cited as
  ``辽宁省绿色低碳循环发展经济体系任务措施(2021-11-16)``.
* ``clause`` is the top-level Chinese numeral followed by the numbered sub-clause in ASCII
  parentheses, without the 、: ``一(二)`` means section 一、, sub-clause （二）. The
  sub-clauses of every seed are numbered consecutively across sections, so e.g. 辽政发〔2017〕21号
  clause （五） is written ``二(五)``. A bare numeral (``一``) is a section without a numbered
  sub-clause; ``序`` is the preamble before section 一. The tests check that the quote really
  stands under that heading in the seed.
* ``quote`` is a verbatim substring of the seed, shorter than 120 characters; line breaks
  from the PDF extraction are dropped, so the comparison ignores all whitespace.
* ``value`` is the number as written in the text and must occur in the quote. ``relation``:
  ``≤`` 控制在…以内/以下/不超过; ``≥`` 达到/不低于/以上/超过/提高到 (a level); ``=`` a plain
  amount, 左右 or 稳定在; ``cut`` 下降/降低 x% (against ``base_year`` when the text names one);
  ``rise`` 提高/增长 x (against ``base_year``).
* ``target_id`` prefixes: ``ln2020_`` 辽政发〔2017〕21号, ``ln2025_`` 辽环发〔2023〕39号,
  ``lngl2025_``/``lngl2035_`` the 2021-11-16 provincial measures, ``dl_`` Dalian's
  大发改资源字〔2021〕283号, ``ly2025_`` 辽源's 辽府发〔2022〕4号; ids without a year
  (``ln_``, ``lngl_``, ``dl_``) are targets whose text names no year.
* In designations.csv the short place name (without 市/县/区/自治县) must occur in the quote;
  where it does not, ``note`` must name the place and say why.

Every failure message names the CSV file, its line number (the header is line 1) and the field.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "data" / "sources"
INDICATORS = REPO / "data" / "indicators"
TARGETS_CSV = INDICATORS / "provincial_targets.csv"
DESIGNATIONS_CSV = INDICATORS / "designations.csv"

TARGET_FIELDS = [
    "target_id", "scope_adcode", "scope_name_zh", "indicator_zh", "indicator_en", "value",
    "unit", "relation", "base_year", "target_year", "document", "clause", "quote",
]
DESIGNATION_FIELDS = [
    "designation_id", "designation_zh", "designation_en", "kind", "adcode", "place_zh",
    "level", "document", "clause", "quote", "note",
]

GREEN_MEASURES_2021 = "辽宁省绿色低碳循环发展经济体系任务措施(2021-11-16)"
# document -> (seed file, document number printed in the seed or None, scope adcode)
DOCUMENTS = {
    GREEN_MEASURES_2021: ("000_cfe3b420ed9b54fb.txt", None, "210000"),
    "辽环发〔2023〕39号": ("001_1cc65a43a6b22dd1.txt", "辽环发〔2023〕39号", "210000"),
    "辽府发〔2022〕4号": ("002_7ad6b5fece9b2224.txt", "辽府发〔2022〕4号", "220400"),
    "辽政发〔2017〕21号": ("003_6bbbe1509b695a5c.txt", "辽政发〔2017〕21号", "210000"),
    "大发改资源字〔2021〕283号": ("004_a1f0f1cabff92fb5.txt", "大发改资源字〔2021〕283号", "210200"),
}

SCOPES = {"210000": "辽宁省", "210200": "大连市", "220400": "辽源市"}
CITIES = {
    "210100": "沈阳市", "210200": "大连市", "210300": "鞍山市", "210400": "抚顺市",
    "210500": "本溪市", "210600": "丹东市", "210700": "锦州市", "210800": "营口市",
    "210900": "阜新市", "211000": "辽阳市", "211100": "盘锦市", "211200": "铁岭市",
    "211300": "朝阳市", "211400": "葫芦岛市", "220400": "辽源市",
}
RELATIONS = {"≤", "≥", "=", "≈", "cut", "rise"}
LEVELS = {"city", "county"}

NUMERAL = "[一二三四五六七八九十]+"
CLAUSE_RE = re.compile(rf"^(?:序|(?P<top>{NUMERAL})(?:\((?P<sub>{NUMERAL})\))?)$")
TOP_HEADING_RE = re.compile(rf"^[ \t]*(?:#+[ \t]*)?(?:\*\*)?({NUMERAL})、", re.M)
SUB_HEADING_RE = re.compile(rf"^[ \t]*(?:[-#]+[ \t]*)?(?:\*\*)?[（(][ \t]*({NUMERAL})[ \t]*[）)]", re.M)
SNAKE_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
VALUE_RE = re.compile(r"^\d+(?:\.\d+)?$")
YEAR_RE = re.compile(r"^(?:19|20)\d\d$")
MAX_QUOTE = 120


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _load(path: Path, fields: list[str]):
    """Return (header, [(line number, row dict)])."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = []
        for raw in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in raw):
                continue
            padded = raw + [""] * (len(fields) - len(raw))
            row = dict(zip(fields, padded))
            row["_ncells"] = len(raw)
            rows.append((line, row))
    return header, rows


TARGET_HEADER, TARGET_ROWS = _load(TARGETS_CSV, TARGET_FIELDS)
DESIGNATION_HEADER, DESIGNATION_ROWS = _load(DESIGNATIONS_CSV, DESIGNATION_FIELDS)


@cache
def _seed(filename: str) -> str:
    path = SEEDS / filename
    if not path.is_file():
        _missing(f"seed {path.name} not available")
    return path.read_text(encoding="utf-8")


def _missing(why: str) -> None:
    """The sources are part of the repository: a missing one is a failure, never a skip."""
    pytest.fail(why)


def _require_seeds() -> None:
    if not SEEDS.is_dir():
        _missing("the source documents (data/sources/) are missing")


def _where(csv_name: str, line: int, field: str) -> str:
    return f"{csv_name} row {line} field {field!r}"


def _quote_positions(seed: str, quote: str) -> list[int]:
    """Start offsets in the raw seed of every whitespace-insensitive match of quote."""
    chars = _norm(quote)
    if not chars:
        return []
    pattern = r"\s*".join(re.escape(c) for c in chars)
    return [m.start() for m in re.finditer(pattern, seed)]


def _heading_at(regex: re.Pattern, seed: str, pos: int) -> tuple[str | None, int]:
    """The last heading of this kind before pos: (numeral, offset) or (None, -1)."""
    found = (None, -1)
    for m in regex.finditer(seed):
        if m.start() >= pos:
            break
        found = (m.group(1), m.start())
    return found


def _clause_ok(seed: str, pos: int, clause: str) -> bool:
    m = CLAUSE_RE.match(clause)
    if not m:
        return False
    top, top_at = _heading_at(TOP_HEADING_RE, seed, pos)
    sub, sub_at = _heading_at(SUB_HEADING_RE, seed, pos)
    if clause == "序":
        return top is None
    if top != m.group("top"):
        return False
    if m.group("sub") is None:  # no numbered sub-clause: no sub heading since the section began
        return sub_at < top_at
    return sub == m.group("sub") and sub_at > top_at


def _check_common(csv_name: str, line: int, row: dict, fields: list[str]) -> list[str]:
    """Checks shared by both tables; returns failure messages."""
    errors = []
    if row["_ncells"] != len(fields):
        errors.append(f"{csv_name} row {line}: {row['_ncells']} cells, expected {len(fields)}")
    doc = row["document"]
    if doc not in DOCUMENTS:
        errors.append(f"{_where(csv_name, line, 'document')}: unknown document {doc!r}")
        return errors
    seed_file = DOCUMENTS[doc][0]
    seed = _seed(seed_file)
    quote = row["quote"]
    clause = row["clause"]
    if not quote.strip():
        errors.append(f"{_where(csv_name, line, 'quote')}: empty")
        return errors
    if len(_norm(quote)) >= MAX_QUOTE:
        errors.append(f"{_where(csv_name, line, 'quote')}: {len(_norm(quote))} characters, keep it under {MAX_QUOTE}")
    if "\n" in quote or "\r" in quote:
        errors.append(f"{_where(csv_name, line, 'quote')}: contains a line break")
    positions = _quote_positions(seed, quote)
    if not positions:
        errors.append(f"{_where(csv_name, line, 'quote')}: not found verbatim in {seed_file} ({doc}): {quote!r}")
    if not CLAUSE_RE.match(clause):
        errors.append(f"{_where(csv_name, line, 'clause')}: {clause!r} is not of the form 一(二), 一 or 序")
    elif positions and not any(_clause_ok(seed, p, clause) for p in positions):
        errors.append(f"{_where(csv_name, line, 'clause')}: quote does not stand under clause {clause!r} in {seed_file}")
    return errors


# ---------------------------------------------------------------------------- file level


def test_seed_documents_carry_their_numbers():
    _require_seeds()
    for seed_file, number, _scope in DOCUMENTS.values():
        text = _seed(seed_file)
        if number is not None:
            assert number in text, f"{seed_file} does not print its document number {number}"


def test_target_header():
    assert TARGET_HEADER == TARGET_FIELDS, f"{TARGETS_CSV.name} row 1 (header): {TARGET_HEADER}"


def test_designation_header():
    assert DESIGNATION_HEADER == DESIGNATION_FIELDS, f"{DESIGNATIONS_CSV.name} row 1 (header): {DESIGNATION_HEADER}"


def test_files_are_plain_utf8():
    for path in (TARGETS_CSV, DESIGNATIONS_CSV):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), f"{path.name}: starts with a BOM"
        data.decode("utf-8")


def test_target_ids_unique():
    seen: dict[str, int] = {}
    dupes = []
    for line, row in TARGET_ROWS:
        tid = row["target_id"]
        if tid in seen:
            dupes.append(f"{_where(TARGETS_CSV.name, line, 'target_id')}: {tid!r} already used in row {seen[tid]}")
        else:
            seen[tid] = line
    assert not dupes, "\n".join(dupes)


def test_designation_keys_unique():
    seen: dict[tuple[str, str], int] = {}
    dupes = []
    for line, row in DESIGNATION_ROWS:
        key = (row["designation_id"], row["adcode"])
        if key in seen:
            dupes.append(
                f"{_where(DESIGNATIONS_CSV.name, line, 'designation_id')}: ({key[0]}, {key[1]}) already used in row {seen[key]}"
            )
        else:
            seen[key] = line
    assert not dupes, "\n".join(dupes)


def test_designation_id_names_one_designation():
    """Rows sharing a designation_id agree on its name, kind and document."""
    first: dict[str, tuple[int, tuple[str, str, str, str]]] = {}
    errors = []
    for line, row in DESIGNATION_ROWS:
        sig = (row["designation_zh"], row["designation_en"], row["kind"], row["document"])
        did = row["designation_id"]
        if did in first and first[did][1] != sig:
            errors.append(
                f"{_where(DESIGNATIONS_CSV.name, line, 'designation_id')}: {did!r} differs in name/kind/document "
                f"from row {first[did][0]}"
            )
        first.setdefault(did, (line, sig))
    assert not errors, "\n".join(errors)


def test_tables_not_empty():
    assert len(TARGET_ROWS) >= 40, f"{TARGETS_CSV.name}: only {len(TARGET_ROWS)} rows"
    assert DESIGNATION_ROWS, f"{DESIGNATIONS_CSV.name}: no rows"


# ---------------------------------------------------------------------------- per row


@pytest.mark.parametrize(
    ("line", "row"), TARGET_ROWS, ids=[f"targets-row{line}-{row['target_id']}" for line, row in TARGET_ROWS]
)
def test_target_row(line: int, row: dict):
    _require_seeds()
    name = TARGETS_CSV.name
    errors = _check_common(name, line, row, TARGET_FIELDS)

    if not SNAKE_RE.match(row["target_id"]):
        errors.append(f"{_where(name, line, 'target_id')}: {row['target_id']!r} is not snake_case")
    scope = row["scope_adcode"]
    if scope not in SCOPES:
        errors.append(f"{_where(name, line, 'scope_adcode')}: {scope!r} not in {sorted(SCOPES)}")
    else:
        if row["scope_name_zh"] != SCOPES[scope]:
            errors.append(f"{_where(name, line, 'scope_name_zh')}: {row['scope_name_zh']!r} is not the name of {scope} "
                          f"({SCOPES[scope]})")
        doc = row["document"]
        if doc in DOCUMENTS and DOCUMENTS[doc][2] != scope:
            errors.append(f"{_where(name, line, 'scope_adcode')}: {scope} but {doc} applies to {DOCUMENTS[doc][2]}")
    for field in ("indicator_zh", "indicator_en"):
        if not row[field].strip():
            errors.append(f"{_where(name, line, field)}: empty")
    value = row["value"]
    if not VALUE_RE.match(value):
        errors.append(f"{_where(name, line, 'value')}: {value!r} is not a plain number")
    elif value not in _norm(row["quote"]):
        errors.append(f"{_where(name, line, 'value')}: {value!r} does not occur in the quote {row['quote']!r}")
    if not row["unit"].strip():
        errors.append(f"{_where(name, line, 'unit')}: empty")
    if row["relation"] not in RELATIONS:
        errors.append(f"{_where(name, line, 'relation')}: {row['relation']!r} not in {sorted(RELATIONS)}")
    for field in ("base_year", "target_year"):
        if row[field] and not YEAR_RE.match(row[field]):
            errors.append(f"{_where(name, line, field)}: {row[field]!r} is not a year")
    if YEAR_RE.match(row["base_year"]) and YEAR_RE.match(row["target_year"]):
        if int(row["base_year"]) >= int(row["target_year"]):
            errors.append(f"{_where(name, line, 'base_year')}: {row['base_year']} is not before target_year {row['target_year']}")
    if row["base_year"] and row["base_year"] not in _norm(row["quote"]):
        errors.append(f"{_where(name, line, 'base_year')}: {row['base_year']} is not named in the quote")

    assert not errors, "\n".join(errors)


def _short_name(place: str) -> str:
    for suffix in ("满族自治县", "蒙古族自治县", "自治县", "市", "县", "区"):
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            return place[: -len(suffix)]
    return place


@pytest.mark.parametrize(
    ("line", "row"),
    DESIGNATION_ROWS,
    ids=[f"designations-row{line}-{row['designation_id']}-{row['adcode']}" for line, row in DESIGNATION_ROWS],
)
def test_designation_row(line: int, row: dict):
    _require_seeds()
    name = DESIGNATIONS_CSV.name
    errors = _check_common(name, line, row, DESIGNATION_FIELDS)

    for field in ("designation_id", "kind"):
        if not SNAKE_RE.match(row[field]):
            errors.append(f"{_where(name, line, field)}: {row[field]!r} is not snake_case")
    for field in ("designation_zh", "designation_en", "place_zh"):
        if not row[field].strip():
            errors.append(f"{_where(name, line, field)}: empty")

    adcode, level, place, note = row["adcode"], row["level"], row["place_zh"], row["note"]
    if not re.fullmatch(r"\d{6}", adcode):
        errors.append(f"{_where(name, line, 'adcode')}: {adcode!r} is not a 6-digit GB/T 2260 code")
    if level not in LEVELS:
        errors.append(f"{_where(name, line, 'level')}: {level!r} not in {sorted(LEVELS)}")
    elif re.fullmatch(r"\d{6}", adcode):
        if level == "city":
            if adcode not in CITIES:
                errors.append(f"{_where(name, line, 'adcode')}: {adcode} is not a prefecture city of the regions table")
            elif CITIES[adcode] != place:
                errors.append(f"{_where(name, line, 'place_zh')}: {place!r} but {adcode} is {CITIES[adcode]}")
        else:
            if adcode.endswith("00"):
                errors.append(f"{_where(name, line, 'adcode')}: {adcode} is a city code but level is county")
            elif adcode[:4] + "00" not in CITIES:
                errors.append(f"{_where(name, line, 'adcode')}: {adcode} lies in no known prefecture city")
        if not adcode.startswith("21"):
            if adcode != "220400" or "Jilin" not in note:
                errors.append(f"{_where(name, line, 'adcode')}: {adcode} is outside Liaoning and note does not flag "
                              "'Jilin province'")

    short = _short_name(place)
    if short and short not in _norm(row["quote"]) and short not in note:
        errors.append(
            f"{_where(name, line, 'quote')}: place {short!r} not in the quote and field 'note' does not explain it"
        )

    assert not errors, "\n".join(errors)
