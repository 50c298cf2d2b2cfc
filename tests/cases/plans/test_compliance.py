"""The year's compliance report: targets, done, remaining and on-track per quota, and the
archive-security daily checks month by month (DESIGN §3)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cases.complaints.intake import receive_complaint
from cases.core.db import command_session
from cases.core.errors import InvalidInput
from cases.core.settings import load_settings
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Authority, InspectionPlan, PlanEntry, Unit
from cases.plans.compliance import LABELS, ComplianceReport, compliance
from cases.plans.quota_watch import UNITS_PER_CHECK, daily_rounds
from cases.reference.data import checklist_for
from cases.registry.credit_code import make_credit_code
from cases.registry.register import register_unit
from tests.support.cli import as_user, signed_out
from tests.support.world import World
from web.app import create_app
from web.cli.complaints import compliance_command

TODAY = date(2026, 7, 15)  # six months (January–June) have ended


def build(world: World) -> None:
    """100 units in Luquan (the World's two plus 98): 3 district-direct, 2 key units, 3 under
    the security regime."""
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        for n in range(3, 101):
            flags: dict[str, object] = {}
            if n in (3, 4):
                flags["is_district_direct"] = True
            if n in (5, 6):
                flags["key_unit_reason"] = "保管大量电子档案"
            if n == 7:
                flags["holds_national_catalog"] = True
            unit = register_unit(
                s, luquan, name=f"鹿泉单位{n:03d}",
                credit_code=make_credit_code(f"911301850000{n:05d}"), kind="enterprise", **flags,
            )  # fmt: skip
            world.ids[f"u{n}"] = unit.id


def inspect(world: World, unit: str, regime: str, kind: str, day: date) -> int:
    """A done inspection: every item conforms and the record is complete (``recorded``)."""
    items = {item.code: ItemOutcome("conform") for item in checklist_for(regime, day).items}
    with command_session(world.factory) as s:
        inspector = world.user(s, "inspector")
        inspection, _ = record_inspection(
            s, unit=s.get(Unit, world.ids[unit]), regime=regime, kind=kind, inspection_date=day,
            officers=[inspector, world.user(s, "inspector2")], outcomes=items, actor=inspector,
            record_content="例行检查", now=datetime.combine(day, datetime.min.time(), UTC),
            special_topic="major_hazard" if kind == "special" else None,
        )  # fmt: skip
        if inspection.status == "in_progress":  # the record machine's quick path stops here
            from cases.inspections.door import advance_inspection

            advance_inspection(
                s, inspection.id, "record", inspector,
                now=datetime.combine(day, datetime.min.time(), UTC),
            )  # fmt: skip
        assert inspection.status == "recorded"
        return inspection.id


def report(world: World, year: int = 2026, today: date = TODAY, **kw: str) -> ComplianceReport:
    with world.factory() as s:
        return compliance(s, s.get(Authority, world.ids["luquan"]), year, today=today, **kw)


def record_the_half_year(world: World) -> dict[str, int]:
    e, sec = "electronic", "security"
    ids = {
        "unit_march": inspect(world, "unit", e, "random_sampling", date(2026, 3, 5)),
        "unit_may": inspect(world, "unit", e, "random_sampling", date(2026, 5, 5)),  # again
        "u3": inspect(world, "u3", e, "random_sampling", date(2026, 6, 10)),
        "u10": inspect(world, "u10", e, "random_sampling", date(2026, 2, 1)),
        "u11": inspect(world, "u11", e, "random_sampling", date(2026, 4, 1)),
        "last_year": inspect(world, "u12", e, "random_sampling", date(2025, 12, 30)),
        "special": inspect(world, "u20", e, "special", date(2026, 6, 1)),
        "complaint": inspect(world, "u21", e, "complaint", date(2026, 4, 1)),
    }
    inspect(world, "unit", sec, "daily", date(2026, 1, 12))  # January: one round of two
    inspect(world, "other_unit", sec, "daily", date(2026, 1, 12))
    inspect(world, "unit", sec, "daily", date(2026, 2, 3))  # February: two rounds of one
    inspect(world, "other_unit", sec, "daily", date(2026, 2, 4))
    inspect(world, "unit", sec, "daily", date(2026, 7, 8))  # July: met already
    inspect(world, "u7", sec, "daily", date(2026, 7, 8))
    return ids


def test_targets_done_remaining_and_on_track_without_a_plan(world: World) -> None:
    build(world)
    record_the_half_year(world)
    got = report(world)
    assert got.plan_ids == {"electronic": None, "security": None}

    sampling = got.row("random_sampling")
    # ceil(0.08 × 100) = 8; the World's 教育局 sampled twice counts once; 2025 does not count
    assert (sampling.target, sampling.done, sampling.remaining) == (8, 4, 4)
    assert (sampling.expected, sampling.on_track) == (4, True)  # floor(8 × 6/12)
    direct = got.row("random_sampling_direct")  # fewer than 10 direct units exist: all 3
    assert (direct.target, direct.done, direct.expected, direct.on_track) == (3, 2, 1, True)
    key = got.row("key_unit")
    assert (key.target, key.done, key.expected, key.on_track) == (2, 0, 1, False)
    assert "应完成1" in key.why_zh and "1 expected" in key.why_en
    special = got.row("special")
    assert (special.target, special.done, special.remaining, special.on_track) == (2, 1, 1, True)

    daily = got.row("daily_checks")
    assert (daily.target, daily.done, daily.expected, daily.on_track) == (12, 2, 6, False)
    assert "2月、3月、4月、5月、6月" in daily.why_zh
    campaign = got.row("security_campaign")
    assert (campaign.target, campaign.done, campaign.expected, campaign.on_track) == (1, 0, 0, True)

    complaint = got.row("complaint", "electronic")
    assert (complaint.target, complaint.done, complaint.on_track) == (None, 1, None)
    assert got.row("complaint", "security").done == 0


def test_daily_checks_month_by_month(world: World) -> None:
    build(world)
    record_the_half_year(world)
    months = {m.month: m for m in report(world).months}
    jan, feb, jul = months[1], months[2], months[7]
    assert (jan.rounds, jan.full_rounds, jan.units_covered, jan.status, jan.met) == (
        1, 1, 2, "met", True,
    )  # fmt: skip
    assert (feb.rounds, feb.units_covered, feb.largest_round, feb.status, feb.met) == (
        2, 2, 1, "short", False,
    )  # fmt: skip
    assert [months[m].status for m in (3, 4, 5, 6)] == ["short"] * 4
    assert (jul.status, jul.met) == ("met", True)  # the current month, already met
    assert [months[m].status for m in range(8, 13)] == ["not_yet_due"] * 5
    assert all(months[m].met is None for m in range(8, 13))
    # the same rule as the monthly quota watch (a round is one day's checks, ≥2 units)
    with world.factory() as s:
        for month in range(1, 7):
            rounds = daily_rounds(s, world.ids["luquan"], date(2026, month, 1))
            watch_met = any(n >= UNITS_PER_CHECK for n in rounds.values())
            assert months[month].met is watch_met


def test_the_current_month_is_in_progress_until_met(world: World) -> None:
    build(world)
    inspect(world, "unit", "security", "daily", date(2026, 7, 8))
    months = {m.month: m for m in report(world, regime="security").months}
    assert (months[7].status, months[7].met, months[7].rounds) == ("in_progress", None, 1)


def test_a_past_year_is_judged_by_its_targets_and_a_future_year_is_not_yet_due(
    world: World,
) -> None:
    build(world)
    record_the_half_year(world)
    past = report(world, 2025)
    sampling = past.row("random_sampling")
    assert (sampling.done, sampling.expected, sampling.on_track) == (1, 8, False)
    assert "2025年已结束" in sampling.why_zh
    assert [m.status for m in past.months] == ["short"] * 12
    assert past.row("daily_checks").on_track is False

    future = report(world, 2027)
    assert [m.status for m in future.months] == ["not_yet_due"] * 12
    assert all(r.on_track is not False for r in future.rows)
    assert {r.expected for r in future.rows if r.target is not None} == {0}

    year_end = report(world, 2026, today=date(2027, 1, 1))  # 2026 seen from the next year
    assert year_end.row("special").on_track is False and year_end.row("special").expected == 2


def test_regime_filter(world: World) -> None:
    build(world)
    electronic = report(world, regime="electronic")
    assert {r.regime for r in electronic.rows} == {"electronic"} and electronic.months == []
    assert [r.key for r in report(world, regime="security").rows] == [
        "daily_checks", "security_campaign", "complaint",
    ]  # fmt: skip


def add_plan(world: World, regime: str, parameters: dict, entries: list[tuple]) -> None:
    with command_session(world.factory) as s:
        plan = InspectionPlan(
            authority_id=world.ids["luquan"], year=2026, regime=regime, seed="test-seed",
            algorithm_version=1, parameters=parameters, inputs={}, inputs_digest="0" * 64,
            result_digest="0" * 64, drawn_at=datetime(2026, 1, 5, tzinfo=UTC),
            drawn_by_id=world.ids["supervisor"],
        )  # fmt: skip
        s.add(plan)
        s.flush()
        for position, (unit, kind, month, inspection_id) in enumerate(entries, start=1):
            s.add(
                PlanEntry(
                    plan_id=plan.id, position=position, unit_id=world.ids[unit], kind=kind,
                    month=month, officer_ids=[world.ids["inspector"], world.ids["inspector2"]],
                    inspection_id=inspection_id,
                )
            )  # fmt: skip


def test_with_a_plan_its_parameters_set_targets_and_its_schedule_sets_the_pace(
    world: World,
) -> None:
    build(world)
    ids = record_the_half_year(world)
    rs = "random_sampling"
    add_plan(
        world, "electronic", {"sampling_rate": 0.07, "min_special": 3},
        [
            ("unit", rs, 3, ids["unit_march"]),  # linked and done
            ("u10", rs, 2, None),  # not linked, but u10 was sampled in February
            ("u30", rs, 5, None),  # May has ended: overdue
            ("u40", rs, 9, None),  # September: not due yet
            ("u5", "key_unit", 10, None),  # key units scheduled for the autumn
            ("u6", "key_unit", 11, None),
        ],
    )  # fmt: skip
    add_plan(world, "security", {"daily_units_per_round": 3}, [])
    got = report(world)
    assert set(got.plan_ids) == {"electronic", "security"} and None not in got.plan_ids.values()

    sampling = got.row("random_sampling")
    assert sampling.target == 7  # ceil(0.07 × 100) = 7 exactly (decimal, not 7.000000000000001)
    assert (sampling.expected, sampling.on_track) == (3, False)
    assert "鹿泉单位030（5月）" in sampling.why_zh and "1 not done" in sampling.why_en
    key = got.row("key_unit")  # behind pro rata, but on the plan's schedule
    assert (key.expected, key.on_track) == (0, True)
    assert got.row("special").target == 3
    # the security plan asks three units a check: January's round of two falls short
    assert {m.month: m.status for m in got.months}[1] == "short"

    inspect(world, "u30", "electronic", rs, date(2026, 7, 10))
    assert report(world).row("random_sampling").on_track is True


def test_planned_inspections_are_not_done(world: World) -> None:
    """Only recorded, signed or archived inspections count; a scheduled one waits."""
    build(world)
    with command_session(world.factory) as s:
        receive_complaint(
            s, s.get(Authority, world.ids["luquan"]), source="public", content="档案丢失",
            unit_id=world.ids["u20"], actor=world.user(s, "inspector"),
            now=datetime(2026, 7, 1, 2, tzinfo=UTC),
        )  # fmt: skip
    row = report(world).row("complaint", "electronic")
    assert (row.done, row.why_en) == (0, "No target: 0 done, 1 scheduled or under way")


@pytest.mark.parametrize("regime", ["paper", None])
def test_bad_arguments(world: World, regime: str | None) -> None:
    with pytest.raises(InvalidInput):
        if regime:
            report(world, regime=regime)
        else:
            report(world, 1899)


@pytest.mark.committing
def test_the_compliance_command_prints_the_table(
    world: World, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    build(world)
    record_the_half_year(world)
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "compliance-cli"}
    ).with_(database_url=url)
    app = create_app(settings)
    try:
        result = as_user(
            app,
            world,
            "zhang",
            "2026",
            "--authority",
            "luquan",
            "--today",
            "2026-07-15",
            command=compliance_command,
        )
        # without --authority: the signed-in officer's own; another authority's is refused
        own = as_user(app, world, "zhang", "2026", "--today", "2026-07-15",
                      command=compliance_command)  # fmt: skip
        foreign = as_user(app, world, "zd1", "2026", "--authority", "luquan",
                          command=compliance_command)  # fmt: skip
        anonymous = signed_out(app, "2026", command=compliance_command)
    finally:
        app.extensions["oversight.engine"].dispose()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2026年检查指标完成情况（截至2026-07-15）"
    sampling = next(line for line in lines if line.split()[1:2] == ["抽查（辖区单位6%–10%）"])
    assert sampling.split()[0] == "电子档案事项监管"  # each row labelled with its regime
    assert sampling.split()[2:7] == ["8", "4", "4", "4", "是"]
    daily = next(line for line in lines if line.split()[1:2] == [LABELS["daily_checks"][0]])
    assert daily.split()[0] == "档案安全事项监管"
    assert any(line.startswith("2月") and "未达标 short" in line for line in lines)
    assert own.exit_code == 0 and own.output == result.output
    assert foreign.exit_code == 1 and "不属于本机关" in foreign.output
    assert anonymous.exit_code == 77
