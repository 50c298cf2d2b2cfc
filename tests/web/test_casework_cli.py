"""``oversight referral`` and ``oversight circular``: the services from the command line, their
refusals as one clear line in both languages."""

from __future__ import annotations

from flask import Flask

from tests.support.world import World
from web.cli.main import main


def test_referral_create_answer_list(app: Flask, world: World) -> None:
    case_id = world.case_for_state("rectifying")
    runner = app.test_cli_runner()
    created = runner.invoke(
        main,
        ["referral", "create", "--actor", "zhao", "--case", str(case_id), "--organ",
         "appointing", "--body", "鹿泉区教育局党组", "--facts", "未建立归档登记制度",
         "--leader", "王某:办公室主任", "--direct", "刘某：档案员"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    referral_id = created.output.split("#")[1].split(":")[0]
    listed = runner.invoke(main, ["referral", "list", "--actor", "zhao"])
    assert "王某（办公室主任）、刘某（档案员）" in listed.output
    refused = runner.invoke(
        main,
        ["referral", "answer", "--actor", "zhang", "--referral", referral_id, "--outcome", "x"],
    )
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    answered = runner.invoke(
        main,
        ["referral", "answer", "--actor", "zhao", "--referral", referral_id, "--outcome", "诫勉"],
    )
    assert answered.exit_code == 0 and "answered" in answered.output


def test_circular_make_publish_list(app: Flask, world: World) -> None:
    case_id = world.case_for_state("verified", regime="security")
    runner = app.test_cli_runner()
    made = runner.invoke(
        main,
        ["circular", "make", "--actor", "zhao", "--case", str(case_id), "--title", "情况通报",
         "--content", "现予通报"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    circular_id = made.output.split("#")[1].split(":")[0]
    assert "草稿" in runner.invoke(main, ["circular", "list", "--actor", "zhao"]).output
    published = runner.invoke(
        main,
        ["circular", "publish", "--actor", "zhao", "--circular", circular_id, "--take-down",
         "2099-12-31"],
    )  # fmt: skip
    assert published.exit_code == 0, published.output
    assert "2099-12-31当日24时" in published.output
    public = runner.invoke(main, ["circular", "list", "--actor", "zhao", "--public"])
    assert f"#{circular_id}" in public.output
