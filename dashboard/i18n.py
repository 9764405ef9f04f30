"""The dashboard's words: re-exported from :mod:`geo.vocabulary`, the one catalogue the exports read too."""

from __future__ import annotations

from geo.vocabulary import (  # noqa: F401  (re-exported)
    BASEMAP_LABELS,
    DEFAULT_LANG,
    LANG_LABELS,
    LANGS,
    LAYER_LABELS,
    MEASURE_LABELS,
    POLLUTANT_LABELS,
    PRECISION_LABELS,
    RELATION_LABELS,
    SCHEME_LABELS,
    STRINGS,
    bundle,
    label,
    t,
)
