"""``lnmap build-power-plants``: the two power-plant CSVs of the data package, rebuilt from the WRI reference
file, and the package descriptor refreshed with their hashes."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pandas as pd

from geo.core.fileio import write_atomic
from geo.core.settings import Settings, get_settings
from geo.package.build import DESCRIPTOR, descriptor
from geo.places.boundaries import load_layer
from geo.places.power_plants import BORDER_FILE, PLANTS_FILE, REFERENCE, build_power_plants


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")



def write_power_plants(settings: Settings | None = None) -> dict[str, int]:
    """``lnmap build-power-plants``: regenerate the two CSVs from the reference file."""
    settings = settings or get_settings()
    ref = pd.read_csv(settings.reference_dir / REFERENCE, dtype=str, keep_default_na=False)
    plants, border = build_power_plants(ref, load_layer("cities", settings), load_layer("province", settings))
    out = settings.indicators_dir
    for name, df in ((PLANTS_FILE, plants), (BORDER_FILE, border)):
        write_atomic(out / name, partial(_write_csv, df))
    _update_descriptor(settings)
    return {PLANTS_FILE: len(plants), BORDER_FILE: len(border)}



def _update_descriptor(settings: Settings) -> None:
    """Refresh the resources (and their hashes) of ``datapackage.json``, keeping the rest."""
    path = settings.indicators_dir / DESCRIPTOR
    desc = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    desc = {**descriptor(settings), **{k: v for k, v in desc.items() if k in ("created", "command")}}
    desc["resources"] = descriptor(settings)["resources"]
    write_atomic(path, lambda p: p.write_text(json.dumps(desc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"))
