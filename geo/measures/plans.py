"""Plan periods: a later plan's per-city targets, imported, stored and derived like 十三五's annexes.

Input (CSV or XLSX, read by :mod:`geo.store.tableread` within its bounds): one row per city x indicator x
years, columns 城市, 指标, 基准年, 目标年, 数值, 单位, 出处 (English headers city, indicator,
base year, target year, value, unit, source). 指标 is a pollutant (COD/化学需氧量, NH3-N/氨氮,
SO2/二氧化硫, NOx/氮氧化物), optionally with what the value is — 排放量 (an emission: 基准年 =
目标年 = the year of the value, in 吨/t or 万吨), 下降比例 (a cut in % from 基准年 to 目标年; a
pollutant with a % unit is a cut), 重点工程减排量 (key-project tonnes, 基准年 < 目标年) — or an energy
target: 能耗强度降低 (%, 基准年 < 目标年), 能源消费增量 (万吨标准煤). 出处 (document number and
annex/table/column) is required on every row: it is what the plan's figures are cited with.

Everything is validated before anything is stored, with the observed import's messages (one per
row and field: unknown city, duplicate, non-numeric value, unknown unit, 基准年 > 目标年, missing
出处 …); a rejected file changes nothing. A stored plan is rows in the database (:mod:`geo.store.db`,
tables ``plans`` and ``plan_targets``) written in one transaction with its audit line.

From a plan's rows :func:`plan_table` derives the same measures as :func:`geo.measures.catalogue.derive`
does for the annexes (``so2_cap_2025_t`` = ``so2_emission_2020_t`` × (1 − ``so2_cut_target_2025_pct``
÷ 100) …) and, with observed values, progress against that plan. A city the plan has no row for
has no data (NaN), never zero. The bundled plan 十三五 (the annexes of 辽政发〔2017〕21号) is always
there and cannot be replaced or removed.

The store's interface: :func:`list_plans`, :func:`import_plan`, :func:`remove_plan`,
:func:`load_plan`, :func:`plan_period`, :func:`plan_table`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata

import pandas as pd
import sqlalchemy as sa

from geo.core.errors import DataValidationError, GazetteerError, Problem
from geo.core.settings import Settings, get_settings
from geo.measures.catalogue import POLLUTANTS, THIRTEENTH, Period
from geo.measures.cities import city_table
from geo.measures.rows import (
    PLAUSIBLE_FACTOR,
    POLLUTANT_INDEX,
    cell_key,
    check_source_text,
    parse_number,
    split_header,
)
from geo.places.gazetteer import get_gazetteer
from geo.store import db
from geo.store.tableread import LIMITS, Limits, read_table
from geo.store.users import default_actor

BUNDLED = THIRTEENTH.name
#: Years a plan's row may name.
YEARS = (2000, 2060)

_HEADERS = {
    "city": ["城市", "市", "地市", "行政区划代码", "adcode", "city"],
    "indicator": ["指标", "污染物", "indicator", "pollutant"],
    "base_year": ["基准年", "基年", "baseyear", "base"],
    "target_year": ["目标年", "targetyear", "target"],
    "value": ["数值", "值", "value"],
    "unit": ["单位", "unit", "units"],
    "citation": ["出处", "来源", "source", "citation"],
}
_HEADER_INDEX = {cell_key(a): canon for canon, aliases in _HEADERS.items() for a in aliases}
#: What a pollutant's value is, after the pollutant's name in 指标.
_KINDS = {
    "emission": ["排放量", "排放总量", "emission", "emissions"],
    "cut_target": ["下降比例", "减排比例", "削减比例", "下降", "cut", "cuttarget", "reduction"],
    "key_project_cut": ["重点工程减排量", "重点工程", "keyprojectcut", "keyproject", "keyprojects"],
}
_KIND_INDEX = {cell_key(a): k for k, aliases in _KINDS.items() for a in aliases}
_ENERGY = {
    "intensity_cut": ["能耗强度降低", "能耗强度下降", "能耗强度降低目标", "energyintensitydecline", "energyintensity"],
    "increment_cap": ["能源消费增量", "能耗增量", "能耗增量控制目标", "energyincrement"],
}
_ENERGY_INDEX = {cell_key(a): k for k, aliases in _ENERGY.items() for a in aliases}
_TONNES = {"t": 1.0, "吨": 1.0, "万吨": 10_000.0, "万t": 10_000.0, "10kt": 10_000.0}
_UNITS_BY_KIND = {
    "emission": {cell_key(u): f for u, f in _TONNES.items()},
    "key_project_cut": {cell_key(u): f for u, f in _TONNES.items()},
    "cut_target": {"%": 1.0},
    "intensity_cut": {"%": 1.0},
    "increment_cap": {cell_key(u): 1.0 for u in ("万吨标准煤", "10kt ce", "10ktce", "万tce", "万吨标煤")},
}
_UNIT_NAMES = {"emission": "吨/t or 万吨", "key_project_cut": "吨/t or 万吨", "cut_target": "%", "intensity_cut": "%",
               "increment_cap": "万吨标准煤/10kt ce"}
_STORED_UNIT = {"emission": "t", "key_project_cut": "t", "cut_target": "%", "intensity_cut": "%",
                "increment_cap": "10kt_ce"}


def _indicator(text: str) -> tuple[str, str | None] | None:
    """``二氧化硫排放量`` -> (so2, emission); ``SO2`` -> (so2, None); ``能耗强度降低`` -> (energy, intensity_cut)."""
    k = cell_key(text).replace("-", "").replace("_", "")
    if k in _ENERGY_INDEX:
        return "energy", _ENERGY_INDEX[k]
    for alias, p in sorted(POLLUTANT_INDEX.items(), key=lambda a: -len(a[0])):
        a = alias.replace("-", "")
        if not k.startswith(a):
            continue
        rest = k[len(a):]
        if rest == "":
            return p, None
        if rest in _KIND_INDEX:
            return p, _KIND_INDEX[rest]
    return None


def _indicator_id(group: str, kind: str, base: int, target: int) -> str:
    if group == "energy":
        return f"energy_intensity_cut_target_{target}_pct" if kind == "intensity_cut" else \
            f"energy_increment_cap_{target}_10kt_ce"
    return {"emission": f"{group}_emission_{base}_t", "cut_target": f"{group}_cut_target_{target}_pct",
            "key_project_cut": f"{group}_key_project_cut_{target}_t"}[kind]


def check_plan_name(name: object) -> str:
    """A plan name: 1–64 printable characters, not the bundled plan's."""
    if not isinstance(name, str) or not name.strip():
        raise DataValidationError(Problem("a plan needs a name (--plan NAME, e.g. 十四五)", field="plan"))
    name = unicodedata.normalize("NFKC", name).strip()
    if len(name) > 64 or any(unicodedata.category(c).startswith("C") for c in name):
        raise DataValidationError(Problem(f"plan name {name!r}: at most 64 printable characters", field="plan"))
    return name


def read_plan(data: bytes, *, name: str = "upload", limits: Limits = LIMITS) -> pd.DataFrame:
    """Validate a plan file; the normalised rows, or :class:`DataValidationError` with every problem."""
    table = read_table(data, name=name, limits=limits)
    header = [str(h) for h in table.header]
    hrow = table.header_row
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for i, col in enumerate(header):
        canon = _HEADER_INDEX.get(cell_key(col)) or _HEADER_INDEX.get(split_header(col)[0])
        if canon and canon in columns:
            problems.append(Problem(f"two columns mean {canon!r}: {header[columns[canon]]!r} and {col!r}", hrow, col, name))
        elif canon:
            columns[canon] = i
    for c in _HEADERS:
        if c not in columns:
            problems.append(Problem(f"missing column {c!r} (accepted headers: {', '.join(_HEADERS[c][:4])} …)", hrow, c,
                                    name))
    if problems:
        raise DataValidationError(problems)
    if not table.rows:
        raise DataValidationError(Problem("no data rows", source=name))
    for first, last in table.empty_runs:
        problems.append(Problem("empty row" if first == last else f"empty rows {first:,}–{last:,}", first, None, name))
    names = {c: header[i] for c, i in columns.items()}
    gaz = get_gazetteer()
    baselines = _baselines()
    records: list[dict] = []
    seen: dict[tuple, int] = {}
    for i, cells in table.rows:
        cells = cells + [""] * (len(header) - len(cells))
        rec = {c: unicodedata.normalize("NFKC", cells[j]).strip() for c, j in columns.items()}
        bad: list[Problem] = []
        place = None
        try:
            place = gaz.resolve(re.sub(r"^([0-9]{6})\.0$", r"\1", rec["city"]), level="city", row=i,
                                field=names["city"], source=name)
            if not place.in_liaoning:
                bad.append(Problem(f"{place.name_zh} is in {place.province_zh}, not Liaoning", i, names["city"], name))
        except GazetteerError as exc:
            bad.extend(exc.problems)
        what = _indicator(rec["indicator"])
        if what is None:
            bad.append(Problem(f"unknown indicator {rec['indicator']!r}; expected one of COD/化学需氧量, NH3-N/氨氮, "
                               "SO2/二氧化硫, NOx/氮氧化物 (optionally with 排放量, 下降比例 or 重点工程减排量), "
                               "能耗强度降低, 能源消费增量", i, names["indicator"], name))
        years = {}
        for y in ("base_year", "target_year"):
            text = rec[y].removesuffix("年").removesuffix(".0")
            if not re.fullmatch(r"[0-9]{4}", text):
                bad.append(Problem(f"{names[y]} {rec[y]!r} is not a four-digit year", i, names[y], name))
            elif not YEARS[0] <= int(text) <= YEARS[1]:
                bad.append(Problem(f"{names[y]} {text} outside {YEARS[0]}–{YEARS[1]}", i, names[y], name))
            else:
                years[y] = int(text)
        if len(years) == 2 and years["base_year"] > years["target_year"]:
            bad.append(Problem(f"基准年 {years['base_year']} is after 目标年 {years['target_year']}", i,
                               names["target_year"], name))
        value, why = parse_number(rec["value"], comma_grouping=table.separator in (",", ""))
        if why:
            bad.append(Problem(why, i, names["value"], name))
        if not rec["citation"]:
            bad.append(Problem("出处 is empty: every row needs its document number and annex/table/column", i,
                               names["citation"], name))
        else:
            bad += [Problem(p.message, i, names["citation"], name) for p in check_source_text(rec["citation"])]
        kind = None
        if what is not None:
            group, kind = what
            if kind is None:  # a pollutant alone: a % is a cut, tonnes in one year an emission
                same = len(years) == 2 and years["base_year"] == years["target_year"]
                kind = "cut_target" if rec["unit"] == "%" else "emission" if same else None
                if kind is None:
                    bad.append(Problem(f"{rec['indicator']!r} in tonnes from {rec['base_year']} to {rec['target_year']}: "
                                       "an emission has 基准年 = 目标年; key-project tonnes are 重点工程减排量", i,
                                       names["indicator"], name))
        factor = None
        if kind is not None:
            factor = _UNITS_BY_KIND[kind].get(cell_key(rec["unit"]))
            if factor is None:
                bad.append(Problem(f"unknown unit {rec['unit']!r} for {rec['indicator']}; expected {_UNIT_NAMES[kind]}",
                                   i, names["unit"], name))
            if len(years) == 2:
                one_year = years["base_year"] == years["target_year"]
                if kind == "emission" and not one_year:
                    bad.append(Problem("an emission row has 基准年 = 目标年 (the year of the value)", i,
                                       names["target_year"], name))
                if kind != "emission" and one_year:
                    bad.append(Problem(f"a {kind.replace('_', ' ')} row runs from 基准年 to a later 目标年", i,
                                       names["target_year"], name))
        if value is not None and kind is not None and factor is not None:
            bad += _bounds(kind, value * factor, rec, baselines, place, i, names["value"], name)
        if bad:
            problems += bad
            continue
        assert place is not None and what is not None and kind is not None and value is not None and factor is not None
        key = (place.adcode, what[0], kind, years["base_year"], years["target_year"])
        if key in seen:
            problems.append(Problem(f"duplicate {place.name_zh} / {rec['indicator']} / {years['base_year']}–"
                                    f"{years['target_year']}: also in row {seen[key]}", i, names["city"], name))
            continue
        seen[key] = i
        records.append({
            "adcode": place.adcode, "city_zh": place.name_zh, "grp": what[0], "kind": kind,
            "indicator_id": _indicator_id(what[0], kind, years["base_year"], years["target_year"]),
            "base_year": years["base_year"], "target_year": years["target_year"], "value": round(value * factor, 6),
            "unit": _STORED_UNIT[kind], "value_as_given": rec["value"], "unit_as_given": rec["unit"],
            "conversion": "none" if factor == 1 else f"× {factor:g} ({rec['unit']} → t)", "citation": rec["citation"],
            "source_row": i,
        })
    if problems:
        raise DataValidationError(problems)
    return pd.DataFrame.from_records(records, columns=db.PLAN_TARGET_COLUMNS)


def _baselines() -> pd.Series:
    from geo.measures.catalogue import load_quotas

    q = load_quotas()
    return q[q.indicator_id.str.endswith("_emission_2015_t")].set_index(["adcode", "indicator_id"]).value


def _bounds(kind: str, v: float, rec: dict, baselines: pd.Series, place, row: int, field: str, name: str) -> list[Problem]:
    """Values a plan can hold: a cut below 100 %, tonnes not negative and within PLAUSIBLE_FACTOR of 2015."""
    if kind in ("cut_target", "intensity_cut") and not -100 < v < 100:
        return [Problem(f"{rec['value']!r} % is not a cut between −100 and 100 %", row, field, name)]
    if kind in ("emission", "key_project_cut") and v < 0:
        return [Problem(f"negative value {rec['value']!r}", row, field, name)]
    if kind == "emission" and place is not None:
        what = _indicator(rec["indicator"])
        b = baselines.get((place.adcode, f"{what[0] if what else ''}_emission_2015_t"))
        if b and not b / PLAUSIBLE_FACTOR <= v <= b * PLAUSIBLE_FACTOR:
            return [Problem(f"implausible value {v:g} t: more than {PLAUSIBLE_FACTOR:g}x away from the 2015 baseline "
                            f"{b:g} t (辽政发〔2017〕21号); check the unit", row, field, name)]
    if kind == "increment_cap" and abs(v) >= 100_000:
        return [Problem(f"implausible energy increment {v:g} 万吨标准煤; check the unit", row, field, name)]
    return []


# --------------------------------------------------------------------------- store


def import_plan(data: bytes, *, plan: str, name: str, settings: Settings | None = None,
                actor: str | None = None) -> dict:
    """Validate and store a plan's targets under ``plan`` in one transaction; its metadata.

    A plan of that name already stored is refused (remove it first): a plan's figures change only
    by an explicit removal, which the audit log records.
    """
    plan = check_plan_name(plan)
    if plan == BUNDLED:
        raise DataValidationError(Problem(f"{BUNDLED} is the bundled plan (辽政发〔2017〕21号's annexes): choose another "
                                          "name", field="plan"))
    rows = read_plan(data, name=name)
    actor = actor or default_actor()
    sha = hashlib.sha256(data).hexdigest()
    meta = {"plan": plan, "file_name": name, "file_sha256": sha, "imported_at": db.now_text(dt.datetime.now(dt.UTC)),
            "imported_by": actor, "rows": len(rows), "cities": int(rows.adcode.nunique()),
            "base_years": sorted({int(y) for y in rows.base_year}), "target_years": sorted({int(y) for y in rows.target_year}),
            "conversions": sorted(set(rows.conversion) - {"none"})}
    with db.writing(settings, "store the plan") as conn:
        if conn.execute(sa.select(db.plans.c.name).where(db.plans.c.name == plan)).first() is not None:
            raise DataValidationError(Problem(f"a plan named {plan!r} is already stored: remove it first "
                                              f"(lnmap targets remove {plan})", field="plan"))
        conn.execute(db.plans.insert().values(name=plan, file_name=name, file_sha256=sha, imported_at=meta["imported_at"],
                                              imported_by=actor, meta=json.dumps(meta, ensure_ascii=False)))
        records = rows.to_dict("records")
        for n, r in enumerate(records):
            r.update(plan=plan, row_no=n, base_year=int(r["base_year"]), target_year=int(r["target_year"]),
                     source_row=int(r["source_row"]), value=float(r["value"]))
        conn.execute(db.plan_targets.insert(), records)
        db.record(conn, actor, "plan-import", file_name=name, file_sha256=sha, detail=f"plan {plan}: {len(rows)} rows")
    return meta


def list_plans(settings: Settings | None = None) -> list[dict]:
    """The bundled plan, then the stored ones (oldest first)."""
    out = [{"plan": BUNDLED, "bundled": True, "source": THIRTEENTH.source("cod").split(" ")[0],
            "base_years": [THIRTEENTH.base_year], "target_years": [THIRTEENTH.target_year], "cities": 14}]
    with db.reading(settings, "list the plans") as conn:
        for r in conn.execute(sa.select(db.plans).order_by(db.plans.c.imported_at)):
            out.append({**json.loads(r.meta), "bundled": False})
    return out


def remove_plan(plan: str, settings: Settings | None = None, *, actor: str | None = None) -> None:
    """Delete a stored plan and its targets (the bundled one cannot be removed); KeyError if none."""
    if plan == BUNDLED:
        raise KeyError(f"{BUNDLED} is the bundled plan and cannot be removed")
    with db.writing(settings, "remove the plan") as conn:
        row = conn.execute(sa.select(db.plans).where(db.plans.c.name == plan)).first()
        if row is None:
            raise KeyError(f"no plan {plan!r}")
        conn.execute(db.plan_targets.delete().where(db.plan_targets.c.plan == plan))
        conn.execute(db.plans.delete().where(db.plans.c.name == plan))
        db.record(conn, actor or default_actor(), "plan-remove", file_name=row.file_name, file_sha256=row.file_sha256,
                  detail=f"plan {plan}")


def load_plan(plan: str, settings: Settings | None = None) -> pd.DataFrame:
    """A stored plan's rows (:data:`geo.store.db.PLAN_TARGET_COLUMNS`); KeyError if there is no such plan."""
    t = db.plan_targets
    with db.reading(settings, "read the plan") as conn:
        if conn.execute(sa.select(db.plans.c.name).where(db.plans.c.name == plan)).first() is None:
            raise KeyError(f"no plan {plan!r} (lnmap targets list)")
        rows = conn.execute(sa.select(t).where(t.c.plan == plan).order_by(t.c.row_no)).mappings().all()
    frame = pd.DataFrame.from_records([dict(r) for r in rows], columns=["plan", "row_no", *db.PLAN_TARGET_COLUMNS])
    return frame[db.PLAN_TARGET_COLUMNS].astype({"base_year": "int64", "target_year": "int64", "value": float})


def plan_period(plan: str, settings: Settings | None = None, rows: pd.DataFrame | None = None) -> Period:
    """The plan's base and target years (of its cut targets: the earliest base, the latest target) and,
    per group, the citations of its rows."""
    if plan == BUNDLED:
        return THIRTEENTH
    rows = load_plan(plan, settings) if rows is None else rows
    cuts = rows[rows.kind != "emission"]
    spans = cuts if len(cuts) else rows
    sources = tuple((g, "; ".join(sorted(set(rows[rows.grp == g].citation)))) for g in [*POLLUTANTS, "energy"]
                    if (rows.grp == g).any())
    return Period(plan, int(spans.base_year.min()), int(spans.target_year.max()), sources)


def plan_table(plan: str, settings: Settings | None = None, *, observed: pd.DataFrame | None = None
               ) -> tuple[pd.DataFrame, Period]:
    """One row per Liaoning city with the plan's targets and their derivations, and the plan's period.

    For each pollutant p with an emission of year B and a cut from B to T:
    ``p_cap_T_t`` = ``p_emission_B_t`` × (1 − ``p_cut_target_T_pct`` ÷ 100) and ``p_required_cut_T_t`` =
    ``p_emission_B_t`` × ``p_cut_target_T_pct`` ÷ 100, rounded to 0.01. With ``observed`` values of year
    T: ``p_progress_T_pct`` and ``p_gap_to_cap_T_t`` as for 2020. A city without a row: no data.
    """
    settings = settings or get_settings()
    if plan == BUNDLED:
        return city_table(settings, observed=observed), THIRTEENTH
    rows = load_plan(plan, settings)
    period = plan_period(plan, settings, rows)
    base = city_table(settings)[["adcode", "name_zh", "name_en"]]
    wide = rows.pivot_table(index="adcode", columns="indicator_id", values="value", aggfunc="first")
    table = base.merge(wide, left_on="adcode", right_index=True, how="left")
    derived: dict[str, pd.Series] = {}
    for r in rows[rows.kind == "cut_target"][["grp", "base_year", "target_year"]].drop_duplicates().itertuples():
        p, b, t = r.grp, int(r.base_year), int(r.target_year)
        e_id, cut_id = f"{p}_emission_{b}_t", f"{p}_cut_target_{t}_pct"
        if e_id not in table:
            continue
        e, pct = table[e_id].astype(float), table[cut_id].astype(float)
        derived[f"{p}_cap_{t}_t"] = (e * (1 - pct / 100)).round(2)
        derived[f"{p}_required_cut_{t}_t"] = (e * pct / 100).round(2)
        if observed is not None and len(observed):
            obs = observed[(observed.pollutant == p) & (observed.year.astype(int) == t)]
            o = table.adcode.map(obs.set_index("adcode").value).astype(float)
            denom = (e - derived[f"{p}_cap_{t}_t"]).where(lambda d: d != 0)
            derived[f"{p}_progress_{t}_pct"] = ((e - o) / denom * 100).round(2)
            derived[f"{p}_gap_to_cap_{t}_t"] = (o - derived[f"{p}_cap_{t}_t"]).round(2) + 0.0
    table = pd.concat([table, pd.DataFrame(derived, index=table.index)], axis=1)
    return table.sort_values("adcode").reset_index(drop=True), period
