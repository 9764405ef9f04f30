"""The CJK font every export is set in, and the check that it has every glyph drawn.

No system font is assumed. The font is Noto Sans CJK SC (SIL Open Font License 1.1),
face 2 of ``NotoSansCJK-Regular.ttc`` shipped by the PyPI package
``noto-cjk-sans-otc`` (a project dependency: it carries only the Noto CJK collection
and its OFL licence). ``LNMAP_CJK_FONT`` points at another font file instead (read at
call time); ``LNMAP_CJK_FONT_INDEX`` picks its face in a collection (default 0 for a
file named by the variable).

A font that cannot be found, and a character the font has no glyph for, are errors
(:class:`FontError`, :class:`MissingGlyphError`), never a silent fallback to tofu
boxes or to another font.

Renderers are handed the font by file and face (:func:`matplotlib_font`, the HTML
export's embedded subset), never by family name, so a system font of the same family
(Debian's ``fonts-noto-cjk`` is one) cannot stand in for it: exports come out the same
whatever fonts the machine has.
"""

from __future__ import annotations

import io
import os
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geo.core.errors import LnmapError

FONT_ENV = "LNMAP_CJK_FONT"
FONT_INDEX_ENV = "LNMAP_CJK_FONT_INDEX"
PACKAGE = "noto-cjk-sans-otc"
#: Face of Noto Sans CJK SC in NotoSansCJK-Regular.ttc (JP, KR, SC, TC, HK, mono JP ...).
SC_FACE = 2
SC_FAMILY = "Noto Sans CJK SC"
LICENCE = "SIL Open Font License 1.1"


class FontError(LnmapError):
    """The export font is missing or unusable."""


class MissingGlyphError(FontError):
    """Text to be drawn has characters the export font cannot show."""


@dataclass(frozen=True)
class ExportFont:
    """A font file (and face in it) with its family name and the characters it covers."""

    path: Path
    face_index: int
    family: str
    source: str

    @property
    def codepoints(self) -> frozenset[int]:
        return _cmap(str(self.path), self.face_index)

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` the font has no glyph for (whitespace and controls excepted)."""
        have = self.codepoints
        out = []
        for ch in dict.fromkeys(text):
            if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
                continue
            if ord(ch) not in have:
                out.append(ch)
        return out

    def check(self, texts, *, where: str = "export") -> None:
        """Raise :class:`MissingGlyphError` naming each character (and its text) the font lacks."""
        problems = []
        for text in texts:
            if not text:
                continue
            miss = self.missing(str(text))
            if miss:
                chars = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in miss)
                problems.append(f"{chars} in {str(text)[:60]!r}")
        if problems:
            raise MissingGlyphError(
                f"{where}: the font {self.family} ({self.path.name}, face {self.face_index}) has no glyph for "
                + "; ".join(problems)
                + f". Install the bundled font (pip install {PACKAGE}) or point {FONT_ENV} at a font that has them."
            )


@lru_cache(maxsize=8)
def _cmap(path: str, face_index: int) -> frozenset[int]:
    try:
        with _open_face(path, face_index) as font:
            cmap = font.getBestCmap() or {}
    except FontError:
        raise
    except Exception as exc:  # fontTools raises many kinds on a bad file
        raise FontError(f"cannot read font {path} (face {face_index}): {exc}") from exc
    return frozenset(cmap)


@contextmanager
def _open_face(path: str, face_index: int):
    """One face of a font file (a collection or a single font), closed afterwards."""
    from fontTools.ttLib import TTCollection, TTFont

    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"ttcf":
        with TTCollection(path, lazy=True) as coll:
            if not 0 <= face_index < len(coll.fonts):
                raise FontError(f"{path} has {len(coll.fonts)} faces; face {face_index} does not exist")
            yield coll.fonts[face_index]
    else:
        with TTFont(path, lazy=True) as font:
            yield font


def _family(path: Path, face_index: int) -> str:
    with _open_face(str(path), face_index) as font:
        return font["name"].getDebugName(1) or path.stem


def _packaged_font() -> Path:
    try:
        import noto_cjk_sans_otc
    except ImportError as exc:
        raise FontError(
            f"no CJK font: the package {PACKAGE} is not installed. Run `pip install -e .` (it is a dependency), "
            f"or set {FONT_ENV} to an OFL CJK font file such as NotoSansCJKsc-Regular.otf"
        ) from exc
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    if not path.is_file():
        raise FontError(f"no CJK font: {path} (from {PACKAGE}) is missing; reinstall {PACKAGE}")
    return path


def export_font() -> ExportFont:
    """The font exports are set in; raises :class:`FontError` when it cannot be found.

    >>> export_font().family
    'Noto Sans CJK SC'
    """
    override = os.environ.get(FONT_ENV, "").strip()
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise FontError(f"no CJK font: {FONT_ENV}={override} does not name a font file")
        index = int(os.environ.get(FONT_INDEX_ENV, "0") or 0)
        source = f"{FONT_ENV}={path}"
    else:
        path = _packaged_font()
        index = int(os.environ.get(FONT_INDEX_ENV, SC_FACE) or SC_FACE)
        source = f"{PACKAGE} ({LICENCE})"
    return _load(str(path.resolve()), index, source)


@lru_cache(maxsize=8)
def _load(path: str, index: int, source: str) -> ExportFont:
    p = Path(path)
    _cmap(path, index)  # fail early on an unreadable file
    return ExportFont(p, index, _family(p, index), source)


def matplotlib_font(font: ExportFont | None = None):
    """FontProperties that name ``font`` by its file and face, never by its family name.

    matplotlib looks a family name up among every font it knows, so with Debian's
    ``fonts-noto-cjk`` (or any font calling itself "Noto Sans CJK SC") the name would pick
    the system's copy. A FontProperties carrying a file bypasses that lookup entirely
    (``FontManager.findfont`` returns the file as it is), and the face index travels with
    it in a ``FontPath``. Text drawn with it comes from this file whatever is installed.
    """
    from matplotlib import font_manager

    font = font or export_font()
    prop = font_manager.FontProperties(fname=font_manager.FontPath(str(font.path), font.face_index))
    found = font_manager.fontManager._find_fonts_by_props(prop)
    if [(Path(f.path).resolve(), f.face_index) for f in found] != [(font.path, font.face_index)]:
        raise FontError(f"matplotlib does not take {font.path} face {font.face_index} as given; got {found}")
    return prop


def woff_subset(font: ExportFont, text: str) -> bytes:
    """``font`` as a WOFF subset holding the characters of ``text`` (with every OpenType feature, so vertical
    and contextual forms survive): what a page embeds instead of the whole CJK face."""
    from fontTools import subset

    opts = subset.Options()
    opts.font_number = font.face_index
    opts.flavor = "woff"
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    f = subset.load_font(str(font.path), opts, lazy=True)
    try:
        sub = subset.Subsetter(opts)
        sub.populate(text=text)
        sub.subset(f)
        buf = io.BytesIO()
        subset.save_font(f, buf, opts)
    finally:
        f.close()
    return buf.getvalue()
