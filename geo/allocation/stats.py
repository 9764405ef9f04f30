"""What stands beside every allocation: extremes, inequality, base-year sensitivity, a declining path.

- the smallest and largest cut % (with their cities);
- Gini and Theil of the cities' caps per capita and per unit of GDP — only where the scenario's input
  table has every city's population or GDP for the base year (cities are the units, unweighted;
  the same of the base year's emissions beside them, for comparison);
- the change of each city's share of the provincial cut (percentage points) when the base year moves
  by one year, where the inputs have emissions for that year too;
- a straight declining path: each city's emissions from the base year to its cap in the target year,
  the same tonnes each year.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from geo.allocation.inputs import ANNEX_BASE_YEAR, POLLUTANTS
from geo.allocation.rules import PLACES
from geo.core.errors import DataValidationError

#: An :class:`geo.allocation.engine.Allocation` (not imported: the engine imports this module).
Allocation = Any


def gini(values) -> float:
    """Gini coefficient: Σ_i Σ_j |x_i − x_j| ÷ (2 n² mean)."""
    x = np.asarray(values, dtype=float)
    n, mean = len(x), float(np.mean(x))
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * mean))


def theil(values) -> float | None:
    """Theil T index: (1/n) Σ (x_i ÷ mean) ln(x_i ÷ mean); None when a value is not above 0."""
    x = np.asarray(values, dtype=float)
    if (x <= 0).any():
        return None
    r = x / x.mean()
    return float(np.mean(r * np.log(r)))


def declining_path(table: pd.DataFrame, *, base_year: int, target_year: int) -> pd.DataFrame:
    """One row per city and year: emissions falling in a straight line from ``base_t`` to ``cap_t``
    (``cap = base − cut × (year − base year) ÷ (target year − base year)``, to 0.01 t)."""
    rows = []
    span = target_year - base_year
    for r in table.itertuples():
        for year in range(base_year, target_year + 1):
            value = r.base_t - r.cut_t * (year - base_year) / span
            rows.append({"adcode": r.adcode, "name_zh": r.name_zh, "year": year, "emission_t": round(value, PLACES)})
    return pd.DataFrame(rows)


def _column(alloc: Allocation, column: str, year: int) -> pd.Series:
    return pd.Series({r["adcode"]: r[column] for r in alloc.scenario.table
                      if r["year"] == year and r.get(column) is not None}, dtype=float)


def inequality(alloc: Allocation) -> dict:
    """Gini and Theil of caps (and of base-year emissions) per capita and per GDP, where those inputs exist."""
    year = alloc.scenario.inputs.base_year
    t = alloc.table.set_index("adcode")
    out = {}
    for key, column, unit in (("per_capita", "population_10k", "t per 10k people"),
                              ("per_gdp", "gdp_100m_yuan", "t per 100m yuan")):
        denominator = _column(alloc, column, year).reindex(t.index)
        if denominator.isna().any() or not (denominator > 0).all():
            out[key] = {"available": False,
                        "why": f"the input table has no {year} {column} for every city"}
            continue
        caps = t["cap_t"] / denominator
        bases = t["base_t"] / denominator
        out[key] = {"available": True, "unit": unit, "denominator": f"{column} {year}",
                    "gini": gini(caps), "theil": theil(caps), "gini_base": gini(bases), "theil_base": theil(bases)}
    return out


def _has_year(alloc: Allocation, year: int) -> bool:
    s = alloc.scenario
    rows = [r for r in s.table if r["year"] == year and r.get("emission_t") is not None]
    return len({r["adcode"] for r in rows}) == len(alloc.table) or (
        year == ANNEX_BASE_YEAR and s.target.pollutant in POLLUTANTS and not rows)


def base_year_sensitivity(alloc: Allocation, rerun: Callable[[Any], Allocation]) -> dict:
    """Δ share of the provincial cut (percentage points) per city when the base year is one year earlier
    or later, for each neighbouring year with emissions for every city (``rerun``: the scenario → its
    allocation)."""
    s = alloc.scenario
    out: dict = {}
    before = alloc.table.set_index("adcode")["cut_t"]
    for year in (s.inputs.base_year - 1, s.inputs.base_year + 1):
        if year >= s.target_year or not _has_year(alloc, year):
            continue
        try:
            moved = rerun(s.with_base_year(year))
        except DataValidationError as e:
            out[str(year)] = {"error": str(e)}
            continue
        after = moved.table.set_index("adcode")["cut_t"]
        delta = (after / after.sum() - before / before.sum()) * 100 if before.sum() and after.sum() else after * math.nan
        out[str(year)] = {"delta_share_pp": {a: round(float(v), 4) for a, v in delta.items()},
                          "max_abs_pp": round(float(delta.abs().max()), 4),
                          "province_cut_t": moved.province["cut_t"]}
    return {"available": bool(out), "years": out} if out else {
        "available": False, "why": "the inputs have one base year only: give emissions for a neighbouring year"}


def extremes(alloc: Allocation) -> dict:
    t = alloc.table
    lo, hi = t.loc[t["cut_pct"].idxmin()], t.loc[t["cut_pct"].idxmax()]
    return {"smallest": {"adcode": lo.adcode, "name_zh": lo.name_zh, "cut_pct": float(lo.cut_pct)},
            "largest": {"adcode": hi.adcode, "name_zh": hi.name_zh, "cut_pct": float(hi.cut_pct)}}


def beside(alloc: Allocation, rerun: Callable[[Any], Allocation]) -> dict:
    return {"extremes": extremes(alloc), "inequality": inequality(alloc),
            "base_year_sensitivity": base_year_sensitivity(alloc, rerun)}
