"""Allocation scenarios in the database (migration 0004): versions, editors, audit, nothing stored on bad input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geo.allocation.scenario import RuleInputs, Scenario, Target
from geo.allocation.store import (
    NotAnEditor,
    allocation_scenarios,
    list_scenarios,
    load_scenario,
    save_scenario,
    scenario_versions,
)
from geo.core.errors import DataValidationError
from geo.store import db

UNIFORM = Scenario("十四五 COD 统一", Target("cod", "total_cut_pct", 10.0), "uniform", author="张三", date="2026-12-01",
                   note="first draft")


def _rows() -> list:
    with db.reading() as conn:
        return conn.execute(sa.select(allocation_scenarios)).all()


def test_migration_0004_follows_0003_and_creates_the_table():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_revision("0004").down_revision == "0003"
    db.engine()
    with db.reading() as conn:
        assert db.current_revision(conn) == db.head_revision()
        cols = {c["name"] for c in sa.inspect(conn).get_columns("allocation_scenarios")}
    assert {"name", "version", "json", "author", "created_at", "note"} <= cols


def test_each_change_is_a_new_version_and_every_version_is_kept():
    assert save_scenario(UNIFORM, actor="cli:tester") == {"name": "十四五 COD 统一", "version": 1}
    changed = Scenario(UNIFORM.name, Target("cod", "total_cut_pct", 12.0), "uniform",
                       inputs=RuleInputs(floors={"*": 5}), author="李四", note="raised to 12 %")
    assert save_scenario(changed, actor="cli:tester")["version"] == 2
    listed = list_scenarios()
    assert [(s["name"], s["version"], s["rule"], s["note"]) for s in listed] == [
        ("十四五 COD 统一", 2, "uniform", "raised to 12 %")]
    assert [v["version"] for v in scenario_versions(UNIFORM.name)] == [1, 2]
    assert load_scenario(UNIFORM.name).target.value == 12.0
    first = load_scenario(UNIFORM.name, 1)
    assert first.target.value == 10.0 and first.author == "张三" and first.note == "first draft"
    assert load_scenario(UNIFORM.name).inputs.floors == {"*": 5.0}
    log = db.audit_log()
    assert [r["action"] for r in log[:2]] == ["scenario-save", "scenario-save"]
    assert "v2" in log[0]["detail"] and log[0]["actor"] == "cli:tester"
    with pytest.raises(KeyError):
        load_scenario("no such")


@pytest.mark.parametrize("bad, words", [
    (Scenario("x", Target("cod", "total_cut_pct", 10.0), "uniform", inputs=RuleInputs(floors={"*": 20})), "the floors"),
    (Scenario("x", Target("cod", "total_cut_pct", 10.0), "index", inputs=RuleInputs(weights={"emission_t": -2})),
     "negative"),
    (Scenario("x", Target("cod"), "region", inputs=RuleInputs(rates={"shenyang_metro": 10}, membership="strictest")),
     "no rate for"),
    (Scenario("x", Target("cod", "total_cut_pct", 10.0), "proportional", inputs=RuleInputs(basis="intensity")),
     "gdp_100m_yuan"),
])
def test_bad_input_stores_nothing(bad, words):
    with pytest.raises(DataValidationError) as e:
        save_scenario(bad, actor="cli:tester")
    assert words in str(e.value)
    assert _rows() == []
    assert not any(r["action"] == "scenario-save" for r in db.audit_log())


def test_viewers_see_editors_change():
    from geo.store.users import add_user

    with pytest.raises(NotAnEditor):
        save_scenario(UNIFORM, actor="visitor")
    assert _rows() == []
    add_user("editor1", "long enough password")
    assert save_scenario(UNIFORM, actor="editor1")["version"] == 1
    assert list_scenarios()[0]["author"] == "张三"  # the scenario's author; the audit log has who stored it
    assert db.audit_log()[0]["actor"] == "editor1"
