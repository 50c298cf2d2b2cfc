"""条例 art 45: public-sector units file a yearly self-report by the configured day; their
liaisons are reminded before it, the supervisors told once when it is overdue; a refusal is
recorded and makes the year's grade 不合格."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.core.settings import SettingsError, current_settings, load_settings
from cases.models import Authority, Notification, SelfReport
from cases.plans.assessments import automatic_failures
from cases.registry.credit_code import make_credit_code
from cases.registry.register import register_unit
from cases.selfreports import (
    file_self_report,
    overdue_self_reports,
    refuse_self_report,
    remind_all,
    remind_self_reports,
    self_report_due_on,
)
from tests.support.world import World

pytestmark = pytest.mark.both_databases

SETTINGS = current_settings().with_(selfreport_due="11-30", selfreport_remind_days=14)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)


def file(world: World, actor: str = "liaison", *, unit: str = "unit", day: date, **kw: object):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        data = {"year": 2026, "content": "本年度档案工作自查情况……", **kw}
        return file_self_report(
            s, world.user(s, actor), unit_id=world.ids[unit], now=at(day), settings=SETTINGS, **data
        ).id


def refuse(world: World, actor: str = "inspector", *, unit: str = "unit", day: date, **kw: object):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        data = {"year": 2026, "reason": "经催报，单位书面答复拒不报送", **kw}
        return refuse_self_report(
            s, world.user(s, actor), unit_id=world.ids[unit], now=at(day), settings=SETTINGS, **data
        ).id


def overdue(world: World, today: date) -> list[tuple[str, int, bool]]:
    with world.factory() as s:
        rows = overdue_self_reports(
            s, world.user(s, "supervisor"), s.get(Authority, world.ids["luquan"]), 2026,
            today=today, settings=SETTINGS,
        )  # fmt: skip
        return [(r.unit_name, r.days_late, r.refused) for r in rows]


def remind(world: World, day: date):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        return remind_self_reports(s, world.ids["luquan"], 2026, now=at(day), settings=SETTINGS)


def titles(world: World, user: str) -> list[str]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.title_zh)
                .where(Notification.user_id == world.ids[user])
                .order_by(Notification.id)
            )
        )


def test_the_due_day_is_configurable_and_checked(tmp_path: Path) -> None:
    assert self_report_due_on(2026, SETTINGS) == date(2026, 11, 30)
    assert self_report_due_on(2026, SETTINGS.with_(selfreport_due="03-31")) == date(2026, 3, 31)
    loaded = load_settings(
        {"OVERSIGHT_SELFREPORT_DUE": "03-31", "OVERSIGHT_INSTANCE_DIR": str(tmp_path)}
    )
    assert loaded.selfreport_due == "03-31" and loaded.selfreport_remind_days == 30
    for bad in ("02-29", "13-01", "3-31", "11/30"):
        with pytest.raises(SettingsError):
            load_settings(
                {"OVERSIGHT_SELFREPORT_DUE": bad, "OVERSIGHT_INSTANCE_DIR": str(tmp_path)}
            )


def test_filed_on_time_the_unit_is_not_overdue(world: World) -> None:
    file(world, day=date(2026, 11, 30))
    assert overdue(world, date(2026, 12, 1)) == [("鹿泉区卫生健康局", 1, False)]
    with world.factory() as s:
        [row] = s.scalars(select(SelfReport)).all()
        assert row.status == "filed" and row.due_on == date(2026, 11, 30)
        assert row.filed_by_id == world.ids["liaison"]
    with pytest.raises(Conflict):
        file(world, day=date(2026, 12, 1))


def test_nothing_is_overdue_on_the_due_day_itself(world: World) -> None:
    assert overdue(world, date(2026, 11, 30)) == []
    assert [d for _, d, _ in overdue(world, date(2026, 12, 11))] == [11, 11]


def test_reminders_weekly_before_the_day_then_the_supervisors_once(world: World) -> None:
    assert remind(world, date(2026, 11, 15)).units_reminded == 0  # 15 days before: too early
    first = remind(world, date(2026, 11, 16))
    assert (first.units_reminded, first.liaisons_told) == (2, 2)
    assert remind(world, date(2026, 11, 20)).units_reminded == 0  # within the week
    file(world, unit="other_unit", actor="other_liaison", day=date(2026, 11, 21))
    assert remind(world, date(2026, 11, 23)).units_reminded == 1  # the filer is left alone
    assert len(titles(world, "liaison")) == 2 and len(titles(world, "other_liaison")) == 1
    assert "2026-11-30前报送" in titles(world, "liaison")[0]
    late = remind(world, date(2026, 12, 1))
    assert (late.units_reminded, late.overdue_alerted) == (0, 1)
    assert remind(world, date(2026, 12, 8)).overdue_alerted == 0  # told once
    [alert] = [t for t in titles(world, "supervisor") if t.startswith("逾期")]
    assert "1家单位" in alert and "鹿泉区教育局" in alert


def test_a_refusal_is_recorded_and_fails_the_grade(world: World) -> None:
    refuse(world, day=date(2026, 12, 2))
    assert ("鹿泉区教育局", 2, True) in overdue(world, date(2026, 12, 2))
    with world.factory() as s:
        [(zh, en)] = automatic_failures(s, world.ids["unit"], 2026)
        assert zh == "拒不报送2026年度自查报告" and "self-report" in en
        assert automatic_failures(s, world.ids["unit"], 2027) == []
    with pytest.raises(Conflict):
        refuse(world, day=date(2026, 12, 3))
    file(world, day=date(2026, 12, 10))  # a late report after the refusal: the refusal stays
    with world.factory() as s:
        row = s.scalars(select(SelfReport)).one()
        assert row.status == "filed" and row.refused_at is not None
        assert len(automatic_failures(s, world.ids["unit"], 2026)) == 1


def test_no_refusal_once_filed(world: World) -> None:
    file(world, day=date(2026, 11, 1))
    with pytest.raises(Conflict):
        refuse(world, day=date(2026, 12, 2))


@pytest.mark.parametrize(
    ("action", "actor", "changes", "error"),
    [
        (file, "other_liaison", {}, NotAllowed),  # another unit's liaison
        (file, "foreign_inspector", {}, NotAllowed),
        (file, "leader", {}, NotAllowed),
        (file, "liaison", {"content": " "}, InvalidInput),
        (file, "liaison", {"content": "a\x07"}, InvalidInput),
        (file, "liaison", {"year": 1900}, InvalidInput),
        (refuse, "liaison", {}, NotAllowed),  # the unit does not record its own refusal
        (refuse, "inspector", {"reason": ""}, InvalidInput),
        (refuse, "foreign_inspector", {}, NotAllowed),
    ],
)
def test_refused_actions_write_nothing(
    world: World,
    action,
    actor: str,
    changes: dict[str, object],
    error: type[Exception],  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(error):
        action(world, actor, day=date(2026, 12, 1), **changes)
    with world.factory() as s:
        assert s.scalars(select(SelfReport)).all() == []


def test_an_enterprise_files_no_self_report(world: World) -> None:
    with command_session(world.factory) as s:
        firm = register_unit(
            s, s.get(Authority, world.ids["luquan"]), name="鹿泉档案服务有限公司",
            credit_code=make_credit_code("91130185000000003"), kind="enterprise",
        )  # fmt: skip
        firm_id = firm.id
    world.ids["firm"] = firm_id
    with pytest.raises(InvalidInput):
        file(world, "inspector", unit="firm", day=date(2026, 11, 1))
    assert "鹿泉档案服务有限公司" not in [u for u, _, _ in overdue(world, date(2026, 12, 1))]
    world.ids["nowhere"] = 999999
    with pytest.raises(NotFound):
        file(world, "inspector", unit="nowhere", day=date(2026, 11, 1))


def test_the_hourly_run_reminds_every_authority_for_the_current_year(world: World) -> None:
    with command_session(world.factory) as s:
        first = remind_all(s, at(date(2026, 11, 20)), SETTINGS)
        again = remind_all(s, at(date(2026, 11, 20), 11), SETTINGS)
    assert (first.units_reminded, again.units_reminded) == (2, 0)
    with command_session(world.factory) as s:
        assert remind_all(s, at(date(2026, 12, 1)), SETTINGS).overdue_alerted == 2
