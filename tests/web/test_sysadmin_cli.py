"""The system administrator's commands (issue 11): ``oversight authority`` and ``oversight
checklist`` act as the signed-in user — the system administrator may, the other administrators
and officers are refused (exit 1, the refusal audited), bad input names the field in both
languages with nothing written, and every change is audited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from cases.core.clock import local_date, utcnow
from cases.models import Authority, ChecklistVersion, Unit
from cases.registry.credit_code import make_credit_code
from tests.support.cli import as_user, audit_entries, signed_out
from tests.support.world import World


def prefix(world: World) -> str:
    with world.factory() as s:
        return s.scalars(select(Authority.notice_prefix).where(Authority.code == "luquan")).one()


def test_authority_list_and_edit_as_the_system_administrator(app: Flask, world: World) -> None:
    listed = as_user(app, world, "sysadmin", "authority", "list")
    assert listed.exit_code == 0 and "luquan" in listed.output and "zhengding" in listed.output
    done = as_user(app, world, "sysadmin", "authority", "edit", "--notice-prefix", "鹿档监通")
    assert done.exit_code == 0, done.output
    assert "文书字号前缀：鹿档执通 → 鹿档监通" in done.output and prefix(world) == "鹿档监通"
    (entry,) = audit_entries(world, "authority_changed")
    assert entry.detail["changed"] == {"notice_prefix": ["鹿档执通", "鹿档监通"]}
    bad = as_user(app, world, "sysadmin", "authority", "edit", "--notice-prefix", "LD")
    assert bad.exit_code == 1 and "文书字号前缀须为2至8个汉字" in bad.output
    assert "notice-number prefix" in bad.output and prefix(world) == "鹿档监通"


def test_authority_create_with_its_first_administrator(app: Flask, world: World) -> None:
    made = as_user(
        app, world, "sysadmin", "authority", "create", "town", "--name", "某镇档案室",
        "--jurisdiction", "某镇", "--notice-prefix", "某镇档通", "--admin-username", "townadmin",
        "--admin-name", "王五",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "已创建档案机关" in made.output and "one-time password" in made.output
    (entry,) = audit_entries(world, "authority_created")
    assert entry.detail["code"] == "town"
    again = as_user(app, world, "sysadmin", "authority", "create", "town", "--name", "x",
                    "--jurisdiction", "y", "--notice-prefix", "某镇档通")  # fmt: skip
    assert again.exit_code == 1 and "机关代码 town 已存在" in again.output


@pytest.mark.parametrize("who", ["secadmin", "audadmin", "zhang", "zhao"])
def test_others_are_refused_and_the_refusal_is_audited(app: Flask, world: World, who: str) -> None:
    for args in (("authority", "edit", "--notice-prefix", "鹿档监通"), ("checklist", "list")):
        result = as_user(app, world, who, *args)
        assert result.exit_code == 1 and "无权" in result.output, result.output
    assert prefix(world) == "鹿档执通"
    assert {e.outcome for e in audit_entries(world) if e.actor_username == who} == {"refused"}


def test_signed_out_is_exit_77(app: Flask) -> None:
    assert signed_out(app, "authority", "list").exit_code == 77
    assert signed_out(app, "checklist", "list").exit_code == 77


def _version_file(tmp_path: Path, **over: object) -> Path:
    data = {"title_zh": "电子档案事项监管检查事项（2027年版）", "title_en": "Checklist 2027",
            "items": [{"code": "EA-1", "title_zh": "制度与工作程序", "text_zh": "是否建立制度"},
                      {"code": "EA-2", "title_zh": "信息安全", "information_security": True}]}  # fmt: skip
    data.update(over)
    path = tmp_path / "v.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def versions(world: World) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(ChecklistVersion)) or 0


def test_checklist_list_show_and_import(app: Flask, world: World, tmp_path: Path) -> None:
    listed = as_user(app, world, "sysadmin", "checklist", "list")
    assert listed.exit_code == 0 and "electronic" in listed.output and "security" in listed.output
    shown = as_user(app, world, "sysadmin", "checklist", "show", "electronic")
    assert shown.exit_code == 0 and "EA-1" in shown.output
    before = versions(world)
    start = date(local_date(utcnow()).year + 1, 1, 1).isoformat()
    made = as_user(app, world, "sysadmin", "checklist", "import", "electronic",
                   str(_version_file(tmp_path)), "--effective-from", start)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert versions(world) == before + 1 and "（2项）" in made.output
    (entry,) = audit_entries(world, "checklist_version_created")
    assert entry.detail["items"] == 2 and entry.detail["effective_from"] == start
    past = as_user(app, world, "sysadmin", "checklist", "import", "electronic",
                   str(_version_file(tmp_path)), "--effective-from", "2020-01-01")  # fmt: skip
    assert past.exit_code == 1 and "不能追溯生效" in past.output and "in the past" in past.output
    empty = as_user(app, world, "sysadmin", "checklist", "import", "electronic",
                    str(_version_file(tmp_path, items=[])), "--effective-from", start)  # fmt: skip
    assert empty.exit_code == 1 and "至少要有一个检查事项" in empty.output
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe{")
    unreadable = as_user(app, world, "sysadmin", "checklist", "import", "electronic",
                         str(tmp_path / "bad.json"), "--effective-from", start)  # fmt: skip
    assert unreadable.exit_code == 1 and "不是UTF-8编码的JSON文件" in unreadable.output
    assert versions(world) == before + 1


def test_units_list_add_and_edit_as_the_system_administrator(app: Flask, world: World) -> None:
    code = make_credit_code("12130185000000091")
    made = as_user(app, world, "sysadmin", "units", "add", "--credit-code", code, "--name",
                   "鹿泉区图书馆", "--kind", "institution", "--long-term")  # fmt: skip
    assert made.exit_code == 0, made.output
    listed = as_user(app, world, "sysadmin", "units", "list", "--search", "图书馆")
    assert listed.exit_code == 0 and code in listed.output and "共1个单位" in listed.output
    edited = as_user(app, world, "sysadmin", "units", "edit", code, "--address", "向阳路2号",
                     "--district-direct")  # fmt: skip
    assert edited.exit_code == 0, edited.output
    with world.factory() as s:
        unit = s.scalars(select(Unit).where(Unit.credit_code == code)).one()
        assert (unit.address, unit.is_district_direct, unit.holds_long_term) == (
            "向阳路2号", True, True,
        )  # fmt: skip
    (entry,) = audit_entries(world, "unit_changed")
    assert entry.detail["changed"] == {
        "address": ["", "向阳路2号"],
        "is_district_direct": [False, True],
    }
    bad = as_user(app, world, "sysadmin", "units", "add", "--credit-code", "12130185000000091",
                  "--name", "x", "--kind", "organ")  # fmt: skip
    assert bad.exit_code == 1 and "统一社会信用代码：" in bad.output
    refused = as_user(app, world, "zhang", "units", "add", "--credit-code", code, "--name", "x",
                      "--kind", "organ")  # fmt: skip
    assert refused.exit_code == 1 and "无权维护被监管单位名录" in refused.output
    assert len(audit_entries(world, "unit_created")) == 2  # the one made, and zhang's refusal
