"""documents: the issued 执法文书, kept as the exact bytes served, with their SM3 digest

One row per document (a notice's PDF, …): the case, its kind and the row it was made from, the
number it carries, the template version and renderer, the SM3 digest and size, the bytes, and
the case event that recorded the digest. A reprint is the same row: (kind, source_id) is unique
and so is the digest. Documents are records of the procedure: the table is append-only.

document_templates: a system administrator's revisions of a kind's template (version 2 on;
version 1 ships with the code), append-only so every document's version stays readable.

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cases.core.db
from migrations.append_only import drop_append_only, make_append_only

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("media", sa.String(length=20), nullable=False),
        sa.Column("sm3", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("made_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(sm3) = 64", name=op.f("ck_documents_sm3_length")),
        sa.CheckConstraint("size > 0", name=op.f("ck_documents_size_positive")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_documents_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["users.id"], name=op.f("fk_documents_made_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("kind", "source_id", name=op.f("uq_documents_kind_source_id")),
        sa.UniqueConstraint("sm3", name=op.f("uq_documents_sm3")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_case_id"), ["case_id"], unique=False)
    make_append_only("documents", "documents")
    op.create_table(
        "document_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", cases.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "version >= 2", name=op.f("ck_document_templates_version_after_shipped")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_document_templates_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_templates")),
        sa.UniqueConstraint("kind", "version", name=op.f("uq_document_templates_kind_version")),
    )
    make_append_only("document_templates", "document templates")


def downgrade() -> None:
    drop_append_only("document_templates")
    op.drop_table("document_templates")
    drop_append_only("documents")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_case_id"))
    op.drop_table("documents")
