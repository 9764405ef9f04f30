"""Briefing exports of one indicator, the entry point of the command line and the dashboard's download
buttons::

    data = render_map("cod_emission_2015_t", "png", lang="zh", scheme="quantiles",
                      page="slide", regions=False, sites=False, dpi=300)   # -> bytes

:mod:`geo.exports.spec` prepares what every format shows (a :class:`~geo.exports.spec.MapSpec`); this
module hands it to the renderer of the format asked for: ``png`` ``pdf`` ``svg`` (matplotlib,
:mod:`geo.exports.static`), ``pptx`` (:mod:`geo.exports.slides`), ``html`` (folium with Leaflet inlined,
:mod:`geo.exports.interactive`), ``csv`` ``xlsx`` (the numbers behind the figure, with sources).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from geo.core.classify import DEFAULT_SCHEME
from geo.core.fileio import write_bytes_atomic
from geo.core.fonts import export_font
from geo.core.settings import Settings
from geo.exports.interactive import render_html
from geo.exports.slides import render_pptx
from geo.exports.spec import (
    DATA_FORMATS,
    DEFAULT_DPI,
    FORMATS,
    STATIC_FORMATS,
    ExportError,
    LayerChoice,
    Layers,
    MapSpec,
    check_layer_choice,
    check_options,
    data_bytes,
    file_name,
    layer_choice,
    load_layers,
    map_spec,
    reproduce_command,
)
from geo.exports.static import render_static
from geo.measures.observed import load_observed

__all__ = ["FORMATS", "ExportError", "file_name", "load_layers", "map_spec", "render_map", "render_spec", "write_map"]


def render_spec(spec: MapSpec, layers: Layers, fmt: str, *, page: str = "slide", regions: LayerChoice = False,
                sites: LayerChoice = False, dpi: int = DEFAULT_DPI, plants: bool = False,
                counties: bool = False) -> bytes:
    """Bytes of one format for a prepared :class:`MapSpec`."""
    font = export_font()
    font.check(spec.texts(), where=f"{spec.indicator.id} ({spec.lang})")
    if fmt in STATIC_FORMATS:
        return render_static(spec, layers, fmt, page=page, regions=regions, sites=sites, dpi=dpi, font=font,
                             plants=plants, counties=counties)
    if fmt == "pptx":
        return render_pptx([spec], layers, regions=regions, sites=sites, font=font)
    if fmt == "html":
        return render_html(spec, layers, regions=regions, sites=sites, font=font)
    if fmt in DATA_FORMATS:
        return data_bytes(spec, fmt)
    raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")



def render_map(
    indicator_id: str,
    fmt: str,
    *,
    lang: str = "zh",
    scheme: str = DEFAULT_SCHEME,
    page: str = "slide",
    regions: bool | Collection[str] = False,
    sites: bool | Collection[str] = False,
    dpi: int = DEFAULT_DPI,
    settings: Settings | None = None,
    observed: pd.DataFrame | None = None,
    layers: Layers | None = None,
    map_type: str = "auto",
    plants: bool = False,
    dataset: str | None = None,
    counties: bool = False,
    level: str = "city",
) -> bytes:
    """One indicator as ``fmt`` (see :data:`FORMATS`); what a download button sends.

    ``regions`` / ``sites``: ``True`` for all, or the region ids / site kinds to draw
    (the dashboard passes the layers switched on). ``observed`` is the imported
    observed-values frame (as :func:`geo.measures.join.load_cities` takes it); ``dataset`` is its id,
    recorded in the file's reproduce command (and read from the store when ``observed`` is not given).
    ``layers`` lets a caller reuse loaded data across exports. ``level``: ``county`` maps a CO2 inventory's
    measure (``co2_t[NAME]`` …) on the 100 counties, the city borders over them. The file records the command line
    that makes it again (:func:`reproduce_command`).
    Raises :class:`ExportError` for bad options or an indicator with no values, and
    :class:`geo.core.fonts.FontError` when the font is missing or lacks a glyph.

    >>> render_map("cod_emission_2015_t", "csv")[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    check_options(indicator_id, fmt, lang, scheme, page, dpi, map_type, level)
    regions, sites = layer_choice(regions), layer_choice(sites)
    if observed is None and dataset and layers is None:
        try:
            observed = load_observed(dataset, settings)
        except KeyError as exc:
            raise ExportError(f"no observed dataset {dataset!r} (lnmap datasets list)") from exc
    layers = layers or load_layers(settings, observed)
    check_layer_choice(layers, regions, sites)
    spec = map_spec(indicator_id, layers, lang=lang, scheme=scheme, map_type=map_type, level=level)
    spec.command = reproduce_command(indicator_id, fmt, lang=lang, scheme=scheme, page=page, regions=regions,
                                     sites=sites, dpi=dpi, map_type=map_type, dataset=dataset, plants=plants,
                                     counties=counties, level=level)
    return render_spec(spec, layers, fmt, page=page, regions=regions, sites=sites, dpi=dpi, plants=plants,
                       counties=counties)



def write_map(out: Path, indicator_id: str, fmt: str | None = None, **options) -> Path:
    """Write :func:`render_map` to ``out``; the format defaults to the file's suffix."""
    out = Path(out)
    fmt = fmt or out.suffix.lstrip(".").lower()
    write_bytes_atomic(out, render_map(indicator_id, fmt, **options))
    return out
