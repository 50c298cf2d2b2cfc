"""The year's plan page: drawn once with its seed shown, verified with one click, its publication
list downloaded (and audited), a month scheduled — for the bureau's staff, the drawing for the
supervisor only."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from cases.models import AuditEntry, Inspection, InspectionPlan, PlanEntry
from cases.plans.publication import read_table
from tests.support.district import YEAR, draw
from tests.support.signin import client_as
from tests.support.world import T0, World


@pytest.fixture
def at_t0(app: Flask) -> Flask:
    app.config["OVERSIGHT_CLOCK"] = lambda: T0
    return app


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("who", ["liaison", "system_admin", "security_admin", "audit_admin"])
def test_only_the_bureaus_staff_see_the_plan(at_t0: Flask, world: World, who: str) -> None:
    assert client_as(at_t0, world, who).get(f"/plans/{YEAR}").status_code == 403


def test_a_year_out_of_range_or_an_undrawn_plan_is_404(at_t0: Flask, world: World) -> None:
    client = client_as(at_t0, world, "leader")
    assert client.get("/plans/1900").status_code == 404
    assert client.get(f"/plans/{YEAR}/electronic/verify").status_code == 404
    assert client.get(f"/plans/{YEAR}/electronic/publication.csv").status_code == 404
    assert client.get(f"/plans/{YEAR}/other/verify").status_code == 404


def test_supervisor_draws_with_a_seed_and_verifies(at_t0: Flask, district: World) -> None:
    client = client_as(at_t0, district, "supervisor")
    html = client.get(f"/plans/{YEAR}").get_data(as_text=True)
    assert 'data-form="draw-electronic"' in html
    drawn = client.post(
        f"/plans/{YEAR}/electronic/draw",
        data={"csrf_token": csrf(html), "seed": "公开摇号2027", "sampling_rate": "8%"},
    )
    assert drawn.status_code == 303
    page = client.get(drawn.headers["Location"]).get_data(as_text=True)
    assert "随机种子：公开摇号2027" in page
    assert '<dd class="seed" data-seed>公开摇号2027</dd>' in page
    assert 'data-regime="electronic" data-drawn="yes"' in page
    verified = client.get(f"/plans/{YEAR}/electronic/verify").get_data(as_text=True)
    assert 'data-verify="match"' in verified
    again = client.post(
        f"/plans/{YEAR}/electronic/draw", data={"csrf_token": csrf(html), "seed": "再来一次"}
    )
    assert again.status_code == 409
    assert "已经抽取，不能重新抽取" in again.get_data(as_text=True)


def test_a_tampered_plan_does_not_verify(at_t0: Flask, district: World) -> None:
    plan_id = draw(district)
    with district.factory() as s:
        entry = s.scalars(select(PlanEntry).where(PlanEntry.plan_id == plan_id).limit(1)).one()
        entry.month = 12 if entry.month != 12 else 11
        s.commit()
    html = client_as(at_t0, district, "leader").get(f"/plans/{YEAR}/electronic/verify")
    assert 'data-verify="mismatch"' in html.get_data(as_text=True)


def test_draw_refusals_are_beside_their_fields(at_t0: Flask, district: World) -> None:
    client = client_as(at_t0, district, "supervisor")
    token = csrf(client.get(f"/plans/{YEAR}").get_data(as_text=True))
    rate = client.post(
        f"/plans/{YEAR}/electronic/draw", data={"csrf_token": token, "sampling_rate": "20%"}
    )
    assert rate.status_code == 422
    html = rate.get_data(as_text=True)
    assert 'data-error-for="sampling_rate">抽查比例须在6%至10%之间' in html
    assert 'value="20%"' in html  # what was typed stays
    seed = client.post(
        f"/plans/{YEAR}/electronic/draw", data={"csrf_token": token, "seed": "x" * 201}
    )
    assert seed.status_code == 422
    assert 'data-error-for="seed">随机种子须为1至200个字符' in seed.get_data(as_text=True)
    with district.factory() as s:
        assert s.scalars(select(InspectionPlan)).all() == []
    inspector = client_as(at_t0, district, "inspector")
    token = csrf(inspector.get(f"/plans/{YEAR}").get_data(as_text=True))
    assert (
        inspector.post(f"/plans/{YEAR}/electronic/draw", data={"csrf_token": token}).status_code
        == 403
    )


def test_publication_list_downloads_as_csv_and_is_audited(at_t0: Flask, district: World) -> None:
    plan_id = draw(district)
    response = client_as(at_t0, district, "leader").get(f"/plans/{YEAR}/electronic/publication.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = read_table(response.get_data(), "csv")
    response.close()
    assert rows[0][0] == "序号" and len(rows) > 10
    with district.factory() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "download").order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None and entry.target == f"plan:{plan_id}"


def test_a_month_is_scheduled_into_the_diary(at_t0: Flask, district: World) -> None:
    plan_id = draw(district)
    client = client_as(at_t0, district, "inspector")
    token = csrf(client.get(f"/plans/{YEAR}").get_data(as_text=True))
    rest_day = client.post(
        f"/plans/{YEAR}/electronic/schedule",
        data={"csrf_token": token, "month": "3", "day": f"{YEAR}-03-06"},  # a Saturday
    )
    assert rest_day.status_code == 422
    assert 'data-error-for="day">检查日期' in rest_day.get_data(as_text=True)
    done = client.post(
        f"/plans/{YEAR}/electronic/schedule", data={"csrf_token": token, "month": "3"}
    )
    assert done.status_code == 303
    with district.factory() as s:
        march = s.scalars(
            select(PlanEntry).where(PlanEntry.plan_id == plan_id, PlanEntry.month == 3)
        ).all()
        assert march and all(e.inspection_id is not None for e in march)
        assert len(s.scalars(select(Inspection)).all()) >= len(march)
