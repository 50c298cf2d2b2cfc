"""The warning of officers' enforcement credentials (行政执法证件) 30 days before they expire.

An officer whose credential expires within 30 days, or has expired, is told in their inbox, and
so are their authority's system administrators (who keep the credentials) — once per expiry
date: a ``credential_warnings`` row keyed by officer and date is written with the notifications,
in one transaction, so a daily run (and a re-run, or two beats at once) warns nobody twice,
while a new expiry date recorded later is warned of again when its turn comes. What counts as
"expiring" is :func:`cases.accounts.administration.credential_warning`, the same test the
system administrator's page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.accounts.administration import CREDENTIAL_WARNING_DAYS, credential_warning
from cases.core.clock import ensure_utc, local_date
from cases.core.vocabulary import OFFICER_ROLES
from cases.messages.inbox import notify, system_admins_of
from cases.models import CredentialWarning, User


@dataclass
class Warned:
    """What a run did: officers warned (each once per expiry date) and notifications written."""

    officers: int = 0
    notifications: int = 0


def warn_expiring_credentials(session: Session, now: datetime) -> Warned:
    """Warn every active officer whose credential expires within 30 days (Asia/Shanghai days)
    or has expired, and their authority's system administrators, of each expiry date once.
    Flushes; the caller commits."""
    now = ensure_utc(now)
    today = local_date(now)
    horizon = today + timedelta(days=CREDENTIAL_WARNING_DAYS)
    warned = select(CredentialWarning.id).where(
        CredentialWarning.user_id == User.id,
        CredentialWarning.expires_on == User.credential_expires_on,
    )
    officers = session.scalars(
        select(User)
        .where(
            User.role.in_([r.value for r in OFFICER_ROLES]),
            User.active.is_(True),
            User.credential_expires_on.is_not(None),
            User.credential_expires_on <= horizon,
            ~warned.exists(),
        )
        .order_by(User.id)
    ).all()
    done = Warned()
    for officer in officers:
        reason = credential_warning(officer, today)
        if reason is None or not _claim(session, officer, now):
            continue  # another run warned of this date first
        zh, en = reason
        number = officer.credential_no or ""
        done.notifications += len(
            notify(session, [officer], f"您的{zh}（证件编号 {number}），请及时办理换证",
                   f"Your {en} (number {number}): have it renewed", now=now)
        )  # fmt: skip
        admins = [a for a in system_admins_of(session, officer.authority_id) if a.id != officer.id]
        done.notifications += len(
            notify(session, admins,
                   f"执法人员 {officer.display_name}（{officer.username}）的{zh}（证件编号 {number}）",
                   f"Officer {officer.username}'s {en} (number {number})", now=now)
        )  # fmt: skip
        done.officers += 1
    return done


def _claim(session: Session, officer: User, now: datetime) -> bool:
    """Write the key of this officer's expiry date; False when it is there already (a run at
    the same time claimed it first — the unique key decides, on both databases)."""
    try:
        with session.begin_nested():
            session.add(
                CredentialWarning(
                    user_id=officer.id, expires_on=officer.credential_expires_on, warned_at=now
                )
            )
    except IntegrityError:
        return False
    return True
