"""The store: observed datasets and their rows, the store's state, editors and the audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.String(32)  # ISO 8601 UTC, "2026-11-26T08:00:00.000000Z": sorts as text on every backend


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("imported_at", TIME, nullable=False),
        sa.Column("imported_by", sa.String(128)),
        sa.Column("meta", sa.Text, nullable=False),  # the dataset's metadata as JSON (cities, years, conversions …)
        sa.Column("deleted_at", TIME),
        sa.Column("deleted_by", sa.String(128)),
    )
    op.create_table(
        "observations",
        sa.Column("dataset_id", sa.String(64), sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True),
        sa.Column("adcode", sa.String(12), nullable=False),
        sa.Column("city_zh", sa.Text, nullable=False),
        sa.Column("pollutant", sa.String(16), nullable=False),
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.Float(53), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("value_as_given", sa.Text, nullable=False),
        sa.Column("unit_as_given", sa.Text, nullable=False),
        sa.Column("conversion", sa.Text, nullable=False),
        sa.Column("flag", sa.Text, nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "store_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text),
    )
    op.create_table(
        "file_imports",  # datasets brought over from the file store (obs-*.csv + .json), so never twice
        sa.Column("dataset_id", sa.String(64), primary_key=True),
        sa.Column("migrated_at", TIME, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False, server_default="editor"),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", sa.String(128)),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TIME, nullable=False, index=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("dataset_id", sa.String(64)),
        sa.Column("file_name", sa.Text),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("detail", sa.Text),
    )


def downgrade() -> None:
    for table in ("audit", "users", "file_imports", "store_state", "observations", "datasets"):
        op.drop_table(table)
