"""Energy observed year by year, against 附件1 of 辽政发〔2017〕21号 (or a later plan's energy targets).

附件1 gives each city two 十三五 targets: the cut in energy use per unit of GDP from 2015 to 2020
(能耗强度降低目标, %) and a cap on the energy use added over 2016–2020 (能耗增量控制目标, 万吨标准煤).
Statistics report each year on its own: the decline of the year's intensity against the year
before (%) and the year's increment (万吨标准煤). Imported with the observed values
(:mod:`geo.measures.observed`), they become, per city and year Y of the plan period (base year B, target T):

- ``energy_intensity_cumulative_decline_Y_pct`` = (1 − Π(1 − d_k ÷ 100) for k = B+1 … Y) × 100.
  Yearly declines compound, they are not added: with intensity I_k = energy_k ÷ GDP_k, the year's
  decline is d_k = (I_{k−1} − I_k) ÷ I_{k−1} × 100, so I_Y ÷ I_B = Π(1 − d_k ÷ 100), and 附件1's target is a
  cut "比2015年下降" (clause 一(二): the cut of I_2020 against I_2015), i.e. 1 − I_Y ÷ I_B. Two years of
  10 % give 19 %, not 20 %. The formula holds when every d_k is measured at the same constant
  prices; a yearbook that revises earlier GDP may print a cumulative figure a little apart.
- ``energy_intensity_progress_Y_pct`` = cumulative decline ÷ the target × 100 (100 = target reached).
- ``energy_increment_cumulative_Y_10kt_ce`` = Σ increment_k for k = B+1 … Y.
- ``energy_increment_headroom_Y_10kt_ce`` = the cap − the cumulative increment (< 0: over the cap).

A cumulative figure needs every year from B+1 to Y: a missing year leaves it (and the progress
and headroom of that year and later) as no data, never as a zero decline. Rounded to 0.01, the
annexes' printed precision; progress and headroom are taken of the rounded cumulative, as the
table prints it. Catalogue entries (names, formula, citation): :func:`geo.measures.catalogue.lookup`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from geo.measures.catalogue import THIRTEENTH, Period

DECIMALS = 2


def decline_id(year: int) -> str:
    return f"energy_intensity_decline_{year}_observed_pct"


def increment_id(year: int) -> str:
    return f"energy_increment_{year}_observed_10kt_ce"


def target_ids(period: Period) -> tuple[str, str]:
    """The period's intensity-cut target and increment-cap columns: the catalogue's for 十三五
    (附件1 第1、2列), ``energy_intensity_cut_target_T_pct`` / ``energy_increment_cap_T_10kt_ce`` for a later plan."""
    if period.name == THIRTEENTH.name:
        return "energy_intensity_cut_target_pct", "energy_increment_cap_10kt_ce"
    t = period.target_year
    return f"energy_intensity_cut_target_{t}_pct", f"energy_increment_cap_{t}_10kt_ce"


def cumulative_decline(declines: Sequence[float]) -> float:
    """Yearly declines in % -> the cumulative decline in %, unrounded: (1 − Π(1 − d ÷ 100)) × 100.

    >>> round(cumulative_decline([10, 10]), 6)
    19.0
    """
    return (1 - math.prod(1 - d / 100 for d in declines)) * 100


def _rows(observed: pd.DataFrame, prefix: str) -> pd.DataFrame:
    if not len(observed):
        return observed
    return observed[(observed.pollutant == "energy") & observed.indicator_id.str.startswith(prefix)]


def _by_year(rows: pd.DataFrame, adcodes: Iterable[str]) -> dict[int, pd.Series]:
    index = pd.Index([str(a) for a in adcodes])
    out = {}
    for y in sorted(int(y) for y in rows.year.unique()):
        mine = rows[rows.year.astype(int) == y]
        out[y] = pd.Series(index.map(mine.set_index(mine.adcode.astype(str)).value), dtype=float)
    return out


def energy_table(cities: pd.DataFrame, observed: pd.DataFrame, period: Period | None = None) -> pd.DataFrame:
    """Energy measures of every observed year, per city: ``adcode``, then

    - ``energy_intensity_decline_Y_observed_pct`` and ``energy_increment_Y_observed_10kt_ce`` for every
      year the dataset has;
    - for each year Y of ``period`` (default 十三五: 2016–2020) with the city's values for every year
      from the base year + 1 to Y: the cumulative decline and increment, progress against the intensity
      target and headroom under the increment cap (when ``cities`` has the period's target columns,
      :func:`target_ids`).

    Rows of ``cities`` keep their order; a city without values has no data (NaN) in every column.
    """
    per = period or THIRTEENTH
    out = cities[["adcode"]].reset_index(drop=True)
    adcodes = out.adcode.astype(str)
    cut_id, cap_id = target_ids(per)
    cut = cities[cut_id].astype(float).reset_index(drop=True) if cut_id in cities else None
    cap = cities[cap_id].astype(float).reset_index(drop=True) if cap_id in cities else None
    columns: dict[str, pd.Series] = {}
    for prefix, name in (("energy_intensity_decline_", decline_id), ("energy_increment_", increment_id)):
        by_year = _by_year(_rows(observed, prefix), adcodes)
        for y, values in by_year.items():
            columns[name(y)] = values
        years = range(per.base_year + 1, per.target_year + 1)
        if not any(y in by_year for y in years):
            continue
        running: pd.Series | None = None
        for y in years:
            values = by_year.get(y, pd.Series(float("nan"), index=out.index))
            if prefix == "energy_intensity_decline_":
                factor = 1 - values / 100
                running = factor if running is None else running * factor  # NaN once a year is missing
                cumulative = ((1 - running) * 100).round(DECIMALS) + 0.0
                columns[f"energy_intensity_cumulative_decline_{y}_pct"] = cumulative
                if cut is not None:
                    columns[f"energy_intensity_progress_{y}_pct"] = (
                        cumulative / cut.where(cut != 0) * 100).round(DECIMALS) + 0.0
            else:
                running = values if running is None else running + values
                total = running.round(DECIMALS) + 0.0
                columns[f"energy_increment_cumulative_{y}_10kt_ce"] = total
                if cap is not None:
                    columns[f"energy_increment_headroom_{y}_10kt_ce"] = (cap - total).round(DECIMALS) + 0.0
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


def energy_trajectory(cities: pd.DataFrame, observed: pd.DataFrame, adcode: str,
                      period: Period | None = None) -> list[dict]:
    """One city's energy year by year, for a chart or a panel: ``[{year, decline_pct, cumulative_decline_pct,
    target_pct, progress_pct, increment_10kt_ce, cumulative_increment_10kt_ce, cap_10kt_ce, headroom_10kt_ce}]``
    for each year of the period after the base year, then any later observed year (values of its own only).
    Missing values are None; an empty list for an adcode not in ``cities``."""
    per = period or THIRTEENTH
    row = cities[cities.adcode.astype(str) == str(adcode)]
    if row.empty:
        return []
    table = energy_table(row, observed, per).iloc[0]
    cut_id, cap_id = target_ids(per)
    r = row.iloc[0]

    def num(key: str, source: pd.Series = table) -> float | None:
        v = source.get(key)
        return None if v is None or pd.isna(v) else float(v)

    years = set(range(per.base_year + 1, per.target_year + 1))
    mine = observed[(observed.adcode.astype(str) == str(adcode)) & (observed.pollutant == "energy")] \
        if len(observed) else observed
    years |= {int(y) for y in mine.year} if len(mine) else set()
    out = []
    for y in sorted(years):
        in_plan = per.base_year < y <= per.target_year  # a later year: its own values, no target of this plan
        out.append({
            "year": y, "decline_pct": num(decline_id(y)),
            "cumulative_decline_pct": num(f"energy_intensity_cumulative_decline_{y}_pct"),
            "target_pct": num(cut_id, r) if in_plan else None, "progress_pct": num(f"energy_intensity_progress_{y}_pct"),
            "increment_10kt_ce": num(increment_id(y)),
            "cumulative_increment_10kt_ce": num(f"energy_increment_cumulative_{y}_10kt_ce"),
            "cap_10kt_ce": num(cap_id, r) if in_plan else None, "headroom_10kt_ce": num(f"energy_increment_headroom_{y}_10kt_ce"),
        })
    return out
