"""penalties: administrative penalties (行政处罚), their officers and their keyed, append-only history

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db
from migrations.append_only import drop_append_only, make_append_only

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "penalties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("file_no", sa.String(length=60), nullable=False),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("party_kind", sa.String(length=20), nullable=False),
        sa.Column("party_address", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("offence", sa.String(length=40), nullable=True),
        sa.Column("sanctions", sa.JSON(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("review_passed", sa.Boolean(), nullable=False),
        sa.Column("reviewed", sa.JSON(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("hearing_offered", sa.Boolean(), nullable=False),
        sa.Column("hearing_requested", sa.Boolean(), nullable=False),
        sa.Column("hearing_notified_on", sa.Date(), nullable=True),
        sa.Column("hearing_on", sa.Date(), nullable=True),
        sa.Column("hearing_held", sa.Boolean(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("served_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("publication_withdrawn", sa.Boolean(), nullable=False),
        sa.Column("executed_on", sa.Date(), nullable=True),
        sa.Column("closed_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_due", sa.Date(), nullable=False),
        sa.Column("hearing_request_due", sa.Date(), nullable=True),
        sa.Column("service_due", sa.Date(), nullable=True),
        sa.Column("publication_due", sa.Date(), nullable=True),
        sa.Column("withdrawal_due", sa.Date(), nullable=True),
        sa.Column("created_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "party_kind IN ('unit', 'individual')", name=op.f("ck_penalties_party_kind")
        ),
        sa.CheckConstraint(
            "status IN ('filed', 'investigating', 'legal_review', 'notified', 'hearing', 'decided', 'served', 'published', 'executed', 'closed')",
            name=op.f("ck_penalties_status"),
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_penalties_authority_id_authorities")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_penalties_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_penalties_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalties")),
    )
    with op.batch_alter_table("penalties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_penalties_authority_id"), ["authority_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_penalties_case_id"), ["case_id"], unique=False)

    op.create_table(
        "penalty_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("penalty_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("algorithm", sa.String(length=10), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_penalty_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["penalty_id"], ["penalties.id"], name=op.f("fk_penalty_events_penalty_id_penalties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalty_events")),
        sa.UniqueConstraint("penalty_id", "seq", name=op.f("uq_penalty_events_penalty_id_seq")),
    )
    with op.batch_alter_table("penalty_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_penalty_events_penalty_id"), ["penalty_id"], unique=False
        )

    op.create_table(
        "penalty_officers",
        sa.Column("penalty_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["penalty_id"], ["penalties.id"], name=op.f("fk_penalty_officers_penalty_id_penalties")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_penalty_officers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("penalty_id", "user_id", name=op.f("pk_penalty_officers")),
    )
    _make_append_only()


def downgrade() -> None:
    _drop_append_only()
    op.drop_table("penalty_officers")
    with op.batch_alter_table("penalty_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penalty_events_penalty_id"))

    op.drop_table("penalty_events")
    with op.batch_alter_table("penalties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penalties_case_id"))
        batch_op.drop_index(batch_op.f("ix_penalties_authority_id"))

    op.drop_table("penalties")


def _make_append_only() -> None:
    make_append_only("penalty_events", "penalty events")


def _drop_append_only() -> None:
    drop_append_only("penalty_events")
