"""``oversight verify-events``, ``oversight checkpoint`` and ``oversight chain …``: the keyed
history chains, their checkpoints outside the database and the chain key's rotation."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.casework.verification import verify_all_chains, verify_everything
from cases.core.chainkeys import keyring_for, rotate_key
from cases.core.checkpoints import (
    checkpoint_dir,
    load_checkpoints,
    retire_checkpoints,
    retirements,
    write_checkpoint,
)
from cases.core.clock import utcnow
from cases.core.db import command_session, read_session
from cases.core.errors import OversightError
from cases.models import ChainKeyRotation
from web.cli.support import click_error, session_factory


@contextlib.contextmanager
def answered(doing_zh: str, doing_en: str) -> Iterator[None]:
    """A refusal as its bilingual message; a file that cannot be written as what and why."""
    try:
        yield
    except OversightError as exc:
        raise click_error(exc) from exc
    except OSError as exc:
        raise click.ClickException(
            f"无法{doing_zh}：{exc.strerror} (cannot {doing_en}: {exc})"
        ) from exc


def register(main: click.Group) -> None:
    main.add_command(verify_events)
    main.add_command(checkpoint)
    main.add_command(accept_restore)
    main.add_command(chain_group)


@click.command("verify-events")
@with_appcontext
def verify_events() -> None:
    """Verify every keyed chain (cases, inspection records, registers) and compare them with the
    signed checkpoints; exit 1 naming each problem (校验全部事件链与检查点)."""
    settings = current_app.config["OVERSIGHT"]
    try:
        with read_session(session_factory()) as session:
            problems = verify_everything(session, settings)
        checkpoints, _ = load_checkpoints(settings, keyring_for(settings))
    except OversightError as exc:
        raise click_error(exc) from exc
    for problem in problems:
        click.echo(f"BROKEN {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found — 发现 {len(problems)} 个问题", err=True)
        sys.exit(1)
    click.echo("all event chains verify — 全部事件链校验通过")
    for at, reason in retirements(settings):
        click.echo(f"checkpoints retired at {at} after a restore — 恢复后停用的检查点: {reason}")
    if checkpoints:
        click.echo(
            f"checked against {len(checkpoints)} checkpoint(s) in {checkpoint_dir(settings)}"
        )
    else:
        click.echo(
            f"no checkpoint yet in {checkpoint_dir(settings)} (write one: oversight checkpoint)"
            " — 尚无检查点"
        )


@click.command("checkpoint")
@with_appcontext
def checkpoint() -> None:
    """Write a signed checkpoint of every chain head and history table count, outside the
    database (写入检查点)."""
    settings = current_app.config["OVERSIGHT"]
    with answered("写入检查点", "write the checkpoint"), read_session(session_factory()) as session:
        path = write_checkpoint(session, settings)
    click.echo(f"checkpoint written: {path}")


@click.command("accept-restore")
@click.option("--reason", required=True, help="Why the older state is accepted (kept with it).")
@with_appcontext
def accept_restore(reason: str) -> None:
    """After an older backup was restored on purpose: print what the checkpoints say is lost,
    retire them (kept, with the reason) and write a checkpoint of the restored state
    (确认恢复：停用旧检查点)."""
    settings = current_app.config["OVERSIGHT"]
    if not reason.strip():
        raise click.UsageError("请写明原因 (give the reason)")
    with (
        answered("停用检查点", "retire the checkpoints"),
        read_session(session_factory()) as session,
    ):
        broken = list(verify_all_chains(session, keyring=keyring_for(settings)))
        if broken:  # lost history may be accepted; forged history never
            for problem in broken:
                click.echo(f"BROKEN {problem}", err=True)
            click.echo(
                "事件链本身校验失败，不能确认 (the chains themselves do not verify:"
                " only lost history can be accepted)",
                err=True,
            )
            sys.exit(1)
        lost = verify_everything(session, settings)
        for problem in lost:
            click.echo(f"accepted: {problem}")
        retired = retire_checkpoints(settings, reason.strip())
        path = write_checkpoint(session, settings)
    click.echo(f"checkpoints retired to {retired}")
    click.echo(f"checkpoint written: {path}")


@click.group("chain")
def chain_group() -> None:
    """The chain key (链密钥): its id, its rotation."""


@chain_group.command("key-id")
@with_appcontext
def key_id() -> None:
    """Print the current chain key's id and the ids the keyring knows (never a key)."""
    try:
        ring = keyring_for(current_app.config["OVERSIGHT"])
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(f"current: {ring.current.key_id} (HMAC-{ring.algorithm.upper()})")
    for kid in sorted(set(ring.keys) - {ring.current.key_id}):
        click.echo(f"retired: {kid}")


@chain_group.command("rotate-key")
@with_appcontext
def rotate_key_command() -> None:
    """Make a new chain key for new links; the old one moves to the keyring, so old links still
    verify. The rotation is recorded (a row, and a checkpoint signed with the new key)."""
    settings = current_app.config["OVERSIGHT"]
    with answered("轮换链密钥", "rotate the chain key"):
        rotation = rotate_key(settings)
        with command_session(session_factory()) as session:
            session.add(
                ChainKeyRotation(
                    at=utcnow(), key_id=rotation.current.key_id,
                    retired_key_id=rotation.retired.key_id,
                    algorithm=keyring_for(settings).algorithm, note="oversight chain rotate-key",
                )
            )  # fmt: skip
        with read_session(session_factory()) as session:
            path = write_checkpoint(session, settings)
    click.echo(f"chain key rotated: {rotation.retired.key_id} → {rotation.current.key_id}")
    click.echo(f"checkpoint written: {path}")
    click.echo("restart the web app and the workers so they make new links with the new key")
