"""Power plants of Liaoning from the WRI Global Power Plant Database (v1.3.0, CC BY 4.0).

The annexes' SO2/NOx city baselines exclude the province-managed power plants
(附件4/5 注); this layer shows where plants are. ``lnmap build-power-plants`` reads
``reference/power_plants/wri_gppd_china.csv`` (all of China, no province column) and places
every point with the project's own city polygons (``data/boundaries/cities.geojson``):

- a point inside a Liaoning city polygon gets that city (``placement = inside_city_polygon``);
- a point outside every city but within :data:`BORDER_BAND_M` of the province border is NOT
  assigned by distance: it must have a written decision in :data:`BORDER_DECISIONS`
  (kept in ``power_plants_border.csv`` with its reason; those decided to be in Liaoning
  are in ``power_plants.csv`` with ``placement = border_decision``). A new border point
  without a decision stops the build.

Nothing in the source says which plants are province-managed (省直管), so nothing here
claims it. The data were collected about 2017–2019 and are not a current inventory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataValidationError, Problem
from geo.core.settings import PROJECTED_CRS, WEB_CRS, Settings, get_settings

log = logging.getLogger(__name__)

PLANTS_FILE = "power_plants.csv"
BORDER_FILE = "power_plants_border.csv"
REFERENCE = Path("power_plants") / "wri_gppd_china.csv"
ATTRIBUTION = "Global Power Plant Database v1.3.0, World Resources Institute (CC BY 4.0)"
ATTRIBUTION_ZH = "发电厂数据：Global Power Plant Database v1.3.0, World Resources Institute (CC BY 4.0)"
DATA_AGE = ("数据约采集于 2017–2019 年，非现状清单；来源未说明哪些电厂为省直管",
            ("collected about 2017–2019, not a current inventory; the source does not say which plants are "
             "province-managed"))
#: Points outside every city polygon but this close to the province border need a decision.
BORDER_BAND_M = 10_000.0
COLUMNS = ["plant_id", "name_en", "fuel", "capacity_mw", "commissioning_year", "lon", "lat", "adcode", "city_zh",
           "placement", "placement_note", "source_rows", "source", "url", "geolocation_source"]
BORDER_COLUMNS = ["plant_id", "name_en", "fuel", "capacity_mw", "lon", "lat", "distance_to_liaoning_m",
                  "nearest_city_zh", "decision", "adcode", "reason"]
#: Fuel -> (Chinese, English, colour). Colours: Okabe-Ito, colour-blind safe.
FUELS = {
    "Coal": ("煤电", "Coal", "#4d4d4d"),
    "Wind": ("风电", "Wind", "#009E73"),
    "Hydro": ("水电", "Hydro", "#0072B2"),
    "Nuclear": ("核电", "Nuclear", "#CC79A7"),
    "Solar": ("光伏", "Solar", "#E69F00"),
    "Natural Gas": ("燃气", "Natural gas", "#D55E00"),
}
OTHER_FUEL = ("其他", "Other", "#999999")


@dataclass(frozen=True)
class BorderDecision:
    adcode: str  # "" = not in Liaoning: left out of power_plants.csv
    reason: str


#: Every point within BORDER_BAND_M outside the simplified border, decided one by one.
BORDER_DECISIONS: dict[str, BorderDecision] = {
    "1072535": BorderDecision(
        "211300", "Name says Beipiao (北票), a county-level city of 朝阳; the point (UNFCCC CDM registry "
                  "coordinate) lies 1.3 km outside the simplified border, next to 朝阳 and inside no other "
                  "province's named place. Placed in 朝阳: probably correct, not certain."),
    "1000496": BorderDecision(
        "", "Sup'ung (水丰) dam on the Yalu, the China–DPRK border river, jointly run by both countries; the point "
            "lies 0.5 km outside Liaoning, on the river. Not a Liaoning plant in this layer."),
    "1070384": BorderDecision(
        "", "Chifeng Yuanbaoshan (赤峰元宝山) is in Inner Mongolia; the point is 1.3 km outside 朝阳's border."),
    "1072292": BorderDecision(
        "", "Siping (四平) is a city of Jilin; the point is 4.6 km outside 铁岭's border."),
    "1070499": BorderDecision(
        "", "Siping (四平) power station is in Jilin; the point is 5.2 km outside 铁岭's border."),
    "1072275": BorderDecision(
        "", "Kezuohouqi (科左后旗) is a banner of Tongliao, Inner Mongolia; the point is 9 km outside 阜新's border."),
}


def fuel_style(fuel: str, lang: str = "zh") -> tuple[str, str]:
    """(label, colour) of a fuel."""
    zh, en, colour = FUELS.get(fuel, OTHER_FUEL)
    return (zh if lang == "zh" else en), colour


def _points(ref: pd.DataFrame) -> gpd.GeoDataFrame:
    need = ["Power Plant ID", "Name", "Fuel", "Capacity (MW)", "Commissioning Date", "Latitude", "Longitude",
            "Source", "URL", "Geolocation Source"]
    missing = [c for c in need if c not in ref.columns]
    if missing:
        raise DataValidationError([Problem(f"missing column {c!r}", field=c, source=str(REFERENCE)) for c in missing])
    lon = pd.to_numeric(ref["Longitude"], errors="coerce")
    lat = pd.to_numeric(ref["Latitude"], errors="coerce")
    ok = lon.notna() & lat.notna()
    log.info("%d of %d plants have no coordinate and cannot be placed", int((~ok).sum()), len(ref))
    ref = ref[ok]
    # The source repeats some rows byte for byte (e.g. 1075584 six times): identical rows cannot be
    # told apart as units, so each is kept once and the repeat count is recorded.
    cols = list(ref.columns)
    ref = ref.assign(source_rows=ref.groupby(cols, sort=False)[cols[0]].transform("size")).drop_duplicates(cols)
    return gpd.GeoDataFrame(ref, geometry=gpd.points_from_xy(ref["Longitude"].astype(float),
                                                             ref["Latitude"].astype(float)), crs=WEB_CRS)


def build_power_plants(ref: pd.DataFrame, cities: gpd.GeoDataFrame, province: gpd.GeoDataFrame,
                       decisions: dict[str, BorderDecision] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Liaoning plants (inside a city polygon, or decided at the border) and the border list.

    ``cities``/``province``: the project's polygons (EPSG:4326). Raises
    :class:`DataValidationError` for a border point with no decision.
    """
    decisions = BORDER_DECISIONS if decisions is None else decisions
    if cities.crs is None or province.crs is None or cities.crs != province.crs:
        raise DataValidationError(Problem(f"CRS mismatch: cities {cities.crs}, province {province.crs}"))
    pts = _points(ref).to_crs(cities.crs)
    joined = gpd.sjoin(pts, cities[["adcode", "name_zh", "geometry"]], predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    inside = joined[joined["adcode"].notna()].copy()
    inside["placement"], inside["placement_note"] = "inside_city_polygon", ""

    outside = joined[joined["adcode"].isna()].to_crs(PROJECTED_CRS)
    border = province.to_crs(PROJECTED_CRS).geometry.union_all()
    dist = outside.geometry.distance(border)
    near = outside[dist <= BORDER_BAND_M].assign(distance=dist[dist <= BORDER_BAND_M])
    cities_p = cities.to_crs(PROJECTED_CRS).set_index("adcode")
    undecided = [r for r in near.itertuples() if str(r._1) not in decisions]
    if undecided:
        raise DataValidationError([Problem(
            f"plant {r._1} {r.Name!r} lies {r.distance:,.0f} m outside Liaoning's simplified border: add a "
            f"decision (city or out, with the reason) to geo.places.power_plants.BORDER_DECISIONS",
            field="Power Plant ID", source=str(REFERENCE)) for r in undecided])
    border_rows, decided_in = [], []
    for idx, r in near.iterrows():
        pid = str(r["Power Plant ID"])
        dec = decisions[pid]
        nearest = cities_p.geometry.distance(r.geometry).idxmin()
        border_rows.append({
            "plant_id": pid, "name_en": r["Name"], "fuel": r["Fuel"],
            "capacity_mw": pd.to_numeric(r["Capacity (MW)"], errors="coerce"),
            "lon": float(pts.loc[idx].geometry.x), "lat": float(pts.loc[idx].geometry.y),
            "distance_to_liaoning_m": round(float(r["distance"])), "nearest_city_zh": cities_p.loc[nearest, "name_zh"],
            "decision": "in_liaoning" if dec.adcode else "excluded", "adcode": dec.adcode, "reason": dec.reason,
        })
        if dec.adcode:
            decided_in.append((idx, dec))
    extra = joined.loc[[i for i, _ in decided_in]].copy()
    if len(extra):
        extra["adcode"] = [d.adcode for _, d in decided_in]
        extra["name_zh"] = [cities_p.loc[d.adcode, "name_zh"] for _, d in decided_in]
        extra["placement"] = "border_decision"
        extra["placement_note"] = [d.reason for _, d in decided_in]
    allp = pd.concat([inside, extra])
    out = pd.DataFrame({
        "plant_id": allp["Power Plant ID"].astype(str), "name_en": allp["Name"], "fuel": allp["Fuel"],
        "capacity_mw": pd.to_numeric(allp["Capacity (MW)"], errors="coerce"),
        "commissioning_year": allp["Commissioning Date"], "lon": allp.geometry.x.round(6),
        "lat": allp.geometry.y.round(6), "adcode": allp["adcode"].astype(str), "city_zh": allp["name_zh"],
        "placement": allp["placement"], "placement_note": allp["placement_note"],
        "source_rows": allp["source_rows"].astype(int), "source": allp["Source"],
        "url": allp["URL"], "geolocation_source": allp["Geolocation Source"],
    })
    out = out.sort_values(["adcode", "plant_id"]).reset_index(drop=True)
    dupes = out[out.plant_id.duplicated(keep=False)]
    if len(dupes):
        raise DataValidationError([Problem(f"plant {pid} has differing rows in the source; decide which to keep",
                                           field="Power Plant ID", source=str(REFERENCE)) for pid in dupes.plant_id.unique()])
    border_df = pd.DataFrame(border_rows, columns=BORDER_COLUMNS).sort_values("plant_id").reset_index(drop=True)
    return out[COLUMNS], border_df


def load_power_plants(settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The committed Liaoning plants as points (EPSG:4326)."""
    settings = settings or get_settings()
    df = pd.read_csv(settings.indicators_dir / PLANTS_FILE, dtype={"adcode": str, "plant_id": str,
                                                                   "commissioning_year": str}, keep_default_na=False)
    df["capacity_mw"] = pd.to_numeric(df["capacity_mw"], errors="coerce")
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=WEB_CRS)


def check_power_plants(ind_dir: Path, cities: gpd.GeoDataFrame) -> list[Problem]:
    """Every plant inside its own city polygon, or placed by a written border decision."""
    path = ind_dir / PLANTS_FILE
    if not path.exists():
        return []
    plants = pd.read_csv(path, dtype=str, keep_default_na=False)
    border = pd.read_csv(ind_dir / BORDER_FILE, dtype=str, keep_default_na=False) if (ind_dir / BORDER_FILE).exists() \
        else pd.DataFrame(columns=BORDER_COLUMNS)
    decided = dict(zip(border.plant_id, border.adcode))
    shapes = cities.set_index("adcode").geometry
    from shapely.geometry import Point

    problems = []
    for i, r in enumerate(plants.to_dict("records"), start=2):
        if r["adcode"] not in shapes.index:
            problems.append(Problem(f"adcode {r['adcode']} is not a Liaoning city", i, "adcode", PLANTS_FILE))
            continue
        try:
            pt = Point(float(r["lon"]), float(r["lat"]))
        except ValueError:
            problems.append(Problem(f"non-numeric coordinate {r['lon']!r}, {r['lat']!r}", i, "lon", PLANTS_FILE))
            continue
        if r["placement"] == "inside_city_polygon":
            if not shapes.loc[r["adcode"]].contains(pt):
                problems.append(Problem(f"plant {r['plant_id']} is not inside {r['city_zh']}'s polygon", i, "lon",
                                        PLANTS_FILE))
        elif r["placement"] == "border_decision":
            if decided.get(r["plant_id"]) != r["adcode"] or not r["placement_note"].strip():
                problems.append(Problem(f"plant {r['plant_id']} is placed by a border decision that "
                                        f"{BORDER_FILE} does not record", i, "placement", PLANTS_FILE))
        else:
            problems.append(Problem(f"unknown placement {r['placement']!r}", i, "placement", PLANTS_FILE))
    for i, r in enumerate(border.to_dict("records"), start=2):
        if not r["reason"].strip():
            problems.append(Problem(f"border plant {r['plant_id']} has no reason", i, "reason", BORDER_FILE))
    return problems


def coal_by_city(plants: pd.DataFrame) -> pd.DataFrame:
    """Coal-fired capacity per city: plants, MW (plants without a capacity counted, not summed)."""
    coal = plants[plants["fuel"] == "Coal"]
    g = coal.groupby("adcode")
    return pd.DataFrame({"plants": g.size(), "capacity_mw": g["capacity_mw"].sum(min_count=1)}).reset_index()


SCHEMAS = {
    PLANTS_FILE: {
        "title": "Power plants in Liaoning (WRI Global Power Plant Database v1.3.0), placed with the project's city polygons",
        "source": f"shared/reference/power_plants/wri_gppd_china.csv; {ATTRIBUTION}; `lnmap build-power-plants`",
        "fields": [
            {"name": "plant_id", "type": "string", "description": "WRI Power Plant ID",
             "constraints": {"required": True, "unique": True}},
            {"name": "name_en", "type": "string", "description": "name as in the source (English)",
             "constraints": {"required": True}},
            {"name": "fuel", "type": "string", "description": "primary fuel as in the source", "constraints": {"required": True}},
            {"name": "capacity_mw", "type": "number", "description": "capacity", "unit": "MW",
             "source": "WRI Global Power Plant Database v1.3.0, Capacity (MW)"},
            {"name": "commissioning_year", "type": "string", "description": "commissioning date as printed (year or range)"},
            {"name": "lon", "type": "number", "description": "WGS84 longitude", "unit": "degree",
             "source": "WRI Global Power Plant Database v1.3.0 (geolocation_source column)", "constraints": {"required": True}},
            {"name": "lat", "type": "number", "description": "WGS84 latitude", "unit": "degree",
             "source": "WRI Global Power Plant Database v1.3.0 (geolocation_source column)", "constraints": {"required": True}},
            {"name": "adcode", "type": "string", "description": "city the point is placed in",
             "constraints": {"required": True, "pattern": r"\d{6}"}},
            {"name": "city_zh", "type": "string", "description": "city (Chinese)", "constraints": {"required": True}},
            {"name": "placement", "type": "string", "description": "how the city was found",
             "constraints": {"required": True, "enum": ["inside_city_polygon", "border_decision"]}},
            {"name": "placement_note", "type": "string", "description": "the reason of a border decision"},
            {"name": "source_rows", "type": "integer", "description": "identical rows of this plant in the source "
             "(kept once: identical rows cannot be told apart as units)", "constraints": {"required": True}},
            {"name": "source", "type": "string", "description": "the source's source column"},
            {"name": "url", "type": "string", "description": "the source's URL column"},
            {"name": "geolocation_source", "type": "string", "description": "where the coordinate comes from"},
        ],
        "primaryKey": ["plant_id"],
    },
    BORDER_FILE: {
        "title": "Plants just outside Liaoning's simplified border, each decided with a reason (never by distance)",
        "source": f"shared/reference/power_plants/wri_gppd_china.csv; geo.places.power_plants.BORDER_DECISIONS; {ATTRIBUTION}",
        "fields": [
            {"name": "plant_id", "type": "string", "description": "WRI Power Plant ID",
             "constraints": {"required": True, "unique": True}},
            {"name": "name_en", "type": "string", "description": "name as in the source"},
            {"name": "fuel", "type": "string", "description": "primary fuel"},
            {"name": "capacity_mw", "type": "number", "description": "capacity", "unit": "MW",
             "source": "WRI Global Power Plant Database v1.3.0, Capacity (MW)"},
            {"name": "lon", "type": "number", "description": "WGS84 longitude", "unit": "degree",
             "source": "WRI Global Power Plant Database v1.3.0"},
            {"name": "lat", "type": "number", "description": "WGS84 latitude", "unit": "degree",
             "source": "WRI Global Power Plant Database v1.3.0"},
            {"name": "distance_to_liaoning_m", "type": "integer", "description": "distance to the province polygon (EPSG:4550)",
             "unit": "m"},
            {"name": "nearest_city_zh", "type": "string", "description": "nearest Liaoning city (for reading only)"},
            {"name": "decision", "type": "string", "description": "in_liaoning or excluded",
             "constraints": {"required": True, "enum": ["in_liaoning", "excluded"]}},
            {"name": "adcode", "type": "string", "description": "city decided on (empty: excluded)"},
            {"name": "reason", "type": "string", "description": "why", "constraints": {"required": True}},
        ],
        "primaryKey": ["plant_id"],
    },
}
