"""Tabular exports: the joined city table as CSV or XLSX, with its sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.indicators import CATALOGUE, export_table
from geo.fileio import write_atomic
from geo.settings import Settings


def sources_frame() -> pd.DataFrame:
    """One row per indicator column: names, unit, source and formula."""
    return pd.DataFrame(
        [{"column": i.id, "name_zh": i.name_zh, "name_en": i.name_en, "unit": i.unit_en, "year": i.year,
          "source": i.source, "formula": i.formula} for i in CATALOGUE]
    )


def write_table(out: Path, fmt: str, settings: Settings | None = None) -> int:
    """Write the contract's joined table; XLSX gets a second sheet with every column's source."""
    table = export_table(settings)
    out = Path(out)
    if fmt == "csv":
        write_atomic(out, lambda p: table.to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n"))
    elif fmt == "xlsx":
        def _xlsx(p: Path) -> None:
            with pd.ExcelWriter(p, engine="openpyxl") as xl:
                table.to_excel(xl, sheet_name="cities", index=False)
                sources_frame().to_excel(xl, sheet_name="sources", index=False)
        write_atomic(out, _xlsx)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return len(table)
