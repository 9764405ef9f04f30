"""The app in-process: offline serving, small layout, the GeoJSON route, WSGI."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from flask import Flask

from dashboard.app import create_app


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def test_server_is_a_wsgi_flask_app(app):
    assert isinstance(app.server, Flask)


def test_page_loads_nothing_from_a_cdn(client):
    html = client.get("/").get_data(as_text=True)
    assert "unpkg.com" not in html and "cdn" not in html.lower()
    assert "/_dash-component-suites/dash_leaflet/" in html
    for part in ("map_1_core", "map_2_layers", "map_3_panel", "map_4_first_frame", "map_5_counties"):
        assert f"/assets/{part}.js" in html
    assert html.index("/assets/map_1_core.js") < html.index("/assets/map_4_first_frame.js") < html.index(
        "/assets/map_5_counties.js")


def test_layout_does_not_inline_geometry(client):
    body = client.get("/_dash-layout").get_data()
    # indicators and classes (42 of them, about 3.3 KB each with the per-km² densities), the words of both
    # languages and the layer specs (the plants' and counties' words), not the 225 KB of city geometry:
    # 119,864 bytes with 30 indicators, 149,686 with 42, 164,869 with the plant and county layers
    assert len(body) < 180_000
    assert b'"coordinates"' not in body
    layout = json.loads(body)
    assert "/lnmap/geo/wgs84/cities.geojson" in json.dumps(layout)


def test_geojson_route_serves_gzip_with_etag(client):
    r = client.get("/lnmap/geo/wgs84/cities.geojson", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    doc = json.loads(gzip.decompress(r.get_data()))
    assert len(doc["features"]) == 14 and doc["datum"] == "wgs84"
    again = client.get("/lnmap/geo/wgs84/cities.geojson", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/lnmap/geo/wgs84/nope.geojson").status_code == 404
    assert client.get("/lnmap/geo/bd09/cities.geojson").status_code == 404


def _first_xy(client, datum):
    doc = client.get(f"/lnmap/geo/{datum}/labels.geojson").get_json()
    return {f["properties"]["adcode"]: f["geometry"]["coordinates"] for f in doc["features"]}


def test_gcj02_layer_is_shifted_by_a_few_hundred_metres(client):
    w, g = _first_xy(client, "wgs84"), _first_xy(client, "gcj02")
    for a in w:
        dx = (g[a][0] - w[a][0]) * 111_320 * np.cos(np.radians(w[a][1]))
        dy = (g[a][1] - w[a][1]) * 111_320
        assert 300 < np.hypot(dx, dy) < 800


def test_gcj02_layer_is_shifted_the_way_gaode_tiles_are(client):
    """Under Gaode tiles the overlays move WGS84 -> GCJ-02, as the independent coord-convert
    package computes it; the opposite direction would land 2 x 300-800 m off the tiles."""
    from coord_convert.transform import wgs2gcj

    w, g = _first_xy(client, "wgs84"), _first_xy(client, "gcj02")
    for a in w:
        expected = wgs2gcj(*w[a])
        assert abs(g[a][0] - expected[0]) < 2e-5 and abs(g[a][1] - expected[1]) < 2e-5, a  # ~2 m: rounded coordinates


def test_every_site_layer_and_region_layer_is_served(client):
    from dashboard.state import REGION_IDS, SITE_LAYERS

    for name in [*(f"sites-{k}" for k in SITE_LAYERS), *(f"regions-{r}" for r in REGION_IDS), "other", "labels",
                 "context", "other_labels"]:
        assert client.get(f"/lnmap/geo/wgs84/{name}.geojson").status_code == 200, name
    ports = client.get("/lnmap/geo/wgs84/sites-port.geojson").get_json()["features"]
    assert ports and all(f["properties"]["named_in"] for f in ports)


def test_static_files_are_cached_under_versioned_urls(client):
    """After the first load nothing static is fetched again: every file the page links
    carries a version in its URL and may be kept for a year; the page's icon is inline."""
    import re

    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="data:image/svg\+xml,', html)  # no favicon request at all
    linked = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert linked and all(("?m=" in u or "?v=" in u or re.search(r"\.v\d", u)) for u in linked), linked
    for url in linked:
        resp = client.get(url)
        resp.close()  # streamed files hold an open handle until closed
        assert resp.status_code == 200 and "max-age=31536000" in resp.headers["Cache-Control"], url
    layout = json.dumps(client.get("/_dash-layout").get_json())  # plain "/" (Dash escapes it as \u002f)
    urls = sorted(set(re.findall(r'"(/lnmap/geo/[^"]+)"', layout)))
    assert urls and all("?v=" in u for u in urls), urls
    for url in urls:
        assert client.get(url).headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    # Another version (a stale page after the data changed) is revalidated, not kept.
    stale = client.get(urls[0].split("?")[0] + "?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache" and stale.headers["ETag"]


def test_layer_version_changes_with_the_data():
    from dashboard.layers import Blob, layers_version

    a = {("wgs84", "cities"): Blob(b"{}", b"", "etag-a")}
    b = {("wgs84", "cities"): Blob(b"{ }", b"", "etag-b")}
    assert layers_version(a) != layers_version(b)
    assert layers_version(a) == layers_version(dict(a))


def test_no_two_asset_files_define_the_same_browser_function():
    """Dash serves every file of dashboard/assets/ in one page, in name order: a function defined under the
    same window.lnmap name in two files would silently replace the first (the county level's style once took the
    name of the county outlines' and emptied that layer)."""
    import re
    from collections import Counter
    from pathlib import Path

    assets = Path(__file__).resolve().parent.parent / "dashboard" / "assets"
    defined = Counter()
    for js in sorted(assets.glob("*.js")):
        names = set(re.findall(r"\bNS\.(\w+)\s*=\s*(?:function|guarded)", js.read_text(encoding="utf-8")))
        defined.update(names)
    assert len(defined) > 20  # the pattern finds them
    assert [n for n, k in defined.items() if k > 1] == []
