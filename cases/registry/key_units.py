"""Key monitored units (重点监控单位): designating and revoking them, and their share.

The seed: about 1% of the units in the jurisdiction are designated key monitored units, each
inspected on site once a year (DESIGN §3). Being one decides a yearly inspection, so it is a
supervisor's decision, with a reason and a date; the import (``registry_import``) takes both
from the file, and the share against the guideline is reported rather than enforced.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.core.clock import ensure_utc, local_date, utcnow
from cases.core.errors import Conflict, InvalidInput
from cases.models import Authority, Unit, User
from cases.registry.history import record_registry_event

__all__ = ["KEY_UNIT_GUIDELINE", "designate_key_unit", "key_unit_share", "revoke_key_unit"]

log = logging.getLogger(__name__)

#: The seed's guideline: about 1% of the units in the jurisdiction are key monitored units, each
#: inspected on site once a year (DESIGN §3). A guideline, not a cap: the share is reported.
KEY_UNIT_GUIDELINE = 0.01


def _require_supervisor_of(actor: User, unit: Unit, what_zh: str, what_en: str) -> None:
    """Designating and revoking a key unit decides who gets a yearly on-site inspection: a
    supervisor (科室/馆领导) of the unit's own authority decides it."""
    require(
        actor, Duty.DESIGNATE_KEY_UNITS, unit,
        message=(
            f"只有本馆的科室/馆领导可以{what_zh}",
            f"Only a supervisor of the unit's authority may {what_en}",
        ),
    )  # fmt: skip


def _locked(session: Session, unit: Unit) -> Unit:
    return session.execute(
        select(Unit)
        .where(Unit.id == unit.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def designate_key_unit(
    session: Session,
    unit: Unit,
    reason: str,
    since: date,
    actor: User,
    now: datetime | None = None,
) -> Unit:
    """Designate ``unit`` a key monitored unit (重点监控单位) from ``since``, for ``reason``.

    The reason is stored because the yearly on-site inspection it triggers must be justified;
    a designation cannot start in the future (it would make this year's quota ambiguous).

    Raises:
        NotAllowed: the actor is not a supervisor of the unit's authority.
        InvalidInput: no reason, or ``since`` after today (Asia/Shanghai).
        Conflict: the unit is already a key unit.
    """
    _require_supervisor_of(actor, unit, "指定重点监控单位", "designate key units")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "请填写指定为重点监控单位的理由", "A reason for the designation is required"
        )
    today = local_date(ensure_utc(now or utcnow()))
    if since > today:
        raise InvalidInput(
            f"起始日期{since}不能晚于今天（{today}）",
            f"The start date {since} cannot be later than today ({today})",
        )
    unit = _locked(session, unit)
    if unit.is_key_unit:
        raise Conflict(
            f"{unit.name}已是重点监控单位（自{unit.key_unit_since}起：{unit.key_unit_reason}）",
            f"{unit.name} is already a key unit (since {unit.key_unit_since}: "
            f"{unit.key_unit_reason})",
        )
    unit.is_key_unit, unit.key_unit_reason, unit.key_unit_since = True, reason, since
    session.flush()
    record_registry_event(
        session, "key_unit_designated", authority_id=unit.authority_id, actor=actor,
        at=ensure_utc(now or utcnow()), unit_id=unit.id, reason=reason,
        payload={"since": since.isoformat()},
    )  # fmt: skip
    log.info("key unit designated: unit=%s by=%s since=%s", unit.id, actor.username, since)
    return unit


def revoke_key_unit(
    session: Session, unit: Unit, reason: str, actor: User, now: datetime | None = None
) -> Unit:
    """End ``unit``'s key-unit designation (撤销重点监控), for ``reason``.

    The unit's flag, reason and date are cleared; the reason and the old designation are kept in
    the register's history (:mod:`cases.registry.history`).

    Raises:
        NotAllowed: the actor is not a supervisor of the unit's authority.
        InvalidInput: no reason.
        Conflict: the unit is not a key unit.
    """
    _require_supervisor_of(actor, unit, "撤销重点监控单位", "revoke key units")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写撤销重点监控的理由", "A reason for the revocation is required")
    unit = _locked(session, unit)
    if not unit.is_key_unit:
        raise Conflict(f"{unit.name}不是重点监控单位", f"{unit.name} is not a key unit")
    log.info(
        "key unit revoked: unit=%s by=%s at=%s reason=%r (was since %s: %r)",
        unit.id, actor.username, ensure_utc(now or utcnow()).isoformat(), reason,
        unit.key_unit_since, unit.key_unit_reason,
    )  # fmt: skip
    record_registry_event(
        session, "key_unit_revoked", authority_id=unit.authority_id, actor=actor,
        at=ensure_utc(now or utcnow()), unit_id=unit.id, reason=reason,
        payload={"was_since": str(unit.key_unit_since), "was_reason": unit.key_unit_reason},
    )  # fmt: skip
    unit.is_key_unit, unit.key_unit_reason, unit.key_unit_since = False, None, None
    session.flush()
    return unit


def key_unit_share(session: Session, authority: Authority) -> tuple[int, int, float]:
    """(key units, all units, share) in ``authority``'s register, to compare with the ≈1%
    guideline (:data:`KEY_UNIT_GUIDELINE`). The share is 0.0 for an empty register."""
    count, total = session.execute(
        select(func.count().filter(Unit.is_key_unit.is_(True)), func.count()).where(
            Unit.authority_id == authority.id
        )
    ).one()
    return count, total, (count / total if total else 0.0)
