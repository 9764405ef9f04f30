"""QGIS (QML) and OGC (SLD 1.1) styles of the exported GIS layers.

The city style is a graduated renderer on one indicator field with the classes,
colours, legend labels and no-data grey of :class:`geo.exports.spec.MapSpec` (the same
classes as the dashboard and the static exports). QGIS does not draw a feature
whose value falls in no range, so the renderer classifies
``coalesce("field", NO_DATA_SENTINEL)`` and a last range holds the sentinel: cities
without a value are drawn grey and the legend shows "无数据" as the dashboard does.

Region outlines and site markers get small categorized styles so a GeoPackage
opens looking like the briefing maps.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from geo.places.regions import REGION_COLOURS

#: What a missing value is classified as: far below any value, so no data class catches it.
NO_DATA_SENTINEL = -1e308
CITY_OUTLINE = "#ffffff"
#: QGIS marker shapes per site kind (the briefing maps' matplotlib markers: ^ s o D * P h).
SITE_SHAPES = {"park": "triangle", "mine": "square", "port": "circle", "steel": "diamond", "nuclear": "star",
               "airport": "cross_fill", "reserve": "hexagon"}
SITE_COLOUR = "#222222"
QGIS_VERSION = "3.22.0"


@dataclass(frozen=True)
class ClassStyle:
    """A graduated style: the field, its class ranges (lower, upper, colour, label) and the no-data class."""

    name: str  # style name, e.g. "COD 2015年排放量 (quantiles)"
    field: str  # the field classified (the file's own field name)
    ranges: list[tuple[float, float, str, str]]
    no_data: tuple[str, str]  # (colour, label)
    title: str  # legend title


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _options(parent: ET.Element, props: dict[str, str]) -> None:
    opt = ET.SubElement(parent, "Option", type="Map")
    for k, v in props.items():
        ET.SubElement(opt, "Option", name=k, type="QString", value=v)
    for k, v in props.items():
        ET.SubElement(parent, "prop", k=k, v=v)


def _fill_symbol(parent: ET.Element, name: str, fill: str | None, outline: str, width: str,
                 line_style: str = "solid") -> None:
    sym = ET.SubElement(parent, "symbol", name=name, type="fill", alpha="1", clip_to_extent="1", force_rhr="0")
    layer = ET.SubElement(sym, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
    _options(layer, {"color": _rgba(fill) if fill else "0,0,0,0", "style": "solid" if fill else "no",
                     "outline_color": _rgba(outline), "outline_style": line_style, "outline_width": width,
                     "outline_width_unit": "MM", "joinstyle": "round"})


def _marker_symbol(parent: ET.Element, name: str, shape: str) -> None:
    sym = ET.SubElement(parent, "symbol", name=name, type="marker", alpha="1", clip_to_extent="1", force_rhr="0")
    layer = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
    _options(layer, {"name": shape, "color": _rgba(SITE_COLOUR), "outline_color": _rgba("#ffffff"),
                     "outline_width": "0.3", "outline_width_unit": "MM", "size": "2.6", "size_unit": "MM"})


def _qgis_root() -> ET.Element:
    return ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Fields|Legend")


def _aliases(root: ET.Element, fields: list[str], aliases: dict[str, str]) -> None:
    el = ET.SubElement(root, "aliases")
    for i, f in enumerate(fields):
        ET.SubElement(el, "alias", field=f, index=str(i), name=aliases.get(f, ""))


def _qml_text(root: ET.Element) -> str:
    ET.indent(root, " ")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode") + "\n"


def graduated_qml(style: ClassStyle, fields: list[str], aliases: dict[str, str]) -> str:
    """QML of the city layer: graduated colours on ``style.field``, plus the field aliases."""
    root = _qgis_root()
    r = ET.SubElement(root, "renderer-v2", type="graduatedSymbol", attr=f'coalesce("{style.field}", {NO_DATA_SENTINEL!r})',
                      graduatedMethod="GraduatedColor", symbollevels="0", enableorderby="0", forceraster="0",
                      referencescale="-1")
    ranges, symbols = ET.SubElement(r, "ranges"), ET.SubElement(r, "symbols")
    all_ranges = [*style.ranges, (NO_DATA_SENTINEL, NO_DATA_SENTINEL, *style.no_data)]
    for i, (lower, upper, colour, label) in enumerate(all_ranges):
        ET.SubElement(ranges, "range", symbol=str(i), lower=repr(float(lower)), upper=repr(float(upper)),
                      label=label, render="true")
        _fill_symbol(symbols, str(i), colour, CITY_OUTLINE, "0.3")
    ET.SubElement(root, "legend", type="default-vector", showLabelLegend="0")
    _aliases(root, fields, aliases)
    ET.SubElement(root, "layerGeometryType").text = "2"
    return _qml_text(root)


def _categorized_qml(attr: str, categories: list[tuple[str, str]], symbol, fields: list[str],
                     aliases: dict[str, str], geometry_type: str) -> str:
    root = _qgis_root()
    r = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr=attr, symbollevels="0",
                      enableorderby="0", forceraster="0", referencescale="-1")
    cats, symbols = ET.SubElement(r, "categories"), ET.SubElement(r, "symbols")
    for i, (value, label) in enumerate(categories):
        ET.SubElement(cats, "category", symbol=str(i), value=value, label=label, render="true")
        symbol(symbols, str(i), value)
    _aliases(root, fields, aliases)
    ET.SubElement(root, "layerGeometryType").text = geometry_type
    return _qml_text(root)


def regions_qml(labels: dict[str, str], fields: list[str], aliases: dict[str, str]) -> str:
    """Region outlines in the briefing maps' colours (dashed: partial members)."""
    cats = [(f"{rid}|{m}", labels[rid] + ("" if m == "full" else f" ({m})"))
            for rid in labels for m in ("full", "partial")]
    def sym(parent, name, value):
        rid, membership = value.split("|")
        _fill_symbol(parent, name, None, REGION_COLOURS.get(rid, "#333333"), "0.8" if membership == "full" else "0.5",
                     "solid" if membership == "full" else "dash")
    return _categorized_qml("region_id || '|' || membership", cats, sym, fields, aliases, "2")


def sites_qml(labels: dict[str, str], fields: list[str], aliases: dict[str, str]) -> str:
    """Site markers by kind (park, mine, port …), the briefing maps' shapes."""
    def sym(parent, name, value):
        _marker_symbol(parent, name, SITE_SHAPES.get(value, "circle"))
    return _categorized_qml("kind", list(labels.items()), sym, fields, aliases, "0")


# --------------------------------------------------------------------------- SLD

_SLD_NS = {"": "http://www.opengis.net/sld", "ogc": "http://www.opengis.net/ogc", "se": "http://www.opengis.net/se",
           "xlink": "http://www.w3.org/1999/xlink", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}


def _q(prefix: str, tag: str) -> str:
    return f"{{{_SLD_NS[prefix]}}}{tag}"


def _compare(parent: ET.Element, op: str, field: str, value: float) -> None:
    el = ET.SubElement(parent, _q("ogc", op))
    ET.SubElement(el, _q("ogc", "PropertyName")).text = field
    ET.SubElement(el, _q("ogc", "Literal")).text = repr(float(value))


def _sld_rule(style_el: ET.Element, label: str, colour: str) -> ET.Element:
    rule = ET.SubElement(style_el, _q("se", "Rule"))
    ET.SubElement(rule, _q("se", "Name")).text = label
    desc = ET.SubElement(rule, _q("se", "Description"))
    ET.SubElement(desc, _q("se", "Title")).text = label
    flt = ET.SubElement(rule, _q("ogc", "Filter"))  # the schema wants the filter before the symbolizer
    sym = ET.SubElement(rule, _q("se", "PolygonSymbolizer"))
    fill = ET.SubElement(sym, _q("se", "Fill"))
    ET.SubElement(fill, _q("se", "SvgParameter"), name="fill").text = colour
    stroke = ET.SubElement(sym, _q("se", "Stroke"))
    ET.SubElement(stroke, _q("se", "SvgParameter"), name="stroke").text = CITY_OUTLINE
    ET.SubElement(stroke, _q("se", "SvgParameter"), name="stroke-width").text = "1"
    ET.SubElement(stroke, _q("se", "SvgParameter"), name="stroke-linejoin").text = "round"
    return flt


def graduated_sld(style: ClassStyle, layer_name: str) -> str:
    """The same classes as an SLD 1.1 (Symbology Encoding) document: one rule per class and one for no data."""
    for prefix, uri in _SLD_NS.items():
        ET.register_namespace(prefix, uri)
    root = ET.Element(_q("", "StyledLayerDescriptor"), {
        "version": "1.1.0",
        _q("xsi", "schemaLocation"): "http://www.opengis.net/sld "
                                      "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"})
    named = ET.SubElement(root, _q("", "NamedLayer"))
    ET.SubElement(named, _q("se", "Name")).text = layer_name
    user = ET.SubElement(named, _q("", "UserStyle"))
    ET.SubElement(user, _q("se", "Name")).text = style.name
    desc = ET.SubElement(user, _q("se", "Description"))
    ET.SubElement(desc, _q("se", "Title")).text = style.title
    fts = ET.SubElement(user, _q("se", "FeatureTypeStyle"))
    for i, (lower, upper, colour, label) in enumerate(style.ranges):
        both = ET.SubElement(_sld_rule(fts, label, colour), _q("ogc", "And"))
        _compare(both, "PropertyIsGreaterThanOrEqualTo" if i == 0 else "PropertyIsGreaterThan", style.field, lower)
        _compare(both, "PropertyIsLessThanOrEqualTo", style.field, upper)
    colour, label = style.no_data
    null = ET.SubElement(_sld_rule(fts, label, colour), _q("ogc", "PropertyIsNull"))
    ET.SubElement(null, _q("ogc", "PropertyName")).text = style.field
    ET.indent(root, " ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
