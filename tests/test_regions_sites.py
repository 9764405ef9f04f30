import pytest

from geo.core.settings import PROJECTED_CRS
from geo.places.boundaries import load_layer
from geo.places.regions import load_members, load_regions, membership_wide, region_outlines, regions_of
from geo.places.sites import KINDS, build_sites, distance_to_city_m, load_sites, placed_sites, uncertainty_m


def test_four_regions_with_sources():
    regions = load_regions()
    assert len(regions) == 4
    assert (regions.document == "辽环发〔2023〕39号").all() and (regions.clause == "十七").all()
    members = load_members()
    assert members.source.str.len().gt(0).all()
    assert set(members.region_id) == set(regions.region_id)


def test_many_to_many_and_partial_membership():
    jinzhou = set(regions_of("210700").region_id)
    assert {"coastal_belt", "west_liaoning"} <= jinzhou
    east = load_members().query("region_id == 'east_green'").set_index("city_zh")
    assert east.loc["鞍山市", "membership"] == "partial" and east.loc["本溪市", "membership"] == "full"
    wide = membership_wide().set_index("adcode")
    assert wide.loc["210300", "region_east_green"].startswith("partial")
    assert "low confidence" in wide.loc["211300", "region_west_liaoning"]


def test_region_outlines_are_dissolved_from_members():
    cities = load_layer("cities")
    outlines = region_outlines(cities)
    coastal = outlines.query("region_id == 'coastal_belt'")
    assert len(coastal) == 1 and coastal.membership.iloc[0] == "full"
    expected = cities[cities.adcode.isin(load_members().query("region_id == 'coastal_belt'").adcode)]
    assert abs(coastal.to_crs(PROJECTED_CRS).area.iloc[0] - expected.to_crs(PROJECTED_CRS).area.sum()) < 1.0  # m²
    assert set(outlines.query("region_id == 'east_green'").membership) == {"full", "partial"}


def test_every_placed_site_lies_in_its_city():
    sites = placed_sites()
    cities = load_layer("cities")
    dist = distance_to_city_m(sites, cities)
    for site, d in zip(sites.itertuples(), dist):
        allowed = site.uncertainty_m if site.uncertainty_m == site.uncertainty_m else 0.0  # NaN -> 0
        assert d <= allowed, f"{site.name_zh}: {d:.0f} m outside {site.city_zh} (allowed {allowed:.0f} m)"
    assert (dist == 0).sum() >= len(sites) - 1


def test_unplaced_sites_are_listed_not_dropped():
    sites = load_sites()
    unplaced = sites[~sites.placed]
    assert len(unplaced) >= 5 and unplaced.lon.isna().all()
    assert "阜新海州露天矿" in set(unplaced.name_zh)
    assert set(sites.kind) <= set(KINDS)


def test_uncertainty_from_precision():
    assert uncertainty_m("exact") == 0
    assert uncertainty_m("about 0.02 deg") == pytest.approx(2226.4)
    assert uncertainty_m("proxy") is None


def test_build_sites_rejects_bad_rows_naming_them():
    import pandas as pd

    from geo.core.errors import DataValidationError

    ref = pd.DataFrame([
        dict(name_zh="甲", name_en="A", kind="port", expected_city_adcode="210200", lon="121.6", lat="38.9",
             precision="exact", coordinate_source="s", named_in="n", note=""),
        dict(name_zh="乙", name_en="B", kind="spaceport", expected_city_adcode="210200", lon="121.6", lat="38.9",
             precision="exact", coordinate_source="s", named_in="n", note=""),
        dict(name_zh="丙", name_en="C", kind="port", expected_city_adcode="229999", lon="", lat="",
             precision="", coordinate_source="", named_in="n", note=""),
    ])
    with pytest.raises(DataValidationError) as exc:
        build_sites(ref)
    text = str(exc.value)
    assert "row 3, field 'kind'" in text and "row 4, field 'expected_city_adcode'" in text
