"""The indicator data package: build it from the sources, describe it, validate it.

``lnmap build-indicators`` regenerates the generated tables under ``data/indicators/``
(the tidy annex table, the indicator catalogue, the sites, the reconciliation) and the
Frictionless descriptor ``datapackage.json``. ``lnmap validate`` checks the descriptor
(types, required fields, patterns, unique keys) and the references between tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path

import pandas as pd

from geo.core.errors import DataValidationError, Problem
from geo.core.fileio import write_atomic
from geo.core.provenance import DOCUMENTS, QUOTA_DOC, SOURCES_MANIFEST, check_sources, cite
from geo.core.settings import DESCRIPTOR, DESIGNATIONS_FILE, RECONCILIATION_FILE, TARGETS_FILE, Settings, get_settings
from geo.measures.catalogue import (
    CATALOGUE,
    CATALOGUE_FILE,
    POLLUTANTS,
    QUOTA_FILE,
    catalogue_frame,
    parse_annexes,
    read_text_utf8,
    seed_path,
)
from geo.measures.cities import city_table
from geo.places.power_plants import SCHEMAS as PLANT_SCHEMAS

log = logging.getLogger(__name__)

ADCODE = {"type": "string", "constraints": {"required": True, "pattern": r"\d{6}"}}
DOCUMENT_NUMBERS = [d.number for d in DOCUMENTS]


def _f(name: str, description: str, type_: str = "string", *, unit: str = "", source: str = "", **constraints) -> dict:
    field: dict[str, object] = {"name": name, "type": type_, "description": description}
    if unit:
        field["unit"] = unit
    if source:
        field["source"] = source
    if constraints:
        field["constraints"] = constraints
    return field


def _adcode(description: str = "GB/T 2260 six-digit division code") -> dict:
    return {"name": "adcode", "description": description, **ADCODE}


SCHEMAS: dict[str, dict] = {
    QUOTA_FILE: {
        "title": "Per-city quotas of 辽政发〔2017〕21号 annexes 1-5 (tidy: city x indicator x year)",
        "source": f"{QUOTA_DOC.number} 附件1-5; parsed by `lnmap build-indicators`",
        "fields": [
            _adcode(),
            _f("city_zh", "canonical city name", required=True),
            _f("city_as_printed", "the city name as printed in the annex (spaced short form)", required=True),
            _f("indicator_id", "indicator id (indicators.csv)", required=True),
            _f("year", "year or period the value refers to", required=True),
            _f("value", "the figure; unit in the unit column", "number", unit="see unit column",
               source="see citation column", required=True, minimum=0),
            _f("value_as_printed", "the figure exactly as printed", required=True),
            _f("unit", "unit id (t, %, 10kt_ce = 万吨标准煤)", required=True, enum=["t", "%", "10kt_ce"]),
            _f("document", "document number (文号)", required=True, enum=[QUOTA_DOC.number]),
            _f("annex", "annex number (附件)", "integer", required=True, minimum=1, maximum=5),
            _f("column", "value column of the annex table, 1-based after the city column", "integer", required=True),
            _f("column_header", "the column header as printed", required=True),
            _f("citation", "document number, annex and column", required=True),
            _f("source_line", "line of the annex row in the document text", "integer", required=True),
        ],
        "primaryKey": ["adcode", "indicator_id", "year"],
    },
    CATALOGUE_FILE: {
        "title": "Indicator catalogue: ids, names, units, years, sources and formulas",
        "source": "geo/measures/catalogue.py CATALOGUE (the interface contract's indicator ids)",
        "fields": [
            _f("id", "indicator id", required=True, unique=True),
            _f("group", "pollutant or energy", required=True, enum=[*POLLUTANTS, "energy"]),
            _f("measure", "what is measured", required=True),
            _f("name_zh", "Chinese name", required=True),
            _f("name_en", "English name", required=True),
            _f("unit", "unit id", required=True),
            _f("year", "year or period", required=True),
            _f("base_year", "base year of a cut, if any"),
            _f("kind", "annex | derived | observed", required=True, enum=["annex", "derived", "observed"]),
            _f("source", "citation (annex values) or the inputs' citations (derived)", required=True),
            _f("formula", "formula of a derived value"),
            _f("annex", "annex number", "integer"),
            _f("column", "annex column", "integer"),
            _f("diverging", "gap measure coloured around a centre", "boolean", required=True),
            _f("centre", "centre of a diverging measure", "number", unit="unit of the indicator",
               source="definition of the measure (0, or 100 for progress %)", required=True),
            _f("unit_zh", "unit in Chinese", required=True),
            _f("unit_en", "unit in English", required=True),
        ],
        "primaryKey": ["id"],
    },
    TARGETS_FILE: {
        "title": "Provincial (and Dalian, 辽源) targets of the five documents, with verbatim quotes",
        "source": "the five source documents; each row's document, clause and quote",
        "fields": [
            _f("target_id", "target id", required=True, unique=True),
            _f("scope_adcode", "whose target: 210000 Liaoning, 210200 Dalian, 220400 辽源 (Jilin)", required=True,
               enum=["210000", "210200", "220400"]),
            _f("scope_name_zh", "name of the scope", required=True),
            _f("indicator_zh", "indicator (Chinese)", required=True),
            _f("indicator_en", "indicator (English)", required=True),
            _f("value", "target value", "number", unit="see unit column", source="see document, clause, quote",
               required=True),
            _f("unit", "unit as in the document", required=True),
            _f("relation", "≤, ≥, =, ≈ (左右: about), cut (vs base year) or rise", required=True,
               enum=["≤", "≥", "=", "≈", "cut", "rise"]),
            _f("base_year", "base year of a cut or rise", "integer"),
            _f("target_year", "target year (empty where the text states none)", "integer"),
            _f("document", "document number", required=True, enum=DOCUMENT_NUMBERS),
            _f("clause", "clause as printed (一(二) = clause 一, sub-clause (二))", required=True),
            _f("quote", "verbatim text of the document containing the value", required=True),
        ],
        "primaryKey": ["target_id"],
    },
    DESIGNATIONS_FILE: {
        "title": "Policy designations of cities and counties, with verbatim quotes",
        "source": "the five source documents; each row's document, clause and quote",
        "fields": [
            _f("designation_id", "designation id", required=True),
            _f("designation_zh", "designation (Chinese)", required=True),
            _f("designation_en", "designation (English)", required=True),
            _f("kind", "category", required=True),
            _adcode("code of the city or county designated"),
            _f("place_zh", "name of the place", required=True),
            _f("level", "city or county", required=True, enum=["city", "county"]),
            _f("document", "document number", required=True, enum=DOCUMENT_NUMBERS),
            _f("clause", "clause as printed", required=True),
            _f("quote", "verbatim text naming place and designation", required=True),
            _f("note", "caveats: planned vs existing, uncertainty"),
        ],
        "primaryKey": ["designation_id", "adcode"],
    },
    "regions.csv": {
        "title": "The four designations of 辽环发〔2023〕39号 clause 十七",
        "source": "辽环发〔2023〕39号 十七",
        "fields": [
            _f("region_id", "region id", required=True, unique=True),
            _f("name_zh", "name (Chinese)", required=True),
            _f("name_en", "name (English)", required=True),
            _f("short_zh", "short name (Chinese)", required=True),
            _f("short_en", "short name (English)", required=True),
            _f("document", "document naming it", required=True),
            _f("clause", "clause naming it", required=True),
            _f("note", "caveats"),
        ],
        "primaryKey": ["region_id"],
    },
    "region_members.csv": {
        "title": "Region memberships: many-to-many, partial members and confidence, with sources",
        "source": "shared/reference/regions.md (public sources named per row)",
        "fields": [
            _f("region_id", "region id (regions.csv)", required=True),
            _adcode("member city"),
            _f("city_zh", "member city", required=True),
            _f("membership", "full or partial", required=True, enum=["full", "partial"]),
            _f("confidence", "how sure the sources are", required=True, enum=["high", "medium", "low"]),
            _f("source", "where the membership comes from", required=True),
            _f("note", "caveats"),
        ],
        "primaryKey": ["region_id", "adcode"],
    },
    "sites.csv": {
        "title": "Sites named in the documents, with coordinate precision and source",
        "source": "shared/reference/sites.csv (sources per row; Global Energy Monitor data CC BY 4.0)",
        "fields": [
            _f("site_id", "site id", required=True, unique=True),
            _f("name_zh", "name (Chinese)", required=True),
            _f("name_en", "name (English)", required=True),
            _f("kind", "park, mine, port, steel, nuclear, airport, reserve", required=True,
               enum=["park", "mine", "port", "steel", "nuclear", "airport", "reserve"]),
            _adcode("city the site is in"),
            _f("city_zh", "city the site is in", required=True),
            _f("lon", "WGS84 longitude", "number", unit="degree", source="coordinate_source column"),
            _f("lat", "WGS84 latitude", "number", unit="degree", source="coordinate_source column"),
            _f("placed", "has a sourced coordinate (drawn on the map)", "boolean", required=True),
            _f("precision", "precision flag of the coordinate", required=True),
            _f("uncertainty_m", "radius implied by a precision stated in degrees; empty if unstated", "number",
               unit="m", source="derived from precision: degrees x 111320 m"),
            _f("coordinate_source", "where the coordinate comes from"),
            _f("named_in", "document and clause naming the site", required=True),
            _f("note", "caveats"),
        ],
        "primaryKey": ["site_id"],
    },
    RECONCILIATION_FILE: {
        "title": "City sums of annexes 2-5 against the provincial totals of 辽政发〔2017〕21号 一(二)",
        "source": "annex_quotas.csv and provincial_targets.csv; formulas per column",
        "fields": [
            _f("pollutant", "pollutant id", required=True, enum=list(POLLUTANTS)),
            _f("pollutant_zh", "pollutant (Chinese)", required=True),
            _f("city_sum_2015_t", "sum of the 14 cities' 2015 emissions", "number", unit="t",
               source="辽政发〔2017〕21号 附件2-5 第1列 (sum)", required=True),
            _f("city_sum_cap_2020_t", "sum of the cities' derived 2020 caps", "number", unit="t",
               source="derived: Σ emission_2015 × (1 − cut%/100)", required=True),
            _f("province_cap_2020_t", "provincial 2020 total", "number", unit="t",
               source="辽政发〔2017〕21号 一(二), 万吨 × 10000", required=True),
            _f("province_cut_pct", "provincial cut 2015→2020", "number", unit="%", source="辽政发〔2017〕21号 一(二)",
               required=True),
            _f("province_2015_implied_t", "provincial 2015 total implied by the cap and the cut", "number", unit="t",
               source="derived: province_cap_2020_t ÷ (1 − province_cut_pct/100)", required=True),
            _f("city_share_of_province_2015_pct", "city sum ÷ implied provincial 2015 total", "number", unit="%",
               source="derived: city_sum_2015_t ÷ province_2015_implied_t × 100", required=True),
            _f("city_caps_minus_province_cap_t", "city caps sum − provincial cap", "number", unit="t",
               source="derived: city_sum_cap_2020_t − province_cap_2020_t", required=True),
            _f("note", "annex note, e.g. SO2/NOx city baselines exclude province-managed power plants"),
        ],
        "primaryKey": ["pollutant"],
    },
}
SCHEMAS.update(PLANT_SCHEMAS)


# --------------------------------------------------------------------------- build


def _csv(df: pd.DataFrame):
    return lambda p: df.to_csv(p, index=False, encoding="utf-8", lineterminator="\n")


def reconciliation(quotas: pd.DataFrame, targets: pd.DataFrame, notes: dict[int, list[str]]) -> pd.DataFrame:
    """City sums against the provincial totals of 辽政发〔2017〕21号 clause 一(二)."""
    wide = city_table(quotas=quotas)
    t = targets.set_index("target_id")
    rows = []
    for annex, (p, (zh, _)) in enumerate(POLLUTANTS.items(), start=2):
        total = t.loc[f"ln2020_{p}_total_10kt"]
        cut = t.loc[f"ln2020_{p}_cut_pct"]
        if total.unit != "万吨" or cut.unit != "%":
            raise DataValidationError(Problem(f"unexpected units {total.unit!r}/{cut.unit!r}", field="unit",
                                              source=TARGETS_FILE))
        cap = float(total.value) * 10_000
        pct = float(cut.value)
        implied = cap / (1 - pct / 100)
        city_sum = float(wide[f"{p}_emission_2015_t"].sum())
        caps = float(wide[f"{p}_cap_2020_t"].sum())
        rows.append({
            "pollutant": p, "pollutant_zh": zh, "city_sum_2015_t": round(city_sum, 2),
            "city_sum_cap_2020_t": round(caps, 2), "province_cap_2020_t": cap, "province_cut_pct": pct,
            "province_2015_implied_t": round(implied, 2),
            "city_share_of_province_2015_pct": round(city_sum / implied * 100, 2),
            "city_caps_minus_province_cap_t": round(caps - cap, 2),
            "note": "; ".join(f"{cite(QUOTA_DOC.number, f'附件{annex}')} {n}" for n in notes.get(annex, [])),
        })
    return pd.DataFrame(rows)


def _resource_name(filename: str) -> str:
    return filename.removesuffix(".csv").replace("_", "-")


def descriptor(settings: Settings | None = None) -> dict:
    settings = settings or get_settings()
    resources = []
    for name, schema in SCHEMAS.items():
        path = settings.indicators_dir / name
        res = {
            "name": _resource_name(name),
            "path": name,
            "title": schema["title"],
            "description": f"Source: {schema['source']}",
            "format": "csv",
            "encoding": "utf-8",
            "schema": {"fields": schema["fields"], "primaryKey": schema["primaryKey"]},
        }
        if path.exists():
            res["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        resources.append(res)
    return {
        "name": "liaoning-indicator-map",
        "title": "辽宁减污降碳指标地图 — indicator data",
        "licenses": [{"name": "MIT", "title": "code and derived tables"}],
        "sources": [{"title": f"{d.number} {d.title}", "path": d.url} if d.url else {"title": f"{d.number} {d.title}"}
                    for d in DOCUMENTS],
        "resources": resources,
    }


def build_indicators(settings: Settings | None = None) -> dict[str, int]:
    """Regenerate the generated tables and the descriptor; return row counts.

    Nothing is written unless every input validates.
    """
    settings = settings or get_settings()
    out = settings.indicators_dir
    text = read_text_utf8(seed_path(settings))
    quotas, notes = parse_annexes(text)
    targets = pd.read_csv(out / TARGETS_FILE, dtype=str, keep_default_na=False)
    recon = reconciliation(quotas, targets, notes)
    from geo.places.sites import build_sites

    ref = settings.reference_dir / "sites.csv"
    sites = build_sites(pd.read_csv(ref, dtype=str, keep_default_na=False))
    write_atomic(out / QUOTA_FILE, _csv(quotas))
    write_atomic(out / CATALOGUE_FILE, _csv(catalogue_frame()))
    write_atomic(out / "sites.csv", _csv(sites))
    write_atomic(out / RECONCILIATION_FILE, _csv(recon))
    desc = descriptor(settings)
    desc["created"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    desc["command"] = "lnmap build-indicators"
    write_atomic(out / DESCRIPTOR, lambda p: p.write_text(json.dumps(desc, ensure_ascii=False, indent=1) + "\n",
                                                           encoding="utf-8"))
    return {QUOTA_FILE: len(quotas), CATALOGUE_FILE: len(CATALOGUE), "sites.csv": len(sites),
            RECONCILIATION_FILE: len(recon)}


# --------------------------------------------------------------------------- validate


def validate_package(data_dir: Path | None = None, settings: Settings | None = None) -> list[Problem]:
    """Every problem in the data package at ``data_dir`` (default: the bundled data)."""
    from frictionless import Package

    settings = settings or get_settings()
    base = Path(data_dir) if data_dir else settings.data_dir
    ind_dir = base / "indicators"
    problems: list[Problem] = []
    desc_path = ind_dir / DESCRIPTOR
    if not desc_path.exists():
        return [Problem("descriptor missing", source=str(desc_path.name))]
    report = Package(str(desc_path)).validate()
    files = {_resource_name(name): name for name in SCHEMAS}
    for task in report.tasks:
        for err in task.errors:
            row = getattr(err, "row_number", None)
            field = getattr(err, "field_name", None)
            note = err.note
            if err.type == "hash-count":
                note += " — the file changed since `lnmap build-indicators` wrote the descriptor"
            problems.append(Problem(f"{err.type}: {note}", row, field, files.get(task.name, task.name)))
    for err in report.errors:
        problems.append(Problem(f"{err.type}: {err.note}", source=DESCRIPTOR))
    # The row-level content checks run whatever the descriptor check found, so that a
    # changed file is reported row by row and not only as a changed hash.
    problems += _check_references(ind_dir, base / "boundaries" / "places.csv")
    if (base / "boundaries" / "cities.geojson").exists():
        from geo.places.boundaries import load_layer
        from geo.places.power_plants import check_power_plants

        problems += check_power_plants(ind_dir, load_layer("cities", Settings(data_dir=base)))
    problems += [Problem(msg, source="sources/" + SOURCES_MANIFEST) for msg in check_sources(base / "sources")]
    return problems


def _check_references(ind_dir: Path, places_csv: Path) -> list[Problem]:
    problems: list[Problem] = []
    places = pd.read_csv(places_csv, dtype=str, keep_default_na=False)
    adcodes = set(places.adcode)
    cities = set(places[(places.level == "city") & places.adcode.str.startswith("21")].adcode)

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(ind_dir / name, dtype=str, keep_default_na=False)

    catalogue = read(CATALOGUE_FILE)
    for i, rec in enumerate(catalogue.to_dict("records"), start=2):
        for col in ("unit", "source"):
            if not rec[col].strip():
                problems.append(Problem(f"indicator {rec['id']} has no {col}", i, col, CATALOGUE_FILE))
        if rec["kind"] == "derived" and not rec["formula"].strip():
            problems.append(Problem(f"derived indicator {rec['id']} has no formula", i, "formula", CATALOGUE_FILE))
    known = set(catalogue.id)
    quotas = read(QUOTA_FILE)
    for i, rec in enumerate(quotas.to_dict("records"), start=2):
        if rec["adcode"] not in cities:
            problems.append(Problem(f"adcode {rec['adcode']} is not a Liaoning city", i, "adcode", QUOTA_FILE))
        if rec["indicator_id"] not in known:
            problems.append(Problem(f"indicator {rec['indicator_id']!r} not in {CATALOGUE_FILE}", i, "indicator_id",
                                    QUOTA_FILE))
    annex_ids = set(catalogue[catalogue.kind == "annex"].id)
    have = set(zip(quotas.adcode, quotas.indicator_id))
    for a in sorted(cities):
        for ind in sorted(annex_ids):
            if (a, ind) not in have:
                problems.append(Problem(f"city {a} has no {ind} row (every city has every annex value)",
                                        field="indicator_id", source=QUOTA_FILE))
    for i, rec in enumerate(quotas.to_dict("records"), start=2):
        printed = rec["value_as_printed"].replace(",", "").removesuffix("%").strip()
        try:
            same = abs(float(printed) - float(rec["value"])) < 1e-9
        except ValueError:
            same = False
        if not same:
            problems.append(Problem(f"value {rec['value']!r} differs from the value as printed "
                                    f"{rec['value_as_printed']!r}", i, "value", QUOTA_FILE))
    regions = set(read("regions.csv").region_id)
    for name, col in (("region_members.csv", "adcode"), ("sites.csv", "adcode"), (DESIGNATIONS_FILE, "adcode"),
                      (TARGETS_FILE, "scope_adcode")):
        table = read(name)
        for i, code in enumerate(table[col], start=2):
            if code not in adcodes:
                problems.append(Problem(f"adcode {code} does not exist in the boundaries' places.csv", i, col, name))
        if name == "region_members.csv":
            for i, rid in enumerate(table.region_id, start=2):
                if rid not in regions:
                    problems.append(Problem(f"region {rid!r} not in regions.csv", i, "region_id", name))
    return problems


def validate_or_raise(data_dir: Path | None = None) -> None:
    problems = validate_package(data_dir)
    if problems:
        raise DataValidationError(problems)
