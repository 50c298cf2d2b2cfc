"""``oversight referral``: disciplinary referrals (处分移送, 条例 art 46) from the command line.

    oversight referral create --case 7 --organ supervisory --body 鹿泉区纪委监委 \\
        --facts "…" --leader 王某:办公室主任 --direct 刘某:档案员
    oversight referral answer --referral 3 --outcome "给予警告处分"
    oversight referral list [--case 7]

Each acts as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``). Only arguments and
printing here; the rules live in :mod:`cases.casework.referrals`.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from cases.casework.referrals import record_referral_answer, refer_for_discipline, referrals_of
from cases.core.clock import utcnow
from cases.core.errors import OversightError
from cases.core.vocabulary import ReceivingOrgan
from web.cli.signin import signed_command
from web.cli.support import ID, Text, click_error


@click.group("referral")
def referral_group() -> None:
    """Disciplinary referrals (处分移送): make one, record its written answer, list them."""


def _persons(values: tuple[str, ...], role: str) -> list[dict[str, str]]:
    persons = []
    for value in values:
        name, sep, post = value.partition(":")
        if not sep:
            name, sep, post = value.partition("：")
        persons.append({"name": name, "post": post, "role": role})
    return persons


@referral_group.command("create")
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
    case_id: int, organ: str, body: str, facts: str, basis: str,
    leader: tuple[str, ...], direct: tuple[str, ...],
) -> None:  # fmt: skip
    """Refer the persons responsible for a case's violation and send it out."""
    try:
        with signed_command("referral_create", f"case:{case_id}") as act:
            referral = refer_for_discipline(
                act.session, case_id, act.user,
                persons=_persons(leader, "leader") + _persons(direct, "direct"), organ=organ,
                receiving_body=body, facts=facts, basis=basis, now=utcnow(),
            )  # fmt: skip
            act.target = referral
            click.echo(f"处分移送#{referral.id}: {referral.status} → {referral.receiving_body}")
    except OversightError as exc:
        raise click_error(exc) from exc


@referral_group.command("answer")
@click.option("--referral", "referral_id", required=True, type=ID, help="The referral.")
@click.option("--outcome", required=True, type=Text(), help="What the written answer says.")
@with_appcontext
def answer(referral_id: int, outcome: str) -> None:
    """Record the receiving organ's written answer on the case's chain."""
    try:
        with signed_command("referral_answer", f"referral:{referral_id}") as act:
            referral = record_referral_answer(
                act.session, referral_id, act.user, outcome=outcome, now=utcnow()
            )
            click.echo(f"处分移送#{referral.id}: {referral.status}")
    except OversightError as exc:
        raise click_error(exc) from exc


@referral_group.command("list")
@click.option("--case", "case_id", type=ID, help="Only this case's referrals.")
@with_appcontext
def list_referrals(case_id: int | None) -> None:
    """The referrals of the signed-in user's authority, newest first."""
    with signed_command("referral_list", changes=False) as act:
        for r in referrals_of(act.session, act.user, case_id):
            persons = "、".join(f"{p['name']}（{p['post']}）" for p in r.persons or [])
            click.echo(f"#{r.id} 案件{r.case_id} {r.status} {r.receiving_body} {persons}".rstrip())


def register(group: click.Group) -> None:
    """Add ``referral`` to the ``oversight`` command."""
    group.add_command(referral_group)
