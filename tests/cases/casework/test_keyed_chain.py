"""The keyed chain (issue 9, part 2): whoever owns the tables can rewrite an event and re-hash
the chain with the project's own code, but not with the chain key, which the database does not
hold — so the rewrite is caught. Inspection records (and their sealed content) and the
registers are chained the same way; a rotated key keeps old links verifying."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cases.casework.verification import verify_all_chains, verify_everything
from cases.core import settings as settings_module
from cases.core.chain import Link, canonical_json
from cases.core.chainkeys import (
    ChainKey,
    forget_keyrings,
    keyring_for,
    rotate_key,
    writing_keyring,
)
from cases.core.db import command_session
from cases.models import Case, Event, InspectionEvent, RegistryEvent, Unit
from cases.registry.history import registry_event_doc
from cases.registry.key_units import designate_key_unit, revoke_key_unit
from tests.cases.inspections.test_inspection_records import signed
from tests.support.chains import chain_settings, lift_guards
from tests.support.world import World

pytestmark = pytest.mark.both_databases

ATTACKER = ChainKey.of(bytes.fromhex("a77ac4e5" * 8))


def issued(world: World) -> int:
    case_id = world.open_case()
    world.drive_to(case_id, "rectifying")
    return case_id


def rewrite_notice(session: Session, case_id: int, key: ChainKey | None, key_id: str | None) -> int:
    """Change the issue_notice event's facts and officers, re-link it and every later event with
    the project's own code under ``key`` (None: the old unkeyed hash), move the case's head."""
    lift_guards(session)
    case = session.get(Case, case_id)
    chain = list(session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)))
    target = next(ev for ev in chain if ev.trigger == "issue_notice")
    payload = json.loads(target.payload)
    payload["data"]["facts"] = "经查，该单位档案管理规范，无违法行为"
    payload["data"]["officer_ids"] = list(reversed(payload["data"]["officer_ids"]))
    texts = {ev.id: ev.payload for ev in chain} | {target.id: canonical_json(payload)}
    prev = chain[0].prev_hash
    for ev in chain:
        link = Link(
            ev.case_id, ev.seq, ev.trigger, ev.from_state, ev.to_state, ev.actor_id,
            ev.actor_role, ev.occurred_at, texts[ev.id], ev.idempotency_key, prev,
        )  # fmt: skip
        digest = link.mac(key, case.chain_algorithm) if key else link.digest(case.chain_algorithm)
        session.execute(
            text(
                "UPDATE events SET payload = :p, prev_hash = :prev, hash = :h, key_id = :k "
                "WHERE id = :id"
            ),
            {"p": texts[ev.id], "prev": prev, "h": digest, "k": key_id, "id": ev.id},
        )
        prev = digest
    session.execute(
        text("UPDATE cases SET chain_head = :h WHERE id = :c"), {"h": prev, "c": case_id}
    )
    session.expire_all()
    return target.id


def problems(session: Session) -> list[str]:
    return [str(p) for p in verify_all_chains(session)]


def test_links_carry_the_key_id_never_the_key(world: World) -> None:
    case_id = issued(world)
    key = writing_keyring().current
    with world.factory() as s:
        rows = s.scalars(select(Event).where(Event.case_id == case_id)).all()
        assert rows and {ev.key_id for ev in rows} == {key.key_id}
        assert key.secret.hex() not in json.dumps([ev.payload for ev in rows])
        assert problems(s) == []


@pytest.mark.parametrize(
    "how",
    ["attacker's key, real key id", "attacker's key and id", "unkeyed hash"],
)
def test_rewrite_rehash_and_moved_head_is_caught(world: World, how: str) -> None:
    case_id = issued(world)
    key_id = {
        "attacker's key, real key id": writing_keyring().current.key_id,
        "attacker's key and id": ATTACKER.key_id,
        "unkeyed hash": None,
    }[how]
    with world.factory.begin() as s:
        event_id = rewrite_notice(s, case_id, None if key_id is None else ATTACKER, key_id)
        found = problems(s)
    reason = {
        "attacker's key, real key id": "content altered",
        "attacker's key and id": f"made with an unknown chain key {ATTACKER.key_id}",
        "unkeyed hash": "unkeyed link (refused)",
    }[how]
    assert any(f"case {case_id}: event #{event_id} " in p and reason in p for p in found), found
    assert all("—" in p for p in found)  # both languages


def test_the_same_rewrite_with_the_key_would_pass(world: World) -> None:
    """The control: it is the key, not the code, that stops the forgery."""
    case_id = issued(world)
    with world.factory.begin() as s:
        rewrite_notice(s, case_id, writing_keyring().current, writing_keyring().current.key_id)
        assert problems(s) == []


def test_inspection_records_are_chained_and_their_sealed_content_too(world: World) -> None:
    inspection_id = signed(world)
    with world.factory() as s:
        chain = s.scalars(
            select(InspectionEvent)
            .where(InspectionEvent.inspection_id == inspection_id)
            .order_by(InspectionEvent.seq)
        ).all()
        assert all(ev.key_id and ev.hash for ev in chain)
        assert [ev.prev_hash for ev in chain[1:]] == [ev.hash for ev in chain[:-1]]
        assert "sealed" in chain[-1].payload and chain[-1].to_state == "signed"
        assert problems(s) == []
    with world.factory.begin() as s:
        s.execute(
            text("UPDATE inspections SET record_problems = '未发现问题' WHERE id = :i"),
            {"i": inspection_id},
        )
        assert any(
            f"inspection record {inspection_id}:" in p and "sealed content altered" in p
            for p in problems(s)
        )


def test_a_rewritten_inspection_event_is_caught(world: World) -> None:
    inspection_id = signed(world)
    with world.factory.begin() as s:
        lift_guards(s)
        s.execute(
            text("UPDATE inspection_events SET actor_id = :a WHERE inspection_id = :i AND seq = 2"),
            {"a": world.ids["supervisor"], "i": inspection_id},
        )
        assert any(
            f"inspection record {inspection_id}: event #" in p and "(seq 2): content altered" in p
            for p in problems(s)
        )


def designated_and_revoked(world: World) -> None:
    with command_session(world.factory) as s:
        unit, boss = s.get(Unit, world.ids["unit"]), world.user(s, "supervisor")
        designate_key_unit(s, unit, "上年检查发现严重隐患", date(2026, 1, 1), boss, world.now)
    with command_session(world.factory) as s:
        unit, boss = s.get(Unit, world.ids["unit"]), world.user(s, "supervisor")
        revoke_key_unit(s, unit, "整改完成", boss, world.now)


def test_the_register_is_one_chain_per_authority(world: World) -> None:
    designated_and_revoked(world)
    with world.factory() as s:
        entries = s.scalars(select(RegistryEvent).order_by(RegistryEvent.id)).all()
        assert [e.seq for e in entries] == [1, 2]
        assert {e.authority_id for e in entries} == {world.ids["luquan"]}
        assert entries[1].prev_hash == entries[0].hash
        assert problems(s) == []


def test_a_rewritten_register_entry_is_caught_even_re_linked(world: World) -> None:
    designated_and_revoked(world)
    with world.factory.begin() as s:
        lift_guards(s)
        first = s.scalars(select(RegistryEvent).order_by(RegistryEvent.seq)).first()
        assert first is not None
        first.reason = "领导交办"
        s.flush()
        forged = ATTACKER.mac(
            first.algorithm or "sm3",
            canonical_json(
                {**registry_event_doc(first), "kid": first.key_id, "alg": first.algorithm}
            ),
        )
        s.execute(
            text("UPDATE registry_events SET hash = :h WHERE id = :i"), {"h": forged, "i": first.id}
        )
        s.expire_all()
        found = problems(s)
    assert any(f"register of authority {world.ids['luquan']}: event #" in p for p in found), found


def test_events_before_and_after_a_rotation_verify(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = chain_settings(tmp_path, OVERSIGHT_CHAIN_KEY_FILE=str(tmp_path / "chain_key"))
    (tmp_path / "chain_key").write_text(ChainKey.of(b"k" * 32).secret.hex())
    monkeypatch.setattr(settings_module, "_current", settings)  # the process's writers use it
    before = issued(world)
    rotation = rotate_key(settings)
    after = issued(world)
    with world.factory() as s:
        kids = {
            c: set(s.scalars(select(Event.key_id).where(Event.case_id == c)))
            for c in (before, after)
        }
        assert kids == {before: {rotation.retired.key_id}, after: {rotation.current.key_id}}
        assert verify_everything(s, settings) == []
    assert oct((tmp_path / "chain_keys").stat().st_mode & 0o777) == "0o600"
    (tmp_path / "chain_keys").write_text("")  # the old key lost: its links no longer verify
    monkeypatch.setattr(settings_module, "_current", None)
    forget_keyrings()
    with world.factory() as s:
        found = [str(p) for p in verify_everything(s, settings)]
    assert any(f"case {before}:" in p and "unknown chain key" in p for p in found)
    assert not any(f"case {after}:" in p for p in found)


def test_the_embedded_default_generates_a_private_key(tmp_path: Path) -> None:
    settings = chain_settings(tmp_path, OVERSIGHT_CHAIN_KEY="")
    ring = keyring_for(settings)
    path = tmp_path / "chain_key"
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert ring.current.secret.hex() == path.read_text().strip()
    assert keyring_for(settings).current == ring.current
    assert len(ring.current.key_id) == 16 and ring.current.key_id not in path.read_text()


@pytest.mark.committing
def test_two_writers_of_one_register_never_take_the_same_place(pg_world: World) -> None:
    world = pg_world
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def designate(unit: str) -> None:
        try:
            with command_session(world.factory) as s:
                target, boss = s.get(Unit, world.ids[unit]), world.user(s, "supervisor")
                s.flush()
                barrier.wait(timeout=10)
                designate_key_unit(s, target, "理由", date(2026, 1, 1), boss, world.now)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=designate, args=(u,)) for u in ("unit", "other_unit")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with world.factory() as s:
        assert sorted(s.scalars(select(RegistryEvent.seq))) == [1, 2]
        assert problems(s) == []
