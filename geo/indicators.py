"""Per-city indicators: the annex tables of 辽政发〔2017〕21号, derived measures, the join.

The five annexes are parsed from the document text by :func:`parse_annexes` (build
time, ``lnmap build-indicators``) into a tidy table, one row per city x indicator x
year, each with its citation. Derived measures are computed here, at load time, from
that table; their formula is part of the catalogue (:data:`CATALOGUE`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import DataValidationError, GazetteerError, Problem
from geo.gazetteer import Gazetteer, get_gazetteer, normalise
from geo.provenance import QUOTA_DOC, cite
from geo.settings import Settings, get_settings

log = logging.getLogger(__name__)

POLLUTANTS = {
    "cod": ("化学需氧量", "COD"),
    "nh3n": ("氨氮", "NH3-N"),
    "so2": ("二氧化硫", "SO2"),
    "nox": ("氮氧化物", "NOx"),
}
UNITS = {"t": ("吨", "t"), "%": ("%", "%"), "10kt_ce": ("万吨标准煤", "10⁴ t standard coal")}


@dataclass(frozen=True)
class Indicator:
    """One indicator id of the interface contract."""

    id: str
    group: str  # cod | nh3n | so2 | nox | energy
    measure: str
    name_zh: str
    name_en: str
    unit: str
    year: str  # the year (or period) the value refers to
    base_year: str
    kind: str  # annex | derived | observed
    source: str  # citation for annex values; inputs' citations for derived ones
    formula: str = ""
    annex: int | None = None
    column: int | None = None
    diverging: bool = False  # gap measures: coloured around a centre, not sequentially
    centre: float = 0.0  # the centre of a diverging measure (0, or 100 for progress %)

    @property
    def unit_zh(self) -> str:
        return UNITS.get(self.unit, (self.unit, self.unit))[0]

    @property
    def unit_en(self) -> str:
        return UNITS.get(self.unit, (self.unit, self.unit))[1]


# mutmut cannot switch a mutant on in code that runs at import: the catalogue is checked by its tests instead.
def _catalogue() -> tuple[Indicator, ...]:  # pragma: no mutate block
    doc = QUOTA_DOC.number
    items = [
        Indicator(
            "energy_intensity_cut_target_pct", "energy", "cut_target",
            "“十三五”能耗强度降低目标", "2016–2020 cut in energy use per unit GDP",
            "%", "2020", "2015", "annex", cite(doc, "附件1 第1列"), annex=1, column=1,
        ),
        Indicator(
            "energy_increment_cap_10kt_ce", "energy", "increment_cap",
            "“十三五”能耗增量控制目标", "Cap on added energy use 2016–2020",
            "10kt_ce", "2016–2020", "", "annex", cite(doc, "附件1 第2列"), annex=1, column=2,
        ),
    ]
    for annex, (p, (zh, en)) in enumerate(POLLUTANTS.items(), start=2):
        src = lambda col, annex=annex: cite(doc, f"附件{annex} 第{col}列")  # noqa: E731
        src12, src123 = cite(doc, f"附件{annex} 第1、2列"), cite(doc, f"附件{annex} 第1–3列")
        items += [
            Indicator(f"{p}_emission_2015_t", p, "emission_2015", f"{zh} 2015年排放量", f"{en} emissions 2015",
                      "t", "2015", "", "annex", src(1), annex=annex, column=1),
            Indicator(f"{p}_cut_target_pct", p, "cut_target", f"{zh} 2020年下降比例", f"{en} 2020 cut target vs 2015",
                      "%", "2020", "2015", "annex", src(2), annex=annex, column=2),
            Indicator(f"{p}_key_project_cut_t", p, "key_project_cut", f"{zh} 2020年重点工程减排量",
                      f"{en} 2020 cut from key projects", "t", "2020", "2015", "annex", src(3), annex=annex, column=3),
            Indicator(f"{p}_cap_2020_t", p, "cap_2020", f"{zh} 2020年排放上限", f"{en} allowed 2020 emissions",
                      "t", "2020", "2015", "derived", src12,
                      formula=f"{p}_emission_2015_t × (1 − {p}_cut_target_pct ÷ 100), rounded to 0.01"),
            Indicator(f"{p}_required_cut_t", p, "required_cut", f"{zh} 2020年应减排量", f"{en} required cut by 2020",
                      "t", "2020", "2015", "derived", src12,
                      formula=f"{p}_emission_2015_t × {p}_cut_target_pct ÷ 100, rounded to 0.01"),
            Indicator(f"{p}_cut_beyond_projects_t", p, "cut_beyond_projects", f"{zh} 重点工程以外需减排量",
                      f"{en} required cut not covered by key projects", "t", "2020", "2015", "derived",
                      src123,
                      formula=f"{p}_emission_2015_t × {p}_cut_target_pct ÷ 100 − {p}_key_project_cut_t, rounded to 0.01",
                      diverging=True),
            Indicator(f"{p}_project_coverage_pct", p, "project_coverage", f"{zh} 重点工程减排覆盖率",
                      f"{en} share of required cut covered by key projects", "%", "2020", "2015", "derived",
                      src123,
                      formula=f"{p}_key_project_cut_t ÷ ({p}_emission_2015_t × {p}_cut_target_pct ÷ 100) × 100, rounded to 0.01"),
            Indicator(f"{p}_emission_2020_observed_t", p, "observed_2020", f"{zh} 2020年实际排放量",
                      f"{en} observed 2020 emissions", "t", "2020", "", "observed",
                      "user import (dataset, file, row and flag shown with each value)"),
            Indicator(f"{p}_achieved_cut_pct", p, "achieved_cut", f"{zh} 实际下降比例", f"{en} achieved cut vs 2015",
                      "%", "2020", "2015", "observed", f"{src(1)}; user import",
                      formula=f"({p}_emission_2015_t − {p}_emission_2020_observed_t) ÷ {p}_emission_2015_t × 100"),
            Indicator(f"{p}_progress_pct", p, "progress", f"{zh} 减排目标完成进度", f"{en} progress towards the 2020 cut",
                      "%", "2020", "2015", "observed", f"{src12}; user import",
                      formula=f"({p}_emission_2015_t − {p}_emission_2020_observed_t) ÷ "
                              f"({p}_emission_2015_t − {p}_cap_2020_t) × 100; 100 = target reached",
                      diverging=True, centre=100.0),
            Indicator(f"{p}_gap_to_cap_t", p, "gap_to_cap", f"{zh} 距2020年上限差额", f"{en} observed minus 2020 cap",
                      "t", "2020", "2015", "observed", f"{src12}; user import",
                      formula=f"{p}_emission_2020_observed_t − {p}_cap_2020_t; > 0 still to cut, < 0 below the cap",
                      diverging=True),
        ]
    return tuple(items)


CATALOGUE: tuple[Indicator, ...] = _catalogue()
BY_ID = {i.id: i for i in CATALOGUE}
ANNEX_INDICATORS = [i for i in CATALOGUE if i.kind == "annex"]

QUOTA_FILE = "annex_quotas.csv"
#: Derived values are rounded to the annexes' printed precision (0.01 t, 0.01 %).
DERIVED_DECIMALS = 2
CATALOGUE_FILE = "indicators.csv"
QUOTA_COLUMNS = [
    "adcode", "city_zh", "city_as_printed", "indicator_id", "year", "value", "value_as_printed",
    "unit", "document", "annex", "column", "column_header", "citation", "source_line",
]

# What each annex's header must say in each column (after whitespace is removed).
_HEADER_CHECKS = {
    1: ("城市", "能耗强度降低目标(%)", "能耗增量控制目标(万吨标准煤)"),
    **{a: ("城市", "2015年排放量(吨)", "2020年下降比例(%)", "2020年重点工程减排量(吨)") for a in (2, 3, 4, 5)},
}
_ANNEX_HEAD = re.compile(r"^\s*附件\s*([1-5])\s*$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


# --------------------------------------------------------------------------- parsing


def read_text_utf8(path: Path) -> str:
    """Read a text file that must be UTF-8; name the line of the first bad byte otherwise."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = "; it decodes as GBK/GB18030 — save it as UTF-8"
        except UnicodeDecodeError:
            pass
        raise DataValidationError(
            Problem(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}){hint}",
                    row=line, source=Path(path).name)
        ) from None


def _split_cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"\t+| {2,}|\u3000{2,}", line.strip()) if c.strip()]


def parse_annexes(
    text: str, *, gazetteer: Gazetteer | None = None, source: str = QUOTA_DOC.number
) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Parse annexes 1-5 of 辽政发〔2017〕21号 into the tidy quota table.

    Returns the table and each annex's notes (``注：`` lines). Every problem found is
    collected and raised together as one :class:`DataValidationError`, each naming
    its line (``row``) and column (``field``); nothing is dropped silently.
    """
    gaz = gazetteer or get_gazetteer()
    by_id = {(i.annex, i.column): i for i in ANNEX_INDICATORS}
    lines = text.splitlines()
    problems: list[Problem] = []
    records: list[dict] = []
    notes: dict[int, list[str]] = {}
    starts = [(n, int(m.group(1))) for n, line in enumerate(lines) if (m := _ANNEX_HEAD.match(line))]
    found = sorted({a for _, a in starts})
    for lost in sorted(set(range(1, 6)) - set(found)):
        problems.append(Problem(f"annex {lost} (附件 {lost}) not found", source=source))
    for k, (start, annex) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        block = list(range(start + 1, end))
        header_at = next((n for n in block if normalise(lines[n]).startswith("城市")), None)
        if header_at is None:
            problems.append(Problem(f"annex {annex}: no header row starting with 城市", row=start + 1, source=source))
            continue
        header = _split_cells(lines[header_at])
        expected = _HEADER_CHECKS[annex]
        if len(header) != len(expected):
            problems.append(Problem(
                f"annex {annex}: header has {len(header)} columns, expected {len(expected)} {expected}",
                row=header_at + 1, source=source))
            continue
        for col, (got, want) in enumerate(zip(header, expected)):
            if want not in normalise(got).replace("“", "").replace("”", "").replace("十三五", ""):
                problems.append(Problem(f"annex {annex}: header {got!r} does not say {want!r}",
                                        row=header_at + 1, field=f"column {col}", source=source))
        seen: dict[str, int] = {}
        n = header_at + 1
        while n < end and lines[n].strip():
            row_no = n + 1
            cells = _split_cells(lines[n])
            n += 1
            if len(cells) != len(expected):
                problems.append(Problem(
                    f"annex {annex}: {len(cells)} cells, expected {len(expected)} (missing column?): {lines[n - 1].strip()!r}",
                    row=row_no, source=source))
                continue
            try:
                place = gaz.resolve(cells[0], level="city", row=row_no, field="城市", source=source)
            except GazetteerError as exc:
                problems.extend(exc.problems)
                continue
            if not place.in_liaoning:
                problems.append(Problem(f"{cells[0]!r} is {place.name_zh} of {place.province_zh}, not a Liaoning city",
                                        row=row_no, field="城市", source=source))
                continue
            if place.adcode in seen:
                problems.append(Problem(f"annex {annex}: duplicate row for {place.name_zh} (first at line {seen[place.adcode]})",
                                        row=row_no, field="城市", source=source))
                continue
            seen[place.adcode] = row_no
            for col, printed in enumerate(cells[1:], start=1):
                ind = by_id[(annex, col)]
                bare = printed.replace(",", "").removesuffix("%").strip()
                if not _NUMBER.match(bare):
                    problems.append(Problem(f"annex {annex}: value {printed!r} is not a non-negative number",
                                            row=row_no, field=header[col], source=source))
                    continue
                records.append({
                    "adcode": place.adcode, "city_zh": place.name_zh, "city_as_printed": cells[0],
                    "indicator_id": ind.id, "year": ind.year, "value": float(bare), "value_as_printed": printed,
                    "unit": ind.unit, "document": QUOTA_DOC.number, "annex": annex, "column": col,
                    "column_header": header[col], "citation": ind.source, "source_line": row_no,
                })
        absent = {p.adcode for p in gaz.cities()} - set(seen)
        if absent and not any(p.row and start < p.row <= end for p in problems):
            names = sorted(gaz.places[a].name_zh for a in absent)
            problems.append(Problem(f"annex {annex}: no row for {', '.join(names)}", row=header_at + 1, source=source))
        while n < end:
            if lines[n].strip().startswith("注"):
                notes.setdefault(annex, []).append(lines[n].strip())
            n += 1
    if problems:
        raise DataValidationError(problems)
    return pd.DataFrame.from_records(records, columns=QUOTA_COLUMNS), notes


def seed_path(settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    matches = sorted(settings.seeds_dir.glob(QUOTA_DOC.seed_prefix + "*.txt"))
    if not matches:
        raise FileNotFoundError(f"no {QUOTA_DOC.seed_prefix}*.txt under {settings.seeds_dir}")
    return matches[0]


def catalogue_frame() -> pd.DataFrame:
    rows = []
    for ind in CATALOGUE:
        rec = asdict(ind)
        rec["unit_zh"], rec["unit_en"] = ind.unit_zh, ind.unit_en
        rows.append(rec)
    frame = pd.DataFrame(rows)
    return frame.astype({"annex": "Int64", "column": "Int64"})


# --------------------------------------------------------------------------- loading


def load_quotas(settings: Settings | None = None) -> pd.DataFrame:
    """The committed tidy annex table."""
    settings = settings or get_settings()
    return pd.read_csv(settings.indicators_dir / QUOTA_FILE, dtype={"adcode": str, "year": str})


def derive(wide: pd.DataFrame) -> pd.DataFrame:
    """Add the derived measures to a wide city table (one column per annex indicator).

    Formulas are those of :data:`CATALOGUE`. Results are rounded to
    :data:`DERIVED_DECIMALS`, the precision the annexes print their inputs with: a
    difference below it (NH3-N's cut beyond key projects is 0.005 t before rounding)
    is rounding noise, not a gap. A zero required cut gives a missing coverage.
    """
    out = wide.copy()
    r = DERIVED_DECIMALS
    for p in POLLUTANTS:
        e, pct, key = out[f"{p}_emission_2015_t"], out[f"{p}_cut_target_pct"], out[f"{p}_key_project_cut_t"]
        required = e * pct / 100
        out[f"{p}_cap_2020_t"] = (e * (1 - pct / 100)).round(r)
        out[f"{p}_required_cut_t"] = required.round(r)
        out[f"{p}_cut_beyond_projects_t"] = (required - key).round(r) + 0.0  # + 0.0 turns -0.0 into 0.0
        req = required.where(required != 0)
        out[f"{p}_project_coverage_pct"] = (key / req * 100).round(r)
    return out


def city_table(
    settings: Settings | None = None, quotas: pd.DataFrame | None = None, observed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per Liaoning city: adcode, names, then one column per indicator id.

    With ``observed`` rows (:func:`geo.observed.load_observed`) the gap measures are added.
    """
    settings = settings or get_settings()
    gaz = get_gazetteer(settings)
    quotas = load_quotas(settings) if quotas is None else quotas
    wide = quotas.pivot(index="adcode", columns="indicator_id", values="value")
    cities = pd.DataFrame(
        [{"adcode": p.adcode, "name_zh": p.name_zh, "name_en": p.name_en} for p in gaz.cities()]
    ).set_index("adcode")
    unmatched = sorted(set(wide.index) - set(cities.index))
    if unmatched:
        raise DataValidationError([Problem(f"adcode {a} in the quota table is not a Liaoning city", field="adcode")
                                   for a in unmatched])
    table = cities.join(wide, how="left")
    empty = table.index[table[[i.id for i in ANNEX_INDICATORS]].isna().all(axis=1)].tolist()
    if empty:
        raise DataValidationError([Problem(f"city {a} has no quota values", field="adcode") for a in empty])
    table = derive(table).reset_index()
    if observed is not None and len(observed):
        from geo.observed import progress_table

        table = table.merge(progress_table(table, observed), on="adcode", how="left")
    ordered = ["adcode", "name_zh", "name_en"] + [i.id for i in CATALOGUE if i.id in table.columns]
    ordered += [c for c in table.columns if c.endswith("_target_status")]
    return table[ordered].sort_values("adcode").reset_index(drop=True)


def load_cities(settings: Settings | None = None, observed: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The 14 city polygons (EPSG:4326) joined to every indicator and region membership.

    >>> gdf = load_cities()
    >>> len(gdf), round(float(gdf.set_index("name_zh").loc["沈阳市", "cod_emission_2015_t"]), 2)
    (14, 241522.89)
    """
    from geo.boundaries import load_layer
    from geo.regions import membership_wide

    settings = settings or get_settings()
    shapes = load_layer("cities", settings)[["adcode", "geometry"]]
    table = city_table(settings, observed=observed)
    merged = shapes.merge(table, on="adcode", how="outer", indicator=True)
    bad = merged[merged["_merge"] != "both"]
    if len(bad):
        raise DataValidationError([Problem(f"city {a} is only in the {m.replace('_only', '')} table", field="adcode")
                                   for a, m in zip(bad.adcode, bad["_merge"])])
    merged = merged.drop(columns="_merge").merge(membership_wide(settings), on="adcode", how="left")
    first = ["adcode", "name_zh", "name_en"]
    return gpd.GeoDataFrame(merged[first + [c for c in merged.columns if c not in first]],
                            geometry="geometry", crs=shapes.crs)


def export_table(settings: Settings | None = None, observed: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract's export: adcode, name_zh, name_en, region memberships, one column per indicator."""
    from geo.regions import membership_wide

    settings = settings or get_settings()
    table = city_table(settings, observed=observed).merge(membership_wide(settings), on="adcode", how="left")
    regions = [c for c in table.columns if c.startswith("region_")]
    indicators = [i.id for i in CATALOGUE if i.id in table.columns]
    indicators += [c for c in table.columns if c.endswith("_target_status")]
    # Gap columns of pollutants the observed dataset does not cover would be empty: leave them out.
    observed_ids = {i.id for i in CATALOGUE if i.kind == "observed"}
    indicators = [c for c in indicators if not ((c in observed_ids or c.endswith("_target_status"))
                                                and (table[c].isna() | (table[c] == "")).all())]
    return table[["adcode", "name_zh", "name_en", *regions, *indicators]]


def values_equal(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=0, atol=1e-9))
