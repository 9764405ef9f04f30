"""An allocation as files: CSV, XLSX in the 2017 annexes' layout, a one-page A4 PDF in Chinese, a PPTX slide.

The layout is that of 辽政发〔2017〕21号 annexes 2–5: 序号, 城市, base-year emissions, target-year cut %,
key-project cut, and the cap, one row per city in the annexes' order, then the province. Under every
table: the check line (Σ cities = province target), the rule and its formula in words, the inputs, the
sources, notes and the date (:func:`geo.core.repro.export_date`). Text is set in the bundled CJK font
(:mod:`geo.core.fonts`); a character it lacks is an error, never a tofu box. XLSX and PPTX bytes depend only
on their contents (:func:`geo.core.repro.normalise_zip`).

CSV: the cities then the province (adcode, name_zh, base_t, cut_pct, cut_t, cap_t, share_pct, bound and
key_project_t where known); beside it ``<file>.json`` carries everything else (check, rule, inputs,
sources, notes, statistics, the declining path).
"""

from __future__ import annotations

import io
import json
import threading
import unicodedata
from pathlib import Path
from typing import Any

from geo.core.errors import LnmapError
from geo.core.fileio import write_bytes_atomic
from geo.core.repro import export_date, export_time, normalise_zip
from geo.exports.slides import save_deck

FORMATS = ("csv", "xlsx", "pdf", "pptx")
CSV_COLUMNS = ["adcode", "name_zh", "base_t", "cut_pct", "cut_t", "cap_t", "share_pct", "bound", "key_project_t"]
_POLLUTANT_ZH = {"cod": "化学需氧量", "nh3n": "氨氮", "so2": "二氧化硫", "nox": "氮氧化物", "co2": "二氧化碳"}
_LOCK = threading.Lock()  # matplotlib's font and rc state are process-wide
A4_IN = (8.27, 11.69)


def _fmt(v: Any, places: int = 2) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return f"{float(v):,.{places}f}"


def _pct(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return f"{float(v):.4f}".rstrip("0").rstrip(".")


def annex_layout(alloc) -> tuple[str, list[str], list[list[str]]]:
    """Title, header and rows (cities, then the province) in the 2017 annexes' layout, as text."""
    s = alloc.scenario
    b, t = s.inputs.base_year, s.target_year
    title = f"“{s.plan}”各市{_POLLUTANT_ZH[s.target.pollutant]}排放总量控制计划 — 分配方案「{s.name}」"
    header = ["序号", "城市", f"{b} 年排放量 (吨)", f"{t} 年下降比例 (%)", f"{t} 年重点工程减排量 (吨)",
              f"{t} 年排放量控制值 (吨)"]
    has_kp = "key_project_t" in alloc.table.columns
    rows = []
    for r in alloc.table.itertuples():
        rows.append([str(r.no), r.name_zh, _fmt(r.base_t), _pct(r.cut_pct), _fmt(r.key_project_t) if has_kp else "",
                     _fmt(r.cap_t)])
    p = alloc.province
    kp = _fmt(alloc.table["key_project_t"].sum()) if has_kp else ""
    rows.append(["", "全省合计", _fmt(p["base_t"]), _pct(p["cut_pct"]), kp, _fmt(p["cap_t"])])
    return title, header, rows


def under_table(alloc, lang: str = "zh") -> list[str]:
    """The lines printed under every table: check, rule and formula, inputs, sources, notes, date."""
    r = alloc.rule
    if lang == "en":
        lines = [alloc.check["en"], f"Rule: {r['name_en']} ({r['id']}). Formula: {r['formula_en']}"]
        lines += [f"Inputs: {x}" for x in alloc.inputs_en]
        lines += [f"Source: {x}" for x in alloc.sources]
        lines += [f"Note: {x}" for x in alloc.notes]
        lines.append(f"Date: {export_date().isoformat()} · lnmap allocate")
        return lines
    lines = [alloc.check["zh"], f"规则：{r['name_zh']}（{r['id']}）。公式：{r['formula_zh']}"]
    lines += [f"输入：{x}" for x in alloc.inputs_zh]
    lines += [f"出处：{x}" for x in alloc.sources]
    lines += [f"说明：{x}" for x in alloc.notes]
    lines.append(f"日期：{export_date().isoformat()} · lnmap allocate")
    return lines


# --------------------------------------------------------------------------- CSV


def render_csv(alloc) -> bytes:
    frame = alloc.rows()
    extra = alloc.table.reindex(columns=[c for c in CSV_COLUMNS[6:] if c in alloc.table.columns])
    for c in extra.columns:
        frame[c] = list(extra[c]) + [100.0 if c == "share_pct" else "" if c == "bound" else
                                     round(float(alloc.table[c].sum()), 2)]  # the tonnes' printed precision
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def render_json(alloc) -> bytes:
    return json.dumps(alloc.as_dict(), ensure_ascii=False, indent=1, default=str).encode("utf-8")


# --------------------------------------------------------------------------- XLSX


def render_xlsx(alloc) -> bytes:
    """Sheet 分配: the annex layout and the lines under it; sheet detail: every column; sheet path: the
    declining path per city and year."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    title, header, rows = annex_layout(alloc)
    wb = Workbook()
    ws = wb.active
    ws.title = "分配"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(header)
    for c in ws[2]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, horizontal="center")
    for r in rows:
        ws.append([int(r[0]) if r[0] else None, r[1]] + [float(x.replace(",", "")) if x else None for x in r[2:]])
    for row in ws.iter_rows(min_row=3, max_row=2 + len(rows), min_col=3, max_col=6):
        for c in row:
            c.number_format = "#,##0.00" if c.column != 4 else "0.00##"
    ws.cell(row=2 + len(rows), column=2).font = Font(bold=True)
    ws.append([])
    for line in under_table(alloc, "zh"):
        ws.append([line])
    for col, width in zip("ABCDEF", (6, 12, 18, 14, 20, 20)):
        ws.column_dimensions[col].width = width
    detail = wb.create_sheet("detail")
    frame = alloc.table.drop(columns=["no"])
    detail.append(list(frame.columns))
    for rec in frame.itertuples(index=False):
        detail.append([None if isinstance(v, float) and v != v else v for v in rec])
    if alloc.path is not None and len(alloc.path):
        path = wb.create_sheet("path")
        path.append(list(alloc.path.columns))
        for rec in alloc.path.itertuples(index=False):
            path.append(list(rec))
    wb.properties.creator = "lnmap"
    when = export_time()
    wb.properties.created = wb.properties.modified = when.replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(buf.getvalue(), when)


# --------------------------------------------------------------------------- PDF


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` half-width columns (a CJK character counts 2)."""
    lines, line = [], ""
    for ch in text:
        if _width(line + ch) > width:
            lines.append(line)
            line = ch.lstrip() if ch == " " else ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def render_pdf(alloc) -> bytes:
    """One A4 page, in Chinese: title, the annex-layout table, and under it the check line, rule, formula,
    inputs, sources, notes and date."""
    return render_page(alloc, "pdf")


def render_page(alloc, fmt: str = "pdf", dpi: int = 150) -> bytes:
    """The A4 page as ``pdf`` or ``png``."""
    import matplotlib as mpl
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    from geo.core.fonts import export_font, matplotlib_font

    font = export_font()
    title, header, rows = annex_layout(alloc)
    lines = under_table(alloc, "zh")
    font.check([title, *header, *(c for r in rows for c in r), *lines], where="allocation PDF")
    with _LOCK, mpl.rc_context({"pdf.fonttype": 3, "pdf.compression": 6, "axes.unicode_minus": True}):
        base = matplotlib_font(font)

        def sized(size: float, bold: bool = False):
            p = base.copy()
            p.set_size(size)
            if bold:
                p.set_weight("bold")
            return p

        fig = Figure(figsize=A4_IN)
        if fmt == "pdf":
            FigureCanvasPdf(fig)
        fig.text(0.5, 0.965, title, ha="center", va="top", fontproperties=sized(11.5))
        xs = [0.07, 0.12, 0.33, 0.50, 0.72, 0.94]  # column anchors (first two left, the rest right-aligned)
        y, step = 0.925, 0.0185
        for i, h in enumerate(header):
            fig.text(xs[i] if i < 2 else xs[i], y, h, ha="left" if i < 2 else "right", va="top",
                     fontproperties=sized(7.5))
        y -= step * 1.2
        fig.add_artist(mpl.lines.Line2D([0.06, 0.95], [y + 0.004, y + 0.004], color="#333333", lw=0.6))
        for n, r in enumerate(rows):
            last = n == len(rows) - 1
            if last:
                fig.add_artist(mpl.lines.Line2D([0.06, 0.95], [y + 0.004, y + 0.004], color="#333333", lw=0.4))
            for i, cell in enumerate(r):
                fig.text(xs[i], y, cell, ha="left" if i < 2 else "right", va="top", fontproperties=sized(8))
            y -= step
        fig.add_artist(mpl.lines.Line2D([0.06, 0.95], [y + 0.004, y + 0.004], color="#333333", lw=0.6))
        y -= step * 0.6
        # the lines under the table in 7 pt, smaller (down to 5 pt) when they would not fit the page
        for small in (7.0, 6.5, 6.0, 5.5, 5.0):
            width = int(136 * 7 / small)
            parts = [(k, part) for k, line in enumerate(lines) for part in wrap(line, 112 if k == 0 else width)]
            need = sum(0.017 if k == 0 else 0.0145 * small / 7 for k, _ in parts)
            if y - need >= 0.02:
                break
        else:
            raise LnmapError(f"allocation PDF: the {len(lines)} lines under the table do not fit one A4 page")
        for k, part in parts:
            fig.text(0.06, y, part, ha="left", va="top", fontproperties=sized(8.5 if k == 0 else small))
            y -= 0.017 if k == 0 else 0.0145 * small / 7
        buf = io.BytesIO()
        meta = {"Title": title, "Subject": alloc.check["zh"], "Creator": "lnmap (辽宁减污降碳指标地图)",
                "CreationDate": export_time(), "ModDate": None} if fmt == "pdf" else {"Title": title, "Software": "lnmap"}
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=meta)
    return buf.getvalue()


# --------------------------------------------------------------------------- PPTX


def render_pptx(alloc) -> bytes:
    """One 16:9 slide: the title, the annex-layout table, and under it the check line, rule, inputs,
    sources and date."""
    from pptx import Presentation
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    from geo.core.fonts import export_font

    font = export_font()
    title, header, rows = annex_layout(alloc)
    lines = under_table(alloc, "zh")
    font.check([title, *header, *(c for r in rows for c in r), *lines], where="allocation slide")
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(40 / 3), Inches(7.5)
    slide = prs.slides.add_slide(prs.slide_layouts[6])

    def put(frame, text: str, size: float, bold: bool = False) -> None:
        p = frame.paragraphs[0] if not frame.paragraphs[0].runs else frame.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = font.family

    box = slide.shapes.add_textbox(Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.5))
    put(box.text_frame, title, 18, True)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.4), Inches(0.75), Inches(7.6), Inches(6.4))
    table = shape.table
    for j, width in enumerate((0.5, 1.0, 1.6, 1.2, 1.6, 1.7)):
        table.columns[j].width = Inches(width)
    for i, r in enumerate([header, *rows]):
        table.rows[i].height = Inches(0.38)
        for j, text in enumerate(r):
            cell = table.cell(i, j)
            cell.text_frame.clear()
            put(cell.text_frame, text, 9 if i else 9, bold=i == 0 or i == len(rows))
            cell.margin_top = cell.margin_bottom = Inches(0.02)
    notes = slide.shapes.add_textbox(Inches(8.2), Inches(0.75), Inches(4.8), Inches(6.4))
    notes.text_frame.word_wrap = True
    notes.text_frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # PowerPoint shrinks long notes to the box
    for k, line in enumerate(lines):
        put(notes.text_frame, line, 11 if k == 0 else 8.5, bold=k == 0)
    return save_deck(prs)


RENDERERS = {"csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf, "pptx": render_pptx}


def write_allocation(alloc, fmt: str, out: Path) -> list[Path]:
    """Write ``alloc`` as ``fmt`` to ``out`` (atomically); CSV also writes ``<out>.json``. The files written."""
    if fmt not in RENDERERS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    out = Path(out)
    write_bytes_atomic(out, RENDERERS[fmt](alloc))
    written = [out]
    if fmt == "csv":
        side = out.with_name(out.name + ".json")
        write_bytes_atomic(side, render_json(alloc))
        written.append(side)
    return written
