"""The register's history: designations, revocations, recusals and imports are recorded with
who, when and why, in the same transaction as the change, and the database refuses to rewrite
them (both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from cases.core.db import command_session
from cases.core.errors import InvalidInput, NotAllowed
from cases.models import Authority, RegistryEvent, Unit
from cases.registry.key_units import designate_key_unit, revoke_key_unit
from cases.registry.recusals import add_recusal, remove_recusal
from cases.registry.unit_import import import_units
from tests.support.sheets import row, xlsx
from tests.support.world import T0, World

#: The append-only history is a trigger of each database's own.
pytestmark = pytest.mark.both_databases


def history(world: World) -> list[tuple[str, int | None, int | None, str, str]]:
    """(kind, unit, officer, reason, who) — who by the World's name for the actor."""
    users = ("inspector", "inspector2", "supervisor", "liaison")
    names = {world.ids[name]: name for name in users}
    with world.factory() as s:
        return [
            (e.kind, e.unit_id, e.officer_id, e.reason, names[e.actor_id])
            for e in s.scalars(select(RegistryEvent).order_by(RegistryEvent.id))
        ]


def test_key_units_and_recusals_leave_their_reasons_in_the_history(world: World) -> None:
    unit_id, officer_id = world.ids["unit"], world.ids["inspector"]
    with command_session(world.factory) as s:
        unit, boss = s.get(Unit, unit_id), world.user(s, "supervisor")
        designate_key_unit(s, unit, "上年检查发现严重隐患", date(2026, 1, 1), boss, T0)
        add_recusal(s, world.user(s, "inspector"), unit, "配偶在该单位任职", date(2025, 6, 1),
                    world.user(s, "inspector"), T0)  # fmt: skip
    with command_session(world.factory) as s:
        unit, boss = s.get(Unit, unit_id), world.user(s, "supervisor")
        revoke_key_unit(s, unit, "整改完成，连续两年检查合格", boss, T0)
        remove_recusal(s, world.user(s, "inspector"), unit, "配偶已调离该单位", boss, T0)
    assert history(world) == [
        ("key_unit_designated", unit_id, None, "上年检查发现严重隐患", "supervisor"),
        ("recusal_added", unit_id, officer_id, "配偶在该单位任职", "inspector"),
        ("key_unit_revoked", unit_id, None, "整改完成，连续两年检查合格", "supervisor"),
        ("recusal_removed", unit_id, officer_id, "配偶已调离该单位", "supervisor"),
    ]
    with world.factory() as s:
        revoked, removed = s.scalars(
            select(RegistryEvent.payload)
            .where(RegistryEvent.kind.in_(["key_unit_revoked", "recusal_removed"]))
            .order_by(RegistryEvent.id)
        )
    assert revoked == {"was_since": "2026-01-01", "was_reason": "上年检查发现严重隐患"}
    assert removed == {"was_since": "2025-06-01", "was_reason": "配偶在该单位任职"}


def test_a_refused_change_leaves_no_history(world: World) -> None:
    with command_session(world.factory) as s, pytest.raises(InvalidInput):
        revoke_key_unit(s, s.get(Unit, world.ids["unit"]), " ", world.user(s, "supervisor"), T0)
    assert history(world) == []


def test_an_import_names_who_imported_and_an_outsider_may_not(world: World) -> None:
    data = xlsx([row(1), row(2)])
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        with pytest.raises(NotAllowed):
            import_units(s, luquan, data, filename="u.xlsx", now=T0,
                         actor=world.user(s, "liaison"))  # fmt: skip
        report = import_units(s, luquan, data, filename="u.xlsx", now=T0,
                              actor=world.user(s, "inspector"))  # fmt: skip
    assert report.imported == 2
    ((kind, *_, who),) = history(world)
    assert (kind, who) == ("units_imported", "inspector")
    with world.factory() as s:
        payload = s.scalar(select(RegistryEvent.payload))
    assert payload == {"file": "u.xlsx", "rows": 2, "imported": 2, "rejected_rows": 0}


def test_the_database_refuses_to_rewrite_the_history(world: World) -> None:
    with command_session(world.factory) as s:
        designate_key_unit(s, s.get(Unit, world.ids["unit"]), "理由", date(2026, 1, 1),
                           world.user(s, "supervisor"), T0)  # fmt: skip
    for statement in (update(RegistryEvent).values(reason="改写"), delete(RegistryEvent)):
        with world.factory() as s, pytest.raises(DBAPIError, match="append-only"):
            s.execute(statement)
            s.commit()
    assert [h[3] for h in history(world)] == ["理由"]
