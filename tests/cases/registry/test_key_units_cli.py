"""``oversight units designate-key`` and ``revoke-key``: a supervisor designates and revokes a
key monitored unit after the import, with a reason kept in the register's history."""

from __future__ import annotations

from click.testing import Result
from flask import Flask
from sqlalchemy import select

from cases.models import RegistryEvent, Unit
from cases.registry.credit_code import make_credit_code
from tests.support.cli import as_user, audit_entries
from tests.support.world import World
from web.cli.registry import units_group

CODE = make_credit_code("11130185000000001")  # the World's 鹿泉区教育局


def cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(units_group, list(args))


def cli_as(app: Flask, world: World, who: str, *args: str) -> Result:
    return as_user(app, world, who, *args, command=units_group)


def unit(world: World) -> Unit:
    with world.factory() as s:
        return s.scalars(select(Unit).where(Unit.credit_code == CODE)).one()


def events(world: World) -> list[tuple[str, str]]:
    with world.factory() as s:
        return [
            (e.kind, e.reason)
            for e in s.scalars(
                select(RegistryEvent)
                .where(RegistryEvent.unit_id == world.ids["unit"])
                .order_by(RegistryEvent.seq)
            )
        ]


def test_designate_and_revoke_a_key_unit_from_the_command_line(app: Flask, world: World) -> None:
    designate = ["designate-key", "--unit", CODE.lower(), "--reason", "保管大量重要电子档案"]
    result = cli_as(app, world, "zhang", *designate, "--since", "2026-01-01")
    assert result.exit_code == 1 and "科室/馆领导" in result.output  # an inspector may not
    assert unit(world).is_key_unit is False
    result = cli_as(app, world, "zhao", *designate, "--since", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert "已指定重点监控单位 key unit designated: 鹿泉区教育局（自2026-01-01起）" in result.output
    designated = unit(world)
    assert (designated.is_key_unit, designated.key_unit_reason) == (True, "保管大量重要电子档案")
    again = cli_as(app, world, "zhao", *designate)
    assert again.exit_code == 1 and "已是重点监控单位" in again.output

    revoke = ["revoke-key", "--unit", CODE, "--reason"]
    blank = cli_as(app, world, "zhao", *revoke, " ")
    assert blank.exit_code == 1 and "撤销重点监控的理由" in blank.output
    result = cli_as(app, world, "zhao", *revoke, "整改完成")
    assert result.exit_code == 0, result.output
    assert "已撤销重点监控 key unit revoked: 鹿泉区教育局" in result.output
    assert unit(world).is_key_unit is False
    assert events(world)[-2:] == [
        ("key_unit_designated", "保管大量重要电子档案"), ("key_unit_revoked", "整改完成"),
    ]  # fmt: skip
    assert cli_as(app, world, "zhao", *revoke, "再次撤销").exit_code == 1  # not a key unit now
    audited = [(e.actor_username, e.outcome) for e in audit_entries(world, "key_unit_designate")]
    assert audited == [("zhang", "refused"), ("zhao", "success")]
    revoked = audit_entries(world, "key_unit_revoke")
    assert [e.outcome for e in revoked] == ["success"]  # the refusals of the domain are not
    assert revoked[0].target == f"unit:{unit(world).id}"


def test_the_key_unit_commands_have_help(app: Flask) -> None:
    for command in ("designate-key", "revoke-key"):
        result = cli(app, command, "--help")
        assert result.exit_code == 0 and "--reason" in result.output
