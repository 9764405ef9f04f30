"""Power plants: Liaoning's only, each inside its city polygon or placed by a written border decision."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.core.settings import get_settings
from geo.places.boundaries import load_layer
from geo.places.power_plants import (
    BORDER_DECISIONS,
    BORDER_FILE,
    PLANTS_FILE,
    build_power_plants,
    check_power_plants,
    coal_by_city,
    load_power_plants,
)


@pytest.fixture(scope="module")
def plants():
    return load_power_plants()


def test_every_plant_is_in_its_city_polygon_or_decided(plants):
    cities = load_layer("cities").set_index("adcode")
    assert plants["adcode"].str.startswith("21").all()
    for r in plants.itertuples():
        if r.placement == "inside_city_polygon":
            assert cities.geometry[r.adcode].contains(r.geometry), r.plant_id
        else:
            assert r.placement == "border_decision" and r.placement_note.strip()
            assert BORDER_DECISIONS[r.plant_id].adcode == r.adcode


def test_border_points_are_decided_with_a_reason_and_other_provinces_stay_out(plants):
    border = pd.read_csv(get_settings().indicators_dir / BORDER_FILE, dtype=str, keep_default_na=False)
    assert (border.reason.str.len() > 20).all()
    out = set(border[border.decision == "excluded"].plant_id)
    assert {"1070384", "1000496"} <= out  # Chifeng Yuanbaoshan (Inner Mongolia), Sup'ung dam (border river)
    assert not out & set(plants.plant_id)
    assert "1072535" in set(plants.plant_id)  # Beipiao: decided to be in 朝阳
    assert plants.plant_id.is_unique


def test_committed_check_passes_and_a_moved_point_fails(tmp_path):
    ind = get_settings().indicators_dir
    cities = load_layer("cities")
    assert check_power_plants(ind, cities) == []
    df = pd.read_csv(ind / PLANTS_FILE, dtype=str, keep_default_na=False)
    df.loc[0, "lon"] = "130.0"
    df.to_csv(tmp_path / PLANTS_FILE, index=False)
    (tmp_path / BORDER_FILE).write_bytes((ind / BORDER_FILE).read_bytes())
    problems = check_power_plants(tmp_path, cities)
    assert len(problems) == 1 and "not inside" in str(problems[0])


def test_an_undecided_border_point_stops_the_build():
    from geo.core.errors import DataValidationError

    ref = pd.DataFrame([{
        "Power Plant ID": "999", "Name": "Just outside", "Fuel": "Coal", "Capacity (MW)": "100",
        "Commissioning Date": "", "Latitude": "42.303333", "Longitude": "119.324968", "Source": "x", "URL": "",
        "Geolocation Source": ""}])
    with pytest.raises(DataValidationError, match="outside Liaoning"):
        build_power_plants(ref, load_layer("cities"), load_layer("province"), decisions={})


def test_coal_capacity_by_city(plants):
    coal = coal_by_city(plants).set_index("adcode")
    assert coal["capacity_mw"].sum() == pytest.approx(plants.loc[plants.fuel == "Coal", "capacity_mw"].sum())
    assert coal.loc["210100", "plants"] == (plants[(plants.fuel == "Coal") & (plants.adcode == "210100")]).shape[0]


def test_rebuild_from_the_reference_gives_the_committed_file():
    ref_file = get_settings().reference_dir / "power_plants" / "wri_gppd_china.csv"
    if not ref_file.exists():
        pytest.skip("shared/reference/power_plants not present")
    ref = pd.read_csv(ref_file, dtype=str, keep_default_na=False)
    plants, border = build_power_plants(ref, load_layer("cities"), load_layer("province"))
    committed = pd.read_csv(get_settings().indicators_dir / PLANTS_FILE, dtype=str, keep_default_na=False)
    assert list(plants.plant_id) == list(committed.plant_id)
    assert len(border) == len(BORDER_DECISIONS)


def test_plants_layer_in_a_map_carries_the_attribution(tmp_path):
    import io

    from click.testing import CliRunner
    from pypdf import PdfReader

    from geo.cli import main
    from geo.places.power_plants import ATTRIBUTION

    out = tmp_path / "plants.pdf"
    result = CliRunner().invoke(main, ["export", "plants", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    flat = "".join(text.split())
    assert "".join(ATTRIBUTION.split()) in flat and "Coalplant" in flat
