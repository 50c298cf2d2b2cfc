"""``oversight circular``: a case's 情况通报 made, published and listed from the command line.

    oversight circular make --case 7 --title "关于…的情况通报" --content "…"
    oversight circular make --penalty 3 --title "关于…的通报批评" --content "…"
    oversight circular publish --circular 2 --take-down 2026-06-30
    oversight circular list [--case 7] [--public]

Each acts as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``). Only arguments and
printing here; the rules live in :mod:`cases.casework.circulars`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext

from cases.casework.circulars import (
    circulars_of,
    make_circular,
    make_criticism_circular,
    public_circulars,
    publish_circular,
)
from cases.core.clock import shanghai_midnight_utc, to_shanghai, utcnow
from cases.core.errors import OversightError
from web.cli.signin import signed_command
from web.cli.support import ID, Text, click_error


@click.group("circular")
def circular_group() -> None:
    """Circulars (情况通报) of cases: make a draft, publish it, list them."""


@circular_group.command("make")
@click.option("--case", "case_id", type=ID, help="The case it reports (情况通报).")
@click.option(
    "--penalty", "penalty_id", type=ID,
    help="Or the decided penalty whose 通报批评 it carries out (a circular of criticism).",
)  # fmt: skip
@click.option("--title", required=True, type=Text(), help="The circular's title.")
@click.option("--content", required=True, type=Text(), help="The circular's text.")
@with_appcontext
def make(case_id: int | None, penalty_id: int | None, title: str, content: str) -> None:
    """Make a draft circular for a case, or a 通报批评 for a penalty (nothing is public yet)."""
    if (case_id is None) == (penalty_id is None):
        raise click.ClickException("请指定 --case 或 --penalty 之一 (give --case or --penalty)")
    try:
        target = f"penalty:{penalty_id}" if penalty_id is not None else f"case:{case_id}"
        with signed_command("circular_make", target) as act:
            session, user = act.session, act.user
            if penalty_id is not None:
                circular = make_criticism_circular(
                    session, penalty_id, user, title=title, content=content, now=utcnow()
                )
            else:
                assert case_id is not None
                circular = make_circular(
                    session, case_id, user, title=title, content=content, now=utcnow()
                )
            act.target = circular
            click.echo(f"通报#{circular.id}: 草稿 (draft)")
    except OversightError as exc:
        raise click_error(exc) from exc


@circular_group.command("publish")
@click.option("--circular", "circular_id", required=True, type=ID, help="The draft circular.")
@click.option(
    "--take-down", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The last day it stays public (taken down at that day's 24:00, Asia/Shanghai).",
)  # fmt: skip
@with_appcontext
def publish(circular_id: int, take_down: datetime) -> None:
    """Publish a circular and deliver it through the outbox."""
    try:
        end = shanghai_midnight_utc(take_down.date() + timedelta(days=1))
    except OverflowError as exc:
        raise click.ClickException("撤下日期无效 (invalid take-down date)") from exc
    try:
        with signed_command("circular_publish", f"circular:{circular_id}") as act:
            circular = publish_circular(
                act.session, circular_id, act.user, take_down_at=end, now=utcnow()
            )
            click.echo(f"通报#{circular.id}: 已发布，{take_down.date()}当日24时撤下")
    except OversightError as exc:
        raise click_error(exc) from exc


@circular_group.command("list")
@click.option("--case", "case_id", type=ID, help="Only this case's circulars.")
@click.option("--public", is_flag=True, help="Only what the public page shows now.")
@with_appcontext
def list_circulars(case_id: int | None, public: bool) -> None:
    """The circulars of the signed-in user's authority, newest first."""
    with signed_command("circular_list", changes=False) as act:
        session, user = act.session, act.user
        if public:
            if user.authority_id is None:
                return
            for p in public_circulars(session, user.authority_id, utcnow()):
                click.echo(f"#{p.id} {to_shanghai(p.published_at):%Y-%m-%d} {p.title}")
            return
        for c in circulars_of(session, user, case_id):
            when = f"{to_shanghai(c.published_at):%Y-%m-%d}" if c.published_at else "草稿"
            click.echo(f"#{c.id} 案件{c.case_id} {when} {c.title}")


def register(group: click.Group) -> None:
    """Add ``circular`` to the ``oversight`` command."""
    group.add_command(circular_group)
