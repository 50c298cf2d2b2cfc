"""annual assessments: per authority and year, locked at the end-of-February cut-off

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cutoff_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("circular_id", sa.Integer(), nullable=True),
        sa.Column("circulated_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status = 'open' OR locked_at IS NOT NULL", name=op.f("ck_assessments_locked_has_time")
        ),
        sa.CheckConstraint("status IN ('open', 'locked')", name=op.f("ck_assessments_status")),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_assessments_authority_id_authorities"),
        ),
        sa.ForeignKeyConstraint(
            ["circular_id"], ["circulars.id"], name=op.f("fk_assessments_circular_id_circulars")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("authority_id", "year", name=op.f("uq_assessments_authority_id_year")),
    )
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deadlines_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_deadlines_assessment_id_assessments"),
            "assessments",
            ["assessment_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_deadlines_assessment_id_assessments"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_deadlines_assessment_id"))
        batch_op.drop_column("assessment_id")

    op.drop_table("assessments")
