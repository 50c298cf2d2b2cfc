"""The demo district (``oversight seed-demo``): believable, reproducible, every state reached
through the one door, and a year of inspections that meets the seed's quotas."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cases.casework.verification import verify_all_chains
from cases.core.clock import local_date, shanghai_midnight_utc
from cases.core.db import command_session, make_engine, make_session_factory, read_session
from cases.core.errors import InvalidInput
from cases.core.vocabulary import OFFICER_ROLES, Role
from cases.demo.district import seed_demo
from cases.models import (
    Case,
    Circular,
    Complaint,
    Deadline,
    Event,
    Inspection,
    InspectionOfficer,
    InspectionPlan,
    Notice,
    Recusal,
    Unit,
    User,
)
from cases.plans.yearly import verify_plan
from cases.registry.credit_code import is_valid_credit_code
from workflows.case_machine import STATE_NAMES

TODAY = date(2026, 11, 25)
#: 统一社会信用代码 positions 1–2: 11 机关, 12 事业单位, 13 群团 (编办), 51 社会团体, 91 企业.
CODE_PREFIXES = {
    "organ": {"11"},
    "institution": {"12"},
    "association": {"13", "51"},
    "enterprise": {"91"},
}


@pytest.fixture(scope="module", params=["pg", "sqlite"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[sessionmaker[Session], str]]:
    """One demo district per database for the tests that only read it (seeding takes seconds)."""
    if request.param == "pg":
        url = request.getfixturevalue("extra_pg_database")("demo")
    else:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    factory = make_session_factory(engine)
    summary = seed(factory)
    yield factory, summary
    engine.dispose()


def seed(factory: sessionmaker[Session], **kwargs: object) -> str:
    with command_session(factory) as session:
        return seed_demo(session, today=TODAY, **kwargs)  # type: ignore[arg-type]


def test_demo_district_has_about_300_units_with_valid_codes(
    seeded: tuple[sessionmaker[Session], str],
) -> None:
    factory, summary = seeded
    with factory() as s:
        units = list(s.scalars(select(Unit)))
    assert 280 <= len(units) <= 320
    assert summary.startswith(f"luquan: {len(units)} units")
    assert all(is_valid_credit_code(u.credit_code) for u in units)
    assert len({u.credit_code for u in units}) == len({u.name for u in units}) == len(units)
    for u in units:
        assert u.credit_code[:2] in CODE_PREFIXES[u.kind], u
        assert u.credit_code[2:8] == "130110", u
    assert {u.kind for u in units} == set(CODE_PREFIXES)
    assert sum(u.is_district_direct for u in units) >= 25
    key = [u for u in units if u.is_key_unit]
    assert 0.005 <= len(key) / len(units) <= 0.02  # ≈1% (seed 三(一))
    assert all(u.key_unit_reason and u.key_unit_since for u in key)
    assert 0.12 <= sum(u.under_security_regime for u in units) / len(units) <= 0.22


def test_demo_staff_has_eight_inspectors_one_expired_and_separated_admins(
    seeded: tuple[sessionmaker[Session], str],
) -> None:
    factory, _ = seeded
    with factory() as s:
        users = list(s.scalars(select(User)))
        with_cases = set(s.scalars(select(Case.unit_id)))
        expired_used = s.scalar(
            select(func.count())
            .select_from(InspectionOfficer)
            .join(Inspection)
            .join(User, User.id == InspectionOfficer.user_id)
            .where(Inspection.inspection_date > User.credential_expires_on)
        )
        notices = list(s.scalars(select(Notice)))
    roles = Counter(u.role for u in users)
    assert roles[Role.INSPECTOR] == 8 and roles[Role.SUPERVISOR] == 1
    assert roles[Role.LEADER] == 1 and roles[Role.SYSTEM] == 1
    assert all(roles[r] == 1 for r in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN))
    officers = [u for u in users if u.role in OFFICER_ROLES]
    assert all(o.credential_no and o.credential_issued_on for o in officers)
    (expired,) = [o for o in officers if o.credential_expires_on < TODAY]
    assert expired.role == Role.INSPECTOR
    assert expired_used == 0
    for notice in notices:
        if expired.id in notice.officer_ids:
            assert local_date(notice.issued_at) <= expired.credential_expires_on
    liaisons = {u.unit_id: u.username for u in users if u.role == Role.UNIT_LIAISON}
    assert liaisons == {unit_id: f"liaison_{unit_id}" for unit_id in with_cases}


def test_demo_year_of_inspections_meets_the_quotas(
    seeded: tuple[sessionmaker[Session], str],
) -> None:
    """DESIGN §3: sampling 6–10% with ≥10 direct units, each key unit on site, ≥2 special
    inspections, a monthly security daily check covering ≥2 units, complaints."""
    factory, _ = seeded
    with factory() as s:
        # the year's inspections, carried out (a complaint's inspection is planned for tomorrow)
        inspections = list(s.scalars(select(Inspection).where(Inspection.status != "planned")))
        units = {u.id: u for u in s.scalars(select(Unit))}
        officers = Counter(s.scalars(select(InspectionOfficer.inspection_id)))
    assert all(officers[i.id] >= 2 for i in inspections)
    assert {i.status for i in inspections} == {"signed", "archived"}
    assert all(TODAY.replace(year=TODAY.year - 1) < i.inspection_date < TODAY for i in inspections)
    kinds = defaultdict(list)
    for i in inspections:
        kinds[i.regime, i.kind].append(i)
    sampled = {i.unit_id for i in kinds["electronic", "random_sampling"]}
    assert 0.06 <= len(sampled) / len(units) <= 0.10
    assert sum(units[u].is_district_direct for u in sampled) >= 10
    key = {u.id for u in units.values() if u.is_key_unit}
    assert key <= {i.unit_id for i in kinds["electronic", "key_unit"]}
    assert len({i.unit_id for i in kinds["electronic", "special"]}) >= 2
    assert kinds["security", "special"] and kinds["security", "complaint"]
    daily: dict[tuple[int, int], set[int]] = defaultdict(set)
    for i in kinds["security", "daily"]:
        assert units[i.unit_id].under_security_regime
        daily[i.inspection_date.year, i.inspection_date.month].add(i.unit_id)
    assert len(daily) == 12 and all(len(v) >= 2 for v in daily.values())


def test_demo_cases_stand_in_every_state_with_intact_chains(
    seeded: tuple[sessionmaker[Session], str],
) -> None:
    factory, _ = seeded
    with factory() as s:
        cases = list(s.scalars(select(Case)))
        closing = Counter(
            s.scalars(select(Event.trigger).where(Event.to_state == "closed", Event.seq > 1))
        )
        circulars = {c.case_id for c in s.scalars(select(Circular))}
        closed_by_close = set(s.scalars(select(Event.case_id).where(Event.trigger == "close")))
        serials = defaultdict(list)
        for year, serial in s.execute(select(Notice.year, Notice.serial)):
            serials[year].append(serial)
        breaks = list(verify_all_chains(s))
    assert 40 <= len(cases) <= 80
    assert set(STATE_NAMES) <= {c.state for c in cases}
    assert closing["close"] >= 1 and closing["void"] >= 1
    assert {c.regime for c in cases} == {"electronic", "security"}
    needs_circular = {c.id for c in cases if c.regime == "security" and c.information_security}
    assert needs_circular & closed_by_close  # at least one, and each had its circular first
    assert needs_circular & closed_by_close <= circulars
    assert all(sorted(v) == list(range(1, len(v) + 1)) for v in serials.values())  # gapless
    assert breaks == []


@pytest.mark.both_databases
def test_same_seed_gives_the_same_district_on_another_database(
    factory: sessionmaker[Session], sqlite_template: Path, tmp_path: Path
) -> None:
    first = seed(factory, seed=7)
    path = tmp_path / "second.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        second_factory = make_session_factory(engine)
        second = seed(second_factory, seed=7)
        names = []
        for f in (factory, second_factory):
            with read_session(f) as s:
                names.append(list(s.execute(select(Unit.name, Unit.credit_code).order_by(Unit.id))))
    finally:
        engine.dispose()
    assert names[0] == names[1]
    assert first == second


def test_if_empty_leaves_a_seeded_database_alone(factory: sessionmaker[Session]) -> None:
    seed(factory)
    with factory() as s:
        before = (s.scalar(select(func.count(Unit.id))), s.scalar(select(func.count(Event.id))))
    assert seed(factory, if_empty=True) == "demo data already present"
    with pytest.raises(InvalidInput):
        seed(factory)
    with factory() as s:
        after = (s.scalar(select(func.count(Unit.id))), s.scalar(select(func.count(Event.id))))
    assert before == after


def test_demo_paperwork_plans_and_complaints(seeded: tuple[sessionmaker[Session], str]) -> None:
    """Issue 4 in the demo: records signed (one refusal), old ones archived, 双随机 results
    published except one left to lapse, next year's plans drawn and verifiable, complaints routed
    three ways, a recusal the draw respects."""
    factory, summary = seeded
    assert "records signed (1 refusal)" in summary
    with factory() as s:
        refusals = s.scalars(select(Inspection).where(Inspection.refusal_to_sign.is_not(None)))
        assert len(list(refusals)) == 1
        routed = Counter(s.scalars(select(Complaint.status)))
        assert routed == {"inspection_scheduled": 1, "forwarded": 2}
        plans = list(s.scalars(select(InspectionPlan).order_by(InspectionPlan.regime)))
        assert [(p.year, p.regime) for p in plans] == [
            (TODAY.year + 1, "electronic"), (TODAY.year + 1, "security"),
        ]  # fmt: skip
        assert all(verify_plan(s, p).matches for p in plans)
        (recusal,) = s.scalars(select(Recusal))
        assert all(
            recusal.officer_id not in e.officer_ids
            for p in plans for e in p.entries if e.unit_id == recusal.unit_id
        )  # fmt: skip
        lapsing = s.scalars(
            select(Deadline).where(
                Deadline.kind == "publication",
                Deadline.status == "pending",
                Deadline.due_at < shanghai_midnight_utc(TODAY),
            )
        ).all()
        assert len(lapsing) == 1  # the first sweep will alert: 逾期未公示


def test_the_demo_seeds_on_the_day_an_instructed_close_needed_its_circular(
    factory: sessionmaker[Session],
) -> None:
    """On 2026-12-02 seed 2026 closed a security information-security case on the superior's
    instructions; the case machine (v2) refuses that without a published circular."""
    with command_session(factory) as session:
        seed_demo(session, today=date(2026, 12, 2), seed=2026)
    with factory() as s:
        closed = set(  # closed on the merits (not voided): by close or on instructions
            s.scalars(
                select(Event.case_id).where(
                    Event.to_state == "closed", Event.trigger.in_(("close", "receive_instructions"))
                )
            )
        )
        infosec = {
            c.id
            for c in s.scalars(select(Case))
            if c.regime == "security" and c.information_security
        }
        published = {c.case_id for c in s.scalars(select(Circular)) if c.published_at is not None}
    assert closed & infosec and closed & infosec <= published
