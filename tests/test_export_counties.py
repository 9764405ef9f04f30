"""County boundaries in the static exports (issue 10, item 5): ``--counties`` draws them, the counties
designations.csv names at county level hatched and named; the option is recorded in the file name and
the reproduce command. Expected counties are read from designations.csv with the csv module."""

from __future__ import annotations

import csv
import re

import pytest

from geo.core.settings import get_settings
from geo.exports.maps import render_map
from geo.exports.spec import file_name, reproduce_command


def _named_counties() -> dict[str, str]:
    with (get_settings().indicators_dir / "designations.csv").open(encoding="utf-8") as f:
        return {r["adcode"]: r["place_zh"] for r in csv.DictReader(f) if r["level"] == "county"}


def _svg_text(svg: bytes) -> str:
    """The text matplotlib writes into an SVG (as comments beside each glyph run)."""
    return svg.decode("utf-8")


def test_counties_draw_the_named_counties_and_only_with_the_option():
    named = _named_counties()
    assert len(named) >= 3, named
    svg = _svg_text(render_map("so2_cut_target_pct", "svg", counties=True))
    # The documents' short forms: 本溪满族自治县 -> 本溪县.
    for place in named.values():
        short = place.replace("满族自治县", "县")
        assert f"<!-- {short} -->" in svg, short
    assert "<!-- 文件点名的县（市、区） -->" in svg and "<!-- 县级行政区界 -->" in svg
    plain = _svg_text(render_map("so2_cut_target_pct", "svg"))
    assert not any(f"<!-- {p.replace('满族自治县', '县')} -->" in plain for p in named.values())
    assert "Easting" not in svg, "no axis labels from geopandas"


def test_counties_in_english_use_english_names():
    svg = _svg_text(render_map("so2_cut_target_pct", "svg", lang="en", counties=True))
    assert "<!-- County named in a designation -->" in svg
    assert re.search(r"<!-- Benxi County -->", svg) and "自治县" not in svg


def test_the_option_is_in_the_name_and_the_reproduce_command():
    assert file_name("so2_cut_target_pct", "png", counties=True) == "so2_cut_target_pct_zh_slide_counties.png"
    assert "--counties" in reproduce_command("so2_cut_target_pct", "pdf", counties=True)
    # Formats that do not draw counties leave them out of the name.
    assert file_name("so2_cut_target_pct", "csv", counties=True) == "so2_cut_target_pct_zh.csv"


def test_cli_writes_counties(tmp_path):
    from click.testing import CliRunner

    from geo.cli import main

    out = tmp_path / "m.svg"
    result = CliRunner().invoke(main, ["export", "map", "--indicator", "cod_cut_target_pct", "--out", str(out),
                                       "--counties", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "<!-- Zhuanghe City -->" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_counties_render_in_raster_and_pdf(fmt):
    assert render_map("so2_cut_target_pct", fmt, counties=True, dpi=60)[:4] in (b"\x89PNG", b"%PDF")
