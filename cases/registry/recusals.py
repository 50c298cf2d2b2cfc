"""Recusal (回避): an officer who must not inspect a unit because of a conflict of interest.

行政处罚法 art 43 and 国办发〔2015〕58号 (双随机、一公开, LAW.md): an officer with an interest in the
matter — kin at the unit, a former employer, a business tie — steps aside. The register is a list
of (officer, unit) pairs with the reason and the date from which it applies; the plan draw pairs
no officer with a unit on the list (:func:`recused_pairs` is its input) and the inspection record
refuses such a pairing (:func:`is_recused`).

Who may change it: an officer may declare their own conflict (自行回避) and a supervisor
(科室/馆领导) of the same authority may record any; only a supervisor may lift one, and never
their own — otherwise an officer could lift a recusal to be drawn for the unit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from cases.access import Duty, can
from cases.core.clock import ensure_utc, utcnow
from cases.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.core.vocabulary import OFFICER_ROLES
from cases.models import Recusal, Unit, User
from cases.registry.history import record_registry_event

__all__ = [
    "RecusalEntry",
    "add_recusal",
    "is_recused",
    "list_recusals",
    "recused_pairs",
    "remove_recusal",
]

log = logging.getLogger(__name__)


def _supervisor_of(actor: User, unit: Unit) -> bool:
    return can(actor, Duty.RECORD_RECUSALS, unit)


def _find(session: Session, officer: User, unit: Unit) -> Recusal | None:
    return session.scalar(
        select(Recusal).where(Recusal.officer_id == officer.id, Recusal.unit_id == unit.id)
    )


def _already(officer: User, unit: Unit, existing: Recusal) -> Conflict:
    return Conflict(
        f"{officer.display_name}对{unit.name}的回避已登记（自{existing.since}起：{existing.reason}）",
        f"{officer.display_name}'s recusal from {unit.name} is already recorded "
        f"(since {existing.since}: {existing.reason})",
    )


def add_recusal(
    session: Session,
    officer: User,
    unit: Unit,
    reason: str,
    since: date,
    actor: User,
    now: datetime | None = None,
) -> Recusal:
    """Record that ``officer`` must not inspect ``unit`` from ``since``, for ``reason``.

    Raises:
        NotAllowed: the actor is neither the officer nor a supervisor of the unit's authority.
        InvalidInput: ``officer`` is not an enforcement officer of the unit's authority, or no
            reason is given.
        Conflict: the pair is already recorded (409).
    """
    if actor.id != officer.id and not _supervisor_of(actor, unit):
        raise NotAllowed(
            "只有执法人员本人或本馆的科室/馆领导可以登记回避",
            "Only the officer or a supervisor of the unit's authority may record a recusal",
        )
    if officer.role not in OFFICER_ROLES:
        raise InvalidInput(
            f"{officer.display_name}不是执法人员，无需登记回避",
            f"{officer.display_name} is not an enforcement officer",
        )
    if officer.authority_id != unit.authority_id:
        raise InvalidInput(
            f"{officer.display_name}不是{unit.name}所属档案机关的执法人员",
            f"{officer.display_name} is not an officer of {unit.name}'s authority",
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "请填写回避理由（如亲属关系、曾任职等）",
            "A reason is required (kinship, former employment, …)",
        )
    existing = _find(session, officer, unit)
    if existing is not None:
        raise _already(officer, unit, existing)
    recusal = Recusal(
        officer_id=officer.id,
        unit_id=unit.id,
        reason=reason,
        since=since,
        created_at=ensure_utc(now or utcnow()),
    )
    try:
        with session.begin_nested():  # another request may record the same pair meanwhile
            session.add(recusal)
    except IntegrityError:
        existing = _find(session, officer, unit)
        if existing is None:
            raise
        raise _already(officer, unit, existing) from None
    record_registry_event(
        session, "recusal_added", authority_id=unit.authority_id, actor=actor,
        at=recusal.created_at, unit_id=unit.id, officer_id=officer.id, reason=reason,
        payload={"since": since.isoformat()},
    )  # fmt: skip
    log.info(
        "recusal added: officer=%s unit=%s by=%s since=%s",
        officer.username, unit.id, actor.username, since,
    )  # fmt: skip
    return recusal


def remove_recusal(
    session: Session,
    officer: User,
    unit: Unit,
    reason: str,
    actor: User,
    now: datetime | None = None,
) -> None:
    """Lift ``officer``'s recusal from ``unit`` (the conflict has ended), for ``reason``.

    The row is deleted; the reason and the lifted recusal are kept in the register's history
    (:mod:`cases.registry.history`). Draws already made keep the recusals they read in
    their stored inputs, so they still verify.

    Raises:
        NotAllowed: the actor is not a supervisor of the unit's authority, or is the officer.
        InvalidInput: no reason.
        NotFound: no such recusal.
    """
    if actor.id == officer.id or not _supervisor_of(actor, unit):
        raise NotAllowed(
            "只有本馆的科室/馆领导可以撤销回避，且不能撤销本人的回避",
            "Only a supervisor of the unit's authority may lift a recusal, and not their own",
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写撤销回避的理由", "A reason for lifting the recusal is required")
    existing = _find(session, officer, unit)
    if existing is None:
        raise NotFound(
            f"{officer.display_name}对{unit.name}没有登记回避",
            f"{officer.display_name} has no recorded recusal from {unit.name}",
        )
    session.delete(existing)
    session.flush()
    record_registry_event(
        session, "recusal_removed", authority_id=unit.authority_id, actor=actor,
        at=ensure_utc(now or utcnow()), unit_id=unit.id, officer_id=officer.id, reason=reason,
        payload={"was_since": existing.since.isoformat(), "was_reason": existing.reason},
    )  # fmt: skip
    log.info(
        "recusal removed: officer=%s unit=%s by=%s at=%s reason=%r (was since %s: %r)",
        officer.username, unit.id, actor.username, ensure_utc(now or utcnow()).isoformat(),
        reason, existing.since, existing.reason,
    )  # fmt: skip


def recused_pairs(session: Session, authority_id: int) -> set[tuple[int, int]]:
    """Every (officer_id, unit_id) pair on ``authority_id``'s recusal list: the draw's input."""
    rows = session.execute(
        select(Recusal.officer_id, Recusal.unit_id)
        .join(Unit, Unit.id == Recusal.unit_id)
        .where(Unit.authority_id == authority_id)
    )
    return {(officer_id, unit_id) for officer_id, unit_id in rows}


def is_recused(session: Session, officer_id: int, unit_id: int) -> bool:
    """Whether the officer must not inspect the unit."""
    found = session.scalar(
        select(Recusal.id).where(Recusal.officer_id == officer_id, Recusal.unit_id == unit_id)
    )
    return found is not None


@dataclass(frozen=True)
class RecusalEntry:
    """One line of the recusal list, with the names a reader needs."""

    officer_id: int
    officer_username: str
    officer_name: str
    unit_id: int
    unit_name: str
    credit_code: str
    reason: str
    since: date


def list_recusals(session: Session, authority_id: int) -> list[RecusalEntry]:
    """``authority_id``'s recusal list, by officer then unit."""
    officer = aliased(User)
    rows = session.execute(
        select(
            officer.id,
            officer.username,
            officer.display_name,
            Unit.id,
            Unit.name,
            Unit.credit_code,
            Recusal.reason,
            Recusal.since,
        )  # fmt: skip
        .join(officer, officer.id == Recusal.officer_id)
        .join(Unit, Unit.id == Recusal.unit_id)
        .where(Unit.authority_id == authority_id)
        .order_by(officer.username, Unit.name, Unit.id)
    )
    return [RecusalEntry(*row) for row in rows]
