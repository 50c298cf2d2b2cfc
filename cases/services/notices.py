"""Gapless notice numbers: 鹿档执通〔2026〕7号 — never two alike, never a hole.

The counter row is bumped with ``UPDATE … RETURNING`` inside the issuing transaction. On
PostgreSQL the row lock serialises concurrent issuers and a rollback returns the number; on
SQLite the command transaction (``BEGIN IMMEDIATE``) already serialises writers.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cases.models import NoticeCounter


def next_notice_serial(session: Session, authority_id: int, year: int) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(NoticeCounter)
        .values(authority_id=authority_id, year=year, last_serial=0)
        .on_conflict_do_nothing()
    )
    return session.execute(
        update(NoticeCounter)
        .where(NoticeCounter.authority_id == authority_id, NoticeCounter.year == year)
        .values(last_serial=NoticeCounter.last_serial + 1)
        .returning(NoticeCounter.last_serial)
    ).scalar_one()


def notice_number(prefix: str, year: int, serial: int) -> str:
    """The 发文字号 as printed: prefix, year in 六角括号, serial, 号."""
    return f"{prefix}〔{year}〕{serial}号"
