"""Plan periods: a later plan's per-city targets (lnmap targets import FILE --plan NAME).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", TIME, nullable=False),
        sa.Column("imported_by", sa.String(128)),
        sa.Column("meta", sa.Text, nullable=False),  # JSON: rows, cities, years, conversions, encoding
    )
    op.create_table(
        "plan_targets",
        sa.Column("plan", sa.String(64), sa.ForeignKey("plans.name", ondelete="CASCADE"), primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True),
        sa.Column("adcode", sa.String(12), nullable=False),
        sa.Column("city_zh", sa.Text, nullable=False),
        sa.Column("grp", sa.String(16), nullable=False),  # cod | nh3n | so2 | nox | energy
        sa.Column("kind", sa.String(32), nullable=False),  # emission, cut_target, key_project_cut, intensity_cut …
        sa.Column("indicator_id", sa.String(64), nullable=False),
        sa.Column("base_year", sa.Integer, nullable=False),
        sa.Column("target_year", sa.Integer, nullable=False),
        sa.Column("value", sa.Float(53), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("value_as_given", sa.Text, nullable=False),
        sa.Column("unit_as_given", sa.Text, nullable=False),
        sa.Column("conversion", sa.Text, nullable=False),
        sa.Column("citation", sa.Text, nullable=False),  # 出处: document number and annex/table/column
        sa.Column("source_row", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plan_targets")
    op.drop_table("plans")
