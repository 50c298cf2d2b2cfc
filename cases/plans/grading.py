"""The year's grade of each inspected unit (等级评定; LAW.md grading, 《档案检查工作办法》).

The share of checklist items found conforming across the unit's inspections of the year —
recorded, signed or archived, as the compliance report counts them; items marked not applicable
are left out of both sides — gives the band: 优秀 at 80 % or more, 良好 at 70 %, 合格 at 60 %,
else 不合格 (``OVERSIGHT_GRADE_BANDS=80,70,60``). Whatever the share, the grade is 不合格 when
:func:`cases.plans.assessments.automatic_failures` names a ground: a recorded refusal to
self-report that year, or an archive-security incident in the five years up to its end.

A unit with no inspection that year has no share: it is 未检查 (not graded) unless a ground of
automatic failure applies, which stands without an inspection — refusing to report is itself the
fault. Shares are exact fractions compared with the bands, so 79.99 % is never rounded up into 优秀.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import Labeled, Regime
from cases.models import Incident, Inspection, InspectionItemResult, SelfReport, Unit
from cases.plans.assessments import automatic_failures
from workflows.inspection_machine import RECORDED_STATES


class Grade(Labeled):
    EXCELLENT = "excellent", "优秀", "Excellent"
    GOOD = "good", "良好", "Good"
    PASS = "pass", "合格", "Pass"
    FAIL = "fail", "不合格", "Fail"
    NOT_INSPECTED = "not_inspected", "未检查", "Not inspected"


@dataclass(frozen=True)
class UnitGrade:
    unit_id: int
    unit_name: str
    credit_code: str
    conforming: int
    applicable: int
    grade: Grade
    #: Why the grade is 不合格 whatever the share (zh, en); empty when the bands decided.
    grounds: tuple[tuple[str, str], ...]

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.conforming, self.applicable) if self.applicable else None

    def as_dict(self) -> dict[str, object]:
        share = self.share
        return {
            "unit_id": self.unit_id,
            "unit": self.unit_name,
            "credit_code": self.credit_code,
            "conforming": self.conforming,
            "applicable": self.applicable,
            "share_percent": None if share is None else round(float(share) * 100, 2),
            "grade": self.grade.value,
            "grade_zh": self.grade.label_zh,
            "grounds": [zh for zh, _ in self.grounds],
            "grounds_en": [en for _, en in self.grounds],
        }


def band(share: Fraction, bands: tuple[int, int, int]) -> Grade:
    """The band a share of conforming items falls in (bands in percent, highest first)."""
    excellent, good, passing = (Fraction(b, 100) for b in bands)
    if share >= excellent:
        return Grade.EXCELLENT
    if share >= good:
        return Grade.GOOD
    if share >= passing:
        return Grade.PASS
    return Grade.FAIL


def grade_units(
    session: Session,
    authority_id: int,
    year: int,
    *,
    regime: str | None = None,
    settings: Settings | None = None,
) -> list[UnitGrade]:
    """Every unit of the authority inspected in ``year`` or failing automatically, by unit name.
    ``regime`` narrows the items counted to that regime's inspections; the automatic grounds
    belong to no regime and always count."""
    bands = (settings or current_settings()).grade_bands
    counts = _item_counts(session, authority_id, year, regime)
    candidates = set(counts) | _units_with_refusals(session, authority_id, year)
    candidates |= _units_with_incidents(session, authority_id)
    if not candidates:
        return []
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(sorted(candidates))))}
    out: list[UnitGrade] = []
    for unit_id in candidates:
        unit = units[unit_id]
        conforming, applicable = counts.get(unit_id, (0, 0))
        grounds = tuple(automatic_failures(session, unit_id, year))
        if not grounds and unit_id not in counts:
            continue  # an incident too old to count, and no inspection
        if grounds:
            grade = Grade.FAIL
        elif applicable:
            grade = band(Fraction(conforming, applicable), bands)
        else:
            grade = Grade.NOT_INSPECTED
        out.append(
            UnitGrade(unit_id, unit.name, unit.credit_code or "", conforming, applicable, grade,
                      grounds)
        )  # fmt: skip
    return sorted(out, key=lambda g: (g.unit_name, g.unit_id))


def _item_counts(
    session: Session, authority_id: int, year: int, regime: str | None
) -> dict[int, tuple[int, int]]:
    """unit id → (conforming items, applicable items) over the year's done inspections."""
    stmt = (
        select(Inspection.unit_id, InspectionItemResult.result, func.count())
        .join(InspectionItemResult, InspectionItemResult.inspection_id == Inspection.id)
        .where(
            Inspection.authority_id == authority_id,
            Inspection.status.in_(RECORDED_STATES),
            Inspection.inspection_date >= date(year, 1, 1),
            Inspection.inspection_date < date(year + 1, 1, 1),
            InspectionItemResult.result.in_(("conform", "nonconform")),
        )
        .group_by(Inspection.unit_id, InspectionItemResult.result)
    )
    if regime is not None:
        stmt = stmt.where(Inspection.regime == Regime(regime).value)
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, result, n in session.execute(stmt):
        if result == "conform":
            tally[unit_id][0] += n
        tally[unit_id][1] += n
    return {unit_id: (c, a) for unit_id, (c, a) in tally.items()}


def _units_with_refusals(session: Session, authority_id: int, year: int) -> set[int]:
    return set(
        session.scalars(
            select(SelfReport.unit_id).where(
                SelfReport.authority_id == authority_id,
                SelfReport.year == year,
                SelfReport.refused_at.is_not(None),
            )
        )
    )


def _units_with_incidents(session: Session, authority_id: int) -> set[int]:
    """Units with any incident reported (which of them fall in the five years is decided by
    :func:`automatic_failures`)."""
    return set(
        session.scalars(
            select(Incident.unit_id).where(
                Incident.authority_id == authority_id, Incident.unit_id.is_not(None)
            )
        )
    )
