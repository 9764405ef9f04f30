"""The join: city polygons × the quota table × region memberships (:func:`load_cities`), and the
contract's export table (:func:`export_table`) of the bundled plan or a later one, with observed years."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataValidationError, Problem
from geo.core.settings import Settings, get_settings
from geo.measures.catalogue import BY_ID, CATALOGUE, DYNAMIC, POLLUTANTS, THIRTEENTH, Period, lookup, parse_id
from geo.measures.cities import city_table
from geo.measures.observed import annual_table, gdp_table
from geo.measures.plans import plan_table
from geo.places.boundaries import load_layer
from geo.places.regions import membership_wide


def load_cities(settings: Settings | None = None, observed: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The 14 city polygons (EPSG:4326) joined to every indicator and region membership.

    >>> gdf = load_cities()
    >>> len(gdf), round(float(gdf.set_index("name_zh").loc["沈阳市", "cod_emission_2015_t"]), 2)
    (14, 241522.89)
    """
    settings = settings or get_settings()
    shapes = load_layer("cities", settings)[["adcode", "geometry"]]
    table = city_table(settings, observed=observed)
    merged = shapes.merge(table, on="adcode", how="outer", indicator=True)
    bad = merged[merged["_merge"] != "both"]
    if len(bad):
        raise DataValidationError([Problem(f"city {a} is only in the {m.replace('_only', '')} table", field="adcode")
                                   for a, m in zip(bad.adcode, bad["_merge"])])
    merged = merged.drop(columns="_merge").merge(membership_wide(settings), on="adcode", how="left")
    first = ["adcode", "name_zh", "name_en"]
    return gpd.GeoDataFrame(merged[first + [c for c in merged.columns if c not in first]],
                            geometry="geometry", crs=shapes.crs)



def export_table(settings: Settings | None = None, observed: pd.DataFrame | None = None,
                 plan: str | None = None) -> pd.DataFrame:
    """The contract's export: adcode, name_zh, name_en, region memberships, one column per indicator.

    With ``observed``: the gap measures, then every observed year and the path to the cap
    (:func:`geo.measures.observed.annual_table`). ``plan``: a plan period's targets instead of 十三五's
    (:func:`geo.measures.plans.plan_table`), observed values measured against that plan.
    """
    settings = settings or get_settings()
    if plan is None or plan == THIRTEENTH.name:
        table, period = city_table(settings, observed=observed), THIRTEENTH
    else:
        table, period = plan_table(plan, settings, observed=observed)
    if observed is not None and len(observed):
        annual = annual_table(table, observed, period).merge(gdp_table(table, observed), on="adcode")
        table = table.merge(annual[["adcode", *(c for c in annual.columns if c not in table.columns)]],
                            on="adcode", how="left")
    table = table.merge(membership_wide(settings), on="adcode", how="left")
    regions = [c for c in table.columns if c.startswith("region_")]
    indicators = [i.id for i in CATALOGUE if i.id in table.columns]
    indicators += [c for c in table.columns if c.endswith("_target_status")]
    indicators += sorted(_dynamic_columns(table, period) - set(indicators), key=_column_order)
    # Gap columns of pollutants the observed dataset does not cover would be empty: leave them out.
    observed_ids = {c for c in indicators if (ind := lookup(c, period)) is not None and ind.kind == "observed"}
    indicators = [c for c in indicators if not ((c in observed_ids or c.endswith("_target_status"))
                                                and (table[c].isna() | (table[c] == "")).all())]
    return table[["adcode", "name_zh", "name_en", *regions, *indicators]]



def _column_order(column: str) -> tuple:
    """Plan targets first, then by pollutant (the catalogue's order), year, and measure in pattern order."""
    parsed = parse_id(column)
    assert parsed is not None
    group, measure, year = parsed
    groups, measures = [*POLLUTANTS, "energy", "gdp"], [m for _, m in DYNAMIC]
    plan_first = measure not in ("observed_year", "path", "ahead_of_path") and not measure.endswith(
        ("_observed", "cumulative", "cumulative_decline", "progress", "headroom", "gap_to_cap"))
    return (not plan_first, groups.index(group), year, measures.index(measure))



def _dynamic_columns(table: pd.DataFrame, period: Period) -> set[str]:
    return {c for c in table.columns if c not in BY_ID and parse_id(c) is not None and lookup(c, period) is not None}
