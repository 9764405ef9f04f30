"""Exports are set in the bundled face whatever fonts the machine has, and the same
export made twice is the same file.

The checks look at what was written (pixels, the fonts a PDF names, bytes), not at the
font lookup: a renderer that picked a system copy of the family, or the family name
resolved to someone else's font, must show up in the output.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from geo.exports import maps as export

IND = "cod_emission_2015_t"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


def _bundled_postscript_name() -> str:
    """The PostScript name of face 2 (SC) of the bundled collection, read with fontTools."""
    import noto_cjk_sans_otc
    from fontTools.ttLib import TTCollection

    with TTCollection(str(noto_cjk_sans_otc.FONT_PATH), lazy=True) as coll:
        return coll.fonts[2]["name"].getDebugName(6)


def _impostor(tmp_path: Path, family: str) -> Path:
    """A font that calls itself ``family`` but is DejaVu Sans (no CJK glyphs at all):
    what a user's own font, WenQuanYi or a second Noto copy looks like to a lookup by name."""
    import matplotlib
    from fontTools.ttLib import TTFont

    src = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    font = TTFont(str(src))
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            rec.string = family
        elif rec.nameID == 6:
            rec.string = family.replace(" ", "") + "-Regular"
    out = tmp_path / "impostor.ttf"
    font.save(str(out))
    return out


def test_a_font_of_the_same_family_name_cannot_stand_in(tmp_path, monkeypatch):
    """Debian's fonts-noto-cjk (or any font named "Noto Sans CJK SC") installed: the map
    still comes out of the bundled file, pixel for pixel."""
    from matplotlib import font_manager

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("MPL_IGNORE_SYSTEM_FONTS", raising=False)  # the impostor must be findable by name
    before = export.render_map(IND, "png", dpi=60)
    fm = font_manager.fontManager
    saved = list(fm.ttflist)
    try:
        fm.addfont(str(_impostor(tmp_path, "Noto Sans CJK SC")))
        fm.ttflist.insert(0, fm.ttflist.pop())  # ahead of any real copy, so a lookup by name finds it
        fm._findfont_cached.cache_clear()
        assert fm.findfont(font_manager.FontProperties(family="Noto Sans CJK SC")).endswith("impostor.ttf")
        after = export.render_map(IND, "png", dpi=60)
    finally:
        fm.ttflist[:] = saved
        fm._findfont_cached.cache_clear()
    assert after == before


def _export_in_subprocess(out: Path, env_extra: dict[str, str]) -> tuple[dict[str, bytes], str]:
    """The four map formats made in a fresh process; also where a lookup of the family by
    name would land in that process (to show the hiding works)."""
    code = (
        "import sys, pathlib\n"
        "from matplotlib import font_manager\n"
        "from geo.exports import maps as export\n"
        "out = pathlib.Path(sys.argv[1])\n"
        "for f in ('png', 'pdf', 'svg', 'pptx'):\n"
        f"    (out / ('m.' + f)).write_bytes(export.render_map({IND!r}, f, dpi=60))\n"
        "print(font_manager.findfont(font_manager.FontProperties(family='Noto Sans CJK SC')))\n"
    )
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "MPL_IGNORE_SYSTEM_FONTS"}
    # A font cache of its own: matplotlib's shared one (~/.cache/matplotlib) written by a process that hid the
    # system fonts lists none, and a later process reading it finds no font at all.
    env.update(SOURCE_DATE_EPOCH=EPOCH, MPLCONFIGDIR=str(out / "mplconfig"), **env_extra)
    proc = subprocess.run([sys.executable, "-c", code, str(out)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {f: (out / f"m.{f}").read_bytes() for f in ("png", "pdf", "svg", "pptx")}, proc.stdout.strip()


def test_exports_are_identical_with_system_fonts_visible_and_hidden(tmp_path):
    """MPL_IGNORE_SYSTEM_FONTS hides every system font from matplotlib's lookups. If an
    export used a system font anywhere, the two runs would differ."""
    import matplotlib

    visible, _ = _export_in_subprocess(tmp_path / "visible", {})
    hidden, lookup = _export_in_subprocess(tmp_path / "hidden", {"MPL_IGNORE_SYSTEM_FONTS": "1"})
    assert Path(lookup).is_relative_to(Path(matplotlib.get_data_path()).resolve()), lookup  # really hidden
    for fmt in visible:
        assert visible[fmt] == hidden[fmt], f"{fmt} differs when system fonts are hidden"


def test_pdf_embeds_only_the_bundled_face(monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    reader = PdfReader(io.BytesIO(export.render_map(IND, "pdf")))
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            name = str(font.get("/BaseFont", font.get("/Name", ""))).lstrip("/")
            names.add(re.sub(r"^[A-Z]{6}\+", "", name))  # subset tag: ABCDEF+Name
    assert names == {_bundled_postscript_name()}, names  # no DejaVu fallback, no other CJK font
    text = "".join(p.extract_text() for p in reader.pages)
    assert "化学需氧量" in text and "沈阳" in text


def test_pptx_names_the_font_and_carries_the_bundled_rendering(monkeypatch):
    """The slide's picture is the PNG the static export draws; its text runs name the family."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    prs = Presentation(io.BytesIO(export.render_map(IND, "pptx")))
    slide = prs.slides[0]
    runs = [r for s in slide.shapes if s.has_text_frame for p in s.text_frame.paragraphs for r in p.runs]
    assert runs and {r.font.name for r in runs} == {"Noto Sans CJK SC"}
    picture = next(s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE).image.blob
    from geo.exports.slides import slide_picture

    layers = export.load_layers()
    assert picture == slide_picture(export.map_spec(IND, layers), layers)


# --------------------------------------------------------------------------- reproducible


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg", "pptx", "html", "xlsx", "csv"])
def test_the_same_export_twice_is_the_same_file(fmt, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    first = export.render_map(IND, fmt, dpi=60)
    second = export.render_map(IND, fmt, dpi=60)
    assert first == second


def test_dates_come_from_source_date_epoch(monkeypatch):
    import zipfile

    from pptx import Presentation
    from pypdf import PdfReader

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    pdf = PdfReader(io.BytesIO(export.render_map(IND, "pdf")))
    assert pdf.metadata["/CreationDate"].startswith("D:20260101000000")
    assert "2026-01-01" in "".join(p.extract_text() for p in pdf.pages)  # the date printed on the map
    assert b"<dc:date>2026-01-01</dc:date>" in export.render_map(IND, "svg")
    deck = export.render_map(IND, "pptx")
    assert Presentation(io.BytesIO(deck)).core_properties.modified.isoformat() == "2026-01-01T00:00:00"
    with zipfile.ZipFile(io.BytesIO(deck)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a date")
    with pytest.raises(Exception, match="SOURCE_DATE_EPOCH"):
        export.render_map(IND, "pdf")


def test_cli_exports_twice_give_the_same_checksums(tmp_path):
    """What a user does: the command twice, in fresh processes, then compare checksums."""
    import hashlib

    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    sums = []
    for run in ("a", "b"):
        out = tmp_path / run / "m.pdf"
        out.parent.mkdir()
        proc = subprocess.run([sys.executable, "-m", "geo.cli", "export", "map", "--indicator", IND, "--out",
                               str(out)], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        sums.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert sums[0] == sums[1]
