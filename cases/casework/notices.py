"""Gapless notice numbers: 鹿档执通〔2026〕7号 — never two alike, never a hole.

The counter row is bumped with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` inside the
issuing transaction. On PostgreSQL the row lock it takes serialises concurrent issuers until
commit, and a rollback returns the number; on SQLite the command transaction (``BEGIN
IMMEDIATE``) already serialises writers. One Core statement on the session's connection: this is
on the hot path of every notice (bench/door.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cases.models import Authority, NoticeCounter

_counters = NoticeCounter.__table__


def _bump(insert: Any) -> Any:
    return (
        insert(_counters)
        .values(authority_id=bindparam("authority_id"), year=bindparam("year"), last_serial=1)
        .on_conflict_do_update(
            index_elements=[_counters.c.authority_id, _counters.c.year],
            set_={"last_serial": _counters.c.last_serial + 1},
        )
        .returning(_counters.c.last_serial)
    )


#: Built once per dialect (the upsert syntax is dialect-specific; both speak ON CONFLICT).
_BUMP = {"postgresql": _bump(postgresql.insert), "sqlite": _bump(sqlite.insert)}


def next_notice_serial(session: Session, authority_id: int, year: int) -> int:
    stmt = _BUMP[session.get_bind().dialect.name]
    params = {"authority_id": authority_id, "year": year}
    return session.connection().execute(stmt, params).scalar_one()


_PREFIX = select(Authority.notice_prefix).where(Authority.id == bindparam("authority_id"))
_prefixes: dict[tuple[str, int], str] = {}


def notice_prefix(session: Session, authority_id: int) -> str:
    """The authority's 发文字号 stem (鹿档执通). It changes only when an authority is renamed, so
    it is remembered per process (restart the processes after renaming an authority)."""
    key = (str(session.get_bind().url), authority_id)
    if key not in _prefixes:
        _prefixes[key] = session.scalar(_PREFIX, {"authority_id": authority_id}) or ""
    return _prefixes[key]


def notice_number(prefix: str, year: int, serial: int) -> str:
    """The 发文字号 as printed: prefix, year in 六角括号, serial, 号."""
    return f"{prefix}〔{year}〕{serial}号"
