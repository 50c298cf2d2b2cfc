"""deadline reminders: the next reminder's time and how many were sent, on the deadline row

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PENDING_REMINDER = "status = 'pending' AND next_reminder_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_reminder_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            "ix_deadlines_pending_reminder",
            ["next_reminder_at"],
            unique=False,
            postgresql_where=sa.text(PENDING_REMINDER),
            sqlite_where=sa.text(PENDING_REMINDER),
        )


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_deadlines_pending_reminder")
        batch_op.drop_column("reminders_sent")
        batch_op.drop_column("next_reminder_at")
