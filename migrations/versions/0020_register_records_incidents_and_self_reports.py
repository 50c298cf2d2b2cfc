"""the register's history records incidents and self-reports

Incident reports (档案法 art 44) and self-reports with their refusals (条例 art 45) decide a
unit's automatic 不合格, so what was reported, filed or refused — and when, and by whom — goes
on the authority's keyed register chain like designations and recusals: new kinds
``incident_reported``, ``incident_case_opened``, ``self_report_filed``, ``self_report_refused``.

On SQLite the kind constraint is altered by recreating the table, which drops its append-only
triggers: they are made again at once.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations.append_only import drop_sqlite_guards, make_sqlite_guards

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BEFORE = [
    "key_unit_designated",
    "key_unit_revoked",
    "recusal_added",
    "recusal_removed",
    "units_imported",
]
AFTER = [
    *BEFORE,
    "incident_reported",
    "incident_case_opened",
    "self_report_filed",
    "self_report_refused",
]


def _kinds(kinds: list[str]) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        drop_sqlite_guards("registry_events")
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_registry_events_kind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_registry_events_kind"),
            sa.text("kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"),
        )
    if sqlite:
        make_sqlite_guards("registry_events", "registry events")


def upgrade() -> None:
    _kinds(AFTER)


def downgrade() -> None:
    _kinds(BEFORE)
