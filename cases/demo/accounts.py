"""Sign-in for the demo district: a one-time password for one person of each role, so that
the README's first command ends with a system a person can use.

Each password is random, shown once (the ``seed-demo`` output and ``<instance>/demo-accounts.txt``,
0600) and must be changed at the first sign-in; the supervisor and the administrators then
enrol their second factor, as anyone would. The other demo staff have no password: they exist
for the data (officers on notices, liaisons of units) and sign in nowhere until an
administrator gives them one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.accounts.passwords import set_one_time_password
from cases.core.settings import Settings
from cases.core.vocabulary import Role
from cases.models import User

#: Who signs in in the demo: one of each role (the first liaison by id).
DEMO_PEOPLE = ("zhouzhenhua", "zhanglijun", "wangxiaoyan", "wujianguo", "sysadmin", "secadmin",
               "audadmin")  # fmt: skip
FILE_NAME = "demo-accounts.txt"


def give_demo_passwords(
    session: Session, settings: Settings, now: datetime
) -> list[tuple[User, str]]:
    """A one-time password for each demo person without one yet; returns them (shown once)."""
    people = list(session.scalars(select(User).where(User.username.in_(DEMO_PEOPLE))))
    liaison = session.scalar(
        select(User).where(User.role == Role.UNIT_LIAISON.value).order_by(User.id).limit(1)
    )
    if liaison is not None:
        people.append(liaison)
    given = []
    for user in sorted(people, key=lambda u: u.id):
        if user.password_hash:
            continue
        password = set_one_time_password(session, user, settings, now)
        given.append((user, password))
    return given


def write_demo_accounts(instance: Path, given: list[tuple[User, str]]) -> Path:
    """The list beside the database, readable by its owner only."""
    path = instance / FILE_NAME
    lines = ["# Oversight 演示账号（首次登录须修改密码）: 用户名  一次性密码  角色  姓名"]
    lines += [f"{u.username}\t{p}\t{Role(u.role).label_zh}\t{u.display_name}" for u, p in given]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
