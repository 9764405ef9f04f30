"""Observed emissions imported by users, kept as versioned datasets; progress and gaps.

Input: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX with one row per place x
indicator x year: place (a city in any spelling the gazetteer knows, or the province,
辽宁省/Liaoning), indicator, year, value, unit, and an optional status flag (考核值,
统计公报, 监测值(未经审核) ...). Headers may be Chinese or English. An indicator is a pollutant
(COD, NH3-N, SO2, NOx: emissions in 吨 or 万吨, converted to t) or energy: the year's decline in
energy use per unit of GDP (能耗强度降低率, %, against the year before) or the year's increment in
energy use (能源消费增量, 万吨标准煤; 吨标准煤 converted). The conversion is recorded with each row.
The measures these give are in :mod:`geo.measures.energy` (energy) and :mod:`geo.measures.provincial` (the province).

Everything is validated before anything is stored; a rejected file raises
:class:`~geo.core.errors.DataValidationError` with one problem per bad row and field and
changes nothing. An accepted file becomes a new dataset in the store (:mod:`geo.store.db`: an
SQLite file by default, PostgreSQL for a shared store): its metadata (source, import time,
who, file name, sha256, conversions) and its normalised rows, written in one transaction
together with the line of the audit log that records it, so a process killed at any point
leaves the store as it was or with the whole dataset. Earlier datasets are never touched.
A file identical to a stored dataset (sha256) points to it instead of being stored twice.
Removing a dataset hides it at once; it can be restored until it is purged
(``Settings.purge_days``). Which dataset the map uses by default is kept in the store too.

The store's interface is the functions below (list, import, use/active, remove, restore,
purge, load); callers never see tables or paths.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo.core.errors import DataValidationError, GazetteerError, Problem, StoreError
from geo.core.settings import Settings, get_settings
from geo.measures.catalogue import POLLUTANTS
from geo.measures.rows import (
    PLAUSIBLE_FACTOR,
    POLLUTANT_INDEX,
    cell_key,
    check_source_text,
    parse_number,
    split_header,
)
from geo.places.gazetteer import LIAONING, get_gazetteer
from geo.store import db
from geo.store.tableread import LIMITS, Limits, read_table
from geo.store.users import default_actor

log = logging.getLogger(__name__)

MAX_BYTES = LIMITS.file_bytes
#: Years an observed emission may refer to: the quota tables' base year (2015) to the
#: end of the 14th five-year plan (2025), the latest target year of the documents.
YEAR_RANGE = (2015, 2025)
PROGRESS_YEAR = 2020

_HEADERS = {
    "city": ["城市", "市", "地市", "地区", "城市名称", "行政区", "行政区划代码", "adcode", "city", "cityname", "name",
             "prefecture"],
    "indicator": ["指标", "污染物", "污染物名称", "指标id", "indicator", "indicatorid", "pollutant"],
    "year": ["年份", "年", "年度", "year"],
    "value": ["数值", "值", "排放量", "实际排放量", "value", "emission", "emissions", "observed"],
    "unit": ["单位", "计量单位", "unit", "units"],
    "flag": ["状态", "数据状态", "标记", "数据类型", "备注", "flag", "status", "note"],
}
_REQUIRED = ("city", "indicator", "year", "value", "unit")
#: Energy observed per year, the indicator's names -> what is stored (:mod:`geo.measures.energy`).
_ENERGY_NAMES = {
    "intensity_decline": ["能耗强度降低率", "能耗强度降低", "能耗强度下降率", "能耗强度下降", "单位GDP能耗降低率",
                          "单位GDP能耗下降率", "单位地区生产总值能耗降低率", "单位地区生产总值能耗下降率",
                          "energyintensitydecline", "energy_intensity_decline_observed_pct"],
    "increment": ["能源消费增量", "能耗增量", "能源消费增加量", "energyincrement", "energyconsumptionincrement",
                  "energy_increment_observed_10kt_ce"],
}
#: GDP observed per year (地区生产总值, 亿元): what carbon intensity (CO2 per unit of GDP) is computed from.
_ENERGY_NAMES["gdp"] = ["地区生产总值", "生产总值", "地区gdp", "gdp", "grossdomesticproduct", "grossregionalproduct",
                        "gdp_observed_100m_yuan"]
_ENERGY_LABELS = {"intensity_decline": "能耗强度降低率", "increment": "能源消费增量", "gdp": "地区生产总值"}
#: Units per energy measure: factor to the stored unit (% and 万吨标准煤, the units of 附件1).
_ENERGY_UNITS = {
    "intensity_decline": {"%": 1.0},
    "increment": {"万吨标准煤": 1.0, "万吨标煤": 1.0, "万tce": 1.0, "10ktce": 1.0, "10⁴tce": 1.0,
                  "吨标准煤": 0.0001, "吨标煤": 0.0001, "tce": 0.0001},
    "gdp": {"亿元": 1.0, "亿元人民币": 1.0, "100myuan": 1.0, "万元": 0.0001, "万元人民币": 0.0001, "10kyuan": 0.0001},
}
_ENERGY_STORED_UNIT = {"intensity_decline": "%", "increment": "10kt_ce", "gdp": "100m_yuan"}
_ENERGY_UNIT_NAMES = {"intensity_decline": "%", "increment": "万吨标准煤/10kt ce or 吨标准煤/tce", "gdp": "亿元 or 万元"}
#: A yearly decline in energy intensity lies between these (%): 100 % would leave no energy use; the
#: same bounds as a plan's cut (:func:`geo.measures.plans._bounds`).
DECLINE_BOUNDS = (-100.0, 100.0)
_UNITS = {"t": 1.0, "吨": 1.0, "tonne": 1.0, "tonnes": 1.0, "ton": 1.0, "tons": 1.0,
          "万吨": 10_000.0, "万t": 10_000.0, "10kt": 10_000.0, "10^4t": 10_000.0, "10⁴t": 10_000.0}
STORED_COLUMNS = ["adcode", "city_zh", "pollutant", "indicator_id", "year", "value", "unit", "value_as_given",
                  "unit_as_given", "conversion", "flag", "source_row", "dataset_id", "source"]


_HEADER_INDEX = {cell_key(alias): canon for canon, aliases in _HEADERS.items() for alias in aliases}
_UNIT_INDEX = {cell_key(u): f for u, f in _UNITS.items()}
_ENERGY_INDEX = {cell_key(alias): k for k, aliases in _ENERGY_NAMES.items() for alias in aliases}
_ENERGY_UNIT_INDEX = {k: {cell_key(u): f for u, f in units.items()} for k, units in _ENERGY_UNITS.items()}


def _what(text: str) -> tuple[str, str] | None:
    """An indicator cell -> (group, measure): ``SO2`` -> (so2, emission); ``能耗强度降低率`` -> (energy,
    intensity_decline); None if unknown."""
    k = cell_key(text)
    if k in POLLUTANT_INDEX:
        return POLLUTANT_INDEX[k], "emission"
    if k in _ENERGY_INDEX:
        measure = _ENERGY_INDEX[k]
        return ("gdp" if measure == "gdp" else "energy"), measure
    return None


def _unit_factor(measure: str, unit_text: str) -> float | None:
    """The factor from ``unit_text`` to the measure's stored unit, None if the unit does not fit."""
    if measure == "emission":
        return _UNIT_INDEX.get(cell_key(unit_text))
    return _ENERGY_UNIT_INDEX[measure].get(cell_key(unit_text))


def _known_unit(unit_text: str) -> bool:
    return cell_key(unit_text) in _UNIT_INDEX or any(cell_key(unit_text) in u for u in _ENERGY_UNIT_INDEX.values())


def observed_id(group: str, measure: str, year: int) -> str:
    """The indicator id of an observed value: ``so2_emission_2018_observed_t``,
    ``energy_intensity_decline_2018_observed_pct``, ``energy_increment_2018_observed_10kt_ce``."""
    if group == "gdp":
        return f"gdp_{year}_observed_100m_yuan"
    if group != "energy":
        return f"{group}_emission_{year}_observed_t"
    return (f"energy_intensity_decline_{year}_observed_pct" if measure == "intensity_decline"
            else f"energy_increment_{year}_observed_10kt_ce")


def resolve_place(gaz, text: str, *, row: int | None, field: str | None, source: str | None):
    """A city, or else a province (the province's own figures: 辽宁省, Liaoning); the gazetteer's error
    for the city level otherwise."""
    try:
        return gaz.resolve(text, level="city", row=row, field=field, source=source)
    except GazetteerError:
        provinces = gaz.candidates(text, level="province")
        if len(provinces) == 1:
            return provinces[0]
        raise


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Parsed:
    rows: pd.DataFrame
    encoding: str
    sha256: str
    file_name: str


def read_observed(data: bytes, *, name: str = "upload", source: str | None = None,
                  limits: Limits = LIMITS) -> Parsed:
    """Validate an observed-values file; return the normalised rows or raise with every problem.

    The file is read within ``limits`` (:mod:`geo.store.tableread`): a file past a bound is refused at
    that bound, before anything else is looked at.
    """
    table = read_table(data, name=name, limits=limits)
    header = [str(h) for h in table.header]
    columns: dict[str, int] = {}
    header_unit = ""  # a unit written in the value column's header, e.g. 排放量（万吨）
    problems: list[Problem] = []
    hrow = table.header_row
    for i, col in enumerate(header):
        key, bracketed = split_header(col)
        canon = _HEADER_INDEX.get(cell_key(col)) or _HEADER_INDEX.get(key)
        if canon == "value" and bracketed:
            header_unit = bracketed
        if canon and canon in columns:
            problems.append(Problem(f"two columns mean {canon!r}: {header[columns[canon]]!r} and {col!r}", row=hrow,
                                    field=col, source=name))
        elif canon:
            columns[canon] = i
    names = {canon: header[i] for canon, i in columns.items()}
    if "unit" not in columns and header_unit:
        if not _known_unit(header_unit):
            problems.append(Problem(f"unknown unit {header_unit!r} in the header; expected 吨/t or 万吨/10kt "
                                    "(energy: % or 万吨标准煤)", row=hrow, field=names.get("value"), source=name))
    missing = [c for c in _REQUIRED if c not in columns and not (c == "unit" and header_unit)]
    if problems and not missing:
        raise DataValidationError(problems)
    if missing:
        if len(columns) == 0:
            problems.append(Problem("not a table of observed values: no recognised header "
                                    f"(found {header[:8]})", row=hrow, source=name))
        for c in missing:
            problems.append(Problem(f"missing column {c!r} (accepted headers: {', '.join(_HEADERS[c][:6])} …)",
                                    row=hrow, field=c, source=name))
        raise DataValidationError(problems)
    if not table.rows:
        raise DataValidationError(Problem("no data rows", source=name))
    for first, last in table.empty_runs:
        problems.append(Problem("empty row" if first == last else f"empty rows {first:,}–{last:,}", row=first,
                                source=name))
    for row, n in table.extra:
        problems.append(Problem(f"{n} fields, more than the header's {len(header)}: a separator inside a value? "
                                "Quote the value or remove the separator", row=row, source=name))
    gaz = get_gazetteer()
    sha = hashlib.sha256(data).hexdigest()
    records: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    width = len(header)
    for i, cells in table.rows:
        cells = cells + [""] * (width - len(cells))
        rec = {canon: cells[j] for canon, j in columns.items()}
        row_problems: list[Problem] = []
        place = None
        try:
            city_text = unicodedata.normalize("NFKC", rec["city"]).strip()
            city_text = re.sub(r"^([0-9]{6})\.0$", r"\1", city_text)  # Excel: 210100.0
            place = resolve_place(gaz, city_text, row=i, field=names["city"], source=name)
            if not place.in_liaoning:
                row_problems.append(Problem(f"{place.name_zh} is in {place.province_zh}, not Liaoning", i,
                                            names["city"], name))
        except GazetteerError as exc:
            row_problems.extend(exc.problems)
        what = _what(rec["indicator"])
        if what is None:
            row_problems.append(Problem(f"unknown indicator {rec['indicator']!r}; expected one of "
                                        "COD/化学需氧量, NH3-N/氨氮, SO2/二氧化硫, NOx/氮氧化物, "
                                        "能耗强度降低率 (%), 能源消费增量 (万吨标准煤)", i, names["indicator"], name))
        year = None
        year_text = unicodedata.normalize("NFKC", rec["year"]).strip().removesuffix("年").removesuffix(".0")
        if not re.fullmatch(r"[0-9]{4}", year_text):
            row_problems.append(Problem(f"year {rec['year']!r} is not a four-digit year", i,
                                        names["year"], name))
        else:
            year = int(year_text)
            if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                row_problems.append(Problem(f"year {year} outside the indicator's range {YEAR_RANGE[0]}–"
                                            f"{YEAR_RANGE[1]}", i, names["year"], name))
        raw_value = rec["value"].strip()
        value, why = parse_number(raw_value, comma_grouping=table.separator in (",", ""))
        measure = what[1] if what else "emission"
        if why:
            row_problems.append(Problem(why, i, names["value"], name))
        elif value is not None and measure == "emission" and value < 0:
            row_problems.append(Problem(f"negative value {raw_value!r}", i, names["value"], name))
        elif value is not None and measure == "gdp" and value <= 0:
            row_problems.append(Problem(f"GDP {raw_value!r} is not above zero", i, names["value"], name))
        elif value is not None and measure == "intensity_decline" and not DECLINE_BOUNDS[0] < value < DECLINE_BOUNDS[1]:
            row_problems.append(Problem(f"decline {raw_value!r} % is not between {DECLINE_BOUNDS[0]:g} and "
                                        f"{DECLINE_BOUNDS[1]:g} %", i, names["value"], name))
        unit_text = rec["unit"].strip() if "unit" in columns else header_unit
        factor = _unit_factor(measure, unit_text) if what else (1.0 if _known_unit(unit_text) else None)
        if factor is None:
            expected = "吨/t or 万吨/10kt" if measure == "emission" else _ENERGY_UNIT_NAMES[measure]
            label = "" if measure == "emission" else f" for {_ENERGY_LABELS[measure]}"
            row_problems.append(Problem(f"unknown unit {unit_text!r}{label}; expected {expected}", i,
                                        names.get("unit", names["value"]), name))
        if row_problems:
            problems.extend(row_problems)
            continue
        # No problem in the row: every field was read.
        assert place is not None and what is not None and year is not None
        assert value is not None and factor is not None
        group = what[0]
        indicator_id = observed_id(group, measure, year)
        row_key = (place.adcode, indicator_id)
        if row_key in seen:
            label = POLLUTANTS[group][1] if group in POLLUTANTS else _ENERGY_LABELS[measure]
            problems.append(Problem(f"duplicate {place.name_zh} / {label} / {year}: also in row "
                                    f"{seen[row_key]}", i, names["city"], name))
            continue
        seen[row_key] = i
        stored_unit = "t" if measure == "emission" else _ENERGY_STORED_UNIT[measure]
        records.append({
            "adcode": place.adcode, "city_zh": place.name_zh, "pollutant": group,
            "indicator_id": indicator_id, "year": year,
            "value": round(value * factor, 6), "unit": stored_unit, "value_as_given": raw_value,
            "unit_as_given": unit_text,
            "conversion": "none" if factor == 1 else f"× {factor:g} ({unit_text} → {_unit_name(stored_unit)})",
            "flag": rec["flag"].strip() if "flag" in columns else "", "source_row": i,
        })
    problems += _implausible(records, name, names["value"])
    problems += check_source_text(source)
    if problems:
        raise DataValidationError(problems)
    rows = pd.DataFrame.from_records(records)
    rows["source"] = source or name
    return Parsed(rows, table.encoding, sha, name)


def _unit_name(unit: str) -> str:
    return {"10kt_ce": "万吨标准煤", "100m_yuan": "亿元"}.get(unit, unit)


def _implausible(records: list[dict], name: str, field: str) -> list[Problem]:
    """Values off by a unit: an emission more than :data:`PLAUSIBLE_FACTOR` times away from the place's
    2015 baseline (a city's: 辽政发〔2017〕21号 附件2–5 第1列; the province's: implied by clause 一(二),
    :func:`geo.measures.targets.province_baselines`), a yearly energy increment larger in size than
    PLAUSIBLE_FACTOR times the place's whole 2016–2020 increment cap (附件1 第2列; the province's: clause 一(二))."""
    from geo.measures.catalogue import load_quotas
    from geo.measures.targets import province_baselines, province_increment_cap

    q = load_quotas()
    base = q[q.indicator_id.str.endswith("_emission_2015_t")].set_index(["adcode", "indicator_id"]).value.to_dict()
    caps = q[q.indicator_id == "energy_increment_cap_10kt_ce"].set_index("adcode").value.to_dict()
    if any(r["adcode"] == LIAONING for r in records):
        base.update({(LIAONING, f"{p}_emission_2015_t"): v for p, (v, _) in province_baselines().items()})
        caps[LIAONING] = province_increment_cap()[0]
    problems = []
    for r in records:
        if r["pollutant"] == "gdp":  # no bundled figure to hold a city's GDP against
            continue
        if r["pollutant"] == "energy":
            cap = caps.get(r["adcode"])
            if r["unit"] == "10kt_ce" and cap and abs(r["value"]) > cap * PLAUSIBLE_FACTOR:
                problems.append(Problem(
                    f"implausible energy increment {r['value']:g} 万吨标准煤 for {r['city_zh']} {r['year']}: more than "
                    f"{PLAUSIBLE_FACTOR:g}x its whole 2016–2020 increment cap {cap:g} 万吨标准煤 (辽政发〔2017〕21号); "
                    "check the unit", r["source_row"], field, name))
            continue
        b = base.get((r["adcode"], f"{r['pollutant']}_emission_2015_t"))
        if b and not (b / PLAUSIBLE_FACTOR <= r["value"] <= b * PLAUSIBLE_FACTOR):
            problems.append(Problem(
                f"implausible value {r['value']:g} t for {r['city_zh']} {POLLUTANTS[r['pollutant']][1]} {r['year']}: "
                f"more than {PLAUSIBLE_FACTOR:g}x away from its 2015 baseline {b:g} t (辽政发〔2017〕21号); "
                "check the unit", r["source_row"], field, name))
    return problems


# --------------------------------------------------------------------------- store


def store_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).store_dir


_DATASET_ID = re.compile(r"^obs-\d{8}T\d{12}-[0-9a-f]{8}$")


def check_dataset_id(dataset_id: object) -> str:
    """``dataset_id`` if it has the form the store gives (``obs-<time>-<sha8>``); KeyError otherwise.

    Ids come from browsers and command lines: checked before any query is made with one.
    """
    if not isinstance(dataset_id, str) or not _DATASET_ID.match(dataset_id):
        raise KeyError(f"not a dataset id: {dataset_id!r}")
    return dataset_id


def _meta(row) -> dict:
    meta = json.loads(row.meta)
    meta.update(dataset_id=row.id, source=row.source, file_name=row.file_name, file_sha256=row.file_sha256,
                imported_at=row.imported_at, imported_by=row.imported_by or "", removed_at=row.deleted_at,
                removed_by=row.deleted_by)
    return meta


def list_datasets(settings: Settings | None = None, *, removed: bool = False) -> list[dict]:
    """Datasets in the store, oldest first; ``removed=True``: those removed and still restorable."""
    t = db.datasets
    with db.reading(settings, "list the datasets") as conn:
        q = sa.select(t).where(t.c.deleted_at.is_not(None) if removed else t.c.deleted_at.is_(None))
        return [_meta(r) for r in conn.execute(q.order_by(t.c.imported_at, t.c.id))]


def import_observed(
    data: bytes, *, name: str, source: str | None = None, settings: Settings | None = None, activate: bool = True,
    actor: str | None = None,
) -> dict:
    """Validate and store ``data`` as a new dataset in one transaction; return its metadata.

    A file identical (sha256) to a dataset in the store is not stored again: the metadata of that
    dataset is returned with ``existing=True``. ``actor`` is who imports (the audit log's who).
    """
    parsed = read_observed(data, name=name, source=source)
    actor = actor or default_actor()
    now = dt.datetime.now(dt.UTC)
    dataset_id = f"obs-{now.strftime('%Y%m%dT%H%M%S%f')}-{parsed.sha256[:8]}"
    rows = parsed.rows.assign(dataset_id=dataset_id)[STORED_COLUMNS]
    meta = {
        "dataset_id": dataset_id,
        "source": source or name,
        "file_name": name,
        "file_sha256": parsed.sha256,
        "encoding": parsed.encoding,
        "imported_at": db.now_text(now),
        "imported_by": actor,
        "rows": len(rows),
        "cities": int(rows[rows.adcode != LIAONING].adcode.nunique()),
        "province_rows": int((rows.adcode == LIAONING).sum()),
        "years": sorted(int(y) for y in rows.year.unique()),
        "conversions": sorted(set(rows.conversion) - {"none"}),
        "warnings": [] if (rows.year.astype(int) == PROGRESS_YEAR).any() else
        [f"no {PROGRESS_YEAR} values: progress against the 2020 caps needs {PROGRESS_YEAR} figures"],
    }
    t = db.datasets
    with db.writing(settings, "store the dataset") as conn:
        if conn.dialect.name == "postgresql":  # two uploads of one file at once: the second finds the first
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(parsed.sha256[:15], 16)})
        same = conn.execute(sa.select(t).where(t.c.file_sha256 == parsed.sha256, t.c.deleted_at.is_(None))
                            .order_by(t.c.imported_at)).first()
        if same is not None:
            db.record(conn, actor, "import-same-file", dataset_id=same.id, file_name=name, file_sha256=parsed.sha256,
                      detail=f"identical to {same.id}; not stored again")
            existing = _meta(same)
            existing.update(existing=True, activated=False)
            return existing
        db.insert_dataset(conn, meta, rows, actor=actor)
        db.record(conn, actor, "import", dataset_id=dataset_id, file_name=name, file_sha256=parsed.sha256,
                  detail=f"{len(rows)} rows; source {meta['source']}")
        # A dataset without values for the progress year is kept but not made the default:
        # it would empty the progress map of the dataset in use.
        meta["activated"] = bool(activate and not meta["warnings"])
        if meta["activated"]:
            db.set_state(conn, "active_dataset", dataset_id)
            db.record(conn, actor, "use", dataset_id=dataset_id)
        pause = float(os.environ.get("LNMAP_FAULT_PAUSE_BEFORE_COMMIT", "0") or 0)
        if pause:  # fault injection for the crash-safety test: everything written, nothing committed
            log.warning("fault injection: pausing %.1f s before the commit", pause)
            time.sleep(pause)
    meta["existing"] = False
    _purge_quietly(settings, actor)
    return meta


def _live(conn, dataset_id: str) -> bool:
    t = db.datasets
    return conn.execute(sa.select(t.c.id).where(t.c.id == dataset_id, t.c.deleted_at.is_(None))).first() is not None


def use_dataset(dataset_id: str | None, settings: Settings | None = None, *, actor: str | None = None) -> None:
    """Make ``dataset_id`` the one the map uses by default (None: no observed values)."""
    if dataset_id is not None:
        check_dataset_id(dataset_id)
    with db.writing(settings, "select the dataset") as conn:
        if dataset_id is not None and not _live(conn, dataset_id):
            raise KeyError(f"no dataset {dataset_id!r}")
        db.set_state(conn, "active_dataset", dataset_id)
        db.record(conn, actor or default_actor(), "use", dataset_id=dataset_id, detail=None if dataset_id else "none")


def active_dataset(settings: Settings | None = None) -> str | None:
    with db.reading(settings, "read the store") as conn:
        dataset_id = db.get_state(conn, "active_dataset")
        return dataset_id if dataset_id and _live(conn, dataset_id) else None


def remove_dataset(dataset_id: str, settings: Settings | None = None, *, actor: str | None = None) -> None:
    """Remove a dataset: it leaves every list at once, and can be restored for ``purge_days`` days."""
    check_dataset_id(dataset_id)
    actor = actor or default_actor()
    with db.writing(settings, "remove the dataset") as conn:
        if not _live(conn, dataset_id):
            raise KeyError(f"no dataset {dataset_id!r}")
        t = db.datasets
        conn.execute(t.update().where(t.c.id == dataset_id).values(deleted_at=db.now_text(), deleted_by=actor))
        if db.get_state(conn, "active_dataset") == dataset_id:
            db.set_state(conn, "active_dataset", None)
        row = conn.execute(sa.select(t.c.file_name, t.c.file_sha256).where(t.c.id == dataset_id)).one()
        db.record(conn, actor, "remove", dataset_id=dataset_id, file_name=row.file_name, file_sha256=row.file_sha256)
    _purge_quietly(settings, actor)


def restore_dataset(dataset_id: str, settings: Settings | None = None, *, actor: str | None = None) -> dict:
    """Bring back a removed dataset not yet purged (it is not made the default again)."""
    check_dataset_id(dataset_id)
    t = db.datasets
    with db.writing(settings, "restore the dataset") as conn:
        row = conn.execute(sa.select(t).where(t.c.id == dataset_id, t.c.deleted_at.is_not(None))).first()
        if row is None:
            raise KeyError(f"no removed dataset {dataset_id!r}")
        conn.execute(t.update().where(t.c.id == dataset_id).values(deleted_at=None, deleted_by=None))
        db.record(conn, actor or default_actor(), "restore", dataset_id=dataset_id, file_name=row.file_name,
                  file_sha256=row.file_sha256)
        return _meta(conn.execute(sa.select(t).where(t.c.id == dataset_id)).one())


def purge_removed(settings: Settings | None = None, *, days: float | None = None, actor: str | None = None) -> list[str]:
    """Delete for good the datasets removed more than ``days`` (default ``purge_days``) ago; their ids."""
    settings = settings or get_settings()
    days = settings.purge_days if days is None else days
    cutoff = db.now_text(dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
    t = db.datasets
    with db.writing(settings, "purge removed datasets") as conn:
        rows = conn.execute(sa.select(t.c.id, t.c.file_name, t.c.file_sha256)
                            .where(t.c.deleted_at.is_not(None), t.c.deleted_at <= cutoff)).all()
        for r in rows:
            conn.execute(db.observations.delete().where(db.observations.c.dataset_id == r.id))
            conn.execute(t.delete().where(t.c.id == r.id))
            db.record(conn, actor or default_actor(), "purge", dataset_id=r.id, file_name=r.file_name,
                      file_sha256=r.file_sha256, detail=f"removed more than {days:g} days ago")
    return [r.id for r in rows]


def _purge_quietly(settings: Settings | None, actor: str) -> None:
    """Purge after a change; a failure here is logged, never the change's failure."""
    try:
        purge_removed(settings, actor=actor)
    except StoreError as exc:
        log.warning("observed store: purge failed (%s)", exc)


def load_observed(dataset_id: str | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Rows of a dataset (default: the active one); empty frame when none is loaded.

    KeyError for an id that is not one, or a dataset not in the store (removed meanwhile).
    """
    dataset_id = dataset_id or active_dataset(settings)
    if dataset_id is None:
        return pd.DataFrame(columns=STORED_COLUMNS)
    check_dataset_id(dataset_id)
    o = db.observations
    with db.reading(settings, "read the dataset") as conn:
        if not _live(conn, dataset_id):
            raise KeyError(f"no dataset {dataset_id!r}")
        rows = conn.execute(sa.select(o).where(o.c.dataset_id == dataset_id).order_by(o.c.row_no)).mappings().all()
    frame = pd.DataFrame.from_records([dict(r) for r in rows], columns=["dataset_id", "row_no", *db.OBSERVATION_COLUMNS])
    frame["year"] = frame["year"].astype("int64")
    frame["source_row"] = frame["source_row"].astype("int64")
    frame["value"] = frame["value"].astype(float)
    return frame[STORED_COLUMNS]


# --------------------------------------------------------------------------- progress


STATUS = {"exceeded": ("超额完成", "exceeded"), "met": ("恰好完成", "met"), "not_met": ("未完成", "not met")}


def progress_table(cities: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Gap measures per city and pollutant, from the city table and observed rows.

    For each pollutant p with an observed ``PROGRESS_YEAR`` value:

    - ``p_emission_2020_observed_t`` = the observed value (t)
    - ``p_achieved_cut_pct`` = (2015 − observed) ÷ 2015 × 100
    - ``p_progress_pct`` = (2015 − observed) ÷ (2015 − cap) × 100 (100 = target reached)
    - ``p_gap_to_cap_t`` = observed − cap (positive: tonnes still to cut; negative: headroom)
    - ``p_target_status`` = exceeded (observed < cap), met (= cap at 0.01 t), not_met (> cap)
    """
    out = cities[["adcode"]].copy()
    obs = observed[observed.year.astype(int) == PROGRESS_YEAR] if len(observed) else observed
    for p in POLLUTANTS:
        values = obs[obs.pollutant == p].set_index("adcode").value if len(obs) else pd.Series(dtype=float)
        o = out.adcode.map(values).astype(float)
        e = cities[f"{p}_emission_2015_t"].astype(float)
        cap = cities[f"{p}_cap_2020_t"].astype(float)
        out[f"{p}_emission_2020_observed_t"] = o
        out[f"{p}_achieved_cut_pct"] = ((e - o) / e * 100).round(2)
        denom = (e - cap).where((e - cap) != 0)
        out[f"{p}_progress_pct"] = ((e - o) / denom * 100).round(2)
        gap = (o - cap).round(2)
        out[f"{p}_gap_to_cap_t"] = gap + 0.0
        out[f"{p}_target_status"] = np.select([gap.isna(), gap < 0, gap == 0], ["", "exceeded", "met"], "not_met")
    return out


def observed_sources(observed: pd.DataFrame) -> pd.DataFrame:
    """Per city x pollutant of the progress year: source, flag, conversion and the row it came from."""
    if not len(observed):
        return pd.DataFrame(columns=["adcode", "pollutant", "source", "flag", "conversion", "source_row", "dataset_id"])
    obs = observed[observed.year.astype(int) == PROGRESS_YEAR]
    return obs[["adcode", "pollutant", "source", "flag", "conversion", "source_row", "dataset_id"]]


# --------------------------------------------------------------------------- every year, and the path to the target


def annual_table(cities: pd.DataFrame, observed: pd.DataFrame, period=None) -> pd.DataFrame:
    """Measures of every observed year, per city: adcode, then for each pollutant p with a value

    - ``p_emission_Y_observed_t`` for every year Y the dataset has (2015–2025), in t;
    - for the years of the plan period (``period``, default 十三五: 2016–2020) when p has a value in it:
      ``p_path_Y_t`` = baseline − (baseline − cap) × (Y − base year) ÷ (target − base year), the straight
      line from the baseline to the cap, for every year of the period, and
      ``p_ahead_of_path_Y_t`` = path − observed (positive: ahead of the path) for the years observed.

    ``cities`` holds the period's baseline and cap columns (``Period.baseline_id``/``cap_id``); a city
    without them (not in the plan) gets no path: no data, never zero. Rounded to 0.01 t; the
    difference is taken of the rounded path, as the table prints it. Catalogue entries: :func:`geo.measures.catalogue.lookup`.
    Then the energy measures of :func:`geo.measures.energy.energy_table` (yearly values, cumulative decline and
    increment, progress against 附件1's targets).
    """
    from geo.measures.catalogue import THIRTEENTH
    from geo.measures.energy import energy_table

    per = period or THIRTEENTH
    out = cities[["adcode"]].copy()
    if not len(observed):
        return out
    obs = observed[observed.pollutant.isin(list(POLLUTANTS))]
    columns: dict[str, pd.Series] = {}
    for p in POLLUTANTS:
        mine = obs[obs.pollutant == p]
        if not len(mine):
            continue
        years = sorted(int(y) for y in mine.year.unique())
        by_year = {y: out.adcode.map(mine[mine.year.astype(int) == y].set_index("adcode").value).astype(float)
                   for y in years}
        for y in years:
            columns[f"{p}_emission_{y}_observed_t"] = by_year[y]
        base, cap = per.baseline_id(p), per.cap_id(p)
        if not any(per.base_year < y <= per.target_year for y in years) or base not in cities or cap not in cities:
            continue
        e, c = cities[base].astype(float).to_numpy(), cities[cap].astype(float).to_numpy()
        for y in range(per.base_year + 1, per.target_year + 1):
            path = pd.Series(e - (e - c) * (y - per.base_year) / per.span, index=out.index).round(2)
            columns[f"{p}_path_{y}_t"] = path
            if y in by_year:
                columns[f"{p}_ahead_of_path_{y}_t"] = (path - by_year[y]).round(2) + 0.0
    energy = energy_table(cities, observed, per).drop(columns="adcode").set_axis(out.index)
    return pd.concat([out, pd.DataFrame(columns, index=out.index), energy], axis=1)


def gdp_table(cities: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """adcode, then ``gdp_Y_observed_100m_yuan`` (地区生产总值, 亿元) for every year the dataset has GDP
    for; a city without a value is no data. The denominator of carbon intensity (:mod:`geo.carbon`)."""
    out = cities[["adcode"]].copy()
    mine = observed[observed.pollutant == "gdp"] if len(observed) else observed
    for y in sorted(int(y) for y in mine.year.unique()) if len(mine) else []:
        values = mine[mine.year.astype(int) == y].set_index("adcode").value
        out[f"gdp_{y}_observed_100m_yuan"] = out.adcode.map(values).astype(float)
    return out


def trajectory(cities: pd.DataFrame, observed: pd.DataFrame, adcode: str, pollutant: str, period=None) -> list[dict]:
    """One city's path and observed values, year by year, for a chart: ``[{year, path_t, observed_t,
    ahead_of_path_t}]`` from the period's base year to its target year (base year: the baseline; target
    year: the cap), then any later observed year (no path there). Missing values are None."""
    from geo.measures.catalogue import THIRTEENTH

    per = period or THIRTEENTH
    row = cities[cities.adcode == str(adcode)]
    if row.empty:
        return []
    r = row.iloc[0]
    num = lambda v: None if v is None or pd.isna(v) else float(v)  # noqa: E731
    e, c = num(r.get(per.baseline_id(pollutant))), num(r.get(per.cap_id(pollutant)))
    mine = observed[(observed.pollutant == pollutant) & (observed.adcode.astype(str) == str(adcode))] \
        if len(observed) else observed
    values = {int(y): float(v) for y, v in zip(mine.year, mine.value)} if len(mine) else {}
    out = []
    for y in sorted(set(range(per.base_year, per.target_year + 1)) | set(values)):
        path = None
        if e is not None and c is not None and per.base_year <= y <= per.target_year:
            path = round(e - (e - c) * (y - per.base_year) / per.span, 2)
        o = values.get(y)
        out.append({"year": y, "path_t": path, "observed_t": o,
                    "ahead_of_path_t": None if path is None or o is None else round(path - o, 2) + 0.0})
    return out
