"""Scenarios kept in the database with versions: editors create and change them, everyone may read.

Table ``allocation_scenarios`` (migration 0004): one row per scenario name and version with the
scenario as JSON, its author, when it was stored and its note. A change is a new version; versions are
never overwritten, so every allocation shown can be traced to the exact inputs it was made from.
Every save is one transaction with its line in the audit log (:func:`geo.store.db.record`).

A scenario is run (:func:`geo.allocation.engine.allocate`) before it is stored: one that the rule
refuses (impossible floors and ceilings, negative or all-zero weights, a city without the GDP a rule
needs, a region without a rate …) is refused here too, and nothing is stored.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from geo.allocation.engine import allocate
from geo.allocation.scenario import Scenario, check_scenario, scenario_from_dict
from geo.core.errors import LnmapError
from geo.core.settings import Settings
from geo.store import db

metadata = sa.MetaData()
allocation_scenarios = sa.Table(
    "allocation_scenarios", metadata,
    sa.Column("name", sa.String(64), primary_key=True), sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("json", sa.Text, nullable=False), sa.Column("author", sa.String(128)),
    sa.Column("created_at", db.TIME, nullable=False), sa.Column("note", sa.Text),
)


class NotAnEditor(LnmapError):
    """Only editors (and the operator at the command line) may create or change scenarios."""


def require_editor(actor: str, settings: Settings | None = None) -> None:
    """``cli:<login>`` (the operator) and editors may write; anyone else is refused."""
    if actor.startswith("cli:"):
        return
    from geo.store.users import is_editor

    if not is_editor(actor, settings):
        raise NotAnEditor(f"{actor!r} is not an editor: only editors create and change scenarios (viewers see them)")


def save_scenario(scenario: Scenario, *, actor: str, settings: Settings | None = None) -> dict:
    """Store ``scenario`` as the next version of its name (1 for a new name); its name and version."""
    require_editor(actor, settings)
    s = check_scenario(scenario, settings)
    allocate(s, settings, with_stats=False)  # refused here → nothing stored
    t = allocation_scenarios
    with db.writing(settings, "store the scenario") as conn:
        last = conn.execute(sa.select(sa.func.max(t.c.version)).where(t.c.name == s.name)).scalar()
        version = int(last or 0) + 1
        conn.execute(t.insert().values(name=s.name, version=version,
                                       json=json.dumps(s.as_dict(), ensure_ascii=False, sort_keys=True),
                                       author=s.author or actor, created_at=db.now_text(), note=s.note))
        db.record(conn, actor, "scenario-save", detail=f"scenario {s.name} v{version}: {s.rule}, "
                                                       f"{s.target.pollutant} {s.target.kind} {s.target.value}")
    return {"name": s.name, "version": version}


def list_scenarios(settings: Settings | None = None) -> list[dict]:
    """The newest version of every scenario: name, version, author, created_at, note, rule, pollutant."""
    t = allocation_scenarios
    newest = sa.select(t.c.name, sa.func.max(t.c.version).label("v")).group_by(t.c.name).subquery()
    q = sa.select(t).join(newest, sa.and_(t.c.name == newest.c.name, t.c.version == newest.c.v)).order_by(t.c.name)
    with db.reading(settings, "list the scenarios") as conn:
        rows = conn.execute(q).mappings().all()
    out = []
    for r in rows:
        d = json.loads(r["json"])
        out.append({"name": r["name"], "version": r["version"], "author": r["author"], "created_at": r["created_at"],
                    "note": r["note"], "rule": d.get("rule"), "pollutant": d.get("target", {}).get("pollutant")})
    return out


def scenario_versions(name: str, settings: Settings | None = None) -> list[dict]:
    """Every version of ``name``, oldest first (version, author, created_at, note)."""
    t = allocation_scenarios
    with db.reading(settings, "read the scenario") as conn:
        rows = conn.execute(sa.select(t.c.version, t.c.author, t.c.created_at, t.c.note).where(t.c.name == name)
                            .order_by(t.c.version)).mappings().all()
    return [dict(r) for r in rows]


def load_scenario(name: str, version: int | None = None, settings: Settings | None = None) -> Scenario:
    """A stored scenario (its newest version unless ``version``); KeyError if there is none."""
    t = allocation_scenarios
    q = sa.select(t.c.json).where(t.c.name == name)
    q = q.where(t.c.version == version) if version is not None else q.order_by(t.c.version.desc()).limit(1)
    with db.reading(settings, "read the scenario") as conn:
        row = conn.execute(q).first()
    if row is None:
        raise KeyError(f"no scenario {name!r}" + (f" version {version}" if version is not None else ""))
    return scenario_from_dict(json.loads(row[0]))
