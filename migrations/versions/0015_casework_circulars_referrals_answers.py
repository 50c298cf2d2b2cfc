"""casework: circulars drafted then published (with a take-down time); disciplinary referrals
name the persons, the receiving organ and the facts; escalation reports await an answer

A circular's ``published_at`` becomes NULL while it is a draft, and it gains ``take_down_at`` and
``created_at`` (existing rows were published when made). A referral gains ``receiving_organ``
(任免机关/监察机关), ``facts`` and ``persons``. A deadline may wait on an escalation report
(``report_id``), a new kind ``escalation_answer``. The outbox also delivers referrals.

Revision ID: 0015
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_KINDS_BEFORE = (
    "'rectification', 'emergency_backfill', 'referral_feedback', 'publication', "
    "'assessment_cutoff', 'quota_watch'"
)
_KINDS_AFTER = _KINDS_BEFORE + ", 'escalation_answer'"


def _delivery_kinds(kinds: str) -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_deliveries_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_deliveries_kind"), sa.text(kinds))


def upgrade() -> None:
    _delivery_kinds("kind IN ('report', 'circular', 'referral')")
    with op.batch_alter_table("circulars", schema=None) as batch_op:
        batch_op.alter_column(
            "published_at", existing_type=cases.core.db.UTCDateTime(timezone=True), nullable=True
        )
        batch_op.add_column(
            sa.Column("take_down_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("created_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receiving_organ", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("facts", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("persons", sa.JSON(), nullable=True))
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deadlines_report_id"), ["report_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deadlines_report_id_reports"), "reports", ["report_id"], ["id"]
        )
        batch_op.drop_constraint(batch_op.f("ck_deadlines_kind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_deadlines_kind"), sa.text(f"kind IN ({_KINDS_AFTER})")
        )


def downgrade() -> None:
    _delivery_kinds("kind IN ('report', 'circular')")
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_deadlines_kind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_deadlines_kind"), sa.text(f"kind IN ({_KINDS_BEFORE})")
        )
        batch_op.drop_constraint(batch_op.f("fk_deadlines_report_id_reports"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_deadlines_report_id"))
        batch_op.drop_column("report_id")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("persons")
        batch_op.drop_column("facts")
        batch_op.drop_column("receiving_organ")
    with op.batch_alter_table("circulars", schema=None) as batch_op:
        batch_op.drop_column("created_at")
        batch_op.drop_column("take_down_at")
        batch_op.alter_column(
            "published_at", existing_type=cases.core.db.UTCDateTime(timezone=True), nullable=False
        )
