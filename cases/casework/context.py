"""The context one trigger runs on: what guards read and the effects the machine calls.

Built by the one door for a single case and a single trigger, then thrown away. Guards read its
properties (lazily, so a trigger pays only for the queries its guards need); effects write rows in
the caller's transaction through :mod:`cases.core.writes` (whoever runs the door decides there
whether a write goes out at once) and note what they did in ``self.recorded`` for the event's
payload.
Effects never assign ``case.state`` — the door does, once, after the machine agreed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from transitions import EventData

from cases.casework.notices import next_notice_serial, notice_number, notice_prefix
from cases.core.clock import local_date
from cases.core.door import prefetched
from cases.core.settings import Settings
from cases.core.vocabulary import (
    OFFICER_ROLES,
    DeadlineKind,
    DeadlineStatus,
    ReferralStatus,
    ReportRecipient,
)
from cases.core.writes import add_object, insert_rows, update_row
from cases.deadlines.reminders import first_reminder
from cases.messages.inbox import notify, supervisors_of
from cases.messages.outbox import enqueue
from cases.models import (
    Case,
    Circular,
    Deadline,
    Notice,
    RectificationReport,
    Referral,
    Report,
    User,
)
from cases.models.registry import credential_problem
from cases.reference.calendar import calendar_for
from cases.reference.citations import cite
from cases.reference.timelimits import Due, TimeLimit, TimeUnit, compute_due
from workflows.guards import time_limit_from
from workflows.rulebook import Refusal

OPEN_STATUSES = (DeadlineStatus.PENDING, DeadlineStatus.PAUSED)
#: What a runner of the door may have read ahead: a case's open deadline, by (case id, kind).
OPEN_DEADLINE = "open_deadline"
_DEADLINE_CHANGED = ("期限已被他人更新，请刷新后重试", "The deadline was changed; reload and retry")

# Built once (hot path): prepared Core inserts and parametrised ORM queries.
_INSERT_DEADLINE = insert(Deadline.__table__)
_INSERT_NOTICE = insert(Notice.__table__)
_INSERT_REFERRAL = insert(Referral.__table__)
_SETTLE_DEADLINE = (
    update(Deadline.__table__)
    .where(Deadline.__table__.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        settled_at=bindparam("b_settled_at"),
        note=bindparam("b_note"),
    )
)
_users = User.__table__
_OFFICERS_OF_AUTHORITY = select(
    _users.c.id,
    _users.c.display_name,
    _users.c.role,
    _users.c.active,
    _users.c.credential_no,
    _users.c.credential_issued_on,
    _users.c.credential_expires_on,
).where(
    User.id.in_(bindparam("ids", expanding=True)),
    User.authority_id == bindparam("authority_id"),
    User.role.in_([r.value for r in OFFICER_ROLES]),
)
_OPEN_DEADLINE = (
    select(Deadline)
    .where(
        Deadline.case_id == bindparam("case_id"),
        Deadline.kind == bindparam("kind"),
        Deadline.status.in_([s.value for s in OPEN_STATUSES]),
    )
    .order_by(Deadline.id.desc())
    .limit(1)
)


class OpenDeadline(Protocol):
    """An open deadline as effects use it: a loaded row, or the one a runner claimed."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def due_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class OfficerView:
    """What the credential guard needs to know about one officer."""

    id: int
    display_name: str
    role: str
    active: bool
    credential_no: str | None
    credential_issued_on: date | None
    credential_expires_on: date | None

    def credential_problem(self, on: date) -> tuple[str, str] | None:
        return credential_problem(self, on)


class CaseTransition:
    """One case, one trigger, one actor, one instant (see :class:`workflows.guards.CaseContext`)."""

    def __init__(
        self,
        session: Session,
        case: Case,
        actor: User,
        now: datetime,
        settings: Settings,
        data: dict[str, Any],
    ) -> None:
        self.session = session
        self.case = case
        self.actor = actor
        self.now = now
        self.settings = settings
        self.data = data
        self.state = case.state  # the machine moves this; the door copies it to the row
        self.refusals: list[Refusal] = []
        self.recorded: dict[str, Any] = {}
        #: Columns of the case row an effect changes; the door writes them with the state.
        self.case_changes: dict[str, Any] = {}

    # ---- what guards read -------------------------------------------------------------
    @property
    def regime(self) -> str:
        return self.case.regime

    @cached_property
    def today(self) -> date:
        return local_date(self.now)

    @property
    def finding_is_emergency(self) -> bool:
        return self.case.is_emergency

    @property
    def finding_is_serious(self) -> bool:
        return self.case.is_serious

    @property
    def information_security(self) -> bool:
        return self.case.information_security

    @cached_property
    def has_circular(self) -> bool:
        return (
            self.session.scalar(
                select(Circular.id)
                .where(
                    Circular.case_id == self.case.id,
                    Circular.published_at.is_not(None),
                    Circular.published_at <= self.now,
                )
                .limit(1)
            )
            is not None
        )

    @cached_property
    def _open_rectification(self) -> OpenDeadline | None:
        return self._open_deadline(DeadlineKind.RECTIFICATION)

    @property
    def rectification_due_at(self) -> datetime | None:
        d = self._open_rectification
        return d.due_at if d is not None and d.status == DeadlineStatus.PENDING else None

    @cached_property
    def _latest_notice(self) -> Notice | None:
        return self.session.scalar(
            select(Notice).where(Notice.case_id == self.case.id).order_by(Notice.id.desc()).limit(1)
        )

    @property
    def notice_issued_at(self) -> datetime | None:
        return self._latest_notice.issued_at if self._latest_notice else None

    def officers(self, ids: Sequence[Any]) -> list[OfficerView]:
        """The named officers of the case's authority (a light Core read: every notice asks)."""
        try:
            wanted = [int(i) for i in ids]
        except (TypeError, ValueError):
            return []
        params = {"ids": wanted, "authority_id": self.case.authority_id}
        rows = self.session.connection().execute(_OFFICERS_OF_AUTHORITY, params)
        return [OfficerView(*row) for row in rows]

    def refuse(self, zh: str, en: str, field: str | None = None) -> None:
        self.refusals.append(Refusal(zh, en, field))

    # ---- helpers for effects ----------------------------------------------------------
    def _open_deadline(self, kind: str) -> OpenDeadline | None:
        """The case's open deadline of ``kind`` — the one the runner of the door already holds
        locked when it supplied it (the sweeper firing it: no second read), else the newest
        open row."""
        claimed = prefetched(self.session, OPEN_DEADLINE, (self.case.id, kind))
        if claimed is not None:
            return claimed
        return self.session.scalar(_OPEN_DEADLINE, {"case_id": self.case.id, "kind": kind})

    def _settle(self, deadline: OpenDeadline | None, status: str, note: str) -> None:
        """One Core UPDATE of the row; a loaded object is told the new values (not dirtied)."""
        if deadline is None:
            return
        params = {"b_id": deadline.id, "b_status": status, "b_settled_at": self.now, "b_note": note}
        update_row(self.session, _SETTLE_DEADLINE, params, changed=_DEADLINE_CHANGED)
        loaded = self.session.identity_map.get(self.session.identity_key(Deadline, deadline.id))
        if loaded is not None:
            for key, value in (("status", status), ("settled_at", self.now), ("note", note)):
                set_committed_value(loaded, key, value)

    def _new_deadline(self, kind: str, limit: TimeLimit) -> Due:
        """A pending deadline row (one prepared Core INSERT: every notice writes one)."""
        calendar = calendar_for(self.session)
        due = compute_due(self.now, limit, calendar)
        remind = first_reminder(
            kind, self.now, due.due_at, limit.unit.value, calendar, self.settings
        )
        insert_rows(
            self.session,
            _INSERT_DEADLINE,
            {
                "case_id": self.case.id,
                "authority_id": self.case.authority_id,
                "kind": kind,
                "status": DeadlineStatus.PENDING.value,
                "due_at": due.due_at,
                "time_limit_length": limit.length,
                "time_limit_unit": limit.unit.value,
                "provisional": due.provisional,
                "created_at": self.now,
                "settled_at": None,
                "note": "",
                "next_reminder_at": remind,
            },
        )
        self.recorded[f"{kind}_due_at"] = due.due_at
        if due.provisional:
            self.recorded[f"{kind}_provisional"] = True
        return due

    def _notify(self, users: Sequence[User], zh: str, en: str) -> None:
        notified = notify(self.session, users, zh, en, now=self.now, case_id=self.case.id)
        self.recorded.setdefault("notified", []).extend(notified)

    def _supervisors(self) -> list[User]:
        return supervisors_of(self.session, self.case.authority_id)

    # ---- effects (named in workflows.case_machine.TRANSITIONS) -------------------------
    def schedule_backfill_deadline(self, event: EventData) -> None:
        """行政强制法 art 19 by analogy: tell the agency head, back-fill the notice in 24 h."""
        hours = self.settings.emergency_backfill_hours
        self._new_deadline(DeadlineKind.EMERGENCY_BACKFILL, TimeLimit(hours, TimeUnit.HOUR))
        self._notify(
            self._supervisors(),
            f"案件{self.case.id}已责令采取紧急处置措施，须在{hours}小时内补发执法通知书",
            f"Case {self.case.id}: emergency measures ordered; written notice due in {hours} h",
        )

    def issue_numbered_notice(self, event: EventData) -> None:
        """Seed 五(一): the written 执法通知书, numbered gaplessly, with its 限期改正 deadline."""
        limit = time_limit_from(self.data)
        authority_id = self.case.authority_id
        year = self.today.year
        serial = next_notice_serial(self.session, authority_id, year)
        backfill = self.case.state == "emergency_measures"
        late = False
        if backfill:
            pending = self._open_deadline(DeadlineKind.EMERGENCY_BACKFILL)
            late = pending is not None and self.now > pending.due_at
        due = self._new_deadline(DeadlineKind.RECTIFICATION, limit)
        number = notice_number(notice_prefix(self.session, authority_id), year, serial)
        insert_rows(
            self.session,
            _INSERT_NOTICE,
            {
                "case_id": self.case.id,
                "authority_id": authority_id,
                "unit_id": self.case.unit_id,
                "year": year,
                "serial": serial,
                "number": number,
                "facts": self.data["facts"].strip(),
                "legal_basis": cite(self.session, "rectification_order", self.today),
                "required_correction": self.data["required_correction"].strip(),
                "remedial_measures": (self.data.get("remedial_measures") or "").strip(),
                "time_limit_length": limit.length,
                "time_limit_unit": limit.unit.value,
                "due_at": due.due_at,
                "due_provisional": due.provisional,
                "issued_at": self.now,
                "issued_by_id": self.actor.id,
                "officer_ids": [int(i) for i in dict.fromkeys(self.data["officer_ids"])],
                "is_backfill": backfill,
                "backfill_late": late,
                "served_at": None,
                "service_method": None,
            },
        )
        self.recorded["notice_number"] = number
        if backfill:
            self.recorded["backfill_late"] = late

    def settle_backfill_deadline(self, event: EventData) -> None:
        pending = self._open_deadline(DeadlineKind.EMERGENCY_BACKFILL)
        late = pending is not None and self.now > pending.due_at
        self._settle(pending, DeadlineStatus.DONE, "补发逾期" if late else "已按时补发")

    def record_service(self, event: EventData) -> None:
        notice = self._latest_notice
        if notice is not None:
            notice.served_at = self.data["served_at"]
            notice.service_method = self.data["service_method"]

    def record_rectification_report(self, event: EventData) -> None:
        add_object(
            self.session,
            RectificationReport(
                case_id=self.case.id,
                content=self.data["report"].strip(),
                evidence=[e.strip() for e in self.data["evidence"]],
                submitted_by_id=self.actor.id,
                submitted_at=self.now,
            ),
        )

    def settle_rectification_deadline(self, event: EventData) -> None:
        self._settle(self._open_rectification, DeadlineStatus.DONE, "整改合格")

    def mark_rectification_lapsed(self, event: EventData) -> None:
        self._settle(self._open_rectification, DeadlineStatus.FIRED, "逾期未改正")

    def alert_supervisors(self, event: EventData) -> None:
        self._notify(
            self._supervisors(),
            f"案件{self.case.id}（{self.case.title}）逾期未改正",
            f"Case {self.case.id} is overdue",
        )

    def propose_disciplinary_referral(self, event: EventData) -> None:
        """档案法 art 48(8): missing a 限期整改 deadline is itself a ground for 处分."""
        insert_rows(
            self.session,
            _INSERT_REFERRAL,
            {
                "case_id": self.case.id,
                "receiving_body": "任免机关或监察机关",
                "grounds": "逾期未按照要求完成整改（档案法第四十八条第八项）",
                "legal_basis": cite(self.session, "disciplinary_referral", self.today),
                "status": ReferralStatus.PROPOSED.value,
                "proposed_at": self.now,
            },
        )
        self.recorded["referral_proposed"] = True

    def set_new_rectification_deadline(self, event: EventData) -> None:
        self._settle(self._open_rectification, DeadlineStatus.CANCELLED, "期限已变更")
        self._new_deadline(DeadlineKind.RECTIFICATION, time_limit_from(self.data))

    def record_stop_order(self, event: EventData) -> None:
        """Seed 五(二): 责令立即停止违法行为、采取措施消除安全隐患."""
        self.case_changes["stop_order_at"] = self.now

    def send_escalation_reports(self, event: EventData) -> None:
        """Seed 五(二)(三): report to the network-security authority and the superior archives
        department, and to the district government; notify other departments."""
        authority = self.case.unit.authority
        subject = f"关于{self.case.unit.name}{self.case.title}的报告"
        content = self.data["reason"].strip()
        recipients = [
            (ReportRecipient.NETWORK_SECURITY, authority.network_security_authority),
            (ReportRecipient.SUPERIOR_ARCHIVES, authority.superior_name),
            (ReportRecipient.DISTRICT_GOVERNMENT, authority.government_name),
        ]
        for name in self.data.get("notify_departments") or []:
            if isinstance(name, str) and name.strip():
                recipients.append((ReportRecipient.OTHER_DEPARTMENT, name.strip()))
        for kind, name in recipients:
            report = Report(
                case_id=self.case.id, recipient=kind, recipient_name=name or kind.label_zh,
                subject=subject, content=content, created_at=self.now,
            )  # fmt: skip
            add_object(self.session, report, flush=True)  # the outbox names it by id
            if self.case.machine_version >= 2 and kind != ReportRecipient.OTHER_DEPARTMENT:
                self._await_escalation_answer(report)  # a department notified answers nothing
            enqueue(
                self.session, kind="report", ref_id=report.id, recipient=report.recipient_name,
                document={"case": self.case.id, "unit": self.case.unit.name,
                          "subject": subject, "content": content, "recipient_kind": str(kind)},
                settings=self.settings, now=self.now,
            )  # fmt: skip
        self.recorded["reports"] = [str(kind) for kind, _ in recipients]

    def _await_escalation_answer(self, report: Report) -> None:
        due = await_escalation_answer(self.session, self.case, report, self.now, self.settings)
        self.recorded["answers_due_at"] = due

    def settle_escalation_answers(self, event: EventData) -> None:
        """The superior's instructions answer the escalation: every report's wait ends."""
        rows = self.session.scalars(
            select(Deadline).where(
                Deadline.case_id == self.case.id,
                Deadline.kind == DeadlineKind.ESCALATION_ANSWER,
                Deadline.status.in_(OPEN_STATUSES),
            )
        )
        for deadline in rows:
            late = self.now >= deadline.due_at
            self._settle(deadline, DeadlineStatus.DONE, "逾期答复" if late else "按期答复")

    def suspend_case_deadlines(self, event: EventData) -> None:
        """Escalated: the superior's instructions set the next time limit."""
        self._cancel_open_deadlines(
            "已上报，按上级处理意见另定期限", keep=DeadlineKind.ESCALATION_ANSWER
        )

    def settle_open_deadlines(self, event: EventData) -> None:
        self._cancel_open_deadlines("案件已结案")

    def _cancel_open_deadlines(self, note: str, keep: str = "") -> None:
        rows = self.session.scalars(
            select(Deadline).where(
                Deadline.case_id == self.case.id,
                Deadline.status.in_(OPEN_STATUSES),
                Deadline.kind != keep,
            )
        )
        for deadline in rows:
            self._settle(deadline, DeadlineStatus.CANCELLED, note)


def await_escalation_answer(
    session: Session, case: Case, report: Report, since: datetime, settings: Settings
) -> datetime:
    """Seed 监督检查措施 (四): a report expects its answer (the superior's handling opinion)
    within the configured period from ``since``; the supervisor is reminded until it comes.
    Returns when it is due."""
    limit = TimeLimit(settings.escalation_answer_days, TimeUnit.NATURAL_DAY)
    calendar = calendar_for(session)
    due = compute_due(since, limit, calendar)
    kind = DeadlineKind.ESCALATION_ANSWER
    add_object(
        session,
        Deadline(
            case_id=case.id, authority_id=case.authority_id, kind=kind,
            report_id=report.id, status=DeadlineStatus.PENDING, due_at=due.due_at,
            time_limit_length=limit.length, time_limit_unit=limit.unit.value,
            provisional=due.provisional, created_at=since, note="",
            next_reminder_at=first_reminder(
                kind, since, due.due_at, limit.unit.value, calendar, settings
            ),
        ),
    )  # fmt: skip
    return due.due_at
