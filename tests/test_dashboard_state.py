"""geo.measures.view and dashboard.state as plain functions: payload, hideout, URL state, detail data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.state import (
    DEFAULT_LAYERS,
    LAYERS,
    View,
    browser_store,
    build_hideout,
    format_query,
    parse_query,
    resolve_city,
)
from geo.core.classify import NO_DATA_COLOUR, SCHEMES
from geo.measures.catalogue import CATALOGUE
from geo.measures.cities import city_table
from geo.measures.view import (
    city_detail,
    indicator_payload,
    load_view_data,
    measures_by_group,
    progress_columns,
    province_view,
    ranking,
    region_summary,
)


@pytest.fixture(scope="module")
def data():
    return load_view_data(observed=pd.DataFrame())


@pytest.fixture(scope="module")
def store(data):
    return browser_store(data)


def test_payload_has_every_indicator_and_scheme(data, store):
    payload = store["indicators"]
    assert set(payload) == {i.id for i in CATALOGUE if i.kind != "observed"}
    table = city_table().set_index("adcode")
    for ind_id, entry in payload.items():
        assert set(entry["classes"]) == set(SCHEMES)
        assert len(entry["values"]) == 14
        for a, v in entry["values"].items():
            expected = table.loc[a, ind_id]
            assert (v is None and np.isnan(expected)) or v == pytest.approx(expected)
        for cls in entry["classes"].values():
            assert len(cls["bounds"]) == len(cls["colours"]) >= 1
            assert cls["bounds"] == sorted(cls["bounds"])
            assert cls["lower"] <= cls["bounds"][0]


def test_gap_measure_is_diverging(store):
    entry = store["indicators"]["cod_cut_beyond_projects_t"]
    assert entry["diverging"] and entry["centre"] == 0.0
    assert entry["formula"].startswith("cod_emission_2015_t")


def test_hideout_carries_values_breaks_colours_and_selection(store):
    h = build_hideout(store, "cod_emission_2015_t", "natural_breaks", "210100", "zh")
    assert h["values"]["210100"] == pytest.approx(241522.89)
    assert h["bounds"] == store["indicators"]["cod_emission_2015_t"]["classes"]["natural_breaks"]["bounds"]
    assert h["selected"] == "210100" and h["unit"] == "吨" and h["nodata"] == NO_DATA_COLOUR
    assert build_hideout(store, "cod_emission_2015_t", "quantiles", None, "en")["unit"] == "t"


def test_hideout_is_small(store):
    import json

    size = len(json.dumps(build_hideout(store, "so2_emission_2015_t", "quantiles", None, "zh")))
    assert size < 1500  # the whole restyle, against ~225 KB of city geometry


def test_query_round_trip(store):
    view = View(indicator="so2_cut_target_pct", scheme="equal_interval", city="210200",
                layers=["labels", "coastal_belt", "port"], lang="en", basemap="gaode", panel="region",
                region="coastal_belt")
    assert parse_query(format_query(view), store) == view


def test_query_defaults_and_bad_values(store):
    assert parse_query("", store) == View()
    v = parse_query("?indicator=nope&scheme=x&city=北京&layers=port,bogus&lang=fr&basemap=google&panel=x", store)
    assert v.indicator == View().indicator and v.scheme == View().scheme and v.city is None
    assert v.layers == ["port"] and v.lang == "zh" and v.basemap == "none" and v.panel == "city"
    assert parse_query("?layers=", store).layers == []
    assert View().layers == list(DEFAULT_LAYERS) and set(DEFAULT_LAYERS) <= set(LAYERS)


def test_city_resolves_from_names(store):
    cities = store["cities"]
    assert resolve_city("沈阳", cities) == resolve_city("沈阳市", cities) == resolve_city("shenyang", cities) == "210100"
    assert resolve_city("210200", cities) == "210200"
    assert resolve_city("Atlantis", cities) is None


def test_city_detail_shenyang_has_cited_cod_baseline(data):
    d = city_detail(data, "210100")
    row = next(r for r in d["targets"] if r["indicator_id"] == "cod_emission_2015_t")
    assert row["value"] == pytest.approx(241522.89) and row["unit"] == "t" and row["year"] == "2015"
    assert row["citation"].startswith("辽政发〔2017〕21号 附件2")
    derived = [r for r in d["targets"] if r["kind"] == "derived"]
    assert derived and all(r["formula"] for r in derived)
    assert {r["region_id"] for r in d["regions"]} == {"shenyang_metro"}
    assert any(s["kind"] == "airport" for s in d["sites"])
    assert any(x["designation_id"] == "no_waste_city_national" for x in d["designations"])


def test_county_designations_belong_to_their_city(data):
    d = city_detail(data, "210500")  # 本溪: two counties are key ecological function zones
    places = {x["place_zh"] for x in d["designations"] if x["level"] == "county"}
    assert {"本溪满族自治县", "桓仁满族自治县"} <= places


def test_partial_memberships_are_marked(data):
    d = city_detail(data, "210400")  # 抚顺: partial member of the eastern green zone
    east = next(r for r in d["regions"] if r["region_id"] == "east_green")
    assert east["partial"] and east["membership"] == "partial"


def test_liaoyuan_is_outside_and_unknown_is_none(data):
    d = city_detail(data, "220400")
    assert d["in_liaoning"] is False and d["targets"] == []
    assert {t["year"] for t in d["own_targets"]} == {"2025"}
    assert city_detail(data, "999999") is None
    assert city_detail(data, "220100") is None  # a Jilin city without a plan among the sources


def test_region_summary_sums_tonnes_and_never_averages_percentages(data):
    s = region_summary(data, "east_green")
    assert s["has_partial"]
    t = data.table[data.table.adcode.isin(["210600", "210500"])]  # full members
    rows = {r["indicator_id"]: r for r in s["rows"]}
    assert rows["cod_emission_2015_t"]["value"] == pytest.approx(t.cod_emission_2015_t.sum(), abs=0.01)
    implied = t.cod_required_cut_t.sum() / t.cod_emission_2015_t.sum() * 100
    assert rows["cod_cut_target_pct"]["value"] == pytest.approx(implied, abs=0.01)
    assert "not a mean" in rows["cod_cut_target_pct"]["formula"]
    assert rows["energy_intensity_cut_target_pct"]["value"] is None
    assert rows["energy_intensity_cut_target_pct"]["method"] == "range"
    everyone = data.table[data.table.adcode.isin(["210600", "210500", "210400", "210300", "211200"])]
    assert rows["cod_emission_2015_t"]["value_with_partial"] == pytest.approx(everyone.cod_emission_2015_t.sum(), abs=0.01)
    assert region_summary(data, "nowhere") is None


def test_province_view_has_reconciliation_with_power_plant_note(data):
    pv = province_view(data)
    assert "辽政发〔2017〕21号" in pv["documents"]
    recon = {r["pollutant"]: r for r in pv["reconciliation"]}
    assert set(recon) == {"cod", "nh3n", "so2", "nox"}
    assert "省直管电厂" in recon["so2"]["note"] and "省直管电厂" in recon["nox"]["note"]
    assert all(r["scope_adcode"] == "210000" for rows in pv["documents"].values() for r in rows)


def test_ranking_orders_largest_first(data):
    r = ranking(data, "cod_emission_2015_t")
    assert r[0]["name_zh"] == "沈阳市" and len(r) == 14


def test_progress_hook_adds_measures_only_with_observed_values():
    table = city_table()
    e = table.set_index("adcode").cod_emission_2015_t
    cap = table.set_index("adcode").cod_cap_2020_t
    observed = pd.DataFrame({"adcode": ["210100", "210200"], "pollutant": ["cod", "cod"],
                             "indicator_id": ["cod_emission_2020_observed_t"] * 2,
                             "year": [2020, 2020], "value": [cap["210100"], e["210200"]], "unit": ["t", "t"]})
    out = progress_columns(table, observed).set_index("adcode")
    assert out.loc["210100", "cod_progress_pct"] == pytest.approx(100.0)
    assert out.loc["210200", "cod_progress_pct"] == pytest.approx(0.0)
    assert np.isnan(out.loc["210300", "cod_progress_pct"])
    with_obs = load_view_data(observed=observed)
    assert "progress" in measures_by_group(with_obs)["cod"] and with_obs.observed_loaded
    assert measures_by_group(with_obs)["cod"][-4:] == ["observed_2020", "achieved_cut", "progress", "gap_to_cap"]
    assert "progress" not in measures_by_group(with_obs)["so2"]
    payload = indicator_payload(with_obs)["cod_progress_pct"]
    assert payload["diverging"] and payload["centre"] == 100.0


def test_without_observed_values_no_progress_measure(data):
    assert not data.observed_loaded
    assert all("progress" not in ms for ms in measures_by_group(data).values())


def test_densities_below_one_keep_three_decimals_on_screen():
    """NH3-N's required cut per km² is rounded to 0.001 (0.020–0.130 t/km²): two decimals would print
    0.095 and 0.104 alike as 0.10 (geo.core.vocabulary.decimals_for does the same for the exports)."""
    import pandas as pd

    from dashboard.state import browser_store
    from geo.measures.view import load_view_data

    store = browser_store(load_view_data(observed=pd.DataFrame()))
    ind = store["indicators"]["nh3n_required_cut_t_per_km2"]
    assert ind["decimals"] == 3
    assert max(v for v in ind["values"].values() if v is not None) < 1
    assert store["indicators"]["cod_emission_2015_t"]["decimals"] == 2  # 241,522.89: the annex's two
