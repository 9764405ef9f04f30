"""Inventories as a table by city or county (CEADs city inventories, Chen et al. county CO2).

CSV or XLSX, UTF-8 or GBK, read by :mod:`geo.store.tableread` within its bounds, one row per place:
the place as a six-digit code or a name (``沈阳``, ``沈阳市``, ``Shenyang``, ``新民市``; a county name
two cities share, such as 铁西区, is refused naming the row — write the code or the city before it,
``沈阳市铁西区``), and its CO2. Headers: ``地区``/``城市``/``区县``/``行政区划代码``/``place``/``city``/
``county``/``adcode``; ``二氧化碳排放量``/``排放量``/``co2``/``value``; optional ``单位``/``unit`` (per row;
else ``--unit``, else t CO2) and ``年份``/``year`` (rows of other years are skipped).

A table holds CO2: a unit without a species (``万吨``, ``Mt``) is of CO2; one of carbon (``万吨碳``,
``t C``) becomes CO2 × 44/12. A city all of whose counties have a row and which has no row of its own is
the sum of its counties. A place the table has no row for has no data.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from geo.carbon.assets import number
from geo.carbon.places import place_layer
from geo.carbon.units import is_sink_sector, parse_unit
from geo.core.errors import DataValidationError, GazetteerError, Problem
from geo.core.settings import Settings
from geo.measures.rows import header_columns
from geo.places.gazetteer import Place, get_gazetteer
from geo.store.tableread import LIMITS, read_table

_HEADERS = {
    "place": ["地区", "城市", "区县", "县区", "地名", "行政区划代码", "区划代码", "代码", "place", "city", "county",
              "region", "name", "adcode", "code"],
    "value": ["二氧化碳排放量", "二氧化碳", "碳排放量", "碳排放", "排放量", "co2", "co2_t", "co2emissions", "emissions",
              "value", "数值", "tonnes"],
    "unit": ["单位", "unit", "units"],
    "year": ["年份", "年", "年度", "year"],
}
REQUIRED = ("place", "value")


def _key(text: str) -> str:
    return re.sub(r"[\s_\-()（）]", "", unicodedata.normalize("NFKC", text).lower())


_INDEX = {_key(a): canon for canon, aliases in _HEADERS.items() for a in aliases}


def _resolve(text: str, row: int, field: str, name: str) -> Place:
    """The Liaoning city or county a cell names; a county name may follow its city's (沈阳市铁西区)."""
    gaz = get_gazetteer()
    text = re.sub(r"^([0-9]{6})\.0$", r"\1", text)
    try:
        place = gaz.resolve(text, level=None, row=row, field=field, source=name)
    except GazetteerError as exc:
        for city in gaz.cities():
            for prefix in (city.name_zh, city.name_zh.removesuffix("市")):
                rest = text.removeprefix(prefix)
                if rest != text and rest:
                    found = [p for p in gaz.candidates(rest, level="county") if p.parent_adcode == city.adcode]
                    if len(found) == 1:
                        return found[0]
        found = gaz.candidates(text, level=None) if "ambiguous" in str(exc) else []
        if len(found) > 1:  # each candidate with its city: 沈阳市铁西区 (210106), 鞍山市铁西区 (210303)
            named = [(gaz.places[p.parent_adcode].name_zh if p.level == "county" and p.parent_adcode in gaz.places
                      else "") + p.name_zh for p in found]
            listed = ", ".join(f"{n} ({p.adcode})" for n, p in zip(named, found))
            raise GazetteerError(Problem(f"ambiguous place name {text!r}: it maps to {listed}; write the six-digit "
                                         f"code or the city before it ({named[0]})", row, field, name)) from exc
        raise
    if place.level not in ("city", "county") or not place.in_liaoning:
        raise GazetteerError(Problem(f"{place.name_zh} ({place.adcode}) is not a city or county of Liaoning", row, field,
                                     name))
    return place


def read_place_table(data: bytes, *, year: int, unit: str | None = None, sector: str | None = None,
                     name: str = "upload", settings: Settings | None = None) -> tuple[pd.DataFrame, dict]:
    """Per place given: level, adcode, co2_t (t CO2), coverage_pct (NaN), and what was read;
    :class:`DataValidationError` with every bad row otherwise."""
    table = read_table(data, name=name, limits=LIMITS)
    header = [str(h) for h in table.header]
    columns, problems = header_columns(header, _INDEX, _key, REQUIRED, _HEADERS, table.header_row, name)
    if problems:
        raise DataValidationError(problems)
    names = {c: header[i] for c, i in columns.items()}
    default_unit = parse_unit(unit or "t CO2", field="unit")
    sink = is_sink_sector(sector)
    seen: dict[str, int] = {}
    units: set[str] = set()
    records = []
    other_years = 0
    for row, cells in table.rows:
        cells = cells + [""] * (len(header) - len(cells))
        rec = {c: unicodedata.normalize("NFKC", cells[j]).strip() for c, j in columns.items()}
        if "year" in rec:
            y = rec["year"].removesuffix("年").removesuffix(".0")
            if not re.fullmatch(r"[0-9]{4}", y):
                problems.append(Problem(f"{rec['year']!r} is not a year", row, names["year"], name))
                continue
            if int(y) != year:
                other_years += 1
                continue
        bad: list[Problem] = []
        place = None
        try:
            place = _resolve(rec["place"], row, names["place"], name)
        except GazetteerError as exc:
            bad += exc.problems
        parsed = default_unit
        if rec.get("unit"):
            try:
                parsed = parse_unit(rec["unit"], field=names["unit"])
            except DataValidationError as exc:
                bad += [Problem(p.message, row, names["unit"], name) for p in exc.problems]
        if parsed.is_flux or parsed.per:
            bad.append(Problem(f"unit {parsed.text!r}: a table holds tonnes per place and year, not a rate", row,
                               names.get("unit", "unit"), name))
        value = number(rec["value"])
        if value is None:
            bad.append(Problem(f"{rec['value']!r} is not a number", row, names["value"], name))
        elif value < 0 and not sink:
            bad.append(Problem(f"negative value {rec['value']!r}: only a sink sector (LULUCF, forest …, --sector) may "
                               "hold negative values", row, names["value"], name))
        if place is not None and place.adcode in seen:
            bad.append(Problem(f"{place.name_zh} ({place.adcode}) twice: also in row {seen[place.adcode]}", row,
                               names["place"], name))
        if bad:
            problems += bad
            continue
        assert place is not None and value is not None
        seen[place.adcode] = row
        species = parsed.species or "CO2"
        units.add(parsed.text)
        records.append({"level": place.level, "adcode": place.adcode,
                        "co2_t": value * parsed.to_t * parsed.to_co2(species), "source_row": row})
    for first, last in table.empty_runs:
        problems.append(Problem("empty row" if first == last else f"empty rows {first:,}–{last:,}", first, None, name))
    if problems:
        raise DataValidationError(problems)
    if not records:
        raise DataValidationError(Problem(f"no row of {year} in the table ({other_years:,} rows of other years)",
                                          field="year", source=name))
    values = pd.DataFrame.from_records(records)
    counties = place_layer("county", settings)
    given = values[values.level == "county"].set_index("adcode").co2_t
    summed = []
    for city, members in counties.groupby("parent_adcode")["adcode"]:
        if city not in set(values.adcode) and set(members) <= set(given.index):
            summed.append({"level": "city", "adcode": city, "co2_t": float(given[list(members)].sum()),
                           "source_row": None})
    if summed:
        values = pd.concat([values, pd.DataFrame.from_records(summed)], ignore_index=True)
    values["coverage_pct"] = float("nan")
    meta = {"form": "table", "rows_read": len(table.rows), "rows_other_years": other_years, "encoding": table.encoding,
            "cities": int((values.level == "city").sum()), "counties": int((values.level == "county").sum()),
            "cities_from_counties": [s["adcode"] for s in summed], "units": sorted(units)}
    return values[["level", "adcode", "co2_t", "coverage_pct"]], meta
