"""How an ``oversight`` command knows who is acting: :func:`signed_in`, from a token — the one in
``OVERSIGHT_TOKEN``, or the one ``oversight login`` saved (mode 0600) in ``$OVERSIGHT_HOME/token``
or ``~/.config/oversight/token``. Never a name typed on the command line: without a valid token
the command stops with exit 77 (EX_NOPERM) and says how to sign in. A command's work runs in
:func:`signed_command` (or, for the administrators' commands that audit themselves,
:func:`acting`): one transaction as that user, a refusal audited, a change audited with it."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.accounts.administration import Actor
from cases.accounts.audit import REFUSED, SUCCESS, acting_from, audit, target_of
from cases.accounts.tokens import holder_of
from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.core.errors import NotAllowed, NotFound, NotSignedIn
from cases.models import Authority, User
from web.cli.guard import EXIT_NOPERM, CommandFailed
from web.cli.support import session_factory

TOKEN_VARIABLE = "OVERSIGHT_TOKEN"
HOME_VARIABLE = "OVERSIGHT_HOME"


def token_file() -> Path:
    home = os.environ.get(HOME_VARIABLE)
    folder = Path(home) if home else Path.home() / ".config" / "oversight"
    return folder / "token"


def save_token(token: str) -> Path:
    """Write the token where only its owner may read it (0600, folder 0700), replacing it whole."""
    path = token_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".token.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (token + "\n").encode("ascii"))
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def saved_token() -> str | None:
    """The token this command acts with: ``OVERSIGHT_TOKEN``, else the saved one."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        return token
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        return token_file().read_text(encoding="ascii").strip() or None
    return None


def address() -> str:
    """Where a command-line action comes from, for the audit log."""
    return f"cli@{socket.gethostname()}"[:64]


def signed_in(session: Session, now: datetime | None = None) -> User:
    """The user the command acts as, or exit 77 with why not and how to sign in."""
    token = saved_token()
    if token is None:
        raise CommandFailed(
            "未登录：请先运行 oversight login，或设置 OVERSIGHT_TOKEN "
            "(not signed in: run `oversight login` or set OVERSIGHT_TOKEN)",
            EXIT_NOPERM,
        )
    try:
        return holder_of(session, token, now or utcnow())
    except NotSignedIn as exc:
        raise CommandFailed(f"{exc.reason_zh} ({exc.reason_en})", EXIT_NOPERM) from None


@contextlib.contextmanager
def acting(action: str, target: str = "") -> Iterator[tuple[Session, Actor]]:
    """One command transaction as the signed-in user. A refusal of the permission function is
    written to the audit log in a transaction of its own (the command's is rolled back) and
    then answered as usual."""
    factory = session_factory()
    actor_id: int | None = None
    try:
        with command_session(factory) as session:
            user = signed_in(session)
            actor_id = user.id
            acting_from(session, address())
            yield session, Actor(user, address())
    except NotAllowed as exc:
        if actor_id is not None:
            with command_session(factory) as session:
                audit(
                    session, session.get(User, actor_id), action, target, REFUSED, address(),
                    utcnow(), {"reason": exc.reason_en},
                )  # fmt: skip
        raise


@dataclass
class Act:
    """A command's work as the signed-in ``user``: what it concerns (``target``, set once known —
    the row it made) and any ``detail``, for its audit entry."""

    session: Session
    user: User
    target: Any = ""
    detail: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def signed_command(action: str, target: Any = "", *, changes: bool = True) -> Iterator[Act]:
    """One command as the signed-in user (:func:`acting`: exit 77 without a valid token, a refusal
    audited). A command that ``changes`` something writes its success to the audit log in the
    command's transaction, so the change and its record commit together or not at all; a command that
    only reads writes nothing."""
    with acting(action, target_of(target)) as (session, actor):
        act = Act(session, actor.user, target)
        yield act
        if changes:
            audit(
                session, actor.user, action, act.target, SUCCESS, actor.address, utcnow(),
                act.detail or None,
            )  # fmt: skip


def own_authority(act: Act, code: str | None, duty: Duty) -> Authority:
    """The authority a command of the signed-in user concerns: the one ``--authority`` names,
    else the user's own — either way one they may take ``duty`` for (a liaison, an
    administrator or another authority's officer is refused)."""
    require(act.user, duty)
    if code:
        found = act.session.scalar(select(Authority).where(Authority.code == code))
        if found is None:
            raise NotFound(f"没有代码为{code}的档案机关", f"No authority {code!r}")
    else:
        found = act.session.get(Authority, act.user.authority_id)
        if found is None:
            raise NotAllowed("该账号不属于任何档案机关", "This account belongs to no authority")
    require(act.user, duty, found)
    return found
