"""The four regional designations of 辽环发〔2023〕39号 clause 十七, their members and outlines.

Membership is many-to-many and may be partial (a city takes part with counties our
sources do not name); every membership row carries its confidence and source.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.core.settings import Settings, get_settings

REGIONS_FILE = "regions.csv"
MEMBERS_FILE = "region_members.csv"
MEMBERSHIPS = ("full", "partial")
#: Outline colours of the four regions (Okabe-Ito, colour-blind safe), shared by the dashboard and the exports.
REGION_COLOURS = {"shenyang_metro": "#0072B2", "coastal_belt": "#009E73", "west_liaoning": "#CC79A7",
                  "east_green": "#D55E00"}
CONFIDENCE = ("high", "medium", "low")


def load_regions(settings: Settings | None = None) -> pd.DataFrame:
    settings = settings or get_settings()
    return pd.read_csv(settings.indicators_dir / REGIONS_FILE, dtype=str, keep_default_na=False)


def load_members(settings: Settings | None = None) -> pd.DataFrame:
    settings = settings or get_settings()
    return pd.read_csv(settings.indicators_dir / MEMBERS_FILE, dtype=str, keep_default_na=False)


def membership_label(membership: str, confidence: str) -> str:
    """``full``, ``partial``, with the confidence appended unless it is high."""
    return membership if confidence == "high" else f"{membership} ({confidence} confidence)"


def membership_wide(settings: Settings | None = None) -> pd.DataFrame:
    """One row per member city, one ``region_<id>`` column per region (label or empty)."""
    members = load_members(settings)
    members = members.assign(label=[membership_label(m, c) for m, c in zip(members.membership, members.confidence)])
    wide = members.pivot(index="adcode", columns="region_id", values="label")
    wide = wide.reindex(columns=load_regions(settings).region_id).fillna("")
    wide.columns = [f"region_{c}" for c in wide.columns]
    return wide.reset_index()


def regions_of(adcode: str, settings: Settings | None = None) -> pd.DataFrame:
    """The regions a city belongs to, with membership, confidence, source and note."""
    members = load_members(settings)
    regions = load_regions(settings)
    return members[members.adcode == str(adcode)].merge(regions, on="region_id", suffixes=("", "_region"))


def region_outlines(cities: gpd.GeoDataFrame, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """Region outlines dissolved from member cities: one row per region x membership kind.

    ``cities`` needs ``adcode`` and polygons; the output keeps its CRS.
    """
    members = load_members(settings).merge(load_regions(settings)[["region_id", "name_zh", "name_en"]], on="region_id")
    joined = cities[["adcode", "geometry"]].merge(members, on="adcode", how="inner")
    out = joined.dissolve(by=["region_id", "membership"], as_index=False, aggfunc="first")
    return out[["region_id", "name_zh", "name_en", "membership", "geometry"]]
