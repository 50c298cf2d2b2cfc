"""Incidents and self-reports on the register's keyed history: what decides a unit's automatic
不合格 is recorded when it happens, a row changed afterwards is found by verification, and rows
from before the register kept them are entered once on upgrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from cases.casework.verification import verify_all_chains
from cases.core.chainkeys import keyring_for
from cases.core.db import command_session
from cases.core.settings import current_settings
from cases.incidents import report_incident
from cases.models import Incident, RegistryEvent, SelfReport
from cases.registry.records import BACKFILLED, record_unrecorded, recorded_problems
from cases.selfreports import file_self_report, refuse_self_report
from tests.support.world import World

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 2, 2, tzinfo=UTC)


def problems(world: World) -> list[str]:
    with world.factory() as s:
        return [b.reason_en for b in verify_all_chains(s, keyring=keyring_for(current_settings()))]


def kinds(world: World) -> list[str]:
    with world.factory() as s:
        return list(s.scalars(select(RegistryEvent.kind).order_by(RegistryEvent.seq)))


def incident(world: World) -> int:
    with command_session(world.factory) as s:
        return report_incident(
            s, world.user(s, "liaison"), unit_id=world.ids["unit"], kind="leak",
            what="内部目录外泄", occurred_at=NOW - timedelta(hours=5), scale="目录1册",
            measures="已追回", now=NOW,
        ).id  # fmt: skip


def one_of_each(world: World) -> None:
    """An incident, a filed self-report (教育局) and a refusal (卫健局)."""
    incident(world)
    with command_session(world.factory) as s:
        file_self_report(
            s, world.user(s, "liaison"), unit_id=world.ids["unit"], year=2026,
            content="本年度档案工作自查情况……", now=NOW,
        )  # fmt: skip
        refuse_self_report(
            s, world.user(s, "inspector"), unit_id=world.ids["other_unit"], year=2026,
            reason="经催报，单位书面答复拒不报送", now=NOW,
        )  # fmt: skip


def test_each_record_is_an_entry_and_verifies(world: World) -> None:
    one_of_each(world)
    assert kinds(world) == ["incident_reported", "self_report_filed", "self_report_refused"]
    assert problems(world) == []


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        (Incident, "what", "库房漏水"),  # the account rewritten
        (Incident, "occurred_at", NOW - timedelta(days=3650)),  # moved out of the five years
        (SelfReport, "content", "改写后的自查报告"),
        (SelfReport, "refused_at", None),  # a refusal erased: the grade would pass
    ],
)
def test_a_row_changed_afterwards_is_found(world: World, table, column, value) -> None:  # type: ignore[no-untyped-def]
    one_of_each(world)
    with command_session(world.factory) as s:
        rows = select(table.id).order_by(table.id)
        if table is SelfReport:  # the filed one for its text, the refused one for its refusal
            rows = rows.where(
                SelfReport.filed_at.is_not(None)
                if column == "content"
                else SelfReport.refused_at.is_not(None)
            )
        target = s.scalars(rows).first()
        s.execute(update(table).where(table.id == target).values({column: value}))
    [found] = problems(world)
    assert "register entry" in found


def test_rows_from_before_are_entered_once_on_upgrade(world: World) -> None:
    with command_session(world.factory) as s:  # as an older release wrote it: no entry
        s.add(
            Incident(
                authority_id=world.ids["luquan"], unit_id=world.ids["unit"], kind="damage",
                what="库房漏水", occurred_at=NOW - timedelta(days=30), scale="", measures="",
                reported_by_id=world.ids["liaison"], reported_at=NOW - timedelta(days=30),
            )
        )  # fmt: skip
    assert ["no register entry" in p for p in problems(world)] == [True]
    with command_session(world.factory) as s:
        assert record_unrecorded(s, NOW) == 1
        assert record_unrecorded(s, NOW) == 0
    assert problems(world) == []
    with world.factory() as s:
        entry = s.scalars(select(RegistryEvent)).one()
        assert entry.reason == BACKFILLED and entry.kind == "incident_reported"
        assert list(recorded_problems(s)) == []
