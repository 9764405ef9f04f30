"""The allocation rules: each a small pure function of per-city inputs, with its formula in words.

A rule says how a provincial total is split among the cities. It returns a :class:`RuleResult`: the
cities' *weights* (what the total is split in proportion to), whether they split the provincial cut
(``space="cut"``) or the provincial cap (``"cap"``, the ``converge`` rule), the per-city values shown
beside the result (a city's rate and why, its index …), notes, and — for the rules whose inputs
themselves fix tonnes (``region`` without a target, ``key_projects``, ``annex2017``) — those tonnes.

Then :func:`bounded_split` applies floors and ceilings (cut % per city): a city whose share passes a
bound is held at it and what it pushes off is spread over the cities still free, in proportion to
their weights — the same rule — until no share passes a bound; a target the bounds make impossible is
refused, naming the bound. :func:`largest_remainder` rounds the shares to the printed precision (0.01 t)
so that they add up exactly to the provincial total.

Everything here is numpy/pandas on Series indexed by adcode; nothing reads files or the store.
:func:`rules_catalogue` describes every rule as JSON (id, names, formula in words, inputs, options).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from geo.core.errors import DataValidationError, Problem

#: The printed precision of the annexes: tonnes to two decimals.
PLACES = 2
SCALE = 10 ** PLACES
MEMBERSHIP_POLICIES = ("strictest", "laxest", "mean", "choice")
PROPORTIONAL_BASES = ("emissions", "intensity")
CONVERGE_BASES = ("per_capita", "per_gdp")
#: Inputs the index rule can weigh; each "more → a larger cut %".
INDEX_INPUTS = {
    "emission_t": ("基准年排放量", "base-year emissions", ("emission_t",)),
    "intensity": ("排放强度（排放量 ÷ GDP）", "emission intensity (emissions ÷ GDP)", ("emission_t", "gdp_100m_yuan")),
    "gdp_per_capita": ("人均 GDP", "GDP per capita", ("gdp_100m_yuan", "population_10k")),
    "emission_per_capita": ("人均排放量", "emissions per capita", ("emission_t", "population_10k")),
    "key_project_t": ("重点工程减排能力（吨）", "key-project cut capacity (t)", ("key_project_t",)),
    "gdp": ("GDP", "GDP", ("gdp_100m_yuan",)),
    "population": ("人口", "population", ("population_10k",)),
}


@dataclass(frozen=True)
class RuleSpec:
    id: str
    name_zh: str
    name_en: str
    formula_zh: str
    formula_en: str
    inputs: tuple[str, ...]
    options: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"id": self.id, "name_zh": self.name_zh, "name_en": self.name_en, "formula_zh": self.formula_zh,
                "formula_en": self.formula_en, "inputs": list(self.inputs), "options": self.options}


CATALOGUE: dict[str, RuleSpec] = {r.id: r for r in (
    RuleSpec("uniform", "统一比例", "uniform",
             "各市削减比例相同，等于全省削减比例：城市削减量 = 城市基准年排放量 × 全省削减比例（即与基准年排放量成正比）。",
             "Every city cuts the same percentage, the province's: a city's cut = its base-year emissions × the "
             "provincial cut % (i.e. in proportion to base-year emissions).",
             ("base_t",)),
    RuleSpec("region", "按区域定比例", "rate per region",
             "每个区域（沈阳现代化都市圈、辽宁沿海经济带、辽西先导区、辽东绿色经济区）给定削减率；城市取所属区域的削减率"
             "（属于两个区域或为部分成员时按方案规定：取严、取宽、取平均或逐市指定）；城市削减量 ∝ 基准年排放量 × 该削减率，"
             "有全省目标时按同一比例缩放使各市合计等于目标。",
             "Each regional designation (Shenyang metropolitan area, coastal belt, western zone, eastern green zone) "
             "has a cut rate; a city takes its region's rate (a city in two designations or a partial member takes "
             "what the scenario says: the strictest, the laxest, the mean, or a rate named for the city); a city's cut ∝ "
             "base-year emissions × that rate, scaled by one factor so the cities add up to the provincial target "
             "when one is given.",
             ("base_t", "regions", "region_members", "rates"),
             {"membership": list(MEMBERSHIP_POLICIES)}),
    RuleSpec("proportional", "按比例", "proportional",
             "emissions：城市削减量与基准年排放量成正比；intensity：城市削减比例与单位 GDP 排放量（排放强度）成正比，"
             "即城市削减量 ∝ 排放量 × 排放量 ÷ GDP（需要每个城市的 GDP）。",
             "emissions: a city's cut is in proportion to its base-year emissions; intensity: a city's cut % is in "
             "proportion to its emissions per unit of GDP, i.e. its cut ∝ emissions × emissions ÷ GDP (needs every "
             "city's GDP).",
             ("base_t", "gdp_100m_yuan (intensity)"), {"basis": list(PROPORTIONAL_BASES)}),
    RuleSpec("index", "加权指数", "weighted index",
             "每项输入按全省合计归一（城市值 ÷ 14 市合计），按给定权重（或熵权）加权求和得指数，指数平均为 1；"
             "城市削减比例与指数成正比，即城市削减量 ∝ 基准年排放量 × 指数。熵权：p = 归一值，e = −Σ p ln p ÷ ln n，"
             "权重 ∝ 1 − e。",
             "Each input is normalised by the province's total (city value ÷ the 14 cities' sum) and weighted (given "
             "weights, or entropy weights) into an index averaging 1; a city's cut % is in proportion to its index, "
             "i.e. its cut ∝ base-year emissions × index. Entropy weights: p = the normalised value, "
             "e = −Σ p ln p ÷ ln n, weight ∝ 1 − e.",
             ("base_t", "index inputs", "weights"), {"inputs": list(INDEX_INPUTS), "weights": "name=weight … | entropy"}),
    RuleSpec("converge", "趋同", "convergence",
             "城市允许排放量（上限）在全省上限中的份额，从基准年的排放份额直线过渡到按人口（或按 GDP）的份额，"
             "至趋同年完成：份额 = (1 − λ) × 排放量份额 + λ × 人口（GDP）份额，λ = (目标年 − 基准年) ÷ (趋同年 − 基准年)，"
             "不超过 1；城市削减量 = 基准年排放量 − 上限。",
             "A city's share of the provincial cap moves in a straight line from its base-year share of emissions "
             "to its share of population (or GDP), reached in the convergence year: share = (1 − λ) × emission share "
             "+ λ × population (GDP) share, λ = (target year − base year) ÷ (convergence year − base year), at most 1; "
             "a city's cut = base-year emissions − its cap.",
             ("base_t", "population_10k or gdp_100m_yuan"),
             {"basis": list(CONVERGE_BASES), "convergence_year": "default: the target year"}),
    RuleSpec("key_projects", "重点工程", "key projects",
             "城市削减量 ∝ 导入的重点工程清单中该市各项目减排量之和；无全省目标时即为该合计。",
             "A city's cut ∝ the sum of the tonnes of its projects in the imported key-project list; without a "
             "provincial target, that sum itself.",
             ("projects",)),
    RuleSpec("annex2017", "2017 年附件方法", "the 2017 annexes' method",
             "城市削减量 = 基准年排放量 × 辽政发〔2017〕21号附件 2–5 的该市下降比例；上限 = 基准年排放量 × (1 − 下降比例)。"
             "二氧化硫、氮氧化物的城市基数不含省直管电厂（附件 4、5 注）。全省合计为各市合计。",
             "A city's cut = its base-year emissions × its cut % in annexes 2–5 of 辽政发〔2017〕21号; its cap = base × "
             "(1 − cut %). For SO2 and NOx the city bases exclude the province-managed power plants (the note of "
             "annexes 4 and 5). The province's total is the cities' sum.",
             ("base_t", "annex cut %")),
)}


def rules_catalogue() -> list[dict]:
    """Every rule as JSON-able data: id, names, formula in words (zh, en), inputs and options.

    >>> [r["id"] for r in rules_catalogue()][:3]
    ['uniform', 'region', 'proportional']
    """
    return [r.as_dict() for r in CATALOGUE.values()]


@dataclass
class RuleResult:
    """What a rule gives: weights (≥ 0, by adcode), the space they split, per-city detail, notes.

    ``amounts`` (exact tonnes of cut) and ``implied_cents`` (their sum at the printed precision)
    are set by the rules whose inputs fix tonnes by themselves.
    """

    rule: str
    weights: pd.Series
    space: str = "cut"
    detail: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    amounts: pd.Series | None = None
    implied_cents: int | None = None
    shown: dict = field(default_factory=dict)  # parameters the rule derived (entropy weights, λ …)


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise DataValidationError(problems)


def _positive(values: pd.Series | None, names: dict[str, str], field_name: str, why: str) -> pd.Series:
    """``values`` for every city, each > 0; else every city without one named."""
    if values is None:
        raise DataValidationError(Problem(f"{why}: no {field_name} given for any city", field=field_name))
    bad = [a for a in values.index if not (pd.notna(values[a]) and float(values[a]) > 0)]
    if bad:
        raise DataValidationError([Problem(f"{names.get(a, a)} ({a}) has no {field_name} (> 0); {why}", field=field_name)
                                   for a in bad])
    return values.astype(float)


def cents_round(value: float) -> int:
    """``value`` tonnes in hundredths, rounded half up on the decimal value as printed (not on binary floats)."""
    return int((Decimal(repr(float(value))) * SCALE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- the rules


def uniform(base: pd.Series) -> RuleResult:
    """The same cut % everywhere: weights = base-year emissions."""
    return RuleResult("uniform", base.astype(float))


def region_rates(members: pd.DataFrame, rates: dict[str, float], policy: str | None, choices: dict[str, str],
                 names: dict[str, str], region_names: dict[str, str]) -> pd.DataFrame:
    """Each city's rate under the region rule, and why: columns ``regions``, ``rate_pct``, ``rate_from``.

    ``members``: region_id, adcode, membership (full | partial). A city in one region as a full member
    takes its rate; any other city (two regions, or partial) takes what ``policy`` says — strictest
    (highest rate), laxest (lowest), mean (of its regions' rates), or choice (``choices[adcode]``, one of
    its regions) — and a city that needs a policy the scenario does not give is refused, never guessed.
    """
    problems: list[Problem] = []
    if policy is not None and policy not in MEMBERSHIP_POLICIES:
        problems.append(Problem(f"membership policy {policy!r}: one of {', '.join(MEMBERSHIP_POLICIES)}",
                                field="membership"))
    for region, rate in rates.items():
        if region not in region_names:
            problems.append(Problem(f"{region!r} is not a region ({', '.join(region_names)})", field=f"rates.{region}"))
        elif not (math.isfinite(rate) and 0 <= rate <= 100):
            problems.append(Problem(f"{region_names[region]}: rate {rate!r} must be between 0 and 100 %",
                                    field=f"rates.{region}"))
    _raise(problems)
    missing: dict[str, list[str]] = {}
    rows = []
    for adcode, name in names.items():
        mine = members[members.adcode == adcode]
        regs = list(zip(mine.region_id, mine.membership))
        listed = " / ".join(_region_label(region_names[r], m, rates.get(r)) for r, m in regs)
        if not regs:
            problems.append(Problem(f"{name} ({adcode}) belongs to no region: the region rule cannot give it a rate",
                                    field="rates"))
            continue
        choice = choices.get(adcode)
        if choice is not None:
            if choice not in [r for r, _ in regs]:
                problems.append(Problem(f"{name}: the rate chosen for it, {region_names.get(choice, choice)}, is not a "
                                        f"region it belongs to ({', '.join(region_names[r] for r, _ in regs)})",
                                        field=f"choices.{adcode}"))
                continue
            used = [choice]
            how = f"choice 指定: {region_names[choice]}"
        elif len(regs) == 1 and regs[0][1] == "full":
            used = [regs[0][0]]
            how = "only region 唯一区域"
        elif policy in ("strictest", "laxest", "mean"):
            used = [r for r, _ in regs]
            how = {"strictest": "strictest 取严", "laxest": "laxest 取宽", "mean": "mean 取平均"}[policy]
        else:
            why = "in two or more regions" if len(regs) > 1 else "a partial member"
            problems.append(Problem(
                f"{name} is {why} ({listed}): the scenario must say which rate applies (membership strictest | laxest "
                f"| mean, or a choice for {name})", field="membership"))
            continue
        lacking = [r for r in used if r not in rates]
        if lacking:
            for r in lacking:
                missing.setdefault(r, []).append(name)
            continue
        values = [rates[r] for r in used]
        rate = max(values) if how.startswith("strictest") else min(values) if how.startswith("laxest") else \
            sum(values) / len(values)
        rows.append({"adcode": adcode, "regions": listed, "rate_pct": rate, "rate_from": how})
    for r, cities in missing.items():
        problems.append(Problem(f"no rate for {region_names[r]} ({r}), which {', '.join(cities)} need", field=f"rates.{r}"))
    _raise(problems)
    return pd.DataFrame(rows).set_index("adcode")


def _region_label(name: str, membership: str, rate: float | None) -> str:
    label = name if membership == "full" else f"{name}（部分 partial）"
    return f"{label} {rate:g} %" if rate is not None else f"{label} (no rate)"


def region(base: pd.Series, rates_by_city: pd.DataFrame) -> RuleResult:
    """Weights = base × the city's rate; the tonnes the rates give by themselves = base × rate ÷ 100."""
    rate = rates_by_city["rate_pct"].reindex(base.index).astype(float)
    amounts = base * rate / 100
    return RuleResult("region", base * rate, detail=rates_by_city.reindex(base.index), amounts=amounts,
                      implied_cents=sum(cents_round(v) for v in amounts))


def proportional(base: pd.Series, basis: str = "emissions", gdp: pd.Series | None = None,
                 names: dict[str, str] | None = None) -> RuleResult:
    """emissions: weights = base; intensity: weights = base × (base ÷ GDP) (the cut % ∝ intensity)."""
    if basis not in PROPORTIONAL_BASES:
        raise DataValidationError(Problem(f"basis {basis!r}: one of {', '.join(PROPORTIONAL_BASES)}", field="basis"))
    if basis == "emissions":
        return RuleResult("proportional", base.astype(float))
    g = _positive(gdp.reindex(base.index) if gdp is not None else None, names or {}, "gdp_100m_yuan",
                  "proportional to emissions per unit of GDP needs every city's GDP")
    intensity = base / g
    return RuleResult("proportional", base * intensity, detail=pd.DataFrame({"intensity_t_per_100m_yuan": intensity}))


def entropy_weights(values: pd.DataFrame) -> pd.Series:
    """Entropy weights of the columns of ``values`` (cities × inputs, each ≥ 0 with a sum > 0).

    p = value ÷ column sum; e = −Σ p ln p ÷ ln n (0 ln 0 = 0); weight = (1 − e) ÷ Σ (1 − e).
    """
    n = len(values)
    p = values / values.sum()
    logs = np.log(p.where(p > 0, 1.0))  # 0 ln 0 = 0
    e = -(p * logs).sum() / math.log(n)
    d = 1 - e
    if not d.sum() > 1e-15:
        raise DataValidationError(Problem("entropy weights are undefined: every input is the same in every city",
                                          field="weights"))
    return d / d.sum()


def index(base: pd.Series, inputs: pd.DataFrame, weights: dict[str, float] | None) -> RuleResult:
    """Weights = base × index, index = n × Σ w_k p_ik ÷ Σ w_k with p_ik = x_ik ÷ Σ_i x_ik.

    ``inputs``: one column per index input (cities × inputs, all ≥ 0); ``weights``: a weight per
    column, or None for entropy weights.
    """
    problems: list[Problem] = []
    if weights is not None:
        for k, w in weights.items():
            if k not in inputs.columns:
                problems.append(Problem(f"{k!r} is not an index input ({', '.join(inputs.columns)})", field=f"weights.{k}"))
            elif not math.isfinite(w) or w < 0:
                problems.append(Problem(f"{k}: weight {w:g} is negative or not a number; weights are ≥ 0",
                                        field=f"weights.{k}"))
        if not problems and not sum(weights.values()) > 0:
            problems.append(Problem("every weight is zero: give at least one a weight above 0", field="weights"))
    for k in inputs.columns:
        if not inputs[k].sum() > 0:
            problems.append(Problem(f"{k}: zero in every city, cannot be normalised", field=f"inputs.{k}"))
    _raise(problems)
    p = inputs / inputs.sum()
    w = entropy_weights(inputs) if weights is None else pd.Series(weights, dtype=float).reindex(inputs.columns)
    w = w / w.sum()
    idx = (p * w).sum(axis=1) * len(inputs)
    detail = pd.DataFrame({f"norm_{k}": p[k] for k in inputs.columns})
    detail["index"] = idx
    return RuleResult("index", base * idx, detail=detail, shown={"weights": {k: float(v) for k, v in w.items()},
                                                                   "entropy": weights is None})


def converge(base: pd.Series, towards: pd.Series, lam: float) -> RuleResult:
    """Cap weights = (1 − λ) × base share + λ × ``towards`` share (population or GDP), λ in [0, 1]."""
    lam = min(max(lam, 0.0), 1.0)
    w = (1 - lam) * base / base.sum() + lam * towards / towards.sum()
    detail = pd.DataFrame({"emission_share_pct": base / base.sum() * 100, "towards_share_pct": towards / towards.sum() * 100,
                           "cap_share_pct": w * 100})
    return RuleResult("converge", w, space="cap", detail=detail, shown={"lambda": lam})


def key_projects(base: pd.Series, tonnes: pd.Series) -> RuleResult:
    """Weights = the tonnes of the city's key projects (0 where it has none)."""
    t = tonnes.reindex(base.index).fillna(0.0).astype(float)
    if not t.sum() > 0:
        raise DataValidationError(Problem("the key-project list has no tonnes in any city", field="projects"))
    return RuleResult("key_projects", t, detail=pd.DataFrame({"projects_t": t}), amounts=t,
                      implied_cents=sum(cents_round(v) for v in t))


def annex2017(base: pd.Series, cut_pct: pd.Series) -> RuleResult:
    """Amounts = base × the annex's cut % ÷ 100 (each rounded to 0.01 t, as the annex's caps are)."""
    pct = cut_pct.reindex(base.index).astype(float)
    exact = [Decimal(repr(float(b))) * Decimal(repr(float(c))) / 100 for b, c in zip(base, pct)]
    cents = [int((e * SCALE).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for e in exact]
    amounts = pd.Series([float(e) for e in exact], index=base.index)
    return RuleResult("annex2017", amounts.copy(), detail=pd.DataFrame({"annex_cut_pct": pct}), amounts=amounts,
                      implied_cents=sum(cents))


# --------------------------------------------------------------------------- floors, ceilings, rounding


def _bounds_text(pct: pd.Series, names: dict[str, str], sign: str) -> str:
    given = pct.dropna()
    if len(given) == len(pct) and given.nunique() == 1:
        return f"cut {sign} {given.iloc[0]:g} % in every city"
    return ", ".join(f"{names.get(a, a)} {sign} {v:g} %" for a, v in given.items())


def bounded_split(total_cut: float, rule: RuleResult, base: pd.Series, floor_pct: pd.Series, ceiling_pct: pd.Series,
                  names: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Each city's cut (exact tonnes) and which bound holds it (``floor`` | ``ceiling`` | ``""``).

    The total is split in proportion to the rule's weights (in cut or cap space); a city whose cut %
    would pass its floor or ceiling is held there and the remainder spread over the free cities in
    proportion to their weights, repeatedly. At each round the side that passes by more (above the
    ceilings or below the floors) is held first, so the result is the proportional split closest to the
    rule's that keeps every bound. Bounds that cannot all hold with ``total_cut`` are refused.
    """
    fl = floor_pct.reindex(base.index).astype(float)
    ce = ceiling_pct.reindex(base.index).astype(float).fillna(100.0)
    problems = [Problem(f"{names.get(a, a)}: floor {fl[a]:g} % is above its ceiling {ce[a]:g} %", field=f"floors.{a}")
                for a in base.index if pd.notna(fl[a]) and fl[a] > ce[a]]
    _raise(problems)
    lo_cut = (base * fl / 100).fillna(-np.inf)
    hi_cut = base * ce / 100
    tol = 0.5 / SCALE
    if lo_cut.sum() > total_cut + tol:
        raise DataValidationError(Problem(
            f"the floors ({_bounds_text(fl, names, '≥')}) need a cut of at least {lo_cut.sum():,.2f} t, more than the "
            f"provincial cut of {total_cut:,.2f} t: lower the floors or raise the target", field="floors"))
    if hi_cut.sum() < total_cut - tol:
        raise DataValidationError(Problem(
            f"the ceilings ({_bounds_text(ce, names, '≤')}) allow a cut of at most {hi_cut.sum():,.2f} t, less than the "
            f"provincial cut of {total_cut:,.2f} t: raise the ceilings or lower the target", field="ceilings"))
    if rule.space == "cap":
        amounts, bound = _proportional_within(float(base.sum() - total_cut), rule.weights, base - hi_cut, base - lo_cut,
                                              names)
        return base - amounts, bound.replace({"low": "ceiling", "high": "floor"})
    amounts, bound = _proportional_within(total_cut, rule.weights, lo_cut, hi_cut, names)
    return amounts, bound.replace({"low": "floor", "high": "ceiling"})


def _proportional_within(total: float, weights: pd.Series, lo: pd.Series, hi: pd.Series, names: dict[str, str]
                         ) -> tuple[pd.Series, pd.Series]:
    w = weights.astype(float)
    held = pd.Series("", index=w.index, dtype=object)
    x = pd.Series(0.0, index=w.index)
    for _ in range(len(w) + 1):
        free = held == ""
        rem = total - x[~free].sum()
        wf = w[free]
        if not free.any():
            break
        if wf.sum() <= 0:
            if abs(rem) > 0.5 / SCALE:
                raise DataValidationError(Problem(
                    f"{rem:,.2f} t are left to cities the rule gives no share ({', '.join(names.get(a, a) for a in wf.index)})"
                    ": loosen the bounds", field="ceilings"))
            x[free] = 0.0
            break
        x[free] = rem * wf / wf.sum()
        over = free & (x > hi + 1e-9)
        under = free & (x < lo - 1e-9)
        if not over.any() and not under.any():
            break
        if (x[over] - hi[over]).sum() >= (lo[under] - x[under]).sum():
            x[over], held[over] = hi[over], "high"
        else:
            x[under], held[under] = lo[under], "low"
    return x, held


def largest_remainder(amounts: pd.Series, total_cents: int) -> pd.Series:
    """``amounts`` in hundredths (int), adding up to ``total_cents`` exactly: each rounded down, then the
    hundredths left over go one each to the largest remainders (ties: the first in order)."""
    units = amounts.astype(float) * SCALE
    down = np.floor(units + 1e-6)
    frac = units - down
    out = down.astype("int64")
    k = int(total_cents - out.sum())
    n = len(out)
    if n == 0:
        return out
    q, k = divmod(k, n)
    out += q
    order = sorted(range(n), key=lambda i: (-frac.iloc[i], i))
    for i in order[:k]:
        out.iloc[i] += 1
    return out
