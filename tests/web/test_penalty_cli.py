"""``oversight penalty open|advance|show``: filing, firing a trigger and reading a penalty back,
and a refusal as one line in both languages."""

from __future__ import annotations

from click.testing import Result
from flask import Flask

from tests.support.cli import as_user
from tests.support.world import World
from web.cli.main import main


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(main, ["penalty", *args])


def run_as(app: Flask, world: World, who: str, *args: str) -> Result:
    return as_user(app, world, who, "penalty", *args)


def test_open_advance_show(app: Flask, world: World) -> None:
    assert run(app, "--help").exit_code == 0
    officers = ["--officer", str(world.ids["inspector"]), "--officer", str(world.ids["inspector2"])]
    result = run_as(
        app, world, "zhao", "open", "--file-no", "鹿档罚立〔2026〕1号", "--party", "某公司",
        "--party-kind", "unit", "--authority", "luquan", *officers,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "已立案 (filed)" in result.output
    pid = result.output.split("#")[1].split()[0]
    result = run_as(app, world, "zhang", "advance", pid, "investigate")
    assert result.exit_code == 0, result.output
    assert "调查中 (investigating)" in result.output
    result = run_as(
        app, world, "zhang", "advance", pid, "submit_review", "--set", "facts=擅自复制",
        "--set", "offence=service_company", "--set", "party_kind=unit",
        "--set", "sanctions=warning,fine", "--set", "amount=500",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "outside the range of ¥20000–200000" in result.output
    assert "Traceback" not in result.output
    result = run_as(app, world, "zhang", "show", pid)
    assert result.exit_code == 0, result.output
    assert "调查中 (investigating)" in result.output and "decision_due" in result.output
    assert "开始调查 → investigating" in result.output


def test_a_reader_without_the_duty_is_refused(app: Flask, world: World) -> None:
    result = run_as(app, world, "liaison", "show", "1")
    assert result.exit_code == 1


def test_open_with_a_registered_unit_and_show_its_deadlines(app: Flask, world: World) -> None:
    from cases.models import Unit

    with world.factory() as s:
        unit = s.get(Unit, world.ids["unit"])
        assert unit is not None
        code, name = unit.credit_code, unit.name
    officers = ["--officer", str(world.ids["inspector"]), "--officer", str(world.ids["inspector2"])]
    result = run_as(
        app, world, "zhao", "open", "--file-no", "鹿档罚立〔2026〕2号", "--unit", code,
        "--authority", "luquan", "--filed-on", "2026-03-02", *officers,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pid = result.output.split("#")[1].split()[0]
    result = run_as(app, world, "zhang", "show", pid)
    assert result.exit_code == 0, result.output
    assert f"当事人 party: {name} (unit)" in result.output
    assert f"credit code: {code}" in result.output
    assert "行政处罚决定期限 (penalty_decision) 至 2026-05-31 24:00  待执行 (pending)" in (
        result.output
    )
    result = run_as(
        app, world, "zhao", "open", "--file-no", "x", "--unit", code, "--party", "某公司",
        "--authority", "luquan", *officers,
    )  # fmt: skip
    assert result.exit_code != 0 and "--party or --unit" in result.output
    assert "Traceback" not in result.output
