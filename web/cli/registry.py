"""``oversight units`` and ``oversight recusal``: the register of units and the recusal list.

    oversight units template units.xlsx                 # an empty file with the headers
    oversight units import units.xlsx --authority luquan
    oversight units import units.csv --valid-only       # import the good rows, list the rest
    oversight units sample 5000 sample.xlsx             # made-up units, to try (and time) an import
    oversight units list --search 教育 / units add --credit-code … --name … --kind organ
    oversight units edit 11130185000000001X --address "…" --district-direct   # system administrator
    oversight units designate-key --unit 11130185000000001X --reason "保管大量重要电子档案" \\
        [--since 2026-01-01]
    oversight units revoke-key --unit 11130185000000001X --reason "整改完成"
    oversight recusal add --officer zhang --unit 11130185000000001X --reason "配偶在该单位任职"
    oversight recusal remove --officer zhang --unit 11130185000000001X --reason "配偶已离职"
    oversight recusal list --authority luquan

``units import`` prints every problem as 第N行“列名”：原因 and exits 1 when nothing was imported
because of them. The import (the system administrator's, or an officer's), the key-unit and
recusal changes act as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``). This module only reads arguments and files and prints; the rules live in
:mod:`cases.registry.unit_import`, :mod:`cases.registry.key_units` and
:mod:`cases.registry.recusals`.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.accounts.administration import authority_of
from cases.core.clock import local_date, utcnow
from cases.core.db import read_session
from cases.core.errors import OversightError
from cases.core.exports import write_csv, xlsx_cell
from cases.core.settings import Settings
from cases.core.uploads import StoredFile, store_bounded
from cases.core.vocabulary import UnitKind
from cases.models import Unit, User
from cases.registry import upkeep
from cases.registry.credit_code import InvalidCreditCode, make_credit_code, validate_credit_code
from cases.registry.key_units import (
    KEY_UNIT_GUIDELINE,
    designate_key_unit,
    key_unit_share,
    revoke_key_unit,
)
from cases.registry.recusals import add_recusal, list_recusals, remove_recusal
from cases.registry.sheets import SheetLimits
from cases.registry.unit_import import COLUMNS, ImportReport, template
from cases.registry.upkeep import import_register
from web.cli.signin import acting, signed_command
from web.cli.support import authority_by_code, click_error, session_factory


def _officer(session: Session, username: str) -> User:
    """The officer a recusal concerns (a name given as data: who acts is the signed-in user)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"没有用户名为{username}的用户 (no user named {username!r})")
    return user


def _unit(session: Session, code: str) -> Unit:
    try:
        normalised = validate_credit_code(code)
    except InvalidCreditCode as exc:
        raise click_error(exc) from exc
    unit = session.scalar(select(Unit).where(Unit.credit_code == normalised))
    if unit is None:
        raise click.ClickException(f"没有统一社会信用代码为{normalised}的单位 (no such unit)")
    return unit


# ---- units -----------------------------------------------------------------------------------


@click.group("units")
def units_group() -> None:
    """Supervised units (被监管单位): import the register from CSV/XLSX, get the template."""


def _print_report(report: ImportReport, max_errors: int) -> None:
    shown = report.errors if max_errors <= 0 else report.errors[:max_errors]
    for error in shown:
        click.echo(error.message_zh)
    if len(shown) < len(report.errors):
        click.echo(
            f"……另有{len(report.errors) - len(shown)}个问题未列出（--max-errors 0 列出全部）"
        )
    click.echo(
        f"共{report.rows}行数据，导入{report.imported}个单位，{report.rejected_rows}行有问题"
        f"（其中重复{report.duplicates}行） "
        f"({report.rows} rows, {report.imported} imported, {report.rejected_rows} with problems, "
        f"{report.duplicates} duplicates)"
    )


@units_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", "authority_code", help="Authority code (default: one's own).")
@click.option("--valid-only", is_flag=True, help="Import the good rows even if others are wrong.")
@click.option(
    "--max-errors", default=1000, show_default=True, help="Problems to print (0: all of them)."
)
@with_appcontext
def import_command(
    file: Path, authority_code: str | None, valid_only: bool, max_errors: int
) -> None:
    """Import units from FILE (.xlsx or .csv; header in row 1) — all or nothing by default — as
    the signed-in system administrator or officer."""
    started = time.perf_counter()
    settings = current_app.config["OVERSIGHT"]
    stored = None
    try:
        stored = _store_upload(file, settings)
        with acting("units_imported", authority_code or "") as (session, actor):
            authority = (
                authority_by_code(session, authority_code)
                if authority_code
                else authority_of(session, actor.user)
            )
            report = import_register(
                session, actor, authority, stored.path, filename=file.name,
                valid_only=valid_only, now=utcnow(), limits=SheetLimits.from_settings(settings),
            )  # fmt: skip
            count, total, share = key_unit_share(session, authority)
    except OversightError as exc:
        raise click_error(exc) from exc
    finally:
        if stored is not None:
            stored.discard()
    _print_report(report, max_errors)
    if report.imported == 0 and report.errors:
        hint = "" if valid_only else "；改正后重新导入，或用 --valid-only 只导入正确的行"
        raise click.ClickException(
            f"文件有错误，未导入任何单位{hint} (nothing imported because of the problems above)"
        )
    click.echo(
        f"重点监控单位{count}个，占{total}个单位的{share:.1%}（指导比例约{KEY_UNIT_GUIDELINE:.0%}） "
        f"(key units: {count} of {total}; guideline ≈{KEY_UNIT_GUIDELINE:.0%}); "
        f"{time.perf_counter() - started:.1f} s"
    )


def _store_upload(file: Path, settings: Settings) -> StoredFile:
    """The import file copied, up to the upload limit, into the instance's private upload folder
    (a FIFO or ``/dev/zero`` is refused at the limit, not read for ever)."""
    limit = settings.import_upload_max_mb * 1024 * 1024
    try:
        with open(file, "rb") as src:
            return store_bounded(
                src, limit, settings.instance_dir / "uploads",
                what=("导入文件", "The import file"),
            )  # fmt: skip
    except OSError as exc:
        raise click.ClickException(
            f"无法读取文件{file}：{exc.strerror} (cannot read {file}: {exc.strerror})"
        ) from exc


@units_group.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--xlsx", "fmt", flag_value="xlsx", help="An Excel workbook (the default).")
@click.option("--csv", "fmt", flag_value="csv", help="A CSV file (UTF-8 with BOM).")
def template_command(out: Path, fmt: str | None) -> None:
    """Write an empty import file with the headers to OUT."""
    fmt = fmt or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    out.write_bytes(template(fmt))
    click.echo(f"模板已写入 template written: {out}")


@units_group.command("sample")
@click.argument("count", type=click.IntRange(1, 1_000_000))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--start", default=0, show_default=True, help="First serial (codes stay unique).")
def sample_command(count: int, out: Path, start: int) -> None:
    """Write COUNT made-up units (valid codes, 1% key units) to OUT, to try or time an import."""
    since = local_date(utcnow()).replace(month=1, day=1)
    rows = (_sample_row(n, since) for n in range(start, start + count))
    if out.suffix.lower() == ".csv":
        out.write_bytes(
            write_csv([c.zh for c in COLUMNS], [[_csv_cell(v) for v in r] for r in rows])
        )
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("被监管单位")
        sheet.append([c.zh for c in COLUMNS])
        for row in rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
        book.save(out)
    click.echo(f"{count}个示例单位已写入 {count} sample units written: {out}")


_SAMPLE_KINDS = (("91", "企业"), ("12", "事业单位"), ("11", "机关"), ("51", "团体"))


def _sample_row(n: int, since: date) -> list[object]:
    prefix, kind = _SAMPLE_KINDS[n % len(_SAMPLE_KINDS)]
    key = n % 100 == 0
    return [
        f"示例单位{n:07d}", make_credit_code(f"{prefix}130185X{n:08d}"), kind,
        f"鹿泉区示例路{n % 500 + 1}号", "张三", "是" if n % 40 == 0 else "否", "是" if key else "否",
        "曾发生档案安全事故" if key else None, since if key else None,
        "否", "是" if n % 3 == 0 else "否", "否",
    ]  # fmt: skip


def _csv_cell(value: object) -> object:
    return value.isoformat() if isinstance(value, date | datetime) else value


# ---- key units ------------------------------------------------------------------------------


@units_group.command("designate-key")
@click.option("--unit", "unit_code", required=True, help="The unit's credit code.")
@click.option("--reason", required=True, help="Why it is a key monitored unit (重点监控的理由).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="From (default: today).")
@with_appcontext
def designate_key(unit_code: str, reason: str, since: datetime | None) -> None:
    """Designate a unit a key monitored unit (指定重点监控单位), after its import."""
    now = utcnow()
    try:
        with signed_command("key_unit_designate", unit_code) as act:
            session = act.session
            act.target = _unit(session, unit_code)
            unit = designate_key_unit(
                session, act.target, reason, since.date() if since else local_date(now), act.user,
                now,
            )  # fmt: skip
            name, start = unit.name, unit.key_unit_since
            count, total, share = key_unit_share(session, unit.authority)
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(f"已指定重点监控单位 key unit designated: {name}（自{start}起）")
    click.echo(f"重点监控单位{count}/{total}家（{share:.1%}） ({count} of {total} units)")


@units_group.command("revoke-key")
@click.option("--unit", "unit_code", required=True, help="The unit's credit code.")
@click.option("--reason", required=True, help="Why the designation ends (撤销理由).")
@with_appcontext
def revoke_key(unit_code: str, reason: str) -> None:
    """End a unit's key-unit designation (撤销重点监控), with its reason kept in the history."""
    try:
        with signed_command("key_unit_revoke", unit_code) as act:
            act.target = _unit(act.session, unit_code)
            unit = revoke_key_unit(act.session, act.target, reason, act.user, utcnow())
            name = unit.name
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(f"已撤销重点监控 key unit revoked: {name}")


# ---- the register by hand (the system administrator) ---------------------------------------

#: The options of a unit's facts: option → (field, flag?).
_FLAG_OPTIONS = {
    "district_direct": "is_district_direct",
    "national_catalog": "holds_national_catalog",
    "long_term": "holds_long_term",
    "sensitive_database": "runs_sensitive_database",
}


def _unit_options(command: Any) -> Any:
    options = [
        click.option("--name", default=None, help="单位名称"),
        click.option("--kind", type=click.Choice([k.value for k in UnitKind]), default=None),
        click.option("--address", default=None, help="地址"),
        click.option("--responsible-person", default=None, help="负责人"),
        *(
            click.option(
                f"--{o.replace('_', '-')}/--not-{o.replace('_', '-')}",
                o,
                default=None,
                help=upkeep.UNIT_FLAGS[f][0],
            )  # fmt: skip
            for o, f in _FLAG_OPTIONS.items()
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _unit_fields(values: dict[str, Any], unit: Unit | None) -> dict[str, Any]:
    """The fields as given, the unit's own where an option was not given."""
    fields: dict[str, Any] = {}
    for key in ("name", "kind", "address", "responsible_person"):
        given = values.get(key)
        fields[key] = given if given is not None else (getattr(unit, key) if unit else "")
    for option, field in _FLAG_OPTIONS.items():
        given = values.get(option)
        fields[field] = given if given is not None else bool(unit and getattr(unit, field))
    return fields


@units_group.command("list")
@click.option("--search", default="", help="A part of the name or of the credit code.")
@click.option("--page", type=click.IntRange(1, 1_000_000), default=1, show_default=True)
@with_appcontext
def units_list(search: str, page: int) -> None:
    """The authority's register, 20 a page (system administrator)."""
    with acting("units_listed") as (session, actor):
        found = upkeep.list_units(session, actor, search, page)
        for unit in found.units:
            key = "  重点监控" if unit.is_key_unit else ""
            click.echo(f"{unit.credit_code}  {UnitKind(unit.kind).label_zh:4}  {unit.name}{key}")
        click.echo(f"第{found.page}/{found.pages}页，共{found.total}个单位 "
                   f"(page {found.page} of {found.pages}, {found.total} units)")  # fmt: skip


@units_group.command("add")
@click.option("--credit-code", required=True, help="统一社会信用代码 (GB 32100).")
@_unit_options
@with_appcontext
def units_add(credit_code: str, **values: Any) -> None:
    """Register a unit by hand in one's own authority (system administrator)."""
    with acting("unit_created", credit_code) as (session, actor):
        unit = upkeep.add_unit(
            session, actor, utcnow(), credit_code=credit_code, **_unit_fields(values, None)
        )
        name, code = unit.name, unit.credit_code
    click.echo(f"已登记单位 (unit registered): {name} {code}")


@units_group.command("edit")
@click.argument("unit_code")
@click.option("--credit-code", default=None, help="A corrected credit code.")
@_unit_options
@with_appcontext
def units_edit(unit_code: str, credit_code: str | None, **values: Any) -> None:
    """Correct a unit of one's own authority; options not given stay (system administrator)."""
    with acting("unit_changed", unit_code) as (session, actor):
        unit = upkeep.unit_of(session, actor, _unit(session, unit_code).id)
        changed = upkeep.change_unit(
            session, actor, unit, utcnow(), credit_code=credit_code or unit.credit_code,
            **_unit_fields(values, unit),
        )  # fmt: skip
    if not changed:
        click.echo("没有改动 (nothing changed)")
    for key, (old, new) in changed.items():
        click.echo(f"{key}: {old} → {new}")


# ---- recusals --------------------------------------------------------------------------------


@click.group("recusal")
def recusal_group() -> None:
    """Recusals (回避): officers who must not inspect a unit."""


@recusal_group.command("add")
@click.option("--officer", required=True, help="Username of the officer who steps aside.")
@click.option("--unit", "unit_code", required=True, help="The unit's credit code.")
@click.option("--reason", required=True, help="The conflict of interest (亲属关系、曾任职…).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="From (default: today).")
@with_appcontext
def recusal_add(officer: str, unit_code: str, reason: str, since: datetime | None) -> None:
    """Record that an officer must not inspect a unit."""
    now = utcnow()
    try:
        with signed_command("recusal_add", f"{officer} ↔ {unit_code}") as act:
            session = act.session
            person, unit = _officer(session, officer), _unit(session, unit_code)
            act.target, act.detail = person, {"unit": unit.credit_code}
            add_recusal(
                session, person, unit, reason, since.date() if since else local_date(now),
                act.user, now,
            )  # fmt: skip
            names = f"{person.display_name} ↔ {unit.name}"
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(f"回避已登记 recusal recorded: {names}")


@recusal_group.command("remove")
@click.option("--officer", required=True, help="Username of the officer.")
@click.option("--unit", "unit_code", required=True, help="The unit's credit code.")
@click.option("--reason", required=True, help="Why the conflict has ended.")
@with_appcontext
def recusal_remove(officer: str, unit_code: str, reason: str) -> None:
    """Lift an officer's recusal from a unit."""
    try:
        with signed_command("recusal_remove", f"{officer} ↔ {unit_code}") as act:
            session = act.session
            person, unit = _officer(session, officer), _unit(session, unit_code)
            act.target, act.detail = person, {"unit": unit.credit_code}
            remove_recusal(session, person, unit, reason, act.user, utcnow())
            names = f"{person.display_name} ↔ {unit.name}"
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(f"回避已撤销 recusal lifted: {names}")


@recusal_group.command("list")
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@with_appcontext
def recusal_list(authority_code: str | None) -> None:
    """Print the authority's recusal list."""
    with read_session(session_factory()) as session:
        entries = list_recusals(session, authority_by_code(session, authority_code).id)
    for e in entries:
        click.echo(
            f"{e.officer_name}（{e.officer_username}） ↔ {e.unit_name}（{e.credit_code}） "
            f"自{e.since.isoformat()}：{e.reason}"
        )
    click.echo(f"共{len(entries)}条回避 ({len(entries)} recusals)")


def register(main: click.Group) -> None:
    """Add ``units`` and ``recusal`` to the ``oversight`` command."""
    main.add_command(units_group)
    main.add_command(recusal_group)
