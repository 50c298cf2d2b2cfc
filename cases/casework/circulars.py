"""Circulars (通报) of a case: made, published, delivered (seed 档案安全 (四), 安全 五(二)).

Problems of archive information security are made public by a 情况通报 before the case may close
(the guard :func:`workflows.guards.circular_published_if_required` reads a *published* circular).
A supervisor makes the circular (a draft, an event on the case's chain), then publishes it: the
publication and take-down instants are public page data, and the circular goes out through the
outbox. A 通报批评 is a sanction (行政处罚法 art 9): :func:`make_criticism_circular` makes one only
behind a penalty of the authority that decided it — decided or later, 通报批评 among the sanctions
decided, not revoked — with the decision's basis as its legal basis. Today no archives offence in
``penalties.toml`` gives 通报批评 (档案法 arts 49–50: 警告 and fines), so none can be made with
the shipped data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.casework.door import lock_case, record_case_event
from cases.core.clock import ensure_utc
from cases.core.errors import Conflict, InvalidInput, NotFound
from cases.core.settings import current_settings
from cases.core.vocabulary import CircularKind
from cases.messages.outbox import enqueue
from cases.models import Case, Circular, Penalty, User
from cases.penalties.history import append_penalty_event
from cases.publicity import periods

_ONLY_SUPERVISORS = ("只有本机关的科室/馆领导可以制作、发布通报", "Only a supervisor may circulate")


@dataclass(frozen=True)
class PublicCircular:
    """What the public page shows of one published circular."""

    id: int
    case_id: int | None
    title: str
    content: str
    published_at: datetime
    take_down_at: datetime | None


def make_circular(
    session: Session, case_id: int, actor: User, *, title: str, content: str, now: datetime
) -> Circular:
    """A draft 情况通报 for ``case_id``; nothing is public until :func:`publish_circular`."""
    now = ensure_utc(now)
    case = lock_case(session, case_id)
    require(actor, Duty.PUBLISH_CIRCULARS, case, message=_ONLY_SUPERVISORS)
    if case.state == "closed":
        raise Conflict("案件已结案，不能再制作通报", "The case is closed")
    missing = [zh for zh, v in (("标题", title), ("正文", content)) if not v.strip()]
    if missing:
        raise InvalidInput(
            "通报内容不完整，缺少：" + "、".join(missing), "The circular needs a title and a text"
        )
    circular = Circular(
        authority_id=case.authority_id, case_id=case.id, kind=CircularKind.INFORMATIONAL,
        title=title.strip(), content=content.strip(), legal_basis="", published_at=None,
        take_down_at=None, created_at=now, created_by_id=actor.id,
    )  # fmt: skip
    session.add(circular)
    session.flush()
    record_case_event(
        session, case.id, "circular_made", actor, now=now,
        payload={"circular": circular.id, "title": circular.title},
    )  # fmt: skip
    return circular


#: A penalty's states from the decision on: a 通报批评 is made once it is decided.
DECIDED_OR_LATER = frozenset({"decided", "served", "published", "executed", "closed"})
CRITICISM = "circular_criticism"


def make_criticism_circular(
    session: Session, penalty_id: int, actor: User, *, title: str, content: str, now: datetime
) -> Circular:
    """A draft 通报批评 carrying out a decided penalty's sanction, recorded on the penalty's chain;
    refused unless the penalty is the actor's authority's, decided (or later), imposes 通报批评 and
    is not revoked."""
    now = ensure_utc(now)
    require(actor, Duty.PUBLISH_CIRCULARS, message=_ONLY_SUPERVISORS)
    penalty = session.get(Penalty, penalty_id, with_for_update=True)
    if penalty is None or penalty.authority_id != actor.authority_id:
        raise NotFound(f"行政处罚{penalty_id}不存在", f"Penalty {penalty_id} not found")
    if penalty.status not in DECIDED_OR_LATER or penalty.decided_on is None:
        raise Conflict(
            "通报批评须以已作出的行政处罚决定为依据，该处罚尚未作出决定",
            "A circular of criticism needs a decided penalty: this one is not decided",
        )
    if CRITICISM not in (penalty.sanctions or []):
        raise Conflict("该处罚决定未给予通报批评", "The decision imposes no circular of criticism")
    if penalty.revoked_on is not None:
        raise Conflict(
            f"该处罚决定已于{penalty.revoked_on}被撤销，不得通报批评",
            f"The decision was revoked on {penalty.revoked_on}: no circular of criticism",
        )
    missing = [zh for zh, v in (("标题", title), ("正文", content)) if not v.strip()]
    if missing:
        raise InvalidInput(
            "通报内容不完整，缺少：" + "、".join(missing), "The circular needs a title and a text"
        )
    basis = ((penalty.decision or {}).get("basis") or "").strip() or penalty.file_no
    circular = Circular(
        authority_id=penalty.authority_id, case_id=penalty.case_id, penalty_id=penalty.id,
        kind=CircularKind.CRITICISM, title=title.strip(), content=content.strip(),
        legal_basis=basis, published_at=None, take_down_at=None, created_at=now,
        created_by_id=actor.id,
    )  # fmt: skip
    session.add(circular)
    session.flush()
    append_penalty_event(
        session, penalty, trigger="circular_made", actor=actor, now=now,
        to_state=penalty.status, payload={"circular": circular.id, "title": circular.title},
    )  # fmt: skip
    session.flush()
    return circular


def publish_circular(
    session: Session, circular_id: int, actor: User, *, take_down_at: datetime, now: datetime
) -> Circular:
    """Publish a draft: public from ``now`` until ``take_down_at``, delivered through the outbox."""
    now, take_down_at = ensure_utc(now), ensure_utc(take_down_at)
    circular = _circular(session, circular_id, actor)
    if circular.published_at is not None:
        raise Conflict("该通报已发布", "The circular is already published")
    if take_down_at <= now:
        raise InvalidInput("撤下时间须晚于发布时间", "The take-down time must be after publication")
    circular.published_at, circular.take_down_at = now, take_down_at
    session.flush()
    case = session.get(Case, circular.case_id) if circular.case_id is not None else None
    authority = case.unit.authority if case is not None else None
    enqueue(
        session, kind="circular", ref_id=circular.id,
        recipient=(authority.superior_name if authority else "") or "通报发布",
        document={"case": circular.case_id, "penalty": circular.penalty_id,
                  "unit": case.unit.name if case else "",
                  "kind": circular.kind, "title": circular.title, "content": circular.content,
                  "published_at": now.isoformat(), "take_down_at": take_down_at.isoformat()},
        settings=current_settings(), now=now,
    )  # fmt: skip
    if circular.case_id is not None:
        record_case_event(
            session, circular.case_id, "circular_published", actor, now=now,
            payload={"circular": circular.id, "published_at": now, "take_down_at": take_down_at},
        )  # fmt: skip
    return circular


def public_circulars(session: Session, authority_id: int, now: datetime) -> list[PublicCircular]:
    """The public page: circulars published and not yet taken down at ``now``, newest first —
    taken down at the chosen instant or at the end of the publicity period, whichever is first
    (:mod:`cases.publicity.periods`: 5 years, 2 for a natural person)."""
    now = ensure_utc(now)
    rows = session.execute(
        select(Circular, Penalty.party_kind)
        .outerjoin(Penalty, Penalty.id == Circular.penalty_id)
        .where(
            Circular.authority_id == authority_id,
            Circular.published_at.is_not(None),
            Circular.published_at <= now,
            (Circular.take_down_at.is_(None)) | (Circular.take_down_at > now),
        )
        .order_by(Circular.published_at.desc(), Circular.id.desc())
    ).all()
    out = []
    for c, party_kind in rows:
        natural = party_kind == "individual"
        if not periods.is_public(c.published_at, c.take_down_at, now, natural_person=natural):
            continue
        end = periods.take_down_at(c.published_at, c.take_down_at, natural_person=natural)  # type: ignore[arg-type]
        out.append(PublicCircular(c.id, c.case_id, c.title, c.content, c.published_at, end))  # type: ignore[arg-type]
    return out


def circulars_of(session: Session, actor: User, case_id: int | None = None) -> list[Circular]:
    """The actor's authority's circulars (of one case if given), drafts included, newest first."""
    query = select(Circular).where(Circular.authority_id == actor.authority_id)
    if case_id is not None:
        query = query.where(Circular.case_id == case_id)
    return list(session.scalars(query.order_by(Circular.id.desc())))


def _circular(session: Session, circular_id: int, actor: User) -> Circular:
    found = session.get(Circular, circular_id)
    if found is None or found.authority_id != actor.authority_id:
        raise NotFound(f"通报{circular_id}不存在", f"Circular {circular_id} not found")
    if found.case_id is not None:
        case = lock_case(session, found.case_id)
        require(actor, Duty.PUBLISH_CIRCULARS, case, message=_ONLY_SUPERVISORS)
    else:
        require(actor, Duty.PUBLISH_CIRCULARS, message=_ONLY_SUPERVISORS)
    session.refresh(found, with_for_update=True)
    return found
