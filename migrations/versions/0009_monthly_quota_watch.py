"""monthly quota watch: one deadline per authority and month checked (unique)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_deadlines_authority_id_kind_period_start"),
            ["authority_id", "kind", "period_start"],
        )


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_deadlines_authority_id_kind_period_start"), type_="unique"
        )
        batch_op.drop_column("period_start")
