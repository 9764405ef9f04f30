"""What the dashboard shows, as plain data: indicator payloads, city detail, region and province views.

Everything here is computed once from the committed tables (:func:`load_view_data`)
and returned as JSON-ready dicts carrying both languages, so that the web layer only
picks a language and lays things out. Every number carries its citation; derived
numbers carry their formula.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace

import pandas as pd

from geo.core.classify import SCHEMES, classes_for
from geo.core.settings import DESIGNATIONS_FILE, RECONCILIATION_FILE, TARGETS_FILE, Settings, get_settings
from geo.measures.catalogue import BY_ID, CATALOGUE, POLLUTANTS, Indicator
from geo.measures.cities import city_table
from geo.places.gazetteer import Gazetteer, get_gazetteer
from geo.places.regions import load_members, load_regions
from geo.places.sites import KINDS, load_sites

log = logging.getLogger(__name__)

LIAONING = "210000"
#: Cities outside Liaoning whose own plans are among the sources (shown only on request).
OTHER_PLAN_CITIES = ("220400",)
#: Measures per pollutant in the order the selector lists them.
POLLUTANT_MEASURES = (
    "emission_2015", "cut_target", "cap_2020", "required_cut", "key_project_cut", "cut_beyond_projects",
    "project_coverage", "emission_2015_density", "cap_2020_density", "required_cut_density",
    "observed_2020", "achieved_cut", "progress", "gap_to_cap",
)
ENERGY_MEASURES = ("cut_target", "increment_cap")
OBSERVED_COLUMNS = {i.id for i in CATALOGUE if i.kind == "observed"}
GROUPS = (*POLLUTANTS, "energy")


# --------------------------------------------------------------------------- observed values


def progress_columns(table: pd.DataFrame, observed: pd.DataFrame | None) -> pd.DataFrame:
    """The wide city table plus the observed and gap measures (:func:`geo.measures.observed.progress_table`)."""
    if observed is None or not len(observed):
        return table
    from geo.measures.observed import progress_table

    gaps = progress_table(table, observed)
    # A pollutant with no observed value gets no measures (rather than a map of "no data").
    keep = ["adcode", *(c for c in gaps.columns if c in BY_ID and gaps[c].notna().any())]
    keep += [f"{p}_target_status" for p in POLLUTANTS if f"{p}_progress_pct" in keep]
    return table.merge(gaps[keep], on="adcode", how="left")


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class ViewData:
    """Every table the dashboard shows, loaded once."""

    table: pd.DataFrame  # one row per Liaoning city, one column per indicator id
    indicators: tuple[Indicator, ...]  # those with a column in ``table``
    targets: pd.DataFrame
    designations: pd.DataFrame
    regions: pd.DataFrame
    members: pd.DataFrame
    sites: pd.DataFrame
    reconciliation: pd.DataFrame
    gazetteer: Gazetteer
    observed_loaded: bool = False
    by_id: dict[str, Indicator] = field(default_factory=dict)
    observed: pd.DataFrame | None = None  # rows of the observed dataset in use (geo.measures.observed.load_observed)

    def place(self, adcode: str):
        return self.gazetteer.places.get(str(adcode))


def load_view_data(settings: Settings | None = None, *, observed: pd.DataFrame | None = None) -> ViewData:
    """Load the tables once (at app start); ``observed`` rows add their measures (:func:`with_observed`).

    The dashboard loads none here: the dataset in use is the browser's choice, added per request.
    """
    settings = settings or get_settings()
    table = city_table(settings)
    inds = tuple(i for i in CATALOGUE if i.id in table.columns)
    read = lambda name: pd.read_csv(settings.indicators_dir / name, dtype=str, keep_default_na=False)  # noqa: E731
    data = ViewData(
        table=table, indicators=inds, targets=read(TARGETS_FILE), designations=read(DESIGNATIONS_FILE),
        regions=load_regions(settings), members=load_members(settings), sites=load_sites(settings),
        reconciliation=pd.read_csv(settings.indicators_dir / RECONCILIATION_FILE, keep_default_na=False),
        gazetteer=get_gazetteer(settings), by_id={i.id: i for i in inds},
    )
    return with_observed(data, observed)


def with_observed(data: ViewData, observed: pd.DataFrame | None) -> ViewData:
    """``data`` with the measures of an observed dataset added (``data`` itself for none).

    Cheap (14 rows): the dashboard calls it per request for the dataset the browser
    picked, so no dataset is held in server memory.
    """
    if observed is None or not len(observed):
        return data
    base = data.table[[c for c in data.table.columns if c not in OBSERVED_COLUMNS and not c.endswith("_target_status")]]
    table = progress_columns(base, observed)
    inds = tuple(i for i in CATALOGUE if i.id in table.columns)
    return replace(data, table=table, indicators=inds, by_id={i.id: i for i in inds}, observed_loaded=True,
                   observed=observed)


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- choropleth payload


def indicator_meta(ind: Indicator) -> dict:
    return {
        "id": ind.id, "group": ind.group, "measure": ind.measure, "name_zh": ind.name_zh, "name_en": ind.name_en,
        "unit": ind.unit, "unit_zh": ind.unit_zh, "unit_en": ind.unit_en, "year": ind.year,
        "base_year": ind.base_year, "kind": ind.kind, "source": ind.source, "formula": ind.formula,
        "diverging": ind.diverging, "centre": ind.centre,
    }


def indicator_classes(ind: Indicator, values, scheme: str) -> dict:
    """Class breaks and colours of one indicator under one scheme (JSON-ready)."""
    classes = classes_for(ind, values, scheme)
    d = classes.to_dict()
    d.pop("scheme")
    return d


def indicator_payload(data: ViewData, schemes: tuple[str, ...] = SCHEMES, *, kinds: tuple[str, ...] | None = None) -> dict:
    """Every indicator's values by adcode and its classes under every scheme, computed once.

    This is what the browser keeps in a ``dcc.Store``; switching indicator or scheme
    then only picks from it.
    """
    out = {}
    table = data.table.set_index("adcode")
    notes = annex_notes(data)
    for ind in data.indicators:
        if kinds is not None and ind.kind not in kinds:
            continue
        values = table[ind.id]
        out[ind.id] = {
            **indicator_meta(ind),
            "note": notes.get(ind.group, ""),
            "values": {a: _num(v) for a, v in values.items()},
            "classes": {s: indicator_classes(ind, values.to_numpy(dtype="float64"), s) for s in schemes},
        }
    return out


def annex_notes(data: ViewData) -> dict[str, str]:
    """The annexes' notes by pollutant (SO2/NOx: city baselines exclude province-managed power plants),
    as parsed from the document into the reconciliation table."""
    return {r.pollutant: r.note for r in data.reconciliation.itertuples() if r.note}


def measures_by_group(data: ViewData) -> dict[str, list[str]]:
    """The measures each group offers, in selector order, limited to loaded indicators."""
    have = {(i.group, i.measure) for i in data.indicators}
    return {g: [m for m in (ENERGY_MEASURES if g == "energy" else POLLUTANT_MEASURES) if (g, m) in have]
            for g in GROUPS}


def indicator_id(data: ViewData, group: str, measure: str) -> str | None:
    for ind in data.indicators:
        if ind.group == group and ind.measure == measure:
            return ind.id
    return None


def ranking(data: ViewData, ind_id: str) -> list[dict]:
    """Cities by value, largest first, no-data last."""
    table = data.table[["adcode", "name_zh", "name_en", ind_id]]
    rows = [{"adcode": a, "name_zh": zh, "name_en": en, "value": _num(v)} for a, zh, en, v in table.itertuples(index=False)]
    return sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0.0), r["adcode"]))


# --------------------------------------------------------------------------- city detail


def _target_row(r: pd.Series) -> dict:
    return {
        "target_id": r.target_id, "name_zh": r.indicator_zh, "name_en": r.indicator_en, "value": _num(r.value),
        "unit": r.unit, "relation": r.relation, "base_year": r.base_year, "year": r.target_year,
        "citation": f"{r.document} {r.clause}", "quote": r.quote, "scope_adcode": r.scope_adcode,
        "scope_zh": r.scope_name_zh,
    }


def city_targets(data: ViewData, adcode: str) -> list[dict]:
    """The annex quotas and derived (and observed) values of one Liaoning city, each with its source."""
    rows = data.table[data.table.adcode == adcode]
    if rows.empty:
        return []
    row = rows.iloc[0]
    sources = _observed_sources(data, adcode)
    out = []
    for ind in data.indicators:
        citation = ind.source
        if ind.kind == "observed" and ind.group in sources:
            citation = f"{sources[ind.group]['citation']}; {ind.source}"
        out.append({
            "indicator_id": ind.id, "group": ind.group, "name_zh": ind.name_zh, "name_en": ind.name_en,
            "value": _num(row[ind.id]), "unit": ind.unit, "unit_zh": ind.unit_zh, "unit_en": ind.unit_en,
            "base_year": ind.base_year, "year": ind.year, "kind": ind.kind, "formula": ind.formula,
            "citation": citation,
        })
    return out


def _observed_sources(data: ViewData, adcode: str) -> dict[str, dict]:
    """Per pollutant: where the city's observed 2020 value comes from (source, flag, file row)."""
    if data.observed is None or not len(data.observed):
        return {}
    from geo.measures.observed import observed_sources

    out = {}
    for r in observed_sources(data.observed).itertuples():
        if str(r.adcode) != adcode:
            continue
        conv = "" if r.conversion == "none" else f", {r.conversion}"
        flag = f" [{r.flag}]" if r.flag else ""
        out[r.pollutant] = {"source": r.source, "flag": r.flag, "dataset_id": r.dataset_id, "row": int(r.source_row),
                            "citation": f"{r.source}{flag} ({r.dataset_id}, row {int(r.source_row)}{conv})"}
    return out


def city_progress(data: ViewData, adcode: str) -> list[dict]:
    """Baseline → 2020 cap → observed, progress and status per pollutant with an observed value."""
    rows = data.table[data.table.adcode == adcode]
    sources = _observed_sources(data, adcode)
    if rows.empty or not sources:
        return []
    row = rows.iloc[0]
    out = []
    for p, (zh, en) in POLLUTANTS.items():
        if p not in sources or f"{p}_progress_pct" not in row.index:
            continue
        out.append({
            "pollutant": p, "name_zh": zh, "name_en": en, "baseline_2015_t": _num(row[f"{p}_emission_2015_t"]),
            "cap_2020_t": _num(row[f"{p}_cap_2020_t"]), "observed_2020_t": _num(row[f"{p}_emission_2020_observed_t"]),
            "progress_pct": _num(row[f"{p}_progress_pct"]), "gap_to_cap_t": _num(row[f"{p}_gap_to_cap_t"]),
            "status": row.get(f"{p}_target_status", ""), **sources[p],
        })
    return out


def city_regions(data: ViewData, adcode: str) -> list[dict]:
    m = data.members[data.members.adcode == adcode].merge(data.regions, on="region_id", suffixes=("", "_region"))
    return [{
        "region_id": r.region_id, "name_zh": r.name_zh, "name_en": r.name_en, "membership": r.membership,
        "partial": r.membership == "partial", "confidence": r.confidence, "source": r.source, "note": r.note,
        "citation": f"{r.document} {r.clause}",
    } for r in m.itertuples()]


def city_designations(data: ViewData, adcode: str) -> list[dict]:
    """Designations of the city itself and of its counties (county ones name the county)."""
    d = data.designations
    out = []
    for r in d.itertuples():
        place = data.place(r.adcode)
        city = r.adcode if r.level == "city" else (place.parent_adcode if place else "")
        if city != adcode:
            continue
        out.append({
            "designation_id": r.designation_id, "name_zh": r.designation_zh, "name_en": r.designation_en,
            "place_zh": r.place_zh, "place_en": place.name_en if place else "", "level": r.level,
            "citation": f"{r.document} {r.clause}", "quote": r.quote, "note": r.note,
        })
    return out


def city_sites(data: ViewData, adcode: str) -> list[dict]:
    s = data.sites[data.sites.adcode == adcode]
    return [{
        "site_id": r.site_id, "name_zh": r.name_zh, "name_en": r.name_en, "kind": r.kind,
        "kind_zh": KINDS[r.kind][0], "kind_en": KINDS[r.kind][1], "placed": bool(r.placed),
        "precision": r.precision, "uncertainty_m": _num(r.uncertainty_m), "named_in": r.named_in,
        "coordinate_source": "" if pd.isna(r.coordinate_source) else r.coordinate_source,
        "note": "" if pd.isna(r.note) else r.note,
    } for r in s.itertuples()]


def city_detail(data: ViewData, adcode: str) -> dict | None:
    """Everything the detail panel shows for one city; ``None`` for an unknown adcode."""
    adcode = str(adcode)
    place = data.place(adcode)
    if place is None or place.level != "city":
        return None
    in_liaoning = place.in_liaoning
    if not in_liaoning and adcode not in OTHER_PLAN_CITIES:
        return None
    own = data.targets[data.targets.scope_adcode == adcode]
    return {
        "adcode": adcode, "name_zh": place.name_zh, "name_en": place.name_en, "province_zh": place.province_zh,
        "in_liaoning": in_liaoning,
        "targets": city_targets(data, adcode),
        "notes": list(annex_notes(data).values()) if in_liaoning else [],
        "progress": city_progress(data, adcode),
        "own_targets": [_target_row(r) for _, r in own.iterrows()],
        "regions": city_regions(data, adcode),
        "designations": city_designations(data, adcode),
        "sites": city_sites(data, adcode),
    }


# --------------------------------------------------------------------------- regions


_SUMMED = ("emission_2015_t", "cap_2020_t", "required_cut_t", "key_project_cut_t", "cut_beyond_projects_t")


def _aggregate(table: pd.DataFrame) -> list[dict]:
    rows = []
    for p in POLLUTANTS:
        sums = {m: round(float(table[f"{p}_{m}"].sum()), 2) for m in _SUMMED}
        e, req, key = sums["emission_2015_t"], sums["required_cut_t"], sums["key_project_cut_t"]
        rows += [{"indicator_id": f"{p}_{m}", "value": v, "unit": "t", "method": "sum",
                  "formula": f"Σ {p}_{m} over members", "formula_zh": f"成员市 {p}_{m} 之和"}
                 for m, v in sums.items()]
        rows.append({"indicator_id": f"{p}_cut_target_pct", "value": round(req / e * 100, 2) if e else None,
                     "unit": "%", "method": "implied",
                     "formula": f"Σ {p}_required_cut_t ÷ Σ {p}_emission_2015_t × 100 "
                                "(emission-weighted, not a mean of the cities' %)",
                     "formula_zh": f"Σ {p}_required_cut_t ÷ Σ {p}_emission_2015_t × 100（按排放量加权，不是各市百分比的平均）"})
        rows.append({"indicator_id": f"{p}_project_coverage_pct", "value": round(key / req * 100, 2) if req else None,
                     "unit": "%", "method": "implied",
                     "formula": f"Σ {p}_key_project_cut_t ÷ Σ {p}_required_cut_t × 100 (not a mean of the cities' %)",
                     "formula_zh": f"Σ {p}_key_project_cut_t ÷ Σ {p}_required_cut_t × 100（不是各市百分比的平均）"})
    cap = table["energy_increment_cap_10kt_ce"]
    rows.append({"indicator_id": "energy_increment_cap_10kt_ce", "value": round(float(cap.sum()), 2), "unit": "10kt_ce",
                 "method": "sum", "formula": "Σ energy_increment_cap_10kt_ce over members",
                 "formula_zh": "成员市 energy_increment_cap_10kt_ce 之和"})
    cut = table["energy_intensity_cut_target_pct"]
    rows.append({"indicator_id": "energy_intensity_cut_target_pct", "value": None,
                 "range": [float(cut.min()), float(cut.max())] if len(cut) else None, "unit": "%", "method": "range",
                 "formula": "range of the members' targets; not aggregated: a regional intensity needs GDP and "
                            "energy weights the sources do not give",
                 "formula_zh": "成员市目标的范围；不作汇总：区域强度目标需要来源未给出的 GDP 与能耗权重"})
    return rows


def region_summary(data: ViewData, region_id: str) -> dict | None:
    """A region's members and its aggregated quotas.

    Tonnes are summed. Percentages are never averaged: the cut target and project
    coverage are recomputed from the summed tonnes (emission-weighted); the energy
    intensity target is shown as the members' range. Quotas exist only per whole
    city, so partial members are reported in a second column that counts them whole.
    """
    reg = data.regions[data.regions.region_id == region_id]
    if reg.empty:
        return None
    r = reg.iloc[0]
    members = data.members[data.members.region_id == region_id]
    full = members[members.membership == "full"].adcode.tolist()
    all_ = members.adcode.tolist()
    t = data.table
    agg_full = _aggregate(t[t.adcode.isin(full)])
    agg_all = _aggregate(t[t.adcode.isin(all_)])
    for a, b in zip(agg_full, agg_all):
        a["value_with_partial"] = b["value"]
        if "range" in b:
            a["range_with_partial"] = b["range"]
        ind = data.by_id.get(a["indicator_id"])
        a["name_zh"], a["name_en"] = (ind.name_zh, ind.name_en) if ind else (a["indicator_id"], a["indicator_id"])
        a["citation"] = ind.source if ind else ""
    return {
        "region_id": region_id, "name_zh": r.name_zh, "name_en": r.name_en, "citation": f"{r.document} {r.clause}",
        "note": r.note,
        "members": [{"adcode": m.adcode, "name_zh": m.city_zh, "name_en": data.place(m.adcode).name_en,
                     "membership": m.membership, "confidence": m.confidence, "source": m.source, "note": m.note}
                    for m in members.itertuples()],
        "has_partial": len(full) != len(all_),
        "rows": agg_full,
    }


# --------------------------------------------------------------------------- province and other plans


def province_view(data: ViewData) -> dict:
    """Liaoning's own targets (grouped by document) and the city-sum reconciliation."""
    own = data.targets[data.targets.scope_adcode == LIAONING]
    docs: dict[str, list[dict]] = {}
    for _, r in own.iterrows():
        docs.setdefault(r.document, []).append(_target_row(r))
    recon = []
    for r in data.reconciliation.itertuples():
        recon.append({
            "pollutant": r.pollutant, "pollutant_zh": r.pollutant_zh, "pollutant_en": POLLUTANTS[r.pollutant][1],
            "city_sum_2015_t": float(r.city_sum_2015_t), "city_sum_cap_2020_t": float(r.city_sum_cap_2020_t),
            "province_cap_2020_t": float(r.province_cap_2020_t), "province_cut_pct": float(r.province_cut_pct),
            "province_2015_implied_t": float(r.province_2015_implied_t),
            "city_share_of_province_2015_pct": float(r.city_share_of_province_2015_pct),
            "city_caps_minus_province_cap_t": float(r.city_caps_minus_province_cap_t), "note": r.note,
        })
    return {"documents": docs, "reconciliation": recon}


def other_plans(data: ViewData) -> list[dict]:
    """Cities outside Liaoning whose own plans are among the sources, with their targets."""
    return [d for d in (city_detail(data, a) for a in OTHER_PLAN_CITIES) if d]
