"""The yearly plan in the database, on PostgreSQL and SQLite: draw, record, verify, publish.

The world's luquan gets 40 more units (12 district-direct, 2 key units, 6 under the security
regime); its officers for 2027 are 张明, 李华 and 赵局长 (王强's credential expired in 2025).
"""

from __future__ import annotations

import io
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from cases.core.clock import local_date, utcnow
from cases.core.db import command_session, read_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import (
    Authority,
    Complaint,
    Inspection,
    InspectionPlan,
    PlanEntry,
    Recusal,
    Unit,
)
from cases.plans.draw import ALGORITHM_VERSION
from cases.plans.publication import (
    PUBLICATION_HEADERS,
    export_publication,
    link_inspection,
    publication_progress,
    read_table,
)
from cases.plans.registers import (
    inspectable_items,
    inspectors_register,
    register_table,
    targets_register,
)
from cases.plans.yearly import draw_plan, verify_plan
from cases.registry.credit_code import make_credit_code
from cases.registry.register import register_unit
from tests.support.cli import as_user, audit_entries, signed_out
from tests.support.district import draw
from tests.support.world import T0, World
from web.cli.plans import plan_group

#: The draw's facts are written by COPY on PostgreSQL, by inserts on SQLite.
pytestmark = pytest.mark.both_databases


def entries(factory: sessionmaker[Session], plan_id: int) -> list[PlanEntry]:
    with factory() as s:
        return list(
            s.scalars(select(PlanEntry).where(PlanEntry.plan_id == plan_id).order_by("position"))
        )


def officers(world: World) -> set[int]:
    return {world.ids[n] for n in ("inspector", "inspector2", "supervisor")}


def test_the_drawn_plan_meets_the_quotas_and_verifies(district: World) -> None:
    plan_id = draw(district)
    rows = entries(district.factory, plan_id)
    by_kind: dict[str, list[PlanEntry]] = {}
    for e in rows:
        by_kind.setdefault(e.kind, []).append(e)
    with district.factory() as s:
        units = {u.id: u for u in s.scalars(select(Unit))}
        plan = s.get(InspectionPlan, plan_id)
        assert plan.seed == "公开抽签2027" and plan.algorithm_version == ALGORITHM_VERSION
        assert plan.parameters["sampling_rate"] == 0.08 and plan.parameters["first_month"] == 1
        assert len(plan.inputs["units"]) == 42 and len(plan.inputs_digest) == 64

        sampled = [e.unit_id for e in by_kind["random_sampling"]]
        assert len(sampled) == max(math.ceil(0.08 * 42), 10) == 10
        assert all(units[i].is_district_direct for i in sampled)
        assert sorted(e.unit_id for e in by_kind["key_unit"]) == sorted(
            i for i, u in units.items() if u.is_key_unit
        )
        assert len({e.unit_id for e in by_kind["special"]}) == 2
        for e in rows:
            assert len(set(e.officer_ids)) == 2 and set(e.officer_ids) <= officers(district)

        report = verify_plan(s, plan)
    assert report.matches, report.differences
    assert report.registry_changes == []


def test_a_security_plan_has_a_round_of_two_units_every_month(district: World) -> None:
    plan_id = draw(district, "security", now=datetime(2027, 4, 10, 2, tzinfo=UTC))
    rows = entries(district.factory, plan_id)
    rounds: dict[int, list[PlanEntry]] = {}
    for e in rows:
        if e.kind == "daily":
            rounds.setdefault(e.round_no, []).append(e)
    assert sorted({r[0].month for r in rounds.values()}) == list(range(4, 13))  # from April
    for members in rounds.values():
        assert len({e.unit_id for e in members}) == 2
        assert len({tuple(e.officer_ids) for e in members}) == 1
    security = {district.ids[f"u{n}"] for n in range(30, 34)} | {
        district.ids["unit"],
        district.ids["other_unit"],
    }
    assert {e.unit_id for e in rows} <= security
    assert len([e for e in rows if e.kind == "special"]) == 2


def test_a_second_draw_is_refused(district: World) -> None:
    draw(district)
    with pytest.raises(Conflict):
        draw(district, seed="another seed")
    with district.factory() as s:
        assert s.scalar(select(func.count()).select_from(InspectionPlan)) == 1


def test_without_a_seed_a_random_one_is_recorded(district: World) -> None:
    plan_id = draw(district, seed=None)
    with district.factory() as s:
        plan = s.get(InspectionPlan, plan_id)
        assert len(plan.seed) == 32
        assert verify_plan(s, plan).matches


def test_tampering_with_an_entry_makes_verify_fail(district: World) -> None:
    plan_id = draw(district)
    victim = entries(district.factory, plan_id)[3]
    with district.factory.begin() as s:
        s.execute(
            update(PlanEntry).where(PlanEntry.id == victim.id).values(unit_id=district.ids["u20"])
        )
    with district.factory() as s:
        report = verify_plan(s, s.get(InspectionPlan, plan_id))
    assert not report.matches
    assert report.inputs_intact and not report.result_intact and not report.redraw_matches
    assert any("position 4" in en for _, en in report.differences)


def test_tampering_with_the_recorded_facts_makes_verify_fail(district: World) -> None:
    plan_id = draw(district)
    with district.factory.begin() as s:
        plan = s.get(InspectionPlan, plan_id)
        plan.inputs = {**plan.inputs, "key_units": []}
    with district.factory() as s:
        report = verify_plan(s, s.get(InspectionPlan, plan_id))
    assert not report.matches and not report.inputs_intact


def test_registry_changes_since_the_draw_are_listed(district: World) -> None:
    plan_id = draw(district)
    with command_session(district.factory) as s:
        register_unit(
            s, s.get(Authority, district.ids["luquan"]), name="新登记单位", kind="enterprise",
            credit_code=make_credit_code("91130185000000099"),
        )  # fmt: skip
    with district.factory() as s:
        report = verify_plan(s, s.get(InspectionPlan, plan_id))
    assert report.matches
    assert ("被监管单位：新增1，减少0", "units: 1 added, 0 removed") in report.registry_changes


def test_a_recused_officer_is_never_paired_with_the_unit(district: World) -> None:
    with command_session(district.factory) as s:
        for n in range(1, 41):
            s.add(
                Recusal(
                    officer_id=district.ids["inspector"],
                    unit_id=district.ids[f"u{n}"],
                    reason="曾在该单位任职",
                    since=date(2026, 1, 1),
                )  # fmt: skip
            )
    plan_id = draw(district)
    with district.factory() as s:
        plan = s.get(InspectionPlan, plan_id)
        assert len(plan.inputs["recusals"]) == 40
    for e in entries(district.factory, plan_id):
        if e.unit_id != district.ids["unit"] and e.unit_id != district.ids["other_unit"]:
            assert district.ids["inspector"] not in e.officer_ids


def test_no_two_free_officers_for_a_unit_refuses_the_draw_naming_it(district: World) -> None:
    with command_session(district.factory) as s:
        for who in ("inspector", "inspector2"):
            s.add(
                Recusal(
                    officer_id=district.ids[who],
                    unit_id=district.ids["u40"],
                    reason="近亲属任该单位负责人",
                    since=date(2026, 1, 1),
                )  # fmt: skip
            )
    with pytest.raises(InvalidInput, match="鹿泉区第40单位"):
        draw(district)
    with district.factory() as s:
        assert s.scalar(select(func.count()).select_from(InspectionPlan)) == 0
        assert s.scalar(select(func.count()).select_from(PlanEntry)) == 0


def test_too_few_security_units_refuses_instead_of_a_short_plan(world: World) -> None:
    with command_session(world.factory) as s:
        s.execute(
            update(Unit).where(Unit.id == world.ids["other_unit"]).values(holds_long_term=False)
        )
    with pytest.raises(InvalidInput, match="a check needs 2"):
        draw(world, "security")


@pytest.mark.parametrize("rate", [0.05, 0.12])
def test_a_rate_outside_the_band_is_refused(district: World, rate: float) -> None:
    with pytest.raises(InvalidInput, match="between 0.06 and 0.10"):
        draw(district, sampling_rate=rate)


def test_only_a_supervisor_draws(district: World) -> None:
    with pytest.raises(NotAllowed):
        draw(district, actor="inspector")


def test_a_past_year_or_past_month_is_refused(district: World) -> None:
    with pytest.raises(InvalidInput, match="is over"):
        draw(district, now=datetime(2028, 1, 5, 2, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="months already past"):
        draw(district, now=datetime(2027, 6, 5, 2, tzinfo=UTC), first_month=2)


def test_complaints_weigh_and_last_years_draws_are_recorded(district: World) -> None:
    with command_session(district.factory) as s:
        s.add(
            Complaint(
                authority_id=district.ids["luquan"],
                source="public",
                unit_id=district.ids["u5"],
                content="电子档案未按规定归档",
                received_by_id=district.ids["inspector"],
                received_at=T0 - timedelta(days=30),
            )  # fmt: skip
        )
    first = draw(district, now=T0, seed="2026")  # the 2027 plan
    with command_session(district.factory) as s:
        plan_2028 = draw_plan(
            s, s.get(Authority, district.ids["luquan"]), 2028, "electronic", seed="2028",
            actor=district.user(s, "supervisor"), now=datetime(2027, 3, 1, 2, tzinfo=UTC),
        )  # fmt: skip
        inputs = plan_2028.inputs
    with district.factory() as s:
        plan_2027 = s.get(InspectionPlan, first)
        assert district.ids["u5"] in plan_2027.inputs["flagged"]
        assert plan_2027.parameters["complaint_weight"] == 2.0
    sampled_2027 = {
        e.unit_id for e in entries(district.factory, first) if e.kind == "random_sampling"
    }
    assert {u for u, year in inputs["last_drawn"]} == sampled_2027
    assert inputs["flagged"] == []  # the complaint is more than a year old by then
    # 13 direct units, 10 sampled in 2027: the 3 left out come first in 2028.
    sampled_2028 = {
        e.unit_id for e in entries(district.factory, plan_2028.id) if e.kind == "random_sampling"
    }
    with district.factory() as s:
        direct = set(s.scalars(select(Unit.id).where(Unit.is_district_direct)))
    assert direct - sampled_2027 <= sampled_2028
    assert len(sampled_2028 & sampled_2027) == 7


def test_the_publication_list_has_no_internal_fields(district: World) -> None:
    plan_id = draw(district)
    with read_session(district.factory) as s:
        plan = s.get(InspectionPlan, plan_id)
        xlsx = export_publication(s, plan, "xlsx")
        csv_ = export_publication(s, plan, "csv")
        n = s.scalar(select(func.count()).where(PlanEntry.plan_id == plan_id))
        seed, digest = plan.seed, plan.result_digest
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(table[0]) == PUBLICATION_HEADERS
    assert len(table) == n + 1
    assert read_table(csv_, "csv") == [["" if c is None else str(c) for c in row] for row in table]
    text = "\n".join(str(c) for row in table for c in row)
    for secret in (seed, digest, "random_sampling", "key_unit", "weight", "id"):
        assert secret not in text
    first = dict(zip(table[0], table[1], strict=True))
    assert first["监管事项"] == "电子档案事项监管"
    assert first["计划月份"].startswith("2027年")
    assert "冀鹿00" in first["执法检查人员（执法证号）"]
    assert len(first["统一社会信用代码"]) == 18


def test_each_drawn_inspection_is_tracked_to_publication(app: Flask, district: World) -> None:
    plan_id = draw(district)
    first = entries(district.factory, plan_id)[0]
    with command_session(district.factory) as s:
        unit = s.get(Unit, first.unit_id)
        inspection, _ = record_inspection(
            s, unit=unit, regime="electronic", kind=first.kind, inspection_date=date(2027, 1, 15),
            officers=[district.user(s, "inspector"), district.user(s, "inspector2")],
            outcomes={"EA-1": ItemOutcome("conform")}, actor=district.user(s, "inspector"),
            now=datetime(2027, 1, 15, 3, tzinfo=UTC),
        )  # fmt: skip
        assert link_inspection(s, inspection).id == first.id
        inspection_id = inspection.id
    with district.factory() as s:
        plan = s.get(InspectionPlan, plan_id)
        # 2027-01-15 + 20 working days (no official 2027 calendar: Monday–Friday minus the
        # statutory 春节 02-05..08) = 2027-02-16
        awaiting = publication_progress(s, plan, datetime(2027, 2, 1, tzinfo=UTC))[0]
        assert awaiting.status == "awaiting_publication"
        assert local_date(awaiting.due_at) == date(2027, 2, 17)  # 24:00 on 16 February
        assert (
            publication_progress(s, plan, datetime(2027, 3, 1, tzinfo=UTC))[0].status == "overdue"
        )
        assert publication_progress(s, plan, datetime(2027, 3, 1, tzinfo=UTC))[1].status == (
            "not_inspected"
        )
    status = as_user(app, district, "zhang", "status", "2027", "--regime", "electronic",
                     command=plan_group)  # fmt: skip
    assert status.exit_code == 0, status.output
    # the last day's 24:00, shown by the one deadline rule — not "2027-02-17"
    assert "due 2027-02-16 24:00" in status.output and "2027-02-17" not in status.output
    with command_session(district.factory) as s:
        s.get(Inspection, inspection_id).published_at = datetime(2027, 2, 10, 2, tzinfo=UTC)
    with district.factory() as s:
        done = publication_progress(s, s.get(InspectionPlan, plan_id), utcnow())[0]
        assert done.status == "published"


def test_the_registers(district: World) -> None:
    with district.factory() as s:
        luquan = s.get(Authority, district.ids["luquan"])
        items = inspectable_items(s, "security", date(2026, 3, 1))
        assert [i.code for i in items] == [f"AS-{n}" for n in range(1, 9)]
        assert any("《中华人民共和国档案法》" in c for c in items[0].legal_basis)
        assert any("实施条例" in c for c in items[0].legal_basis)
        before = inspectable_items(s, "electronic", date(2023, 6, 1))
        assert not any("实施条例" in c for c in before[0].legal_basis)  # in force 2024-03-01

        targets = targets_register(s, luquan, "security")
        assert len(targets) == 6 and all(
            t.holds_long_term or t.holds_national_catalog for t in targets
        )
        assert len(targets_register(s, luquan, "electronic")) == 42

        people = {i.name: i for i in inspectors_register(s, luquan, date(2026, 3, 2))}
        assert set(people) == {"张明", "李华", "王强", "赵局长"}
        assert not people["王强"].valid_on and people["张明"].valid_on
        headers, rows = register_table(s, "inspectors", luquan, "electronic", date(2026, 3, 2))
        assert "执法证号" in headers and len(rows) == 4


# ---- the command line ------------------------------------------------------------------------


def test_cli_draws_verifies_and_exports(app: Flask, district: World, tmp_path: Path) -> None:
    year = str(local_date(utcnow()).year + 1)
    run = app.test_cli_runner()
    drawing = ["draw", year, "--regime", "electronic", "--authority", "luquan"]
    unsigned = signed_out(app, *drawing, command=plan_group)
    assert unsigned.exit_code == 77 and "not signed in" in unsigned.output
    by_inspector = as_user(app, district, "zhang", *drawing, command=plan_group)
    assert by_inspector.exit_code == 1 and "Only a supervisor" in by_inspector.output
    drawn = as_user(
        app, district, "zhao", *drawing, "--seed", "abc", "--rate", "0.1", command=plan_group
    )
    assert drawn.exit_code == 0, drawn.output
    assert "seed=abc" in drawn.output and "抽查（全面检查）" in drawn.output
    entries = [(e.actor_username, e.outcome) for e in audit_entries(district, "plan_draw")]
    assert entries == [("zhang", "refused"), ("zhao", "success")]  # a draw is a supervisor's
    assert audit_entries(district, "plan_draw")[-1].detail["seed"] == "abc"

    again = as_user(app, district, "zhao", *drawing, command=plan_group)
    assert again.exit_code != 0 and "no redraw" in again.output

    ok = run.invoke(plan_group, ["verify", year, "--authority", "luquan"])
    assert ok.exit_code == 0, ok.output
    assert "一致 (matches)" in ok.output

    out = tmp_path / "公示.xlsx"
    exported = as_user(app, district, "zhang", "export", year, "--regime", "electronic",
                       "--format", "xlsx", str(out), command=plan_group)  # fmt: skip
    assert exported.exit_code == 0, exported.output
    [export_entry] = audit_entries(district, "plan_export")
    assert export_entry.actor_username == "zhang" and export_entry.detail["format"] == "xlsx"
    assert signed_out(app, "export", year, "--regime", "electronic", "--format", "xlsx",
                      str(out), command=plan_group).exit_code == 77  # fmt: skip
    assert read_table(out.read_bytes(), "xlsx")[0] == list(PUBLICATION_HEADERS)

    with district.factory.begin() as s:
        s.execute(update(PlanEntry).where(PlanEntry.position == 1).values(month=12))
    bad = run.invoke(
        plan_group, ["verify", year, "--regime", "electronic", "--authority", "luquan"]
    )
    assert bad.exit_code == 1
    assert "DOES NOT MATCH" in bad.output and "position 1" in bad.output

    items = run.invoke(
        plan_group, ["registers", "items", "--regime", "electronic", "--authority", "luquan"]
    )
    assert items.exit_code == 0 and "EA-6" in items.output

    status = as_user(app, district, "zhang", "status", year, "--regime", "electronic",
                     command=plan_group)  # fmt: skip
    assert status.exit_code == 0 and "尚未检查 (not inspected yet)" in status.output
