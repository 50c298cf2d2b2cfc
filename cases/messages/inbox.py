"""The in-app inbox: who is told, and the one way a notification is written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from cases.core.door import prefetched
from cases.core.vocabulary import Role
from cases.core.writes import insert_rows
from cases.models import Notification, User

_SUPERVISORS = select(User).where(
    User.authority_id == bindparam("authority_id"),
    User.role == Role.SUPERVISOR.value,
    User.active.is_(True),
)
_SUPERVISORS_OF_MANY = (
    select(User)
    .where(
        User.authority_id.in_(bindparam("ids", expanding=True)),
        User.role == Role.SUPERVISOR.value,
        User.active.is_(True),
    )
    .order_by(User.id)
)
_INSERT_NOTIFICATION = insert(Notification.__table__)
#: What a runner of the door may have read ahead: the supervisors of an authority, by its id.
SUPERVISORS = "supervisors"


def supervisors_of(session: Session, authority_id: int) -> list[User]:
    """The active supervisors (科室/馆领导) of an authority: they get every alert. Whoever runs
    the door may have read them already for many firings (the sweeper's batch)."""
    known = prefetched(session, SUPERVISORS, authority_id)
    if known is not None:
        return known
    return list(session.scalars(_SUPERVISORS, {"authority_id": authority_id}))


def _active(session: Session, roles: list[Role], **where: int) -> list[User]:
    """The active people of ``roles`` with the given column values (authority, unit), by id."""
    conditions = [getattr(User, column) == value for column, value in where.items()]
    return list(
        session.scalars(
            select(User)
            .where(*conditions, User.role.in_([r.value for r in roles]), User.active.is_(True))
            .order_by(User.id)
        )
    )


def officers_of(session: Session, authority_id: int) -> list[User]:
    """The active supervisors and inspectors of an authority: an incident alerts them all at
    once (档案法 art 44), not only the supervisors."""
    return _active(session, [Role.SUPERVISOR, Role.INSPECTOR], authority_id=authority_id)


def liaisons_of(session: Session, unit_id: int) -> list[User]:
    """The active liaisons of a unit (the self-report reminders go to them)."""
    return _active(session, [Role.UNIT_LIAISON], unit_id=unit_id)


def system_admins_of(session: Session, authority_id: int | None) -> list[User]:
    """The active system administrators of an authority (they keep the credentials)."""
    if authority_id is None:
        return []
    return _active(session, [Role.SYSTEM_ADMIN], authority_id=authority_id)


def supervisors_by_authority(
    session: Session, authority_ids: Iterable[int]
) -> dict[int, list[User]]:
    """:func:`supervisors_of` for several authorities in one query (an empty list for an
    authority that has none), for a runner that reads ahead for many firings."""
    found: dict[int, list[User]] = {i: [] for i in authority_ids}
    if found:
        for user in session.scalars(_SUPERVISORS_OF_MANY, {"ids": sorted(found)}):
            found[user.authority_id].append(user)
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
        insert_rows(session, _INSERT_NOTIFICATION, [{"user_id": i, **common} for i in ids])
    return ids
