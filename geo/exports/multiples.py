"""Small multiples: one measure for COD, NH3-N, SO2 and NOx side by side, in one figure.

``lnmap export multiples --measure emission_2015_t --format pdf``. The measure is an
indicator id without its pollutant prefix. Totals are proportional circles, rates
choropleths (as :func:`geo.core.symbols.resolve_map_type`); ``classes="shared"`` puts the four
maps on one scale (one circle size per tonne, or one set of class breaks), ``separate``
gives each map its own scale and legend.
"""

from __future__ import annotations

import numpy as np

from geo.core.classify import DEFAULT_SCHEME, classes_for
from geo.exports.spec import ExportError, Layers, MapSpec, T, class_labels, decimals_for, load_layers, map_spec
from geo.measures.catalogue import BY_ID, POLLUTANTS

MULTIPLES_FORMATS = ("png", "pdf", "svg", "pptx")
CLASS_MODES = ("shared", "separate")
SIZE = (40 / 3, 7.5)
R_PANEL = 48_000.0  # radius (m) of the largest circle in a panel


def indicator_ids(measure: str) -> list[str]:
    ids = [f"{p}_{measure}" for p in POLLUTANTS]
    missing = [i for i in ids if i not in BY_ID]
    if missing:
        raise ExportError(f"no indicator {', '.join(missing)}: the measure {measure!r} is not one of the four "
                          "pollutants' (e.g. emission_2015_t, cap_2020_t, cut_target_pct)")
    return ids


def multiple_specs(measure: str, layers: Layers, *, lang: str = "zh", classes: str = "shared",
                   scheme: str = DEFAULT_SCHEME, map_type: str = "auto") -> list[MapSpec]:
    """One :class:`MapSpec` per pollutant; ``shared`` gives them one scale."""
    if classes not in CLASS_MODES:
        raise ExportError(f"unknown classes {classes!r}; expected shared or separate")
    ids = indicator_ids(measure)
    specs = [map_spec(i, layers, lang=lang, scheme=scheme, map_type=map_type) for i in ids]
    if classes == "separate":
        return specs
    values = np.concatenate([s.table["value"].to_numpy(dtype=float) for s in specs])
    if specs[0].map_type == "symbols":
        vmax = float(np.nanmax(np.abs(values)))
        return [map_spec(i, layers, lang=lang, scheme=scheme, map_type=map_type, vmax=vmax) for i in ids]
    shared = classes_for(BY_ID[ids[0]], values, scheme)
    d = decimals_for([*values, *shared.bounds])
    labels = class_labels(shared, values, d)
    for s in specs:
        s.classes = shared
        s.legend = list(zip(shared.colours, labels))
        s.table["colour"] = [shared.colour(v) for v in s.table["value"]]
    return specs


def _panel(ax, spec: MapSpec, layers: Layers, *, prop, legend: bool, title: str) -> None:
    from matplotlib.patches import Patch

    from geo.core.symbols import BASE_COLOUR
    from geo.exports.static import (
        EXTENT,
        draw_size_legend,
        draw_symbols,
        label_points,
        sized,
    )

    cities = layers.projected("cities")
    x0, y0, x1, y1 = EXTENT
    ax.set_xlim(x0 + 60_000, x1 - 20_000)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_facecolor("#eef4f8")
    ax.set_xticks([])
    ax.set_yticks([])
    layers.projected("context").plot(ax=ax, facecolor="#f2f2ef", edgecolor="#c8c8c8", linewidth=0.4)
    t = spec.table.set_index("adcode")
    symbols = spec.map_type == "symbols"
    colours = [BASE_COLOUR if symbols else t.loc[a, "colour"] for a in cities["adcode"].astype(str)]
    cities.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.6, zorder=3)
    layers.projected("province").boundary.plot(ax=ax, color="#4d4d4d", linewidth=0.9, zorder=4)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, fontproperties=sized(prop, 13), loc="left", color="#111111")
    if symbols:
        draw_symbols(ax, spec, label_points(cities), r_max=R_PANEL)
        if legend:
            draw_size_legend(ax, spec, prop=prop, r_max=R_PANEL, loc="lower right", size=9, title=False)
    elif legend:
        handles = [Patch(facecolor=c, edgecolor="#9a9a9a", linewidth=0.5, label=lbl) for c, lbl in spec.legend]
        leg = ax.legend(handles=handles, loc="lower right", prop=sized(prop, 7), frameon=True, framealpha=0.92,
                        handlelength=1.2, borderpad=0.4, labelspacing=0.25)
        leg.set_zorder(40)


def build_multiples_figure(specs: list[MapSpec], layers: Layers, *, prop, classes: str):
    from matplotlib.figure import Figure

    from geo.exports.static import sized, wrap

    lang = specs[0].lang
    ind = specs[0].indicator
    fig = Figure(figsize=SIZE, facecolor="white")
    pollutant = T(lang, POLLUTANTS[ind.group][0], POLLUTANTS[ind.group][1])
    measure_name = T(lang, ind.name_zh, ind.name_en).replace(pollutant, "").strip()
    title = T(lang, f"辽宁省各市主要污染物：{measure_name}", f"Liaoning cities, four pollutants: {measure_name}")
    fig.text(0.025, 0.95, title, fontproperties=sized(prop, 20), color="#111111", va="top")
    scale = T(lang, "四图同一比例" if classes == "shared" else "各图比例不同",
              "one scale for all four maps" if classes == "shared" else "each map has its own scale")
    fig.text(0.025, 0.885, f"{specs[0].subtitle.split('　分级')[0].split(' · Classes')[0]}{T(lang, '　', ' · ')}{scale}",
             fontproperties=sized(prop, 11.5), color="#444444", va="top")
    w = 0.235
    for k, spec in enumerate(specs):
        ax = fig.add_axes((0.02 + k * (w + 0.01), 0.2, w, 0.63))
        zh, en = POLLUTANTS[spec.indicator.group]
        _panel(ax, spec, layers, prop=prop, legend=classes == "separate" or k == len(specs) - 1,
               title=T(lang, f"{zh}（{en}）", en))
    src = T(lang, "资料来源：", "Source: ") + _joint_source([s.source for s in specs], T(lang, "；", "; "))
    foot = [src, specs[0].formula.replace(T(lang, POLLUTANTS["cod"][0], "COD"), T(lang, "各污染物", "each pollutant's"))
            if specs[0].formula else "", next((s.footnote for s in specs if s.footnote), "")]
    fig.text(0.025, 0.16, "\n".join(wrap(t, 200) for t in foot if t), fontproperties=sized(prop, 9), color="#222222",
             va="top", linespacing=1.4)
    fig.text(0.025, 0.02, T(lang, "　", " · ").join([specs[0].boundary_note, specs[0].crs_note, specs[0].date_note]),
             fontproperties=sized(prop, 7.5), color="#555555", va="bottom")
    return fig, title


def _joint_source(sources: list[str], sep: str) -> str:
    """The four panels' source lines as one, each citation once: those of one panel in panel order, then
    those every panel shares (a density's city-area source) at the end."""
    lists = [s.split("：", 1)[-1].split(": ", 1)[-1].split(sep) for s in sources]
    shared = [p for p in lists[0] if all(p in other for other in lists[1:])] if len(lists) > 1 else []
    own = [p for parts in lists for p in parts if p not in shared]
    return sep.join(dict.fromkeys([*own, *shared]))


def render_multiples(measure: str, fmt: str, *, lang: str = "zh", classes: str = "shared",
                     scheme: str = DEFAULT_SCHEME, map_type: str = "auto", dpi: int = 200, layers: Layers | None = None,
                     settings=None, observed=None, font=None) -> bytes:
    """The four pollutants' maps of one measure as ``png``, ``pdf``, ``svg`` or ``pptx`` bytes."""
    from geo.core.fonts import export_font
    from geo.exports.static import figure_bytes

    if fmt not in MULTIPLES_FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(MULTIPLES_FORMATS)}")
    if lang not in ("zh", "en"):
        raise ExportError(f"unknown language {lang!r}; expected zh or en")
    layers = layers or load_layers(settings, observed)
    specs = multiple_specs(measure, layers, lang=lang, classes=classes, scheme=scheme, map_type=map_type)
    font = font or export_font()
    for s in specs:
        font.check(s.texts(), where=f"multiples {measure} ({lang})")
    holder: dict = {}

    def make(prop):
        fig, holder["title"] = build_multiples_figure(specs, layers, prop=prop, classes=classes)
        return fig

    pic_fmt = "png" if fmt == "pptx" else fmt
    data = figure_bytes(make, [pic_fmt], dpi=dpi, font=font, where=f"multiples {measure} ({lang})",
                        title=f"{measure} ({lang})", subject=specs[0].source, keywords=measure)[pic_fmt]
    if fmt != "pptx":
        return data
    from geo.exports.slides import picture_deck

    return picture_deck(data, holder["title"], [s.source for s in specs],
                        f"lnmap export multiples --measure {measure} --lang {lang} --classes {classes}", font.family)


def multiples_file_name(measure: str, fmt: str, lang: str, classes: str = "shared") -> str:
    return f"multiples_{measure}_{classes}_{lang}.{fmt}"
