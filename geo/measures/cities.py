"""The 14 cities' quota table: the annexes' values by city, the derived measures, per-area densities,
and, with observed values, progress against the 2020 caps (one row per city, one column per indicator id)."""

from __future__ import annotations

import pandas as pd

from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings, get_settings
from geo.measures.catalogue import ANNEX_INDICATORS, CATALOGUE, add_densities, derive, load_quotas
from geo.measures.observed import progress_table
from geo.places.boundaries import city_areas_km2
from geo.places.gazetteer import get_gazetteer


def city_table(
    settings: Settings | None = None, quotas: pd.DataFrame | None = None, observed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per Liaoning city: adcode, names, then one column per indicator id.

    With ``observed`` rows (:func:`geo.measures.observed.load_observed`) the gap measures are added.
    """
    settings = settings or get_settings()
    gaz = get_gazetteer(settings)
    quotas = load_quotas(settings) if quotas is None else quotas
    wide = quotas.pivot(index="adcode", columns="indicator_id", values="value")
    cities = pd.DataFrame(
        [{"adcode": p.adcode, "name_zh": p.name_zh, "name_en": p.name_en} for p in gaz.cities()]
    ).set_index("adcode")
    unmatched = sorted(set(wide.index) - set(cities.index))
    if unmatched:
        raise DataValidationError([Problem(f"adcode {a} in the quota table is not a Liaoning city", field="adcode")
                                   for a in unmatched])
    table = cities.join(wide, how="left")
    empty = table.index[table[[i.id for i in ANNEX_INDICATORS]].isna().all(axis=1)].tolist()
    if empty:
        raise DataValidationError([Problem(f"city {a} has no quota values", field="adcode") for a in empty])
    table = derive(table).reset_index()
    table = add_densities(table, city_areas_km2(settings))
    if observed is not None and len(observed):
        table = table.merge(progress_table(table, observed), on="adcode", how="left")
    ordered = ["adcode", "name_zh", "name_en"] + [i.id for i in CATALOGUE if i.id in table.columns]
    ordered += [c for c in table.columns if c.endswith("_target_status")]
    return table[ordered].sort_values("adcode").reset_index(drop=True)
