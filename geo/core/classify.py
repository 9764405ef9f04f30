"""Class breaks and colours for choropleths: one place, used by the dashboard and the exports.

Breaks come from mapclassify (quantiles, Fisher-Jenks natural breaks, equal
interval). Colours are ColorBrewer schemes that ColorBrewer marks colour-blind safe,
sampled from matplotlib's copies of them. Gap measures use a diverging scheme centred
on zero (or on the target) with breaks symmetric about the centre.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np

SCHEMES = ("quantiles", "natural_breaks", "equal_interval")
DEFAULT_SCHEME = "quantiles"
K = 5
SEQUENTIAL = {"cod": "YlOrBr", "nh3n": "YlOrBr", "so2": "YlOrBr", "nox": "YlOrBr", "energy": "YlGnBu"}
DIVERGING = "PuOr_r"
NO_DATA_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class Classes:
    """Upper bounds of each class (last = max), the colour of each, and the lower bound."""

    scheme: str
    lower: float
    bounds: list[float]
    colours: list[str]
    diverging: bool = False
    centre: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def index(self, value: float | None) -> int:
        """Class of ``value``; -1 for no data."""
        if value is None or not np.isfinite(value):
            return -1
        for i, upper in enumerate(self.bounds):
            if value <= upper + 1e-9 * max(1.0, abs(upper)):
                return i
        return len(self.bounds) - 1

    def colour(self, value: float | None) -> str:
        i = self.index(value)
        return NO_DATA_COLOUR if i < 0 else self.colours[i]


def _hex_colours(name: str, n: int) -> list[str]:
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    cmap = mpl.colormaps[name]
    if n == 1:
        return [to_hex(cmap(0.6))]
    return [to_hex(cmap(x)) for x in np.linspace(0.15, 0.9, n)]


def _breaks(values: np.ndarray, scheme: str, k: int) -> list[float]:
    import mapclassify

    if scheme == "quantiles":
        with warnings.catch_warnings():  # ties: mapclassify makes fewer classes, and the legend shows them
            warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
            return list(mapclassify.Quantiles(values, k=k).bins)
    if scheme == "natural_breaks":
        with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is exact, just slower
            warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
            return list(mapclassify.FisherJenks(values, k=k).bins)
    if scheme == "equal_interval":
        return list(mapclassify.EqualInterval(values, k=k).bins)
    raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")


def classify(
    values, *, scheme: str = DEFAULT_SCHEME, k: int = K, palette: str = "YlOrBr", diverging: bool = False,
    centre: float = 0.0,
) -> Classes:
    """Classes for ``values`` (NaN = no data).

    Fewer distinct values than ``k`` give one class per distinct value. Diverging
    classes put ``centre`` on a class boundary and use the diverging palette, the
    colours below the centre being the palette's lower half.
    """
    arr = np.asarray(values, dtype="float64")
    arr = arr[np.isfinite(arr)]
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    if arr.size == 0:
        return Classes(scheme, 0.0, [], [], diverging, centre)
    distinct = np.unique(arr)
    if distinct.size <= k:
        bounds = [float(v) for v in distinct]
    else:
        bounds = sorted({float(b) for b in _breaks(arr, scheme, k)})
    if not diverging:
        return Classes(scheme, float(arr.min()), bounds, _hex_colours(palette, len(bounds)))
    # Diverging: split the data at the centre and classify each side on its own.
    below, above = arr[arr < centre], arr[arr > centre]
    kb = max(1, round(k * below.size / arr.size)) if below.size else 0
    ka = max(1, k - kb) if above.size else 0
    lower_bounds = classify(below, scheme=scheme, k=kb).bounds if kb else []
    upper_bounds = classify(above, scheme=scheme, k=ka).bounds if ka else []
    lower_bounds = [b for b in lower_bounds if b < centre] + ([centre] if below.size or (arr == centre).any() else [])
    bounds = lower_bounds + upper_bounds
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    cmap = mpl.colormaps[DIVERGING]
    nb, na = len(lower_bounds), len(upper_bounds)
    colours = [to_hex(cmap(x)) for x in np.linspace(0.05, 0.42, nb)] if nb > 1 else ([to_hex(cmap(0.3))] if nb else [])
    colours += [to_hex(cmap(x)) for x in np.linspace(0.58, 0.95, na)] if na > 1 else ([to_hex(cmap(0.7))] if na else [])
    return Classes(scheme, float(arr.min()), bounds, colours, True, centre)


def classes_for(indicator, values, scheme: str = DEFAULT_SCHEME) -> Classes:
    """Classes for one catalogue :class:`~geo.measures.catalogue.Indicator`."""
    return classify(values, scheme=scheme, palette=SEQUENTIAL.get(indicator.group, "YlOrBr"),
                    diverging=indicator.diverging, centre=getattr(indicator, "centre", 0.0))
