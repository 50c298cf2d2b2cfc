"""Every trigger a person fires is in the audit log, in the trigger's own transaction, with where
it came from; the system actor's (the sweeper's) are on the case chain only; a refused or failed
request is in the log too, though its own work was undone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from cases.accounts.audit import acting_from
from cases.casework.door import advance
from cases.core.db import command_session
from cases.core.errors import GuardFailed
from cases.deadlines.sweeper import sweep
from cases.models import AuditEntry, Deadline, Event
from tests.support.cli import audit_entries
from tests.support.signin import client_as
from tests.support.world import World


def test_a_persons_trigger_is_audited_with_its_address_and_event(world: World) -> None:
    case_id = world.open_case()
    with command_session(world.factory) as s:
        acting_from(s, "10.1.2.3")
        done = advance(s, case_id, "issue_notice", world.user(s, "inspector"), now=world.now,
                       **world.data_for("issue_notice", case_id))  # fmt: skip
    [entry] = audit_entries(world, "case.issue_notice")
    assert (entry.actor_username, entry.address, entry.target, entry.outcome) == (
        "zhang",
        "10.1.2.3",
        f"case:{case_id}",
        "success",
    )
    assert entry.detail == {"from": "detected", "to": done.to_state, "event": done.event.seq}


def test_a_refused_trigger_leaves_neither_step_nor_entry(world: World) -> None:
    case_id = world.open_case()
    before = len(audit_entries(world))
    with pytest.raises(GuardFailed), command_session(world.factory) as s:
        advance(s, case_id, "issue_notice", world.user(s, "inspector"), now=world.now)
    assert len(audit_entries(world)) == before
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.case_id == case_id)) == 1  # fmt: skip


def test_the_sweepers_triggers_are_on_the_case_chain_only(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    entries = len(audit_entries(world))
    with world.factory() as s:
        due = s.scalar(select(func.min(Deadline.due_at)).where(
            Deadline.case_id == case_id, Deadline.status == "pending"))  # fmt: skip
    assert sweep(world.factory, due + timedelta(seconds=1)).fired >= 1
    assert world.state(case_id) == "overdue"
    assert len(audit_entries(world)) == entries
    with world.factory() as s:
        lapsed = s.scalars(select(Event).where(
            Event.case_id == case_id, Event.trigger == "deadline_lapsed")).all()  # fmt: skip
    assert len(lapsed) == 1


def test_a_page_refused_is_audited(app: Flask, world: World) -> None:
    client = client_as(app, world, "inspector")
    assert client.get("/audit").status_code == 403
    [entry] = audit_entries(world, "web:admin.audit_log")
    assert (entry.actor_username, entry.outcome, entry.target) == ("zhang", "refused", "/audit")
    assert entry.detail["status"] == 403 and entry.detail["method"] == "GET"


def test_a_failed_change_is_audited_and_writes_nothing_else(app: Flask, world: World) -> None:
    client = client_as(app, world, "system_admin")
    html = client.get("/admin/users").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    with world.factory() as s:
        accounts = s.scalar(select(func.count()).select_from(AuditEntry))
    refused = client.post("/admin/users", data={"csrf_token": token, "username": "x y",
                                                "name": "某", "role": "inspector"})  # fmt: skip
    assert refused.status_code == 400
    [entry] = audit_entries(world, "web:admin.create_user")
    assert entry.outcome == "failure" and entry.detail["status"] == 400
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == accounts + 1
