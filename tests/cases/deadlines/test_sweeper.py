"""The sweeper fires each due deadline once, through the one door, with controlled time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cases.casework.verification import verify_all_chains
from cases.deadlines.sweeper import backoff, fire, sweep
from cases.models import Case, Deadline, Event
from tests.support.world import World

#: Claims, savepoints and the pending-deadline partial index differ by database.
pytestmark = pytest.mark.both_databases


def rectification(world: World, case_id: int) -> Deadline:
    with world.factory() as s:
        return s.scalars(
            select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == "rectification")
        ).one()


def lapses(world: World, case_id: int) -> int:
    with world.factory() as s:
        return s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.case_id == case_id, Event.trigger == "deadline_lapsed")
        )


def test_rectification_deadline_lapses_exactly_once(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    due = rectification(world, case_id).due_at
    assert sweep(world.factory, due - timedelta(seconds=1)).claimed == 0
    assert world.state(case_id) == "rectifying"
    result = sweep(world.factory, due)
    assert (result.claimed, result.fired, result.failed) == (1, 1, 0)
    assert world.state(case_id) == "overdue"
    for later in (due, due + timedelta(minutes=5), due + timedelta(days=3)):
        assert sweep(world.factory, later).claimed == 0
    assert lapses(world, case_id) == 1
    deadline = rectification(world, case_id)
    assert (deadline.status, deadline.settled_at) == ("fired", due)


def test_submitted_case_waits_for_verification_then_lapses_if_rejected(world: World) -> None:
    case_id = world.case_for_state("awaiting_verification")
    due = rectification(world, case_id).due_at
    assert sweep(world.factory, due + timedelta(days=1)).claimed == 0  # not due in effect
    world.fire(case_id, "reject_rectification", now=due + timedelta(days=2), reason="证明材料不足")
    assert sweep(world.factory, due + timedelta(days=2, minutes=1)).fired == 1
    assert world.state(case_id) == "overdue"


def test_verified_case_never_lapses(world: World) -> None:
    case_id = world.case_for_state("verified")
    assert sweep(world.factory, world.now + timedelta(days=100)).claimed == 0
    assert rectification(world, case_id).status == "done"


def test_failure_leaves_the_deadline_pending_and_backs_off(world: World) -> None:
    case_id = world.case_for_state("notice_issued")
    due = rectification(world, case_id).due_at

    def broken(session, deadline, now, actor) -> None:  # type: ignore[no-untyped-def]
        fire(session, deadline, now, actor)  # the transition happens inside the savepoint…
        raise ConnectionError("SMTP relay down")  # …then something after it fails

    result = sweep(world.factory, due, fire_one=broken)
    assert (result.fired, result.failed) == (0, 1)
    assert world.state(case_id) == "notice_issued"  # the savepoint took the transition back
    deadline = rectification(world, case_id)
    assert (deadline.status, deadline.attempts) == ("pending", 1)
    assert deadline.retry_at == due + backoff(1) and "SMTP relay down" in deadline.last_error
    assert sweep(world.factory, due + backoff(1) - timedelta(seconds=1)).claimed == 0
    assert sweep(world.factory, due + backoff(1)).fired == 1
    assert world.state(case_id) == "overdue" and lapses(world, case_id) == 1


def test_one_failure_does_not_hold_back_the_batch(world: World) -> None:
    cases = [world.case_for_state("notice_issued") for _ in range(3)]
    due = max(rectification(world, c).due_at for c in cases)
    poisoned = cases[1]

    def sometimes(session, deadline, now, actor) -> None:  # type: ignore[no-untyped-def]
        if deadline.case_id == poisoned:
            raise RuntimeError("poisoned")
        fire(session, deadline, now, actor)

    result = sweep(world.factory, due, fire_one=sometimes)
    assert (result.claimed, result.fired, result.failed) == (3, 2, 1)
    assert [world.state(c) for c in cases] == ["overdue", "notice_issued", "overdue"]
    # the group was tried together, rolled back and redone one by one: each effect happened once
    assert [lapses(world, c) for c in cases] == [1, 0, 1]
    assert rectification(world, poisoned).attempts == 1


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == timedelta(hours=1)


@pytest.mark.committing
def test_two_sweepers_at_once_fire_each_deadline_once(pg_world: World) -> None:
    """SKIP LOCKED: concurrent sweeps (two beats, two workers) split the work, never repeat it."""
    world = pg_world
    cases = [world.case_for_state("rectifying") for _ in range(30)]
    due = max(rectification(world, c).due_at for c in cases)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: sweep(world.factory, due, limit=5), range(12)))
    assert sum(r.failed for r in results) == 0
    assert sum(r.fired for r in results) == 30
    assert all(lapses(world, c) == 1 for c in cases)
    assert {world.state(c) for c in cases} == {"overdue"}


def test_health_reports_deadlines_due_but_not_fired(world: World) -> None:
    from cases.deadlines.sweeper import late_deadlines

    case_id = world.case_for_state("rectifying")
    due = rectification(world, case_id).due_at
    grace = timedelta(seconds=90)
    with world.factory() as s:
        assert late_deadlines(s, due + grace - timedelta(seconds=1), grace) == 0
        assert late_deadlines(s, due + grace, grace) == 1  # the sweeper should have fired it
    sweep(world.factory, due + grace)
    with world.factory() as s:
        assert late_deadlines(s, due + timedelta(days=1), grace) == 0


def test_a_read_inside_a_group_sees_the_groups_own_writes(world: World) -> None:
    """The group's Core writes are held back and sent together, but any read through the session
    sends them first: a firing never looks at a database without its own effects."""
    cases = [world.case_for_state("rectifying") for _ in range(3)]
    due = max(rectification(world, c).due_at for c in cases)
    seen: list[tuple[int, str]] = []

    def fire_and_look(session, deadline, now, actor) -> None:  # type: ignore[no-untyped-def]
        fire(session, deadline, now, actor)
        lapsed = session.scalar(
            select(func.count()).where(
                Event.case_id == deadline.case_id, Event.trigger == "deadline_lapsed"
            )
        )
        status = session.scalar(select(Deadline.status).where(Deadline.id == deadline.id))
        seen.append((lapsed, status))

    result = sweep(world.factory, due, fire_one=fire_and_look)
    assert (result.fired, result.failed) == (3, 0)
    assert seen == [(1, "fired")] * 3
    assert [lapses(world, c) for c in cases] == [1, 1, 1]


def test_a_held_update_that_misses_its_row_fails_the_group_which_is_redone(world: World) -> None:
    """Held-back writes are checked when sent: a case UPDATE (guarded by the version the firing
    saw) that finds the row changed under it fails the whole group; the group is rolled back and
    redone one savepoint per firing, writes sent at once — each effect still happens once."""
    cases = [world.case_for_state("rectifying") for _ in range(3)]
    due = max(rectification(world, c).due_at for c in cases)
    bumped: list[int] = []

    def fire_then_change_the_case(session, deadline, now, actor) -> None:  # type: ignore[no-untyped-def]
        fire(session, deadline, now, actor)
        if not bumped:  # once, while the group's writes are held: the held UPDATE will miss
            session.connection().execute(
                update(Case).where(Case.id == deadline.case_id).values(version=Case.version + 100)
            )
            bumped.append(deadline.case_id)

    result = sweep(world.factory, due, fire_one=fire_then_change_the_case)
    assert (result.claimed, result.fired, result.failed) == (3, 3, 0)
    assert [lapses(world, c) for c in cases] == [1, 1, 1]
    assert {world.state(c) for c in cases} == {"overdue"}
    with world.factory() as s:
        assert len(list(verify_all_chains(s))) == 0
