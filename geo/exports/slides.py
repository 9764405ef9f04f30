"""PowerPoint decks (python-pptx): one 16:9 slide per indicator.

Each slide: the title and subtitle as text boxes, the map as a picture (the map with
its legend, scale bar and north arrow, drawn by :mod:`geo.exports.static`), a native
table of the three highest and three lowest cities, and the source line, formula,
note, boundary note and date as text. Everything but the map picture is editable in
PowerPoint or WPS; text boxes name the font (Noto Sans CJK SC) with 微软雅黑 as the
East Asian fallback the viewer's machine usually has.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from geo.core.repro import export_time, normalise_zip
from geo.exports.spec import LayerChoice, Layers, MapSpec

SLIDE_W_IN, SLIDE_H_IN = 40 / 3, 7.5
PICTURE_DPI = 200
EA_FONT = "Microsoft YaHei"


def _set_font(run, size: float, *, bold: bool = False, colour: str = "222222", family: str | None = None) -> None:
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor.from_string(colour)
    if family:
        run.font.name = family
        rpr = run._r.get_or_add_rPr()
        ea = rpr.find(qn("a:ea"))
        if ea is None:
            ea = rpr.makeelement(qn("a:ea"), {})
            rpr.append(ea)
        ea.set("typeface", EA_FONT)


def _text_box(slide, x, y, w, h, paragraphs: Sequence[tuple[str, float, bool, str]], family: str):
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    tf = box.text_frame
    tf.word_wrap = True
    for i, (text, size, bold, colour) in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        _set_font(run, size, bold=bold, colour=colour, family=family)
    return box


def _top_bottom(spec: MapSpec, n: int = 3):
    t = spec.table[np.isfinite(spec.table["value"])].sort_values("value", ascending=False).reset_index(drop=True)
    t["rank"] = t["value"].rank(ascending=False, method="min").astype(int)
    if len(t) <= 2 * n:
        return t, t.iloc[0:0]
    return t.head(n), t.tail(n).iloc[::-1]


def add_slide(prs, spec: MapSpec, picture_png: bytes, family: str) -> None:
    """One indicator's slide."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text_box(slide, 0.35, 0.2, 12.6, 0.6, [(spec.title, 24, True, "111111")], family)
    _text_box(slide, 0.35, 0.78, 12.6, 0.4, [(spec.subtitle, 13, False, "555555")], family)
    slide.shapes.add_picture(io.BytesIO(picture_png), Inches(0.35), Inches(1.3), height=Inches(5.95))

    top, bottom = _top_bottom(spec)
    rows = 1 + len(top) + len(bottom)
    x0, y0, w = 8.3, 1.35, 4.65
    shape = slide.shapes.add_table(rows, 3, Inches(x0), Inches(y0), Inches(w), Inches(0.34 * rows))
    table = shape.table
    table.columns[0].width = Inches(1.05)
    table.columns[1].width = Inches(1.6)
    table.columns[2].width = Inches(2.0)
    heads = [spec.labels["rank"], spec.labels["city"], spec.labels["value"]]
    for j, h in enumerate(heads):
        run = table.cell(0, j).text_frame.paragraphs[0].add_run()
        run.text = h
        _set_font(run, 12, bold=True, colour="FFFFFF", family=family)
    r = 1
    for label, part in ((spec.labels["top"], top), (spec.labels["bottom"], bottom)):
        for rec in part.itertuples():
            cells = [f"{label} {rec.rank}", rec.label, rec.value_text]
            for j, text in enumerate(cells):
                cell = table.cell(r, j)
                run = cell.text_frame.paragraphs[0].add_run()
                run.text = text
                _set_font(run, 12, family=family)
                if j == 2:
                    cell.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT
            swatch = table.cell(r, 0)
            swatch.fill.solid()
            swatch.fill.fore_color.rgb = RGBColor.from_string(rec.colour.lstrip("#"))
            r += 1
    for row in table.rows:
        row.height = Inches(0.34)

    notes = [(n, 11, False, "222222") for n in spec.notes]
    _text_box(slide, x0, y0 + 0.34 * rows + 0.3, w, 2.2, notes, family)
    small = [(n, 9, False, "666666") for n in (spec.boundary_note, spec.crs_note, spec.date_note)]
    _text_box(slide, x0, 6.35, w, 1.0, small, family)
    slide.notes_slide.notes_text_frame.text = "\n".join(
        [spec.title, spec.subtitle, *spec.notes, spec.boundary_note, spec.date_note,
         spec.reproduce])


def slide_picture(spec: MapSpec, layers: Layers, *, regions: LayerChoice = False, sites: LayerChoice = False,
                  dpi: int = PICTURE_DPI, font=None) -> bytes:
    """The map picture of a slide (PNG). The slide's notes carry the reproduce command; the picture
    does not, so a deck's slides are the same pictures whichever command made them."""
    from dataclasses import replace

    from geo.exports.static import render_static

    return render_static(replace(spec, command=""), layers, "png", page="pptx", regions=regions, sites=sites,
                         dpi=dpi, font=font)


class Deck:
    """A deck built one slide at a time (``lnmap export all`` adds each as its picture arrives)."""

    def __init__(self, family: str) -> None:
        from pptx import Presentation
        from pptx.util import Inches

        self.family = family
        self.prs = Presentation()
        self.prs.slide_width = Inches(SLIDE_W_IN)
        self.prs.slide_height = Inches(SLIDE_H_IN)
        self.specs: list[MapSpec] = []

    def add(self, spec: MapSpec, picture_png: bytes) -> None:
        add_slide(self.prs, spec, picture_png, self.family)
        self.specs.append(spec)

    def save(self) -> bytes:
        if self.specs:
            props = self.prs.core_properties
            props.title = self.specs[0].title if len(self.specs) == 1 else "辽宁减污降碳指标地图"
            props.subject = self.specs[0].source
        return save_deck(self.prs)


def build_deck(items: list[tuple[MapSpec, bytes]], family: str) -> bytes:
    """A deck from (spec, map picture) pairs, one slide each."""
    deck = Deck(family)
    for spec, png in items:
        deck.add(spec, png)
    return deck.save()


def save_deck(prs) -> bytes:
    """The deck's bytes, dated by :func:`geo.core.repro.export_time` (reproducible)."""
    prs.core_properties.author = "lnmap"
    when = export_time()
    props = prs.core_properties
    props.created = props.modified = props.last_printed = when.replace(tzinfo=None)
    props.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    return normalise_zip(buf.getvalue(), when)


def render_pptx(specs: list[MapSpec], layers: Layers, *, regions: LayerChoice = False, sites: LayerChoice = False,
                font=None) -> bytes:
    from geo.core.fonts import export_font

    font = font or export_font()
    return build_deck([(s, slide_picture(s, layers, regions=regions, sites=sites, font=font)) for s in specs],
                      font.family)


def profile_deck(profile, locator_png: bytes, family: str) -> bytes:
    """A city profile (:class:`geo.exports.profile.Profile`) as one A4-portrait slide: the locator map as a
    picture; the title, the lists, the table of targets and the notes as editable text."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(8.27), Inches(11.69)
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text_box(slide, 0.4, 0.2, 7.5, 0.5, [(profile.title, 18, True, "111111")], family)
    _text_box(slide, 0.4, 0.65, 7.5, 0.35, [(profile.subtitle, 8, False, "555555")], family)
    slide.shapes.add_picture(io.BytesIO(locator_png), Inches(0.4), Inches(1.05), width=Inches(2.9))
    paras = []
    for head, lines in profile.blocks:
        paras.append((head, 7.5, True, "C2562C"))
        paras += [(line, 6.5, False, "222222") for line in lines]
    _text_box(slide, 3.45, 1.0, 4.45, 3.6, paras, family)
    n = 1 + sum(1 + len(r) for _, r in profile.groups)
    shape = slide.shapes.add_table(n, 7, Inches(0.4), Inches(4.75), Inches(7.47), Inches(0.14 * n))
    table = shape.table
    for j, w in enumerate((2.45, 0.95, 0.75, 0.85, 0.5, 0.52, 1.45)):
        table.columns[j].width = Inches(w)

    def put(i: int, j: int, text: str, *, bold: bool = False, colour: str = "222222") -> None:
        cell = table.cell(i, j)
        cell.margin_top = cell.margin_bottom = Pt(0.5)
        cell.margin_left = cell.margin_right = Pt(2)
        run = cell.text_frame.paragraphs[0].add_run()
        run.text = text
        _set_font(run, 6, bold=bold, colour=colour, family=family)

    for j, h in enumerate(profile.headers):
        put(0, j, h, bold=True, colour="FFFFFF")
    i = 1
    for head, group_rows in profile.groups:
        table.cell(i, 0).merge(table.cell(i, 6))
        put(i, 0, head, bold=True)
        i += 1
        for r in group_rows:
            for j, text in enumerate((r.label, r.value, r.unit, r.year, r.rank, r.share, r.cite)):
                put(i, j, text)
            i += 1
    for row in table.rows:
        row.height = Inches(0.14)
    foot: list[tuple[str, float, bool, str]] = [(t, 6, False, "333333") for t in [*profile.formulas, *profile.notes]]
    foot += [(t, 5.5, False, "666666") for t in profile.small_print]
    _text_box(slide, 0.4, 4.85 + 0.14 * n, 7.47, 1.6, foot, family)
    slide.notes_slide.notes_text_frame.text = f"lnmap export city --city {profile.adcode} --lang {profile.lang}"
    if profile.trajectories:
        _trajectory_slide(prs, profile, family)
    prs.core_properties.title = profile.title
    return save_deck(prs)


#: How each series of a trajectory chart is drawn: readable without colour (dash, marker), as on the page.
_SERIES_LOOK = {"traj_path": ("666666", "dash", "circle", False), "traj_observed": ("111111", "solid", "circle", True),
                "traj_baseline": ("1F4E79", None, "square", True), "traj_cap": ("B35806", None, "diamond", True)}


def _trajectory_slide(prs, profile, family: str) -> None:
    """A second slide with the city's year-by-year charts as native PowerPoint charts (XY lines, editable:
    the numbers stay in the chart's own sheet), one per pollutant with observed years."""
    from pptx.chart.data import XyChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.util import Inches, Pt

    words = profile.labels
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text_box(slide, 0.4, 0.2, 7.5, 0.5, [(f"{profile.title}：{words['trajectory_title']}" if profile.lang == "zh"
                                           else f"{profile.title}: {words['trajectory_title']}", 14, True, "111111")],
              family)
    markers = {"circle": XL_MARKER_STYLE.CIRCLE, "square": XL_MARKER_STYLE.SQUARE, "diamond": XL_MARKER_STYLE.DIAMOND}
    for k, tr in enumerate(profile.trajectories):
        data = XyChartData()
        path = [(p["year"], p["path_t"]) for p in tr.points if p["path_t"] is not None]
        series = {"traj_path": path, "traj_observed": [(p["year"], p["observed_t"]) for p in tr.points
                                                        if p["observed_t"] is not None],
                  "traj_baseline": path[:1], "traj_cap": path[-1:]}
        for key, pts in series.items():
            if pts:
                s = data.add_series(words[key])
                for x, y in pts:
                    s.add_data_point(x, y)
        x, y = 0.4 + (k % 2) * 3.8, 0.9 + (k // 2) * 4.6
        frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER_LINES, Inches(x), Inches(y), Inches(3.6), Inches(3.2), data)
        chart = frame.chart
        chart.has_title = True
        chart.chart_title.text_frame.text = tr.title
        _set_font(chart.chart_title.text_frame.paragraphs[0].runs[0], 10, bold=True, family=family)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(7)
        chart.legend.font.name = family
        chart.value_axis.tick_labels.number_format = "#,##0"
        chart.value_axis.tick_labels.number_format_is_linked = False
        chart.value_axis.tick_labels.font.size = Pt(7)
        chart.category_axis.tick_labels.font.size = Pt(7)
        chart.category_axis.tick_labels.number_format = "0"
        chart.category_axis.tick_labels.number_format_is_linked = False
        keys = [key for key, pts in series.items() if pts]
        for plot_series, key in zip(chart.plots[0].series, keys):
            colour, dash, marker, filled = _SERIES_LOOK[key]
            line = plot_series.format.line
            if dash is None:
                line.fill.background()  # a single point: no line
            else:
                line.color.rgb = RGBColor.from_string(colour)
                line.width = Pt(1.5)
                line.dash_style = MSO_LINE_DASH_STYLE.DASH if dash == "dash" else MSO_LINE_DASH_STYLE.SOLID
            plot_series.marker.style = markers[marker]
            plot_series.marker.size = 9 if key in ("traj_baseline", "traj_cap") else 6
            if filled:
                plot_series.marker.format.fill.solid()
                plot_series.marker.format.fill.fore_color.rgb = RGBColor.from_string(colour)
            else:
                plot_series.marker.format.fill.background()
            plot_series.marker.format.line.color.rgb = RGBColor.from_string(colour)
            plot_series.smooth = False
    _text_box(slide, 0.4, 10.3, 7.47, 0.8, [(words["trajectory_note"], 7, False, "444444")], family)


def picture_deck(png: bytes, title: str, sources: list[str], command: str, family: str) -> bytes:
    """One 16:9 slide holding a finished figure (small multiples) as a picture; the speaker notes
    carry the title, the sources and the command."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_picture(io.BytesIO(png), 0, 0, width=prs.slide_width)
    slide.notes_slide.notes_text_frame.text = "\n".join([title, *sources, command])
    prs.core_properties.title = title
    del family  # the text is in the picture
    return save_deck(prs)
