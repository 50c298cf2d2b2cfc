"""Referrals (移送处分/处理建议) wait for the receiving body's written answer (条例 art 46).

An overdue case proposes one (档案法 art 48(8)); a supervisor may also refer from any case with a
violation (:func:`refer_for_discipline`: the persons, the receiving organ, the facts and the
basis). A supervisor sends it to the appointing or
supervisory organ, which starts a deadline for the answer with reminders before and after it;
recording the answer settles the deadline. Each step is an event on the case's chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.casework.door import lock_case, record_case_event
from cases.core.clock import ensure_utc, local_date
from cases.core.errors import Conflict, InvalidInput, NotFound
from cases.core.settings import current_settings
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, ReceivingOrgan, ReferralStatus
from cases.deadlines.reminders import first_reminder
from cases.messages.outbox import enqueue
from cases.models import Case, Deadline, Event, Referral, User
from cases.reference.calendar import calendar_for
from cases.reference.citations import cite
from cases.reference.timelimits import TimeLimit, TimeUnit, compute_due


def send_referral(
    session: Session, referral_id: int, actor: User, *, receiving_body: str, now: datetime
) -> Referral:
    now = ensure_utc(now)
    referral = _referral(session, referral_id, actor)
    if referral.status != ReferralStatus.PROPOSED:
        raise Conflict("该处理建议已移送或已撤回", "The referral was already sent or withdrawn")
    if not receiving_body.strip():
        raise InvalidInput("请填写接收机关（任免机关或监察机关）", "The receiving body is required")
    settings = current_settings()
    calendar = calendar_for(session)
    limit = TimeLimit(settings.referral_answer_days, TimeUnit.NATURAL_DAY)
    due = compute_due(now, limit, calendar)
    referral.status, referral.sent_at = ReferralStatus.SENT, now
    referral.receiving_body = receiving_body.strip()
    session.execute(
        insert(Deadline).values(
            case_id=referral.case_id, authority_id=actor.authority_id,
            kind=DeadlineKind.REFERRAL_FEEDBACK, referral_id=referral.id,
            status=DeadlineStatus.PENDING, due_at=due.due_at, time_limit_length=limit.length,
            time_limit_unit=limit.unit.value, provisional=due.provisional, created_at=now, note="",
            next_reminder_at=first_reminder(
                DeadlineKind.REFERRAL_FEEDBACK, now, due.due_at, limit.unit.value, calendar, settings
            ),
        )
    )  # fmt: skip
    case = session.get(Case, referral.case_id)
    assert case is not None
    enqueue(
        session, kind="referral", ref_id=referral.id, recipient=referral.receiving_body,
        document={"case": case.id, "unit": case.unit.name, "organ": referral.receiving_organ,
                  "persons": referral.persons or [], "facts": referral.facts,
                  "grounds": referral.grounds, "legal_basis": referral.legal_basis,
                  "answer_due_at": due.due_at.isoformat()},
        settings=settings, now=now,
    )  # fmt: skip
    record_case_event(
        session, referral.case_id, "referral_sent", actor, now=now,
        payload={"referral": referral.id, "to": referral.receiving_body, "answer_due_at": due.due_at},
    )  # fmt: skip
    return referral


#: The persons a referral names (条例 art 46: 负有责任的领导人员和直接责任人员).
PERSON_ROLES: dict[str, tuple[str, str]] = {
    "leader": ("负有责任的领导人员", "responsible leader"),
    "direct": ("直接责任人员", "directly responsible person"),
}


def refer_for_discipline(
    session: Session, case_id: int, actor: User, *, persons: list[dict[str, str]],
    organ: str, receiving_body: str, facts: str, basis: str = "", now: datetime,
) -> Referral:  # fmt: skip
    """A supervisor's 处分移送 from a case with a violation: recorded, sent through the outbox,
    its written answer awaited with a deadline and reminders (:func:`send_referral`)."""
    now = ensure_utc(now)
    case = lock_case(session, case_id)
    require(
        actor, Duty.HANDLE_REFERRALS, case,
        message=("只有本机关的科室/馆领导可以办理移送", "Only a supervisor may handle referrals"),
    )  # fmt: skip
    voided = session.scalar(
        select(Event.id).where(Event.case_id == case.id, Event.trigger == "void").limit(1)
    )
    if voided is not None:
        raise Conflict("该案件问题不成立（已撤销），不能移送处分", "The finding was voided")
    if organ not in ReceivingOrgan.__members__.values():
        raise InvalidInput(
            "接收机关须为任免机关或监察机关", "The receiving organ is the appointing or 监察 organ"
        )
    cleaned = _persons(persons)
    if not facts.strip():
        raise InvalidInput("请填写违法事实", "The facts are required")
    if len(facts) > MAX_TEXT or len(basis) > MAX_TEXT or len(receiving_body) > 200:
        raise InvalidInput(
            f"违法事实和依据各不超过{MAX_TEXT}字，接收机关名称不超过200字",
            f"Facts and basis up to {MAX_TEXT} characters each, the receiving body up to 200",
        )
    referral = Referral(
        case_id=case.id, receiving_body=receiving_body.strip() or ReceivingOrgan(organ).label_zh,
        receiving_organ=organ, facts=facts.strip(), persons=cleaned,
        grounds=facts.strip(), legal_basis=basis.strip() or cite(session, "disciplinary_referral", local_date(now)),
        status=ReferralStatus.PROPOSED, proposed_at=now,
    )  # fmt: skip
    session.add(referral)
    session.flush()
    record_case_event(
        session, case.id, "disciplinary_referral_made", actor, now=now,
        payload={"referral": referral.id, "organ": organ, "persons": cleaned,
                 "facts": referral.facts, "basis": referral.legal_basis},
    )  # fmt: skip
    return send_referral(
        session, referral.id, actor, receiving_body=referral.receiving_body, now=now
    )


#: A referral is about the persons responsible for one violation: a long list is a mistake (a
#: pasted roster), and every name goes into the outbox document and the chain.
MAX_PERSONS = 50
#: The facts and the basis are a paragraph or a few, not a file.
MAX_TEXT = 20_000


def _persons(persons: list[dict[str, str]]) -> list[dict[str, str]]:
    if len(persons or []) > MAX_PERSONS:
        raise InvalidInput(
            f"一次移送最多列明{MAX_PERSONS}名责任人员（收到{len(persons)}名）",
            f"A referral names at most {MAX_PERSONS} persons ({len(persons)} given)",
        )
    cleaned: list[dict[str, str]] = []
    for p in persons or []:
        name, post = str(p.get("name", "")).strip(), str(p.get("post", "")).strip()
        role = str(p.get("role", "direct")).strip()
        if not name or not post or role not in PERSON_ROLES or len(name) > 100 or len(post) > 200:
            raise InvalidInput(
                "每名责任人员须写明姓名、职务及类别（领导人员或直接责任人员）",
                "Each person needs a name, a post and a role (leader or direct)",
            )
        person = {"name": name, "post": post, "role": role}
        if person in cleaned:
            raise InvalidInput(f"责任人员重复：{name}（{post}）", f"Person listed twice: {name}")
        cleaned.append(person)
    if not cleaned:
        raise InvalidInput("请列明负有责任的领导人员和直接责任人员", "Name the responsible persons")
    return cleaned


def referrals_of(session: Session, actor: User, case_id: int | None = None) -> list[Referral]:
    """The actor's authority's referrals (of one case if given), newest first."""
    query = (
        select(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(Case.authority_id == actor.authority_id)
    )
    if case_id is not None:
        query = query.where(Referral.case_id == case_id)
    return list(session.scalars(query.order_by(Referral.id.desc())))


def record_referral_answer(
    session: Session, referral_id: int, actor: User, *, outcome: str, now: datetime
) -> Referral:
    now = ensure_utc(now)
    referral = _referral(session, referral_id, actor)
    if referral.status != ReferralStatus.SENT:
        raise Conflict("该处理建议尚未移送或已答复", "The referral is not awaiting an answer")
    if not outcome.strip():
        raise InvalidInput(
            "请录入书面答复的处理结果", "The outcome of the written answer is required"
        )
    referral.status, referral.answered_at, referral.outcome = (
        ReferralStatus.ANSWERED,
        now,
        outcome.strip(),
    )
    for deadline in session.scalars(
        select(Deadline).where(
            Deadline.referral_id == referral.id,
            Deadline.status.in_([DeadlineStatus.PENDING, DeadlineStatus.PAUSED]),
        )
    ):
        late = now >= deadline.due_at
        deadline.status, deadline.settled_at = DeadlineStatus.DONE, now
        deadline.note, deadline.next_reminder_at = ("逾期答复" if late else "按期答复"), None
    session.flush()
    record_case_event(
        session, referral.case_id, "referral_answered", actor, now=now,
        payload={"referral": referral.id, "outcome": referral.outcome},
    )  # fmt: skip
    return referral


def _referral(session: Session, referral_id: int, actor: User) -> Referral:
    found = session.get(Referral, referral_id)
    if found is None:
        raise NotFound(f"处理建议{referral_id}不存在", f"Referral {referral_id} not found")
    case = lock_case(session, found.case_id)
    require(
        actor, Duty.HANDLE_REFERRALS, case,
        message=("只有本机关的科室/馆领导可以办理移送", "Only a supervisor may handle referrals"),
    )  # fmt: skip
    session.refresh(found, with_for_update=True)
    return found
