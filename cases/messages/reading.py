"""Reading one's own inbox: the list with its links, the unread count the header shows, and
marking read. Notifications are personal — nobody reads another's, whatever their role (the
permission function's rule for a notification), and asking for someone else's is answered as
if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.core.clock import ensure_utc
from cases.core.errors import NotFound
from cases.models import Notification, User

PAGE = 50


@dataclass(frozen=True)
class InboxItem:
    id: int
    title_zh: str
    title_en: str
    case_id: int | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    unread: int
    #: The id to pass as ``before`` for the next (older) page; None on the last.
    older: int | None


def unread_count(session: Session, actor: User) -> int:
    require(actor, Duty.READ_INBOX)
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        )
        or 0
    )


def inbox_page(
    session: Session, actor: User, *, unread_only: bool = False, before: int | None = None,
    limit: int = PAGE,
) -> InboxPage:  # fmt: skip
    """The actor's notifications, newest first, ``limit`` at a time (keyset: ``before`` is the
    last id of the previous page, so a page never shifts while new ones arrive)."""
    require(actor, Duty.READ_INBOX)
    stmt = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    rows = list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    items = [
        InboxItem(n.id, n.title_zh, n.title_en, n.case_id, n.created_at, n.read_at)
        for n in rows[:limit]
    ]
    older = items[-1].id if len(rows) > limit else None
    return InboxPage(items, unread_count(session, actor), older)


def mark_read(session: Session, actor: User, notification_id: int, *, now: datetime) -> None:
    """Mark one of the actor's notifications read (again is a no-op: the first time stays)."""
    require(actor, Duty.READ_INBOX)
    found = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == actor.id
        )
    )
    if found is None:  # another's or none: the same answer
        raise NotFound(f"消息{notification_id}不存在", f"Notification {notification_id} not found")
    if found.read_at is None:
        found.read_at = ensure_utc(now)
        session.flush()


def mark_all_read(session: Session, actor: User, *, now: datetime) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    require(actor, Duty.READ_INBOX)
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=ensure_utc(now))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
