"""inspection plans, records, recusals and complaints; publication deadlines

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("seed", sa.String(length=200), nullable=False),
        sa.Column("algorithm_version", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("inputs_digest", sa.String(length=64), nullable=False),
        sa.Column("result_digest", sa.String(length=64), nullable=False),
        sa.Column("drawn_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "regime IN ('electronic', 'security')", name=op.f("ck_inspection_plans_regime")
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_inspection_plans_authority_id_authorities"),
        ),
        sa.ForeignKeyConstraint(
            ["drawn_by_id"], ["users.id"], name=op.f("fk_inspection_plans_drawn_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
        sa.UniqueConstraint(
            "authority_id",
            "year",
            "regime",
            name=op.f("uq_inspection_plans_authority_id_year_regime"),
        ),
    )
    op.create_table(
        "recusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("created_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_recusals_has_reason")),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_recusals_officer_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_recusals_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recusals")),
        sa.UniqueConstraint("officer_id", "unit_id", name=op.f("uq_recusals_officer_id_unit_id")),
    )
    with op.batch_alter_table("recusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recusals_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recusals_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_detail", sa.String(length=300), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("matter", sa.String(length=60), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("routing_reason", sa.Text(), nullable=False),
        sa.Column("forwarded_to", sa.String(length=300), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("received_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("routed_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "source IN ('public', 'department', 'superior', 'media', 'other')",
            name=op.f("ck_complaints_source"),
        ),
        sa.CheckConstraint(
            "status <> 'forwarded' OR forwarded_to <> ''",
            name=op.f("ck_complaints_forwarded_has_recipient"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'inspection_scheduled', 'forwarded')",
            name=op.f("ck_complaints_status"),
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_complaints_authority_id_authorities"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_complaints_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"], ["users.id"], name=op.f("fk_complaints_received_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_complaints_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaints_authority_id"), ["authority_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaints_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "inspection_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_inspection_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_events_inspection_id_inspections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_events")),
        sa.UniqueConstraint(
            "inspection_id", "seq", name=op.f("uq_inspection_events_inspection_id_seq")
        ),
    )
    with op.batch_alter_table("inspection_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_events_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "plan_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=True),
        sa.Column("officer_ids", sa.JSON(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('random_sampling', 'key_unit', 'special', 'complaint', 'daily')",
            name=op.f("ck_plan_entries_kind"),
        ),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_plan_entries_month")),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_plan_entries_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plans.id"],
            name=op.f("fk_plan_entries_plan_id_inspection_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_plan_entries_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_entries")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_plan_entries_plan_id_position")),
    )
    with op.batch_alter_table("plan_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_entries_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_entries_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index("ix_plan_entries_unit", ["unit_id"], unique=False)

    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspection_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deadlines_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_deadlines_inspection_id_inspections"),
            "inspections",
            ["inspection_id"],
            ["id"],
        )
        batch_op.create_index("ix_deadlines_case_kind", ["case_id", "kind", "id"], unique=False)

    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "responsible_person", sa.String(length=100), server_default="", nullable=False
            )
        )
        batch_op.add_column(sa.Column("refusal_recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("signed_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("archived_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("published_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_inspections_refusal_recorded_by_id_users"),
            "users",
            ["refusal_recorded_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_inspections_refusal_recorded_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("version")
        batch_op.drop_column("published_at")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("signed_at")
        batch_op.drop_column("ended_on")
        batch_op.drop_column("refusal_recorded_by_id")
        batch_op.drop_column("responsible_person")

    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_deadlines_case_kind")
        batch_op.drop_constraint(
            batch_op.f("fk_deadlines_inspection_id_inspections"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_deadlines_inspection_id"))
        batch_op.drop_column("inspection_id")

    with op.batch_alter_table("plan_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_entries_unit")
        batch_op.drop_index(batch_op.f("ix_plan_entries_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_entries_inspection_id"))

    op.drop_table("plan_entries")
    with op.batch_alter_table("inspection_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_events_inspection_id"))

    op.drop_table("inspection_events")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_unit_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_authority_id"))

    op.drop_table("complaints")
    with op.batch_alter_table("recusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recusals_unit_id"))
        batch_op.drop_index(batch_op.f("ix_recusals_officer_id"))

    op.drop_table("recusals")
    op.drop_table("inspection_plans")
