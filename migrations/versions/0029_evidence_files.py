"""evidence files: the files a unit sends with its rectification report

One row per file (整改证明材料): the case and the report it came with, its number within the
case, its name, SHA-256, size and the kind its content showed, who sent it and when. The bytes
are kept with the complaints' attachments (content-addressed, same backup). Evidence is part of
the procedure's record: the table is append-only, like the events.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db
from migrations.append_only import drop_append_only, make_append_only

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_evidence_files_seq_positive")),
        sa.CheckConstraint("size > 0", name=op.f("ck_evidence_files_size_positive")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_evidence_files_sha256_length")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_files_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["rectification_reports.id"],
            name=op.f("fk_evidence_files_report_id_rectification_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_evidence_files_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_evidence_files_case_id_seq")),
    )
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_files_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_files_report_id"), ["report_id"], unique=False
        )
    make_append_only("evidence_files", "evidence files")


def downgrade() -> None:
    drop_append_only("evidence_files")
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_files_report_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_files_case_id"))
    op.drop_table("evidence_files")
