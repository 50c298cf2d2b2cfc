"""Gapless notice numbers: 鹿档执通〔2026〕7号 — never two alike, never a hole.

The counter row is bumped with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` inside the
issuing transaction. On PostgreSQL the row lock it takes serialises concurrent issuers until
commit, and a rollback returns the number; on SQLite the command transaction (``BEGIN
IMMEDIATE``) already serialises writers. One Core statement on the session's connection: this is
on the hot path of every notice (bench/transitions.py).
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cases.models import NoticeCounter

_counters = NoticeCounter.__table__


def next_notice_serial(session: Session, authority_id: int, year: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(_counters)
        .values(authority_id=authority_id, year=year, last_serial=1)
        .on_conflict_do_update(
            index_elements=[_counters.c.authority_id, _counters.c.year],
            set_={"last_serial": _counters.c.last_serial + 1},
        )
        .returning(_counters.c.last_serial)
    )
    return session.connection().execute(stmt).scalar_one()


def notice_number(prefix: str, year: int, serial: int) -> str:
    """The 发文字号 as printed: prefix, year in 六角括号, serial, 号."""
    return f"{prefix}〔{year}〕{serial}号"
