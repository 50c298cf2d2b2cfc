"""inspection drafts: the record form as typed, kept on the server per officer

An officer fills the inspection record on site, often on a phone with a weak connection, and the
form is long. ``inspection_drafts`` keeps what each officer typed, saved as they type, until the
record is submitted through the door — so a dropped connection or an ended session loses
nothing. A draft is not the record (no state, no event); one row per inspection and officer.

Revision ID: 0025
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0025"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("typed_at", sa.BigInteger(), nullable=False),
        sa.Column("saved_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("saves", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_drafts_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_inspection_drafts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_drafts")),
        sa.UniqueConstraint(
            "inspection_id", "user_id", name=op.f("uq_inspection_drafts_inspection_id_user_id")
        ),
    )
    with op.batch_alter_table("inspection_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_drafts_inspection_id"), ["inspection_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_drafts_inspection_id"))
    op.drop_table("inspection_drafts")
