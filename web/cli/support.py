"""What every ``oversight`` command group needs: the app's session factory, the authority a
command acts for, and the bounded parameter types (``ID``; what ``int`` and ``str`` become)."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.core.errors import OversightError
from cases.core.text import control_character
from cases.models import Authority
from workflows.fields import INT4_MAX, INT4_MIN


def session_factory() -> sessionmaker[Session]:
    return current_app.extensions["oversight.sessions"]


def authority_by_code(session: Session, code: str | None) -> Authority:
    """The authority named by ``code``; without one, the only authority there is (a district
    installation needs no flag; a province's must say which)."""
    if code:
        found = session.scalar(select(Authority).where(Authority.code == code))
        if found is None:
            raise click.ClickException(f"没有代码为{code}的档案机关 (no authority {code!r})")
        return found
    everyone = list(session.scalars(select(Authority).order_by(Authority.code)))
    if len(everyone) != 1:
        codes = ", ".join(a.code for a in everyone) or "none"
        raise click.ClickException(f"请用 --authority 指定档案机关 (choose one: {codes})")
    return everyone[0]


def click_error(exc: OversightError) -> click.ClickException:
    """A service's refusal as the command's error line, in both languages (exit status 1)."""
    return click.ClickException(f"{exc.reason_zh} ({exc.reason_en})")


class _Text(click.ParamType):
    """Text without NUL or another control character (``cases.core.text.control_character``):
    PostgreSQL refuses NUL, and the others have no place in a name or a note."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and (found := control_character(value)) is not None:
            self.fail(
                f"含有不允许的控制字符 U+{ord(found):04X} (contains a control character)",
                param,
                ctx,
            )
        return value


#: A record id: a whole number a PostgreSQL ``integer`` holds, from 1 (``--unit-id 12``).
ID = click.IntRange(1, INT4_MAX)
ID.name = "id"
#: What a plain ``type=int`` means in ``oversight`` (web/cli/guard.py): a 32-bit whole number.
WHOLE_NUMBER = click.IntRange(INT4_MIN, INT4_MAX)
TEXT = _Text()
