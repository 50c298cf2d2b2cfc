"""Who is asking: the one place the web layer learns the actor of a request.

Every view passes this actor to the read and command functions of ``cases``, which decide what
it may see and do; no view decides that itself. Keeping the question in one function means the
way a request is tied to a person can change here without touching any view.
"""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from cases.core.vocabulary import Role
from cases.models import User
from cases.registry.register import SYSTEM_USERNAME
from web.database import db


def current_actor() -> User:
    """The user this request acts as.

    The pages have no sign-in, so every request acts as the system actor (role ``system``),
    which may read every case: what the pages show is exactly what the database holds. Once
    requests are tied to a signed-in person, this returns that person, and the same queries
    narrow what each page shows to what that person may see.

    The system actor's row is read, never created: a read-only request writes nothing. On a
    database that has none yet (no deadline has run), an unsaved stand-in with the same role is
    used.
    """
    if "actor" not in g:
        actor = db().scalar(select(User).where(User.username == SYSTEM_USERNAME))
        g.actor = actor if actor is not None else _system_stand_in()
    return g.actor


def _system_stand_in() -> User:
    return User(
        username=SYSTEM_USERNAME, display_name="自动任务", role=Role.SYSTEM.value, active=True
    )
