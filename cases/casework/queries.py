"""Read-side queries for the case pages (案件列表、案件详情): typed rows in, no writes, no rules.

The web layer parses the request and renders; everything it shows comes from here as plain
frozen dataclasses with the Chinese labels already resolved from the vocabularies and the
machine definition, so templates only format. Times stay aware UTC; the edge (a template
filter) shows them in Asia/Shanghai (DESIGN §4).

Every read takes the actor and shows only what that actor may see (:func:`visible_cases`): a case
outside it is ``NotFound``, never ``NotAllowed``, so a page does not tell whether it exists.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, func, select, true
from sqlalchemy.orm import Session, joinedload

from cases.access.permissions import Duty, Scope, roles_for, scope_of
from cases.core.clock import format_deadline, to_shanghai
from cases.core.errors import InvalidFilter, NotFound
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, Regime, ReportRecipient, Role
from cases.deadlines.sweeper import REMINDED_WHILE
from cases.models import Case, Deadline, Event, Notice, Unit, User
from cases.reference.timelimits import TimeLimit, TimeUnit
from workflows.case_machine import RECORD_LABELS, STATE_LABELS, TRIGGER_LABELS
from workflows.guards import SERVICE_METHODS

__all__ = [
    "COUNT_BOUND",
    "PER_PAGE",
    "UNIT_CHOICES",
    "CaseDetail",
    "CaseRow",
    "DeadlineRow",
    "InvalidFilter",
    "NoticeRow",
    "Page",
    "TimelineEntry",
    "UnitChoice",
    "case_detail",
    "list_cases",
    "unit_choice_count",
    "unit_choices",
    "visible_cases",
    "visible_units",
]

PER_PAGE = 50
#: The trigger of a case's genesis event, written when a finding opens the case.
OPEN_TRIGGER = "open"
OPEN_LABEL = ("立案", "Case opened")


# ---- who sees what -------------------------------------------------------------------------


def visible_cases(actor: User) -> ColumnElement[bool]:
    """The cases ``actor`` may read, as a WHERE clause on ``cases``.

    - inspectors, supervisors and the leader: their own authority's cases (属地管理);
    - a unit liaison: their own unit's cases only;
    - the automated-deadline actor (``system``): every case;
    - the three administrators: none — 三员分立 (LAW.md, 等保 2.0): they run the system, set
      permissions and audit it, they do not read case files;
    - an inactive account, or anyone without the authority or unit the rule needs: none.

    The read side of :func:`cases.access.can` with ``Duty.VIEW_CASES``, written as SQL so a list
    is filtered in the database rather than row by row: both read the duty table and the scope
    table of :mod:`cases.access.permissions`, so whoever may view a case passes this filter for
    it, and nobody else.
    """
    return _visible(actor, Case.authority_id, Case.unit_id)


def visible_units(actor: User) -> ColumnElement[bool]:
    """The units whose cases ``actor`` may read (same rule as :func:`visible_cases`), as a WHERE
    clause on ``units`` — so a unit filter cannot probe for units outside the actor's scope."""
    return _visible(actor, Unit.authority_id, Unit.id)


def _visible(
    actor: User, authority_id: ColumnElement[int], unit_id: ColumnElement[int]
) -> ColumnElement[bool]:
    scope = _scope(actor)
    if scope is None:
        return false()
    if scope[0] == Scope.EVERYTHING:
        return true()
    return (unit_id if scope[0] == Scope.UNIT else authority_id) == scope[1]


def _scope(actor: User) -> tuple[Scope, int] | None:
    """:func:`visible_cases`'s rule as data, for statements built once with the value as a
    parameter: None when ``actor`` sees no case; else the scope and its unit's or authority's
    id (0 for everything)."""
    if not actor.active or actor.role not in roles_for(Duty.VIEW_CASES):
        return None
    scope = scope_of(actor.role)
    if scope == Scope.EVERYTHING:
        return scope, 0
    value = actor.unit_id if scope == Scope.UNIT else actor.authority_id
    return None if value is None else (scope, value)


# ---- the list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    id: int
    title: str
    unit_id: int
    unit_name: str
    regime: str
    regime_zh: str
    state: str
    state_zh: str
    opened_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Page:
    items: list[CaseRow]
    page: int
    per_page: int
    #: The matching cases, counted up to a bound (:data:`COUNT_BOUND`, or past the page asked
    #: for); ``more`` says there are more than that.
    total: int
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more


@dataclass(frozen=True)
class UnitChoice:
    id: int
    name: str


#: How far the list counts its cases: past it, the summary says "more than" (共 10000 余件)
#: instead of counting every case of an authority at every page (≈100,000 after a few years).
COUNT_BOUND = 10_000
#: The unit filter offers at most this many units; with more, the name search finds one.
UNIT_CHOICES = 200


def list_cases(
    session: Session,
    actor: User,
    state: str | None = None,
    unit_id: int | None = None,
    page: int = 1,
    *,
    unit_name: str | None = None,
    per_page: int = PER_PAGE,
) -> Page:
    """The cases ``actor`` may see, newest first, filtered by state, unit and/or part of the
    unit's name.

    A page past the last one shows the last one (the list may have shrunk since the link was
    made). The cases are counted up to :data:`COUNT_BOUND` or the page asked for, whichever is
    further: enough for the pager, without reading every case of a large authority.

    Raises:
        InvalidFilter: unknown state, page below 1, or a unit that does not exist — a unit
            outside the actor's scope is reported the same way.
    """
    if state is not None and state not in STATE_LABELS:
        raise InvalidFilter(
            f"未知的案件状态：“{state[:40]}”。请从状态列表中选择。",
            f"Unknown case state: {state[:40]!r}. Choose one from the list.",
        )
    if page < 1:
        raise InvalidFilter(
            f"页码必须是正整数，收到的是{page}。", f"The page must be at least 1, got {page}."
        )
    if unit_id is not None and not _unit_visible(session, actor, unit_id):
        raise InvalidFilter(
            f"单位编号{unit_id}不存在。请从单位列表中选择。",
            f"Unit {unit_id} does not exist. Choose one from the list.",
        )
    scope = _scope(actor)
    if scope is None:
        return Page(items=[], page=1, per_page=per_page, total=0)
    count_stmt, page_stmt = _list_statements(
        scope[0], state is not None, unit_id is not None, bool(unit_name)
    )
    bound = max(COUNT_BOUND, page * per_page)
    params = {
        "scope": scope[1], "in_state": state, "unit": unit_id, "bound": bound + 1,
        "name": f"%{_like_escaped(unit_name)}%" if unit_name else None,
        "limit": per_page, "offset": (page - 1) * per_page,
    }  # fmt: skip
    # One statement for the page and the count as long as the page exists; a page past the
    # end (or an empty list) is counted alone, then the last page read.
    connection = session.connection()
    rows = connection.execute(page_stmt, params).all()
    if rows:
        counted = rows[0].counted
    elif page == 1:
        counted = 0
    else:
        counted = connection.execute(count_stmt, params).scalar_one()
    total, more = min(counted, bound), counted > bound
    last = max(1, math.ceil(total / per_page))
    if page > last:
        page = last
        rows = connection.execute(page_stmt, {**params, "offset": (page - 1) * per_page}).all()
    items = [
        CaseRow(
            id=case_id,
            title=title,
            unit_id=case_unit,
            unit_name=unit,
            regime=regime,
            regime_zh=_regime_zh(regime),
            state=case_state,
            state_zh=_state_zh(case_state),
            opened_at=opened_at,
            updated_at=updated_at,
        )
        for case_id, title, case_unit, unit, regime, case_state, opened_at, updated_at, _ in rows
    ]
    return Page(items=items, page=page, per_page=per_page, total=total, more=more)


_CASES, _UNITS = Case.__table__, Unit.__table__


def _scope_clause(scope: Scope) -> list[ColumnElement[bool]]:
    """:func:`visible_cases` on ``cases`` with the scope's id as the parameter ``scope``."""
    c = _CASES.c
    if scope == Scope.UNIT:
        return [c.unit_id == bindparam("scope")]
    if scope == Scope.AUTHORITY:
        return [c.authority_id == bindparam("scope")]
    return []


@cache
def _list_statements(
    scope: Scope, by_state: bool, by_unit: bool, by_name: bool
) -> tuple[Select[Any], Select[Any]]:
    """The list's two statements for one shape of filter, built once (Core, parameters for
    every value): the bounded count alone, and the page with the same count as a column."""
    c, u = _CASES.c, _UNITS.c
    where = _scope_clause(scope)
    if by_state:
        where.append(c.state == bindparam("in_state"))
    if by_unit:
        where.append(c.unit_id == bindparam("unit"))
    if by_name:
        where.append(u.name.like(bindparam("name"), escape="/"))
    matching = select(c.id).where(*where)
    if by_name:  # the join only when the unit's name is asked for
        matching = matching.join(_UNITS, u.id == c.unit_id)
    counted = select(func.count()).select_from(matching.limit(bindparam("bound")).subquery())
    page = (
        select(
            c.id, c.title, c.unit_id, u.name, c.regime, c.state, c.opened_at, c.updated_at,
            counted.scalar_subquery().label("counted"),
        )
        .select_from(_CASES.join(_UNITS, u.id == c.unit_id))
        .where(*where)
        .order_by(c.opened_at.desc(), c.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )  # fmt: skip
    return counted, page


def _like_escaped(text: str) -> str:
    """``text`` matched literally inside LIKE … ESCAPE '/' (what ``contains(autoescape=True)``
    does to a literal)."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def unit_choices(session: Session, actor: User, limit: int | None = None) -> list[UnitChoice]:
    """Units with at least one case ``actor`` may see, by name — the options of the list's unit
    filter; the first ``limit`` of them when given."""
    query = select(Unit.id, Unit.name).where(_has_visible_case(actor)).order_by(Unit.name, Unit.id)
    if limit is not None:
        query = query.limit(limit)
    return [UnitChoice(id=i, name=n) for i, n in session.execute(query).all()]


def unit_choice_count(session: Session, actor: User, up_to: int) -> int:
    """How many units :func:`unit_choices` would offer, counted no further than ``up_to`` (the
    page only needs to know whether they are too many for a select)."""
    scope = _scope(actor)
    if scope is None:
        return 0
    params = {"scope": scope[1], "up_to": up_to}
    return session.connection().execute(_unit_count_statement(scope[0]), params).scalar_one()


@cache
def _unit_count_statement(scope: Scope) -> Select[Any]:
    c, u = _CASES.c, _UNITS.c
    has_case = select(c.id).where(c.unit_id == u.id, *_scope_clause(scope)).exists()
    some = select(u.id).where(has_case).limit(bindparam("up_to")).subquery()
    return select(func.count()).select_from(some)


def _has_visible_case(actor: User) -> ColumnElement[bool]:
    return select(Case.id).where(Case.unit_id == Unit.id, visible_cases(actor)).exists()


def _unit_visible(session: Session, actor: User, unit_id: int) -> bool:
    found = session.scalar(select(Unit.id).where(Unit.id == unit_id, visible_units(actor)))
    return found is not None


# ---- one case -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    occurred_at: datetime
    trigger: str
    trigger_zh: str
    from_state: str | None
    from_zh: str | None
    to_state: str
    to_zh: str
    actor_name: str
    actor_role: str
    actor_role_zh: str
    details: list[tuple[str, str]]
    # the same in English (the page picks by the reader's language): labels from the machine
    # definition and the vocabularies, which carry both
    trigger_en: str = ""
    from_en: str | None = None
    to_en: str = ""
    actor_role_en: str = ""
    details_en: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DeadlineRow:
    kind: str
    kind_zh: str
    time_limit_zh: str  # 15日（自然日）/ 10个工作日 / 24小时; "" when the row has none
    unit_zh: str  # 自然日 / 工作日 / 小时
    due_at: datetime
    provisional: bool  # 暂定: computed without that year's official holiday schedule
    status: str
    status_zh: str
    settled_at: datetime | None
    note: str


@dataclass(frozen=True)
class NoticeRow:
    number: str  # 鹿档执通〔2026〕7号
    issued_at: datetime
    time_limit_zh: str
    due_at: datetime
    due_provisional: bool
    served_at: datetime | None
    service_method_zh: str
    is_backfill: bool
    backfill_late: bool
    officers: list[str]
    legal_basis: str = ""
    facts: str = ""
    required_correction: str = ""
    #: The row's id, for its PDF (``/notices/<id>.pdf``).
    id: int = 0


@dataclass(frozen=True)
class CaseDetail:
    id: int
    title: str
    unit_name: str
    regime: str
    regime_zh: str
    state: str
    state_zh: str
    machine_version: int
    checklist_version: int
    checklist_title: str
    is_emergency: bool
    is_serious: bool
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    timeline: list[TimelineEntry]
    deadlines: list[DeadlineRow]
    notices: list[NoticeRow]


def visible_case(session: Session, actor: User, case_id: int) -> Case:
    """Case ``case_id`` with its unit and checklist, if ``actor`` may see it.

    Raises:
        NotFound: no case has this id, or ``actor`` may not see it (the two look the same).
    """
    case = session.scalar(
        select(Case)
        .where(Case.id == case_id, visible_cases(actor))
        .options(joinedload(Case.unit), joinedload(Case.checklist))
        .execution_options(populate_existing=True)
    )
    if case is None:
        raise NotFound(f"案件{case_id}不存在。", f"Case {case_id} does not exist.")
    return case


def case_detail(session: Session, actor: User, case_id: int) -> CaseDetail:
    """Everything the case page shows ``actor``, in four queries (case, events, deadlines,
    notices) plus one for the officers the history names.

    Raises:
        NotFound: no case has this id, or ``actor`` may not see it (the two look the same).
    """
    case = visible_case(session, actor, case_id)
    events = session.scalars(
        select(Event)
        .where(Event.case_id == case.id)
        .options(joinedload(Event.actor))
        .order_by(Event.seq)
    ).all()
    deadlines = session.scalars(
        select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.due_at, Deadline.id)
    ).all()
    notices = session.scalars(
        select(Notice).where(Notice.case_id == case.id).order_by(Notice.issued_at, Notice.id)
    ).all()
    payloads = {e.id: _load(e.payload) for e in events}
    officer_ids = {i for p in payloads.values() for i in _officer_ids(p)}
    officer_ids.update(i for n in notices for i in n.officer_ids)
    names = _user_names(session, officer_ids)
    return CaseDetail(
        id=case.id,
        title=case.title,
        unit_name=case.unit.name,
        regime=case.regime,
        regime_zh=_regime_zh(case.regime),
        state=case.state,
        state_zh=_state_zh(case.state),
        machine_version=case.machine_version,
        checklist_version=case.checklist.version,
        checklist_title=case.checklist.title_zh,
        is_emergency=case.is_emergency,
        is_serious=case.is_serious,
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
        timeline=[_timeline_entry(e, payloads[e.id], names) for e in events],
        deadlines=[_deadline_row(d, case.state) for d in deadlines],
        notices=[_notice_row(n, names) for n in notices],
    )


# ---- labels -------------------------------------------------------------------------------


def _state_zh(state: str | None) -> str:
    info = STATE_LABELS.get(state or "")
    return info.label_zh if info else (state or "")


def _regime_zh(regime: str) -> str:
    try:
        return Regime(regime).label_zh
    except ValueError:
        return regime


def _trigger_zh(trigger: str) -> str:
    return _trigger_labels(trigger)[0]


def _trigger_labels(trigger: str) -> tuple[str, str]:
    if trigger == OPEN_TRIGGER:
        return OPEN_LABEL
    return TRIGGER_LABELS.get(trigger) or RECORD_LABELS.get(trigger) or (trigger, trigger)


def _state_en(state: str | None) -> str:
    info = STATE_LABELS.get(state or "")
    return info.label_en if info else (state or "")


def _role_en(role: str) -> str:
    try:
        return Role(role).label_en
    except ValueError:
        return role


def _role_zh(role: str) -> str:
    try:
        return Role(role).label_zh
    except ValueError:
        return role


def _time_limit_zh(length: int | None, unit: str | None) -> str:
    if not length or not unit:
        return ""
    try:
        return TimeLimit(length, TimeUnit(unit)).describe_zh()
    except ValueError:
        return f"{length} {unit}"


def _unit_zh(unit: str | None) -> str:
    try:
        return TimeUnit(unit).label_zh if unit else ""
    except ValueError:
        return unit or ""


def _deadline_row(d: Deadline, case_state: str) -> DeadlineRow:
    try:
        kind_zh = DeadlineKind(d.kind).label_zh
    except ValueError:
        kind_zh = d.kind
    try:
        status_zh = DeadlineStatus(d.status).label_zh
    except ValueError:
        status_zh = d.status
    if d.status == DeadlineStatus.PENDING:
        status_zh = _pending_zh(d.kind, case_state)
    return DeadlineRow(
        kind=d.kind,
        kind_zh=kind_zh,
        time_limit_zh=_time_limit_zh(d.time_limit_length, d.time_limit_unit),
        unit_zh=_unit_zh(d.time_limit_unit),
        due_at=d.due_at,
        provisional=d.provisional,
        status=d.status,
        status_zh=status_zh,
        settled_at=d.settled_at,
        note=d.note,
    )


def _pending_zh(kind: str, case_state: str) -> str:
    """A pending deadline says whether it is running: the sweeper acts on it (and reminds) only
    while the case is in a state it concerns — a rectification time limit while the report is
    awaiting verification is not running, and its end would not make the case overdue."""
    states = REMINDED_WHILE.get(kind)
    if states is None or case_state in states:
        return "计时中"
    return f"暂不计时（案件{_state_zh(case_state)}，期间届满不作逾期处理）"


def _notice_row(n: Notice, names: Mapping[int, str]) -> NoticeRow:
    method = SERVICE_METHODS.get(n.service_method or "")
    return NoticeRow(
        number=n.number,
        issued_at=n.issued_at,
        time_limit_zh=_time_limit_zh(n.time_limit_length, n.time_limit_unit),
        due_at=n.due_at,
        due_provisional=n.due_provisional,
        served_at=n.served_at,
        service_method_zh=method[0] if method else (n.service_method or ""),
        is_backfill=n.is_backfill,
        backfill_late=n.backfill_late,
        officers=[names.get(i, f"#{i}") for i in n.officer_ids],
        legal_basis=n.legal_basis,
        facts=n.facts,
        required_correction=n.required_correction,
        id=n.id,
    )


def _user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    return dict(rows)


# ---- event payloads -----------------------------------------------------------------------

#: Names of the payload fields a person wants to read (中文, English), in display order. Anything
#: else (internal ids) is left out; an unknown field is shown under its own name.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "item": ("检查项", "Checklist item"),
    "checklist_version": ("检查清单版本", "Checklist version"),
    "on_site_stop": ("现场叫停", "Stopped on site"),
    "reason": ("理由", "Reason"),
    "facts": ("违法事实", "Facts"),
    "required_correction": ("整改要求", "Required correction"),
    "remedial_measures": ("补救措施", "Remedial measures"),
    "time_limit": ("整改期限", "Time limit"),
    "officer_ids": ("执法人员", "Officers"),
    "served_at": ("送达时间", "Time of service"),
    "service_method": ("送达方式", "Service method"),
    "report": ("整改报告", "Rectification report"),
    "evidence": ("证明材料", "Evidence"),
    "instructions": ("上级处理意见", "Superior's instructions"),
    "outcome": ("处理结果", "Outcome"),
    "notify_departments": ("通知其他部门", "Departments notified"),
    "note": ("备注", "Note"),
    "notice_number": ("通知书文号", "Notice number"),
    "rectification_due_at": ("整改期限届满时间", "Rectification due"),
    "emergency_backfill_due_at": ("补发通知书期限", "Written notice due"),
    "backfill_late": ("补发逾期", "Notice back-filled late"),
    "referral_proposed": ("处分建议", "Disciplinary referral proposed"),
    "reports": ("已报告", "Reported to"),
    "notified": ("已提醒", "Reminded"),
}
HIDDEN_FIELDS = frozenset(
    {"finding", "inspection", "machine_version", "time_limit_length", "time_limit_unit"}
)
#: Flags worth a line only when set (an electronic-archive case has no on-site stop to report).
SHOWN_IF_TRUE = frozenset({"on_site_stop", "referral_proposed"})
OUTCOMES = {"rectify": ("继续整改", "Continue rectification"), "close": ("结案", "Close the case")}
TEXT_LIMIT = 160


def _load(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _officer_ids(payload: Mapping[str, Any]) -> list[int]:
    data = payload.get("data")
    ids = data.get("officer_ids") if isinstance(data, dict) else None
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _flatten(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An advance event stores ``{"data": …, "effects": …}``; the genesis event is flat."""
    if set(payload) <= {"data", "effects"}:
        out: dict[str, Any] = {}
        for part in ("data", "effects"):
            if isinstance(payload.get(part), dict):
                out.update(payload[part])
        return out
    return dict(payload)


def _timestamp(value: Any, *, deadline: bool = False) -> str:
    """A recorded instant as shown; a deadline's through the one deadline rule (24:00)."""
    if isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
            if deadline:
                return format_deadline(instant)
            return to_shanghai(instant).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _details(
    payload: Mapping[str, Any], names: Mapping[int, str], *, english: bool = False
) -> list[tuple[str, str]]:
    """The payload as (中文字段, value) pairs a reader can follow; with ``english``, the same
    pairs in English (the labels and the words the page adds; what was typed stays as typed)."""
    lang = 1 if english else 0
    fields = _flatten(payload)
    if "time_limit_length" in fields:
        fields["time_limit"] = _time_limit_text(
            fields.get("time_limit_length"), fields.get("time_limit_unit"), english=english
        )
    shown: dict[str, str] = {}
    for key, value in fields.items():
        if key in HIDDEN_FIELDS or key.endswith("_provisional") or value in (None, "", []):
            continue
        if key in SHOWN_IF_TRUE and value is False:
            continue
        if key == "officer_ids" and isinstance(value, list):
            text = ("、", ", ")[lang].join(names.get(i, f"#{i}") for i in value)
        elif key == "service_method":
            text = SERVICE_METHODS.get(value, (str(value), str(value)))[lang]
        elif key == "outcome":
            text = OUTCOMES.get(value, (str(value), str(value)))[lang]
        elif key == "reports" and isinstance(value, list):
            text = ("、", ", ")[lang].join(_recipient_label(v, english=english) for v in value)
        elif key == "notified" and isinstance(value, list):
            text = f"{len(value)} people" if english else f"{len(value)}人"
        elif key == "checklist_version":
            text = f"version {value}" if english else f"第{value}版"
        elif key.endswith("_due_at"):
            text = _timestamp(value, deadline=True)
            kind = key.removesuffix("_due_at")
            if fields.get(f"{kind}_provisional"):
                text += " (provisional)" if english else "（暂定）"
        elif key.endswith("_at"):
            text = _timestamp(value)
        elif isinstance(value, bool):
            text = ("否", "No")[lang] if not value else ("是", "Yes")[lang]
        elif isinstance(value, list):
            text = _short("、".join(str(v) for v in value))
        else:
            text = _short(value)
        shown[key] = text
    order = list(FIELD_LABELS)
    keys = sorted(shown, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [(FIELD_LABELS[k][lang] if k in FIELD_LABELS else k, shown[k]) for k in keys]


def _time_limit_text(length: int | None, unit: str | None, *, english: bool) -> str:
    if not english:
        return _time_limit_zh(length, unit)
    if not length or not unit:
        return ""
    try:
        return TimeLimit(length, TimeUnit(unit)).describe_en()
    except ValueError:
        return f"{length} {unit}"


def _recipient_label(value: Any, *, english: bool) -> str:
    try:
        recipient = ReportRecipient(value)
    except ValueError:
        return str(value)
    return recipient.label_en if english else recipient.label_zh


def _timeline_entry(
    e: Event, payload: Mapping[str, Any], names: Mapping[int, str]
) -> TimelineEntry:
    return TimelineEntry(
        seq=e.seq,
        occurred_at=e.occurred_at,
        trigger=e.trigger,
        trigger_zh=_trigger_zh(e.trigger),
        from_state=e.from_state,
        from_zh=_state_zh(e.from_state) if e.from_state else None,
        to_state=e.to_state,
        to_zh=_state_zh(e.to_state),
        actor_name=e.actor.display_name if e.actor is not None else "",
        actor_role=e.actor_role,
        actor_role_zh=_role_zh(e.actor_role),
        details=_details(payload, names),
        trigger_en=_trigger_labels(e.trigger)[1],
        from_en=_state_en(e.from_state) if e.from_state else None,
        to_en=_state_en(e.to_state),
        actor_role_en=_role_en(e.actor_role),
        details_en=_details(payload, names, english=True),
    )
