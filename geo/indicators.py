"""The public entry point of the data layer, kept for scripts and notebooks.

``from geo.indicators import load_cities`` gives the 14 cities joined to every indicator (see
:mod:`geo.measures.join`); the catalogue of indicator ids is :mod:`geo.measures.catalogue`.
"""

from geo.measures.catalogue import BY_ID, CATALOGUE, POLLUTANTS, Indicator
from geo.measures.join import load_cities

__all__ = ["BY_ID", "CATALOGUE", "POLLUTANTS", "Indicator", "load_cities"]
