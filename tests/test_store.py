"""The store's database on SQLite and PostgreSQL: restore and purge, editors, the audit log, the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.measures.observed import (
    active_dataset,
    import_observed,
    list_datasets,
    load_observed,
    purge_removed,
    remove_dataset,
    restore_dataset,
)
from geo.store.db import head_revision

CSV = "城市,指标,年份,数值,单位\n沈阳,COD,2020,200000,吨\n大连,COD,2020,150000,吨\n".encode()


def test_remove_is_reversible_until_purged(backend):
    meta = import_observed(CSV, name="a.csv")
    remove_dataset(meta["dataset_id"])
    assert list_datasets() == [] and active_dataset() is None
    with pytest.raises(KeyError):
        load_observed(meta["dataset_id"])
    assert [m["dataset_id"] for m in list_datasets(removed=True)] == [meta["dataset_id"]]
    assert purge_removed() == []  # removed a moment ago: kept for 30 days
    restore_dataset(meta["dataset_id"])
    assert load_observed(meta["dataset_id"]).value.tolist() == [200000.0, 150000.0]
    remove_dataset(meta["dataset_id"])
    assert purge_removed(days=0) == [meta["dataset_id"]]
    with pytest.raises(KeyError):
        restore_dataset(meta["dataset_id"])
    # purged, the same file is a new dataset again
    again = import_observed(CSV, name="a.csv")
    assert not again["existing"] and again["dataset_id"] != meta["dataset_id"]


def test_every_change_is_in_the_audit_log(backend):
    from geo.store.db import audit_log

    meta = import_observed(CSV, name="a.csv", actor="web:alice")
    import_observed(CSV, name="copy.csv", actor="web:bob")
    remove_dataset(meta["dataset_id"], actor="web:alice")
    restore_dataset(meta["dataset_id"], actor="cli:ops")
    log = list(reversed(audit_log()))
    assert [(r["actor"], r["action"], r["file_name"]) for r in log] == [
        ("web:alice", "import", "a.csv"), ("web:alice", "use", None), ("web:bob", "import-same-file", "copy.csv"),
        ("web:alice", "remove", "a.csv"), ("cli:ops", "restore", "a.csv")]
    import hashlib

    assert {r["file_sha256"] for r in log if r["file_name"]} == {hashlib.sha256(CSV).hexdigest()}


def test_editors_from_the_command_line(backend):
    from geo.store.users import verify

    runner = CliRunner()
    assert runner.invoke(main, ["users", "add", "alice"], input="correct horse\n").exit_code == 0
    assert verify("alice", "correct horse") and not verify("alice", "wrong horse") and not verify("bob", "x")
    listed = runner.invoke(main, ["users", "list"])
    assert listed.output.startswith("alice ") and "editor" in listed.output
    short = runner.invoke(main, ["users", "add", "bob"], input="short\n")
    assert short.exit_code == 1 and short.stderr.strip() == "error: the password is too short: at least 8 characters"
    gone = runner.invoke(main, ["users", "remove", "carol"])
    assert gone.exit_code == 1 and gone.stderr.strip() == "error: no user 'carol'"
    assert runner.invoke(main, ["users", "remove", "alice"]).exit_code == 0 and not verify("alice", "correct horse")
    audit = runner.invoke(main, ["audit"]).output.splitlines()
    assert "user-remove" in audit[0] and "alice" in audit[0] and "user-add" in audit[1]


def test_datasets_restore_and_purge_from_the_command_line(tmp_path, backend):
    f = tmp_path / "a.csv"
    f.write_bytes(CSV)
    runner = CliRunner()
    runner.invoke(main, ["import", str(f)])
    dataset_id = list_datasets()[0]["dataset_id"]
    again = runner.invoke(main, ["import", str(f)])
    assert again.exit_code == 0 and f"already stored as {dataset_id}: not stored again" in again.output
    assert runner.invoke(main, ["datasets", "remove", dataset_id]).exit_code == 0
    assert dataset_id in runner.invoke(main, ["datasets", "list", "--removed"]).output
    assert runner.invoke(main, ["datasets", "restore", dataset_id]).output == f"restored {dataset_id}\n"
    bad = runner.invoke(main, ["datasets", "restore", dataset_id])
    assert bad.exit_code == 1 and bad.stderr == f"error: no removed dataset {dataset_id!r}\n"
    assert f"schema at version {head_revision()}" in runner.invoke(main, ["db", "upgrade"]).output


def test_an_unreachable_database_is_one_line_and_exit_1(monkeypatch):
    monkeypatch.setenv("LNMAP_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(main, ["datasets", "list"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open the database: the database cannot be reached")
