"""The in-app inbox: who is told, and the one way a notification is written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from cases.core.vocabulary import Role
from cases.deadlines.batch import current_batch, write
from cases.models import Notification, User

_SUPERVISORS = select(User).where(
    User.authority_id == bindparam("authority_id"),
    User.role == Role.SUPERVISOR.value,
    User.active.is_(True),
)
_INSERT_NOTIFICATION = insert(Notification.__table__)


def supervisors_of(session: Session, authority_id: int) -> list[User]:
    """The active supervisors (科室/馆领导) of an authority: they get every alert. A sweeper's
    batch reads them once (see :mod:`cases.deadlines.batch`)."""
    batch = current_batch(session)
    if batch is not None and authority_id in batch.supervisors:
        return batch.supervisors[authority_id]
    found = list(session.scalars(_SUPERVISORS, {"authority_id": authority_id}))
    if batch is not None:
        batch.supervisors[authority_id] = found
    return found


def notify(
    session: Session,
    users: Iterable[User],
    zh: str,
    en: str,
    *,
    now: datetime,
    case_id: int | None = None,
) -> list[int]:
    """One notification per distinct user, written with one prebuilt Core INSERT (nothing reads
    them back in the transaction); returns the users' ids (for the event's payload)."""
    ids = list(dict.fromkeys(u.id for u in users))
    if ids:
        if session.new:  # rows it may refer to (a new case, a new user) go first
            session.flush()
        common = {"case_id": case_id, "title_zh": zh, "title_en": en, "created_at": now}
        write(session, _INSERT_NOTIFICATION, [{"user_id": i, **common} for i in ids])
    return ids
