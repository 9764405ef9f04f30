"""Carbon inventories in the store: one transaction per import, the audit log, and `lnmap carbon`."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from geo.carbon import schema
from geo.carbon.commands import carbon
from geo.carbon.inventory import import_inventory, inventory_table, list_inventories, remove_inventory
from geo.core.errors import DataValidationError
from geo.store import db

TABLE = "城市,二氧化碳排放量\n沈阳,100\n大连,200\n".encode()


def _rows() -> dict[str, int]:
    with db.reading() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (schema.inventories, schema.values, schema.points, db.audit)}


def test_migration_0003_makes_the_carbon_tables():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    revision = ScriptDirectory.from_config(cfg).get_revision("0003")
    assert revision is not None and revision.down_revision == "0002"
    with db.reading() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert {"carbon_inventories", "carbon_values", "carbon_points"} <= names


def test_import_list_table_remove_and_the_audit_log(backend):
    meta = import_inventory(TABLE, name="CEADs 2019", year=2019, source="CEADs", licence="cite only",
                            actor="web:alice", file_name="ceads.csv")
    listed = list_inventories()
    assert [(i["name"], i["year"], i["method"], i["source"], i["licence"], i["imported_by"], i["file_name"])
            for i in listed] == [("CEADs 2019", 2019, "table", "CEADs", "cite only", "web:alice", "ceads.csv")]
    assert listed[0]["file_sha256"] == hashlib.sha256(TABLE).hexdigest() == meta["file_sha256"]
    assert inventory_table("CEADs 2019", "city").set_index("adcode").loc["210200", "co2_t"] == 200
    with pytest.raises(DataValidationError, match="already stored: remove it first"):
        import_inventory(TABLE, name="CEADs 2019", year=2019)
    remove_inventory("CEADs 2019", actor="web:bob")
    assert list_inventories() == []
    with pytest.raises(KeyError, match="no inventory"):
        inventory_table("CEADs 2019", "city")
    log = db.audit_log()
    assert [(e["action"], e["actor"]) for e in log[:2]] == [("carbon-remove", "web:bob"), ("carbon-import", "web:alice")]
    assert log[1]["file_sha256"] == meta["file_sha256"] and "CEADs 2019" in log[1]["detail"]


def test_a_refused_file_leaves_the_store_and_its_audit_log_as_they_were():
    import_inventory(TABLE, name="kept", year=2019)
    before = _rows()
    with pytest.raises(DataValidationError):
        import_inventory("城市,二氧化碳排放量\n沈阳,100\n火星,1\n".encode(), name="bad", year=2019)
    assert _rows() == before


def test_an_import_that_fails_inside_its_transaction_stores_nothing(monkeypatch):
    before = _rows()

    def broken(*args, **kwargs):
        raise RuntimeError("disk pulled out")

    monkeypatch.setattr(db, "record", broken)  # the last statement of the import's transaction
    with pytest.raises(RuntimeError):
        import_inventory(TABLE, name="half", year=2019)
    assert _rows() == before


def test_the_command_line(tmp_path):
    runner = CliRunner()
    good = tmp_path / "ceads.csv"
    good.write_bytes(TABLE)
    done = runner.invoke(carbon, ["import", str(good), "--name", "c", "--year", "2019", "--licence", "cite only"])
    assert done.exit_code == 0, done.output
    assert "stored inventory 'c': table, 2019" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes("城市,二氧化碳排放量\n沈阳,-100\n".encode())
    done = runner.invoke(carbon, ["import", str(bad), "--name", "d", "--year", "2019"])
    assert done.exit_code == 1
    assert "rejected (nothing stored):" in done.output and "bad.csv, row 2, field '二氧化碳排放量': negative value" in done.output
    assert "c " in runner.invoke(carbon, ["list"]).output
    out = tmp_path / "c.json"
    done = runner.invoke(carbon, ["table", "--name", "c", "--level", "city", "--format", "json", "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 14 and rows[0]["adcode"] == "210100" and rows[0]["co2_t"] == 100
    assert rows[1]["co2_t"] == 200 and rows[2]["co2_t"] is None
    assert rows[0]["co2_t_per_10k_yuan"] is None and rows[0]["licence"] == "cite only"
    csv_text = runner.invoke(carbon, ["table", "--name", "c", "--level", "county"]).output
    assert csv_text.splitlines()[0].startswith("adcode,name_zh,name_en,co2_t,co2_t_per_km2,coverage_pct")
    assert len(csv_text.splitlines()) == 101
    assert runner.invoke(carbon, ["remove", "c"]).exit_code == 0
    done = runner.invoke(carbon, ["remove", "c"])
    assert done.exit_code == 1 and "no inventory 'c'" in done.output


def test_lnmap_has_the_carbon_group():
    from geo.cli import main

    assert main.commands["carbon"] is carbon


@pytest.mark.parametrize("file_name, words", [("broken.nc", "named as a NetCDF file"), ("broken.tif", "named as a GeoTIFF file")])
def test_a_file_named_as_a_grid_that_is_not_one_is_refused_as_such(tmp_path, file_name, words):
    """A truncated download (random bytes under a grid's name) is refused as the grid it claims to be, not read as
    a table; nothing is stored."""
    path = tmp_path / file_name
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(DataValidationError) as exc:
        import_inventory(path, name="broken", year=2020)
    assert words in str(exc.value) and list_inventories() == []
