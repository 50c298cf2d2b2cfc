"""public services: the seed's 公共服务事项登记表 as rows an administrator can edit

The public page lists the services of the archives (training, access to the holdings, civil
air-defence education) with their offices and phone numbers. The rows are loaded from
``cases/reference/data/services.toml`` by ``sync_reference_data`` (once per ``number``) and are
the truth afterwards: a changed phone number is an edit of the row, not of a template.

Revision ID: 0028
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("content_zh", sa.Text(), nullable=False),
        sa.Column("office_zh", sa.String(length=200), nullable=False),
        sa.Column("office_en", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("area_code", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_services")),
        sa.UniqueConstraint("number", name=op.f("uq_public_services_number")),
    )


def downgrade() -> None:
    op.drop_table("public_services")
