"""Map type follows the measure: totals as proportional circles (area ∝ value), rates as choropleths."""

from __future__ import annotations

import math

import pytest

from geo.core.symbols import legend_values, radii, resolve_map_type
from geo.exports import maps as export


def test_circle_area_is_proportional_to_the_value():
    # By hand: 241,522.89 t gets the full radius R; 60,380.7225 t (a quarter) gets R/2, area a quarter.
    r = radii([241522.89, 60380.7225, float("nan")], r_max=36_000.0)
    assert r[0] == pytest.approx(36_000.0)
    assert r[1] == pytest.approx(18_000.0)
    assert r[2] == 0
    assert (math.pi * r[1] ** 2) / (math.pi * r[0] ** 2) == pytest.approx(60380.7225 / 241522.89)
    assert legend_values(241522.89) == [200000.0, 50000.0, 10000.0]


def test_auto_map_type():
    from geo.measures.catalogue import BY_ID

    assert resolve_map_type(BY_ID["cod_emission_2015_t"]) == "symbols"
    assert resolve_map_type(BY_ID["energy_increment_cap_10kt_ce"]) == "symbols"
    assert resolve_map_type(BY_ID["so2_cut_target_pct"]) == "choropleth"
    assert resolve_map_type(BY_ID["cod_emission_2015_t"], "choropleth") == "choropleth"


@pytest.fixture(scope="module")
def layers():
    return export.load_layers()


def _figure(spec, layers):
    from geo.core.fonts import matplotlib_font
    from geo.exports.static import build_figure

    return build_figure(spec, layers, page="slide", regions=False, sites=False, prop=matplotlib_font())


def _circles(fig):
    from matplotlib.patches import Circle

    return [p for ax in fig.axes for p in ax.patches if isinstance(p, Circle) and (p.get_gid() or "").startswith("symbol:")]


def _city_fills(fig, spec):
    """Facecolours of the city polygons (the first PolyCollection of the map axes)."""
    from matplotlib.colors import to_hex

    coll = fig.axes[0].collections
    cities = [c for c in coll if len(c.get_paths()) >= 14 and c.get_zorder() == 3]
    return {to_hex(f) for f in cities[0].get_facecolors()}


def test_a_total_is_drawn_as_circles_over_a_grey_base(layers):
    from geo.core.symbols import BASE_COLOUR

    spec = export.map_spec("cod_emission_2015_t", layers, lang="zh")
    fig = _figure(spec, layers)
    circles = _circles(fig)
    assert len(circles) == 14
    assert _city_fills(fig, spec) == {BASE_COLOUR}
    by_city = {c.get_gid().split(":")[1]: c.get_radius() for c in circles}
    v = spec.table.set_index("adcode")["value"]
    # area ratio = value ratio (Shenyang against Liaoyang)
    assert (by_city["210100"] / by_city["211000"]) ** 2 == pytest.approx(v["210100"] / v["211000"])


def test_a_percentage_is_a_choropleth(layers):
    spec = export.map_spec("so2_cut_target_pct", layers, lang="zh")
    fig = _figure(spec, layers)
    assert _circles(fig) == []
    assert _city_fills(fig, spec) == {c for c, _ in spec.legend}


def test_a_total_can_be_forced_to_a_choropleth(layers):
    spec = export.map_spec("cod_emission_2015_t", layers, lang="zh", map_type="choropleth")
    assert _circles(_figure(spec, layers)) == []
    with pytest.raises(export.ExportError):
        export.render_map("cod_emission_2015_t", "png", map_type="bubbles", layers=layers)
