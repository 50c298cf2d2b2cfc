"""The one way effects write rows: a prebuilt INSERT, a version- or id-guarded UPDATE of one row,
or an ORM object the transaction needs back (its id, its relationships).

Effects and the doors call these three functions and never ``session.connection().execute``
or ``session.add`` themselves, so that whoever runs a door may decide, in one place, how the
writes go out. By default they go at once. A runner may install a :class:`Holder` on the session
(the deadline sweeper does, :mod:`cases.deadlines.batch`): Core writes are then handed to it,
and it may send them later as one executemany per statement. A held UPDATE that misses its row
is still a :class:`~cases.core.errors.Conflict` — raised when the holder sends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, Update

from cases.core.errors import Conflict

Row = dict[str, Any]

_HOLDER = "oversight.write_holder"


class Holder(Protocol):
    """Takes Core writes instead of the session, or declines them (returns False)."""

    def hold_insert(self, stmt: Insert, rows: list[Row]) -> bool: ...

    def hold_update(self, stmt: Update, row: Row, changed: tuple[str, str]) -> bool: ...


@contextmanager
def holding_with(session: Session, holder: Holder) -> Iterator[Holder]:
    """Route this session's Core writes through ``holder`` for the duration of the block."""
    session.info[_HOLDER] = holder
    try:
        yield holder
    finally:
        session.info.pop(_HOLDER, None)


def insert_rows(session: Session, stmt: Insert, rows: Row | list[Row]) -> None:
    """A prebuilt Core INSERT of one row, or several as one executemany (rows nobody reads back
    as ORM objects in the transaction: events, notices, deadlines, notifications)."""
    batch = rows if isinstance(rows, list) else [rows]
    if not batch:
        return
    holder: Holder | None = session.info.get(_HOLDER)
    if holder is not None and holder.hold_insert(stmt, batch):
        return
    session.connection().execute(stmt, rows)


def update_row(session: Session, stmt: Update, row: Row, *, changed: tuple[str, str]) -> None:
    """A prebuilt Core UPDATE written for exactly one row (by id, usually with the version the
    command started from: a bulk update ignores ``version_id_col``, so the guard is written out).
    Missing the row means someone else changed it: ``Conflict(*changed)``."""
    holder: Holder | None = session.info.get(_HOLDER)
    if holder is not None and holder.hold_update(stmt, row, changed):
        return
    if session.connection().execute(stmt, row).rowcount != 1:
        raise Conflict(*changed)


def add_object(session: Session, obj: object, *, flush: bool = False) -> None:
    """An ORM object the transaction reads back (a report's id for the outbox, a referral the
    case page lists). ``flush=True`` when its id is needed at once."""
    session.add(obj)
    if flush:
        session.flush()
