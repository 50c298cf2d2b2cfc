"""What the one door writes besides the state: notices, deadlines, reports, referrals, events —
and that a failure half-way writes none of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cases.casework.context import CaseTransition
from cases.casework.verification import verify_all_chains
from cases.models import (
    Case,
    Deadline,
    Event,
    Notice,
    NoticeCounter,
    Notification,
    RectificationReport,
    Referral,
    Report,
)
from tests.support.world import World

#: Notice numbers are an upsert in each database's dialect; deadlines are UTC times.
pytestmark = pytest.mark.both_databases


def rows(world: World, model: type, **where: object) -> list:
    with world.factory() as s:
        return list(s.scalars(select(model).filter_by(**where).order_by(model.id)))


def test_notice_gets_number_legal_basis_and_rectification_deadline(world: World) -> None:
    case_id = world.open_case()
    world.now = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)  # Monday before National Day
    world.fire(
        case_id,
        "issue_notice",
        **{
            **world.data_for("issue_notice"),
            "time_limit_length": 5,
            "time_limit_unit": "working_day",
        },
    )
    (notice,) = rows(world, Notice, case_id=case_id)
    assert notice.number == "鹿档执通〔2026〕1号"
    assert "中华人民共和国档案法" in notice.legal_basis and "实施办法" not in notice.legal_basis
    # 5 working days: 9-29, 9-30, 10-08, 10-09, 10-10 (make-up Saturday) → ends 10-10 24:00
    assert notice.due_at == datetime(2026, 10, 10, 16, 0, tzinfo=UTC)
    (deadline,) = rows(world, Deadline, case_id=case_id)
    assert (deadline.kind, deadline.status, deadline.due_at) == (
        "rectification",
        "pending",
        notice.due_at,
    )
    assert (deadline.time_limit_length, deadline.time_limit_unit) == (5, "working_day")


def test_numbers_restart_each_year(world: World) -> None:
    first, second = world.open_case(), world.open_case()
    world.now = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)  # 23:00 on 31 Dec in Shanghai
    world.fire(first, "issue_notice")
    world.now = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 Jan 2027 in Shanghai
    world.fire(second, "issue_notice")
    numbers = [n.number for n in rows(world, Notice)]
    assert numbers == ["鹿档执通〔2026〕1号", "鹿档执通〔2027〕1号"]


def test_backfill_on_time_and_late(world: World) -> None:
    on_time, late = world.open_case(emergency=True), world.open_case(emergency=True)
    for case_id in (on_time, late):
        world.fire(case_id, "order_emergency_measures")
    (backfill, _) = rows(world, Deadline, kind="emergency_backfill")
    assert backfill.due_at - backfill.created_at == timedelta(hours=24)
    assert rows(world, Notification)  # the agency head (supervisor) is told
    world.fire(on_time, "backfill_notice")
    world.fire(
        late,
        "backfill_notice",
        now=world.now + timedelta(hours=30),
        **world.data_for("backfill_notice"),
    )
    notices = {n.case_id: n for n in rows(world, Notice)}
    assert notices[on_time].is_backfill and not notices[on_time].backfill_late
    assert notices[late].backfill_late
    settled = {d.case_id: d for d in rows(world, Deadline, kind="emergency_backfill")}
    assert {d.status for d in settled.values()} == {"done"}
    assert settled[late].note == "补发逾期"


def test_lapse_alerts_supervisor_and_proposes_referral(world: World) -> None:
    case_id = world.case_for_state("overdue")
    (deadline,) = rows(world, Deadline, case_id=case_id)
    assert deadline.status == "fired"
    (referral,) = rows(world, Referral, case_id=case_id)
    assert referral.status == "proposed" and "第四十八条" in referral.grounds
    assert "中华人民共和国档案法" in referral.legal_basis
    alerts = rows(world, Notification, user_id=world.ids["supervisor"], case_id=case_id)
    assert any("逾期未改正" in a.title_zh for a in alerts)


def test_extension_sets_a_new_deadline(world: World) -> None:
    case_id = world.case_for_state("overdue")
    world.fire(
        case_id,
        "extend_deadline",
        reason="单位申请",
        time_limit_length=10,
        time_limit_unit="working_day",
    )
    pending = rows(world, Deadline, case_id=case_id, status="pending")
    assert len(pending) == 1 and pending[0].time_limit_unit == "working_day"


def test_escalation_records_stop_order_and_reports(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    world.fire(
        case_id, "escalate", "supervisor", reason="严重安全隐患", notify_departments=["区公安分局"]
    )
    with world.factory() as s:
        case = s.get(Case, case_id)
        assert case.state == "escalated" and case.stop_order_at is not None
        recipients = s.scalars(select(Report.recipient).where(Report.case_id == case_id)).all()
        assert sorted(recipients) == sorted(
            ["network_security", "superior_archives", "district_government", "other_department"]
        )
        open_kinds = s.scalars(
            select(Deadline.kind).where(Deadline.case_id == case_id, Deadline.status == "pending")
        ).all()
        # the superior's instructions set the next time limit; the three reports await an answer
        assert open_kinds == ["escalation_answer"] * 3


def test_submission_is_kept_and_events_carry_the_data(world: World) -> None:
    case_id = world.case_for_state("awaiting_verification")
    (report,) = rows(world, RectificationReport, case_id=case_id)
    assert report.evidence == ["制度文本.pdf"] and report.submitted_by_id == world.ids["liaison"]
    events = rows(world, Event, case_id=case_id)
    assert [e.trigger for e in events] == [
        "open",
        "issue_notice",
        "acknowledge",
        "submit_rectification",
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4]
    payload = json.loads(events[1].payload)
    assert payload["effects"]["notice_number"] == "鹿档执通〔2026〕1号"
    with world.factory() as s:
        assert s.get(Case, case_id).chain_head == events[-1].hash


def test_failure_mid_transition_leaves_no_partial_write(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notice number is taken and the notice written, then the deadline effect fails:
    nothing of it may remain — not the state, the number, the notice, nor an event."""
    case_id = world.open_case()

    def explode(self: CaseTransition, kind: str, limit: object) -> None:
        raise RuntimeError("disk full while writing the deadline")

    with world.factory() as s:
        before = {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Notice, Deadline, Event, NoticeCounter)
        }
        version = s.get(Case, case_id).version
    monkeypatch.setattr(CaseTransition, "_new_deadline", explode)
    with pytest.raises(RuntimeError):
        world.fire(case_id, "issue_notice")
    monkeypatch.undo()
    with world.factory() as s:
        after = {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Notice, Deadline, Event, NoticeCounter)
        }
        case = s.get(Case, case_id)
        assert (case.state, case.version) == ("detected", version)
    assert after == before
    world.fire(case_id, "issue_notice")  # the number that failed is given out again: no hole
    assert [n.number for n in rows(world, Notice)] == ["鹿档执通〔2026〕1号"]
    with world.factory() as s:
        assert list(verify_all_chains(s)) == []


@pytest.mark.parametrize(
    ("issued", "cited", "not_cited"),
    [
        (datetime(2024, 2, 15, 2, tzinfo=UTC), "《中华人民共和国档案法实施办法》", "实施条例"),
        (datetime(2024, 3, 1, 2, tzinfo=UTC), "《中华人民共和国档案法实施条例》", "实施办法"),
    ],
)
def test_notice_cites_the_rules_in_force_on_its_date(
    world: World, issued: datetime, cited: str, not_cited: str
) -> None:
    """The 实施办法 was repealed on 2024-03-01 by the 实施条例 (art 52): a notice cites what applied."""
    world.now = issued
    case_id = world.open_case()
    world.fire(case_id, "issue_notice")
    (notice,) = rows(world, Notice, case_id=case_id)
    assert cited in notice.legal_basis and not_cited not in notice.legal_basis
    assert "《中华人民共和国档案法》第四十五条" in notice.legal_basis
