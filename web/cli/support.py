"""What every ``oversight`` command group needs: the app's session factory, the authority a
command acts for, and the bounded parameter types (``ID``; what ``int`` and ``str`` become)."""

from __future__ import annotations

import builtins
import math
import re
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


class Text(click.ParamType):
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


class CheckedPath(click.Path):
    """A ``click.Path`` that refuses a control character before touching the file system
    (``os.stat("a\\x00b")`` raises ``ValueError``, not a clear message). Made from a command's
    own ``click.Path`` by :meth:`of`, keeping every option it chose."""

    @classmethod
    def of(cls, path: click.Path) -> CheckedPath:
        checked = cls.__new__(cls)
        checked.__dict__.update(path.__dict__)
        return checked

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and (found := control_character(value)) is not None:
            self.fail(
                f"路径含有不允许的控制字符 U+{ord(found):04X} (the path contains a control character)",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


class WholeNumber(click.IntRange):
    """A whole number written in ASCII digits (``int("１")`` is 1 in Python: not here), within
    ``min``..``max`` and never beyond what a PostgreSQL ``integer`` holds."""

    name = "integer"

    def __init__(self, min: int | None = None, max: int | None = None, **kwargs: Any) -> None:
        low = INT4_MIN if min is None else builtins.max(min, INT4_MIN)
        high = INT4_MAX if max is None else builtins.min(max, INT4_MAX)
        super().__init__(low, high, **kwargs)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not _ASCII_INTEGER.fullmatch(value.strip()):
            self.fail(f"“{value[:40]}”不是整数 ({value[:40]!r} is not a whole number)", param, ctx)
        return super().convert(value.strip() if isinstance(value, str) else value, param, ctx)


class FiniteNumber(click.FloatRange):
    """A number that is not NaN or infinite (``float("nan")`` passes every range check)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"“{value}”不是有限的数 ({value!r} is not a finite number)", param, ctx)
        return number


_ASCII_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")

#: A record id: a whole number a PostgreSQL ``integer`` holds, from 1 (``--unit-id 12``).
ID = WholeNumber(1, INT4_MAX)
ID.name = "id"
TEXT = Text()
