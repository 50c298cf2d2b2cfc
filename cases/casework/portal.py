"""What a unit's liaison sees on their portal (本单位): their unit's cases and notices, each with
its deadline and what is expected of the unit next.

Read-only: the cases come through the same scope as every case page
(:func:`cases.casework.queries.visible_cases`: a liaison sees their own unit's and nothing
else), and what may be done now is the door's own answer asked ahead
(:func:`cases.casework.actions.actions_for`). Whose turn it is follows the state: the unit's
clock runs while a notice waits to be acknowledged or a rectification is under way; once the
report is filed the ball is with the bureau (UI.md: a report filed on time stops the unit's
clock), so the deadline is shown but not counted down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from cases.casework.actions import actions_for
from cases.casework.queries import visible_cases, visible_units
from cases.core.clock import local_date, to_shanghai
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, Regime
from cases.models import Case, Deadline, Notice, SelfReport, Unit, User
from cases.reference.calendar import calendar_for
from cases.reference.timelimits import TimeUnit
from cases.selfreports.service import PUBLIC_SECTOR
from workflows.case_machine import STATE_LABELS

#: What the unit is expected to do next, by state (the unit's words).
NEXT_STEP: dict[str, str] = {
    "detected": "检查发现的问题正在处理中，执法人员将下达执法通知书",
    "emergency_measures": "已责令采取紧急处置措施：请立即落实，执法通知书将随后补发",
    "notice_issued": "请确认收到执法通知书（送达），并按通知书要求开始整改",
    "rectifying": "请在整改期限内完成整改，提交整改报告并附证明材料",
    "awaiting_verification": "整改报告已提交，等待执法人员复查",
    "verified": "复查合格，等待结案",
    "overdue": "整改期限已届满未改正：请立即联系执法人员说明情况",
    "escalated": "案件已上报，请按上级机关的处理意见办理",
    "closed": "已结案，无需办理",
}
#: States in which the unit's clock runs (the ball is with the unit).
UNIT_CLOCK = frozenset({"notice_issued", "rectifying", "overdue"})
#: States that need nothing of the unit any more.
FINISHED = frozenset({"verified", "closed"})
#: At most this many working days left: shown as "soon" (UI.md: three looks).
SOON_DAYS = 3


@dataclass(frozen=True)
class TimeLeft:
    """A deadline as text, not colour alone: 剩5日 / 剩2个工作日 / 今日24时前 / 逾期3日."""

    text: str
    look: str  # normal, soon, overdue


@dataclass(frozen=True)
class PortalCase:
    id: int
    title: str
    regime_zh: str
    state: str
    state_zh: str
    version: int
    notice_number: str
    notice_issued_at: datetime | None
    served_at: datetime | None
    due_at: datetime | None
    due_provisional: bool
    time_limit_unit: str
    time_left: TimeLeft | None
    next_step: str
    actions: list[str]
    unit_turn: bool
    #: The notice's id, for its PDF (``/notices/<id>.pdf``); 0 without a notice.
    notice_id: int = 0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def portal_cases(session: Session, actor: User, now: datetime) -> list[PortalCase]:
    """The actor's cases (a liaison's: their unit's), open ones first — those where it is the
    unit's turn ahead of the others — then by deadline, then newest."""
    cases = session.scalars(
        select(Case)
        .where(visible_cases(actor))
        .options(joinedload(Case.unit))
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(200)
    ).all()
    if not cases:
        return []
    ids = [c.id for c in cases]
    notices: dict[int, Notice] = {}
    for n in session.scalars(
        select(Notice).where(Notice.case_id.in_(ids)).order_by(Notice.issued_at, Notice.id)
    ):
        notices[n.case_id] = n  # the latest
    open_rectification: dict[int, Deadline] = {}
    for d in session.scalars(
        select(Deadline)
        .where(
            Deadline.case_id.in_(ids),
            Deadline.kind == DeadlineKind.RECTIFICATION,
            Deadline.status.in_([DeadlineStatus.PENDING, DeadlineStatus.PAUSED]),
        )
        .order_by(Deadline.id)
    ):
        if d.case_id is not None:
            open_rectification[d.case_id] = d
    today = local_date(now)
    rows = []
    for case in cases:
        notice = notices.get(case.id)
        deadline = open_rectification.get(case.id)
        due_at = deadline.due_at if deadline else (notice.due_at if notice else None)
        unit = (deadline.time_limit_unit if deadline else None) or (
            notice.time_limit_unit if notice else ""
        )
        unit_turn = case.state in UNIT_CLOCK
        left = None
        if due_at is not None and unit_turn:
            left = time_left(session, due_at, unit or "", today)
        info = STATE_LABELS.get(case.state)
        rows.append(
            PortalCase(
                id=case.id,
                title=case.title,
                regime_zh=_regime_zh(case.regime),
                state=case.state,
                state_zh=info.label_zh if info else case.state,
                version=case.version,
                notice_number=notice.number if notice else "",
                notice_issued_at=notice.issued_at if notice else None,
                served_at=notice.served_at if notice else None,
                due_at=due_at if case.state not in FINISHED else None,
                due_provisional=_provisional(deadline, notice),
                time_limit_unit=unit or "",
                time_left=left,
                next_step=NEXT_STEP.get(case.state, ""),
                actions=[a.trigger for a in actions_for(actor, case)],
                unit_turn=unit_turn,
                notice_id=notice.id if notice else 0,
            )
        )
    rows.sort(key=lambda r: (r.finished, not r.unit_turn, r.due_at is None, r.due_at or now))
    return rows


def _provisional(deadline: Deadline | None, notice: Notice | None) -> bool:
    if deadline is not None:
        return deadline.provisional
    return notice.due_provisional if notice is not None else False


def time_left(session: Session, due_at: datetime, unit: str, today: date) -> TimeLeft:
    """How long the unit has until ``due_at``, in the unit the time limit was stated in (working
    days for a 工作日 limit, days otherwise). A deadline at local midnight ends the day before
    at 24:00 (民法典 art 203), so that day is its last."""
    local = to_shanghai(due_at)
    last_day = local.date() - timedelta(days=1) if local.time() == time(0) else local.date()
    if today > last_day:
        return TimeLeft(f"逾期{(today - last_day).days}日", "overdue")
    if today == last_day:
        return TimeLeft("今日到期", "soon")
    if unit == TimeUnit.WORKING_DAY.value:
        calendar = calendar_for(session)
        days = sum(
            1
            for i in range(1, min((last_day - today).days, 400) + 1)
            if calendar.is_working_day(today + timedelta(days=i))
        )
        look = "soon" if days <= SOON_DAYS else "normal"
        return TimeLeft(f"剩{days}个工作日", look)
    days = (last_day - today).days
    return TimeLeft(f"剩{days}日", "soon" if days <= SOON_DAYS else "normal")


def _regime_zh(regime: str) -> str:
    try:
        return Regime(regime).label_zh
    except ValueError:
        return regime


@dataclass(frozen=True)
class SelfReportStatus:
    """The unit's self-report of a year as its portal shows it."""

    status: str  # due, filed, refused
    status_zh: str
    filed_at: datetime | None


_SELF_REPORT_ZH = {"due": "待报送", "filed": "已报送", "refused": "已登记拒报"}


def self_report_of(session: Session, actor: User, year: int) -> SelfReportStatus | None:
    """The actor's unit's self-report of ``year`` (None: no unit, or not a public-sector unit,
    which files none)."""
    if actor.unit_id is None:
        return None
    unit = session.get(Unit, actor.unit_id)
    if unit is None or unit.kind not in PUBLIC_SECTOR:
        return None
    row = session.scalar(
        select(SelfReport).where(SelfReport.unit_id == unit.id, SelfReport.year == year)
    )
    status = row.status if row is not None else "due"
    return SelfReportStatus(
        status, _SELF_REPORT_ZH.get(status, status), row.filed_at if row is not None else None
    )


def units_for(session: Session, actor: User, *, public_only: bool = False) -> list[Unit]:
    """The units ``actor`` may report for (their authority's, by name); ``public_only``: only
    机关 and 事业单位, which file self-reports."""
    query = select(Unit).where(visible_units(actor)).order_by(Unit.name, Unit.id)
    if public_only:
        query = query.where(Unit.kind.in_(PUBLIC_SECTOR))
    return list(session.scalars(query.limit(2000)))
