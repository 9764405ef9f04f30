"""The first frame's data (dashboard/preview.py): outlines true to the boundaries, views only the server
can vouch for, and nothing in a link that can break out of the page's JSON block."""

from __future__ import annotations

import json
import re
from functools import reduce

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon

from dashboard.layers import source_frames
from dashboard.preview import TOLERANCE_M, UNIT_M, preview_geometry, preview_payload, preview_script


@pytest.fixture(scope="module")
def frames():
    return source_frames()


@pytest.fixture(scope="module")
def geometry(frames):
    return preview_geometry(frames)


@pytest.fixture(scope="module")
def app():
    from dashboard.app import create_app

    return create_app()


def rings(d: str, origin, unit) -> list[Polygon]:
    """Polygons (Web Mercator metres) back from the path data: ``M x y l dx dy ... z``, by hand."""
    out = []
    for m in re.finditer(r"M(-?\d+) (-?\d+)l([-\d ]*)z", d):
        x, y = int(m.group(1)), int(m.group(2))
        pts = [(x, y)]
        steps = [int(v) for v in m.group(3).split()]
        for dx, dy in zip(steps[::2], steps[1::2], strict=True):
            x, y = x + dx, y + dy
            pts.append((x, y))
        out.append(Polygon([(origin[0] + px * unit, origin[1] - py * unit) for px, py in pts]))
    return out


def test_each_outline_stays_within_the_tolerance_of_the_boundary(frames, geometry):
    """Read back from the path text, each city covers the same ground as its boundary (area within 1 %,
    no point further off than the tolerance plus the rounding to whole units): a flipped axis, a lost
    ring or a wrong step would move it by kilometres."""
    real = frames["cities"].set_index("adcode").to_crs("EPSG:3857").geometry
    assert [c["a"] for c in geometry["cities"]] == list(frames["cities"].adcode)
    for c in geometry["cities"]:
        parts = rings(c["d"], geometry["origin"], geometry["unit"])
        # Rings are exteriors and holes alike (the even-odd fill rule the first frame and Leaflet draw with):
        # symmetric differences rebuild the holes.
        drawn = reduce(lambda a, b: a.symmetric_difference(b), parts)
        truth = real[c["a"]]
        assert abs(drawn.area - truth.area) / truth.area < 0.01, c["zh"]
        # Nothing drawn lies further off; islets under a pixel (611 m at zoom 8) may vanish in the rounding,
        # every larger part is drawn.
        near = TOLERANCE_M + UNIT_M
        assert drawn.difference(truth.buffer(near)).area < 1, c["zh"]
        seen = shapely.MultiPolygon([p for p in shapely.get_parts(truth) if p.area > 611 ** 2])
        assert seen.difference(drawn.buffer(near)).area < 1, c["zh"]


def test_label_points_are_the_map_labels_in_web_mercator(frames, geometry):
    """Each circle and name sits where the map's labels layer puts it: that point through pyproj's own
    EPSG:4326 -> EPSG:3857 transform, in the preview's units (to the 0.1 unit it is written with)."""
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    labels = frames["labels"].set_index("adcode").geometry
    ox, oy = geometry["origin"]
    for c in geometry["cities"]:
        x, y = to_merc.transform(labels[c["a"]].x, labels[c["a"]].y)
        assert c["p"][0] == pytest.approx((x - ox) / UNIT_M, abs=0.051)
        assert c["p"][1] == pytest.approx((oy - y) / UNIT_M, abs=0.051)


def test_a_view_needing_data_the_page_lacks_gets_no_first_frame(app):
    store = app.preview_store
    assert preview_payload(store, "?indicator=so2_cut_target_pct")["view"]["indicator"] == "so2_cut_target_pct"
    for query in ("?dataset=obs-20261122T101010123456-0123abcd", "?plan=十四五", "?year=2021",
                  "?basemap=gaode"):  # Gaode's tiles are in GCJ-02: Leaflet draws the shifted outlines
        assert preview_payload(store, query) is None, query
    assert preview_payload(store, "?basemap=osm") is not None  # OSM's tiles are WGS84


def test_the_index_carries_the_asked_view(app):
    page = app.server.test_client().get("/?indicator=nox_cut_target_pct&city=大连&lang=en&scheme=natural_breaks")
    text = page.get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="lnmap-preview-data">(.*?)</script>', text, re.S)
    data = json.loads(block.group(1))
    assert data["view"]["indicator"] == "nox_cut_target_pct"
    assert data["view"]["city"] == "210200" and data["view"]["lang"] == "en"
    assert data["view"]["scheme"] == "natural_breaks"
    assert list(data["store"]["indicators"]) == ["nox_cut_target_pct"]
    assert len(data["geo"]["cities"]) == 14


def test_a_hostile_link_cannot_break_out_of_the_json_block(app):
    hostile = "</script><script>alert(1)</script>"
    page = app.server.test_client().get("/", query_string={"city": hostile, "indicator": hostile, "region": hostile,
                                                          "lang": "<!--", "scheme": "</SCRIPT >"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "alert(1)" not in text
    block = re.search(r'<script type="application/json" id="lnmap-preview-data">(.*?)</script>', text, re.S)
    data = json.loads(block.group(1))
    assert data["view"]["city"] is None and data["view"]["indicator"] == "cod_emission_2015_t"
    assert text.count('id="lnmap-preview-data"') == 1


def test_the_placeholder_speaks_the_pages_language(app):
    """Dash's placeholder reads "Loading..." on every page; here in the language the link asks for."""
    client = app.server.test_client()
    zh = client.get("/").get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    plain = client.get("/?lang=en&dataset=obs-20261122T101010123456-0123abcd").get_data(as_text=True)
    assert "正在加载…" in zh and "Loading..." not in zh
    assert "Loading…" in en and "正在加载" not in en
    assert "Loading…" in plain and "lnmap-preview-data" not in plain  # no first frame, the language all the same


def test_no_text_in_the_payload_can_end_its_script_block():
    """Whatever text the payload carries (a name, one day a user's dataset title), no ``</`` reaches the page,
    and the block still reads back as the same JSON."""
    text = preview_script({"name": "</script><script>alert(1)</script><!--", "zh": "大连"})
    body = text.removeprefix('<script type="application/json" id="lnmap-preview-data">').removesuffix("</script>")
    assert "</" not in body and "<!--" not in body
    assert json.loads(body) == {"name": "</script><script>alert(1)</script><!--", "zh": "大连"}
    assert preview_script(None) == ""
