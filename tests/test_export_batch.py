"""`lnmap export all` in parallel: the same files as one process makes, failures isolated."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.exports.batch import Options, multiples_measures, plan, run_all
from geo.exports.spec import load_layers

EPOCH = "1767225600"


def _options(out, formats):
    return Options(out, formats, "zh", "quantiles", "slide", False, False, 60, "auto", None, None)


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_plan_covers_indicators_profiles_and_multiples():
    layers = load_layers()
    tasks, skipped = plan(layers, ("pdf", "csv"))
    kinds = [k for k, _ in tasks]
    assert kinds.count("profile") == 14  # one page per city
    # 2 energy + 4 pollutants × (3 annex + 4 derived + 3 per-km² densities) = 42; observed measures wait for an import
    assert kinds.count("indicator") == 42 and len(skipped) == 16
    measures = [s for k, s in tasks if k == "multiples"]
    assert "emission_2015_t" in measures and "cap_2020_t" in measures and "cut_target_pct" in measures
    assert plan(layers, ("csv",))[0] == [t for t in tasks if t[0] == "indicator"]  # csv: no pages, no multiples


def test_multiples_need_all_four_pollutants():
    ids = ["cod_emission_2015_t", "nh3n_emission_2015_t", "so2_emission_2015_t", "nox_emission_2015_t", "cod_cap_2020_t"]
    assert multiples_measures(ids) == ["emission_2015_t"]


def test_two_workers_write_what_one_process_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # spawned workers inherit it
    tasks = [("indicator", "cod_emission_2015_t"), ("indicator", "so2_cut_target_pct"), ("profile", "210100"),
             ("multiples", "emission_2015_t")]
    formats = ("pdf", "csv", "pptx", "html")
    one = run_all(_options(tmp_path / "one", formats), jobs=1, tasks=tasks)
    two = run_all(_options(tmp_path / "two", formats), jobs=2, tasks=tasks)
    assert one.failed == [] and two.failed == []
    names = {p.name for p in one.written}
    assert names == {"cod_emission_2015_t.pdf", "cod_emission_2015_t.csv", "so2_cut_target_pct.pdf",
                     "so2_cut_target_pct.csv", "profile_210100_zh.pdf", "multiples_emission_2015_t_shared_zh.pdf",
                     "indicators.pptx", "cod_emission_2015_t.html", "so2_cut_target_pct.html"}
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two")  # same bytes, whatever the order of work


def test_a_failing_task_is_reported_and_the_others_are_written(tmp_path):
    tasks = [("profile", "999999"), ("indicator", "cod_emission_2015_t")]
    summary = run_all(_options(tmp_path, ("csv", "pdf")), jobs=2, tasks=tasks)
    assert [f[0] for f in summary.failed] == ["profile 999999"]
    assert {p.name for p in summary.written} == {"cod_emission_2015_t.csv", "cod_emission_2015_t.pdf"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_export_all_writes_every_indicator(tmp_path, jobs):
    result = CliRunner().invoke(main, ["export", "all", "--out", str(tmp_path), "--format", "csv", "--jobs", jobs])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.csv"))) == 42
    assert "wrote 42 files" in result.output


def _woff_and_text(page: str) -> tuple[bytes, str]:
    """The page's embedded font, and the page with that font cut out."""
    import base64
    import re

    found = re.search(r"src:url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert found, "no embedded font"
    return base64.b64decode(found.group(1)), page.replace(found.group(1), "")


def _shown_chars(page: str) -> set[str]:
    """Non-ASCII characters a browser shows from the page: literal ones and JSON \\u escapes."""
    import re

    escaped = {chr(int(h, 16)) for h in re.findall(r"\\u([0-9a-fA-F]{4})", page)}
    return escaped | {c for c in page if ord(c) > 0x7E}


def test_pages_of_a_run_share_one_font_that_covers_each_page(tmp_path, monkeypatch):
    """export all embeds one font subset in every HTML page: each page's characters must be in it
    (read back with fontTools), and apart from the font the page is the one a single export writes."""
    import io

    from fontTools.ttLib import TTFont

    from geo.exports.interactive import render_html
    from geo.exports.spec import map_spec

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    ids = ["cod_emission_2015_t", "so2_cut_target_pct"]  # 化学需氧量 on one page only, 二氧化硫 on the other
    summary = run_all(_options(tmp_path, ("html",)), jobs=2, tasks=[("indicator", i) for i in ids])
    assert summary.failed == [] and sorted(p.name for p in summary.written) == [f"{i}.html" for i in ids]
    pages = {i: (tmp_path / f"{i}.html").read_text(encoding="utf-8") for i in ids}
    fonts = {i: _woff_and_text(p)[0] for i, p in pages.items()}
    assert fonts[ids[0]] == fonts[ids[1]]  # one subset, both pages
    cmap = TTFont(io.BytesIO(fonts[ids[0]])).getBestCmap()
    for i, page in pages.items():
        missing = {c for c in _shown_chars(page) if ord(c) not in cmap}
        assert not missing, f"{i}: characters without a glyph: {''.join(sorted(missing))}"
    assert "化" in pages[ids[0]] or "\\u5316" in pages[ids[0]]
    layers = load_layers()
    alone = render_html(map_spec(ids[1], layers, lang="zh", scheme="quantiles"), layers).decode("utf-8")
    assert _woff_and_text(alone)[1] == _woff_and_text(pages[ids[1]])[1]  # the same page but for its font
    assert _woff_and_text(alone)[0] != fonts[ids[1]]  # a page alone gets its own, smaller subset


def test_deck_slides_follow_the_catalogue_whatever_order_they_arrive_in():
    """Slides are added as they arrive; the deck still lists them in the order of the tasks, and a
    task without a slide (it failed) leaves no gap and no stall."""
    import io

    from pptx import Presentation

    from geo.exports.batch import _SlidesInOrder
    from geo.exports.spec import ExportSummary, map_spec
    from tests.test_export import _tiny_png

    layers = load_layers()
    ids = ["cod_emission_2015_t", "so2_cut_target_pct", "nox_cap_2020_t", "nh3n_emission_2015_t"]
    specs = {i: map_spec(i, layers) for i in ids}
    order = _SlidesInOrder(ids)
    summary = ExportSummary()
    for i in [ids[2], ids[0], ids[3], ids[1]]:  # as two workers might finish them; ids[3] failed
        order.arrive(i, None if i == ids[3] else (specs[i], _tiny_png()), summary)
    assert order.done == 4 and summary.failed == []
    prs = Presentation(io.BytesIO(order.deck.save()))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in prs.slides]
    assert titles == [specs[i].title for i in ids[:3]]
