"""How an ``oversight`` command knows who is acting: :func:`signed_in`, from a token — the one in
``OVERSIGHT_TOKEN``, or the one ``oversight login`` saved (mode 0600) in ``$OVERSIGHT_HOME/token``
or ``~/.config/oversight/token``. Never a name typed on the command line: without a valid token
the command stops with exit 77 (EX_NOPERM) and says how to sign in."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from cases.accounts.administration import Actor
from cases.accounts.audit import REFUSED, audit
from cases.accounts.tokens import holder_of
from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.core.errors import NotAllowed, NotSignedIn
from cases.models import User
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
            yield session, Actor(user, address())
    except NotAllowed as exc:
        if actor_id is not None:
            with command_session(factory) as session:
                audit(
                    session, session.get(User, actor_id), action, target, REFUSED, address(),
                    utcnow(), {"reason": exc.reason_en},
                )  # fmt: skip
        raise
