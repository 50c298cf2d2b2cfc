"""``oversight penalty open|advance|show``: administrative penalties (行政处罚) from the command line.

    oversight penalty open --file-no "鹿档罚立〔2026〕1号" --party 某公司 \\
        --party-kind unit --officer 1 --officer 2
    oversight penalty open --file-no "鹿档罚立〔2026〕2号" \\
        --unit 91130185MA0000000X --officer 1 --officer 2   # a registered unit as the party
    oversight penalty advance 1 submit_review --set offence=service_company \\
        --set party_kind=unit --set sanctions=warning,fine --set amount=60000 --set facts=…
    oversight penalty show 1

Each acts as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``). This module only
reads arguments and prints; the rules live in :mod:`cases.penalties.door` and
:mod:`workflows.penalty_machine`. ``--set name=value`` gives a trigger's data as text, which its
typed fields check (``sanctions`` is a comma-separated list). ``show`` lists the penalty's
deadline rows (each period, its last day and where it stands).
"""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from cases.access.permissions import Duty, require
from cases.core.clock import format_deadline, to_shanghai, utcnow
from cases.core.errors import NotFound, OversightError
from cases.core.vocabulary import DeadlineKind, DeadlineStatus
from cases.models import Case, Penalty, PenaltyEvent, Unit, User
from cases.penalties.deadlines import deadlines_of
from cases.penalties.door import advance_penalty, due_dates, open_penalty
from web.cli.incidents import unit_by_code
from web.cli.signin import signed_command
from web.cli.support import ID, Text, authority_by_code, click_error
from workflows.penalty_machine import STATE_LABELS, TRIGGER_LABELS, TRIGGERS

#: The fields given as comma-separated lists.
LISTS = frozenset({"sanctions"})


@click.group("penalty")
def penalty_group() -> None:
    """Administrative penalties (行政处罚): 立案 → 调查 → 法制审核 → 告知 → 听证 → 决定 → 送达 → 公示 → 执行 → 结案."""


#: Events of the penalty's chain written outside its machine.
OUTSIDE_LABELS = {"file": ("立案", "File"), "circular_made": ("制作通报批评", "Circular made")}


def _data(pairs: tuple[str, ...]) -> dict[str, object]:
    data: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.ClickException(f"--set 须为 名称=值：{pair!r} (--set takes name=value)")
        name = name.strip()
        data[name] = [v.strip() for v in value.split(",") if v.strip()] if name in LISTS else value
    return data


@penalty_group.command("open")
@click.option(
    "--authority", "authority_code", type=Text(), help="Authority code (default: the only one)."
)
@click.option("--file-no", required=True, type=Text(), help="立案编号.")
@click.option("--party", default="", type=Text(), help="The party's name (当事人).")
@click.option(
    "--unit", "unit_code", type=Text(),
    help="Or the party as a registered unit: its 统一社会信用代码 (name from the register).",
)  # fmt: skip
@click.option(
    "--party-kind", type=click.Choice(["unit", "individual"]), default="unit", show_default=True
)
@click.option("--party-address", default="", type=Text(), help="The party's address.")
@click.option(
    "--officer", "officers", multiple=True, type=ID, help="Id of an officer handling it (≥2)."
)
@click.option("--case-id", type=ID, help="The case the offence came to light in.")
@click.option(
    "--filed-on", type=click.DateTime(formats=["%Y-%m-%d"]), help="立案 date (default: today)."
)
@with_appcontext
def open_command(
    authority_code: str | None, file_no: str, party: str, unit_code: str | None,
    party_kind: str, party_address: str, officers: tuple[int, ...], case_id: int | None,
    filed_on: datetime | None,
) -> None:  # fmt: skip
    """File a penalty (立案) and print its id and decision date."""
    try:
        with signed_command("penalty_open", file_no) as act:
            session = act.session
            case = session.get(Case, case_id) if case_id is not None else None
            if case_id is not None and case is None:
                raise NotFound(f"案件{case_id}不存在", f"Case {case_id} does not exist")
            people = [session.get(User, i) for i in officers]
            if any(p is None for p in people):
                raise NotFound("执法人员不存在", "No such officer")
            if unit_code and party:
                raise click.ClickException("--party 与 --unit 只能选一 (give --party or --unit)")
            unit = unit_by_code(session, unit_code) if unit_code else None
            penalty = open_penalty(
                session, authority=authority_by_code(session, authority_code), file_no=file_no,
                party_name=party, party_kind=party_kind, party_address=party_address, unit=unit,
                officers=[p for p in people if p is not None], actor=act.user,
                case=case, filed_on=filed_on.date() if filed_on else None, now=utcnow(),
            )  # fmt: skip
            act.target = penalty
            click.echo(f"行政处罚#{penalty.id} {penalty.file_no}: 已立案 (filed)")
            click.echo(f"决定期限 decision due: {penalty.decision_due} 24:00")
    except OversightError as exc:
        raise click_error(exc) from exc


@penalty_group.command("advance")
@click.argument("penalty_id", type=ID)
@click.argument("trigger", type=click.Choice(TRIGGERS))
@click.option(
    "--set", "pairs", multiple=True, type=Text(), help="A datum: name=value (repeatable)."
)
@click.option("--expected-version", type=ID, help="The version you saw (refused if it changed).")
@with_appcontext
def advance_command(
    penalty_id: int, trigger: str, pairs: tuple[str, ...], expected_version: int | None
) -> None:
    """Fire TRIGGER on the penalty and print where it went."""
    try:
        data = _data(pairs)
        with signed_command("penalty_advance", f"penalty:{penalty_id}") as act:
            act.detail = {"trigger": trigger}
            fired = advance_penalty(
                act.session, penalty_id, trigger, act.user, now=utcnow(),
                expected_version=expected_version, **data,
            )  # fmt: skip
            to = STATE_LABELS[fired.to_state]
            click.echo(
                f"行政处罚#{penalty_id}: {TRIGGER_LABELS[trigger][0]} → {to.label_zh} ({to.name})"
            )
    except OversightError as exc:
        raise click_error(exc) from exc


@penalty_group.command("show")
@click.argument("penalty_id", type=ID)
@with_appcontext
def show_command(penalty_id: int) -> None:
    """Print the penalty: its state, the proposal or decision, the due dates and its history."""
    try:
        with signed_command("penalty_show", f"penalty:{penalty_id}", changes=False) as act:
            session = act.session
            penalty = session.get(Penalty, penalty_id)
            if penalty is None:
                raise NotFound(
                    f"行政处罚{penalty_id}不存在", f"Penalty {penalty_id} does not exist"
                )
            require(act.user, Duty.VIEW_PENALTIES, penalty)
            state = STATE_LABELS[penalty.status]
            click.echo(f"行政处罚#{penalty.id} {penalty.file_no}  {state.label_zh} ({state.name})")
            click.echo(f"当事人 party: {penalty.party_name} ({penalty.party_kind})")
            unit = session.get(Unit, penalty.unit_id) if penalty.unit_id is not None else None
            if unit is not None:
                click.echo(f"统一社会信用代码 credit code: {unit.credit_code}")
            amount = f" ¥{penalty.amount}" if penalty.amount is not None else ""
            sanctions = ",".join(penalty.sanctions)
            click.echo(
                f"违法行为 offence: {penalty.offence or '—'}  处罚 {sanctions or '—'}{amount}"
            )
            click.echo(f"法制审核 review passed: {'是 yes' if penalty.review_passed else '否 no'}")
            for name, due in due_dates(penalty).items():
                if due is not None:
                    click.echo(f"{name}: {due} 24:00")
            if penalty.decision_extension_days:
                click.echo(f"决定期限已延长 extended by: {penalty.decision_extension_days} 日 days")
            click.echo("期限 deadlines:")
            for d in deadlines_of(session, penalty.id):
                kind, status = DeadlineKind(d.kind), DeadlineStatus(d.status)
                click.echo(
                    f"  {kind.label_zh} ({d.kind}) 至 {format_deadline(d.due_at)}"
                    f"{'（暂定 provisional）' if d.provisional else ''}"
                    f"  {status.label_zh} ({d.status}){'  ' + d.note if d.note else ''}"
                )
            events = session.scalars(
                select(PenaltyEvent)
                .where(PenaltyEvent.penalty_id == penalty.id)
                .order_by(PenaltyEvent.seq)
            )
            for e in events:
                label = {**OUTSIDE_LABELS, **TRIGGER_LABELS}.get(e.trigger, ("", ""))[0]
                click.echo(
                    f"  {e.seq:>3} {to_shanghai(e.at):%Y-%m-%d %H:%M} {label} → {e.to_state}"
                )
    except OversightError as exc:
        raise click_error(exc) from exc


def register(group: click.Group) -> None:
    """Add ``penalty`` to the ``oversight`` command."""
    group.add_command(penalty_group)
