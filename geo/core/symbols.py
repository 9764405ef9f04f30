"""Which map type a measure gets, and the sizes of proportional symbols.

Totals (tonnes, 10⁴ t standard coal) are mapped as proportional circles — a circle's
AREA is proportional to the value, so a big city does not read as "polluting" by its
size — over a neutral grey base; rates and percentages stay choropleths. Pure
functions: the renderers (:mod:`geo.exports.static`) draw what these compute.

>>> radii([100.0, 25.0], r_max=10.0)
array([10.,  5.])
"""

from __future__ import annotations

import math

import numpy as np

MAP_TYPES = ("auto", "choropleth", "symbols")
#: Units of totals (see :data:`geo.measures.catalogue.UNITS`).
TOTAL_UNITS = ("t", "10kt_ce")
#: Circle fills: positive values, negative values (a gap below zero); the base under them.
SYMBOL_COLOUR = "#c2562c"
NEGATIVE_COLOUR = "#3a78b5"
BASE_COLOUR = "#e3e3df"


def is_total(ind) -> bool:
    """A total (summable amount), not a rate: drawn as symbols by default."""
    return ind.unit in TOTAL_UNITS


def resolve_map_type(ind, map_type: str = "auto") -> str:
    """``choropleth`` or ``symbols`` for an indicator; ``auto`` follows the measure."""
    if map_type not in MAP_TYPES:
        raise ValueError(f"unknown map type {map_type!r}; expected one of {', '.join(MAP_TYPES)}")
    if map_type == "auto":
        return "symbols" if is_total(ind) else "choropleth"
    return map_type


def radii(values, *, r_max: float, vmax: float | None = None) -> np.ndarray:
    """Circle radii with area proportional to ``|value|``: ``r = r_max × √(|v| ÷ vmax)``.

    ``vmax`` (default: the largest ``|value|``) gets ``r_max``; a missing value gets 0.
    Several maps that share ``vmax`` share one scale.
    """
    v = np.abs(np.asarray(values, dtype=float))
    top = float(np.nanmax(v)) if vmax is None and np.isfinite(v).any() else (vmax or 0.0)
    if not top or not np.isfinite(top):
        return np.zeros_like(v)
    out = r_max * np.sqrt(np.where(np.isfinite(v), v, 0.0) / top)
    return out


def _nice_floor(x: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``x``."""
    if x <= 0:
        return 0.0
    exp = math.floor(math.log10(x))
    for m in (5, 2, 1):
        if m * 10 ** exp <= x:
            return float(m * 10 ** exp)
    return float(10 ** exp)


def legend_values(vmax: float, n: int = 3) -> list[float]:
    """Round values for a size legend, largest first: a nice number at or below ``vmax``,
    then smaller nice numbers (about a quarter and a twentieth of it)."""
    if not vmax or not np.isfinite(vmax) or vmax <= 0:
        return []
    top = _nice_floor(vmax)
    out = [top]
    for frac in (0.25, 0.05)[: n - 1]:
        v = _nice_floor(top * frac)
        if v > 0 and v < out[-1]:
            out.append(v)
    return out
