"""``oversight referral``: disciplinary referrals (处分移送, 条例 art 46) from the command line.

    oversight referral create --actor zhao --case 7 --organ supervisory --body 鹿泉区纪委监委 \\
        --facts "…" --leader 王某:办公室主任 --direct 刘某:档案员
    oversight referral answer --actor zhao --referral 3 --outcome "给予警告处分"
    oversight referral list --actor zhao [--case 7]

Only arguments and printing here; the rules live in :mod:`cases.casework.referrals`.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.casework.referrals import record_referral_answer, refer_for_discipline, referrals_of
from cases.core.clock import utcnow
from cases.core.db import command_session, read_session
from cases.core.errors import OversightError
from cases.core.vocabulary import ReceivingOrgan
from cases.models import User
from web.cli.support import ID, Text, click_error, session_factory

ACTOR = click.option("--actor", required=True, type=Text(), help="Username of the supervisor.")


@click.group("referral")
def referral_group() -> None:
    """Disciplinary referrals (处分移送): make one, record its written answer, list them."""


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"没有用户名为{username}的用户 (no user named {username!r})")
    return user


def _persons(values: tuple[str, ...], role: str) -> list[dict[str, str]]:
    persons = []
    for value in values:
        name, sep, post = value.partition(":")
        if not sep:
            name, sep, post = value.partition("：")
        persons.append({"name": name, "post": post, "role": role})
    return persons


@referral_group.command("create")
@ACTOR
@click.option("--case", "case_id", required=True, type=ID, help="The case with the violation.")
@click.option(
    "--organ", required=True, type=click.Choice([o.value for o in ReceivingOrgan]),
    help="appointing = 任免机关, supervisory = 监察机关.",
)  # fmt: skip
@click.option("--body", default="", type=Text(), help="The receiving organ's name.")
@click.option("--facts", required=True, type=Text(), help="The facts (违法事实).")
@click.option("--basis", default="", type=Text(), help="The legal basis (default: 条例第四十六条).")
@click.option("--leader", multiple=True, type=Text(), help="NAME:POST of a responsible leader.")
@click.option("--direct", multiple=True, type=Text(), help="NAME:POST of a directly responsible.")
@with_appcontext
def create(
    actor: str, case_id: int, organ: str, body: str, facts: str, basis: str,
    leader: tuple[str, ...], direct: tuple[str, ...],
) -> None:  # fmt: skip
    """Refer the persons responsible for a case's violation and send it out."""
    try:
        with command_session(session_factory()) as session:
            referral = refer_for_discipline(
                session, case_id, _user(session, actor),
                persons=_persons(leader, "leader") + _persons(direct, "direct"), organ=organ,
                receiving_body=body, facts=facts, basis=basis, now=utcnow(),
            )  # fmt: skip
            click.echo(f"处分移送#{referral.id}: {referral.status} → {referral.receiving_body}")
    except OversightError as exc:
        raise click_error(exc) from exc


@referral_group.command("answer")
@ACTOR
@click.option("--referral", "referral_id", required=True, type=ID, help="The referral.")
@click.option("--outcome", required=True, type=Text(), help="What the written answer says.")
@with_appcontext
def answer(actor: str, referral_id: int, outcome: str) -> None:
    """Record the receiving organ's written answer on the case's chain."""
    try:
        with command_session(session_factory()) as session:
            referral = record_referral_answer(
                session, referral_id, _user(session, actor), outcome=outcome, now=utcnow()
            )
            click.echo(f"处分移送#{referral.id}: {referral.status}")
    except OversightError as exc:
        raise click_error(exc) from exc


@referral_group.command("list")
@ACTOR
@click.option("--case", "case_id", type=ID, help="Only this case's referrals.")
@with_appcontext
def list_referrals(actor: str, case_id: int | None) -> None:
    """The referrals of the actor's authority, newest first."""
    with read_session(session_factory()) as session:
        for r in referrals_of(session, _user(session, actor), case_id):
            persons = "、".join(f"{p['name']}（{p['post']}）" for p in r.persons or [])
            click.echo(f"#{r.id} 案件{r.case_id} {r.status} {r.receiving_body} {persons}".rstrip())


def register(group: click.Group) -> None:
    """Add ``referral`` to the ``oversight`` command."""
    group.add_command(referral_group)
