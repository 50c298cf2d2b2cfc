"""security policy and credential warnings: the security administrator's policy row, and the
key that makes the daily credential-expiry warning idempotent

``security_policy`` holds the password and session policy the security administrator set, one
row for the installation (``id`` 1, a check): a column left empty follows the environment's
default; without the row every value does. ``credential_warnings`` records that an officer's
credential expiry date was warned of (30 days ahead), one row per officer and expiry date — a
re-run warns nobody twice, a new expiry date warns again. ``api_tokens.last_used_at``: when a
token last signed a command in (written at most once a minute), for the security
administrator's list of tokens.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

POLICY_COLUMNS = (
    "password_min_length",
    "password_history",
    "password_rotation_days",
    "lockout_failures",
    "lockout_minutes",
    "idle_timeout_minutes",
    "session_hours",
)


def upgrade() -> None:
    op.create_table(
        "security_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in POLICY_COLUMNS),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_security_policy_one_row")),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_security_policy_changed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_policy")),
    )
    op.create_table(
        "credential_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("warned_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credential_warnings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_warnings")),
        sa.UniqueConstraint(
            "user_id", "expires_on", name=op.f("uq_credential_warnings_user_id_expires_on")
        ),
    )

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_used_at", cases.core.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
    op.drop_table("credential_warnings")
    op.drop_table("security_policy")
