"""registry events: the register's append-only history (key units, recusals, imports)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

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


# Like the cases' events (0001): the database refuses UPDATE and DELETE on the register's history.
_PG_FUNCTION = """
CREATE FUNCTION registry_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'registry events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def _make_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER registry_events_append_only BEFORE UPDATE OR DELETE ON registry_events "
            "FOR EACH ROW EXECUTE FUNCTION registry_events_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER registry_events_no_{action.lower()} BEFORE {action} "
                f"ON registry_events BEGIN SELECT RAISE(ABORT, "
                f"'registry events are append-only ({action} refused)'); END"
            )


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS registry_events_append_only ON registry_events")
        op.execute("DROP FUNCTION IF EXISTS registry_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS registry_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS registry_events_no_delete")
