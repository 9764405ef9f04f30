"""The carbon measures every surface shows: an inventory's CO2 per place with its intensity, as table columns.

For each stored inventory ``NAME`` (:func:`geo.carbon.inventory.list_inventories`) and place (city or county):

- ``co2_t[NAME]``: t CO2 in the place (the inventory's method: grid with cell fractions, asset sum or table);
- ``co2_t_per_km2[NAME]``: ÷ the place's area in an equal-area frame (:data:`geo.carbon.places.EQUAL_AREA_CRS`);
- ``co2_t_per_10k_yuan[NAME]`` (cities): co2_t ÷ (地区生产总值 of the inventory's year, 亿元 × 10,000), t CO2 per
  万元 of GDP, where the observed values have that city's GDP for that year (:func:`geo.measures.observed.gdp_table`);
  no GDP, no intensity — never a guessed one;
- ``coverage_pct[NAME]`` (grids): the share of the place's area the inventory's valid cells cover.
"""

from __future__ import annotations

import math

import pandas as pd

from geo.carbon.inventory import inventory_table, list_inventories
from geo.core.settings import Settings
from geo.measures.catalogue import Indicator
from geo.measures.observed import gdp_table

FIELDS = ("co2_t", "co2_t_per_km2", "co2_t_per_10k_yuan", "coverage_pct")
#: How an inventory's values were made, in both languages.
METHODS = {
    "grid": ("格网按像元落入面积比例求和", "grid cells summed by the share of their area inside (exact cell fractions)"),
    "asset": ("设施点位求和", "sum of the listed sites inside"),
    "table": ("按地区表导入", "table by place, as given"),
}
#: The method in a few words, where a legend has room for no more.
SHORT_METHODS = {"grid": ("格网按面积比例求和", "grid, exact cell fractions"), "asset": ("设施点位求和", "sum of listed sites"),
                 "table": ("按地区表导入", "table by place")}


def cite_inventory(inv: dict, lang: str = "en") -> str:
    """How every surface cites an inventory (a row of :func:`geo.carbon.inventory.list_inventories`): its name,
    year, method, licence and source, in ``lang``."""
    zh_method, en_method = METHODS.get(inv["method"], (inv["method"], inv["method"]))
    if lang == "zh":
        return (f"{inv['name']}（{inv['year']}年清单，{zh_method}；许可：{inv['licence'] or '未注明'}；"
                f"来源：{inv['source'] or '未注明'}）")
    return (f"{inv['name']}, {inv['year']}; method: {en_method}; licence: {inv['licence'] or 'not given'}; "
            f"source: {inv['source'] or 'not given'}")


def cite_short(inv: dict, lang: str = "en") -> str:
    """An inventory in one line, where a tooltip has room for no more: name, year, method in a few words,
    licence (the rest is in :func:`cite_inventory`, in the legend and the panel).

    >>> cite_short({"name": "EDGAR", "year": 2022, "method": "grid", "licence": "CC BY 4.0"}, "zh")
    '清单 EDGAR（2022年）· 格网按面积比例求和 · 许可：CC BY 4.0'
    >>> cite_short({"name": "CEADs", "year": 2020, "method": "table", "licence": ""}, "en")
    'inventory CEADs (2020) · table by place · licence: not given'
    """
    zh_method, en_method = SHORT_METHODS.get(inv["method"], (inv["method"], inv["method"]))
    if lang == "zh":
        return f"清单 {inv['name']}（{inv['year']}年）· {zh_method} · 许可：{inv['licence'] or '未注明'}"
    return f"inventory {inv['name']} ({inv['year']}) · {en_method} · licence: {inv['licence'] or 'not given'}"


INTENSITY_DECIMALS = 4
#: What each column holds: (name zh, name en, unit, formula).
WORDS = {
    "co2_t": ("二氧化碳排放量", "CO2 emissions", "t", ""),
    "co2_t_per_km2": ("单位面积二氧化碳排放量", "CO2 emissions per km²", "t/km2",
                      "co2_t ÷ the place's area (km², equal-area projection), rounded to 0.001"),
    "co2_t_per_10k_yuan": ("单位地区生产总值二氧化碳排放量", "CO2 per unit of GDP", "t/10k_yuan",
                           "co2_t ÷ (gdp_Y_observed_100m_yuan × 10,000), rounded to 0.0001"),
    "coverage_pct": ("清单覆盖面积比例", "share of the area the inventory covers", "%",
                     "area of the valid cells inside ÷ the place's area × 100, rounded to 0.01"),
}


def column_id(field: str, inventory: str) -> str:
    """The table column of one field of one inventory: ``co2_t[EDGAR-2022]``."""
    return f"{field}[{inventory}]"


def carbon_table(name: str, level: str = "city", observed: pd.DataFrame | None = None,
                 settings: Settings | None = None) -> pd.DataFrame:
    """:func:`geo.carbon.inventory.inventory_table` with ``co2_t_per_10k_yuan`` filled for the cities whose GDP
    of the inventory's year is in ``observed``."""
    table = inventory_table(name, level, settings)
    if level != "city" or observed is None or not len(observed) or not len(table):
        return table
    year = int(table["year"].iloc[0])
    gdp = gdp_table(table[["adcode"]], observed)
    column = f"gdp_{year}_observed_100m_yuan"
    if column in gdp:
        per_10k_yuan = table["co2_t"] / (gdp[column].astype(float) * 10_000)
        table["co2_t_per_10k_yuan"] = per_10k_yuan.round(INTENSITY_DECIMALS)
    return table


def carbon_columns(level: str, observed: pd.DataFrame | None = None, settings: Settings | None = None,
                   inventories: list[dict] | None = None) -> pd.DataFrame:
    """adcode, then the :data:`FIELDS` of every stored inventory (oldest first) as ``field[NAME]`` columns; a field
    no place has a value for (coverage of a table, intensity without GDP) is left out. Empty (no columns but
    adcode) when no inventory is stored."""
    inventories = list_inventories(settings) if inventories is None else inventories
    out: pd.DataFrame | None = None
    for inv in inventories:
        table = carbon_table(inv["name"], level, observed, settings)
        if out is None:
            out = table[["adcode"]].copy()
        values = table.set_index("adcode")
        for f in FIELDS:
            column = values[f].astype(float)
            if column.notna().any():
                out[column_id(f, inv["name"])] = out["adcode"].map(column)
    return out if out is not None else pd.DataFrame({"adcode": pd.Series(dtype=str)})


def carbon_sources(columns: list[str], settings: Settings | None = None,
                   inventories: list[dict] | None = None) -> list[dict]:
    """The sources sheet's rows of the ``field[NAME]`` columns among ``columns``: names, unit, the inventory's
    year, source, licence, method, file, who imported it and when, and the formula of a derived field."""
    inventories = list_inventories(settings) if inventories is None else inventories
    rows = []
    for inv in inventories:
        source = (f"{cite_inventory(inv)}; file {inv['file_name']} (sha256 {inv['file_sha256'][:12]}…), imported "
                  f"{inv['imported_at']} by {inv['imported_by']}")
        for f in FIELDS:
            column = column_id(f, inv["name"])
            if column not in columns:
                continue
            zh, en, unit, formula = WORDS[f]
            rows.append({"column": column, "name_zh": f"{zh}（{inv['name']}，{inv['year']}年）",
                         "name_en": f"{en} ({inv['name']}, {inv['year']})", "unit": unit, "year": str(inv["year"]),
                         "source": source, "formula": formula.replace("_Y_", f"_{inv['year']}_")})
    return rows


GROUP = "co2"
#: Each measure's formula in words (zh, en), for the figures' notes: {y} the inventory's year, {a} and {b} the
#: inventories compared (the catalogue entries' formulas name column ids).
FORMULA_WORDS = {
    "co2_t": ("", ""),
    "co2_t_per_km2": ("二氧化碳排放量 ÷ 面积（平方千米，等积投影），保留三位小数",
                      "CO2 emissions ÷ the area (km², equal-area projection), rounded to 0.001"),
    "co2_t_per_10k_yuan": ("二氧化碳排放量 ÷（{y}年地区生产总值（亿元）× 10,000），保留四位小数",
                           "CO2 emissions ÷ ({y} GDP in 10⁸ yuan × 10,000), rounded to 0.0001"),
    "coverage_pct": ("清单有效像元落入的面积 ÷ 面积 × 100，保留两位小数",
                     "area of the inventory's valid cells inside ÷ the area × 100, rounded to 0.01"),
    "co2_diff_pct": ("（{a} − {b}）÷ {b} × 100，保留两位小数", "({a} − {b}) ÷ {b} × 100, rounded to 0.01"),
}


def parse_column(column: str) -> tuple[str, list[str]] | None:
    """The field and the inventory names of a carbon column id: ``co2_t[EDGAR]`` → ``("co2_t", ["EDGAR"])``,
    ``co2_diff_pct[A|B]`` → ``("co2_diff_pct", ["A", "B"])``; None for any other id."""
    field, bracket, rest = column.partition("[")
    if not bracket or not rest.endswith("]") or field not in (*FIELDS, "co2_diff_pct"):
        return None
    names = rest[:-1].split("|") if field == "co2_diff_pct" else [rest[:-1]]
    return (field, names) if all(names) else None


def formula_in_words(column: str, year: str, lang: str) -> str:
    """The formula of a carbon column id in words in ``lang`` ("" for a total or another id)."""
    parsed = parse_column(column)
    if parsed is None:
        return ""
    field, names = parsed
    words = FORMULA_WORDS[field][0 if lang == "zh" else 1]
    return words.format(y=year, a=names[0], b=names[-1])


def carbon_indicators(observed: pd.DataFrame | None = None, settings: Settings | None = None,
                      inventories: list[dict] | None = None, level: str = "city") -> tuple[list[Indicator], pd.DataFrame]:
    """The carbon measures of ``level`` (city or county) as catalogue entries (group ``co2``, measure the field,
    id ``field[NAME]``) and their values (adcode + one column per id): what the dashboard and the maps classify
    and draw like the pollutants. Two inventories of one year add ``co2_diff_pct[A|B]``: (A − B) ÷ B × 100, how
    far they disagree place by place. Each entry's source names the inventory, year, method and licence. Counties
    have no intensity (there is no county GDP)."""
    inventories = list_inventories(settings) if inventories is None else inventories
    wide = carbon_columns(level, observed, settings, inventories)
    out: list[Indicator] = []
    for inv in inventories:
        source = cite_inventory(inv)
        for f in FIELDS:
            column = column_id(f, inv["name"])
            if column not in wide:
                continue
            zh, en, unit, formula = WORDS[f]
            out.append(Indicator(column, GROUP, f, f"{zh}（{inv['name']}）", f"{en} ({inv['name']})", unit,
                                 str(inv["year"]), "", "carbon", source,
                                 formula.replace("_Y_", f"_{inv['year']}_")))
    totals = {inv["name"]: inv for inv in inventories if column_id("co2_t", inv["name"]) in wide}
    names = list(totals)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if totals[a]["year"] != totals[b]["year"]:
                continue
            column = f"co2_diff_pct[{a}|{b}]"
            ta, tb = wide[column_id("co2_t", a)], wide[column_id("co2_t", b)]
            wide[column] = ((ta - tb) / tb.where(tb != 0) * 100).round(2)
            out.append(Indicator(column, GROUP, "co2_diff_pct", f"二氧化碳排放量差异（{a} 较 {b}）",
                                 f"CO2 difference ({a} against {b})", "%", str(totals[a]["year"]), "", "carbon",
                                 f"{a} and {b} ({totals[a]['year']})",
                                 f"(co2_t[{a}] − co2_t[{b}]) ÷ co2_t[{b}] × 100, rounded to 0.01",
                                 diverging=True))
    return out, wide


def city_carbon(adcode: str, observed: pd.DataFrame | None = None, settings: Settings | None = None,
                level: str = "city", parent: str | None = None) -> list[dict]:
    """Each stored inventory's numbers for one city, or with ``level="county"`` one county (those with a value
    for it): name, year, method (zh, en), licence, source, co2_t, co2_t_per_km2, co2_t_per_10k_yuan and
    coverage_pct (NaN where none). A county of the city ``parent`` also gets ``share_of_city_pct``: its co2_t ÷
    the city's co2_t in the same inventory × 100 (NaN where the city has none)."""
    out = []
    for inv in list_inventories(settings):
        table = carbon_table(inv["name"], level, observed, settings).set_index("adcode")
        if adcode not in table.index or pd.isna(table.loc[adcode, "co2_t"]):
            continue
        row = table.loc[adcode]
        zh_method, en_method = METHODS.get(inv["method"], (inv["method"], inv["method"]))
        entry = {"name": inv["name"], "year": int(inv["year"]), "method_zh": zh_method, "method_en": en_method,
                 "licence": inv["licence"] or "", "source": inv["source"] or "", **{f: float(row[f]) for f in FIELDS}}
        if level == "county" and parent:
            cities = carbon_table(inv["name"], "city", observed, settings).set_index("adcode")
            city_t = float(cities.loc[parent, "co2_t"]) if parent in cities.index else math.nan
            entry["share_of_city_pct"] = entry["co2_t"] / city_t * 100 if city_t and math.isfinite(city_t) else math.nan
        out.append(entry)
    return out
