"""A scenario: which provincial target is split among the cities, by which rule, with which inputs.

A :class:`Scenario` is plain data (JSON both ways: :meth:`Scenario.as_dict`, :func:`scenario_from_dict`)
so that it can be stored with versions (:mod:`geo.allocation.store`), put in a URL or sent to the
dashboard. :func:`check_scenario` validates one and returns it normalised (region rates keyed by
region id, floors, ceilings and choices keyed by adcode); every problem names its field.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

from geo.allocation.inputs import ALL_POLLUTANTS, ANNEX_BASE_YEAR, ANNEX_TARGET_YEAR, check_inputs, check_projects, load_cities
from geo.allocation.rules import CATALOGUE, CONVERGE_BASES, INDEX_INPUTS, MEMBERSHIP_POLICIES, PROPORTIONAL_BASES
from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings

TARGET_KINDS = ("total_cut_pct", "intensity_cut_pct", "key_project_t", "cap_t")
#: Rules whose inputs fix tonnes by themselves: the target may be left empty (the cities' sum).
IMPLIED_TOTAL_RULES = ("region", "key_projects", "annex2017")
ALL = "*"


@dataclass(frozen=True)
class Target:
    """The provincial target: pollutant (cod | nh3n | so2 | nox | co2), kind, value.

    kind: ``total_cut_pct`` (% of the base-year total), ``intensity_cut_pct`` (% cut of emissions per
    unit of GDP; split as a total cut, i.e. assuming every city's GDP grows alike), ``key_project_t``
    (tonnes cut by key projects), ``cap_t`` (the target year's total, t). ``value`` None: the
    cities' sum the rule's inputs give (``region``, ``key_projects``, ``annex2017``).
    """

    pollutant: str
    kind: str = "total_cut_pct"
    value: float | None = None


@dataclass(frozen=True)
class RuleInputs:
    """The rule's inputs. Percentages are cuts in % of the base year; keys of ``floors``,
    ``ceilings`` and ``choices`` are cities (adcode or name; ``*`` = every city), keys of ``rates``
    regions (id or name)."""

    base_year: int = ANNEX_BASE_YEAR
    basis: str | None = None  # proportional: emissions | intensity; converge: per_capita | per_gdp
    weights: dict[str, float] | None = None  # index: input → weight; None with entropy=True
    entropy: bool = False
    rates: dict[str, float] = field(default_factory=dict)
    membership: str | None = None  # strictest | laxest | mean | choice
    choices: dict[str, str] = field(default_factory=dict)
    floors: dict[str, float] = field(default_factory=dict)
    ceilings: dict[str, float] = field(default_factory=dict)
    convergence_year: int | None = None


@dataclass(frozen=True)
class Scenario:
    """A plan period's provincial target, the rule that splits it, its inputs, and who wrote it.

    ``table``: the scenario's own input rows (adcode, year, emission_t, gdp_100m_yuan, population_10k,
    province_plants_t, source); ``projects``: a key-project list (adcode, project, tonnes, source).
    """

    name: str
    target: Target
    rule: str
    plan: str = "十三五"
    target_year: int = ANNEX_TARGET_YEAR
    inputs: RuleInputs = field(default_factory=RuleInputs)
    table: tuple[dict, ...] = ()
    projects: tuple[dict, ...] = ()
    author: str = ""
    date: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        d = asdict(self)
        d["table"], d["projects"] = list(self.table), list(self.projects)
        return d

    def with_base_year(self, year: int) -> Scenario:
        return replace(self, inputs=replace(self.inputs, base_year=year))


def scenario_from_dict(data: dict) -> Scenario:
    """The scenario a :meth:`Scenario.as_dict` (or JSON of one) describes; unknown keys are refused."""
    problems: list[Problem] = []

    def pick(cls, d, where: str) -> dict:
        if not isinstance(d, dict):
            problems.append(Problem(f"expected an object, got {type(d).__name__}", field=where or None))
            return {}
        known = set(cls.__dataclass_fields__)
        for k in d:
            if k not in known:
                problems.append(Problem(f"unknown key {k!r} (known: {', '.join(sorted(known))})",
                                        field=f"{where}.{k}" if where else k))
        return {k: v for k, v in d.items() if k in known}

    top = pick(Scenario, data, "")
    target = Target(**pick(Target, top.pop("target", {}), "target"))
    inputs = RuleInputs(**pick(RuleInputs, top.pop("inputs", {}) or {}, "inputs"))
    if problems:
        raise DataValidationError(problems)
    for k in ("table", "projects"):
        top[k] = tuple(top.get(k) or ())
    try:
        return Scenario(target=target, inputs=inputs, **top)
    except TypeError as e:
        raise DataValidationError(Problem(f"not a scenario: {e}")) from e


def _number(value: object, where: str, problems: list[Problem], *, low: float | None = None, high: float | None = None
            ) -> float | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        problems.append(Problem(f"{value!r} is not a number", field=where))
        return None
    if not math.isfinite(v) or (low is not None and v < low) or (high is not None and v > high):
        bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else \
            f"at least {low:g}" if low is not None else "finite"
        problems.append(Problem(f"{value!r}: must be {bounds}", field=where))
        return None
    return v


def resolve_region(text: str, regions) -> str | None:
    """The region id of ``text``: an id or any of its names (沈阳现代化都市圈, 都市圈, Coastal belt …)."""
    key = str(text).strip().lower()
    for r in regions.itertuples():
        if key in {str(v).strip().lower() for v in (r.region_id, r.name_zh, r.name_en, r.short_zh, r.short_en) if v}:
            return str(r.region_id)
    return None


def check_scenario(s: Scenario, settings: Settings | None = None) -> Scenario:
    """``s`` validated and normalised; :class:`DataValidationError` lists every field at fault."""
    from geo.places.regions import load_regions

    problems: list[Problem] = []
    if not isinstance(s.name, str) or not s.name.strip() or len(s.name) > 64:
        problems.append(Problem("a scenario needs a name of 1–64 characters", field="name"))
    if s.rule not in CATALOGUE:
        problems.append(Problem(f"rule {s.rule!r}: one of {', '.join(CATALOGUE)}", field="rule"))
    t = s.target
    if t.pollutant not in ALL_POLLUTANTS:
        problems.append(Problem(f"pollutant {t.pollutant!r}: one of {', '.join(ALL_POLLUTANTS)}", field="target.pollutant"))
    if t.kind not in TARGET_KINDS:
        problems.append(Problem(f"kind {t.kind!r}: one of {', '.join(TARGET_KINDS)}", field="target.kind"))
    value = None
    if t.value is None:
        if s.rule not in IMPLIED_TOTAL_RULES:
            problems.append(Problem(f"the {s.rule} rule needs a provincial target value (e.g. --target-cut-pct)",
                                    field="target.value"))
    else:
        if s.rule == "annex2017":
            problems.append(Problem("annex2017 takes every city's cut % from the 2017 annexes: its provincial total is "
                                    "the cities' sum, so it takes no target value (leave it empty)", field="target.value"))
        is_pct = t.kind in ("total_cut_pct", "intensity_cut_pct")
        value = _number(t.value, "target.value", problems, low=-100.0 if is_pct else None,
                        high=100.0 if is_pct else None)
    i = s.inputs
    if not isinstance(i.base_year, int) or not 1949 <= i.base_year <= 2100:
        problems.append(Problem(f"base year {i.base_year!r}: a year between 1949 and 2100", field="inputs.base_year"))
    elif not isinstance(s.target_year, int) or not i.base_year < s.target_year <= 2100:
        problems.append(Problem(f"target year {s.target_year!r}: after the base year {i.base_year}", field="target_year"))
    if s.rule == "proportional" and (i.basis or "emissions") not in PROPORTIONAL_BASES:
        problems.append(Problem(f"basis {i.basis!r}: one of {', '.join(PROPORTIONAL_BASES)}", field="inputs.basis"))
    if s.rule == "converge" and (i.basis or "per_capita") not in CONVERGE_BASES:
        problems.append(Problem(f"basis {i.basis!r}: one of {', '.join(CONVERGE_BASES)}", field="inputs.basis"))
    if s.rule == "converge" and i.convergence_year is not None and (
            not isinstance(i.convergence_year, int) or i.convergence_year <= i.base_year):
        problems.append(Problem(f"convergence year {i.convergence_year!r}: after the base year", field="inputs.convergence_year"))
    if s.rule == "index":
        if i.weights is None and not i.entropy:
            problems.append(Problem("the index rule needs weights (input=weight, …) or entropy weights", field="inputs.weights"))
        for k in (i.weights or {}):
            if k not in INDEX_INPUTS:
                problems.append(Problem(f"{k!r} is not an index input ({', '.join(INDEX_INPUTS)})", field=f"inputs.weights.{k}"))
    if i.membership is not None and i.membership not in MEMBERSHIP_POLICIES:
        problems.append(Problem(f"membership {i.membership!r}: one of {', '.join(MEMBERSHIP_POLICIES)}",
                                field="inputs.membership"))
    cities = load_cities(settings)
    regions = load_regions(settings)

    def by_city(d: dict, where: str, convert) -> dict:
        out = {}
        for k, v in (d or {}).items():
            adcode = ALL if str(k).strip() == ALL else cities.resolve(k)
            if adcode is None:
                problems.append(Problem(f"{k!r} is not one of Liaoning's 14 cities", field=f"{where}.{k}"))
                continue
            got = convert(v, f"{where}.{k}")
            if got is not None:
                out[adcode] = got
        return out

    def pct(v, where):
        return _number(v, where, problems, low=-100.0, high=100.0)

    def region_id(v, where):
        rid = resolve_region(v, regions)
        if rid is None:
            problems.append(Problem(f"{v!r} is not a region ({', '.join(regions.region_id)})", field=where))
        return rid

    floors = by_city(i.floors, "inputs.floors", pct)
    ceilings = by_city(i.ceilings, "inputs.ceilings", pct)
    choices = by_city(i.choices, "inputs.choices", region_id)
    rates = {}
    for k, v in (i.rates or {}).items():
        rid = region_id(k, f"inputs.rates.{k}")
        rate = _number(v, f"inputs.rates.{k}", problems, low=0.0, high=100.0)
        if rid is not None and rate is not None:
            if rid in rates:
                problems.append(Problem(f"{k!r}: a second rate for {rid}", field=f"inputs.rates.{k}"))
            rates[rid] = rate
    weights = None
    if i.weights is not None:
        weights = {}
        for k, v in i.weights.items():
            w = _number(v, f"inputs.weights.{k}", problems)
            if w is not None:
                if w < 0:
                    problems.append(Problem(f"{k}: weight {w:g} is negative; weights are ≥ 0", field=f"inputs.weights.{k}"))
                weights[k] = w
        if weights and not problems and not sum(weights.values()) > 0:
            problems.append(Problem("every weight is zero: give at least one a weight above 0", field="inputs.weights"))
    table: tuple[dict, ...] = ()
    projects: tuple[dict, ...] = ()
    try:
        table = tuple(check_inputs(list(s.table), source="table", settings=settings)) if s.table else ()
    except DataValidationError as e:
        problems += e.problems
    try:
        projects = tuple(check_projects(list(s.projects), source="projects", settings=settings)) if s.projects else ()
    except DataValidationError as e:
        problems += e.problems
    if problems:
        raise DataValidationError(problems)
    return replace(s, name=s.name.strip(), target=replace(t, value=value),
                   inputs=replace(i, rates=rates, floors=floors, ceilings=ceilings, choices=choices, weights=weights),
                   table=table, projects=projects)
