"""``oversight referral`` and ``oversight circular``: the services from the command line as the
signed-in user, their refusals as one clear line in both languages (and in the audit log)."""

from __future__ import annotations

from flask import Flask

from tests.support.cli import as_user, audit_entries
from tests.support.world import World


def test_referral_create_answer_list(app: Flask, world: World) -> None:
    case_id = world.case_for_state("rectifying")
    created = as_user(
        app, world, "zhao", "referral", "create", "--case", str(case_id), "--organ",
        "appointing", "--body", "鹿泉区教育局党组", "--facts", "未建立归档登记制度",
        "--leader", "王某:办公室主任", "--direct", "刘某：档案员",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    referral_id = created.output.split("#")[1].split(":")[0]
    listed = as_user(app, world, "zhao", "referral", "list")
    assert "王某（办公室主任）、刘某（档案员）" in listed.output
    refused = as_user(
        app, world, "zhang", "referral", "answer", "--referral", referral_id, "--outcome", "x"
    )
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    answered = as_user(
        app, world, "zhao", "referral", "answer", "--referral", referral_id, "--outcome", "诫勉"
    )
    assert answered.exit_code == 0 and "answered" in answered.output
    (made,) = audit_entries(world, "referral_create")
    assert (made.actor_username, made.outcome) == ("zhao", "success")
    assert made.target == f"referral:{referral_id}"
    outcomes = [(e.actor_username, e.outcome) for e in audit_entries(world, "referral_answer")]
    assert outcomes == [("zhang", "refused"), ("zhao", "success")]
    assert audit_entries(world, "referral_list") == []  # reads are not audited


def test_circular_make_publish_list(app: Flask, world: World) -> None:
    case_id = world.case_for_state("verified", regime="security")
    made = as_user(
        app, world, "zhao", "circular", "make", "--case", str(case_id), "--title", "情况通报",
        "--content", "现予通报",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    circular_id = made.output.split("#")[1].split(":")[0]
    assert "草稿" in as_user(app, world, "zhao", "circular", "list").output
    published = as_user(
        app, world, "zhao", "circular", "publish", "--circular", circular_id, "--take-down",
        "2099-12-31",
    )  # fmt: skip
    assert published.exit_code == 0, published.output
    assert "2099-12-31当日24时" in published.output
    public = as_user(app, world, "zhao", "circular", "list", "--public")
    assert f"#{circular_id}" in public.output
    (entry,) = audit_entries(world, "circular_publish")
    assert entry.target == f"circular:{circular_id}" and entry.actor_username == "zhao"
