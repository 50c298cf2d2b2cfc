"""一公开: a drawn (双随机) inspection's result is published within 20 working days of the end of
the check; late publication is noted, and a lapse alerts the supervisors once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.core.clock import SHANGHAI, shanghai_midnight_utc
from cases.core.db import command_session
from cases.core.errors import InvalidTransition
from cases.deadlines.sweeper import late_deadlines, sweep
from cases.inspections.checklists import ItemOutcome
from cases.inspections.door import advance_inspection, plan_inspection
from cases.inspections.publication import (
    publication_deadline,
    publication_lapsed,
    publish_result,
)
from cases.models import Deadline, InspectionPlan, Notification, PlanEntry, Unit
from tests.support.world import World

PAIR = ("inspector", "inspector2")
#: A Friday; the 20 working days after it cross 中秋 (9/25–27) and 国庆 (10/1–7), with Sunday 9/20
#: and Saturday 10/10 worked: 9/20–24 (5), 9/28–30 (8), 10/8–10 (11), 10/12–16 (16), 10/19–22 (20).
ENDED = date(2026, 9, 18)
LAST_DAY = date(2026, 10, 22)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def plan_entry(world: World, kind: str) -> int:
    with command_session(world.factory) as s:
        plan = InspectionPlan(
            authority_id=world.ids["luquan"],
            year=2026,
            regime="electronic",
            seed="2026-鹿泉-抽签",
            algorithm_version=1,
            parameters={},
            inputs={},
            inputs_digest="0" * 64,
            result_digest="0" * 64,
            drawn_at=at(date(2026, 1, 5)),
            drawn_by_id=world.ids["supervisor"],
        )
        s.add(plan)
        s.flush()
        entry = PlanEntry(
            plan_id=plan.id,
            position=1,
            unit_id=world.ids["unit"],
            kind=kind,
            month=9,
            officer_ids=[world.ids[o] for o in PAIR],
        )
        s.add(entry)
        s.flush()
        return entry.id


def signed(
    world: World, kind: str = "random_sampling", *, ended: date = ENDED, entry: int | None = None
) -> int:
    """A record checked on ``ended``, completed and signed that day, through real triggers."""
    now = at(ended)
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s,
            unit=s.get(Unit, world.ids["unit"]),
            regime="electronic",
            kind=kind,
            inspection_date=ended,
            officers=[world.user(s, o) for o in PAIR],
            actor=world.user(s, "inspector"),
            now=now,
            responsible_person="王主任",
            special_topic="assigned" if kind == "special" else None,
            plan_entry=s.get(PlanEntry, entry) if entry else None,
        )
        inspection_id = inspection.id
    steps = [
        ("inspector", "start", {"credentials_shown": [world.ids[o] for o in PAIR]}),
        (
            "inspector",
            "record",
            {
                "methods": ["hear_report", "review_records"],
                "record_content": "抽查电子档案管理",
                "outcomes": {f"EA-{n}": ItemOutcome("conform") for n in range(1, 7)},
            },
        ),
        ("inspector", "sign", {}),
        ("inspector2", "sign", {}),
        ("inspector", "unit_sign", {}),
    ]
    for actor, trigger, data in steps:
        with command_session(world.factory) as s:
            advance_inspection(s, inspection_id, trigger, world.user(s, actor), now=now, **data)
    return inspection_id


def deadline_of(world: World, inspection_id: int) -> Deadline | None:
    with world.factory() as s:
        return publication_deadline(s, inspection_id)


def publish(world: World, inspection_id: int, now: datetime) -> bool:
    with command_session(world.factory) as s:
        return publish_result(s, inspection_id, world.user(s, "inspector"), now).late


def lapse(world: World, deadline_id: int, now: datetime) -> bool:
    with command_session(world.factory) as s:
        return publication_lapsed(s, s.get(Deadline, deadline_id), now)


def alerts(world: World) -> list[str]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.title_zh).where(
                    Notification.user_id == world.ids["supervisor"],
                    Notification.title_zh.like("检查结果逾期未公示%"),
                )
            )
        )


def test_deadline_lands_on_the_20th_working_day_across_national_day(world: World) -> None:
    deadline = deadline_of(world, signed(world))
    assert deadline is not None and deadline.status == "pending" and deadline.case_id is None
    assert deadline.due_at == shanghai_midnight_utc(LAST_DAY + timedelta(days=1))
    assert deadline.due_at == datetime(2026, 10, 22, 16, 0, tzinfo=UTC)
    assert (deadline.time_limit_length, deadline.time_limit_unit) == (20, "working_day")
    assert not deadline.provisional
    assert deadline.created_at == shanghai_midnight_utc(ENDED)  # the period counts from here


def test_a_year_without_its_official_schedule_makes_the_deadline_provisional(world: World) -> None:
    deadline = deadline_of(world, signed(world, ended=date(2026, 12, 18)))
    assert deadline is not None and deadline.provisional  # 2027's schedule is not out yet


def test_only_drawn_inspections_carry_a_publication_deadline(world: World) -> None:
    assert deadline_of(world, signed(world, "special")) is None
    drawn = signed(world, "special", entry=plan_entry(world, "special"))
    assert deadline_of(world, drawn) is not None


def test_publishing_on_time_and_late(world: World) -> None:
    on_time, late = signed(world), signed(world)
    assert publish(world, on_time, at(LAST_DAY, 23)) is False  # the last day ends at 24:00
    assert publish(world, late, at(LAST_DAY + timedelta(days=1), 0)) is True
    first, second = deadline_of(world, on_time), deadline_of(world, late)
    assert (first.status, first.note) == ("done", "按期公示")
    assert (second.status, second.note) == ("done", "逾期公示（应于2026-10-22当日24时前）")
    assert second.settled_at == at(LAST_DAY + timedelta(days=1), 0)
    with pytest.raises(InvalidTransition, match="published on 2026-10-22 already"):
        publish(world, on_time, at(LAST_DAY, 23))


def test_a_result_is_published_only_once_the_record_is_signed(world: World) -> None:
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s,
            unit=s.get(Unit, world.ids["unit"]),
            regime="electronic",
            kind="random_sampling",
            inspection_date=ENDED,
            officers=[world.user(s, o) for o in PAIR],
            actor=world.user(s, "inspector"),
            now=at(ENDED),
        )
        inspection_id = inspection.id
    with pytest.raises(InvalidTransition, match="only once its record is signed"):
        publish(world, inspection_id, at(ENDED))


def test_a_lapse_notifies_the_supervisors_once(world: World) -> None:
    inspection_id = signed(world)
    deadline = deadline_of(world, inspection_id)
    assert deadline is not None
    due = deadline.due_at
    assert lapse(world, deadline.id, due - timedelta(seconds=1)) is False  # not yet
    assert lapse(world, deadline.id, due) is True
    assert lapse(world, deadline.id, due + timedelta(hours=1)) is False  # again: nothing more
    assert alerts(world) == [
        "检查结果逾期未公示：鹿泉区教育局抽查（全面检查）（检查结束于2026-09-18），应于2026-10-22当日24时前公示"
    ]
    fired = deadline_of(world, inspection_id)
    assert (fired.status, fired.note, fired.settled_at) == ("fired", "逾期未公示", due)
    # published after the lapse: recorded, the deadline stays fired with a note
    assert publish(world, inspection_id, due + timedelta(days=3)) is True
    after = deadline_of(world, inspection_id)
    assert (
        after.status == "fired" and after.note == "逾期未公示；逾期公示（应于2026-10-22当日24时前）"
    )
    assert lapse(world, deadline.id, due + timedelta(days=4)) is False
    assert len(alerts(world)) == 1


def test_a_published_result_never_lapses(world: World) -> None:
    inspection_id = signed(world)
    publish(world, inspection_id, at(ENDED + timedelta(days=5)))
    deadline = deadline_of(world, inspection_id)
    assert lapse(world, deadline.id, deadline.due_at + timedelta(days=1)) is False
    assert alerts(world) == [] and deadline_of(world, inspection_id).status == "done"


def test_the_sweeper_lapses_an_unpublished_result_once(world: World) -> None:
    inspection_id = signed(world)
    deadline = deadline_of(world, inspection_id)
    assert deadline is not None
    due = deadline.due_at
    sweep(world.factory, due - timedelta(seconds=1))
    assert alerts(world) == []
    with world.factory() as s:  # /health counts it once the sweep interval has gone by
        assert late_deadlines(s, due + timedelta(minutes=2), timedelta(minutes=1)) == 1
    sweep(world.factory, due)
    sweep(world.factory, due + timedelta(hours=1))
    assert len(alerts(world)) == 1
    assert deadline_of(world, inspection_id).status == "fired"
    with world.factory() as s:
        assert late_deadlines(s, due + timedelta(minutes=2), timedelta(minutes=1)) == 0
