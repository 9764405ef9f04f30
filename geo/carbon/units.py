"""Units of a carbon inventory: what a value is (tonnes of C or CO2 in a cell, or a flux) and how it becomes t CO2.

A unit is read from the file (a NetCDF variable's ``units`` attribute, a GeoTIFF band's unit) or given
with ``--unit``; the given one wins. Accepted, with spaces, ``_``, ``/``, ``per`` and exponents written as
``m-2``, ``m^-2`` or ``m**-2``:

- a mass in a cell: ``t_C``, ``t C``, ``tC/cell``, ``t CO2``, ``kt_CO2``, ``Gg CO2``, ``Mg C``, ``kg CO2``,
  ``万吨二氧化碳``, ``万吨碳`` …; with a period (``t C/cell/month``, ``tonne Carbon/cell/year``) it is a rate
  over that period;
- a flux: a mass per area (``m-2`` or ``km-2``) and per time (``s-1``, ``h-1``, ``d-1``, ``month-1``, ``yr-1``):
  ``kg m-2 s-1``, ``kg C m-2 month-1``, ``g CO2 m-2 yr-1`` — turned into tonnes through the cell's true
  (equal-area) area and the length of the time step.

A unit that names no species (``kg m-2 s-1``) takes it from the variable's name or long name (``co2`` or
``carbon dioxide``: CO2; ``carbon``: C); if neither says, the unit is refused. t C becomes t CO2 × 44/12.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from geo.core.errors import DataValidationError, Problem

#: Molar mass of CO2 over that of C.
C_TO_CO2 = 44.0 / 12.0

#: Tonnes per unit of mass; the SI prefixes of the gram are case-sensitive (Mg is a tonne).
_MASS_EXACT = {"g": 1e-6, "kg": 1e-3, "Mg": 1.0, "Gg": 1e3, "Tg": 1e6, "Pg": 1e9}
_MASS_FOLDED = {"t": 1.0, "tonne": 1.0, "tonnes": 1.0, "ton": 1.0, "tons": 1.0, "metric_ton": 1.0, "kt": 1e3,
                "mt": 1e6, "gt": 1e9, "吨": 1.0, "千吨": 1e3, "万吨": 1e4, "百万吨": 1e6, "亿吨": 1e8}
_SPECIES = {"c": "C", "carbon": "C", "碳": "C", "co2": "CO2", "二氧化碳": "CO2"}
_TIME = {"s": "s", "sec": "s", "second": "s", "h": "h", "hr": "h", "hour": "h", "d": "d", "day": "d",
         "month": "month", "mon": "month", "mo": "month", "yr": "year", "year": "year", "a": "year", "y": "year"}
_AREA = {"m": 1.0, "km": 1e6}  # square metres per unit length squared
_CELL = {"cell", "gridcell", "grid", "pixel", "格网", "网格"}
_ZH_TOKENS = re.compile(r"(百万吨|亿吨|万吨|千吨|吨|二氧化碳|碳|格网|网格)")
_TOKEN = re.compile(r"^([^\W\d_]+)(-?[0-9]+)?$")
_COMPOUND = re.compile(r"^(kg|g|t|kt|mt|gt|Mg|Gg|Tg|Pg)(c|co2)$", re.IGNORECASE)

ACCEPTED = ("t_C, t_CO2, kt_CO2 (or another mass of C or CO2 per cell: kg, t, kt, Mt, Gg, 万吨 …), "
            "or a flux such as 'kg m-2 s-1', 'kg C m-2 month-1', 'g CO2 m-2 yr-1'")


@dataclass(frozen=True)
class Unit:
    """A parsed unit: ``value × to_t`` tonnes of ``species`` per cell, per ``area_m2`` of area (flux) and
    per one ``per`` of time (a rate), or a mass in the cell over the whole time step (``per`` None)."""

    text: str
    to_t: float
    species: str | None  # "C" | "CO2" | None (not said: from the variable, or refused)
    area_m2: float | None  # None: a mass in the cell
    per: str | None  # "s" | "h" | "d" | "month" | "year" | None

    @property
    def is_flux(self) -> bool:
        return self.area_m2 is not None

    def to_co2(self, species: str) -> float:
        return C_TO_CO2 if species == "C" else 1.0

    def describe(self, species: str) -> str:
        """The conversion in words, for the inventory's metadata."""
        parts = [f"{self.to_t:g} t per unit of mass" if self.to_t != 1 else "tonnes"]
        if species == "C":
            parts.append("× 44/12 (C → CO2)")
        if self.is_flux:
            parts.append("× the cell's equal-area area" + (f" ÷ {self.area_m2:g} m²" if self.area_m2 != 1 else " (m²)"))
        if self.per:
            parts.append(f"× the time step's length in {self.per}")
        return " ".join(parts)


def _refuse(text: str, why: str, field: str) -> DataValidationError:
    return DataValidationError(Problem(f"unknown unit {text!r}: {why}; accepted: {ACCEPTED}", field=field))


def parse_unit(text: str | None, *, field: str = "unit") -> Unit:
    """The :class:`Unit` ``text`` names; :class:`DataValidationError` naming ``field`` otherwise."""
    if text is None or not str(text).strip():
        raise DataValidationError(Problem(f"missing unit: the file does not say its unit; pass --unit ({ACCEPTED})",
                                          field=field))
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    s = raw.replace("**", "").replace("^", "").replace("·", " ").replace("*", " ").replace("_", " ")
    s = re.sub(r"\bper\b", "/", s, flags=re.IGNORECASE)
    s = _ZH_TOKENS.sub(r" \1 ", s).replace("每", "/")
    mass: float | None = None
    species: str | None = None
    area: float | None = None
    per: str | None = None
    for n, part in enumerate(s.split("/")):
        for token in part.split():
            compound = _COMPOUND.match(token)
            tokens = [compound.group(1), compound.group(2)] if compound and token.lower() not in _SPECIES else [token]
            for tok in tokens:
                low = tok.lower()
                if low in _SPECIES and n == 0:
                    if species is not None:
                        raise _refuse(raw, "it names the species twice", field)
                    species = _SPECIES[low]
                    continue
                if low in _CELL:
                    continue
                m = _TOKEN.match(tok)
                if not m:
                    raise _refuse(raw, f"cannot read {tok!r}", field)
                base, exp = m.group(1), int(m.group(2) or 1) * (-1 if n else 1)
                if base.lower() in _CELL:
                    continue
                factor = _MASS_EXACT.get(base, _MASS_FOLDED.get(base.lower()))
                if factor is not None and exp == 1 and mass is None:
                    mass = factor
                elif base.lower() in _AREA and exp == -2 and area is None:
                    area = _AREA[base.lower()]
                elif base.lower() in _TIME and exp == -1 and per is None:
                    per = _TIME[base.lower()]
                else:
                    raise _refuse(raw, f"cannot read {tok!r}" + (" as a denominator" if n else ""), field)
    if mass is None:
        raise _refuse(raw, "it names no mass (g, kg, t, kt, Mt, 万吨 …)", field)
    return Unit(raw, mass, species, area, per)


def species_from_names(*names: str | None) -> str | None:
    """CO2 or C as a variable's name, long name or standard name says it, else None."""
    text = " ".join(n for n in names if n).lower().replace("-", "_")
    if re.search(r"co2|carbon[ _]dioxide|二氧化碳", text):
        return "CO2"
    if re.search(r"(^|[^a-z])(carbon|fossil_?c|c_?emission)|(^|_)c($|_)|碳", text):
        return "C"
    return None


def resolve_species(unit: Unit, *names: str | None, field: str = "unit") -> str:
    """The species of ``unit``, or from the variable's names; refused when neither says."""
    if unit.species:
        return unit.species
    found = species_from_names(*names)
    if found:
        return found
    raise DataValidationError(Problem(
        f"unit {unit.text!r} does not say whether the values are carbon (C) or CO2, and the variable's name does "
        f"not either; pass --unit with the species, e.g. '{_with_species(unit)}'", field=field))


def _with_species(unit: Unit) -> str:
    return "kg CO2 m-2 s-1" if unit.is_flux else "t_CO2"


#: Sectors whose values may be negative (removals): land use, land-use change and forestry, sinks.
SINK_WORDS = ("lulucf", "luluc", "afolu", "forest", "land use", "landuse", "land-use", "sink", "removal", "碳汇",
              "林业", "森林", "土地利用")


def is_sink_sector(sector: str | None) -> bool:
    """True for a sector whose values may be negative (LULUCF, forest, sinks: :data:`SINK_WORDS`)."""
    text = unicodedata.normalize("NFKC", sector or "").lower().replace("_", " ")
    return any(w in text for w in SINK_WORDS)


_CO2_GAS = {"co2", "二氧化碳", "carbondioxide", "co₂"}
_C_GAS = {"c", "carbon", "碳"}


def gas_factor(gas: str) -> float | None:
    """t CO2 per tonne of ``gas``: 1 for CO2, 44/12 for C, None for another gas (CH4, N2O, CO2e …)."""
    key = unicodedata.normalize("NFKC", gas).strip().lower().replace(" ", "").replace("_", "")
    if key in _CO2_GAS:
        return 1.0
    if key in _C_GAS:
        return C_TO_CO2
    return None
