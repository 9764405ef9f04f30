import numpy as np
import pytest
from coord_convert.transform import gcj2wgs, wgs2gcj

from geo.core.datum import gcj02_to_wgs84, transform_geometry, wgs84_to_gcj02


@pytest.fixture
def liaoning_points():
    rng = np.random.default_rng(42)
    return rng.uniform(118.8, 125.8, 500), rng.uniform(38.7, 43.5, 500)


def test_forward_matches_independent_converter(liaoning_points):
    lon, lat = liaoning_points
    glon, glat = wgs84_to_gcj02(lon, lat)
    ref = np.array([wgs2gcj(x, y) for x, y in zip(lon, lat)])
    assert np.abs(glon - ref[:, 0]).max() < 1e-9
    assert np.abs(glat - ref[:, 1]).max() < 1e-9


def test_inverse_agrees_with_oracle_to_centimetres(liaoning_points):
    lon, lat = liaoning_points
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    # coord-convert's gcj2wgs is a one-step approximation; ours is exact: compare to 1e-5 deg (~1 m)
    ref = np.array([gcj2wgs(x, y) for x, y in zip(glon, glat)])
    assert np.abs(wlon - ref[:, 0]).max() < 1e-5
    assert np.abs(wlat - ref[:, 1]).max() < 1e-5


def test_round_trip_error_is_negligible(liaoning_points):
    lon, lat = liaoning_points
    wlon, wlat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.abs(wlon - lon).max() < 1e-10
    assert np.abs(wlat - lat).max() < 1e-10


def test_shift_in_liaoning_is_a_few_hundred_metres(liaoning_points):
    from pyproj import Geod

    lon, lat = liaoning_points
    glon, glat = wgs84_to_gcj02(lon, lat)
    _, _, dist = Geod(ellps="WGS84").inv(lon, lat, glon, glat)
    assert 300 < np.median(dist) < 800


def test_known_point_pair():
    # Tiananmen: WGS84 (116.391248, 39.907501) <-> GCJ-02 (116.397491, 39.908897), widely published pair
    lon, lat = wgs84_to_gcj02(116.391248, 39.907501)
    assert abs(float(lon) - 116.397491) < 2e-5 and abs(float(lat) - 39.908897) < 2e-5


def test_transform_geometry_moves_every_vertex():
    import shapely

    poly = shapely.box(123.0, 41.0, 123.5, 41.5)
    out = transform_geometry(np.array([poly]), wgs84_to_gcj02)[0]
    assert shapely.get_num_coordinates(out) == shapely.get_num_coordinates(poly)
    assert not out.equals(poly)
