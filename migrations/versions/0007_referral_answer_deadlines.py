"""referral answer deadlines: a deadline waits on a referral; when the referral was sent

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deadlines_referral_id"), ["referral_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deadlines_referral_id_referrals"), "referrals", ["referral_id"], ["id"]
        )

    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sent_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("sent_at")

    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_deadlines_referral_id_referrals"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_deadlines_referral_id"))
        batch_op.drop_column("referral_id")
