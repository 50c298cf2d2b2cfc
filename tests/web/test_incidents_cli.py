"""``oversight incident`` and ``oversight selfreport``: each command's help, its work, and its
refusals as one line with exit status 1."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Incident, SelfReport, Unit
from cases.registry.credit_code import make_credit_code
from tests.support.cli import as_user
from tests.support.world import World
from web.cli.main import main

UNIT = make_credit_code("11130185000000001")


def run(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, list(args))


@pytest.mark.parametrize(
    "command",
    [
        ("incident",), ("incident", "report"), ("incident", "list"), ("incident", "open-case"),
        ("selfreport",), ("selfreport", "file"), ("selfreport", "overdue"),
        ("selfreport", "refuse"), ("selfreport", "remind"),
    ],
)  # fmt: skip
def test_every_command_has_help(app: Flask, command: tuple[str, ...]) -> None:
    result = run(app, *command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_report_list_and_open_a_case(app: Flask, world: World) -> None:
    reported = as_user(
        app, world, "liaison", "incident", "report", "--unit", UNIT, "--kind", "leak",
        "--what", "内部目录外泄", "--occurred", "2026-03-01 20:00", "--scale", "目录1册",
    )  # fmt: skip
    assert reported.exit_code == 0, reported.output
    with world.factory() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.occurred_at.isoformat() == "2026-03-01T12:00:00+00:00"
        inspection, _ = record_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="security", kind="special",
            inspection_date=world.now.date(),
            officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
            outcomes={"AS-1": ItemOutcome("conform")}, actor=world.user(s, "inspector"),
            now=world.now,
        )  # fmt: skip
        s.commit()
        incident_id, inspection_id = incident.id, inspection.id
    listed = as_user(app, world, "zhao", "incident", "list", "--open-only")
    assert f"#{incident_id}" in listed.output and "未立案" in listed.output
    opened = as_user(
        app, world, "zhang", "incident", "open-case", str(incident_id), "--inspection", str(inspection_id), "--item", "AS-3", "--serious",
    )  # fmt: skip
    assert opened.exit_code == 0, opened.output
    assert "案件" in opened.output and "detected" in opened.output
    again = as_user(
        app, world, "zhang", "incident", "open-case", str(incident_id), "--inspection", str(inspection_id), "--item", "AS-3",
    )  # fmt: skip
    assert again.exit_code == 1 and "已立案" in again.output and "Traceback" not in again.output
    assert "没有事故报告" in as_user(app, world, "zhao", "incident", "list", "--open-only").output


def test_a_liaison_cannot_report_for_another_unit(app: Flask, world: World) -> None:
    result = as_user(
        app, world, "liaison2", "incident", "report", "--unit", UNIT, "--kind", "damage",
        "--what", "漏水", "--occurred", "2026-03-01",
    )  # fmt: skip
    assert result.exit_code == 1 and "本单位" in result.output


def test_file_refuse_overdue_and_remind(app: Flask, world: World) -> None:
    other = make_credit_code("11130185000000002")
    filed = as_user(
        app, world, "liaison", "selfreport", "file", "--unit", UNIT, "--year", "2026",
        "--content", "自查情况良好",
    )  # fmt: skip
    assert filed.exit_code == 0, filed.output
    refused = as_user(
        app, world, "zhang", "selfreport", "refuse", "--unit", other, "--year", "2026",
        "--reason", "书面答复拒不报送",
    )  # fmt: skip
    assert refused.exit_code == 0, refused.output
    listed = as_user(
        app,
        world,
        "zhao",
        "selfreport",
        "overdue",
        "2026",
        "--authority",
        "luquan",
        "--today",
        "2026-12-05",
    )
    assert listed.exit_code == 0, listed.output
    assert "鹿泉区卫生健康局" in listed.output and "拒报" in listed.output
    assert "鹿泉区教育局" not in listed.output
    early = as_user(
        app,
        world,
        "zhao",
        "selfreport",
        "overdue",
        "2026",
        "--authority",
        "luquan",
        "--today",
        "2026-11-30",
    )
    assert "没有逾期未报的单位" in early.output
    reminded = run(
        app, "selfreport", "remind", "2027", "--authority", "luquan", "--today", "2027-11-20"
    )
    assert reminded.exit_code == 0 and "提醒2家单位" in reminded.output, reminded.output
    with world.factory() as s:
        assert len(s.scalars(select(SelfReport).where(SelfReport.year == 2027)).all()) == 2
    twice = as_user(
        app, world, "liaison", "selfreport", "file", "--unit", UNIT, "--year", "2026",
        "--content", "再报一次",
    )  # fmt: skip
    assert twice.exit_code == 1 and "已报送" in twice.output
