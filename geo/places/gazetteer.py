"""Canonical places: adcode <-> names in every spelling the sources use.

One gazetteer for every input: the seeds' spaced short names ("葫 芦 岛"), full names
(葫芦岛市), English names (Huludao), and the six-digit adcode. A name that maps to no
place, or to more than one, raises :class:`~geo.core.errors.GazetteerError` naming the row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.core.errors import GazetteerError, Problem
from geo.core.settings import Settings, get_settings

LIAONING = "210000"
_SPACES = re.compile(r"\s+")
# Suffixes stripped to give the short forms used in tables ("沈阳" for 沈阳市).
_CITY_SUFFIXES = ("市", "朝鲜族自治州")
_COUNTY_SHORT = (("满族自治县", "县"), ("蒙古族自治县", "县"))


def normalise(name: object) -> str:
    """Fold width, drop all whitespace (incl. U+3000), lower-case Latin letters."""
    text = unicodedata.normalize("NFKC", str(name))
    text = _SPACES.sub("", text).replace("\u3000", "")
    return text.lower()


@dataclass(frozen=True)
class Place:
    adcode: str
    name_zh: str
    name_en: str
    level: str
    parent_adcode: str
    province_zh: str

    @property
    def in_liaoning(self) -> bool:
        return self.adcode[:2] == LIAONING[:2]


class Gazetteer:
    """Name -> place lookups over the committed ``places.csv``."""

    def __init__(self, places: pd.DataFrame):
        self.places: dict[str, Place] = {}
        self._index: dict[str, set[str]] = {}
        for rec in places.fillna("").astype(str).to_dict("records"):
            place = Place(**{k: rec[k] for k in Place.__dataclass_fields__})
            self.places[place.adcode] = place
            for alias in self._aliases(place):
                self._index.setdefault(normalise(alias), set()).add(place.adcode)

    @staticmethod
    def _aliases(p: Place) -> list[str]:
        names = [p.adcode, p.name_zh, p.name_en]
        if p.level == "city":
            for suffix in _CITY_SUFFIXES:
                if p.name_zh.endswith(suffix):
                    names.append(p.name_zh[: -len(suffix)])
            names.append(p.name_en + " City")
        elif p.level == "county":
            for long, short in _COUNTY_SHORT:
                if p.name_zh.endswith(long):
                    names.append(p.name_zh[: -len(long)] + short)
        elif p.level == "province":
            names.append(p.name_zh.removesuffix("省"))
        return names

    def candidates(self, name: object, *, level: str | None = None) -> list[Place]:
        """Every place ``name`` can mean (optionally only at ``level``)."""
        codes = self._index.get(normalise(name), set())
        found = [self.places[c] for c in sorted(codes)]
        return [p for p in found if level is None or p.level == level]

    def resolve(
        self,
        name: object,
        *,
        level: str | None = "city",
        row: int | None = None,
        field: str | None = None,
        source: str | None = None,
    ) -> Place:
        """The one place ``name`` means; :class:`GazetteerError` naming the row otherwise."""
        text = "" if name is None else str(name)
        if not normalise(text) or normalise(text) == "nan":
            raise GazetteerError(Problem("empty place name", row, field, source))
        found = self.candidates(text, level=level)
        if not found:
            where = f" at level '{level}'" if level else ""
            raise GazetteerError(
                Problem(f"unknown place name {text!r}: it maps to no place{where} in the gazetteer", row, field, source)
            )
        if len(found) > 1:
            listed = ", ".join(f"{p.name_zh} ({p.adcode})" for p in found)
            raise GazetteerError(Problem(f"ambiguous place name {text!r}: it maps to {listed}", row, field, source))
        return found[0]

    def cities(self, *, liaoning_only: bool = True) -> list[Place]:
        return [
            p for p in self.places.values() if p.level == "city" and (p.in_liaoning or not liaoning_only)
        ]


def places_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).boundaries_dir / "places.csv"


@lru_cache(maxsize=4)
def _load(path: Path) -> Gazetteer:
    return Gazetteer(pd.read_csv(path, dtype=str, keep_default_na=False))


def get_gazetteer(settings: Settings | None = None) -> Gazetteer:
    """The gazetteer of the bundled boundaries (cached per file path)."""
    return _load(places_path(settings))
