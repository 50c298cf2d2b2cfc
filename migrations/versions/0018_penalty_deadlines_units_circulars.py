"""penalties: their periods as deadline rows, the party as a registered unit, the revocation, the
extended decision period; a 通报批评 circular names its penalty

A deadline may run on a penalty (``penalty_id``; such rows have no case) with five new kinds:
the decision period, the party's hearing request, service, publication and the withdrawal of a
revoked decision's publication. A penalty gains ``unit_id`` (the party as a registered unit),
``revoked_by`` (what revoked the decision, recorded apart from the withdrawal) and
``decision_extension_days`` (art 60's extension, once). A circular gains ``penalty_id``.

On SQLite the penalty's columns are added with ALTER TABLE, not batch mode: recreating
``penalties`` would drop a table that its events and officers point to.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_KINDS_BEFORE = (
    "'rectification', 'emergency_backfill', 'referral_feedback', 'publication', "
    "'assessment_cutoff', 'quota_watch', 'escalation_answer'"
)
_KINDS_AFTER = _KINDS_BEFORE + (
    ", 'penalty_decision', 'penalty_hearing_request', 'penalty_service', "
    "'penalty_publication', 'penalty_withdrawal'"
)


def _kinds(batch_op: object, kinds: str) -> None:
    batch_op.drop_constraint(batch_op.f("ck_deadlines_kind"), type_="check")  # type: ignore[attr-defined]
    batch_op.create_check_constraint(batch_op.f("ck_deadlines_kind"), sa.text(f"kind IN ({kinds})"))  # type: ignore[attr-defined]


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("penalty_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deadlines_penalty_id"), ["penalty_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deadlines_penalty_id_penalties"), "penalties", ["penalty_id"], ["id"]
        )
        _kinds(batch_op, _KINDS_AFTER)
    with op.batch_alter_table("circulars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("penalty_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_circulars_penalty_id"), ["penalty_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_circulars_penalty_id_penalties"), "penalties", ["penalty_id"], ["id"]
        )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE penalties ADD COLUMN unit_id INTEGER"
            " CONSTRAINT fk_penalties_unit_id_units REFERENCES units (id)"
        )
    else:
        op.add_column("penalties", sa.Column("unit_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_penalties_unit_id_units"), "penalties", "units", ["unit_id"], ["id"]
        )
    op.create_index(op.f("ix_penalties_unit_id"), "penalties", ["unit_id"], unique=False)
    op.add_column(
        "penalties", sa.Column("revoked_by", sa.Text(), nullable=False, server_default="")
    )
    op.add_column("penalties", sa.Column("decision_extension_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_index(op.f("ix_penalties_unit_id"), table_name="penalties")
    # SQLite drops no column a foreign key uses: batch mode recreates the table there
    with op.batch_alter_table("penalties", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":  # there the table is rebuilt without it
            batch_op.drop_constraint(batch_op.f("fk_penalties_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("decision_extension_days")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("unit_id")
    with op.batch_alter_table("circulars", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_circulars_penalty_id_penalties"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_circulars_penalty_id"))
        batch_op.drop_column("penalty_id")
    op.execute("DELETE FROM deadlines WHERE penalty_id IS NOT NULL")
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        _kinds(batch_op, _KINDS_BEFORE)
        batch_op.drop_constraint(
            batch_op.f("fk_deadlines_penalty_id_penalties"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_deadlines_penalty_id"))
        batch_op.drop_column("penalty_id")
