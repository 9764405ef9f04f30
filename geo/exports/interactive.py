"""Standalone interactive HTML map (folium) that opens and draws with no network.

folium's page links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, which
leaves a blank page offline. Here those links are dropped and Leaflet 1.9.4 (from
``geo/vendor/``, see its README) is inlined, with its layer-control images as data
URIs. No tile layer: the basemap is the neighbouring provinces drawn from the
committed boundaries. Chinese text is set in a subset of the export font embedded as
a WOFF data URI (only the characters on the page), so it renders on a machine with
no CJK font too.

Classes and colours are the dashboard's (:func:`geo.core.classify.classes_for`, via the
:class:`~geo.exports.spec.MapSpec`). Each city has a tooltip (name, value, unit) and a
popup with the value's citation and formula, its regions and class.

Totals are drawn as proportional circles when the map type resolves to symbols
(:func:`geo.core.symbols.resolve_map_type`), with the static exports' rule
(:func:`geo.core.symbols.radii`: area ∝ |value|) over a neutral base, and a size legend. The
circles are Leaflet circle markers, sized in screen pixels, so they and the legend keep
one scale at every zoom; they let clicks through to the city underneath.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
from branca.element import Figure

from geo.core.symbols import BASE_COLOUR, NEGATIVE_COLOUR, SYMBOL_COLOUR, radii
from geo.exports.spec import LayerChoice, Layers, MapSpec, T

VENDOR = Path(__file__).resolve().parents[1] / "vendor" / "leaflet-1.9.4"
FONT_FAMILY = "LnmapCJK"
CITY_CLASS = "lnmap-city"
SYMBOL_CLASS = "lnmap-symbol"
#: Where a page's @font-face rule goes (:func:`finish_pages`); Leaflet's script and stylesheet likewise.
FONT_SLOT, _JS_SLOT, _CSS_SLOT = "/*LNMAP_FONT_FACE*/", "/*LNMAP_LEAFLET_JS*/", "/*LNMAP_LEAFLET_CSS*/"
#: Radius of the largest circle in screen pixels: the static maps' 36 km (geo.exports.static.R_MAX)
#: at the zoom the page opens with on a 1280-px-wide screen is about 40 px.
R_MAX_PX = 40.0
# Resources a browser would fetch: scripts, stylesheets, images, CSS urls (links are fine).
_NETWORK = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//""",
                      re.I)


@functools.cache
def _leaflet_assets() -> tuple[str, str]:
    js = (VENDOR / "leaflet.js").read_text(encoding="utf-8")
    css = (VENDOR / "leaflet.css").read_text(encoding="utf-8")
    for name in ("layers.png", "layers-2x.png", "marker-icon.png"):
        data = base64.b64encode((VENDOR / "images" / name).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{data})")
    if "</script" in js.lower():
        raise RuntimeError("leaflet.js contains '</script'; it cannot be inlined as is")
    return js, css


def _font_face(font, text: str) -> str:
    """@font-face rule embedding the export font, subset to the characters of ``text``."""
    from geo.core.fonts import woff_subset

    chars = "".join(sorted(set(text) | set(map(chr, range(0x20, 0x7F)))))
    data = base64.b64encode(woff_subset(font, chars)).decode("ascii")
    return (f"@font-face{{font-family:'{FONT_FAMILY}';src:url(data:font/woff;base64,{data}) format('woff');"
            "font-weight:normal;font-style:normal;}")


def _page_chars(page: str) -> str:
    """Every non-ASCII character of the rendered page, JSON \\u escapes decoded."""
    escaped = {chr(int(h, 16)) for h in set(re.findall(r"\\u([0-9a-fA-F]{4})", page))}
    literal = {ch for ch in set(page) if ord(ch) > 0x7E}
    return "".join(sorted(escaped | literal))


def _geojson(gdf, columns: list[str], decimals: int = 4) -> dict:
    """GeoJSON of ``columns`` with coordinates rounded (4 decimals: about 10 m, below the
    boundaries' simplification tolerance), to keep the page small."""
    import shapely

    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"HTML layers must be EPSG:4326, got {gdf.crs}")
    out = gdf[[*columns, "geometry"]].copy()
    out["geometry"] = shapely.transform(out.geometry.values, lambda xy: np.round(xy, decimals))
    return json.loads(out.to_json(drop_id=True))


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _city_popup(spec: MapSpec, row, region_labels: list[str]) -> str:
    ind = spec.indicator
    lang = spec.lang
    name = row["label"] if spec.level == "county" else T(lang, row["name_zh"], row["name_en"])
    value = row["value_text"] if np.isfinite(row["value"]) else spec.no_data[1]
    cls = row["class"]
    cls_text = T(lang, f"第 {cls} 级（共 {len(spec.legend)} 级）", f"class {cls} of {len(spec.legend)}") \
        if cls is not None and cls == cls else spec.no_data[1]
    parts = [
        f"<div class='lnmap-popup'><b>{_esc(name)}</b> <span class='muted'>{_esc(row['adcode'])}</span>",
        f"<div>{_esc(T(lang, ind.name_zh, ind.name_en))}：<b>{_esc(value)}</b> {_esc(spec.unit)}"
        f" <span class='muted'>({_esc(ind.year)})</span></div>",
        f"<div class='muted'>{_esc(cls_text)}</div>",
        f"<div class='cite'>{_esc(spec.source)}</div>",
    ]
    if spec.formula:
        parts.append(f"<div class='cite'>{_esc(spec.formula)}</div>")
    if spec.footnote:
        parts.append(f"<div class='cite'>{_esc(spec.footnote)}</div>")
    if region_labels:
        joined = ("、" if lang == "zh" else ", ").join(region_labels)
        parts.append(f"<div>{_esc(spec.labels['regions'])}：{_esc(joined)}</div>")
    parts.append("</div>")
    return "".join(parts)


def _add_symbols(m, spec: MapSpec, points: dict[str, tuple[float, float]], *, r_max: float = R_MAX_PX) -> None:
    """Proportional circles at ``points`` (adcode -> lat, lon), largest first (underneath), radius
    ``r_max × √(|value| ÷ vmax)`` pixels (:func:`geo.core.symbols.radii`); a zero or missing value draws none."""
    import folium

    t = spec.table.set_index("adcode")
    codes = [a for a in points if a in t.index and np.isfinite(t.loc[a, "value"])]
    r = dict(zip(codes, radii([t.loc[a, "value"] for a in codes], r_max=r_max, vmax=spec.vmax or None)))
    for a in sorted(codes, key=lambda c: (-r[c], c)):
        if r[a] <= 0:
            continue
        marker = folium.CircleMarker(points[a], radius=round(float(r[a]), 2), color="#ffffff", weight=1,
                                     fill_color=t.loc[a, "colour"], fill_opacity=0.85, class_name=SYMBOL_CLASS)
        marker.options["interactive"] = False  # clicks and hovers reach the city's own popup and tooltip
        marker.add_to(m)


def _size_legend(spec: MapSpec, *, r_max: float = R_MAX_PX) -> str:
    """Nested circles of round values (bottoms aligned) at the map's pixel scale, as inline SVG."""
    if not spec.size_legend:
        return ""
    rs = radii([v for v, _ in spec.size_legend], r_max=r_max, vmax=spec.vmax or None)
    big = float(rs[0])
    w = 2 * big + 10 + 7 * max(len(lbl) for _, lbl in spec.size_legend)
    h = 2 * big + 8  # room above the largest circle for its label
    parts = [f"<svg class='sizes' width='{w:.0f}' height='{h:.0f}' viewBox='0 0 {w:.1f} {h:.1f}'>"]
    for r, (v, lbl) in zip(rs, spec.size_legend):
        top = h - 1 - 2 * r
        parts.append(f"<circle cx='{big + 1:.1f}' cy='{h - 1 - r:.1f}' r='{r:.2f}' data-value='{v:g}' fill='none' "
                     "stroke='#555' stroke-width='0.8'/>")
        parts.append(f"<line x1='{big + 1:.1f}' y1='{top:.1f}' x2='{2 * big + 6:.1f}' y2='{top:.1f}' "
                     "stroke='#888' stroke-width='0.6'/>")
        parts.append(f"<text x='{2 * big + 8:.1f}' y='{top + 4:.1f}' font-size='11' fill='#222'>{_esc(lbl)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _legend_rows(spec: MapSpec) -> str:
    """Class swatches (choropleth) or the size legend (symbols); then the no-data row."""
    nodata_row = (f"<div class='row'><span class='sw nodata' style='background:{spec.no_data[0]}'></span>"
                  f"{_esc(spec.no_data[1])}</div>")
    if spec.map_type != "symbols":
        return "".join(f"<div class='row'><span class='sw' style='background:{c}'></span>{_esc(lbl)}</div>"
                       for c, lbl in spec.legend) + nodata_row
    rows = _size_legend(spec, r_max=R_MAX_PX * spec.symbol_scale)
    values = spec.table["value"]
    if (values < 0).any():
        rows += "".join(f"<div class='row'><span class='sw dot' style='background:{c}'></span>{_esc(spec.labels[k])}</div>"
                        for c, k in ((SYMBOL_COLOUR, "positive"), (NEGATIVE_COLOUR, "negative")))
    if not np.isfinite(values).all():
        rows += nodata_row
    return rows


def page_root(m) -> Figure:
    """The map's page (folium types ``get_root()`` as a bare Element)."""
    root = m.get_root()
    assert isinstance(root, Figure)
    return root


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(page: str) -> str:
    """folium names its elements with random ids (``map_<uuid4 hex>``): number them in the
    order they first appear instead, so the same map gives the same page."""
    ids: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids):032d}"), page)


def render_html(spec: MapSpec, layers: Layers, *, regions: LayerChoice = False, sites: LayerChoice = False, font=None) -> bytes:
    """A self-contained HTML page (UTF-8 bytes) of one indicator."""
    from geo.core.fonts import export_font

    font = font or export_font()
    return finish_pages({"": html_page(spec, layers, regions=regions, sites=sites, font=font)}, font)[""]


class HtmlPage(NamedTuple):
    """A page of :func:`html_page`: its text, and the non-ASCII characters in it (:func:`_page_chars`)."""

    text: str
    chars: str


def finish_pages(pages: dict[str, HtmlPage], font) -> dict[str, bytes]:
    """Pages of :func:`html_page` with their font embedded: one subset of the export font for
    all of them, holding the characters of every page, made once.

    ``lnmap export all`` finishes its pages together: one subset instead of one per page (about
    0.6 s of CPU each), at the price of the other pages' few extra characters in each file.
    """
    chars = "".join(sorted(set().union(*(p.chars for p in pages.values()))))
    face = _font_face(font, chars)
    return {k: p.text.replace(FONT_SLOT, face, 1).encode("utf-8") for k, p in pages.items()}


def html_page(spec: MapSpec, layers: Layers, *, regions: LayerChoice = False, sites: LayerChoice = False,
              font=None) -> HtmlPage:
    """The page of :func:`render_html`, checked (glyphs, no network resource), with the place
    of its ``@font-face`` rule still marked (:data:`FONT_SLOT`, filled by :func:`finish_pages`)."""
    import folium
    from folium.features import GeoJsonPopup, GeoJsonTooltip

    from geo.core.fonts import export_font

    font = font or export_font()
    lang = spec.lang
    cities = layers.cities
    t = spec.table.set_index("adcode")

    m = folium.Map(location=[41.1, 122.4], zoom_start=7, tiles=None, control_scale=True, zoom_snap=0.25,
                   min_zoom=5, max_zoom=12)
    # Drop folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome); Leaflet is inlined below.
    m.default_js = []
    m.default_css = []
    page_root(m).title = spec.title

    bounds = layers.province.total_bounds  # lon/lat
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(10, 10))

    # Context: neighbouring provinces and 辽源, not interactive.
    ctx = layers.context.copy()
    ctx["geometry"] = ctx.geometry.simplify(0.01)  # background only: 1 km is plenty
    ctx["label"] = [spec.labels.get(f"ctx_{a}", n) for a, n in zip(ctx["adcode"], ctx["name_zh"])]
    folium.GeoJson(
        _geojson(ctx, ["adcode", "label"]), name=T(lang, "邻近地区", "Neighbours"),
        style_function=lambda f: {"fillColor": "#f2f2ef", "color": "#b5b5b5", "weight": 1, "fillOpacity": 1,
                                  "interactive": False},
        control=False, interactive=False,
    ).add_to(m)

    # The choropleth: the cities, or the counties (a county map) under the city borders.
    county_level = spec.places == "counties"
    places = layers.counties if county_level and layers.counties is not None else cities
    member_cols = [c for c in places.columns if c.startswith("region_")]
    region_names = spec.region_names
    feats = places[["adcode", "name_zh", "name_en", *member_cols, "geometry"]].copy()
    feats["adcode"] = feats["adcode"].astype(str)
    feats["city"] = [t.loc[a, "label"] if county_level else T(lang, z, e)
                     for a, z, e in zip(feats["adcode"], feats["name_zh"], feats["name_en"])]
    feats["value"] = [t.loc[a, "value_text"] if np.isfinite(t.loc[a, "value"]) else spec.no_data[1]
                      for a in feats["adcode"]]
    feats["unit"] = spec.unit
    symbols = spec.map_type == "symbols"
    feats["colour"] = [BASE_COLOUR if symbols else t.loc[a, "colour"] for a in feats["adcode"]]
    popups = []
    for a, rec in zip(feats["adcode"], feats.to_dict("records")):
        labels = []
        for c in member_cols:
            if rec[c]:
                rid = c.removeprefix("region_")
                partial = spec.labels["partial"] if str(rec[c]).startswith("partial") else ""
                labels.append(region_names.get(rid, rid) + partial)
        row = t.loc[a].to_dict() | {"adcode": a}
        popups.append(_city_popup(spec, row, labels))
    feats["detail"] = popups
    city_layer = folium.GeoJson(
        _geojson(feats, ["adcode", "city", "value", "unit", "colour", "detail"]),
        name=T(lang, "各区县", "Counties") if county_level else T(lang, "各市", "Cities"),
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#ffffff",
                                  "weight": 0.6 if county_level else 1.2, "fillOpacity": 0.9, "className": CITY_CLASS},
        highlight_function=lambda f: {"weight": 3, "color": "#333333"},
        tooltip=GeoJsonTooltip(fields=["city", "value", "unit"], aliases=["", "", ""], labels=False, sticky=True),
        popup=GeoJsonPopup(fields=["detail"], labels=False, max_width=360),
        control=False,
    )
    city_layer.add_to(m)
    if county_level:
        folium.GeoJson(_geojson(cities, []), style_function=lambda f: {
            "fill": False, "color": "#3d3d3d", "weight": 1.4, "interactive": False}, control=False,
            interactive=False).add_to(m)
    folium.GeoJson(_geojson(layers.province, []), style_function=lambda f: {
        "fill": False, "color": "#4d4d4d", "weight": 2, "interactive": False}, control=False,
        interactive=False).add_to(m)

    # Circles (symbols) at the label points, as in the static maps; labels (DivIcons: no image files) above them.
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.exports.static import label_points

    def lat_lon(name: str) -> dict[str, tuple[float, float]]:
        anchors = label_points(layers.projected(name))
        pts = gpd.GeoSeries([Point(xy) for xy in anchors.values()], crs=layers.projected(name).crs).to_crs(4326)
        return {a: (pt.y, pt.x) for a, pt in zip(anchors, pts)}

    city_pts = lat_lon("cities")
    if symbols:
        _add_symbols(m, spec, lat_lon(spec.places) if county_level else city_pts, r_max=R_MAX_PX * spec.symbol_scale)
    for adcode, (lat, lon) in city_pts.items():
        text = (_esc(spec.labels[f"city_{adcode}"]) if county_level else
                f"{_esc(t.loc[adcode, 'label'])}<br><small>{_esc(t.loc[adcode, 'value_text'])}</small>")
        folium.Marker([lat, lon], icon=folium.DivIcon(html=f"<div class='lnmap-label'>{text}</div>",
                                                        icon_size=(90, 34), icon_anchor=(45, 17)),
                      interactive=False).add_to(m)

    # Region outlines and sites, as layers the reader can switch.
    from geo.exports.static import REGION_COLOURS, SITE_MARKERS, selected  # noqa: F401 - same colours as the print map

    outlines = layers.regions
    for rid, name in region_names.items():
        sub = outlines[outlines.region_id == rid]
        if not len(sub):
            continue
        fg = folium.FeatureGroup(name=T(lang, "区域：", "Region: ") + name, show=selected(regions, rid))
        data = _geojson(sub.assign(label=name, geometry=sub.geometry.simplify(0.002)), ["label", "membership"])
        colour = REGION_COLOURS.get(rid, "#333")
        folium.GeoJson(data, style_function=lambda f, c=colour: {
            "fill": False, "color": c, "weight": 3,
            "dashArray": None if f["properties"]["membership"] == "full" else "6 4"},
            tooltip=GeoJsonTooltip(fields=["label", "membership"], labels=False)).add_to(fg)
        fg.add_to(m)
    fg_sites = folium.FeatureGroup(name=spec.labels["sites"], show=bool(sites))
    st = layers.sites.copy()
    st["name"] = [T(lang, z, e) for z, e in zip(st["name_zh"], st["name_en"])]
    st["kind_label"] = [spec.site_kinds.get(k, k) for k in st["kind"]]
    st["detail"] = [
        f"<div class='lnmap-popup'><b>{_esc(n)}</b><div>{_esc(k)}</div>"
        f"<div class='cite'>{_esc(T(lang, '文件：', 'Named in: '))}{_esc(r.named_in)}</div>"
        f"<div class='cite'>{_esc(T(lang, '坐标来源：', 'Coordinate source: '))}{_esc(r.coordinate_source)}"
        f" ({_esc(r.precision)})</div></div>"
        for n, k, r in zip(st["name"], st["kind_label"], st.itertuples())
    ]
    # GeoJsonPopup/Tooltip need no jQuery (folium.Popup does).
    folium.GeoJson(
        _geojson(st, ["name", "kind_label", "detail"], decimals=5),
        marker=folium.CircleMarker(radius=5, color="#ffffff", weight=1.2, fill=True, fill_color="#222222",
                                   fill_opacity=0.95),
        tooltip=GeoJsonTooltip(fields=["name", "kind_label"], labels=False),
        popup=GeoJsonPopup(fields=["detail"], labels=False, max_width=320),
    ).add_to(fg_sites)
    fg_sites.add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)

    # Title, legend, notes.
    legend_rows = _legend_rows(spec)
    notes = "".join(f"<div>{_esc(n)}</div>" for n in spec.notes)
    small = "".join(f"<div>{_esc(n)}</div>" for n in (spec.boundary_note, spec.crs_note, spec.date_note))
    overlay = f"""
<div class="lnmap-box lnmap-title"><h1>{_esc(spec.title)}</h1><div class="muted">{_esc(spec.subtitle)}</div></div>
<div class="lnmap-box lnmap-legend"><div class="lt">{_esc(spec.legend_title)}</div>{legend_rows}</div>
<div class="lnmap-box lnmap-notes">{notes}<div class="small">{small}</div></div>
"""
    page_root(m).html.add_child(folium.Element(overlay))

    js, css = _leaflet_assets()
    style = f"""
html, body {{ font-family: '{FONT_FAMILY}', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif; }}
.leaflet-container {{ background: #eef4f8; font-family: inherit; }}
.lnmap-box {{ position: fixed; z-index: 1000; background: rgba(255,255,255,0.93); border: 1px solid #aaa;
  border-radius: 4px; padding: 6px 10px; font-size: 12px; color: #222; }}
.lnmap-title {{ top: 10px; left: 55px; max-width: 60%; }}
.lnmap-title h1 {{ font-size: 18px; margin: 0 0 2px 0; }}
.lnmap-legend {{ bottom: 30px; right: 10px; }}
.lnmap-legend .lt {{ font-weight: bold; margin-bottom: 4px; white-space: pre-line; }}
.lnmap-legend .row {{ line-height: 20px; }}
.lnmap-legend .sw {{ display: inline-block; width: 22px; height: 13px; margin-right: 6px; vertical-align: -2px;
  border: 1px solid #999; }}
.lnmap-legend .dot {{ width: 13px; border-radius: 50%; }}
.lnmap-legend svg.sizes {{ display: block; font-family: inherit; }}
.lnmap-legend .nodata {{ background-image: repeating-linear-gradient(45deg, transparent 0 3px, #999 3px 4px) !important; }}
.lnmap-notes {{ bottom: 62px; left: 10px; max-width: 52%; font-size: 11px; }}
.lnmap-notes .small {{ color: #666; font-size: 10px; margin-top: 3px; }}
.lnmap-label {{ text-align: center; font-size: 12px; line-height: 13px; color: #111; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; white-space: nowrap; }}
.lnmap-label small {{ font-size: 10px; color: #333; }}
.lnmap-popup {{ font-size: 12px; line-height: 1.45; }}
path.leaflet-interactive:focus {{ outline: none; }}
.lnmap-popup .muted, .lnmap-box .muted {{ color: #666; }}
.lnmap-popup .cite {{ color: #444; font-size: 11px; margin-top: 2px; }}
"""
    root = page_root(m)
    # Leaflet goes in after rendering: as a template, its 150 KB would be parsed by jinja on every page.
    root.header.add_child(folium.Element(f"<style>{_CSS_SLOT}</style>"), name="leaflet_css_inline", index=0)
    root.header.add_child(folium.Element(f"<script>{_JS_SLOT}</script>"), name="leaflet_js_inline", index=1)
    root.header.add_child(folium.Element(f"<style>{style}{FONT_SLOT}</style>"), name="lnmap_style")
    # The command line that writes this page again (geo.exports.spec.reproduce_command).
    root.header.add_child(folium.Element(f'<meta name="keywords" content="{_esc(spec.reproduce)}">'), name="lnmap_command")
    # Markers get a DivIcon at once; the default image icon they start with would be fetched from disk.
    js += "\nL.Marker.prototype.options.icon = L.divIcon({className: 'lnmap-noicon', html: ''});"
    page = _stable_ids(root.render().replace(_CSS_SLOT, css, 1).replace(_JS_SLOT, js, 1))
    chars = _page_chars(page)
    font.check([chars], where=f"{spec.indicator.id} ({lang}) html")
    if "$(`" in page or "jQuery" in page:
        raise RuntimeError("the HTML export uses jQuery, which is not inlined")
    if _NETWORK.search(page):
        raise RuntimeError("the HTML export still links a network resource")
    return HtmlPage(page, chars)
