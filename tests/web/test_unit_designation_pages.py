"""Key-unit designations and recusals on ``/supervision/units``: the supervisor's, each change
through the registry's services with its reason, another authority's units not found."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cases.models import Recusal, Unit
from tests.support.signin import client_as
from tests.support.world import World


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def supervisor(app: Flask, world: World) -> FlaskClient:
    app.config["OVERSIGHT_CLOCK"] = lambda: world.now
    return client_as(app, world, "supervisor")


@pytest.mark.parametrize("who", ["inspector", "liaison", "leader", "system_admin", "audit_admin"])
def test_only_a_supervisor_designates(app: Flask, world: World, who: str) -> None:
    assert client_as(app, world, who).get("/supervision/units").status_code == 403


def test_designate_then_revoke_a_key_unit(supervisor: FlaskClient, world: World) -> None:
    token = csrf(supervisor.get("/supervision/units").get_data(as_text=True))
    no_reason = supervisor.post(
        "/supervision/units/key", data={"csrf_token": token, "unit": "鹿泉区教育局", "reason": ""}
    )
    assert no_reason.status_code == 422
    assert 'data-error-for="reason">请填写指定为重点监控单位的理由' in no_reason.get_data(
        as_text=True
    )
    unknown = supervisor.post(
        "/supervision/units/key", data={"csrf_token": token, "unit": "不存在的局", "reason": "x"}
    )
    assert unknown.status_code == 422
    assert 'data-error-for="unit">本机关名录中没有“不存在的局”' in unknown.get_data(as_text=True)
    done = supervisor.post(
        "/supervision/units/key",
        data={"csrf_token": token, "unit": "鹿泉区教育局", "reason": "保管重要电子档案"},
    )
    assert done.status_code == 303
    unit_id = world.ids["unit"]
    html = supervisor.get("/supervision/units").get_data(as_text=True)
    assert f'data-key-unit="{unit_id}"' in html
    twice = supervisor.post(
        "/supervision/units/key",
        data={"csrf_token": token, "unit": "鹿泉区教育局", "reason": "再次"},
    )
    assert twice.status_code == 409
    revoked = supervisor.post(
        f"/supervision/units/{unit_id}/revoke", data={"csrf_token": token, "reason": "已整改"}
    )
    assert revoked.status_code == 303
    with world.factory() as s:
        assert s.get(Unit, unit_id).is_key_unit is False


def test_record_and_lift_a_recusal(supervisor: FlaskClient, world: World) -> None:
    token = csrf(supervisor.get("/supervision/units").get_data(as_text=True))
    officer, unit = world.ids["inspector"], world.ids["unit"]
    added = supervisor.post(
        "/supervision/units/recusals",
        data={"csrf_token": token, "officer": officer, "unit": "鹿泉区教育局",
              "reason": "配偶在该单位任职"},
    )  # fmt: skip
    assert added.status_code == 303
    assert f'data-recusal="{officer}-{unit}"' in supervisor.get("/supervision/units").get_data(
        as_text=True
    )
    foreign = supervisor.post(
        "/supervision/units/recusals",
        data={"csrf_token": token, "officer": world.ids["foreign_inspector"],
              "unit": "鹿泉区教育局", "reason": "x"},
    )  # fmt: skip
    assert foreign.status_code == 422
    assert 'data-error-for="officer">请选择本机关的执法人员' in foreign.get_data(as_text=True)
    no_reason = supervisor.post(
        f"/supervision/units/{unit}/recusals/{officer}/lift", data={"csrf_token": token}
    )
    assert no_reason.status_code == 422
    lifted = supervisor.post(
        f"/supervision/units/{unit}/recusals/{officer}/lift",
        data={"csrf_token": token, "reason": "配偶已调离"},
    )
    assert lifted.status_code == 303
    with world.factory() as s:
        assert s.scalars(select(Recusal)).all() == []


def test_another_authoritys_unit_is_not_found(app: Flask, world: World) -> None:
    from cases.core.db import command_session
    from cases.models import Authority
    from cases.registry.credit_code import make_credit_code
    from cases.registry.register import register_unit

    with command_session(world.factory) as s:
        other = s.scalars(select(Authority).where(Authority.code == "zhengding")).one()
        theirs = register_unit(
            s, other, name="正定县教育局", credit_code=make_credit_code("11130123000000001"),
            kind="organ", key_unit_reason="重要",
        )  # fmt: skip
        their_id = theirs.id
    client = client_as(app, world, "supervisor")
    token = csrf(client.get("/supervision/units").get_data(as_text=True))
    assert (
        client.post(
            f"/supervision/units/{their_id}/revoke", data={"csrf_token": token, "reason": "x"}
        ).status_code
        == 404
    )
    assert "正定县教育局" not in client.get("/supervision/units").get_data(as_text=True)
