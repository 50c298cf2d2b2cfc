"""What every ``oversight`` command group needs: the app's session factory and the authority a
command acts for."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.core.errors import OversightError
from cases.models import Authority


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
