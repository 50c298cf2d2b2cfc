"""The demo district's inspection paperwork and next year's plan, after the year of
inspections :mod:`cases.demo.district` records: every record signed (one refusal to sign
recorded by the officers), the older ones archived, 双随机 results published within 20 working
days except one left to lapse, a recusal, three complaints routed three ways, and next year's
plans drawn with a recorded seed — all through the same services a user would call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.complaints.intake import receive_complaint
from cases.core.clock import shanghai_time
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, Regime
from cases.inspections.door import advance_inspection
from cases.inspections.publication import publish_result
from cases.models import Authority, Deadline, Inspection, InspectionOfficer, Unit, User
from cases.plans.yearly import draw_plan
from cases.registry.recusals import add_recusal

#: Records older than this are archived (档案: the file goes to the archive once complete).
ARCHIVE_AFTER = timedelta(days=30)
REFUSAL = "对检查结论有异议，拒绝在检查记录上签字"


@dataclass
class Paperwork:
    signed: int = 0
    refusals: int = 0
    archived: int = 0
    published: int = 0
    unpublished: int = 0

    def summary(self) -> str:
        return (
            f"{self.signed} records signed ({self.refusals} refusal), {self.archived} archived, "
            f"{self.published} results published, {self.unpublished} not yet"
        )


def finish_records(
    session: Session, authority: Authority, rnd: random.Random, today: date
) -> Paperwork:
    """Sign every complete record on its day, archive the old ones, publish the 双随机 results."""
    done = Paperwork()
    inspections = session.scalars(
        select(Inspection)
        .where(Inspection.authority_id == authority.id, Inspection.status == "recorded")
        .order_by(Inspection.inspection_date, Inspection.id)
    ).all()
    refusal_at = rnd.randrange(len(inspections)) if inspections else -1
    lapsing = _one_to_lapse(inspections, today)
    for n, inspection in enumerate(inspections):
        day = inspection.inspection_date
        officers = session.scalars(
            select(User)
            .join(InspectionOfficer, InspectionOfficer.user_id == User.id)
            .where(InspectionOfficer.inspection_id == inspection.id)
            .order_by(User.id)
        ).all()
        signed_at = shanghai_time(day, 16, rnd.randint(0, 40))
        for officer in officers:
            advance_inspection(session, inspection.id, "sign", officer, now=signed_at)
        person = inspection.unit.responsible_person
        if n == refusal_at:
            advance_inspection(session, inspection.id, "record_refusal", officers[0],
                               now=signed_at, responsible_person=person, reason=REFUSAL)  # fmt: skip
            done.refusals += 1
        else:
            advance_inspection(session, inspection.id, "unit_sign", officers[0], now=signed_at,
                               responsible_person=person)  # fmt: skip
        done.signed += 1
        deadline = session.scalar(
            select(Deadline).where(
                Deadline.inspection_id == inspection.id,
                Deadline.kind == DeadlineKind.PUBLICATION,
                Deadline.status == DeadlineStatus.PENDING,
            )
        )
        publish_on = day + timedelta(days=rnd.randint(7, 21))
        if deadline is not None and inspection.id != lapsing and publish_on < today:
            publish_result(session, inspection.id, officers[0], shanghai_time(publish_on, 10))
            done.published += 1
        elif deadline is not None:
            done.unpublished += 1
        if day < today - ARCHIVE_AFTER:
            archived_on = max(publish_on, day + timedelta(days=25))
            advance_inspection(session, inspection.id, "archive", officers[0],
                               now=shanghai_time(min(archived_on, today - timedelta(days=1)), 11))  # fmt: skip
            done.archived += 1
    return done


def _one_to_lapse(inspections: list[Inspection], today: date) -> int | None:
    """A random-sampling result the office forgot to publish, 40–70 days ago: the first sweep
    after seeding alerts the supervisor (逾期未公示)."""
    for inspection in inspections:
        if (
            inspection.kind == "random_sampling"
            and 40 <= (today - inspection.inspection_date).days <= 70
        ):
            return inspection.id
    return None


def recusal_complaints_and_plans(
    session: Session,
    authority: Authority,
    supervisor: User,
    inspectors: list[User],
    units: list[Unit],
    rnd: random.Random,
    today: date,
) -> str:
    """A conflict of interest on file, three complaints, and next year's two plans."""
    now = shanghai_time(today, 9) - timedelta(days=1)
    relative = rnd.choice([u for u in units if not u.is_key_unit])
    add_recusal(session, inspectors[0], relative, f"配偶在{relative.name}任职", today - timedelta(days=200),
                supervisor, now)  # fmt: skip
    inside = rnd.choice([u for u in units if u.under_security_regime])
    receive_complaint(
        session, authority, source="public", actor=inspectors[1], unit_id=inside.id, now=now,
        source_detail="市民来电（12345热线转办）",
        content=f"反映{inside.name}档案库房漏水，部分档案受潮，未及时处置。",
    )  # fmt: skip
    receive_complaint(
        session, authority, source="department", actor=inspectors[1], now=now,
        source_detail="区信访局转办", unit_name="某投资咨询有限公司",
        content="反映某投资咨询有限公司以档案寄存为名非法集资，承诺高额回报。",
    )  # fmt: skip
    receive_complaint(
        session, authority, source="public", actor=inspectors[1], now=now,
        unit_name="石家庄某数据服务有限公司",
        content="反映该公司将外包整理的档案数据存放在境外网盘。",
    )  # fmt: skip
    year = today.year + 1
    drawn = []
    for regime in (Regime.ELECTRONIC, Regime.SECURITY):
        plan = draw_plan(session, authority, year, regime.value, seed=f"鹿泉区{year}年度双随机抽查",
                         actor=supervisor, now=now)  # fmt: skip
        drawn.append(f"{regime.value} {len(plan.entries)} entries")
    return f"1 recusal, 3 complaints, {year} plans: " + ", ".join(drawn)
