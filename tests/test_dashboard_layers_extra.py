"""The county and power-plant layers of the dashboard: what is served, how big a circle is, what is marked.

The expectations are read from the CSVs with the standard library, not with the code under test.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import shapely
from flask import Flask
from shapely.geometry import shape

from dashboard.layers import PLANT_MIN_R_PX, build_layers, extra_layer_props, plant_radius, register_routes
from dashboard.state import LAYERS
from geo.core.settings import get_settings
from geo.places.boundaries import load_layer
from geo.places.power_plants import ATTRIBUTION, ATTRIBUTION_ZH
from tests.dashboard_server import offline, serve_dashboard


def _csv_rows(name: str) -> list[dict]:
    with open(get_settings().indicators_dir / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


PLANT_ROWS = _csv_rows("power_plants.csv")
#: The counties designations.csv names: county-level rows, by adcode.
DESIGNATED: dict[str, list[dict]] = {}
for _row in _csv_rows("designations.csv"):
    if _row["level"] == "county":
        DESIGNATED.setdefault(_row["adcode"], []).append(_row)


@pytest.fixture(scope="module")
def client():
    server = Flask(__name__)
    register_routes(server, build_layers())
    return server.test_client()


def _features(client, datum: str, name: str) -> list[dict]:
    r = client.get(f"/lnmap/geo/{datum}/{name}.geojson")
    assert r.status_code == 200, name
    doc = json.loads(r.get_data())
    assert doc["datum"] == datum
    return doc["features"]


# ------------------------------------------------------------------ power plants


@pytest.mark.parametrize("datum", ["wgs84", "gcj02"])
def test_the_served_plants_are_the_csv_rows_and_only_liaoning_plants(client, datum):
    feats = _features(client, datum, "plants")
    assert len(feats) == len(PLANT_ROWS) == 119
    assert sorted(f["properties"]["plant_id"] for f in feats) == sorted(r["plant_id"] for r in PLANT_ROWS)
    cities = set(load_layer("cities").adcode)
    assert len(cities) == 14 and all(f["properties"]["adcode"] in cities for f in feats)
    if datum == "wgs84":  # every point in Liaoning, or placed by a written border decision
        province = load_layer("province").geometry.union_all()
        for f in feats:
            p = f["properties"]
            inside = province.contains(shape(f["geometry"]))
            assert inside or (p["placement"] == "border_decision" and p["placement_note"]), p["plant_id"]


def test_plant_circles_are_area_true():
    # By hand: r = 15 px × √(MW ÷ 1000), so 1,200 MW -> 15 × √1.2 = 16.43 px and 300 MW -> 15 × √0.3 = 8.22 px:
    # four times the capacity, twice the radius, four times the area.
    r1200, r300 = plant_radius([1200.0, 300.0])
    assert r1200 == pytest.approx(16.432, abs=1e-3) and r300 == pytest.approx(8.216, abs=1e-3)
    assert r1200 / r300 == pytest.approx(2.0)
    # The smallest are drawn at the least visible size, a missing capacity gets no radius.
    assert plant_radius([1.0])[0] == PLANT_MIN_R_PX and np.isnan(plant_radius([float("nan")])[0])


def test_the_served_radii_follow_the_rule(client):
    by_mw = {}
    for f in _features(client, "wgs84", "plants"):
        p = f["properties"]
        if p["capacity_mw"] in (1200.0, 300.0):
            by_mw.setdefault(p["capacity_mw"], set()).add(p["radius_px"])
    assert by_mw[1200.0] == {16.43} and by_mw[300.0] == {8.22}  # Kangping (coal), a 300 MW wind farm
    radii = [f["properties"]["radius_px"] or 0 for f in _features(client, "wgs84", "plants")]
    assert radii == sorted(radii, reverse=True)  # big ones first: a small plant is never drawn under a big one


def test_the_gcj02_plants_are_shifted_a_few_hundred_metres(client):
    w = {f["properties"]["plant_id"]: f["geometry"]["coordinates"] for f in _features(client, "wgs84", "plants")}
    g = {f["properties"]["plant_id"]: f["geometry"]["coordinates"] for f in _features(client, "gcj02", "plants")}
    for pid, (x, y) in w.items():
        d = np.hypot((g[pid][0] - x) * 111_320 * np.cos(np.radians(y)), (g[pid][1] - y) * 111_320)
        assert 300 < d < 800, pid


def test_the_plant_layer_never_says_which_plants_are_province_managed(client):
    text = json.dumps(_features(client, "wgs84", "plants"), ensure_ascii=False) + json.dumps(
        extra_layer_props()["plants"], ensure_ascii=False)
    assert "省直管" not in text.replace("来源未说明哪些电厂为省直管", "")
    assert "province-managed" not in text.replace("the source does not say which plants are province-managed", "")


# ------------------------------------------------------------------ counties


def test_the_county_layer_marks_exactly_the_counties_designations_names(client):
    assert set(DESIGNATED) == {"210283", "210521", "210522", "211402"}  # 庄河, 本溪县, 桓仁, 连山区
    for datum in ("wgs84", "gcj02"):
        feats = _features(client, datum, "counties-marked")
        assert sorted(f["properties"]["adcode"] for f in feats) == sorted(DESIGNATED)
    for f in _features(client, "wgs84", "counties-marked"):
        p = f["properties"]
        rows = DESIGNATED[p["adcode"]]
        assert [d["zh"] for d in p["designations"]] == [r["designation_zh"] for r in rows]
        for d, r in zip(p["designations"], rows):
            assert d["cite_zh"].startswith(r["document"]) and d["cite_en"].startswith(r["document"])
            assert d["en"] == r["designation_en"]
        assert p["name_en"] and p["city_zh"] and p["city_en"]


def test_a_designation_naming_an_unknown_county_stops_the_build(tmp_path):
    from dashboard.layers import marked_counties
    from geo.core.errors import DataValidationError
    from geo.core.settings import Settings

    (tmp_path / "indicators").mkdir()
    rows = (get_settings().indicators_dir / "designations.csv").read_text(encoding="utf-8").splitlines()
    bad = rows[0] + "\n" + next(r for r in rows if ",210521," in r).replace(",210521,", ",210599,") + "\n"
    (tmp_path / "indicators" / "designations.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"designations.csv, row 2, field 'adcode': county 210599"):
        marked_counties(load_layer("counties"), load_layer("cities"), Settings(data_dir=tmp_path))


def test_the_county_lines_run_inside_the_cities_only(client):
    """The thin county lines never lie on a city border (the city outlines stay on top, unbroken)."""
    lines = shapely.union_all([shape(f["geometry"]) for f in _features(client, "wgs84", "counties-lines")])
    cities = load_layer("cities")
    borders = shapely.union_all(cities.boundary.values)
    assert lines.length > 10  # degrees: the 100 counties' inner borders
    assert lines.intersection(borders.buffer(1e-6)).length < 1e-3 * lines.length
    # and they are the counties' borders: every inner line lies on a county border
    counties = shapely.union_all(load_layer("counties").boundary.values)
    assert lines.difference(counties.buffer(1e-5)).length < 1e-6


# ------------------------------------------------------------------ wiring


def test_both_layers_are_toggleable_with_words_in_both_languages():
    from dashboard.layout import layer_specs
    from geo.core.vocabulary import LAYER_LABELS

    specs = layer_specs("v1")
    assert {"counties", "plants"} <= set(LAYERS) and {"counties", "plants"} <= set(specs)
    for key in ("counties", "plants"):
        assert LAYER_LABELS[key]["zh"] and LAYER_LABELS[key]["en"]
        for comp in specs[key]:
            assert "/wgs84/" in comp["props"]["url"] and comp["props"]["url"].endswith("?v=v1")
        words = [c["props"]["hideout"]["words"] for c in specs[key] if "words" in c["props"].get("hideout", {})]
        assert len(words) == 1 and set(words[0]["zh"]) >= set(words[0]["en"])
        for lang in ("zh", "en"):
            assert all(v.strip() for v in words[0][lang].values())
    hideout = specs["plants"][0]["props"]["hideout"]
    assert hideout["attribution"] == ATTRIBUTION and hideout["words"]["zh"]["attribution_lead"] + ATTRIBUTION == \
        ATTRIBUTION_ZH
    assert [mw for mw, _ in hideout["sizes"]] == [2000, 500, 100]
    assert hideout["present"] == sorted({r["fuel"] for r in PLANT_ROWS}, key=["Coal", "Wind", "Hydro", "Nuclear"].index)


# ------------------------------------------------------------------ in the browser


@pytest.mark.browser
def test_the_plants_and_counties_draw_offline_with_their_attribution(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    with serve_dashboard() as base:
        offline(page)
        page.goto(base + "?layers=context,labels,plants,counties&lang=en")
        page.wait_for_function("document.querySelectorAll('path.lnmap-city').length === 14")
        page.wait_for_function(f"document.querySelectorAll('path.lnmap-plant').length === {len(PLANT_ROWS)}")
        page.wait_for_selector("path.lnmap-county-line")
        # The marked counties are a file of their own, which may come after the lines: waited for, then counted.
        page.wait_for_function(f"document.querySelectorAll('path.lnmap-county-marked').length >= {len(DESIGNATED)}")
        page.wait_for_load_state("networkidle")
        assert page.locator("path.lnmap-county-marked").count() == len(DESIGNATED)
        attribution = page.locator(".leaflet-control-attribution")
        assert attribution.is_visible() and ATTRIBUTION in attribution.inner_text()
        legend = page.locator("#layer-legend")
        assert ATTRIBUTION in legend.inner_text() and "2,000 MW" in legend.inner_text()
        # The plants sit above the cities and below their names.
        z = page.evaluate("""() => ['overlay', 'lnmap-counties', 'lnmap-plants', 'lnmap-labels'].map(
            n => +getComputedStyle(document.querySelector('.leaflet-' + n + '-pane')).zIndex)""")
        assert z == sorted(z) and len(set(z)) == 4
        page.evaluate("document.querySelector('path.lnmap-plant').dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        popup = page.locator(".lnmap-plant-popup")
        popup.wait_for()
        assert "Hongyanhe" in popup.inner_text() and "4,183 MW" in popup.inner_text()
        assert ATTRIBUTION in popup.inner_text()
        assert errors == []
        # Under the Gaode basemap the two layers come again, shifted to GCJ-02 (the tiles themselves cannot load
        # offline: their errors are not this layer's).
        with page.expect_request(lambda r: "/lnmap/geo/gcj02/plants.geojson" in r.url):
            page.locator("#basemap").get_by_text("Gaode").click()
        page.wait_for_function(f"document.querySelectorAll('path.lnmap-plant').length === {len(PLANT_ROWS)}")
        page.wait_for_function("document.querySelectorAll('path.lnmap-county-marked').length === 4")
