"""What the history tests need: settings of their own (chain key, checkpoints folder) and the
owner of the tables doing what only someone bypassing the application could do."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from cases.core.db import Base
from cases.core.settings import Settings, load_settings

#: Each history table's append-only triggers (PostgreSQL: one; SQLite: one per refused action).
GUARDS = {
    "events": ("events_append_only", "events_no_update", "events_no_delete"),
    "inspection_events": (
        "inspection_events_append_only",
        "inspection_events_no_update",
        "inspection_events_no_delete",
    ),
    "registry_events": (
        "registry_events_append_only",
        "registry_events_no_update",
        "registry_events_no_delete",
    ),
    "penalty_events": (
        "penalty_events_append_only",
        "penalty_events_no_update",
        "penalty_events_no_delete",
    ),
}


def chain_settings(folder: Path, **environ: str) -> Settings:
    """Settings with an instance folder of the test's own and the run's chain key (the one the
    test process links its events with, from ``tests/conftest.py``)."""
    env = {"OVERSIGHT_INSTANCE_DIR": str(folder), "OVERSIGHT_SECRET_KEY": "test-chain"}
    env.setdefault("OVERSIGHT_CHAIN_KEY", os.environ["OVERSIGHT_CHAIN_KEY"])
    env.update(environ)
    if "OVERSIGHT_CHAIN_KEY_FILE" in environ:
        env.pop("OVERSIGHT_CHAIN_KEY")
    return load_settings(env)


def lift_guards(session: Session) -> None:
    """As the tables' owner: switch off the append-only triggers (SQLite: drop them; the test's
    transaction brings them back when it rolls back)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    for table, (pg, no_update, no_delete) in GUARDS.items():
        if postgresql:
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {pg}"))
        else:
            session.execute(text(f"DROP TRIGGER IF EXISTS {no_update}"))
            session.execute(text(f"DROP TRIGGER IF EXISTS {no_delete}"))


def erase_case(session: Session, case_id: int) -> None:
    """Delete a case and every row that names it, as the owner could (guards lifted first)."""
    for table in reversed(Base.metadata.sorted_tables):
        for column in table.columns:
            if any(fk.column.table.name == "cases" for fk in column.foreign_keys):
                session.execute(delete(table).where(column == case_id))
    session.execute(text("DELETE FROM cases WHERE id = :c"), {"c": case_id})
