"""The dashboard's CO2 sources layer (``co2_assets``): the sites of the asset lists in the store, served at request time.

A made-up asset list (Climate TRACE-like: lon, lat, sector, gas, tonnes, year) is imported into the test's own store
(tests/conftest.py); each site's expected sector group is written here by hand, its county and city come from shapely's
point-in-polygon on the committed polygons, not from the code under test.
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import shapely
from flask import Flask

import dashboard.layers as layers
from dashboard.layers import (
    CO2_MIN_R_PX,
    CO2_OTHER_GAS_R_PX,
    CO2_R_PX,
    CO2_R_T,
    SECTOR_GROUPS,
    extra_layer_props,
    register_routes,
)
from dashboard.state import LAYERS
from geo.carbon.inventory import import_inventory, list_inventories, remove_inventory
from geo.carbon.measures import cite_inventory
from geo.core.datum import wgs84_to_gcj02
from geo.core.vocabulary import LAYER_LABELS
from tests.carbon_inputs import layer

HEADER = "lon,lat,sector,gas,tonnes,year"
# (lon, lat, sector as a list gives it, gas, tonnes, year, the group it is drawn in); None: not kept.
SITES = [
    (123.43, 41.80, "electricity-generation", "co2", 12_000_000, 2022, "power"),     # 沈阳
    (122.99, 41.11, "iron-and-steel", "CO2", 25_000_000, 2022, "steel"),             # 鞍山
    (120.45, 41.57, "cement", "co2", 1_500_000, 2022, "cement"),                     # 朝阳
    (122.07, 41.12, "oil-and-gas-refining", "co2", 4_000_000, 2022, "oil_gas"),      # 盘锦
    (121.60, 38.92, "petrochemical-steam-cracking", "co2", 2_000_000, 2022, "chemicals"),  # 大连
    (123.95, 41.88, "coal-mining", "co2", 300_000, 2022, "coal_mining"),             # 抚顺
    (121.65, 42.02, "solid-waste-disposal", "co2", 50_000, 2022, "waste"),           # 阜新
    (122.23, 40.67, "domestic-shipping", "co2", 800_000, 2022, "transport"),         # 营口
    (124.38, 40.13, "rice-cultivation", "co2", 10_000, 2022, "other"),               # 丹东
    (123.84, 42.29, "net-forest-land", "co2", -200_000, 2022, "sink"),               # 铁岭: a sink
    (121.13, 41.10, "电力", "二氧化碳", 3_000_000, 2022, "power"),                    # 锦州
    (123.77, 41.30, "coal-mining", "ch4", 40_000, 2022, "coal_mining"),              # 本溪: another gas
    (116.40, 39.90, "electricity-generation", "co2", 9_000_000, 2022, None),         # 北京: outside Liaoning
    (123.43, 41.80, "electricity-generation", "co2", 1_000_000, 2021, None),         # another year
]
KEPT = [s for s in SITES if s[-1]]


def _csv(rows) -> bytes:
    return ("\n".join([HEADER, *(",".join(str(v) for v in r[:6]) for r in rows)]) + "\n").encode()


def _import(name: str = "TRACE-test", rows=SITES) -> dict:
    return import_inventory(_csv(rows), name=name, year=2022, source="made up for the tests", licence="CC BY 4.0",
                            file_name="assets.csv")


@pytest.fixture
def client():
    server = Flask(__name__)
    register_routes(server, {})  # the CO2 sources come with the other layers' routes (no layer built here)
    return server.test_client()


def _get(client, datum: str) -> dict:
    r = client.get(f"/lnmap/co2/{datum}/assets.geojson")
    assert r.status_code == 200 and r.mimetype == "application/json"
    doc = json.loads(r.get_data())
    assert doc["type"] == "FeatureCollection" and doc["datum"] == datum
    return doc


def _status(client) -> dict:
    r = client.get("/lnmap/co2/assets.json")
    assert r.status_code == 200
    return json.loads(r.get_data())


def _where(lon: float, lat: float) -> tuple[str, str]:
    """(county, city) adcodes of the committed polygons holding the point."""
    counties = layer("counties")
    hit = counties[shapely.contains_xy(counties.geometry.to_numpy(), lon, lat)]
    assert len(hit) == 1, (lon, lat)
    return hit.adcode.iloc[0], str(hit.parent_adcode.iloc[0])


def test_every_kept_site_is_served_with_its_group_place_and_tonnes(client):
    _import()
    doc = _get(client, "wgs84")
    assert doc["total"] == doc["shown"] == len(KEPT) == 12
    got = {(round(f["geometry"]["coordinates"][0], 5), round(f["geometry"]["coordinates"][1], 5), f["properties"]["gas"]):
           f["properties"] for f in doc["features"]}
    assert len(got) == len(KEPT)
    for lon, lat, sector, gas, tonnes, _year, group in KEPT:
        p = got[(lon, lat, gas)]
        assert (p["sector"], p["group"], p["inventory"]) == (sector, group, "TRACE-test")
        assert p["tonnes"] == tonnes
        assert (p["county"], p["city"]) == _where(lon, lat)
        if gas == "ch4":  # kept as a site, not counted: drawn small and hollow
            assert p["co2_t"] is None and p["r"] == CO2_OTHER_GAS_R_PX
        else:
            assert p["co2_t"] == tonnes
            # area-true: r = 15 px × √(|t| ÷ 10 Mt), at least 3 px (by hand: 25 Mt -> 23.72 px, 1.5 Mt -> 5.81 px)
            assert p["r"] == pytest.approx(max(CO2_R_PX * (abs(tonnes) / CO2_R_T) ** 0.5, CO2_MIN_R_PX), abs=0.01)
    assert got[(122.99, 41.11, "CO2")]["r"] == pytest.approx(23.72, abs=0.01)
    assert got[(120.45, 41.57, "co2")]["r"] == pytest.approx(5.81, abs=0.01)
    # the largest first (drawn first, so a small site is never hidden under a big one), the other gas last
    sizes = [abs(f["properties"]["co2_t"]) for f in doc["features"] if f["properties"]["co2_t"] is not None]
    assert sizes == sorted(sizes, reverse=True) and doc["features"][-1]["properties"]["gas"] == "ch4"
    # Beijing and the other year's row are not there
    assert not any(c[0] < 118 for c in (f["geometry"]["coordinates"] for f in doc["features"]))
    assert sum(1 for f in doc["features"] if f["geometry"]["coordinates"] == [123.43, 41.8]) == 1


def test_the_status_cites_the_inventory_and_names_the_places(client):
    _import()
    st = _status(client)
    (inv,) = list_inventories()
    assert st["inventories"] == [{"name": "TRACE-test", "year": 2022, "shown": 12,
                                  "cite_zh": cite_inventory(inv, "zh"), "cite_en": cite_inventory(inv, "en")}]
    assert "CC BY 4.0" in st["inventories"][0]["cite_en"] and "made up for the tests" in st["inventories"][0]["cite_zh"]
    assert (st["total"], st["shown"], st["other_gas"]) == (12, 12, 1)
    assert st["groups"] == list(SECTOR_GROUPS)  # every group once, in the legend's order
    cities = layer("cities").set_index("adcode")
    for lon, lat, *_ in KEPT:
        county, city = _where(lon, lat)
        assert st["places"][city] == [cities.name_zh[city], cities.name_en[city]]
        assert st["places"][county][0] and st["places"][county][1]


def test_the_gcj02_route_shifts_the_sites_as_geo_core_datum_does(client):
    _import()
    w = _get(client, "wgs84")["features"]
    g = _get(client, "gcj02")["features"]
    assert [f["properties"] for f in w] == [f["properties"] for f in g]
    for fw, fg in zip(w, g):
        x, y = fw["geometry"]["coordinates"]
        gx, gy = wgs84_to_gcj02(x, y)
        assert fg["geometry"]["coordinates"] == [round(float(gx), 5), round(float(gy), 5)]
        d = np.hypot((fg["geometry"]["coordinates"][0] - x) * 111_320 * np.cos(np.radians(y)),
                     (fg["geometry"]["coordinates"][1] - y) * 111_320)
        assert 300 < d < 800
    assert client.get("/lnmap/co2/bd09/assets.geojson").status_code == 404


def test_an_empty_store_gives_an_empty_layer_and_says_so(client):
    assert _get(client, "wgs84")["features"] == [] and _get(client, "gcj02")["features"] == []
    st = _status(client)
    assert st["inventories"] == [] and st["total"] == 0 and st["groups"] == []
    # an inventory that is no asset list (a table by city) has no sites: the layer stays empty
    import_inventory("城市,排放量\n沈阳,1000\n".encode(), name="table", year=2022)
    assert _get(client, "wgs84")["features"] == [] and _status(client)["inventories"] == []


def test_the_layer_follows_the_store_and_is_revalidated_not_kept(client):
    first = client.get("/lnmap/co2/wgs84/assets.geojson")
    assert first.headers["Cache-Control"] == "no-cache" and "immutable" not in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    assert client.get("/lnmap/co2/wgs84/assets.geojson", headers={"If-None-Match": etag}).status_code == 304
    _import()  # an import while the app runs: the next request has the sites, under another ETag
    r = client.get("/lnmap/co2/wgs84/assets.geojson", headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag and len(json.loads(r.get_data())["features"]) == 12
    gz = client.get("/lnmap/co2/wgs84/assets.geojson", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == r.get_data()
    assert client.get("/lnmap/co2/wgs84/assets.geojson", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    remove_inventory("TRACE-test")
    assert _get(client, "wgs84")["features"] == []


def test_the_layer_is_bounded_and_says_how_many_sites_there_are(client, monkeypatch):
    _import()
    _import("second", [(124.0, 41.0, "cement", "co2", 30_000_000, 2022, "cement")])  # 本溪 or 抚顺: the largest
    monkeypatch.setattr(layers, "CO2_MAX_POINTS", 4)
    doc = _get(client, "wgs84")
    assert (doc["total"], doc["shown"], len(doc["features"])) == (13, 4, 4)
    assert [f["properties"]["co2_t"] for f in doc["features"]] == [30_000_000, 25_000_000, 12_000_000, 4_000_000]
    st = _status(client)
    assert (st["total"], st["shown"], st["limit"]) == (13, 4, 4)
    assert [(i["name"], i["shown"]) for i in st["inventories"]] == [("TRACE-test", 3), ("second", 1)]


def test_the_layer_is_toggleable_with_its_words_in_both_languages():
    from dashboard.layout import layer_specs

    assert "co2_assets" in LAYERS and LAYER_LABELS["co2_assets"] == {"zh": "CO2 排放源（资产清单）",
                                                                   "en": "CO2 sources (asset lists)"}
    (spec,) = layer_specs("v1")["co2_assets"]
    # the URL carries no version (the sites change with imports) and is in WGS84: the page swaps /wgs84/ for /gcj02/
    assert spec["props"]["url"] == "/lnmap/co2/wgs84/assets.geojson"
    h = extra_layer_props()["co2_assets"][0]["hideout"]
    assert h["status"] == "/lnmap/co2/assets.json" and set(h["groups"]) == set(SECTOR_GROUPS)
    assert len({(g["color"], g["shape"]) for g in h["groups"].values()}) == len(SECTOR_GROUPS)
    assert len({g["shape"] for g in h["groups"].values()}) >= len(SECTOR_GROUPS) - 1  # power and sink: circle, ring
    assert set(h["words"]["zh"]) == set(h["words"]["en"]) and all(v.strip() for w in h["words"].values() for v in w.values())
    assert h["words"]["en"]["co2_small"] == "under 400,000 t: the smallest symbol"
    assert [label for _, label, _ in h["sizes"]] == ["20 Mt", "5 Mt", "1 Mt"]
