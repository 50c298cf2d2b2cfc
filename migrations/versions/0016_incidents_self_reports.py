"""incidents and self-reports (档案法 art 44, 条例 art 45); municipal archive-security reports

Revision ID: 0016
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('report', 'circular', 'referral')"
NEW_KINDS = "kind IN ('report', 'circular', 'referral', 'municipal_report')"


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("occurred_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scale", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("case_opened_by_id", sa.Integer(), nullable=True),
        sa.Column("case_opened_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(case_id IS NULL) = (case_opened_at IS NULL)", name=op.f("ck_incidents_case_has_time")
        ),
        sa.CheckConstraint("kind IN ('damage', 'leak')", name=op.f("ck_incidents_kind")),
        sa.CheckConstraint("length(what) > 0", name=op.f("ck_incidents_has_what")),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_incidents_authority_id_authorities")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_incidents_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["case_opened_by_id"], ["users.id"], name=op.f("fk_incidents_case_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_incidents_finding_id_findings")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_incidents_reported_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_incidents_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("case_id", name=op.f("uq_incidents_case_id")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_authority_id"), ["authority_id"])
        batch_op.create_index(batch_op.f("ix_incidents_unit_id"), ["unit_id"])

    op.create_table(
        "self_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("filed_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("refused_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refusal_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("last_reminded_on", sa.Date(), nullable=True),
        sa.Column("overdue_alerted_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "(status = 'filed') = (filed_at IS NOT NULL)",
            name=op.f("ck_self_reports_filed_has_time"),
        ),
        sa.CheckConstraint(
            "refused_at IS NULL OR length(refusal_reason) > 0",
            name=op.f("ck_self_reports_refusal_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('due', 'filed', 'refused')", name=op.f("ck_self_reports_status")
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_self_reports_authority_id_authorities"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_self_reports_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["refusal_recorded_by_id"],
            ["users.id"],
            name=op.f("fk_self_reports_refusal_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_self_reports_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_reports")),
        sa.UniqueConstraint("unit_id", "year", name=op.f("uq_self_reports_unit_id_year")),
    )
    with op.batch_alter_table("self_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_reports_authority_id"), ["authority_id"])
        batch_op.create_index(batch_op.f("ix_self_reports_unit_id"), ["unit_id"])

    _delivery_kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'municipal_report'")
    _delivery_kinds(OLD_KINDS)
    op.drop_table("self_reports")
    op.drop_table("incidents")


def _delivery_kinds(check: str) -> None:
    """The outbox learns a third kind: the report to the municipal archive-security system."""
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_deliveries_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_deliveries_kind"), check)
