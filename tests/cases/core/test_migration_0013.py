"""Migration 0013 re-links the chains a database already holds with the configured chain key:
after it no unkeyed link remains, and every chain — cases, inspection records (with the seal of
their content), registers — verifies."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from cases.casework.verification import verify_all_chains
from cases.core.chain import Link
from cases.core.db import command_session, make_engine
from cases.core.migrate import downgrade, upgrade
from cases.models import Event, InspectionEvent, RegistryEvent, Unit
from cases.registry.key_units import designate_key_unit
from tests.cases.inspections.test_inspection_records import signed
from tests.conftest import url_of
from tests.support.world import World


@pytest.mark.committing
def test_existing_chains_are_relinked_with_the_key(sqlite_factory: sessionmaker[Session]) -> None:
    world = World.build(sqlite_factory)
    case_id = world.open_case()
    world.drive_to(case_id, "rectifying")
    inspection_id = signed(world)
    with command_session(world.factory) as s:
        unit, boss = s.get(Unit, world.ids["unit"]), world.user(s, "supervisor")
        designate_key_unit(s, unit, "上年检查发现严重隐患", date(2026, 1, 1), boss, world.now)
    url = url_of(sqlite_factory)
    downgrade(url, "0012")
    engine = make_engine(url)
    with engine.begin() as conn:  # the history as 0012 kept it: unkeyed SM3 links
        assert "key_id" not in {c["name"] for c in inspect(conn).get_columns("events")}
        conn.exec_driver_sql("DROP TRIGGER events_no_update")
        columns = [c for c in Event.__table__.columns if c.name != "key_id"]
        for ev in conn.execute(select(*columns)):
            link = Link(
                ev.case_id, ev.seq, ev.trigger, ev.from_state, ev.to_state, ev.actor_id,
                ev.actor_role, ev.occurred_at, ev.payload, ev.idempotency_key, ev.prev_hash,
            )  # fmt: skip
            conn.execute(
                text("UPDATE events SET hash = :h WHERE id = :i"),
                {"h": link.digest(ev.algorithm), "i": ev.id},
            )
        conn.exec_driver_sql(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only (UPDATE refused)'); END"
        )
    engine.dispose()
    upgrade(url)
    with sqlite_factory() as s:
        for model in (Event, InspectionEvent, RegistryEvent):
            assert s.scalar(select(model.id).where(model.key_id.is_(None))) is None
        seal = s.scalars(
            select(InspectionEvent.payload).where(
                InspectionEvent.inspection_id == inspection_id,
                InspectionEvent.to_state == "signed",
            )
        ).one()
        assert "sealed" in seal
        assert [str(p) for p in verify_all_chains(s)] == []
