"""The supervisor's approvals page: extension requests, referrals and penalties decided through
their services — for the supervisor only, another authority's rows neither shown nor decidable,
a refusal shown beside its field with the domain's status and nothing written."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cases.casework.deadline_changes import request_extension
from cases.core.db import command_session
from cases.core.vocabulary import Role
from cases.models import Authority, Deadline, ExtensionRequest, Penalty, Referral
from cases.registry.register import create_user
from tests.support import penalties as pen
from tests.support.signin import client_as
from tests.support.world import World


@pytest.fixture
def supervisor(app: Flask, world: World) -> FlaskClient:
    """The supervisor at the world's time (which the data built before the first request moves
    on: the session is started on first use, so it has not idled out meanwhile)."""
    app.config["OVERSIGHT_CLOCK"] = lambda: world.now
    return LazyClient(app, world, "supervisor")  # type: ignore[return-value]


class LazyClient:
    def __init__(self, app: Flask, world: World, who: str) -> None:
        self.args, self.client = (app, world, who), None

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        if self.client is None:
            self.client = client_as(*self.args)
        return getattr(self.client, name)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def extension_request(world: World, new_last_day: date = date(2026, 3, 28)) -> tuple[int, int]:
    case_id = world.case_for_state("rectifying")
    with command_session(world.factory) as s:
        deadline = s.scalars(
            select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == "rectification")
        ).one()
        made = request_extension(
            s, deadline.id, world.user(s, "liaison"), reason="设备采购周期长",
            new_last_day=new_last_day, now=world.now,
        )  # fmt: skip
        return case_id, made.id


def foreign_supervisor(app: Flask, world: World) -> FlaskClient:
    with command_session(world.factory) as s:
        other = s.scalars(select(Authority).where(Authority.code == "zhengding")).one()
        made = create_user(
            s, username="zd_sup", display_name="正定科长", role=Role.SUPERVISOR, authority=other
        )
        world.ids["foreign_supervisor"] = made.id
    return client_as(app, world, "foreign_supervisor")


@pytest.mark.parametrize(
    "who", ["inspector", "liaison", "leader", "system_admin", "security_admin", "audit_admin"]
)
def test_only_a_supervisor_opens_the_approvals(app: Flask, world: World, who: str) -> None:
    assert client_as(app, world, who).get("/supervision/approvals").status_code == 403


def test_pending_extension_is_listed_and_approved(supervisor: FlaskClient, world: World) -> None:
    case_id, request_id = extension_request(world)
    page = supervisor.get("/supervision/approvals")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-extension-id="{request_id}"' in html
    assert "设备采购周期长" in html and "2026-03-28" in html and "鹿泉区教育局" in html
    assert "待审批" in html  # the header's link

    done = supervisor.post(
        f"/supervision/approvals/extensions/{request_id}",
        data={"csrf_token": csrf(html), "decision": "approve", "note": "同意"},
    )
    assert done.status_code == 303
    with world.factory() as s:
        assert s.get(ExtensionRequest, request_id).status == "approved"
    after = supervisor.get(done.headers["Location"]).get_data(as_text=True)
    assert f'data-extension-id="{request_id}"' not in after
    assert "已批准" in after


def test_a_refusal_needs_its_reason_shown_beside_the_note(
    supervisor: FlaskClient, world: World
) -> None:
    _, request_id = extension_request(world)
    token = csrf(supervisor.get("/supervision/approvals").get_data(as_text=True))
    refused = supervisor.post(
        f"/supervision/approvals/extensions/{request_id}",
        data={"csrf_token": token, "decision": "refuse", "note": ""},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'data-error-for="note">不予延期须说明理由</span>' in html
    assert 'value="refuse" checked' in html  # what was chosen stays chosen
    nothing = supervisor.post(
        f"/supervision/approvals/extensions/{request_id}",
        data={"csrf_token": token, "decision": "maybe"},
    )
    assert nothing.status_code == 422
    assert 'data-error-for="decision">请选择批准或不予延期' in nothing.get_data(as_text=True)
    with world.factory() as s:
        assert s.get(ExtensionRequest, request_id).status == "requested"
    # decided once: a second decision is a conflict, said on the page
    ok = supervisor.post(
        f"/supervision/approvals/extensions/{request_id}",
        data={"csrf_token": token, "decision": "refuse", "note": "理由不充分"},
    )
    assert ok.status_code == 303
    again = supervisor.post(
        f"/supervision/approvals/extensions/{request_id}",
        data={"csrf_token": token, "decision": "approve"},
    )
    assert again.status_code == 409
    assert "该延期申请已处理" in again.get_data(as_text=True)


def test_unknown_request_is_404_and_another_authoritys_is_neither_shown_nor_decided(
    app: Flask, supervisor: FlaskClient, world: World
) -> None:
    _, request_id = extension_request(world)
    token = csrf(supervisor.get("/supervision/approvals").get_data(as_text=True))
    missing = supervisor.post(
        "/supervision/approvals/extensions/999999",
        data={"csrf_token": token, "decision": "approve"},
    )
    assert missing.status_code == 404
    other = foreign_supervisor(app, world)
    html = other.get("/supervision/approvals").get_data(as_text=True)
    assert f'data-extension-id="{request_id}"' not in html
    refused = other.post(
        f"/supervision/approvals/extensions/{request_id}",
        data={"csrf_token": csrf(html), "decision": "approve"},
    )
    assert refused.status_code == 403
    with world.factory() as s:
        assert s.get(ExtensionRequest, request_id).status == "requested"


def test_referral_is_sent_then_its_answer_recorded(supervisor: FlaskClient, world: World) -> None:
    case_id = world.case_for_state("overdue")
    with world.factory() as s:
        referral_id = s.scalars(select(Referral.id).where(Referral.case_id == case_id)).one()
    html = supervisor.get("/supervision/approvals").get_data(as_text=True)
    assert f'data-referral-id="{referral_id}" data-status="proposed"' in html
    token = csrf(html)
    blank = supervisor.post(
        f"/supervision/approvals/referrals/{referral_id}/send",
        data={"csrf_token": token, "receiving_body": ""},
    )
    assert blank.status_code == 422
    assert 'data-error-for="receiving_body">请填写接收机关' in blank.get_data(as_text=True)
    sent = supervisor.post(
        f"/supervision/approvals/referrals/{referral_id}/send",
        data={"csrf_token": token, "receiving_body": "鹿泉区纪委监委"},
    )
    assert sent.status_code == 303
    html = supervisor.get("/supervision/approvals").get_data(as_text=True)
    assert f'data-referral-id="{referral_id}" data-status="sent"' in html
    assert "鹿泉区纪委监委" in html
    answered = supervisor.post(
        f"/supervision/approvals/referrals/{referral_id}/answer",
        data={"csrf_token": token, "outcome": "已给予诫勉谈话"},
    )
    assert answered.status_code == 303
    with world.factory() as s:
        assert s.get(Referral, referral_id).status == "answered"
    again = supervisor.post(
        f"/supervision/approvals/referrals/{referral_id}/answer",
        data={"csrf_token": token, "outcome": "再录一次"},
    )
    assert again.status_code == 409


def test_penalty_legal_review_through_the_door(app: Flask, world: World) -> None:
    pid = pen.filed(world)
    pen.fire(world, pid, "investigate", "inspector", pen.FILED)
    pen.fire(world, pid, "submit_review", "inspector", date(2026, 3, 20), facts="事实",
             **pen.PROPOSAL, amount=60000)  # fmt: skip
    app.config["OVERSIGHT_CLOCK"] = lambda: pen.at(date(2026, 3, 23))
    client = client_as(app, world, "supervisor")
    html = client.get("/supervision/approvals").get_data(as_text=True)
    assert f'data-penalty-id="{pid}" data-status="legal_review"' in html
    assert f'data-form="penalty-{pid}-pass_review"' in html
    version = pen.load(world, pid).version
    no_opinion = client.post(
        f"/supervision/approvals/penalties/{pid}/pass_review",
        data={"csrf_token": csrf(html), "version": version, "opinion": ""},
    )
    assert no_opinion.status_code == 422
    assert 'data-error-for="opinion">请填写审核意见' in no_opinion.get_data(as_text=True)
    stale = client.post(
        f"/supervision/approvals/penalties/{pid}/pass_review",
        data={"csrf_token": csrf(html), "version": version - 1, "opinion": "同意"},
    )
    assert stale.status_code == 409
    passed = client.post(
        f"/supervision/approvals/penalties/{pid}/pass_review",
        data={"csrf_token": csrf(html), "version": version, "opinion": "事实清楚，同意"},
    )
    assert passed.status_code == 303
    with world.factory() as s:
        assert s.get(Penalty, pid).review_passed is True
    # the review has passed: the penalty waits for the officers' notice, not here
    html = client.get("/supervision/approvals").get_data(as_text=True)
    assert f'data-penalty-id="{pid}"' not in html


def test_the_decision_form_is_the_deciders_and_the_guards_decide(app: Flask, world: World) -> None:
    pid = pen.notified(world)
    app.config["OVERSIGHT_CLOCK"] = lambda: pen.at(date(2026, 4, 20))
    client = client_as(app, world, "supervisor")
    html = client.get("/supervision/approvals").get_data(as_text=True)
    assert f'data-form="penalty-{pid}-decide"' in html
    assert ">某档案服务公司</textarea>" in html  # the party as the penalty holds it
    form = {"csrf_token": csrf(html), "version": pen.load(world, pid).version,
            **{k: v for k, v in pen.DECISION.items() if k != "sealed"},
            "offence": "service_company", "party_kind": "unit", "sanctions": ["warning", "fine"],
            "amount": "60000"}  # fmt: skip
    unsealed = client.post(f"/supervision/approvals/penalties/{pid}/decide", data=form)
    assert unsealed.status_code == 422
    assert pen.load(world, pid).status == "notified"
    decided = client.post(
        f"/supervision/approvals/penalties/{pid}/decide", data={**form, "sealed": "1"}
    )
    assert decided.status_code == 303, decided.get_data(as_text=True)
    assert pen.load(world, pid).status == "decided"
    inspector = client_as(app, world, "inspector")
    token = csrf(inspector.get("/cases").get_data(as_text=True))
    refused = inspector.post(
        f"/supervision/approvals/penalties/{pid}/decide", data={**form, "csrf_token": token}
    )
    assert refused.status_code == 403
