"""web sessions: the signed-in browsers, decided by the server

A signed-in browser's cookie carries a random token; the row (by the token's digest) says who,
since when, last seen when and from where, until when at most, at which stage of signing in,
and whether it ended — so the security administrator sees who is signed in and can sign anyone
out everywhere, and an idle or revoked session ends at the next request.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("ended_at", cases.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), server_default="", nullable=False),
        sa.CheckConstraint(
            "stage IN ('full', 'change_password', 'enrol_totp')", name=op.f("ck_web_sessions_stage")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_web_sessions_digest")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
