"""Static briefing maps (PNG, PDF, SVG) with matplotlib, drawn in EPSG:4550.

Two page shapes: ``slide`` (16:9, 13.33 × 7.5 in, the map left and legend and notes
right) and ``a4`` (portrait, 8.27 × 11.69 in, the map above the notes). Each carries
the title (indicator, unit, year), the legend with class bounds and a no-data class,
city labels with values, a scale bar, a north arrow, optional region outlines and
sites, the source line (document number, annex and column), the formula of a derived
measure, the generation date, the boundary note and the projection.

Text is set in the export font (:mod:`geo.core.fonts`). PDF text stays text: fonts are
embedded as Type 3 with a ToUnicode map, so the PDF is searchable and copyable.
(matplotlib 3.11 embeds CFF-flavoured OpenType such as Noto Sans CJK as a TrueType
``FontFile2`` when ``pdf.fonttype`` is 42, which PDF readers flag as a mismatch.)
SVG text is converted to paths, so it looks the same on a machine without the font.
"""

from __future__ import annotations

import io
import threading
import unicodedata

import numpy as np

from geo.core.settings import PROJECTED_CRS
from geo.core.symbols import BASE_COLOUR, NEGATIVE_COLOUR, SYMBOL_COLOUR, radii
from geo.exports.spec import ExportError, LayerChoice, Layers, MapSpec
from geo.places.regions import REGION_COLOURS  # the dashboard's colours

#: Page sizes in inches.
PAGE_SIZES = {"slide": (40 / 3, 7.5), "a4": (8.27, 11.69), "pptx": (8.0, 6.6)}
#: Map extent in EPSG:4550 metres (Liaoning plus a margin for labels and furniture).
EXTENT = (118_000.0, 4_250_000.0, 775_000.0, 4_862_000.0)
SITE_MARKERS = {"park": "^", "mine": "s", "port": "o", "steel": "D", "nuclear": "*", "airport": "P", "reserve": "h"}
# Label positions (fraction of the label's shift from the representative point, in metres)
# for cities whose representative point sits badly for a label.
LABEL_NUDGE = {"210200": (25_000.0, 35_000.0), "211100": (0.0, 8_000.0), "210800": (-8_000.0, 0.0)}

#: Radius (m) of the largest proportional circle on a full-size map.
R_MAX = 36_000.0

# matplotlib's rcParams are process-wide: one render at a time.
_LOCK = threading.Lock()


def display_width(text: str) -> int:
    """Width in half-em units: CJK characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> str:
    """Wrap mixed CJK/Latin text to ``width`` half-em units, breaking Latin text at spaces; a line break
    in ``text`` stays one."""
    if "\n" in text:
        return "\n".join(wrap(part, width) for part in text.split("\n"))
    lines, line, word = [], "", ""

    def push(token: str) -> None:
        nonlocal line
        if display_width(line + token) > width and line.strip():
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token

    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            if word:
                push(word)
                word = ""
            push(ch)
        elif ch == " ":
            push(word + " ")
            word = ""
        else:
            word += ch
    if word:
        push(word)
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def halo_text(target, x, y, text, *, halo: str = "white", width: float = 2.6, **kw):
    """Text with a halo that stays text in a PDF.

    matplotlib draws text with path effects as outlines, which PDF readers cannot
    search; so the halo is a separate outline-only copy beneath plain text.
    """
    import matplotlib.patheffects as pe

    under = {k: v for k, v in kw.items() if k not in ("color", "zorder")}
    z = kw.get("zorder", 8)
    target.text(x, y, text, color=halo, path_effects=[pe.Stroke(linewidth=width, foreground=halo)],
                zorder=z - 0.01, **under)
    return target.text(x, y, text, **kw)


def _north_arrow(ax, x: float, y: float, size: float, prop) -> None:
    """A north arrow at axes fraction (x, y): a two-tone triangle and an N above it."""
    from matplotlib.patches import Polygon

    h, w = size, size * 0.42
    left = Polygon([(x, y + h), (x - w / 2, y), (x, y + h * 0.28)], closed=True, transform=ax.transAxes,
                   facecolor="#222222", edgecolor="#222222", lw=0.8, zorder=30)
    right = Polygon([(x, y + h), (x + w / 2, y), (x, y + h * 0.28)], closed=True, transform=ax.transAxes,
                    facecolor="white", edgecolor="#222222", lw=0.8, zorder=30)
    ax.add_patch(left)
    ax.add_patch(right)
    ax.text(x, y + h * 1.05, "N", transform=ax.transAxes, ha="center", va="bottom", fontproperties=prop,
            fontsize=13, zorder=30)


def label_points(cities_p) -> dict[str, tuple[float, float]]:
    pts = {}
    for adcode, geom in zip(cities_p["adcode"].astype(str), cities_p.geometry):
        # Label the largest part (Dalian's islands, Huludao's coast) at its inner point.
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        pt = part.representative_point()
        dx, dy = LABEL_NUDGE.get(adcode, (0.0, 0.0))
        pts[adcode] = (pt.x + dx, pt.y + dy)
    return pts


def points_per_metre(ax) -> float:
    """Scale of a map axes (aspect equal, limits fixed) in points per metre."""
    fig = ax.figure
    box = ax.get_position(original=True)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return min(fig.get_figwidth() * box.width * 72 / (x1 - x0), fig.get_figheight() * box.height * 72 / (y1 - y0))


def draw_symbols(ax, spec: MapSpec, points: dict[str, tuple[float, float]], *, r_max: float = R_MAX) -> list:
    """Proportional circles (area ∝ |value|) at ``points`` (adcode -> x, y in metres), largest
    underneath. Each circle is a :class:`matplotlib.patches.Circle` with gid ``symbol:<adcode>``."""
    from matplotlib.patches import Circle

    t = spec.table.set_index("adcode")
    codes = [a for a in points if a in t.index and np.isfinite(t.loc[a, "value"])]
    r = dict(zip(codes, radii([t.loc[a, "value"] for a in codes], r_max=r_max, vmax=spec.vmax or None)))
    out = []
    for a in sorted(codes, key=lambda c: -r[c]):
        c = Circle(points[a], r[a], facecolor=t.loc[a, "colour"], edgecolor="white", linewidth=0.8, alpha=0.88,
                   zorder=6)
        c.set_gid(f"symbol:{a}")
        ax.add_patch(c)
        out.append(c)
    return out


def draw_size_legend(ax, spec: MapSpec, *, prop, r_max: float = R_MAX, loc: str = "lower right",
                     size: float = 10.0, title: bool = True):
    """Nested circles of round values, drawn at the map's scale, with their values."""
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.offsetbox import AnchoredOffsetbox, DrawingArea, TextArea, VPacker
    from matplotlib.patches import Circle
    from matplotlib.text import Text

    if not spec.size_legend:
        return None
    k = points_per_metre(ax)
    vals = [v for v, _ in spec.size_legend]
    rs = radii(vals, r_max=r_max, vmax=spec.vmax or None) * k  # points
    big = float(rs[0])
    label_w = max(len(lbl) for _, lbl in spec.size_legend) * size * 0.62
    # Each value at its circle's top, but at least a line apart (small circles' tops are close together).
    tops = [float(2 * r) for r in rs]
    ys = tops[:1]
    for top in tops[1:]:
        ys.append(min(top, ys[-1] - size))
    lift = max(0.0, size * 0.5 - ys[-1])  # room below for a value pushed under the circles' base
    da = DrawingArea(2 * big + 8 + label_w, 2 * big + size * 0.6 + lift, 0, 0, clip=False)
    for r, y, (_, lbl) in zip(rs, ys, spec.size_legend):
        da.add_artist(Circle((big, r + lift), r, facecolor="none", edgecolor="#555555", linewidth=0.8))
        da.add_artist(Line2D([big, 2 * big + 2, 2 * big + 4], [2 * r + lift, 2 * r + lift, y + lift],
                             color="#888888", linewidth=0.5))
        da.add_artist(Text(2 * big + 6, y + lift, lbl, fontproperties=sized(prop, size * 0.9), va="center",
                           ha="left", color="#222222"))
    children: list[Artist] = [da]
    if title:
        children.insert(0, TextArea(wrap(spec.legend_title, 30), textprops={"fontproperties": sized(prop, size * 1.05)}))
    box = AnchoredOffsetbox(loc=loc, child=VPacker(children=children, align="left", pad=0, sep=6), frameon=True,
                            pad=0.5, borderpad=0.6)
    box.patch.set(facecolor="white", alpha=0.92, edgecolor="#999999")
    box.set_zorder(40)
    ax.add_artist(box)
    return box


def selected(choice, key: str) -> bool:
    """``regions``/``sites`` options: ``True`` (all), ``False`` (none) or a collection of ids/kinds."""
    return choice if isinstance(choice, bool) else key in set(choice)


def draw_plants(ax, layers: Layers, *, prop, lang: str, scale: float = 1.0) -> list:
    """Power plants as circles (area ∝ MW, coloured by fuel), the attribution in the map's corner;
    returns legend handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    from geo.places.power_plants import ATTRIBUTION, fuel_style

    if layers.plants is None or not len(layers.plants):
        raise ExportError("no power plants to draw (data/indicators/power_plants.csv; lnmap build-power-plants)")
    pts = layers.projected("plants")
    r = radii(pts["capacity_mw"].fillna(0).to_numpy(), r_max=12_000 * scale)
    for (x, y), rr, fuel in sorted(zip(zip(pts.geometry.x, pts.geometry.y), r, pts["fuel"]), key=lambda t: -t[1]):
        c = Circle((x, y), max(rr, 1_200 * scale), facecolor=fuel_style(fuel, lang)[1], edgecolor="white",
                   linewidth=0.4, alpha=0.85, zorder=6.5)
        c.set_gid("plant")
        ax.add_patch(c)
    ax.text(0.995, 0.005, ("电厂（圆面积∝装机）：" if lang == "zh" else "Power plants (circle area ∝ MW): ") + ATTRIBUTION + (
        "，约 2017–2019 年" if lang == "zh" else ", about 2017–2019"), transform=ax.transAxes, ha="right",
            va="bottom", fontproperties=prop, fontsize=5.5 * scale, color="#555555", zorder=41)
    return [Line2D([], [], marker="o", lw=0, color=fuel_style(f, lang)[1], markeredgecolor="white", markersize=6,
                   label=fuel_style(f, lang)[0] + ("电厂" if lang == "zh" else " plant"))
            for f in sorted(set(pts["fuel"]))]


def draw_counties(ax, layers: Layers, *, prop, lang: str, scale: float = 1.0) -> list:
    """County borders, thin and grey under the city borders, and the counties designations.csv names
    at county level hatched with their names; returns legend handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if layers.counties is None or not len(layers.counties):
        raise ExportError("no county boundaries to draw (data/boundaries/; lnmap build-boundaries)")
    counties = layers.projected("counties")
    counties.boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.45 * scale, zorder=3.4)
    marked = counties[counties["marked"]]
    if len(marked):
        marked.plot(ax=ax, facecolor="none", edgecolor="#1a1a1a", hatch="\\\\", linewidth=0.9 * scale,
                    linestyle=(0, (4, 2)), zorder=3.5)
        for row in marked.itertuples():
            pt = row.geometry.representative_point()
            # The documents' short forms (本溪县, 桓仁县): the full 满族自治县 names run over the city labels.
            name = (row.name_zh.replace("满族自治县", "县") if lang == "zh"
                    else row.name_en.replace(" Manchu Autonomous County", " County"))
            halo_text(ax, pt.x, pt.y - 6_000 * scale, name, ha="center", va="top", fontproperties=prop, fontsize=6.2 * scale,
                      color="#1a1a1a", width=2.0 * scale, zorder=7.5)
    handles: list = [Line2D([], [], color="#8c8c8c", lw=0.8, label="县级行政区界" if lang == "zh" else "County boundary")]
    if len(marked):
        handles.append(Patch(facecolor="none", edgecolor="#1a1a1a", hatch="\\\\", linestyle="--", linewidth=0.8,
                             label="文件点名的县（市、区）" if lang == "zh" else "County named in a designation"))
    ax.set_xlabel("")  # geopandas labels the axes from the CRS when it plots
    ax.set_ylabel("")
    return handles


def draw_map(ax, spec: MapSpec, layers: Layers, *, prop, regions: LayerChoice, sites: LayerChoice, scale: float = 1.0,
             legend_loc: str | None = "lower right", legend_size: float = 1.0, symbol_scale: float = 1.0,
             plants: bool = False, counties: bool = False) -> None:
    """The map itself into ``ax`` (EPSG:4550): context, choropleth, outlines, labels, furniture."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib_scalebar.scalebar import ScaleBar

    def fs(n: float) -> float:
        return n * scale

    cities = layers.projected("cities")
    if str(cities.crs) != PROJECTED_CRS and cities.crs.to_epsg() != int(PROJECTED_CRS.split(":")[1]):
        raise ExportError(f"cities are in {cities.crs}, expected {PROJECTED_CRS}")
    county_level = spec.places == "counties"
    if county_level and layers.counties is None:
        raise ExportError("no county boundaries to draw (data/boundaries/; lnmap build-boundaries)")
    places = layers.projected(spec.places)  # what is coloured: the cities, or the counties under the city borders
    symbol_scale *= spec.symbol_scale
    context = layers.projected("context")
    x0, y0, x1, y1 = EXTENT
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_facecolor("#eef4f8")  # sea and everything outside the drawn land
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_edgecolor("#555555")
        s.set_linewidth(0.8)

    # Context: neighbouring provinces and 辽源 (Jilin), light grey with their names.
    provinces = context[context["level"] == "province"]
    provinces.plot(ax=ax, facecolor="#f2f2ef", edgecolor="#b5b5b5", linewidth=0.6, zorder=1)
    others = context[context["level"] != "province"]
    others.plot(ax=ax, facecolor="#e9e9e4", edgecolor="#b5b5b5", linewidth=0.5, zorder=1.5)
    from shapely.geometry import box

    window = box(x0, y0, x1, y1).buffer(-25_000)
    for row in context.itertuples():
        clip = row.geometry.intersection(window)
        if clip.is_empty or clip.area < 2e9:
            continue
        part = max(getattr(clip, "geoms", [clip]), key=lambda g: g.area)
        pt = part.representative_point()
        ax.text(pt.x, pt.y, spec.labels.get(f"ctx_{row.adcode}", row.name_zh), ha="center", va="center",
                fontproperties=prop, fontsize=fs(9 if row.level == "province" else 7.5), color="#8a8a8a",
                zorder=2, clip_on=True)

    # Choropleth, or the neutral base under proportional symbols.
    t = spec.table.set_index("adcode")
    symbols = spec.map_type == "symbols"
    codes = places["adcode"].astype(str)
    colours = [BASE_COLOUR if symbols else t.loc[a, "colour"] for a in codes]
    nodata = np.array([not np.isfinite(t.loc[a, "value"]) for a in codes])
    places.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.35 if county_level else 0.9, zorder=3)
    anchors = label_points(cities)
    if symbols:
        draw_symbols(ax, spec, label_points(places) if county_level else anchors, r_max=R_MAX * symbol_scale)
    if nodata.any():
        places[nodata].plot(ax=ax, facecolor="none", edgecolor="#9a9a9a", hatch="///", linewidth=0.0, zorder=3.2)
    if county_level:
        cities.boundary.plot(ax=ax, color="#3d3d3d", linewidth=1.0 * scale, zorder=3.6)
    layers.projected("province").boundary.plot(ax=ax, color="#4d4d4d", linewidth=1.3, zorder=4)
    ax.set_xlabel("")
    ax.set_ylabel("")

    handles = [Patch(facecolor=c, edgecolor="#9a9a9a", linewidth=0.5, label=lbl) for c, lbl in spec.legend]
    handles.append(Patch(facecolor=spec.no_data[0], edgecolor="#9a9a9a", hatch="///", linewidth=0.5,
                         label=spec.no_data[1]))
    extra: list = []
    if symbols:
        handles = []
        if (spec.table["value"] < 0).any():
            extra += [Line2D([], [], marker="o", color=SYMBOL_COLOUR, lw=0, markersize=8, label=spec.labels["positive"]),
                      Line2D([], [], marker="o", color=NEGATIVE_COLOUR, lw=0, markersize=8,
                             label=spec.labels["negative"])]
        if nodata.any():
            extra.append(Patch(facecolor=spec.no_data[0], edgecolor="#9a9a9a", hatch="///", linewidth=0.5,
                               label=spec.no_data[1]))

    if regions:
        outlines = layers.projected("regions")
        outlines = outlines[[selected(regions, r) for r in outlines.region_id]]
        order = list(REGION_COLOURS)
        for row in outlines.itertuples():
            k = order.index(row.region_id) if row.region_id in order else 0
            # Inset each region by its own distance so that shared borders show every region.
            geom = row.geometry.buffer(-(1_800 + 2_600 * k))
            if geom.is_empty:
                geom = row.geometry
            style = "-" if row.membership == "full" else (0, (3, 2))
            xs = [g.boundary for g in getattr(geom, "geoms", [geom])]
            for b in xs:
                for line in getattr(b, "geoms", [b]):
                    x, y = line.xy
                    ax.plot(x, y, color=REGION_COLOURS.get(row.region_id, "#333333"), lw=1.6 * scale,
                            linestyle=style, zorder=5, solid_joinstyle="round")
        for rid, name in spec.region_short.items():
            if rid in set(outlines.region_id):
                extra.append(Line2D([], [], color=REGION_COLOURS.get(rid, "#333333"), lw=2, label=name))
        if (outlines.membership != "full").any():
            extra.append(Line2D([], [], color="#555555", lw=1.5, linestyle=(0, (3, 2)),
                                label=spec.labels["partial"].strip(" ()（）")))

    if sites:
        pts = layers.projected("sites")
        for kind, marker in SITE_MARKERS.items():
            sub = pts[pts["kind"] == kind] if selected(sites, kind) else pts.iloc[:0]
            if len(sub):
                ax.scatter(sub.geometry.x, sub.geometry.y, marker=marker, s=34 * scale ** 2, c="#222222",
                           edgecolors="white", linewidths=0.7, zorder=7)
                extra.append(Line2D([], [], marker=marker, color="#222222", markeredgecolor="white", lw=0,
                                    markersize=7, label=spec.site_kinds[kind]))

    if plants:
        extra += draw_plants(ax, layers, prop=prop, lang=spec.lang, scale=scale)
    if counties:
        extra += draw_counties(ax, layers, prop=prop, lang=spec.lang, scale=scale)

    # City labels: name, and the value below it (a county map: the city's name alone, its counties have the values).
    for adcode, (x, y) in anchors.items():
        if county_level:
            halo_text(ax, x, y, spec.labels[f"city_{adcode}"], ha="center", va="center", fontproperties=prop,
                      fontsize=fs(9.5), color="#111111", width=2.6 * scale, zorder=8)
            continue
        row = t.loc[adcode]
        halo_text(ax, x, y, row["label"], ha="center", va="bottom", fontproperties=prop, fontsize=fs(10.5),
                  color="#111111", width=2.6 * scale, zorder=8)
        halo_text(ax, x, y, row["value_text"], ha="center", va="top", fontproperties=prop, fontsize=fs(8.2),
                  color="#333333", width=2.4 * scale, zorder=8)

    # Furniture: scale bar, north arrow.
    ax.add_artist(ScaleBar(1.0, "m", location="lower left", length_fraction=0.22, box_alpha=0.85,
                           font_properties={"fname": prop.get_file(), "size": fs(9)},
                           border_pad=0.8, pad=0.4, sep=3, width_fraction=0.012))
    _north_arrow(ax, 0.955, 0.86, 0.075, prop)

    if legend_loc and symbols:
        draw_size_legend(ax, spec, prop=prop, r_max=R_MAX * symbol_scale, loc=legend_loc, size=fs(10) * legend_size)
        if extra:
            leg2 = ax.legend(handles=extra, loc="upper left", prop=sized(prop, fs(8)), frameon=True, framealpha=0.9,
                             edgecolor="#999999", borderpad=0.5, ncol=2, columnspacing=1.0, handlelength=1.6,
                             labelspacing=0.3)
            leg2.set_zorder(40)
    elif legend_loc:
        leg = ax.legend(handles=handles, loc=legend_loc, title=spec.legend_title, prop=sized(prop, fs(10) * legend_size),
                        title_fontproperties=sized(prop, fs(10.5) * legend_size), frameon=True, framealpha=0.92,
                        edgecolor="#999999", handlelength=1.8, handleheight=1.1, borderpad=0.7, labelspacing=0.45)
        leg.get_title().set_multialignment("left")
        leg.set_zorder(40)
        if extra:
            ax.add_artist(leg)
            leg2 = ax.legend(handles=extra, loc="upper left", prop=sized(prop, fs(8)), frameon=True, framealpha=0.9,
                             edgecolor="#999999", borderpad=0.5, ncol=2, columnspacing=1.0, handlelength=1.6,
                             labelspacing=0.3)
            leg2.set_zorder(40)


def sized(prop, size):
    p = prop.copy()
    p.set_size(size)
    return p


def draw_ranking(ax, spec: MapSpec, *, prop, size: float = 9.0) -> None:
    """The cities as horizontal bars, highest first, in their class colours (counties: the highest
    :attr:`~geo.exports.spec.MapSpec.ranking_rows`)."""
    t = spec.table.copy()
    t["_v"] = t["value"].where(np.isfinite(t["value"]))
    t = t.sort_values("_v", ascending=False, na_position="last").reset_index(drop=True)
    if spec.ranking_rows:
        t = t[t["_v"].notna()].head(spec.ranking_rows)
    y = np.arange(len(t))[::-1]
    vals = t["_v"].fillna(0.0).to_numpy()
    ax.barh(y, vals, color=t["colour"], edgecolor="#8a8a8a", linewidth=0.4, height=0.72)
    lo, hi = min(0.0, float(np.nanmin(vals))), max(0.0, float(np.nanmax(vals)))
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - 0.02 * span, hi + 0.30 * span)
    ax.set_ylim(-0.6, len(t) - 0.4)
    ax.set_yticks(y)
    ax.set_yticklabels(t["label"], fontproperties=sized(prop, size))
    ax.tick_params(axis="y", length=0, pad=3)
    ax.set_xticks([])
    if lo < 0:
        ax.axvline(0, color="#555555", lw=0.6)
    for yi, v, txt in zip(y, t["_v"], t["value_text"]):
        x = (v if np.isfinite(v) and v > 0 else 0.0) + 0.01 * span
        ax.text(x, yi, txt, va="center", ha="left", fontproperties=prop, fontsize=size * 0.9, color="#333333")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#999999")
    ax.set_title(spec.labels["ranking"], loc="left", fontproperties=sized(prop, size * 1.1), color="#222222")


def build_figure(spec: MapSpec, layers: Layers, *, page: str, regions: LayerChoice, sites: LayerChoice, prop,
                 plants: bool = False, counties: bool = False):
    """A matplotlib Figure (no pyplot, no global state) of one page shape."""
    from matplotlib.figure import Figure

    w, h = PAGE_SIZES[page]
    fig = Figure(figsize=(w, h), facecolor="white")
    if page == "pptx":  # the map alone: title, table and notes are PowerPoint objects
        ax = fig.add_axes((0.005, 0.005, 0.99, 0.99))
        draw_map(ax, spec, layers, prop=prop, regions=regions, sites=sites, scale=1.0, plants=plants, counties=counties)
        return fig
    if page == "slide":
        fig.text(0.025, 0.945, spec.title, fontproperties=prop, fontsize=22, color="#111111", va="top")
        fig.text(0.025, 0.875, spec.subtitle, fontproperties=prop, fontsize=12.5, color="#444444", va="top")
        ax = fig.add_axes((0.025, 0.035, 0.56, 0.80))
        draw_map(ax, spec, layers, prop=prop, regions=regions, sites=sites, plants=plants, counties=counties)
        # a county's name is longer than a city's: its ranking leaves more room to the left
        rank = fig.add_axes((0.76, 0.39, 0.17, 0.43) if spec.ranking_rows else (0.675, 0.39, 0.255, 0.43))
        draw_ranking(rank, spec, prop=prop, size=9 if spec.ranking_rows else 10)
        notes = "\n".join(wrap(n, 64) for n in spec.notes)
        fig.text(0.615, 0.325, notes, fontproperties=prop, fontsize=10, color="#222222", va="top", linespacing=1.45)
        small = "\n".join(wrap(n, 86) for n in (spec.boundary_note, spec.crs_note, spec.date_note))
        fig.text(0.615, 0.045, small, fontproperties=prop, fontsize=8.5, color="#555555", va="bottom",
                 linespacing=1.4)
        return fig
    # A4 portrait
    title = wrap(spec.title, 56)
    extra_lines = title.count("\n")
    fig.text(0.05, 0.965, title, fontproperties=prop, fontsize=17, color="#111111", va="top")
    fig.text(0.05, 0.928 - 0.02 * extra_lines, wrap(spec.subtitle, 90), fontproperties=prop, fontsize=10.5,
             color="#444444", va="top")
    ax = fig.add_axes((0.05, 0.325, 0.90, 0.585 - 0.02 * extra_lines))
    draw_map(ax, spec, layers, prop=prop, regions=regions, sites=sites, scale=0.95, plants=plants,
             counties=counties)
    rank = fig.add_axes((0.25, 0.085, 0.22, 0.205) if spec.ranking_rows else (0.14, 0.085, 0.30, 0.205))
    draw_ranking(rank, spec, prop=prop, size=8 if spec.ranking_rows else 8.5)
    notes = "\n".join(wrap(n, 52) for n in spec.notes)
    fig.text(0.53, 0.29, notes, fontproperties=prop, fontsize=9, color="#222222", va="top", linespacing=1.45)
    small = "\n".join(wrap(n, 118) for n in (spec.boundary_note, spec.crs_note, spec.date_note))
    fig.text(0.05, 0.018, small, fontproperties=prop, fontsize=7.5, color="#555555", va="bottom", linespacing=1.4)
    return fig


def _check_figure_text(fig, font, prop, where: str) -> None:
    """Every text of ``fig`` is set in the export font, by file (tick labels and legends
    made with rcParams included), and the font has a glyph for each of its characters."""
    from matplotlib.text import Text

    texts = fig.findobj(Text)
    for t in texts:
        if t.get_fontproperties().get_file() != prop.get_file():
            t.set_fontproperties(sized(prop, t.get_fontsize()))
    font.check([t.get_text() for t in texts], where=where)


def save_figure(fig, fmt: str, dpi: int, *, title: str, subject: str, keywords: str) -> bytes:
    """``fig`` as PNG/PDF/SVG bytes, with fixed dates (:mod:`geo.core.repro`): the same figure gives the same bytes."""
    from geo.core.repro import export_time

    buf = io.BytesIO()
    meta = None
    if fmt == "pdf":
        meta = {"Title": title, "Subject": subject, "Creator": "lnmap (辽宁减污降碳指标地图)",
                "Keywords": keywords, "CreationDate": export_time(), "ModDate": None}
    elif fmt == "svg":
        meta = {"Title": title, "Description": subject, "Creator": "lnmap", "Date": export_time().date().isoformat(),
                "Keywords": keywords}
    elif fmt == "png":
        meta = {"Title": title, "Source": subject, "Software": "lnmap", "Keywords": keywords}
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=meta)
    return buf.getvalue()


def figure_bytes(make_figure, formats, *, dpi: int, font=None, where: str, title: str, subject: str,
                 keywords: str) -> dict[str, bytes]:
    """Build a figure with ``make_figure(prop)`` in the export font (by file) and save it as each of ``formats``.

    The one place that sets matplotlib up for exports: the lock, the rcParams, the glyph check.
    """
    import matplotlib as mpl

    from geo.core.fonts import export_font, matplotlib_font

    font = font or export_font()
    with _LOCK:
        prop = matplotlib_font(font)
        # No font.family: every text gets the font by file (_check_figure_text); svg.hashsalt fixes
        # the SVG's element ids, which are random otherwise.
        with mpl.rc_context({"pdf.fonttype": 3, "svg.fonttype": "path", "hatch.linewidth": 0.6, "svg.hashsalt": "lnmap",
                             "axes.unicode_minus": True, "pdf.compression": 6}):
            fig = make_figure(prop)
            _check_figure_text(fig, font, prop, where)
            return {f: save_figure(fig, f, dpi, title=title, subject=subject, keywords=keywords) for f in formats}


def render_static_many(spec: MapSpec, layers: Layers, formats, *, page: str = "slide", regions: LayerChoice = False,
                       sites: LayerChoice = False, dpi: int = 300, font=None, plants: bool = False,
                       counties: bool = False) -> dict[str, bytes]:
    """Draw once, save as each of ``formats`` (png, pdf, svg)."""
    if page not in ("slide", "a4", "pptx"):
        raise ExportError(f"unknown page shape {page!r}")
    return figure_bytes(lambda prop: build_figure(spec, layers, page=page, regions=regions, sites=sites, prop=prop,
                                                  plants=plants, counties=counties),
                        formats, dpi=dpi, font=font, where=f"{spec.indicator.id} ({spec.lang})", title=spec.title,
                        subject=spec.source, keywords=spec.command or spec.indicator.id)


def render_static(spec: MapSpec, layers: Layers, fmt: str, *, page: str = "slide", regions: LayerChoice = False,
                  sites: LayerChoice = False, dpi: int = 300, font=None, plants: bool = False,
                  counties: bool = False) -> bytes:
    return render_static_many(spec, layers, [fmt], page=page, regions=regions, sites=sites, dpi=dpi, font=font,
                              plants=plants, counties=counties)[fmt]
