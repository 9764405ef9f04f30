"""One-page city profiles (A4): every target of a city with its rank, share, formula and citation.

``lnmap export city --city 沈阳 --format pdf`` (any spelling the gazetteer knows; ``all``
for the 14). The page holds a locator map (the province, the city highlighted, its
counties and power plants), every annex and derived target of the city (value, unit,
year(s), rank among the 14 — 1 = largest —, share of the 14 cities' sum for totals, the
citation; derived measures point to their formula in words), the city's regions
(full/partial), designations and sites, its coal-fired capacity (WRI Global Power Plant
Database), and the observed progress when an observed dataset is active: a line per pollutant
observed in 2020, and a small chart per pollutant the dataset has for the city (the 2015
baseline, the straight path to the 2020 cap, the cap, the observed years; :func:`trajectory_rows`).

PDF/PNG come from matplotlib (text stays text in the PDF); PPTX is one A4 slide with the
locator as a picture and the rest as editable text and a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.core.provenance import DOCUMENTS, QUOTA_DOC
from geo.core.symbols import is_total
from geo.core.vocabulary import t as term
from geo.exports.spec import ExportError, Layers, T, citation_text, fmt_number, formula_text, short_name
from geo.measures.catalogue import BY_ID, CATALOGUE, POLLUTANTS, is_density

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.measures.view import ViewData

PROFILE_FORMATS = ("pdf", "png", "pptx")
A4 = (8.27, 11.69)
GROUP_NAMES = {"energy": ("能源消费", "Energy use"), **POLLUTANTS}
#: Formula markers for the derived measures (in catalogue order).
MARKERS = "①②③④⑤⑥"
_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
ACCENT = "#c2562c"


def _numeral(text: str) -> str:
    """一 … 九十九 as Arabic digits."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str((_NUMERALS.get(tens, 1)) * 10 + _NUMERALS.get(ones, 0))
    return str(_NUMERALS.get(text, text))


def clause_en(citation: str) -> str:
    """``辽环发〔2023〕39号 三(七)`` -> ``辽环发〔2023〕39号, clause 3(7)`` (document numbers stay as issued)."""
    def sub(m: re.Match) -> str:
        out = f"clause {_numeral(m['top'])}"
        return out + (f"({_numeral(m['sub'])})" if m["sub"] else "")

    text = re.sub(r"(?<=\s)(?P<top>[一二三四五六七八九十]+)(?:\((?P<sub>[一二三四五六七八九十]+)\))?$", sub, citation)
    return text.replace(" clause", ", clause")


def precise(value: float) -> str:
    """The value at the annexes' printed precision: up to two decimals, no trailing zeros."""
    if value is None or not np.isfinite(value):
        return "—"
    for d in range(3):
        if abs(round(value, d) - value) < 1e-9:
            return fmt_number(value, d)
    return fmt_number(value, 2)


@dataclass
class ProfileRow:
    label: str
    value: str
    unit: str
    year: str
    rank: str
    share: str
    cite: str
    indicator_id: str = ""


@dataclass
class ProfileTrajectory:
    """One pollutant's year-by-year chart (:func:`geo.measures.observed.trajectory` rows) and the table under it."""

    pollutant: str
    title: str  # the pollutant and the unit
    points: list[dict]
    rows: list[list[str]]  # year, path, observed, ahead of the path: the observed years, as printed
    more: str = ""  # "… and n more years" when the table holds only the latest


@dataclass
class Profile:
    """What a city's page shows, in one language."""

    adcode: str
    lang: str
    title: str
    subtitle: str
    headers: list[str]
    groups: list[tuple[str, list[ProfileRow]]]
    formulas: list[str]
    blocks: list[tuple[str, list[str]]]  # (heading, lines): regions, designations, sites, plants, progress
    notes: list[str]
    small_print: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    trajectories: list[ProfileTrajectory] = field(default_factory=list)

    def texts(self) -> list[str]:
        out = [self.title, self.subtitle, *self.headers, *self.formulas, *self.notes, *self.small_print,
               *self.labels.values()]
        for tr in self.trajectories:
            out += [tr.title, tr.more, *(cell for row in tr.rows for cell in row)]
        for head, rows in self.groups:
            out.append(head)
            for r in rows:
                out += [r.label, r.value, r.unit, r.year, r.rank, r.share, r.cite]
        for head, lines in self.blocks:
            out += [head, *lines]
        return [t for t in out if t]


@dataclass
class ProfileData:
    """Everything the profiles draw, loaded once (a worker of ``export all`` loads it once)."""

    layers: Layers
    view: ViewData
    plants: pd.DataFrame
    counties: gpd.GeoDataFrame  # the counties, EPSG:4326


def load_profile_data(settings=None, observed: pd.DataFrame | None = None, layers: Layers | None = None) -> ProfileData:
    from geo.exports.spec import load_layers
    from geo.measures.view import load_view_data
    from geo.places.boundaries import load_layer
    from geo.places.power_plants import load_power_plants

    layers = layers or load_layers(settings, observed)
    return ProfileData(layers=layers, view=load_view_data(settings, observed=observed),
                       plants=load_power_plants(settings), counties=load_layer("counties", settings))


def resolve_city(name: str, settings=None) -> str:
    """The adcode of a Liaoning city in any spelling the gazetteer knows."""
    from geo.core.errors import GazetteerError
    from geo.places.gazetteer import get_gazetteer

    try:
        place = get_gazetteer(settings).resolve(name, level="city")
    except GazetteerError as exc:
        raise ExportError(str(exc.problems[0])) from None
    if not place.in_liaoning:
        raise ExportError(f"{name!r} is {place.name_zh} ({place.province_zh}), not a Liaoning city")
    return place.adcode


def _rank(values: np.ndarray, v: float) -> int:
    """1 = largest; ties share the better rank."""
    return int(np.sum(values[np.isfinite(values)] > v + 1e-9)) + 1


def _short_cite(source: str, lang: str) -> str:
    """The citation without the document number (named once in the group heading)."""
    text = citation_text(source, lang)
    for doc in sorted((d.number for d in DOCUMENTS), key=len, reverse=True):
        text = text.replace(doc + ", ", "").replace(doc + " ", "").replace(doc, "")
    text = text.strip(" ,;；")
    return text if lang == "zh" else text.replace("columns", "cols").replace("column", "col.").replace(" and ", ", ")


def _generic_formula(indicator_id: str, lang: str) -> str:
    """The formula of a per-pollutant derived measure in words, without the pollutant's name."""
    ind = BY_ID["cod_" + indicator_id.split("_", 1)[1]]
    text = formula_text(ind, lang)
    return text.replace(T(lang, "化学需氧量 ", "COD "), "")


def _targets(adcode: str, data: ProfileData, lang: str) -> tuple[list[tuple[str, list[ProfileRow]]], list[str]]:
    cities = data.layers.cities
    row = cities[cities["adcode"].astype(str) == adcode].iloc[0]
    n = len(cities)
    markers: dict[str, str] = {}
    formulas: list[str] = []
    groups = []
    for group, (zh, en) in GROUP_NAMES.items():
        # The targets and what they imply; per-area densities restate totals already listed.
        inds = [i for i in CATALOGUE if i.group == group and i.kind in ("annex", "derived") and i.id in cities
                and not is_density(i)]
        if not inds:
            continue
        annex = inds[0].annex
        rows = []
        for ind in inds:
            values = pd.to_numeric(cities[ind.id], errors="coerce").to_numpy(dtype=float)
            v = float(row[ind.id]) if pd.notna(row[ind.id]) else np.nan
            rank = f"{_rank(values, v)}/{n}" if np.isfinite(v) else "—"
            share = ""
            if is_total(ind) and np.isfinite(v) and (values[np.isfinite(values)] >= 0).all() and np.nansum(values) > 0:
                share = f"{v / np.nansum(values) * 100:.1f}%"
            label = T(lang, ind.name_zh, ind.name_en)
            if group in POLLUTANTS:  # the group heading names the pollutant
                label = label.replace(T(lang, f"{zh} ", f"{en} "), "", 1)
            mark = ""
            if ind.formula:
                if ind.measure not in markers:
                    markers[ind.measure] = MARKERS[len(markers)]
                    words = _generic_formula(ind.id, lang) if group in POLLUTANTS else formula_text(ind, lang)
                    formulas.append(f"{markers[ind.measure]} {words}")
                mark = markers[ind.measure]
            year = ind.year if not ind.base_year else f"{ind.base_year}→{ind.year}"
            rows.append(ProfileRow(f"{label}{mark}", precise(v), T(lang, ind.unit_zh, ind.unit_en), year, rank, share,
                                   _short_cite(ind.source, lang), ind.id))
        head = T(lang, f"{zh}（{QUOTA_DOC.number} 附件{annex}）", f"{en} ({QUOTA_DOC.number}, annex {annex})")
        groups.append((head, rows))
    return groups, formulas


def _blocks(adcode: str, data: ProfileData, lang: str) -> list[tuple[str, list[str]]]:
    from geo.measures.view import city_designations, city_progress, city_regions, city_sites
    from geo.places.sites import KINDS

    cite = (lambda c: c) if lang == "zh" else clause_en
    member = {True: T(lang, "（部分）", " (partial)"), False: T(lang, "（全部）", " (full)")}
    regions = [f"{T(lang, r['name_zh'], r['name_en'])}{member[bool(r['partial'])]} — {cite(r['citation'])}"
               for r in city_regions(data.view, adcode)]
    desig = []
    for d in city_designations(data.view, adcode):
        where = "" if d["level"] == "city" else T(lang, f"（{d['place_zh']}）", f" ({d['place_en']})")
        desig.append(f"{T(lang, d['name_zh'], d['name_en'])}{where} — {cite(d['citation'])}")
    by_kind: dict[str, list[str]] = {}
    for s in city_sites(data.view, adcode):
        name = T(lang, s["name_zh"], s["name_en"]) + ("" if s["placed"] else T(lang, "（未定位）", " (not placed)"))
        by_kind.setdefault(s["kind"], []).append(name)
    sites = [f"{T(lang, *KINDS[k])}：{'、'.join(v)}" if lang == "zh" else f"{KINDS[k][1]}: {'; '.join(v)}"
             for k, v in by_kind.items()]
    none = T(lang, "无", "none")
    blocks = [
        (T(lang, "所属区域（辽环发〔2023〕39号 十七）", "Regions (辽环发〔2023〕39号, clause 17)"), regions or [none]),
        (T(lang, "政策定位", "Designations"), desig or [none]),
        (T(lang, "文件点名的点位", "Sites the documents name"), sites or [none]),
    ]
    from geo.places.power_plants import coal_by_city

    plants = data.plants[data.plants["adcode"] == adcode]
    coal = coal_by_city(data.plants)
    total = float(coal["capacity_mw"].sum())
    mine = coal[coal["adcode"] == adcode]
    lines = []
    if len(mine):
        mw = float(mine["capacity_mw"].iloc[0])
        rank = _rank(coal.set_index("adcode")["capacity_mw"].reindex([p.adcode for p in data.view.gazetteer.cities()])
                     .to_numpy(dtype=float), mw)
        lines.append(T(lang, f"煤电：{int(mine['plants'].iloc[0])} 座，{mw:,.0f} MW，占全省煤电 {mw / total * 100:.1f}%，"
                             f"居 14 市第 {rank} 位",
                       f"Coal: {int(mine['plants'].iloc[0])} plants, {mw:,.0f} MW, {mw / total * 100:.1f}% of Liaoning's "
                       f"coal capacity, rank {rank}/14"))
        big = plants[plants["fuel"] == "Coal"].sort_values("capacity_mw", ascending=False).head(3)
        lines.append(T(lang, "最大：", "Largest: ") + "; ".join(
            f"{r.name_en} {r.capacity_mw:,.0f} MW" + (f" ({r.commissioning_year})" if r.commissioning_year else "")
            for r in big.itertuples()))
    else:
        lines.append(T(lang, "煤电：无（本数据集中）", "Coal: none in this dataset"))
    other = plants[plants["fuel"] != "Coal"].groupby("fuel")["capacity_mw"].agg(["size", "sum"])
    if len(other):
        from geo.places.power_plants import fuel_style

        lines.append(T(lang, "其他：", "Other: ") + "; ".join(
            f"{fuel_style(f, lang)[0]} {int(r['size'])} {T(lang, '座', 'plants')} {r['sum']:,.0f} MW"
            for f, r in other.iterrows()))
    blocks.append((plants_heading(lang), lines))
    progress = []
    for p in city_progress(data.view, adcode):
        progress.append(T(
            lang,
            f"{p['name_zh']}：2015 年 {precise(p['baseline_2015_t'])} 吨 → 2020 年上限 {precise(p['cap_2020_t'])} 吨 → "
            f"实测 {precise(p['observed_2020_t'])} 吨；完成进度 {precise(p['progress_pct'])}%（{p['citation']}）",
            f"{p['name_en']}: 2015 {precise(p['baseline_2015_t'])} t → 2020 cap {precise(p['cap_2020_t'])} t → "
            f"observed {precise(p['observed_2020_t'])} t; progress {precise(p['progress_pct'])} % ({p['citation']})"))
    if progress:
        blocks.append((T(lang, "实测进展（已导入的实测值）", "Observed progress (imported values)"), progress))
    carbon = carbon_lines(adcode, data, lang)
    if carbon:
        blocks.append((T(lang, "二氧化碳排放（已导入的清单）", "CO2 emissions (imported inventories)"), carbon))
    return blocks


def carbon_lines(adcode: str, data: ProfileData, lang: str) -> list[str]:
    """One line per stored CO2 inventory with a value for the city: t CO2, per km², per 万元 of GDP (where the
    observed values have the year's GDP), coverage, and the inventory's year, method and licence."""
    from geo.carbon.measures import city_carbon

    lines = []
    for c in city_carbon(adcode, data.layers.observed):
        licence = c["licence"] or T(lang, "许可未注明", "licence not given")
        parts_zh = [f"{precise(c['co2_t'])} 吨", f"每平方千米 {precise(c['co2_t_per_km2'])} 吨"]
        parts_en = [f"{precise(c['co2_t'])} t", f"{precise(c['co2_t_per_km2'])} t/km²"]
        if np.isfinite(c["co2_t_per_10k_yuan"]):
            parts_zh.append(f"每万元地区生产总值 {c['co2_t_per_10k_yuan']:.4f} 吨")
            parts_en.append(f"{c['co2_t_per_10k_yuan']:.4f} t per 10⁴ yuan of GDP")
        if np.isfinite(c["coverage_pct"]):
            parts_zh.append(f"覆盖 {c['coverage_pct']:.2f}%")
            parts_en.append(f"covers {c['coverage_pct']:.2f} %")
        lines.append(T(lang, f"{c['name']}（{c['year']} 年，{c['method_zh']}，{licence}）：" + "，".join(parts_zh),
                       f"{c['name']} ({c['year']}, {c['method_en']}, {licence}): " + "; ".join(parts_en)))
    return lines


#: Observed years listed under a chart (the latest; the chart itself shows every year).
TRAJECTORY_ROWS = 4
#: The chart's vocabulary (geo.core.vocabulary STRINGS): legend entries, then the table's columns.
TRAJECTORY_LEGEND = ("traj_path", "traj_observed", "traj_baseline", "traj_cap")
TRAJECTORY_COLUMNS = ("col_year", "col_path", "col_observed_year", "col_ahead")


def trajectory_rows(adcode: str, data: ProfileData, lang: str) -> list[ProfileTrajectory]:
    """A chart per pollutant the active observed dataset has for the city (none without a dataset),
    in the order of the table of targets."""
    view = data.view
    if not view.observed_loaded or view.observed is None or not len(view.observed):
        return []
    from geo.measures.observed import trajectory

    out = []
    for p, (zh, en) in POLLUTANTS.items():
        points = trajectory(view.table, view.observed, adcode, p)
        seen = [q for q in points if q["observed_t"] is not None]
        if not seen:
            continue
        shown = seen if len(seen) <= TRAJECTORY_ROWS else seen[-(TRAJECTORY_ROWS - 1):]
        n = len(seen) - len(shown)
        out.append(ProfileTrajectory(
            p, T(lang, f"{zh}（吨）", f"{en} (t)"), points,
            [[str(q["year"]), precise(q["path_t"]), precise(q["observed_t"]), precise(q["ahead_of_path_t"])]
             for q in shown],
            T(lang, f"……另有 {n} 年（见图）", f"… and {n} earlier years (in the chart)") if n else ""))
    return out


def plants_heading(lang: str) -> str:
    return T(lang, "发电装机（WRI 全球电厂数据库，约 2017–2019 年）",
             "Power plants (WRI Global Power Plant Database, about 2017–2019)")


def build_profile(adcode: str, data: ProfileData, lang: str = "zh") -> Profile:
    """The page of one city (``adcode``), in one language."""
    from geo.exports.spec import map_spec
    from geo.places.power_plants import ATTRIBUTION, ATTRIBUTION_ZH, DATA_AGE

    if lang not in ("zh", "en"):
        raise ExportError(f"unknown language {lang!r}; expected zh or en")
    place = data.view.place(adcode)
    if place is None or not place.in_liaoning or place.level != "city":
        raise ExportError(f"{adcode} is not a Liaoning city")
    groups, formulas = _targets(adcode, data, lang)
    spec = map_spec("cod_emission_2015_t", data.layers, lang=lang)  # the shared notes: boundary, projection, date
    notes = [
        T(lang, "位次：在 14 个市中按数值从大到小排列，1 = 最大（百分比同样 1 = 最大）。"
                "占比：占 14 市合计的比例，仅对总量（吨、万吨标准煤）给出。",
          "Rank: among the 14 cities by value, 1 = largest (for percentages too). Share: of the sum of the 14 cities; "
          "given for totals (t, 10⁴ t standard coal) only."),
    ]
    for note in data.layers.notes.values():
        m = re.match(r"(?P<doc>\S+号)\s*(?P<part>附件\s*\d+)\s*注[：:]\s*(?P<text>.+)", note)
        if m:
            notes.append(T(lang, f"注：{m['text']}（{m['doc']} {m['part']}注）；因此二氧化硫、氮氧化物各市之和小于全省总量。",
                           f"Note ({m['doc']}, annex {m['part'][-1]}): city 2015 emissions exclude the power plants "
                           f"managed directly by the province, so SO2/NOx city sums fall short of the provincial totals."))
            break
    notes.append(T(lang, f"{ATTRIBUTION_ZH}；{DATA_AGE[0]}。", f"Power plants: {ATTRIBUTION}; {DATA_AGE[1]}."))
    name = T(lang, place.name_zh, place.name_en)
    trajectories = trajectory_rows(adcode, data, lang)
    chart_words = {k: term(k, lang) for k in ("trajectory_title", "trajectory_note", *TRAJECTORY_LEGEND,
                                              *TRAJECTORY_COLUMNS)} if trajectories else {}
    return Profile(
        adcode=adcode, lang=lang,
        title=T(lang, f"{name}减污降碳指标概况", f"{name}: pollution- and carbon-reduction targets"),
        subtitle=T(lang, f"辽宁省 14 个地级市之一　行政区划代码 {adcode}　“十三五”配额：{QUOTA_DOC.number} 附件1–5",
                   f"One of Liaoning's 14 prefecture-level cities · code {adcode} · 13th FYP quotas: "
                   f"{QUOTA_DOC.number}, annexes 1–5"),
        headers=[T(lang, "指标", "Target"), T(lang, "数值", "Value"), T(lang, "单位", "Unit"), T(lang, "年份", "Year(s)"),
                 T(lang, "位次", "Rank"), T(lang, "占比", "Share"), T(lang, "出处", "Source")],
        groups=groups, formulas=[T(lang, "计算方法：", "Formulas: ")] + formulas, blocks=_blocks(adcode, data, lang),
        notes=notes, small_print=[spec.boundary_note, spec.crs_note, spec.date_note],
        labels={"city": short_name(place.name_zh, place.name_en, lang), "province": T(lang, "辽宁省", "Liaoning"),
                "plants": plants_heading(lang), **chart_words},
        trajectories=trajectories,
    )


# --------------------------------------------------------------------------- drawing


def draw_locator(ax, adcode: str, data: ProfileData, *, prop, plants: bool = True, lang: str = "zh") -> None:
    """The province in grey, the city in the accent colour with its counties, the plants in it."""
    from geo.core.settings import PROJECTED_CRS
    from geo.exports.static import EXTENT, halo_text

    layers = data.layers
    cities = layers.projected("cities")
    x0, y0, x1, y1 = EXTENT
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_facecolor("#eef4f8")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    layers.projected("context").plot(ax=ax, facecolor="#f2f2ef", edgecolor="#c8c8c8", linewidth=0.4)
    me = cities["adcode"].astype(str) == adcode
    cities[~me].plot(ax=ax, facecolor="#e3e3df", edgecolor="white", linewidth=0.6)
    cities[me].plot(ax=ax, facecolor="#f4c7a8", edgecolor=ACCENT, linewidth=1.4, zorder=3)
    counties = data.counties[data.counties["parent_adcode"].astype(str) == adcode].to_crs(PROJECTED_CRS)
    counties.boundary.plot(ax=ax, color="white", linewidth=0.5, zorder=3.5)
    layers.projected("province").boundary.plot(ax=ax, color="#4d4d4d", linewidth=0.9, zorder=4)
    if plants and len(data.plants):
        from geo.core.symbols import radii
        from geo.places.power_plants import fuel_style

        pts = data.plants[data.plants["adcode"] == adcode]
        if len(pts):
            import geopandas as gpd

            g = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts.lon, pts.lat), crs="EPSG:4326").to_crs(PROJECTED_CRS)
            cap_max = float(np.nanmax(data.plants["capacity_mw"]))
            from matplotlib.patches import Circle

            r = radii(g["capacity_mw"].fillna(0).to_numpy(), r_max=14_000, vmax=cap_max)
            for (x, y), rr, fuel in sorted(zip(zip(g.geometry.x, g.geometry.y), r, g["fuel"]), key=lambda t: -t[1]):
                ax.add_patch(Circle((x, y), max(rr, 1_500), facecolor=fuel_style(fuel, lang)[1], edgecolor="white",
                                    linewidth=0.4, alpha=0.9, zorder=5))
    geom = cities[me].geometry.iloc[0]
    part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    pt = part.representative_point()
    ax.set_xlabel("")
    ax.set_ylabel("")
    row = cities[me].iloc[0]
    halo_text(ax, pt.x, pt.y, short_name(row["name_zh"], row["name_en"], lang), ha="center",
              va="center", fontproperties=prop, fontsize=9, color="#111111", zorder=8)


def _plant_legend(ax, data: ProfileData, adcode: str, prop, lang: str) -> None:
    from matplotlib.lines import Line2D

    from geo.exports.static import sized
    from geo.places.power_plants import fuel_style

    fuels = sorted(set(data.plants.loc[data.plants["adcode"] == adcode, "fuel"]))
    if not fuels:
        return
    handles = [Line2D([], [], marker="o", lw=0, color=fuel_style(f, lang)[1], markersize=5, label=fuel_style(f, lang)[0])
               for f in fuels]
    leg = ax.legend(handles=handles, loc="upper left", prop=sized(prop, 6.5), frameon=True, framealpha=0.9,
                    title=T(lang, "电厂（面积∝装机）", "Plants (area ∝ MW)"), title_fontproperties=sized(prop, 6.5),
                    borderpad=0.4, labelspacing=0.25, handletextpad=0.3, ncol=2, columnspacing=0.6)
    leg.set_zorder(20)


def build_profile_figure(profile: Profile, data: ProfileData, prop):
    """The A4 page. With an observed dataset, a row of trajectory charts goes between the lists and
    the table of targets, and the table's rows close up to make room (the page stays one page)."""
    from matplotlib.figure import Figure

    from geo.exports.static import sized, wrap

    lang = profile.lang
    fig = Figure(figsize=A4, facecolor="white")
    fig.text(0.05, 0.968, profile.title, fontproperties=sized(prop, 17), color="#111111", va="top")
    fig.text(0.05, 0.938, wrap(profile.subtitle, 120), fontproperties=sized(prop, 8.5), color="#444444", va="top")
    ax = fig.add_axes((0.05, 0.775, 0.36, 0.15))
    draw_locator(ax, profile.adcode, data, prop=prop, lang=lang)
    _plant_legend(ax, data, profile.adcode, prop, lang)
    # Left under the map: the power plants; right: regions, designations, sites, progress.
    plants = [b for b in profile.blocks if b[0] == profile.labels["plants"]]
    others = [b for b in profile.blocks if b[0] != profile.labels["plants"]]
    low = min(draw_blocks(fig, plants, x=0.05, top=0.765, bottom=0.655, width=58, prop=prop, lang=lang),
              draw_blocks(fig, others, x=0.44, top=0.925, bottom=0.655, width=80, prop=prop, lang=lang))

    foot = [" ".join(profile.formulas[:1] + profile.formulas[1:2])] + profile.formulas[2:] + profile.notes
    if len(profile.trajectories) == len(POLLUTANTS):  # no free slot in the row for the note
        foot.append(profile.labels["trajectory_note"])
    footer = dict(s="\n".join(wrap(t, 165) for t in foot), fontproperties=sized(prop, 6.3), color="#333333",
                  va="top", linespacing=1.35)
    small = dict(s="\n".join(wrap(t, 150) for t in profile.small_print), fontproperties=sized(prop, 6.0),
                 color="#666666", va="bottom", linespacing=1.3)
    top, bottom = 0.64, 0.175
    if profile.trajectories:
        top = draw_trajectories(fig, profile, prop, top=min(low - 0.004, 0.68)) - 0.012
        # The table ends above the footer (formulas, notes) and the small print, as tall as they are drawn.
        bottom = 0.015 + _extent(fig, small)[1] + _extent(fig, footer)[1] + 0.018
    y = draw_target_table(fig, profile, prop, top=top, bottom=bottom)
    fig.text(0.05, y, **footer)
    fig.text(0.05, 0.015, **small)
    return fig


def draw_target_table(fig, profile: Profile, prop, *, top: float, bottom: float) -> float:
    """The table of targets between ``top`` and ``bottom``; returns where the text under it starts."""
    from matplotlib.patches import Rectangle

    from geo.exports.static import sized

    cols = [0.05, 0.395, 0.495, 0.625, 0.735, 0.79, 0.835]
    aligns = ["left", "right", "left", "left", "right", "right", "left"]
    xs = [c if a == "left" else cols[i + 1] - 0.012 for i, (c, a) in enumerate(zip(cols, aligns))]
    n_rows = sum(1 + len(r) for _, r in profile.groups) + 1
    h = min(0.0138, (top - bottom) / n_rows)
    fsz = 7.0 if h >= 0.0125 else 6.4 if h >= 0.0098 else 6.1
    y = top
    for x, text, a in zip(xs, profile.headers, aligns):
        fig.text(x, y, text, fontproperties=sized(prop, fsz), color="#111111", ha=a, va="top", weight="bold")
    fig.add_artist(_hline(fig, y - h * 0.95))
    y -= h * 1.1
    for head, rows in profile.groups:
        fig.text(0.05, y, head, fontproperties=sized(prop, fsz * 1.05), color=ACCENT, va="top")
        y -= h
        for i, r in enumerate(rows):
            if i % 2 == 0:
                fig.add_artist(Rectangle((0.045, y - h * 0.85), 0.91, h, transform=fig.transFigure, facecolor="#f4f4f2",
                                         edgecolor="none", zorder=0))
            cells = [r.label, r.value, r.unit, r.year, r.rank, r.share, r.cite]
            for x, text, a in zip(xs, cells, aligns):
                fig.text(x + (0.008 if a == "left" and x == 0.05 else 0), y, text, fontproperties=sized(prop, fsz),
                         color="#222222", ha=a, va="top")
            y -= h
    return y - h * 0.3


#: How each part of a trajectory chart is drawn, readable in grey: the path dashed with hollow
#: markers, the observed values solid with filled circles, the baseline a square, the cap a diamond
#: (the colours of the dashboard's chart, dashboard/trajectory.py).
TRAJECTORY_STYLES: dict[str, dict] = {
    "traj_path": {"color": "#666666", "linestyle": (0, (4, 2)), "linewidth": 1.0, "marker": "o", "markersize": 3.6,
                  "markerfacecolor": "white", "markeredgecolor": "#666666", "markeredgewidth": 0.8},
    "traj_observed": {"color": "#111111", "linestyle": "-", "linewidth": 1.4, "marker": "o", "markersize": 4.2},
    "traj_baseline": {"color": "#1f4e79", "linestyle": "none", "marker": "s", "markersize": 5.5},
    "traj_cap": {"color": "#b35806", "linestyle": "none", "marker": "D", "markersize": 5.5},
}


def draw_trajectories(fig, profile: Profile, prop, *, top: float) -> float:
    """A row of small charts, one per pollutant observed (up to 4), under one heading and one legend,
    each with its observed years in a table below; returns the lowest y drawn (figure fraction)."""
    from matplotlib.lines import Line2D

    from geo.exports.static import sized, wrap

    words = profile.labels
    fig.text(0.05, top, words["trajectory_title"], fontproperties=sized(prop, 7.5), color=ACCENT, va="top")
    handles = [Line2D([], [], label=words[k], **TRAJECTORY_STYLES[k]) for k in TRAJECTORY_LEGEND]
    fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.955, top + 0.003), ncol=len(handles),
               frameon=False, prop=sized(prop, 6.5), handlelength=2.6, handletextpad=0.5, columnspacing=1.3,
               borderpad=0, borderaxespad=0)
    pt = 1 / 72 / fig.get_figheight()
    slots, gap = len(POLLUTANTS), 0.022
    width = (0.905 - gap * (slots - 1)) / slots
    y_title = top - 0.02
    ax_h = 0.062
    ax_bottom = y_title - 0.012 - ax_h
    row = 5.6 * 1.32 * pt
    lowest = ax_bottom
    for i, tr in enumerate(profile.trajectories):
        x = 0.05 + i * (width + gap)
        fig.text(x, y_title, tr.title, fontproperties=sized(prop, 6.8), color="#111111", va="top")
        draw_trajectory(fig.add_axes((x + 0.05, ax_bottom, width - 0.053, ax_h)), tr.points, prop)
        y = ax_bottom - 0.017
        heads = [words[k] for k in TRAJECTORY_COLUMNS]
        size, cells = _table_columns(fig, [heads, *tr.rows], x, width, prop)
        for (cx, ha), head in zip(cells, heads):
            fig.text(cx, y, head, fontproperties=sized(prop, size), color="#555555", ha=ha, va="top")
        fig.add_artist(Line2D([x, x + width], [y - row * 0.98] * 2, transform=fig.transFigure, color="#aaaaaa",
                              linewidth=0.4))
        for values in tr.rows:
            y -= row * 1.08
            for (cx, ha), text in zip(cells, values):
                fig.text(cx, y, text, fontproperties=sized(prop, size), color="#222222", ha=ha, va="top")
        if tr.more:
            y -= row * 1.08
            fig.text(x + 0.004, y, tr.more, fontproperties=sized(prop, size), color="#555555", va="top")
        lowest = min(lowest, y - row)
    if len(profile.trajectories) < slots:  # the note in the free slots
        x = 0.05 + len(profile.trajectories) * (width + gap) + 0.01
        half_ems = int((0.955 - x) * fig.get_figwidth() * 72 / (6.3 / 2))
        fig.text(x, y_title, wrap(words["trajectory_note"], half_ems), fontproperties=sized(prop, 6.3),
                 color="#333333", va="top", linespacing=1.35)
    return lowest


def _table_columns(fig, rows: list[list[str]], x: float, width: float, prop,
                   size: float = 5.6) -> tuple[float, list[tuple[float, str]]]:
    """The font size and (x, alignment) of the columns of a chart's table: the first column left, the
    numbers right-aligned and packed from the right edge as wide as their widest text (smaller text
    when they would not fit)."""
    from geo.exports.static import sized

    gap = 0.012
    while True:
        font = sized(prop, size)
        widths = [max(_extent(fig, {"s": text, "fontproperties": font})[0] for text in column) for column in zip(*rows)]
        right = x + width
        cells: list[tuple[float, str]] = []
        for w in reversed(widths[1:]):
            cells.insert(0, (right, "right"))
            right -= w + gap
        if right >= x + 0.004 + widths[0] or size <= 4.6:
            return size, [(x + 0.004, "left"), *cells]
        size -= 0.3


def _extent(fig, text: dict) -> tuple[float, float]:
    """Width and height of ``fig.text(**text)`` as fractions of the figure's (drawn, measured, removed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    artist = fig.text(0.05, 0.5, **text)
    box = artist.get_window_extent(canvas.get_renderer())
    artist.remove()
    return box.width / fig.bbox.width, box.height / fig.bbox.height


def draw_trajectory(ax, points: list[dict], prop) -> None:
    """One pollutant's chart from :func:`geo.measures.observed.trajectory` rows: baseline, path, cap, observed."""
    from matplotlib.ticker import MaxNLocator

    from geo.exports.static import sized

    years = [p["year"] for p in points]
    path = [(p["year"], p["path_t"]) for p in points if p["path_t"] is not None]
    observed = [(p["year"], p["observed_t"]) for p in points if p["observed_t"] is not None]
    if path:
        ax.plot(*zip(*path), **TRAJECTORY_STYLES["traj_path"], zorder=2)
        ax.plot(*path[0], **TRAJECTORY_STYLES["traj_baseline"], zorder=3)
        ax.plot(*path[-1], **TRAJECTORY_STYLES["traj_cap"], zorder=3)
    if observed:
        ax.plot(*zip(*observed), **TRAJECTORY_STYLES["traj_observed"], zorder=4)
    values = [v for _, v in path + observed]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.12 or abs(hi) * 0.05 or 1.0
    ax.set_ylim(lo - pad, hi + pad)
    ticks = [v for v in MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(lo - pad, hi + pad)
             if lo - pad <= v <= hi + pad]
    size = sized(prop, 5.5)
    ax.set_yticks(ticks, [fmt_number(v, 0) for v in ticks], fontproperties=size)
    step = 1 if len(years) <= 7 else 2
    ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.set_xticks(years[::step], [str(y) for y in years[::step]], fontproperties=size)
    ax.tick_params(length=2, width=0.5, pad=1.5, colors="#444444")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.5, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.5)
        ax.spines[side].set_color("#888888")


def fit_blocks(blocks: list[tuple[str, list[str]]], width: int, capacity: int, lang: str) -> list[tuple[str, list[str]]]:
    """Wrap the lines to ``width`` half-ems; drop the last lines of the longest block (saying how many)
    until the blocks fit in ``capacity`` lines."""
    from geo.exports.static import wrap

    blocks = [(h, list(lines)) for h, lines in blocks]
    dropped = [0] * len(blocks)

    def wrapped():
        out = []
        for (h, lines), n in zip(blocks, dropped):
            more = [T(lang, f"……另有 {n} 项", f"… and {n} more")] if n else []
            out.append((h, [wrap(line, width) for line in lines + more]))
        return out

    def count(bs):
        return sum(1 + sum(line.count("\n") + 1 for line in lines) for _, lines in bs)

    while count(wrapped()) > capacity:
        k = max(range(len(blocks)), key=lambda i: len(blocks[i][1]))
        if len(blocks[k][1]) <= 1:
            break
        blocks[k][1].pop()
        dropped[k] += 1
    return wrapped()


def draw_blocks(fig, blocks, *, x: float, top: float, bottom: float, width: int, prop, lang: str,
                max_size: float = 7.2, min_size: float = 6.0) -> float:
    """Headed lists of text between ``top`` and ``bottom`` (figure fractions), shrunk (then cut) to fit;
    returns where the text ends."""
    from geo.exports.static import sized

    if not blocks:
        return top
    height_pt = (top - bottom) * fig.get_figheight() * 72
    n_lines = sum(1.2 + len(lines) for _, lines in blocks)
    size = max(min_size, min(max_size, height_pt / (n_lines * 1.35)))
    # ``width`` is in half-ems at ``max_size``: smaller text fits more.
    fitted = fit_blocks(blocks, int(width * max_size / size), int(height_pt / (size * 1.35) - 0.2 * len(blocks)), lang)
    step = size * 1.35 / 72 / fig.get_figheight()
    y = top
    for head, lines in fitted:
        fig.text(x, y, head, fontproperties=sized(prop, size * 1.04), color=ACCENT, va="top")
        y -= step
        for line in lines:
            fig.text(x + 0.008, y, line, fontproperties=sized(prop, size), color="#222222", va="top",
                     linespacing=1.2)
            y -= step * (line.count("\n") + 1) * 1.0
        y -= step * 0.2
    return y


def _hline(fig, y: float):
    from matplotlib.lines import Line2D

    return Line2D([0.045, 0.955], [y, y], transform=fig.transFigure, color="#999999", linewidth=0.6)


def locator_png(profile: Profile, data: ProfileData, font=None, dpi: int = 200) -> bytes:
    from matplotlib.figure import Figure

    from geo.exports.static import figure_bytes

    def make(prop):
        fig = Figure(figsize=(4.0, 3.7), facecolor="white")
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
        draw_locator(ax, profile.adcode, data, prop=prop, lang=profile.lang)
        _plant_legend(ax, data, profile.adcode, prop, profile.lang)
        return fig

    return figure_bytes(make, ["png"], dpi=dpi, font=font, where=f"profile {profile.adcode}", title=profile.title,
                        subject=QUOTA_DOC.number, keywords=profile.adcode)["png"]


def render_profile(city: str, fmt: str, *, lang: str = "zh", data: ProfileData | None = None, dpi: int = 200,
                   settings=None, observed: pd.DataFrame | None = None, font=None) -> bytes:
    """One city's page as ``pdf``, ``png`` or ``pptx`` bytes; ``city`` in any spelling the gazetteer knows."""
    from geo.core.fonts import export_font

    if fmt not in PROFILE_FORMATS:
        raise ExportError(f"unknown format {fmt!r} for a city profile; expected one of {', '.join(PROFILE_FORMATS)}")
    adcode = resolve_city(city, settings)
    data = data or load_profile_data(settings, observed)
    profile = build_profile(adcode, data, lang)
    font = font or export_font()
    font.check(profile.texts(), where=f"profile {adcode} ({lang})")
    if fmt == "pptx":
        from geo.exports.slides import profile_deck

        return profile_deck(profile, locator_png(profile, data, font), font.family)
    from geo.exports.static import figure_bytes

    return figure_bytes(lambda prop: build_profile_figure(profile, data, prop), [fmt], dpi=dpi, font=font,
                        where=f"profile {adcode} ({lang})", title=profile.title, subject=QUOTA_DOC.number,
                        keywords=adcode)[fmt]


def profile_file_name(adcode: str, fmt: str, lang: str, data: ProfileData | None = None) -> str:
    return f"profile_{adcode}_{lang}.{fmt}"
