"""Small multiples: the four pollutants side by side in one figure."""

from __future__ import annotations

import io

import numpy as np
import pytest
from click.testing import CliRunner

from geo.cli import main


def test_multiples_pdf_names_the_four_pollutants(tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "m.pdf"
    result = CliRunner().invoke(main, ["export", "multiples", "--measure", "emission_2015_t", "--format", "pdf",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    for name in ("化学需氧量", "氨氮", "二氧化硫", "氮氧化物"):
        assert name in text


def test_shared_scale_is_one_scale():
    from geo.exports.multiples import multiple_specs
    from geo.exports.spec import load_layers

    layers = load_layers()
    shared = multiple_specs("emission_2015_t", layers, classes="shared")
    top = max(float(np.nanmax(s.table["value"])) for s in shared)
    assert {s.vmax for s in shared} == {top}
    separate = multiple_specs("emission_2015_t", layers, classes="separate")
    assert len({s.vmax for s in separate}) == 4
    pct = multiple_specs("cut_target_pct", layers, classes="shared")
    assert all(s.map_type == "choropleth" for s in pct)
    assert len({tuple(s.classes.bounds) for s in pct}) == 1


def test_unknown_measure_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["export", "multiples", "--measure", "nope", "--out", str(tmp_path / "m.png")])
    assert result.exit_code == 1 and "nope" in result.output


@pytest.mark.parametrize("fmt", ["png", "svg", "pptx"])
def test_other_formats(fmt):
    from geo.exports.multiples import render_multiples

    data = render_multiples("cap_2020_t", fmt, lang="en", classes="separate", dpi=40)
    assert len(data) > 1000


def test_density_multiples_cite_each_annex_and_the_city_area_once():
    from pypdf import PdfReader

    from geo.exports.multiples import render_multiples

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_multiples("required_cut_t_per_km2", "pdf")))
                   .pages).replace("\n", "")
    assert text.count("城市面积：高德地图行政区划") == 1 and "EPSG:4550" in text
    for annex in (2, 3, 4, 5):
        assert f"附件{annex} 第1、2列" in text, annex
    assert "单位：吨/平方千米" in text
