"""What the allocation rules read: the cities, the 2017 annexes' columns, and the user's own inputs.

The bundled inputs are the annexes of 辽政发〔2017〕21号 (``data/indicators/annex_quotas.csv``: 2015
emissions, the 2020 cut %, the 2020 key-project cut of COD, NH3-N, SO2 and NOx for the 14 cities) and
the reconciliation of the cities' sums with the provincial totals (``reconciliation.csv``, carrying the
annex note that the SO2/NOx city bases exclude the province-managed power plants).

Nothing else is bundled: no GDP, no population, no emissions of other years. Rules that need them
read them from the scenario's own input table (one row per city × year, columns ``adcode`` or
``city``, ``year``, and any of ``emission_t``, ``gdp_100m_yuan``, ``population_10k``,
``province_plants_t``, each row with its ``source``) or a list of key projects (``city``,
``project``, ``tonnes``, ``source``). :func:`read_inputs_csv` and :func:`read_projects_csv` read
those from CSV with one message per row and field; nothing is guessed, and a city without a value a
rule needs is refused by the rule, naming the city.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.core.errors import DataValidationError, Problem
from geo.core.settings import RECONCILIATION_FILE, Settings, get_settings

ANNEX_FILE = "annex_quotas.csv"
DOCUMENT = "辽政发〔2017〕21号"
#: Pollutants of the annexes (annex number) and CO2, which has no bundled base.
POLLUTANTS = {"cod": 2, "nh3n": 3, "so2": 4, "nox": 5}
ALL_POLLUTANTS = (*POLLUTANTS, "co2")
POLLUTANT_NAMES = {"cod": ("化学需氧量", "COD"), "nh3n": ("氨氮", "NH3-N"), "so2": ("二氧化硫", "SO2"),
                   "nox": ("氮氧化物", "NOx"), "co2": ("二氧化碳", "CO2")}
#: The annexes' base and target year.
ANNEX_BASE_YEAR, ANNEX_TARGET_YEAR = 2015, 2020
#: Pollutants whose annex city bases exclude the province-managed power plants (附件4、5 注).
EXCLUDES_PROVINCE_PLANTS = ("so2", "nox")
PLANTS_NOTE_ZH = "各市 2015 年排放量不含省直管电厂"
#: Columns of the scenario's input table, with what they hold.
INPUT_COLUMNS = {
    "emission_t": "emissions of the pollutant in the year (t)",
    "gdp_100m_yuan": "GDP (亿元, any constant price basis, the same for every city)",
    "population_10k": "resident population (万人)",
    "province_plants_t": "emissions of province-managed power plants in the city (t), subtracted from emission_t "
                         "for SO2/NOx under annex2017",
}
_INPUT_ALIASES = {
    "adcode": ["adcode", "行政区划代码", "代码"], "city": ["city", "城市", "市", "地市"], "year": ["year", "年份", "年"],
    "emission_t": ["emission_t", "emission", "排放量", "排放量(吨)", "排放量(t)"],
    "gdp_100m_yuan": ["gdp_100m_yuan", "gdp", "地区生产总值", "地区生产总值(亿元)", "gdp(亿元)"],
    "population_10k": ["population_10k", "population", "人口", "常住人口", "常住人口(万人)", "人口(万人)"],
    "province_plants_t": ["province_plants_t", "省直管电厂", "省直管电厂排放量", "省直管电厂排放量(吨)"],
    "source": ["source", "出处", "来源"],
}
_PROJECT_ALIASES = {
    "adcode": ["adcode", "行政区划代码", "代码"], "city": ["city", "城市", "市", "地市"],
    "project": ["project", "项目", "工程", "项目名称"], "tonnes": ["tonnes", "t", "减排量", "减排量(吨)", "削减量"],
    "source": ["source", "出处", "来源"],
}
MAX_INPUT_BYTES = 2 * 1024 * 1024


def _key(text: object) -> str:
    return re.sub(r"[\s_（）()]", "", str(text)).lower().replace("（", "(").replace("）", ")")


@dataclass(frozen=True)
class Cities:
    """The 14 cities in the annexes' order: adcode, name_zh, and their printed names."""

    table: pd.DataFrame  # adcode (index), name_zh, order

    @property
    def adcodes(self) -> list[str]:
        return list(self.table.index)

    def name(self, adcode: str) -> str:
        return str(self.table.at[adcode, "name_zh"])

    def resolve(self, text: object) -> str | None:
        """The adcode of ``text`` (an adcode, 沈阳市, 沈阳 or 沈 阳), or None."""
        k = re.sub(r"\s", "", str(text)).removesuffix(".0")
        if k in self.table.index:
            return k
        for adcode, name in self.table["name_zh"].items():
            if k in (name, name.removesuffix("市")):
                return str(adcode)
        return None

    def resolve_or_problem(self, text: object, *, row: int | None, field: str, source: str | None = None
                           ) -> tuple[str | None, Problem | None]:
        adcode = self.resolve(text)
        if adcode is None:
            return None, Problem(f"{text!r} is not one of Liaoning's 14 cities (give the adcode, e.g. 210100, or the "
                                 f"name, e.g. 沈阳 or 沈阳市)", row=row, field=field, source=source)
        return adcode, None


@lru_cache(maxsize=4)
def _annex(indicators_dir: str) -> pd.DataFrame:
    return pd.read_csv(Path(indicators_dir) / ANNEX_FILE, dtype={"adcode": str, "value_as_printed": str},
                       keep_default_na=False)


def load_annex(settings: Settings | None = None) -> pd.DataFrame:
    """``annex_quotas.csv`` as it is (196 rows: 14 cities × 14 values, each with its citation)."""
    settings = settings or get_settings()
    return _annex(str(settings.indicators_dir)).copy()


def load_cities(settings: Settings | None = None) -> Cities:
    """The 14 cities in the annexes' printed order (沈阳 … 葫芦岛)."""
    annex = load_annex(settings)
    first = annex.sort_values("source_line").drop_duplicates("adcode")
    table = pd.DataFrame({"name_zh": list(first.city_zh), "order": range(1, len(first) + 1)},
                         index=pd.Index(list(first.adcode), name="adcode"))
    return Cities(table)


def annex_columns(pollutant: str, settings: Settings | None = None) -> pd.DataFrame:
    """One pollutant's annex: per city (annex order) ``base_t`` (2015), ``cut_pct`` (2020), ``key_project_t``
    (2020), the cut % as printed and the source line of each row.

    >>> annex_columns("cod").loc["210100", "base_t"]
    241522.89
    """
    if pollutant not in POLLUTANTS:
        raise DataValidationError(Problem(f"{pollutant!r}: the 2017 annexes cover {', '.join(POLLUTANTS)} only",
                                          field="pollutant"))
    annex = load_annex(settings)
    rows = annex[annex.indicator_id.str.startswith(pollutant + "_")]
    wide = rows.pivot(index="adcode", columns="indicator_id", values="value").astype(float)
    printed = rows.pivot(index="adcode", columns="indicator_id", values="value_as_printed")
    line = rows[rows.indicator_id == f"{pollutant}_emission_2015_t"].set_index("adcode")["source_line"]
    cities = load_cities(settings)
    out = pd.DataFrame({
        "name_zh": cities.table["name_zh"],
        "base_t": wide[f"{pollutant}_emission_2015_t"],
        "cut_pct": wide[f"{pollutant}_cut_target_pct"],
        "cut_pct_printed": printed[f"{pollutant}_cut_target_pct"],
        "key_project_t": wide[f"{pollutant}_key_project_cut_t"],
        "source_line": line.astype(int),
    }).reindex(cities.adcodes)
    out.index.name = "adcode"
    return out


def annex_citation(pollutant: str) -> str:
    return f"{DOCUMENT} 附件{POLLUTANTS[pollutant]}"


def reconciliation(pollutant: str, settings: Settings | None = None) -> dict | None:
    """The row of ``reconciliation.csv`` for ``pollutant`` (provincial cap, implied total, the note), or None."""
    settings = settings or get_settings()
    table = pd.read_csv(settings.indicators_dir / RECONCILIATION_FILE, keep_default_na=False)
    rows = table[table.pollutant == pollutant]
    return None if rows.empty else rows.iloc[0].to_dict()


# --------------------------------------------------------------------------- the user's inputs


def _rename(frame: pd.DataFrame, aliases: dict[str, list[str]], source: str) -> tuple[pd.DataFrame, list[Problem]]:
    index = {_key(a): canon for canon, names in aliases.items() for a in names}
    names: dict[str, str] = {}
    problems = []
    for col in frame.columns:
        canon = index.get(_key(col))
        if canon is None:
            problems.append(Problem(f"unknown column {col!r}; the columns are {', '.join(aliases)}", field=str(col),
                                    source=source))
        elif canon in names.values():
            problems.append(Problem(f"column {col!r} repeats {canon}", field=str(col), source=source))
        else:
            names[col] = canon
    return frame.rename(columns=names), problems


def _read_csv(data: bytes | str | Path, source: str) -> pd.DataFrame:
    if isinstance(data, Path):
        source = data.name
        data = data.read_bytes()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_INPUT_BYTES:
        raise DataValidationError(Problem(f"the file has {len(raw):,} bytes; at most {MAX_INPUT_BYTES:,}", source=source))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise DataValidationError(Problem("neither UTF-8 nor GB18030", source=source))
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as e:
        raise DataValidationError(Problem(f"not a CSV table: {e}", source=source)) from e


def _number(text: str, *, row: int, field: str, source: str, problems: list[Problem]) -> float | None:
    t = str(text).strip().replace(",", "")
    if t == "":
        return None
    try:
        v = float(t)
    except ValueError:
        problems.append(Problem(f"{text!r} is not a number", row=row, field=field, source=source))
        return None
    if not math.isfinite(v) or v < 0:
        problems.append(Problem(f"{text!r}: a value must be a finite number ≥ 0", row=row, field=field, source=source))
        return None
    return v


def _city(rec: dict, cities: Cities, *, row: int, source: str, problems: list[Problem]) -> str | None:
    given = rec.get("adcode") or rec.get("city")
    if not given:
        problems.append(Problem("no city: give adcode or city", row=row, field="city", source=source))
        return None
    adcode, problem = cities.resolve_or_problem(given, row=row, field="adcode" if rec.get("adcode") else "city",
                                                source=source)
    if problem:
        problems.append(problem)
    return adcode


def read_inputs_csv(data: bytes | str | Path, *, source: str = "inputs", settings: Settings | None = None
                    ) -> list[dict]:
    """The scenario's input table from CSV: one record per city × year (rows are numbered from 2, the
    header being row 1). Raises :class:`DataValidationError` listing every row and field at fault."""
    frame = _read_csv(data, source)
    if isinstance(data, Path):
        source = data.name
    frame, problems = _rename(frame, _INPUT_ALIASES, source)
    if "year" not in frame.columns:
        problems.append(Problem("the table needs a year column (year/年份)", field="year", source=source))
    if not set(INPUT_COLUMNS) & set(frame.columns):
        problems.append(Problem(f"the table has none of {', '.join(INPUT_COLUMNS)}", source=source))
    if problems:
        raise DataValidationError(problems)
    return check_inputs(frame.to_dict("records"), source=source, settings=settings, first_row=2)


def check_inputs(records: list[dict], *, source: str = "inputs", settings: Settings | None = None,
                 first_row: int = 1) -> list[dict]:
    """Validated, normalised input records (adcode, year, value columns as float or None, source)."""
    cities = load_cities(settings)
    problems: list[Problem] = []
    out: list[dict] = []
    seen: dict[tuple[str, int], int] = {}
    for i, rec in enumerate(records):
        row = i + first_row
        adcode = _city(rec, cities, row=row, source=source, problems=problems)
        year_text = str(rec.get("year", "")).strip().removesuffix(".0")
        year = int(year_text) if year_text.isdigit() and 1949 <= int(year_text) <= 2100 else None
        if year is None:
            problems.append(Problem(f"year {rec.get('year')!r}: a year between 1949 and 2100", row=row, field="year",
                                    source=source))
        values = {c: _number(rec.get(c, "") if rec.get(c) is not None else "", row=row, field=c, source=source,
                             problems=problems) for c in INPUT_COLUMNS}
        src = str(rec.get("source") or "").strip()
        if not src:
            problems.append(Problem("every value needs its source (出处): document, table, column", row=row,
                                    field="source", source=source))
        if all(v is None for v in values.values()) and not any(p.row == row for p in problems):
            problems.append(Problem(f"no value: give any of {', '.join(INPUT_COLUMNS)}", row=row, source=source))
        if adcode is not None and year is not None:
            if (adcode, year) in seen:
                problems.append(Problem(f"{cities.name(adcode)} {year} is also in row {seen[(adcode, year)]}", row=row,
                                        field="year", source=source))
            seen[(adcode, year)] = row
            out.append({"adcode": adcode, "year": year, **values, "source": src})
    if problems:
        raise DataValidationError(problems)
    return out


def read_projects_csv(data: bytes | str | Path, *, source: str = "projects", settings: Settings | None = None
                      ) -> list[dict]:
    """A list of key projects from CSV: city, project, tonnes (cut by the target year), source."""
    frame = _read_csv(data, source)
    if isinstance(data, Path):
        source = data.name
    frame, problems = _rename(frame, _PROJECT_ALIASES, source)
    if "tonnes" not in frame.columns:
        problems.append(Problem("the list needs a tonnes column (tonnes/减排量)", field="tonnes", source=source))
    if problems:
        raise DataValidationError(problems)
    return check_projects(frame.to_dict("records"), source=source, settings=settings, first_row=2)


def check_projects(records: list[dict], *, source: str = "projects", settings: Settings | None = None,
                   first_row: int = 1) -> list[dict]:
    cities = load_cities(settings)
    problems: list[Problem] = []
    out = []
    for i, rec in enumerate(records):
        row = i + first_row
        adcode = _city(rec, cities, row=row, source=source, problems=problems)
        tonnes = _number(str(rec.get("tonnes", "")), row=row, field="tonnes", source=source, problems=problems)
        if tonnes is None and not any(p.row == row and p.field == "tonnes" for p in problems):
            problems.append(Problem("no tonnes", row=row, field="tonnes", source=source))
        src = str(rec.get("source") or "").strip()
        if not src:
            problems.append(Problem("every project needs its source (出处)", row=row, field="source", source=source))
        if adcode is not None and tonnes is not None:
            out.append({"adcode": adcode, "project": str(rec.get("project") or "").strip(), "tonnes": tonnes,
                        "source": src})
    if problems:
        raise DataValidationError(problems)
    return out
