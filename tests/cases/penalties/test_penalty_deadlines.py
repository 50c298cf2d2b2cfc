"""A penalty's periods as deadline rows: written by the door, reminded by the sweeper (controlled
time), each reminder and each lapse alert sent once, settled when the act is done, cancelled when
the penalty is dropped; the decision period extended once (art 60)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from cases.core.clock import shanghai_midnight_utc, to_shanghai
from cases.core.db import command_session
from cases.core.errors import GuardFailed
from cases.core.settings import current_settings
from cases.deadlines.sweeper import late_deadlines, sweep
from cases.models import Deadline, Notification
from cases.penalties.deadlines import PERIODS, reminder_instants
from cases.penalties.door import advance_penalty
from cases.reference.calendar import calendar_for
from tests.support.penalties import DECISION, fire, load, notified, refused
from tests.support.penalties import filed as file_penalty
from tests.support.world import World

DECISION_KIND = "penalty_decision"


def rows(world: World, pid: int) -> dict[str, Deadline]:
    with world.factory() as s:
        found = s.scalars(select(Deadline).where(Deadline.penalty_id == pid)).all()
        for d in found:
            s.expunge(d)
        return {d.kind: d for d in found}


def messages(world: World, since: datetime | None = None) -> list[tuple[int, str]]:
    with world.factory() as s:
        query = select(Notification.user_id, Notification.title_zh).order_by(Notification.id)
        if since is not None:
            query = query.where(Notification.created_at >= since)
        return [(u, t) for u, t in s.execute(query) if "鹿档罚立" in t]


def instants(world: World, kind: str, due: datetime) -> list[datetime]:
    with world.factory() as s:
        return reminder_instants(PERIODS[kind], due, calendar_for(s))


@pytest.mark.both_databases
def test_the_decision_period_reminds_alerts_once_then_weekly_until_dropped(world: World) -> None:
    pid = file_penalty(world, date(2026, 3, 5))  # due apart from the month's own watches
    row = rows(world, pid)[DECISION_KIND]
    assert row.case_id is None and row.status == "pending"
    assert row.due_at == shanghai_midnight_utc(date(2026, 6, 4))  # day 90 (6/3) counts whole
    ten, three = instants(world, DECISION_KIND, row.due_at)
    assert row.next_reminder_at == ten and to_shanghai(ten).time() == time(9, 0)
    officers = {world.ids["inspector"], world.ids["inspector2"], world.ids["supervisor"]}

    sweep(world.factory, ten - timedelta(seconds=1))
    assert messages(world) == []
    assert sweep(world.factory, ten).reminded == 1
    sweep(world.factory, ten + timedelta(minutes=5))  # a second sweep sends nothing again
    first = messages(world)
    assert {u for u, _ in first} >= officers and len(first) == len(set(first))
    assert all("提醒" in t and "2026-06-03当日24时前作出处罚决定" in t for _, t in first)
    sweep(world.factory, three)
    assert len(messages(world)) == 2 * len(first)

    due = row.due_at
    grace = timedelta(minutes=1)

    def late_with_and_without_it() -> tuple[int, int]:  # /health before and after its lapse
        with world.factory() as s:
            return (
                late_deadlines(s, due + 2 * grace, grace),
                late_deadlines(s, due - timedelta(seconds=30), grace),
            )

    with_it, without = late_with_and_without_it()
    assert with_it == without + 1
    assert sweep(world.factory, due).fired >= 1  # the month's quota watches fall due too
    sweep(world.factory, due + timedelta(hours=1))
    alerts = [m for m in messages(world) if m[1].startswith("逾期")]
    assert {u for u, _ in alerts} >= officers and len(alerts) == len(first)
    with_it, without = late_with_and_without_it()
    assert with_it == without  # the sweeper handled the lapse: /health does not count it
    assert rows(world, pid)[DECISION_KIND].status == "fired"

    sweep(world.factory, due + timedelta(days=6))
    assert not [m for m in messages(world) if m[1].startswith("仍逾期")]
    sweep(world.factory, due + timedelta(days=7))
    sweep(world.factory, due + timedelta(days=7, hours=1))
    assert len([m for m in messages(world) if m[1].startswith("仍逾期")]) == len(first)

    fire(world, pid, "dismiss", "supervisor", date(2026, 6, 10), reason="超过决定期限，撤销立案")
    assert rows(world, pid)[DECISION_KIND].status == "cancelled"
    before = len(messages(world))
    sweep(world.factory, due + timedelta(days=30))
    assert len(messages(world)) == before


@pytest.mark.both_databases
def test_the_party_s_period_then_the_bureau_s_duties(world: World) -> None:
    pid = notified(world)  # notified 4/1: the party's 5 working days end 4/9
    hearing = rows(world, pid)["penalty_hearing_request"]
    assert hearing.due_at == shanghai_midnight_utc(date(2026, 4, 10))
    assert sweep(world.factory, hearing.due_at).fired == 1
    told = [m for m in messages(world) if "可以依法作出决定" in m[1]]
    assert {u for u, _ in told} == {world.ids["inspector"], world.ids["inspector2"]}
    assert rows(world, pid)["penalty_hearing_request"].next_reminder_at is None  # no weekly

    fire(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION)
    after = rows(world, pid)
    assert after[DECISION_KIND].status == "done"
    assert after["penalty_hearing_request"].status == "done"
    p = load(world, pid)
    assert after["penalty_service"].due_at == shanghai_midnight_utc(
        p.service_due + timedelta(days=1)
    )
    assert after["penalty_publication"].status == "pending"

    fire(world, pid, "serve", "inspector", date(2026, 4, 13), served_on=date(2026, 4, 13))
    assert rows(world, pid)["penalty_service"].status == "done"
    due = after["penalty_publication"].due_at
    assert sweep(world.factory, due).fired == 1
    late = [m for m in messages(world) if m[1].startswith("逾期") and "公示" in m[1]]
    assert world.ids["supervisor"] in {u for u, _ in late}
    day = to_shanghai(due).date()
    err = refused(world, pid, "publish", "inspector", day, published_on=day)
    assert "state why it is late" in err.reason_en
    fire(world, pid, "publish", "inspector", day, published_on=day, late_reason="网站维护")
    publication = rows(world, pid)["penalty_publication"]
    assert publication.status == "done" and "网站维护" in publication.note
    before = len(messages(world))
    sweep(world.factory, due + timedelta(days=8))
    assert len(messages(world)) == before  # done: the weekly reminders stopped


def _published(world: World) -> int:
    pid = notified(world)
    fire(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION)
    fire(world, pid, "serve", "inspector", date(2026, 4, 13), served_on=date(2026, 4, 13))
    fire(world, pid, "publish", "inspector", date(2026, 4, 14), published_on=date(2026, 4, 14))
    return pid


@pytest.mark.both_databases
def test_a_revocation_opens_the_withdrawal_which_settles_it(world: World) -> None:
    pid = _published(world)
    assert "penalty_withdrawal" not in rows(world, pid)
    err = refused(world, pid, "withdraw_publication", "inspector", date(2026, 5, 6))
    assert "No revocation is recorded" in err.reason_en
    fire(world, pid, "record_revocation", "inspector", date(2026, 5, 6),
         revoked_on=date(2026, 5, 6), reason="复议决定撤销")  # fmt: skip
    p = load(world, pid)
    assert p.revoked_on == date(2026, 5, 6) and p.revoked_by == "复议决定撤销"
    assert p.withdrawal_due == date(2026, 5, 9) and not p.publication_withdrawn  # Sat 5/9 works
    withdrawal = rows(world, pid)["penalty_withdrawal"]
    assert withdrawal.due_at == shanghai_midnight_utc(date(2026, 5, 10))
    two, one = instants(world, "penalty_withdrawal", withdrawal.due_at)
    assert (to_shanghai(two).date(), to_shanghai(one).date()) == (
        date(2026, 5, 7),
        date(2026, 5, 8),
    )
    assert sweep(world.factory, one).reminded == 1
    fire(world, pid, "withdraw_publication", "inspector", date(2026, 5, 8))
    assert rows(world, pid)["penalty_withdrawal"].status == "done"
    assert load(world, pid).publication_withdrawn
    fire(world, pid, "close", "inspector", date(2026, 5, 12))
    assert {d.status for d in rows(world, pid).values()} == {"done"}


def test_the_decision_period_extended_once_moves_its_row(world: World) -> None:
    pid = notified(world)
    err = refused(world, pid, "decide", "supervisor", date(2026, 6, 1), **DECISION)  # day 91
    assert "within 90 days of filing" in err.reason_en
    with pytest.raises(GuardFailed), command_session(world.factory) as s:
        advance_penalty(
            s, pid, "extend_decision_period", world.user(s, "supervisor"),
            now=shanghai_midnight_utc(date(2026, 5, 20)), days=10, reason="案情复杂",
            settings=current_settings().with_(penalty_extension_days=0),
        )  # fmt: skip
    err = refused(world, pid, "extend_decision_period", "supervisor", date(2026, 5, 20), days=31,
                  reason="案情复杂")  # fmt: skip
    assert "at most 30 days" in err.reason_en
    fire(world, pid, "extend_decision_period", "supervisor", date(2026, 5, 20), days=30,
         reason="案情复杂，经负责人批准")  # fmt: skip
    p = load(world, pid)
    assert p.decision_due == date(2026, 6, 30) and p.decision_extension_days == 30
    row = rows(world, pid)[DECISION_KIND]
    assert row.due_at == shanghai_midnight_utc(date(2026, 7, 1)) and row.status == "pending"
    assert "延长30日" in row.note
    err = refused(world, pid, "extend_decision_period", "supervisor", date(2026, 5, 21), days=1,
                  reason="x")  # fmt: skip
    assert "once already" in err.reason_en
    sweep(world.factory, shanghai_midnight_utc(date(2026, 6, 1)))  # day 91: no lapse now
    assert rows(world, pid)[DECISION_KIND].status == "pending"
    assert (
        fire(world, pid, "decide", "supervisor", date(2026, 6, 1), **DECISION).status == "decided"
    )
    with world.factory() as s:
        from cases.models import PenaltyEvent

        extended = s.scalars(
            select(PenaltyEvent).where(
                PenaltyEvent.penalty_id == pid, PenaltyEvent.trigger == "extend_decision_period"
            )
        ).one()
        assert extended.payload["data"]["reason"] == "案情复杂，经负责人批准"
        assert extended.payload["decision_due"] == "2026-06-30"


@pytest.mark.committing
def test_two_sweepers_at_once_send_each_reminder_once(pg_world: World) -> None:
    world = pg_world
    pids = [file_penalty(world, date(2026, 3, 5)) for _ in range(8)]
    due = rows(world, pids[0])[DECISION_KIND].due_at
    ten, _ = instants(world, DECISION_KIND, due)
    start = ten - timedelta(seconds=1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: sweep(world.factory, ten, limit=3), range(8)))
    assert sum(r.failed for r in results) == 0
    assert sum(r.reminded for r in results) == len(pids)
    sent = messages(world, since=start)
    assert max(Counter(sent).values()) == len(pids)  # one per penalty a person, not more
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: sweep(world.factory, due, limit=3), range(8)))
    assert sum(r.failed for r in results) == 0
    assert {rows(world, p)[DECISION_KIND].status for p in pids} == {"fired"}
    alerts = Counter(m for m in messages(world, since=due) if m[1].startswith("逾期"))
    assert set(alerts.values()) == {len(pids)}  # one alert per penalty a person
    assert {u for u, _ in alerts} == {u for u, _ in sent}
