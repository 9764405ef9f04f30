"""Allocation scenarios (issue 23): a plan period's provincial target split among the cities by a rule,
kept with versions (a change is a new version; none is overwritten).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "allocation_scenarios",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("json", sa.Text, nullable=False),  # the Scenario: target, rule, inputs, input table, author, date, note
        sa.Column("author", sa.String(128)),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("note", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("allocation_scenarios")
