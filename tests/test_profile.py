"""City profiles: one A4 page per city, with every target, its rank among the 14 and its citation.

Expected values are read here from the document text (data/sources, annex 2), independently
of the annex parser and of the profile code.
"""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.core.provenance import DOCUMENTS

DOC = "辽政发〔2017〕21号"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _annex2_emissions(seed_text: str) -> dict[str, float]:
    """City (spaced short name removed) -> 2015 COD (t), read from the lines after the heading 附件 2."""
    lines = seed_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "附件 2")
    out = {}
    for line in lines[start + 1:start + 25]:
        m = re.match(r"^([\u4e00-\u9fff ]+?)\t([\d.]+)\t", line)
        if m and not m.group(1).startswith("城"):
            out[m.group(1).replace(" ", "")] = float(m.group(2))
    return out


@pytest.fixture(scope="module")
def seed_text(seeds_dir):
    return next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shenyang_pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("profile") / "sy.pdf"
    result = CliRunner().invoke(main, ["export", "city", "--city", "沈阳", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _text(pdf: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "".join(p.extract_text() for p in reader.pages)


def test_profile_is_one_page_with_value_document_and_ranks(shenyang_pdf, seed_text):
    pages, text = _text(shenyang_pdf)
    assert pages == 1
    emissions = _annex2_emissions(seed_text)
    assert len(emissions) == 14 and emissions["沈阳"] == 241522.89
    assert "241,522.89" in text
    assert DOC in text
    # The rank of Shenyang's 2015 COD among the 14, by hand from the document's numbers.
    rank = 1 + sum(v > emissions["沈阳"] for v in emissions.values())
    line = next(ln for ln in text.splitlines() if "241,522.89" in ln)
    assert f"{rank}/14" in line
    share = emissions["沈阳"] / sum(emissions.values()) * 100
    assert f"{share:.1f}%" in line
    assert re.search(r"1 = 最大", text)


def test_rank_of_a_middle_city_matches_the_hand_ordering(seed_text):
    from geo.exports.profile import build_profile, load_profile_data

    emissions = _annex2_emissions(seed_text)
    ordered = sorted(emissions, key=emissions.get, reverse=True)
    data = load_profile_data()
    prof = build_profile("210300", data, "zh")  # 鞍山
    row = next(r for _, rows in prof.groups for r in rows if r.indicator_id == "cod_emission_2015_t")
    assert row.rank == f"{ordered.index('鞍山') + 1}/14"
    pct = next(r for _, rows in prof.groups for r in rows if r.indicator_id == "cod_cut_target_pct")
    assert pct.share == ""  # no share for percentages


def test_english_profile_has_no_chinese_outside_document_numbers(tmp_path):
    out = tmp_path / "sy_en.pdf"
    result = CliRunner().invoke(main, ["export", "city", "--city", "Shenyang", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _, text = _text(out.read_bytes())
    flat = re.sub(r"\s+", "", text)
    for doc in sorted((d.number for d in DOCUMENTS), key=len, reverse=True):
        flat = flat.replace(re.sub(r"\s+", "", doc), "")
    flat = flat.replace("边界仅供示意", "")  # the required wording, in every language
    assert not CJK.findall(flat), CJK.findall(flat)
    assert "241,522.89" in text and "Rank" in text


def test_any_spelling_and_all(tmp_path):
    from geo.exports.profile import resolve_city

    assert resolve_city("沈阳") == resolve_city("沈阳市") == resolve_city("Shenyang") == resolve_city("210100")
    result = CliRunner().invoke(main, ["export", "city", "--city", "长春", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    result = CliRunner().invoke(main, ["export", "city", "--city", "all", "--format", "png", "--dpi", "30",
                                       "--out", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "all").glob("profile_*_zh.png"))) == 14


def test_profile_pptx_is_one_slide_with_the_table(tmp_path):
    from pptx import Presentation

    from geo.exports.profile import render_profile

    prs = Presentation(io.BytesIO(render_profile("大连", "pptx")))
    slides = list(prs.slides)
    assert len(slides) == 1
    texts = []
    for shape in slides[0].shapes:
        if shape.has_table:
            texts += [c.text for row in shape.table.rows for c in row.cells]
        elif shape.has_text_frame:
            texts.append(shape.text_frame.text)
    assert "173,983.97" in texts and any(DOC in t for t in texts)
