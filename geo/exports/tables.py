"""Tabular exports: the joined city table as CSV or XLSX, with its sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.carbon.inventory import list_inventories
from geo.carbon.measures import carbon_columns, carbon_sources
from geo.carbon.places import place_layer
from geo.core.fileio import write_atomic
from geo.core.settings import Settings
from geo.measures.catalogue import CATALOGUE, Period, lookup, parse_id
from geo.measures.join import export_table


def sources_frame(columns: list[str] | None = None, observed: pd.DataFrame | None = None,
                  period: Period | None = None) -> pd.DataFrame:
    """One row per indicator column: names, unit, source and formula.

    Observed columns name the dataset they come from (source text, dataset id, file); ``period``: the plan
    the table's columns with a year in them belong to (default 十三五).
    """
    dataset = ""
    if observed is not None and len(observed):
        dataset = "; ".join(sorted({f"{s} ({d})" for s, d in zip(observed.source, observed.dataset_id)}))
    rows = []
    for i in CATALOGUE:
        if columns is not None and i.id not in columns:
            continue
        source = i.source if i.kind != "observed" else f"{i.source}; observed values: {dataset}"
        rows.append({"column": i.id, "name_zh": i.name_zh, "name_en": i.name_en, "unit": i.unit_en, "year": i.year,
                     "source": source, "formula": i.formula})
    # Columns with a year in them (every observed year, the path to the cap, a later plan's targets).
    for c in columns or []:
        ind = lookup(c, period) if c not in {r["column"] for r in rows} and parse_id(c) else None
        if ind is not None:
            source = ind.source if ind.kind != "observed" else f"{ind.source}; observed values: {dataset}"
            rows.append({"column": c, "name_zh": ind.name_zh, "name_en": ind.name_en, "unit": ind.unit_en,
                         "year": ind.year, "source": source, "formula": ind.formula})
    status = ("derived from the observed value and the 2020 cap: exceeded (observed < cap), met (equal at 0.01 t), "
              "not_met (observed > cap)")
    rows += [{"column": c, "name_zh": c, "name_en": c, "unit": "", "year": "2020", "source": status, "formula": ""}
             for c in (columns or []) if c.endswith("_target_status")]
    regions = "辽环发〔2023〕39号 十七; memberships: data/indicators/region_members.csv (source and confidence per city)"
    rows += [{"column": c, "name_zh": c, "name_en": c, "unit": "", "year": "", "source": regions, "formula": ""}
             for c in (columns or []) if c.startswith("region_")]
    return pd.DataFrame(rows)


def sources_path(out: Path) -> Path:
    """The sidecar of a CSV export: ``t.csv`` -> ``t.sources.csv``."""
    return out.with_name(f"{out.stem}.sources.csv")


LEVELS = ("city", "county")


def county_table(settings: Settings | None = None) -> pd.DataFrame:
    """One row per county of Liaoning: adcode, names, and the city it lies in (adcode, name)."""
    counties = place_layer("county", settings)
    cities = place_layer("city", settings).set_index("adcode")
    return pd.DataFrame({"adcode": counties["adcode"], "name_zh": counties["name_zh"], "name_en": counties["name_en"],
                         "city_adcode": counties["parent_adcode"],
                         "city_zh": counties["parent_adcode"].map(cities["name_zh"])})


def write_table(out: Path, fmt: str, settings: Settings | None = None, observed: pd.DataFrame | None = None,
                plan: str | None = None, level: str = "city") -> int:
    """Write the contract's joined table with every column's source.

    XLSX: a second sheet ``sources``. CSV: a sidecar ``<name>.sources.csv`` (a CSV has one table).
    ``observed``: imported observed values (the active dataset in the CLI) add the gap columns.
    ``plan``: a stored plan period's targets instead of 十三五's (:mod:`geo.measures.plans`).
    ``level``: ``city`` (the 14 cities and every indicator) or ``county`` (every county, with the city it is
    in); either way each stored CO2 inventory adds its columns (:func:`geo.carbon.measures.carbon_columns`).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    inventories = list_inventories(settings)
    if level == "city":
        table = export_table(settings, observed=observed, plan=plan)
    else:
        table = county_table(settings)
    if inventories:
        table = table.merge(carbon_columns(level, observed, settings, inventories), on="adcode", how="left")
    period = None
    if plan is not None:
        from geo.measures.plans import plan_period

        period = plan_period(plan, settings)
    sources = sources_frame(list(table.columns), observed, period)
    carbon_rows = carbon_sources(list(table.columns), settings, inventories)
    if carbon_rows:
        sources = pd.concat([sources, pd.DataFrame(carbon_rows)], ignore_index=True)
    out = Path(out)
    if fmt == "csv":
        write_atomic(out, lambda p: table.to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n"))
        write_atomic(sources_path(out),
                     lambda p: sources.to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n"))
    elif fmt == "xlsx":
        def _xlsx(p: Path) -> None:
            with pd.ExcelWriter(p, engine="openpyxl") as xl:
                table.to_excel(xl, sheet_name="cities" if level == "city" else "counties", index=False)
                sources.to_excel(xl, sheet_name="sources", index=False)
        write_atomic(out, _xlsx)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return len(table)
