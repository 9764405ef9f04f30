"""Data layer of 辽宁减污降碳指标地图: boundaries, indicators, regions, sites."""

__version__ = "0.1.0"
