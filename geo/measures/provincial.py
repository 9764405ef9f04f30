"""The province's own targets (``provincial_targets.csv``) against the province's own observed values.

An observed-values file may carry rows for the province (城市 = 辽宁省 or Liaoning, adcode 210000)
beside the cities' (:mod:`geo.measures.observed`). Those rows give progress against the provincial targets
they measure; the city table (one row per city) is unchanged.

- Emission totals, 辽政发〔2017〕21号 clause 一(二) (COD 101.1, NH3-N 8.8, SO2 77.5, NOx 66.2 万吨 in 2020,
  cuts of 13.4, 8.8, 20, 20 % against 2015): the 2015 total the clause implies is cap ÷ (1 − cut ÷ 100)
  (as ``reconciliation.csv``); per observed year Y of 2016–2020 the straight path from it to the cap,
  path − observed (> 0 ahead of the path), progress (implied 2015 − observed) ÷ (implied 2015 − cap) × 100
  and observed − cap. The same formulas as the cities' (:func:`geo.measures.observed.annual_table`).
- Energy intensity, clause 一(二) (−15 %, 2015→2020) and 辽环发〔2023〕39号 clause 二(三) (−14.5 %, 2020→2025):
  cumulative decline from the yearly declines and progress = cumulative ÷ target × 100
  (:mod:`geo.measures.energy`, which documents why yearly declines compound).
- Energy increment cap, clause 一(二) (3550 万吨标准煤 over 2016–2020): cumulative increment and headroom.

The other provincial targets (coal share, forest cover, …) have no measure the import takes; they
are counted, not listed (:func:`provincial_progress`).
"""

from __future__ import annotations

import re

import pandas as pd

from geo.core.settings import Settings
from geo.measures.catalogue import POLLUTANTS, THIRTEENTH, Period
from geo.measures.energy import energy_table
from geo.measures.observed import annual_table
from geo.measures.targets import load_targets, province_baselines, target_citation
from geo.places.gazetteer import LIAONING

#: What a provincial target id measures, by pattern: pollutant totals (with their cut row), the intensity cut,
#: the increment cap.
_TOTAL = re.compile(rf"^ln(\d{{4}})_({'|'.join(POLLUTANTS)})_total_10kt$")
_INTENSITY = re.compile(r"^ln(\d{4})_energy_intensity_cut_pct$")
_INCREMENT = re.compile(r"^ln(\d{4})_energy_increment_cap_10kt_ce$")
_CUT = re.compile(rf"^ln(\d{{4}})_({'|'.join(POLLUTANTS)})_cut_pct$")  # measured with its total
COLUMNS = ["target_id", "indicator_zh", "indicator_en", "citation", "relation", "target", "target_unit", "base_year",
           "target_year", "year", "observed", "observed_unit", "compared", "compared_unit", "path", "ahead_of_path",
           "progress_pct", "gap", "formula", "observed_source"]


def _sources(observed: pd.DataFrame) -> dict[str, str]:
    """indicator_id -> "source (dataset, row n)" of the province's observed rows."""
    return {r.indicator_id: f"{r.source} ({r.dataset_id}, row {int(r.source_row)})" for r in observed.itertuples()}


def provincial_progress(observed: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """One row per provincial target and observed year it can be measured in (:data:`COLUMNS`); empty
    when ``observed`` has no province rows. ``compared`` is what is set against the target (the observed
    total, or the cumulative decline or increment); ``gap`` is compared − target for a cap (> 0 over
    it) and target − compared for a cut (> 0 still to cut); ``formula`` says which, per row."""
    rows: list[dict] = []
    mine = observed[observed.adcode.astype(str) == LIAONING] if len(observed) else observed
    if not len(mine):
        return pd.DataFrame(columns=COLUMNS)
    targets = load_targets(settings)
    sources = _sources(mine)
    for target_id, t in targets.iterrows():
        target_id = str(target_id)
        base: dict = {"target_id": target_id, "indicator_zh": t.indicator_zh, "indicator_en": t.indicator_en,
                      "citation": target_citation(t), "relation": t.relation, "target": float(t.value),
                      "target_unit": t.unit, "base_year": t.base_year, "target_year": t.target_year}
        if m := _TOTAL.match(target_id):
            rows += _totals(m.group(2), base, mine, sources, annual_table, settings)
        elif m := _INTENSITY.match(target_id):
            rows += _energy(_DECLINE, int(t.base_year), int(m.group(1)), base, mine, sources)
        elif m := _INCREMENT.match(target_id):
            # 3550 is 十三五's cap on the energy added over 2016–2020 (clause 一(二)): base year 2015.
            b = int(t.base_year) if t.base_year else THIRTEENTH.base_year
            rows += _energy(_ADDED, b, int(m.group(1)), base, mine, sources)
    return pd.DataFrame.from_records(rows, columns=COLUMNS)


#: The two energy measures: (target column, observed id, cumulative id, progress id, unit, formula, gap sign).
_DECLINE = ("energy_intensity_cut_target_{t}_pct", "energy_intensity_decline_{y}_observed_pct",
            "energy_intensity_cumulative_decline_{y}_pct", "energy_intensity_progress_{y}_pct", "%",
            "compared = (1 − Π(1 − yearly decline ÷ 100), {span}) × 100; progress = compared ÷ target × 100; "
            "gap = target − compared (> 0 still to cut)", -1)
_ADDED = ("energy_increment_cap_{t}_10kt_ce", "energy_increment_{y}_observed_10kt_ce",
          "energy_increment_cumulative_{y}_10kt_ce", "", "万吨标准煤",
          "compared = Σ yearly increments {span}; gap = compared − cap (> 0 over the cap, < 0 headroom)", 1)


def _energy(measure: tuple, b: int, t: int, base: dict, mine: pd.DataFrame, sources: dict) -> list[dict]:
    """Rows of an energy target from base year ``b`` to target year ``t``, by :func:`geo.measures.energy.energy_table`."""
    target_col, obs_id, cum_id, progress_id, unit, formula, sign = measure
    cities = pd.DataFrame({"adcode": [LIAONING], target_col.format(t=t): [base["target"]]})
    e = energy_table(cities, mine, Period(f"{b}–{t}", b, t)).iloc[0]
    out = []
    for y in range(b + 1, t + 1):
        obs, cum = _num(e.get(obs_id.format(y=y))), _num(e.get(cum_id.format(y=y)))
        if obs is None:
            continue
        out.append({**base, "year": y, "observed": obs, "observed_unit": unit, "compared": cum, "compared_unit": unit,
                    "progress_pct": _num(e.get(progress_id.format(y=y))) if progress_id else None,
                    "gap": None if cum is None else round(sign * (cum - base["target"]), 2) + 0.0,
                    "formula": formula.format(span=f"{b + 1}–{y}")
                    + ("" if cum is not None else "; a year is missing: no cumulative"),
                    "observed_source": sources.get(obs_id.format(y=y), "")})
    return out


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _totals(p: str, base: dict, mine: pd.DataFrame, sources: dict, annual_table, settings) -> list[dict]:
    implied, cap = province_baselines(settings)[p]
    per = THIRTEENTH
    cities = pd.DataFrame({"adcode": [LIAONING], per.baseline_id(p): [implied], per.cap_id(p): [cap]})
    a = annual_table(cities, mine, per).iloc[0]
    out = []
    for y in range(per.base_year + 1, per.target_year + 1):
        obs = _num(a.get(f"{p}_emission_{y}_observed_t"))
        if obs is None:
            continue
        out.append({**base, "year": y, "observed": obs, "observed_unit": "t", "compared": obs, "compared_unit": "t",
                    "path": _num(a.get(f"{p}_path_{y}_t")), "ahead_of_path": _num(a.get(f"{p}_ahead_of_path_{y}_t")),
                    "progress_pct": round((implied - obs) / (implied - cap) * 100, 2) + 0.0,
                    "gap": round(obs - cap, 2) + 0.0,
                    "formula": f"implied 2015 = {cap:g} t ÷ (1 − cut ÷ 100) = {implied:,.2f} t; path = implied 2015 − "
                               f"(implied 2015 − cap) × ({y} − 2015) ÷ 5; ahead = path − observed; progress = "
                               "(implied 2015 − observed) ÷ (implied 2015 − cap) × 100; gap = observed − cap "
                               "(> 0 still to cut)",
                    "observed_source": sources.get(f"{p}_emission_{y}_observed_t", "")})
    return out


def unmeasured(settings: Settings | None = None) -> int:
    """How many provincial targets no imported measure speaks to."""
    ids = load_targets(settings).target_id
    return int(sum(not any(r.match(i) for r in (_TOTAL, _CUT, _INTENSITY, _INCREMENT)) for i in ids))
