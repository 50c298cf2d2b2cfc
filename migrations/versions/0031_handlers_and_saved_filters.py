"""case handlers and saved filters: who carries a case (承办人), what each person did last, the
case list's filters kept on the server

The home page shows each person 我的待办 (their own cases awaiting their move), 待认领 (the
team's cases that nobody carries) and 已办 (what they did last). ``cases.handler_id`` is the
承办人 — at first the officer who recorded the finding, then whoever claims or is assigned the
case, each change an event on the case's chain; ``(handler_id, state)`` finds one officer's
cases without reading the authority's. ``events (actor_id, occurred_at)`` reads a person's
latest acts from an index. ``saved_filters`` keeps a person's named queries of the case list,
shared with their authority when they choose.

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite adds a column with its reference in place: no copy of the cases table
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # a downgrade there leaves the column behind (see below): upgrading again reuses it
        if "handler_id" not in {c["name"] for c in sa.inspect(bind).get_columns("cases")}:
            op.execute(
                "ALTER TABLE cases ADD COLUMN handler_id INTEGER"
                " CONSTRAINT fk_cases_handler_id_users REFERENCES users (id)"
            )
    else:
        op.add_column("cases", sa.Column("handler_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_cases_handler_id_users"), "cases", "users", ["handler_id"], ["id"]
        )
    op.create_index("ix_cases_handler_state", "cases", ["handler_id", "state"], unique=False)
    op.create_index("ix_events_actor_occurred", "events", ["actor_id", "occurred_at"])
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=400), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authorities.id"],
            name=op.f("fk_saved_filters_authority_id_authorities"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_saved_filters_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
    )
    with op.batch_alter_table("saved_filters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_saved_filters_authority_shared", ["authority_id", "shared"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_saved_filters_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("saved_filters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_filters_owner_id"))
        batch_op.drop_index("ix_saved_filters_authority_shared")
    op.drop_table("saved_filters")
    op.drop_index("ix_events_actor_occurred", table_name="events")
    op.drop_index("ix_cases_handler_state", table_name="cases")
    # SQLite drops no column a foreign key uses, and rebuilding ``cases`` would break the
    # references of every event to it: there the unused, nullable column stays behind
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_cases_handler_id_users"), "cases", type_="foreignkey")
        op.drop_column("cases", "handler_id")
