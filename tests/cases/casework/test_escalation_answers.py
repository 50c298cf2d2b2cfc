"""Each escalation report (network-security authority, superior archives department, district
government) expects an answer within the configured period; the supervisor is reminded before and
after it is due, and the superior's instructions settle the wait (seed 监督检查措施 (四))."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cases.core.settings import current_settings
from cases.deadlines.sweeper import sweep
from cases.models import Deadline, Notification, Report
from tests.support.world import World


def answers(world: World, case_id: int) -> list[Deadline]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Deadline)
                .where(Deadline.case_id == case_id, Deadline.kind == "escalation_answer")
                .order_by(Deadline.id)
            )
        )


def test_reports_await_an_answer_with_reminders_until_the_instructions(world: World) -> None:
    escalated_at = world.now
    case_id = world.case_for_state("escalated")
    waits = answers(world, case_id)
    with world.factory() as s:
        reports = s.scalars(select(Report).where(Report.case_id == case_id)).all()
        expected = {r.id for r in reports if r.recipient != "other_department"}
    assert {d.report_id for d in waits} == expected and len(waits) == 3
    days = current_settings().escalation_answer_days
    for d in waits:
        assert d.status == "pending" and d.due_at - escalated_at >= timedelta(days=days - 1)
        assert d.next_reminder_at is not None and d.next_reminder_at < d.due_at
    assert sweep(world.factory, waits[0].next_reminder_at).reminded == 3
    assert sweep(world.factory, waits[0].due_at).reminded == 3  # late now
    with world.factory() as s:
        titles = s.scalars(
            select(Notification.title_zh).where(
                Notification.case_id == case_id, Notification.title_zh.contains("上报材料")
            )
        ).all()
    assert any(t.startswith("提醒") for t in titles) and any(t.startswith("逾期") for t in titles)
    world.now = waits[0].due_at + timedelta(days=1)
    world.fire(case_id, "receive_instructions")  # continue rectification
    settled = answers(world, case_id)
    assert {d.status for d in settled} == {"done"} and {d.note for d in settled} == {"逾期答复"}
    assert sweep(world.factory, world.now + timedelta(days=30)).reminded == 0


def test_closing_on_instructions_settles_the_answers_on_time(world: World) -> None:
    case_id = world.case_for_state("escalated")
    world.fire(case_id, "receive_instructions", instructions="结案", outcome="close")
    settled = answers(world, case_id)
    assert {d.status for d in settled} == {"done"} and {d.note for d in settled} == {"按期答复"}
