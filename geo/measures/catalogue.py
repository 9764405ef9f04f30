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

import pandas as pd

from geo.core.errors import DataValidationError, GazetteerError, Problem
from geo.core.provenance import QUOTA_DOC, cite
from geo.core.settings import PROJECTED_CRS, Settings, get_settings
from geo.core.vocabulary import T
from geo.places.gazetteer import Gazetteer, get_gazetteer, normalise

log = logging.getLogger(__name__)

POLLUTANTS = {
    "cod": ("化学需氧量", "COD"),
    "nh3n": ("氨氮", "NH3-N"),
    "so2": ("二氧化硫", "SO2"),
    "nox": ("氮氧化物", "NOx"),
}
UNITS = {"t": ("吨", "t"), "%": ("%", "%"), "10kt_ce": ("万吨标准煤", "10⁴ t standard coal"),
         "t/km2": ("吨/平方千米", "t/km²"), "100m_yuan": ("亿元", "10⁸ yuan"),
         "t/10k_yuan": ("吨/万元", "t per 10⁴ yuan")}


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
    return tuple(_with_densities(items))


# --------------------------------------------------------------------------- per-area densities
#
# A total in tonnes makes a big city look "polluting" by its size; divided by the city's area it
# becomes a rate (t/km²) that a choropleth may show. The area is the committed city polygon's, in
# EPSG:4550 (geo.places.boundaries.city_areas_km2).

#: The totals that get a per-area density, with the density's name (zh, en) after the pollutant's.
DENSITY_OF = {
    "emission_2015": ("2015年单位面积排放量", "emissions 2015 per km²"),
    "cap_2020": ("2020年单位面积排放上限", "allowed 2020 emissions per km²"),
    "required_cut": ("2020年单位面积应减排量", "required cut by 2020 per km²"),
}
#: Densities are rounded to 0.001 t/km² (1 kg/km²): the smallest, NH3-N's required cut, is about
#: 0.02 t/km², so every value keeps at least two significant figures; more would claim a precision
#: the simplified polygons (areas within about 0.2 %) do not have.
DENSITY_DECIMALS = 3
DENSITY_SUFFIX = "_per_km2"


def is_density(ind: Indicator) -> bool:
    """A per-area density (t/km²) of a total: a rate, drawn as a choropleth."""
    return ind.id.endswith(DENSITY_SUFFIX)


def density_id(total_id: str) -> str:
    """``cod_emission_2015_t`` -> ``cod_emission_2015_t_per_km2``."""
    return total_id + DENSITY_SUFFIX


def _density(total: Indicator) -> Indicator:  # pragma: no mutate block
    from geo.places.boundaries import AREA_SOURCE

    zh, en = DENSITY_OF[total.measure]
    p_zh, p_en = POLLUTANTS[total.group]
    return Indicator(
        density_id(total.id), total.group, f"{total.measure}_density", f"{p_zh} {zh}", f"{p_en} {en}",
        "t/km2", total.year, total.base_year, "derived", f"{total.source}; {AREA_SOURCE}",
        formula=f"{total.id} ÷ city area (km², {PROJECTED_CRS}), rounded to 0.{'0' * (DENSITY_DECIMALS - 1)}1",
    )


def _with_densities(items: list[Indicator]) -> list[Indicator]:  # pragma: no mutate block
    """The catalogue with each pollutant's densities after its key-project coverage."""
    out: list[Indicator] = []
    for ind in items:
        out.append(ind)
        if ind.measure == "project_coverage":
            out += [_density(t) for t in items if t.group == ind.group and t.measure in DENSITY_OF]
    return out


def add_densities(table: pd.DataFrame, areas: pd.Series) -> pd.DataFrame:
    """Add the per-area densities to a wide city table with an ``adcode`` column.

    ``density = total ÷ area``, t/km², rounded to :data:`DENSITY_DECIMALS`; ``areas`` is km² by adcode
    (:func:`geo.places.boundaries.city_areas_km2`). A city with no polygon is an error, not a missing value.
    """
    area = table["adcode"].astype(str).map(areas)
    missing = table.loc[area.isna(), "adcode"].tolist()
    if missing:
        raise DataValidationError([Problem(f"city {a} has no polygon to measure its area", field="adcode")
                                   for a in missing])
    out = table.copy()
    for ind in CATALOGUE:
        if is_density(ind):
            total = ind.id.removesuffix(DENSITY_SUFFIX)
            out[ind.id] = (out[total] / area.to_numpy()).round(DENSITY_DECIMALS)
    return out


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


# --------------------------------------------------------------------------- years and plan periods
#
# Measures of a year or of a later plan period have ids with the year in them
# (``so2_emission_2018_observed_t``, ``so2_path_2018_t``, ``so2_cap_2025_t``): they are not rows
# of :data:`CATALOGUE` (which lists what the bundled tables always hold) but are described on
# demand by :func:`lookup`, with the same fields, formula and citation as the catalogue's.

#: Years an observed value may refer to (:data:`geo.measures.observed.YEAR_RANGE` is this range).
OBSERVED_YEARS = (2015, 2025)
OBSERVED_SOURCE = "user import (dataset, file, row and flag shown with each value)"


@dataclass(frozen=True)
class Period:
    """A plan period: base year, target year and, per group (cod … energy), where its baseline and
    targets come from. The bundled one is 十三五 (:data:`THIRTEENTH`); later ones are imported
    (:mod:`geo.measures.plans`)."""

    name: str
    base_year: int
    target_year: int
    sources: tuple[tuple[str, str], ...] = ()  # (group, citation)

    def source(self, group: str) -> str:
        return dict(self.sources).get(group, "")

    @property
    def span(self) -> int:
        return self.target_year - self.base_year

    def baseline_id(self, p: str) -> str:
        return f"{p}_emission_{self.base_year}_t"

    def cap_id(self, p: str) -> str:
        return f"{p}_cap_{self.target_year}_t"


THIRTEENTH = Period(
    "十三五", 2015, 2020,
    tuple((p, cite(QUOTA_DOC.number, f"附件{annex} 第1、2列")) for annex, p in enumerate(POLLUTANTS, start=2))
    + (("energy", cite(QUOTA_DOC.number, "附件1 第1、2列")),),
)

_P = "|".join(POLLUTANTS)
DYNAMIC = [
    (re.compile(rf"^({_P})_emission_(\d{{4}})_observed_t$"), "observed_year"),
    (re.compile(rf"^({_P})_path_(\d{{4}})_t$"), "path"),
    (re.compile(rf"^({_P})_ahead_of_path_(\d{{4}})_t$"), "ahead_of_path"),
    (re.compile(rf"^({_P})_emission_(\d{{4}})_t$"), "emission"),
    (re.compile(rf"^({_P})_cut_target_(\d{{4}})_pct$"), "cut_target"),
    (re.compile(rf"^({_P})_cap_(\d{{4}})_t$"), "cap"),
    (re.compile(rf"^({_P})_required_cut_(\d{{4}})_t$"), "required_cut"),
    (re.compile(rf"^({_P})_key_project_cut_(\d{{4}})_t$"), "key_project_cut"),
    (re.compile(rf"^({_P})_progress_(\d{{4}})_pct$"), "progress"),
    (re.compile(rf"^({_P})_gap_to_cap_(\d{{4}})_t$"), "gap_to_cap"),
    (re.compile(r"^(energy)_intensity_cut_target_(\d{4})_pct$"), "intensity_cut_target"),
    (re.compile(r"^(energy)_increment_cap_(\d{4})_10kt_ce$"), "increment_cap"),
    (re.compile(r"^(energy)_intensity_decline_(\d{4})_observed_pct$"), "intensity_decline_observed"),
    (re.compile(r"^(energy)_increment_(\d{4})_observed_10kt_ce$"), "increment_observed"),
    (re.compile(r"^(energy)_intensity_cumulative_decline_(\d{4})_pct$"), "intensity_cumulative_decline"),
    (re.compile(r"^(energy)_increment_cumulative_(\d{4})_10kt_ce$"), "increment_cumulative"),
    (re.compile(r"^(energy)_intensity_progress_(\d{4})_pct$"), "intensity_progress"),
    (re.compile(r"^(energy)_increment_headroom_(\d{4})_10kt_ce$"), "increment_headroom"),
    (re.compile(r"^(gdp)_(\d{4})_observed_100m_yuan$"), "gdp_observed"),
]


def parse_id(indicator_id: str) -> tuple[str, str, int] | None:
    """``so2_path_2018_t`` -> (``so2``, ``path``, 2018); None for an id without a year in it."""
    for pattern, measure in DYNAMIC:
        m = pattern.match(indicator_id)
        if m:
            return m.group(1), measure, int(m.group(2))
    return None


def lookup(indicator_id: str, period: Period | None = None) -> Indicator | None:
    """The catalogue entry of any indicator id: a :data:`CATALOGUE` row, or one described from its id
    (a year's observed value, the path to a plan's cap, a later plan's targets). ``period``: the plan
    the id belongs to (default 十三五), for its base and target years and its citations.

    >>> lookup("so2_path_2018_t").formula
    'so2_emission_2015_t − (so2_emission_2015_t − so2_cap_2020_t) × (2018 − 2015) ÷ 5, rounded to 0.01'
    """
    if indicator_id in BY_ID:
        return BY_ID[indicator_id]
    parsed = parse_id(indicator_id)
    if parsed is None:
        return None
    g, measure, y = parsed
    per = period or THIRTEENTH
    b, t = per.base_year, per.target_year
    if g == "energy":
        return _energy_indicator(indicator_id, measure, y, per)
    if g == "gdp":
        return Indicator(indicator_id, "gdp", f"gdp_{y}", f"{y}年地区生产总值", f"GDP {y} (observed)", "100m_yuan",
                         str(y), "", "observed", OBSERVED_SOURCE)
    zh, en = POLLUTANTS[g]
    src = per.source(g)
    base, cap = per.baseline_id(g), per.cap_id(g)
    obs = f"{g}_emission_{y}_observed_t"
    ind = lambda *a, **k: Indicator(indicator_id, g, *a, **k)  # noqa: E731
    if measure == "observed_year":
        return ind(f"observed_{y}", f"{zh} {y}年实际排放量", f"{en} observed {y} emissions", "t", str(y), "",
                   "observed", OBSERVED_SOURCE)
    if measure == "path":
        return ind("path", f"{zh} {y}年目标路径值", f"{en} {y} on the straight path to the {t} cap", "t", str(y),
                   str(b), "derived", src,
                   formula=f"{base} − ({base} − {cap}) × ({y} − {b}) ÷ {per.span}, rounded to 0.01")
    if measure == "ahead_of_path":
        return ind("ahead_of_path", f"{zh} {y}年领先目标路径量", f"{en} {y} ahead of the path to the {t} cap", "t",
                   str(y), str(b), "observed", f"{src}; user import",
                   formula=f"{g}_path_{y}_t − {obs}, rounded to 0.01; > 0 ahead of the path, < 0 behind it",
                   diverging=True)
    if measure == "emission":
        return ind(f"emission_{y}", f"{zh} {y}年排放量", f"{en} emissions {y}", "t", str(y), "", "plan", src)
    if measure == "cut_target":
        return ind("cut_target", f"{zh} {y}年下降比例（较{b}年）", f"{en} {y} cut target vs {b}", "%", str(y), str(b),
                   "plan", src)
    if measure == "key_project_cut":
        return ind("key_project_cut", f"{zh} {y}年重点工程减排量", f"{en} {y} cut from key projects", "t", str(y),
                   str(b), "plan", src)
    cut = f"{g}_cut_target_{t}_pct"
    if measure == "cap":
        return ind("cap", f"{zh} {y}年排放上限", f"{en} allowed {y} emissions", "t", str(y), str(b), "derived", src,
                   formula=f"{base} × (1 − {cut} ÷ 100), rounded to 0.01")
    if measure == "required_cut":
        return ind("required_cut", f"{zh} {y}年应减排量", f"{en} required cut by {y}", "t", str(y), str(b), "derived",
                   src, formula=f"{base} × {cut} ÷ 100, rounded to 0.01")
    if measure == "progress":
        return ind("progress", f"{zh} {y}年减排目标完成进度", f"{en} progress towards the {y} cut", "%", str(y), str(b),
                   "observed", f"{src}; user import",
                   formula=f"({base} − {obs}) ÷ ({base} − {cap}) × 100; 100 = target reached",
                   diverging=True, centre=100.0)
    # gap_to_cap
    return ind("gap_to_cap", f"{zh} 距{y}年上限差额", f"{en} observed minus {y} cap", "t", str(y), str(b), "observed",
               f"{src}; user import",
               formula=f"{obs} − {cap}; > 0 still to cut, < 0 below the cap", diverging=True)


def _energy_indicator(indicator_id: str, measure: str, y: int, per: Period) -> Indicator:
    b, t = per.base_year, per.target_year
    src = per.source("energy")
    thirteenth = per.name == THIRTEENTH.name
    cut_id = "energy_intensity_cut_target_pct" if thirteenth else f"energy_intensity_cut_target_{t}_pct"
    cap_id = "energy_increment_cap_10kt_ce" if thirteenth else f"energy_increment_cap_{t}_10kt_ce"
    ind = lambda *a, **k: Indicator(indicator_id, "energy", *a, **k)  # noqa: E731
    if measure == "intensity_cut_target":
        return ind("cut_target", f"{b + 1}–{y}年能耗强度降低目标", f"{b + 1}–{y} cut in energy use per unit GDP", "%",
                   str(y), str(b), "plan", src)
    if measure == "increment_cap":
        return ind("increment_cap", f"{b + 1}–{y}年能耗增量控制目标", f"Cap on added energy use {b + 1}–{y}", "10kt_ce",
                   f"{b + 1}–{y}", "", "plan", src)
    if measure == "intensity_decline_observed":
        return ind(f"intensity_decline_{y}", f"{y}年能耗强度实际降低率", f"Observed {y} decline in energy use per unit GDP",
                   "%", str(y), str(y - 1), "observed", OBSERVED_SOURCE)
    if measure == "increment_observed":
        return ind(f"increment_{y}", f"{y}年能源消费实际增量", f"Observed {y} increment in energy use", "10kt_ce",
                   str(y), str(y - 1), "observed", OBSERVED_SOURCE)
    span = f"k = {b + 1}–{y}"
    years = f"{b + 1}–{y}" if y > b + 1 else str(y)  # 2016, not 2016–2016
    if measure == "intensity_cumulative_decline":
        return ind("intensity_cumulative_decline", f"{years}年能耗强度累计降低率",
                   f"Cumulative decline in energy use per unit GDP {years}", "%", str(y), str(b), "observed",
                   "user import",
                   formula=f"(1 − Π(1 − energy_intensity_decline_k_observed_pct ÷ 100) over {span}) × 100: "
                           "yearly declines compound, they are not added, rounded to 0.01")
    if measure == "increment_cumulative":
        return ind("increment_cumulative", f"{years}年能源消费累计增量", f"Cumulative increment in energy use {years}",
                   "10kt_ce", years, str(b), "observed", "user import",
                   formula=f"Σ energy_increment_k_observed_10kt_ce over {span}, rounded to 0.01")
    if measure == "intensity_progress":
        return ind("intensity_progress", f"能耗强度降低目标完成进度（{years}年）",
                   f"Progress towards the energy-intensity target ({years})", "%", str(y), str(b), "observed",
                   f"{src}; user import",
                   formula=f"energy_intensity_cumulative_decline_{y}_pct ÷ {cut_id} × 100; 100 = target reached",
                   diverging=True, centre=100.0)
    # increment_headroom
    return ind("increment_headroom", f"能耗增量余量（{years}年）", f"Energy increment left under the cap ({years})",
               "10kt_ce", years, str(b), "observed", f"{src}; user import",
               formula=f"{cap_id} − energy_increment_cumulative_{y}_10kt_ce; < 0 over the cap", diverging=True)


def templates() -> list[Indicator]:
    """The ids with a year in them, one per kind, ``Y``/``T``/``B`` for the year (``lnmap indicators``):
    the year field gives the years each may take."""
    years = f"{OBSERVED_YEARS[0]}–{OBSERVED_YEARS[1]}"
    path_years = f"{THIRTEENTH.base_year + 1}–{THIRTEENTH.target_year}"
    out = []
    for p in POLLUTANTS:
        for pattern, year, example in (
            (f"{p}_emission_Y_observed_t", years, f"{p}_emission_2018_observed_t"),
            (f"{p}_path_Y_t", f"{path_years}, B+1–T", f"{p}_path_2018_t"),
            (f"{p}_ahead_of_path_Y_t", f"{path_years}, B+1–T", f"{p}_ahead_of_path_2018_t"),
            (f"{p}_emission_B_t", "B (a plan)", ""),
            (f"{p}_cut_target_T_pct", "T (a plan)", ""),
            (f"{p}_cap_T_t", "T (a plan)", ""),
            (f"{p}_required_cut_T_t", "T (a plan)", ""),
            (f"{p}_key_project_cut_T_t", "T (a plan)", ""),
            (f"{p}_progress_T_pct", "T (a plan)", ""),
            (f"{p}_gap_to_cap_T_t", "T (a plan)", ""),
        ):
            out.append(_template(pattern, year, example or pattern.replace("_B_", "_2020_").replace("_T_", "_2025_"),
                                 THIRTEENTH if example else Period("十四五", 2020, 2025)))
    e = "energy"
    for pattern, year, example in (
        # Observed energy (geo.measures.observed reads it; geo.measures.energy derives the rest): yearly values, then per year
        # of the plan period the cumulative decline and increment against 附件1's targets.
        (f"{e}_intensity_decline_Y_observed_pct", years, f"{e}_intensity_decline_2018_observed_pct"),
        (f"{e}_increment_Y_observed_10kt_ce", years, f"{e}_increment_2018_observed_10kt_ce"),
        (f"{e}_intensity_cumulative_decline_Y_pct", f"{path_years}, B+1–T", f"{e}_intensity_cumulative_decline_2018_pct"),
        (f"{e}_intensity_progress_Y_pct", f"{path_years}, B+1–T", f"{e}_intensity_progress_2018_pct"),
        (f"{e}_increment_cumulative_Y_10kt_ce", f"{path_years}, B+1–T", f"{e}_increment_cumulative_2018_10kt_ce"),
        (f"{e}_increment_headroom_Y_10kt_ce", f"{path_years}, B+1–T", f"{e}_increment_headroom_2018_10kt_ce"),
        (f"{e}_intensity_cut_target_T_pct", "T (a plan)", ""),
        (f"{e}_increment_cap_T_10kt_ce", "T (a plan)", ""),
    ):
        out.append(_template(pattern, year, example or pattern.replace("_T_", "_2025_"),
                             THIRTEENTH if example else Period("十四五", 2020, 2025)))
    # GDP (地区生产总值, 亿元) of a year: the denominator of carbon intensity.
    out.append(_template("gdp_Y_observed_100m_yuan", years, "gdp_2018_observed_100m_yuan", THIRTEENTH))
    return out


def _template(pattern: str, year: str, example: str, period: Period) -> Indicator:
    ind = lookup(example, period)
    assert ind is not None, example
    swap = ({str(period.target_year): "T", str(period.base_year): "B", str(period.base_year + 1): "B+1"}
            if period is not THIRTEENTH else {})
    concrete = re.search(r"_(\d{4})_", example)
    y = concrete.group(1) if concrete else ""

    def general(text: str) -> str:
        if period is THIRTEENTH:
            return text.replace(example, pattern).replace(f"_{y}_", "_Y_").replace(f"({y} − ", "(Y − ").replace(y, "Y")
        for k, v in swap.items():
            text = text.replace(k, v)
        return text

    # A yearly value's base is the year before (Y − 1): the example's would be a fixed year.
    base = "Y − 1" if y and ind.base_year == str(int(y) - 1) else general(ind.base_year)
    return Indicator(pattern, ind.group, general(ind.measure), general(ind.name_zh), general(ind.name_en), ind.unit,
                     year, base, ind.kind, ind.source if period is THIRTEENTH else "the plan's 出处 column",
                     general(ind.formula), diverging=ind.diverging, centre=ind.centre)


def formula_words(ind: Indicator, lang: str, period: Period | None = None) -> str:
    """An indicator's formula in words, ids with a year in them included (:func:`geo.measures.catalogue.words`
    names only the catalogue's ids); ``period``: the plan the ids belong to (default 十三五)."""
    text = ind.formula
    if not text:
        return ""
    for token in sorted(set(re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", text)), key=len, reverse=True):
        if token in BY_ID:
            continue
        other = lookup(token, period)
        if other is not None:
            text = text.replace(token, other.name_zh if lang == "zh" else other.name_en)
    if lang == "zh":
        text = (text.replace("; > 0 ahead of the path, < 0 behind it", "；大于 0 为领先目标路径，小于 0 为落后")
                .replace(": yearly declines compound, they are not added", "：逐年降低率连乘，不是相加")
                .replace(" over k = ", "，k = ").replace("energy_intensity_decline_k_observed_pct", "k年能耗强度实际降低率")
                .replace("energy_increment_k_observed_10kt_ce", "k年能源消费实际增量")
                .replace("; < 0 over the cap", "；小于 0 为超出上限"))
    if lang == "en":
        text = (text.replace("energy_intensity_decline_k_observed_pct", "observed decline in year k")
                .replace("energy_increment_k_observed_10kt_ce", "observed increment in year k"))
    return words(text, lang)


def words(text: str, lang: str) -> str:
    """Any text with the catalogue's indicator ids replaced by their names, and the English
    phrases of the formulas given in Chinese (``rounded to 0.01`` → ``保留两位小数``)."""
    if not text:
        return ""
    for other in sorted(CATALOGUE, key=lambda i: len(i.id), reverse=True):
        if other.id in text:
            text = text.replace(other.id, T(lang, other.name_zh, other.name_en))
    if lang == "zh":
        text = (text.replace(", rounded to 0.001", "，保留三位小数").replace(", rounded to 0.01", "，保留两位小数")
                .replace("; 100 = target reached", "；100 表示完成目标")
                .replace("; > 0 still to cut, < 0 below the cap", "；大于 0 为仍需减排，小于 0 为低于上限")
                .replace(" over members", "（成员市之和）"))
        text = re.sub(r"city area \(km², ([^)]+)\)", r"城市面积（平方千米，\1）", text)
    return text


def formula_text(ind, lang: str) -> str:
    """An indicator's formula in words: its ids replaced by their names (``"" `` if it has none)."""
    return words(ind.formula, lang) if ind.formula else ""
