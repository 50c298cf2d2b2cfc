"""The system administrator's commands (系统管理员): ``oversight authority`` and
``oversight checklist`` — each as the signed-in user (:func:`web.cli.signin.acting`: exit 77
without a token, a refusal audited), the work done and audited by the services of
:mod:`cases.registry.upkeep` and :mod:`cases.reference.upkeep`.

    oversight authority list
    oversight authority edit --notice-prefix 鹿档监通 --superior-name 石家庄市档案局
    oversight authority create town --name 某镇档案室 --jurisdiction 某镇 --notice-prefix 某镇档通 \\
        [--admin-username townadmin --admin-name 王五]
    oversight checklist list / checklist show electronic [--version 2]
    oversight checklist import electronic v3.json --effective-from 2027-01-01

A checklist file is JSON: ``{"title_zh": …, "title_en": …, "items": [{"code": "EA-1",
"title_zh": …, "title_en": …, "scope_zh": …, "text_zh": …, "information_security": false}, …]}``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.accounts.administration import authority_of
from cases.core.clock import utcnow
from cases.core.errors import InvalidInput
from cases.core.uploads import read_bounded
from cases.core.vocabulary import Regime
from cases.reference import upkeep as reference
from cases.registry import upkeep
from web.cli.signin import acting

REGIMES = click.Choice([r.value for r in Regime])
#: A checklist file is a few tens of kilobytes; anything past this is not one.
CHECKLIST_FILE_LIMIT = 1024 * 1024


def register(main: click.Group) -> None:
    main.add_command(authority_group)
    main.add_command(checklist_group)


# ---- authorities -----------------------------------------------------------------------------


@click.group("authority")
def authority_group() -> None:
    """Archives authorities (档案机关): list, create, edit one's own (system administrator)."""


def _fields(values: dict[str, str | None]) -> dict[str, str | None]:
    return {k: values[k] for k in upkeep.AUTHORITY_FIELDS}


_OPTIONS = [
    click.option("--name", default=None, help="机关名称"),
    click.option("--jurisdiction", default=None, help="管辖区域"),
    click.option("--notice-prefix", default=None, help="文书字号前缀 (2–8 Chinese characters)"),
    click.option("--superior-name", default=None, help="上级档案主管部门"),
    click.option("--network-security-authority", default=None, help="网信部门"),
    click.option("--government-name", default=None, help="本级人民政府"),
]


def _with_fields(command: Any) -> Any:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


@authority_group.command("list")
@with_appcontext
def authority_list() -> None:
    """Every authority: code, name, jurisdiction, notice prefix."""
    with acting("authority_listed") as (session, actor):
        own = authority_of(session, actor.user)
        for a in upkeep.authorities(session, actor):
            mark = " *" if a.id == own.id else ""
            click.echo(f"{a.code:16} {a.name}  {a.jurisdiction}  {a.notice_prefix}{mark}")


@authority_group.command("edit")
@_with_fields
@with_appcontext
def authority_edit(**values: str | None) -> None:
    """Correct one's own authority; options not given stay as they are."""
    with acting("authority_changed") as (session, actor):
        own = authority_of(session, actor.user)
        given = {k: (v if v is not None else getattr(own, k)) for k, v in _fields(values).items()}
        changed = upkeep.change_authority(session, actor, own, utcnow(), **given)
    if not changed:
        click.echo("没有改动 (nothing changed)")
    for key, (old, new) in changed.items():
        click.echo(f"{upkeep.AUTHORITY_FIELDS[key][0]}：{old} → {new}")


@authority_group.command("create")
@click.argument("code")
@_with_fields
@click.option("--admin-username", default="", help="Its first system administrator (optional).")
@click.option("--admin-name", default="", help="That administrator's name.")
@with_appcontext
def authority_create(code: str, admin_username: str, admin_name: str, **values: str | None) -> None:
    """Create another authority (e.g. a subordinate), optionally with its first administrator."""
    with acting("authority_created", code) as (session, actor):
        made = upkeep.add_authority(
            session, actor, code=code, now=utcnow(), settings=current_app.config["OVERSIGHT"],
            admin_username=admin_username, admin_name=admin_name, **_fields(values),
        )  # fmt: skip
        name = made.authority.name
    click.echo(f"已创建档案机关 (authority created): {code} {name}")
    if made.password is not None:
        click.echo(
            f"{admin_username} 的一次性密码 (one-time password, shown once): {made.password}"
        )


# ---- checklists ------------------------------------------------------------------------------


@click.group("checklist")
def checklist_group() -> None:
    """Checklists (检查清单): list, show, import a new version (system administrator)."""


@checklist_group.command("list")
@with_appcontext
def checklist_list() -> None:
    """Every regime's versions."""
    with acting("checklist_listed") as (session, actor):
        for regime, versions in reference.checklists(session, actor).items():
            for v in versions:
                click.echo(f"{regime.value:10} v{v.version}  {v.effective_from}  "
                           f"{len(v.items)}项  {v.title_zh}")  # fmt: skip


@checklist_group.command("show")
@click.argument("regime", type=REGIMES)
@click.option("--version", type=click.IntRange(1, 10_000), default=None, help="Default: latest.")
@with_appcontext
def checklist_show(regime: str, version: int | None) -> None:
    """A version's items (the latest by default)."""
    with acting("checklist_shown") as (session, actor):
        versions = reference.checklists(session, actor)[Regime(regime)]
        found = next((v for v in versions if version in (None, v.version)), None)
        if found is None:
            raise click.ClickException(f"没有第{version}版 (no version {version})")
        click.echo(f"{regime} v{found.version} 自{found.effective_from}起: {found.title_zh}")
        for item in found.items:
            flag = " [信息安全]" if item.information_security else ""
            click.echo(f"  {item.code:8} {item.title_zh}{flag}")


def _drafts(data: Any) -> tuple[str, str, list[reference.ItemDraft]]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise InvalidInput(
            "清单文件应为含 items 列表的JSON对象", 'The file is a JSON object with an "items" list'
        )
    keys = ("code", "title_zh", "title_en", "scope_zh", "scope_en", "text_zh")
    drafts = []
    for n, item in enumerate(data["items"], start=1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k, ""), str) for k in keys):
            raise InvalidInput(
                f"第{n}项应为各字段均为文字的JSON对象", f"Item {n} is an object of text fields"
            )
        drafts.append(
            reference.ItemDraft(
                **{k: item.get(k, "") for k in keys},
                information_security=item.get("information_security") is True,
            )
        )
    title_zh, title_en = data.get("title_zh", ""), data.get("title_en", "")
    if not isinstance(title_zh, str) or not isinstance(title_en, str):
        raise InvalidInput("清单标题应为文字", "The titles are text")
    return title_zh, title_en, drafts


@checklist_group.command("import")
@click.argument("regime", type=REGIMES)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective-from", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@with_appcontext
def checklist_import(regime: str, file: Path, effective_from: datetime) -> None:
    """A new version of REGIME's checklist from a JSON FILE, in force from --effective-from."""
    try:
        with open(file, "rb") as src:
            raw = read_bounded(src, CHECKLIST_FILE_LIMIT, what=("清单文件", "The checklist file"))
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(
            f"{file}：不是UTF-8编码的JSON文件 (not a UTF-8 JSON file: {exc})"
        ) from None
    with acting("checklist_version_created", f"checklist:{regime}") as (session, actor):
        title_zh, title_en, drafts = _drafts(data)
        made = reference.new_checklist_version(
            session, actor, regime, effective_from=effective_from.date(), title_zh=title_zh,
            title_en=title_en, items=drafts, now=utcnow(),
        )  # fmt: skip
        number, count = made.version, len(made.items)
    click.echo(
        f"已建立{regime}检查清单第{number}版（{count}项），自{effective_from.date()}起施行 "
        f"(version {number} with {count} items, in force from {effective_from.date()})"
    )
