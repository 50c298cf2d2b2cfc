"""registry events: the register's append-only history (key units, recusals, imports)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db
from migrations.append_only import drop_append_only, make_append_only

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('key_unit_designated', 'key_unit_revoked', 'recusal_added', 'recusal_removed', 'units_imported')",
            name=op.f("ck_registry_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_registry_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_registry_events_authority_id_authorities"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_registry_events_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_registry_events_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_events")),
    )
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_events_authority_id"), ["authority_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_events_unit_id"), ["unit_id"], unique=False)
    _make_append_only()


def downgrade() -> None:
    _drop_append_only()
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_events_unit_id"))
        batch_op.drop_index(batch_op.f("ix_registry_events_authority_id"))

    op.drop_table("registry_events")


def _make_append_only() -> None:
    make_append_only("registry_events", "registry events")


def _drop_append_only() -> None:
    drop_append_only("registry_events")
