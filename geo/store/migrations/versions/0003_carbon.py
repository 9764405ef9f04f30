"""Carbon inventories: a grid, asset list or table summed to Liaoning's cities and counties
(lnmap carbon import FILE --name NAME --year Y).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "carbon_inventories",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),  # as given (--unit or the file's), e.g. "kg m-2 s-1"
        sa.Column("method", sa.String(8), nullable=False),  # grid | asset | table
        sa.Column("sector", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("licence", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", TIME, nullable=False),
        sa.Column("imported_by", sa.String(128)),
        sa.Column("meta", sa.Text, nullable=False),  # JSON: form, variable, window, steps, conversion, counts
    )
    op.create_table(
        "carbon_values",
        sa.Column("inventory", sa.String(64), sa.ForeignKey("carbon_inventories.name", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("level", sa.String(8), primary_key=True),  # city | county
        sa.Column("adcode", sa.String(12), primary_key=True),
        sa.Column("co2_t", sa.Float(53), nullable=False),
        sa.Column("coverage_pct", sa.Float(53)),  # grids only: share of the place's area with valid cells
    )
    op.create_table(
        "carbon_points",
        sa.Column("inventory", sa.String(64), sa.ForeignKey("carbon_inventories.name", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("point_no", sa.Integer, primary_key=True),
        sa.Column("lon", sa.Float(53), nullable=False),  # WGS84
        sa.Column("lat", sa.Float(53), nullable=False),
        sa.Column("sector", sa.Text, nullable=False),
        sa.Column("gas", sa.Text, nullable=False),
        sa.Column("tonnes", sa.Float(53), nullable=False),  # of the gas
        sa.Column("co2_t", sa.Float(53)),  # CO2 (C × 44/12); empty for another gas
        sa.Column("city_adcode", sa.String(12), nullable=False),
        sa.Column("county_adcode", sa.String(12), nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("carbon_points")
    op.drop_table("carbon_values")
    op.drop_table("carbon_inventories")
