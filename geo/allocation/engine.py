"""Run a scenario: the cities' shares of the provincial target, with what stands beside them.

:func:`allocate` takes a :class:`~geo.allocation.scenario.Scenario` and returns an :class:`Allocation`:
one row per city (adcode, name_zh, base_t, cut_pct, cut_t, cap_t, the share of the provincial cut,
the bound that holds it, the rule's own per-city values), the province's row, the check line
("Σ cities = province target", computed, at 0.01 t), the rule's formula in words, the inputs and
their sources, notes (never a silent choice), and beside them (:mod:`geo.allocation.stats`): the
smallest and largest cut, Gini and Theil of the per-capita or per-GDP caps where those inputs exist,
the change of each share when the base year moves by one year (where the inputs have that year),
and a straight declining path per city per year from the base to the target year.

Bad input raises :class:`~geo.core.errors.DataValidationError` naming the field (and city) at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.allocation import rules, stats
from geo.allocation.inputs import (
    ANNEX_BASE_YEAR,
    DOCUMENT,
    EXCLUDES_PROVINCE_PLANTS,
    PLANTS_NOTE_ZH,
    POLLUTANT_NAMES,
    POLLUTANTS,
    annex_citation,
    annex_columns,
    load_cities,
    reconciliation,
)
from geo.allocation.scenario import Scenario, check_scenario
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings

PROVINCE_ADCODE, PROVINCE_ZH = "210000", "辽宁省"
TABLE_COLUMNS = ["adcode", "name_zh", "base_t", "cut_pct", "cut_t", "cap_t"]
REGIONS_SOURCE = "辽环发〔2023〕39号 十七 (regions); data/indicators/region_members.csv (memberships, each with its source)"
KIND_WORDS = {"total_cut_pct": ("总量削减比例", "total cut"), "intensity_cut_pct": ("强度下降比例", "intensity cut"),
              "key_project_t": ("重点工程减排量", "key-project cut"), "cap_t": ("排放总量上限", "cap")}


@dataclass
class Allocation:
    """A scenario's result: the table, the province's row, the check and everything shown beside them."""

    scenario: Scenario
    table: pd.DataFrame  # one row per city, TABLE_COLUMNS first
    province: dict
    check: dict  # ok, cities_t, target_t, zh, en
    rule: dict  # the catalogue entry
    inputs_zh: list[str]
    inputs_en: list[str]
    sources: list[str]
    notes: list[str]
    shown: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    path: pd.DataFrame | None = None

    def rows(self) -> pd.DataFrame:
        """The cities then the province: adcode, name_zh, base_t, cut_pct, cut_t, cap_t."""
        prov = pd.DataFrame([{c: self.province[c] for c in TABLE_COLUMNS}])
        return pd.concat([self.table[TABLE_COLUMNS], prov], ignore_index=True)

    def as_dict(self) -> dict:
        """JSON-able: every number a float or int, NaN as None."""
        def clean(frame: pd.DataFrame | None) -> list[dict]:
            if frame is None:
                return []
            return [{k: (None if isinstance(v, float) and np.isnan(v) else v.item() if hasattr(v, "item") else v)
                     for k, v in r.items()} for r in frame.to_dict("records")]

        return {"scenario": self.scenario.as_dict(), "table": clean(self.table), "province": self.province,
                "check": self.check, "rule": self.rule, "inputs_zh": self.inputs_zh, "inputs_en": self.inputs_en,
                "sources": self.sources, "notes": self.notes, "shown": self.shown, "stats": self.stats,
                "path": clean(self.path)}


def _table_values(s: Scenario, column: str, year: int) -> pd.Series:
    values = {r["adcode"]: r[column] for r in s.table if r["year"] == year and r.get(column) is not None}
    return pd.Series(values, dtype=float)


def _table_sources(s: Scenario, year: int, columns: tuple[str, ...]) -> list[str]:
    return sorted({r["source"] for r in s.table if r["year"] == year and any(r.get(c) is not None for c in columns)})


def base_emissions(s: Scenario, settings: Settings | None = None) -> tuple[pd.Series, list[str], list[str]]:
    """Base-year emissions by adcode (t, to 0.01), their sources, and notes.

    From the scenario's table when it has the base year's emissions (every city, or refused naming
    those without), else from the annexes for 2015 (COD, NH3-N, SO2, NOx).
    """
    cities = load_cities(settings)
    year, p = s.inputs.base_year, s.target.pollutant
    given = _table_values(s, "emission_t", year)
    notes: list[str] = []
    if len(given):
        missing = [a for a in cities.adcodes if a not in given.index]
        if missing:
            raise DataValidationError([Problem(f"{cities.name(a)} ({a}) has no {year} emissions in the input table; "
                                               "every city needs the base year's", field="table.emission_t")
                                       for a in missing])
        base = given.reindex(cities.adcodes)
        sources = _table_sources(s, year, ("emission_t",))
        if p in EXCLUDES_PROVINCE_PLANTS and s.rule == "annex2017":
            plants = _table_values(s, "province_plants_t", year).reindex(cities.adcodes).fillna(0.0)
            if plants.sum() > 0:
                too_big = [a for a in cities.adcodes if plants[a] > base[a]]
                if too_big:
                    raise DataValidationError([Problem(f"{cities.name(a)}: province-managed plants {plants[a]:,.2f} t exceed "
                                                       f"its emissions {base[a]:,.2f} t", field="table.province_plants_t")
                                               for a in too_big])
                base = base - plants
                notes.append(f"{PLANTS_NOTE_ZH}（附件4、5 注）: province-managed power plants subtracted from the given "
                             f"{year} emissions ({plants.sum():,.2f} t in all)")
            else:
                notes.append(f"{PLANTS_NOTE_ZH}（附件4、5 注）: the {year} emissions given are taken as excluding "
                             "province-managed power plants, as the annex's bases do (no province_plants_t given)")
    elif year == ANNEX_BASE_YEAR and p in POLLUTANTS:
        base = annex_columns(p, settings)["base_t"]
        sources = [f"{annex_citation(p)} 第1列 (2015 年排放量)"]
        if p in EXCLUDES_PROVINCE_PLANTS:
            notes.append(f"{PLANTS_NOTE_ZH}（{annex_citation(p)} 注）: the city bases exclude the province-managed "
                         "power plants")
    else:
        what = "the 2017 annexes have 2015 only" if p in POLLUTANTS else "nothing is bundled for CO2"
        raise DataValidationError(Problem(
            f"no {year} emissions of {p} for the cities: {what}; give them in the input table (emission_t, year {year}, "
            "with its source)", field="inputs.base_year"))
    base = base.round(rules.PLACES)
    bad = [a for a in base.index if not base[a] > 0]
    if bad:
        raise DataValidationError([Problem(f"{cities.name(a)}: base-year emissions {base[a]!r} must be above 0",
                                           field="table.emission_t") for a in bad])
    return base, sources, notes


def _index_inputs(s: Scenario, base: pd.Series, settings: Settings | None, names: dict[str, str]) -> pd.DataFrame:
    year = s.inputs.base_year
    assert s.inputs.weights is not None or s.inputs.entropy
    wanted = list(s.inputs.weights) if s.inputs.weights is not None else list(rules.INDEX_INPUTS)
    raw = {"emission_t": base, "gdp_100m_yuan": _table_values(s, "gdp_100m_yuan", year),
           "population_10k": _table_values(s, "population_10k", year)}
    if s.projects:
        raw["key_project_t"] = _project_tonnes(s)
    elif s.target.pollutant in POLLUTANTS and year == ANNEX_BASE_YEAR:
        raw["key_project_t"] = annex_columns(s.target.pollutant, settings)["key_project_t"]
    out = {}
    problems = []
    for k in wanted:
        needs = rules.INDEX_INPUTS[k][2]
        have = [raw.get(n, pd.Series(dtype=float)).reindex(base.index) for n in needs]
        lacking = sorted({names[a] for h in have for a in base.index if not (pd.notna(h[a]) and h[a] > 0)})
        if lacking:
            if s.inputs.weights is None:  # entropy over what every city has
                continue
            problems.append(Problem(f"index input {k} needs {' and '.join(needs)} for {year} in every city; missing or "
                                    f"zero for {', '.join(lacking)}", field=f"inputs.weights.{k}"))
            continue
        if k == "intensity":
            out[k] = have[0] / have[1]
        elif k in ("gdp_per_capita", "emission_per_capita"):
            out[k] = have[0] / have[1]
        else:
            out[k] = have[0]
    if problems:
        raise DataValidationError(problems)
    if not out:
        raise DataValidationError(Problem("no index input has a value in every city", field="inputs.weights"))
    return pd.DataFrame(out)


def _project_tonnes(s: Scenario) -> pd.Series:
    t: dict[str, float] = {}
    for p in s.projects:
        t[p["adcode"]] = t.get(p["adcode"], 0.0) + float(p["tonnes"])
    return pd.Series(t, dtype=float)


def run_rule(s: Scenario, base: pd.Series, settings: Settings | None = None) -> tuple[rules.RuleResult, list[str]]:
    """The scenario's rule on ``base``: its result and the sources of the inputs it read besides the base."""
    cities = load_cities(settings)
    names = {a: cities.name(a) for a in cities.adcodes}
    year = s.inputs.base_year
    sources: list[str] = []
    if s.rule == "uniform":
        return rules.uniform(base), sources
    if s.rule == "region":
        from geo.places.regions import load_members, load_regions

        regions = load_regions(settings)
        region_names = dict(zip(regions.region_id, regions.name_zh))
        rates = rules.region_rates(load_members(settings), s.inputs.rates, s.inputs.membership, s.inputs.choices,
                                   names, region_names)
        return rules.region(base, rates), [REGIONS_SOURCE]
    if s.rule == "proportional":
        basis = s.inputs.basis or "emissions"
        gdp = _table_values(s, "gdp_100m_yuan", year) if basis == "intensity" else None
        if basis == "intensity":
            sources += _table_sources(s, year, ("gdp_100m_yuan",))
        return rules.proportional(base, basis, gdp if gdp is None or len(gdp) else None, names), sources
    if s.rule == "index":
        values = _index_inputs(s, base, settings, names)
        sources += _table_sources(s, year, ("gdp_100m_yuan", "population_10k"))
        if "key_project_t" in values.columns:
            sources += sorted({p["source"] for p in s.projects}) or [f"{annex_citation(s.target.pollutant)} 第3列"]
        return rules.index(base, values, None if s.inputs.entropy and s.inputs.weights is None else s.inputs.weights), \
            sources
    if s.rule == "converge":
        basis = s.inputs.basis or "per_capita"
        column = "population_10k" if basis == "per_capita" else "gdp_100m_yuan"
        values = _table_values(s, column, year)
        lacking = [a for a in base.index if not (a in values.index and values[a] > 0)]
        if lacking:
            raise DataValidationError([Problem(f"{names[a]} ({a}) has no {column} for {year} (> 0); convergence "
                                               f"{basis.replace('_', ' ')} needs every city's", field=f"table.{column}")
                                       for a in lacking])
        conv = s.inputs.convergence_year or s.target_year
        lam = (s.target_year - year) / (conv - year)
        sources += _table_sources(s, year, (column,))
        return rules.converge(base, values.reindex(base.index), lam), sources
    if s.rule == "key_projects":
        if not s.projects:
            raise DataValidationError(Problem("the key_projects rule needs a key-project list (city, project, tonnes, "
                                              "source)", field="projects"))
        return rules.key_projects(base, _project_tonnes(s)), sorted({p["source"] for p in s.projects})
    if s.rule == "annex2017":
        p = s.target.pollutant
        if p not in POLLUTANTS:
            raise DataValidationError(Problem(f"annex2017: the 2017 annexes have no cut % for {p}", field="target.pollutant"))
        annex = annex_columns(p, settings)
        return rules.annex2017(base, annex["cut_pct"]), [f"{annex_citation(p)} 第2列 (2020 年下降比例)"]
    raise DataValidationError(Problem(f"rule {s.rule!r}: one of {', '.join(rules.CATALOGUE)}", field="rule"))


def _bounds(d: dict[str, float], adcodes: list[str]) -> pd.Series:
    every = d.get("*")
    return pd.Series([d.get(a, every) for a in adcodes], index=adcodes, dtype=float)


def allocate(scenario: Scenario, settings: Settings | None = None, *, with_stats: bool = True) -> Allocation:
    """Split the scenario's provincial target among the 14 cities (see the module's docstring)."""
    s = check_scenario(scenario, settings)
    cities = load_cities(settings)
    names = {a: cities.name(a) for a in cities.adcodes}
    base, sources, notes = base_emissions(s, settings)
    result, rule_sources = run_rule(s, base, settings)
    notes += result.notes
    t = s.target
    base_cents = int(round(base.sum() * rules.SCALE))
    shown = dict(result.shown)
    if t.value is None:
        assert result.implied_cents is not None and result.amounts is not None
        total_cents = result.implied_cents
        exact_total = float(result.amounts.sum())
        weights_result = rules.RuleResult(result.rule, result.amounts, result.space)
    else:
        if t.kind in ("total_cut_pct", "intensity_cut_pct"):
            total_cents = rules.cents_round(base_cents / rules.SCALE * t.value / 100)
        elif t.kind == "cap_t":
            total_cents = base_cents - rules.cents_round(t.value)
        else:
            total_cents = rules.cents_round(t.value)
        exact_total = total_cents / rules.SCALE
        weights_result = result
        if result.implied_cents is not None and result.implied_cents:
            shown["scale"] = total_cents / result.implied_cents
            notes.append(f"the rule's own tonnes ({result.implied_cents / rules.SCALE:,.2f} t) scaled by "
                         f"{shown['scale']:.6f} to meet the provincial target ({total_cents / rules.SCALE:,.2f} t)")
        if t.kind == "intensity_cut_pct":
            notes.append("intensity cut split as a total cut of base-year emissions: assumes every city's GDP grows "
                         "alike to the target year")
    cut, held = rules.bounded_split(exact_total, weights_result, base, _bounds(s.inputs.floors, cities.adcodes),
                                    _bounds(s.inputs.ceilings, cities.adcodes), names)
    cents = rules.largest_remainder(cut, total_cents)
    base_c = (base * rules.SCALE).round().astype("int64")
    table = pd.DataFrame({
        "adcode": cities.adcodes, "name_zh": [names[a] for a in cities.adcodes], "base_t": base_c.values / rules.SCALE,
        "cut_pct": np.round(cents.values / base_c.values * 100, 4), "cut_t": cents.values / rules.SCALE,
        "cap_t": (base_c.values - cents.values) / rules.SCALE,
        "share_pct": np.round(cents.values / total_cents * 100, 4) if total_cents else np.nan,
        "bound": held.values,
    })
    table.insert(0, "no", range(1, len(table) + 1))
    if s.target.pollutant in POLLUTANTS and s.inputs.base_year == ANNEX_BASE_YEAR:
        table["key_project_t"] = annex_columns(s.target.pollutant, settings)["key_project_t"].values
    if s.projects:
        table["key_project_t"] = _project_tonnes(s).reindex(cities.adcodes).fillna(0.0).round(rules.PLACES).values
    if result.detail is not None:
        for c in result.detail.columns:
            table[c] = result.detail[c].reindex(cities.adcodes).values
    if held.ne("").any():
        notes.append("held at a bound: " + ", ".join(f"{names[a]} ({held[a]})" for a in held.index if held[a]))
    province = {"adcode": PROVINCE_ADCODE, "name_zh": PROVINCE_ZH, "base_t": base_cents / rules.SCALE,
                "cut_pct": round(total_cents / base_cents * 100, 4), "cut_t": total_cents / rules.SCALE,
                "cap_t": (base_cents - total_cents) / rules.SCALE}
    cities_cents = int(cents.sum())
    ok = cities_cents == total_cents
    mark = "✓" if ok else "✗"
    check = {"ok": ok, "cities_t": cities_cents / rules.SCALE, "target_t": total_cents / rules.SCALE,
             "zh": f"Σ 各市削减量 = 全省目标：{cities_cents / rules.SCALE:,.2f} 吨 = {total_cents / rules.SCALE:,.2f} 吨 {mark}",
             "en": f"Σ cities = province target: {cities_cents / rules.SCALE:,.2f} t = {total_cents / rules.SCALE:,.2f} t {mark}"}
    if t.pollutant in EXCLUDES_PROVINCE_PLANTS and s.inputs.base_year == ANNEX_BASE_YEAR and not s.table:
        rec = reconciliation(t.pollutant, settings)
        if rec:
            notes.append(f"clause 一(二)'s provincial cap of {float(rec['province_cap_2020_t']):,.0f} t includes the "
                         f"province-managed power plants; the cities' 2015 bases cover "
                         f"{float(rec['city_share_of_province_2015_pct']):.2f} % of the implied provincial 2015 total "
                         f"({float(rec['province_2015_implied_t']):,.2f} t) ({DOCUMENT}; reconciliation.csv)")
    inputs_zh, inputs_en = describe_inputs(s, shown)
    alloc = Allocation(s, table, province, check, rules.CATALOGUE[s.rule].as_dict(), inputs_zh, inputs_en,
                       list(dict.fromkeys(sources + rule_sources)), notes, shown)
    if with_stats:
        alloc.stats = stats.beside(alloc, lambda other: allocate(other, settings, with_stats=False))
        alloc.path = stats.declining_path(alloc.table, base_year=s.inputs.base_year, target_year=s.target_year)
    return alloc


def describe_inputs(s: Scenario, shown: dict) -> tuple[list[str], list[str]]:
    """The scenario's target and rule inputs in words, one line each (zh, en)."""
    zh_p, en_p = POLLUTANT_NAMES[s.target.pollutant]
    kind_zh, kind_en = KIND_WORDS[s.target.kind]
    unit = "%" if s.target.kind.endswith("_pct") else " t"
    value = "各市合计 / the cities' sum" if s.target.value is None else f"{s.target.value:g}{unit}"
    zh = [f"规划期 {s.plan}（{s.inputs.base_year}–{s.target_year}）；{zh_p}{kind_zh}：{value.split(' / ')[0]}"]
    en = [f"plan period {s.plan} ({s.inputs.base_year}–{s.target_year}); {en_p} {kind_en}: {value.split(' / ')[-1]}"]
    i = s.inputs
    parts: list[str] = [f"rule {s.rule}"]
    if i.basis:
        parts.append(f"basis {i.basis}")
    if i.rates:
        parts.append("rates " + ", ".join(f"{k}={v:g}%" for k, v in i.rates.items()))
    if i.membership:
        parts.append(f"membership {i.membership}")
    if i.choices:
        parts.append("choices " + ", ".join(f"{k}={v}" for k, v in i.choices.items()))
    if "weights" in shown:
        parts.append(("entropy weights " if shown.get("entropy") else "weights ")
                     + ", ".join(f"{k}={v:.4f}" for k, v in shown["weights"].items()))
    if "lambda" in shown:
        parts.append(f"λ={shown['lambda']:.4f}" + (f" (convergence {i.convergence_year})" if i.convergence_year else ""))
    if i.floors:
        parts.append("floors " + ", ".join(f"{k}≥{v:g}%" for k, v in i.floors.items()))
    if i.ceilings:
        parts.append("ceilings " + ", ".join(f"{k}≤{v:g}%" for k, v in i.ceilings.items()))
    zh.append("；".join(parts))
    en.append("; ".join(parts))
    if s.author or s.date or s.note:
        meta = " · ".join(x for x in (s.author, s.date, s.note) if x)
        zh.append(meta)
        en.append(meta)
    return zh, en
