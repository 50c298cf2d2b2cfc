"""The in-app inbox: who is told, and the one way a notification is written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import Notification, User
from cases.vocabulary import Role


def supervisors_of(session: Session, authority_id: int) -> list[User]:
    """The active supervisors (科室/馆领导) of an authority: they get every alert."""
    return list(
        session.scalars(
            select(User).where(
                User.authority_id == authority_id,
                User.role == Role.SUPERVISOR,
                User.active.is_(True),
            )
        )
    )


def notify(
    session: Session,
    users: Iterable[User],
    zh: str,
    en: str,
    *,
    now: datetime,
    case_id: int | None = None,
) -> list[int]:
    """One notification per distinct user; returns their ids (for the event's payload)."""
    ids = list(dict.fromkeys(u.id for u in users))
    for user_id in ids:
        session.add(
            Notification(user_id=user_id, case_id=case_id, title_zh=zh, title_en=en, created_at=now)
        )
    return ids
