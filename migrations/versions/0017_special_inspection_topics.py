"""special inspections record their topic (重大隐患 / 网络安全 / 上级交办 / 其他)

Adds ``inspections.special_topic`` (a closed vocabulary; only special inspections have one —
a planned one may not have it yet, its record is not complete without it) and
``special_topic_note`` (what an ``other`` topic is). Special inspections recorded before this
revision had no topic: they get ``other`` with the note 迁移前未记录专题, so an edit of such a
record is not refused for a gap nobody could fill, and nobody mistakes the backfill for a
recorded topic.

Revision ID: 0017
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TOPICS = "'major_hazard', 'network_security', 'assigned', 'other'"
BACKFILL_NOTE = "迁移前未记录专题"


TOPIC_CHECK = f"special_topic IS NULL OR special_topic IN ({TOPICS})"
ONLY_SPECIAL = "kind = 'special' OR special_topic IS NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its named CHECKs, not batch mode: recreating ``inspections`` would drop a
        # table that findings, officers and events point to, which SQLite refuses once rows exist.
        op.execute(
            "ALTER TABLE inspections ADD COLUMN special_topic VARCHAR(30)"
            f" CONSTRAINT ck_inspections_special_topic CHECK ({TOPIC_CHECK})"
            f" CONSTRAINT ck_inspections_topic_only_for_special CHECK ({ONLY_SPECIAL})"
        )
        op.add_column(
            "inspections",
            sa.Column(
                "special_topic_note", sa.String(length=200), server_default="", nullable=False
            ),
        )
        _backfill()
        return
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("special_topic", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column(
                "special_topic_note", sa.String(length=200), server_default="", nullable=False
            )
        )
    _backfill()
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_inspections_special_topic"), TOPIC_CHECK)
        batch_op.create_check_constraint(
            batch_op.f("ck_inspections_topic_only_for_special"), ONLY_SPECIAL
        )


def _backfill() -> None:
    op.execute(
        sa.text(
            "UPDATE inspections SET special_topic = 'other', special_topic_note = :note"
            " WHERE kind = 'special' AND status <> 'planned'"
        ).bindparams(note=BACKFILL_NOTE)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # the CHECKs are the column's own: they go with it
        op.execute("ALTER TABLE inspections DROP COLUMN special_topic_note")
        op.execute("ALTER TABLE inspections DROP COLUMN special_topic")
        return
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_inspections_topic_only_for_special"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_inspections_special_topic"), type_="check")
        batch_op.drop_column("special_topic_note")
        batch_op.drop_column("special_topic")
