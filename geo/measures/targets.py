"""The province's own targets (``provincial_targets.csv``, scope 210000) and what the cities' checks take
from them: the implied 2015 totals and 2020 caps of clause 一(二), and the energy increment cap."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.core.errors import DataValidationError, Problem
from geo.core.settings import TARGETS_FILE, Settings, get_settings
from geo.measures.catalogue import POLLUTANTS
from geo.places.gazetteer import LIAONING


def load_targets(settings: Settings | None = None) -> pd.DataFrame:
    """The province's rows of ``provincial_targets.csv`` (scope 210000)."""
    return _read_targets((settings or get_settings()).indicators_dir / TARGETS_FILE)



@lru_cache(maxsize=4)
def _read_targets(path: Path) -> pd.DataFrame:
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    t = t[t.scope_adcode == LIAONING].copy()
    t["value"] = t["value"].astype(float)
    return t.set_index("target_id", drop=False)



def target_citation(row: pd.Series) -> str:
    return f"{row.document} {row.clause}"



def target_row(targets: pd.DataFrame, target_id: str, unit: str) -> pd.Series:
    if target_id not in targets.index:
        raise DataValidationError(Problem(f"no provincial target {target_id!r}", field="target_id", source=TARGETS_FILE))
    row = targets.loc[target_id]
    if row.unit != unit:
        raise DataValidationError(Problem(f"{target_id}: unit {row.unit!r}, expected {unit!r}", field="unit",
                                          source=TARGETS_FILE))
    return row



def province_baselines(settings: Settings | None = None) -> dict[str, tuple[float, float]]:
    """Per pollutant, the province's (implied 2015 total, 2020 cap) in t, from clause 一(二) of 辽政发〔2017〕21号:
    cap = the total in 万吨 × 10,000; implied 2015 = cap ÷ (1 − cut ÷ 100), rounded to 0.01 t.

    >>> province_baselines()["so2"]
    (968750.0, 775000.0)
    """
    t = load_targets(settings)
    out = {}
    for p in POLLUTANTS:
        cap = float(target_row(t, f"ln2020_{p}_total_10kt", "万吨").value) * 10_000
        cut = float(target_row(t, f"ln2020_{p}_cut_pct", "%").value)
        out[p] = (round(cap / (1 - cut / 100), 2), round(cap, 2))
    return out



def province_increment_cap(settings: Settings | None = None) -> tuple[float, str]:
    """The province's 2016–2020 energy increment cap (万吨标准煤) and its citation."""
    row = target_row(load_targets(settings), "ln2020_energy_increment_cap_10kt_ce", "万吨标准煤")
    return float(row.value), target_citation(row)
