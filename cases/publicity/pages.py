"""The public pages' data (公开页面): built field by field from what may be published, so a page
cannot show what a query did not fetch — no case ids, no liaisons or officers' accounts, no
record notes, no drafts, nothing outside its publicity period (:mod:`.periods`).

Anonymous visitors have no authority: the pages show every authority's published entries, each
with the authority's name (a province-wide installation publishes for all its districts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.core.clock import ensure_utc
from cases.core.errors import NotFound
from cases.core.vocabulary import CircularKind, InspectionKind, Regime
from cases.models import (
    Authority,
    Circular,
    Inspection,
    InspectionItemResult,
    Penalty,
    PublicService,
    Unit,
)
from cases.publicity.periods import NATURAL_PERSON_YEARS, UNIT_YEARS, is_public, take_down_at

#: Nothing published longer ago than the longest period (and a day of slack) can be public.
_LONGEST = timedelta(days=366 * max(UNIT_YEARS, NATURAL_PERSON_YEARS) + 1)
#: 检查年度 shown on the pages: a year outside this range is not a page (404, not a query).
YEARS = range(2000, 2101)


@dataclass(frozen=True)
class ServiceRow:
    """One row of the 公共服务事项登记表."""

    number: int
    name: str
    content: str
    office: str
    phone: str


@dataclass(frozen=True)
class ResultRow:
    """One published 双随机 result: who was checked, how, when, and what came of it."""

    authority: str
    unit: str
    credit_code: str
    regime: str
    kind: str
    inspection_date: date
    conforming: int
    nonconforming: int
    published_at: datetime
    take_down_at: datetime

    @property
    def outcome(self) -> str:
        if self.nonconforming:
            return f"发现问题{self.nonconforming}项，已责令限期整改"
        return "未发现问题"


@dataclass(frozen=True)
class CircularRow:
    """One published circular as the public reads it."""

    id: int
    authority: str
    kind: str
    is_criticism: bool
    title: str
    content: str
    #: A 通报批评's legal basis (a penalty needs one, 行政处罚法 art 9); empty for 情况通报.
    legal_basis: str
    published_at: datetime
    take_down_at: datetime


def public_services(session: Session) -> list[ServiceRow]:
    """The service table as the rows stand (an administrator's edits included), by 序号."""
    rows = session.scalars(select(PublicService).order_by(PublicService.number))
    return [
        ServiceRow(
            r.number,
            r.name_zh,
            r.content_zh,
            r.office_zh,
            f"{r.area_code}-{r.phone}" if r.area_code else r.phone,
        )  # fmt: skip
        for r in rows
    ]


def result_years(session: Session, now: datetime) -> list[int]:
    """The years (of the check) with at least one result public at ``now``, newest first."""
    years = {r.inspection_date.year for r in _public_results(session, now)}
    return sorted(years, reverse=True)


def published_results(session: Session, year: int, now: datetime) -> list[ResultRow]:
    """The results of the checks of ``year`` public at ``now``, newest check first."""
    return [r for r in _public_results(session, now) if r.inspection_date.year == year]


def _public_results(session: Session, now: datetime) -> list[ResultRow]:
    now = ensure_utc(now)
    found = session.execute(
        select(Inspection, Unit.name, Unit.credit_code, Authority.name)
        .join(Unit, Unit.id == Inspection.unit_id)
        .join(Authority, Authority.id == Inspection.authority_id)
        .where(
            Inspection.published_at.is_not(None),
            Inspection.published_at <= now,
            Inspection.published_at > now - _LONGEST,
        )
        .order_by(Inspection.inspection_date.desc(), Inspection.id.desc())
    ).all()
    counts = _item_counts(session, [i.id for i, *_ in found])
    out = []
    for inspection, unit, credit_code, authority in found:
        published = ensure_utc(inspection.published_at)
        # the subject of a result is a registered unit, never a natural person
        if not is_public(published, None, now, natural_person=False):
            continue
        conforming, nonconforming = counts.get(inspection.id, (0, 0))
        out.append(
            ResultRow(
                authority=authority, unit=unit, credit_code=credit_code,
                regime=Regime(inspection.regime).label_zh,
                kind=InspectionKind(inspection.kind).label_zh,
                inspection_date=inspection.ended_on or inspection.inspection_date,
                conforming=conforming, nonconforming=nonconforming, published_at=published,
                take_down_at=take_down_at(published, None, natural_person=False),
            )
        )  # fmt: skip
    return out


def _item_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    counts: dict[int, list[int]] = {}
    for inspection_id, result, n in session.execute(
        select(InspectionItemResult.inspection_id, InspectionItemResult.result, func.count())
        .where(InspectionItemResult.inspection_id.in_(ids))
        .group_by(InspectionItemResult.inspection_id, InspectionItemResult.result)
    ):
        pair = counts.setdefault(inspection_id, [0, 0])
        if result == "conform":
            pair[0] += n
        elif result == "nonconform":
            pair[1] += n
    return {k: (a, b) for k, (a, b) in counts.items()}


def published_circulars(session: Session, now: datetime) -> list[CircularRow]:
    """Circulars public at ``now``, newest first."""
    now = ensure_utc(now)
    found = session.execute(
        select(Circular, Authority.name, Penalty.party_kind)
        .join(Authority, Authority.id == Circular.authority_id)
        .outerjoin(Penalty, Penalty.id == Circular.penalty_id)
        .where(
            Circular.published_at.is_not(None),
            Circular.published_at <= now,
            Circular.published_at > now - _LONGEST,
        )
        .order_by(Circular.published_at.desc(), Circular.id.desc())
    ).all()
    out = []
    for circular, authority, party_kind in found:
        natural = subject_is_natural_person(party_kind)
        if not is_public(circular.published_at, circular.take_down_at, now, natural_person=natural):
            continue
        published = ensure_utc(circular.published_at)  # type: ignore[arg-type]
        kind = CircularKind(circular.kind)
        out.append(
            CircularRow(
                id=circular.id, authority=authority, kind=kind.label_zh,
                is_criticism=kind == CircularKind.CRITICISM, title=circular.title,
                content=circular.content,
                legal_basis=circular.legal_basis if kind == CircularKind.CRITICISM else "",
                published_at=published,
                take_down_at=take_down_at(published, circular.take_down_at, natural_person=natural),
            )
        )  # fmt: skip
    return out


def published_circular(session: Session, circular_id: int, now: datetime) -> CircularRow:
    """One circular public at ``now``. A draft, one taken down and one that never existed are
    the same 404: the page says nothing of what is not public."""
    for row in published_circulars(session, now):
        if row.id == circular_id:
            return row
    raise NotFound(f"通报{circular_id}不存在或已撤下", f"Circular {circular_id} is not public")


def subject_is_natural_person(party_kind: str | None) -> bool:
    """A circular's subject is a natural person when it carries out a penalty on an individual
    party (``Penalty.party_kind``); a 情况通报 is about a case's unit, which is never one."""
    return party_kind == "individual"
