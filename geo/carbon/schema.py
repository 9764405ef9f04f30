"""The store's carbon tables (migration 0003), on :data:`geo.store.db.metadata`.

``carbon_inventories``: one row per imported inventory (its name is the key); ``carbon_values``: its
t CO2 per place (level city or county, adcode) with the share of the place's area its grid covers;
``carbon_points``: an asset list's sites inside Liaoning.
"""

from __future__ import annotations

import sqlalchemy as sa

from geo.store.db import TIME, metadata

inventories = sa.Table(
    "carbon_inventories", metadata,
    sa.Column("name", sa.String(64), primary_key=True), sa.Column("year", sa.Integer),
    sa.Column("unit", sa.Text), sa.Column("method", sa.String(8)), sa.Column("sector", sa.Text),
    sa.Column("source", sa.Text), sa.Column("licence", sa.Text), sa.Column("file_name", sa.Text),
    sa.Column("file_sha256", sa.String(64)), sa.Column("imported_at", TIME), sa.Column("imported_by", sa.String(128)),
    sa.Column("meta", sa.Text),
)
values = sa.Table(
    "carbon_values", metadata,
    sa.Column("inventory", sa.String(64), primary_key=True), sa.Column("level", sa.String(8), primary_key=True),
    sa.Column("adcode", sa.String(12), primary_key=True), sa.Column("co2_t", sa.Float(53)),
    sa.Column("coverage_pct", sa.Float(53)),
)
points = sa.Table(
    "carbon_points", metadata,
    sa.Column("inventory", sa.String(64), primary_key=True), sa.Column("point_no", sa.Integer, primary_key=True),
    sa.Column("lon", sa.Float(53)), sa.Column("lat", sa.Float(53)), sa.Column("sector", sa.Text),
    sa.Column("gas", sa.Text), sa.Column("tonnes", sa.Float(53)), sa.Column("co2_t", sa.Float(53)),
    sa.Column("city_adcode", sa.String(12)), sa.Column("county_adcode", sa.String(12)),
    sa.Column("source_row", sa.Integer),
)
