"""Each test in a transaction of its own, rolled back at its end (SQLAlchemy's "joining a
Session into an external transaction"), and a guard on the one way that differs from real
commits."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, sessionmaker

from cases.core.db import make_session_factory

# ---- the rolled-back transaction -------------------------------------------------------

_test_numbers = itertools.count(1)


@contextmanager
def rolled_back(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on one connection whose outer transaction is rolled back at the end.

    Each session the code opens starts a savepoint on that connection; its ``commit()``
    releases the savepoint, its ``rollback()`` returns to it. ``begin_command``'s
    ``BEGIN IMMEDIATE`` does not apply (the connection is already in its transaction), which
    is harmless: a rolled-back test has one connection and no rival writer.
    """
    with engine.connect() as conn:
        outer = conn.begin()
        # The services key their per-process caches (calendar, citations, notice prefixes) by
        # the bind's URL; a connection has none, so it gets one of the test's own: nothing
        # cached from rows another test rolled back is ever served.
        conn.url = engine.url.update_query_dict({"oversight_test": str(next(_test_numbers))})  # type: ignore[attr-defined]
        factory = make_session_factory(engine)
        factory.configure(bind=conn, join_transaction_mode="create_savepoint")
        nesting = _Nesting()
        nesting.install(conn, factory)
        try:
            yield factory
        finally:
            if outer.is_active:
                outer.rollback()
        if nesting.undone:
            pytest.fail(
                "a session's rollback took back what another session had committed inside it "
                f"(savepoints {', '.join(nesting.undone)}); with real commits it would stand: "
                "close the outer session first, or mark the test committing",
                pytrace=False,
            )


# ---- a guard on the rolled-back pattern ---------------------------------------------------

_SAVEPOINT = re.compile(r"^\s*(RELEASE|ROLLBACK TO)?\s*SAVEPOINT\s+(\w+)", re.I)
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|ALTER|DROP|CREATE|TRUNCATE|COPY)\b", re.I)


@dataclass
class _Savepoint:
    name: str
    session: int | None = None  # the session whose transaction this is; None: a begin_nested
    wrote: bool = False  # this savepoint, or one released into it, changed rows
    holds_commit: bool = False  # another session committed rows inside it


@dataclass
class _Nesting:
    """Follows the savepoints on a test's connection, to catch the one way a rolled-back test
    can differ from real commits: a session opened while another is still open commits, and the
    outer session's rollback then takes that commit back with it. On a real database the commit
    would stand; such a test must be marked ``committing``."""

    stack: list[_Savepoint] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)

    def install(self, conn: Connection, factory: sessionmaker[Session]) -> None:
        # Read from the statements: the savepoint event fires before the name is chosen.
        event.listen(conn, "before_cursor_execute", self._execute)
        event.listen(factory, "after_begin", self._session_begins)

    def _session_begins(self, session: Session, transaction: Any, _conn: Connection) -> None:
        if transaction.parent is None and self.stack:
            self.stack[-1].session = id(session)

    def _pop(self, name: str) -> _Savepoint | None:
        while self.stack:
            top = self.stack.pop()
            if top.name == name:
                return top
        return None

    def _release(self, name: str) -> None:
        done = self._pop(name)
        if done is None or not self.stack:
            return
        outer = self.stack[-1]
        outer.wrote |= done.wrote
        outer.holds_commit |= done.holds_commit or (done.session is not None and done.wrote)

    def _rollback(self, name: str) -> None:
        done = self._pop(name)
        if done is not None and done.holds_commit:
            self.undone.append(name)

    def _execute(self, _conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if found := _SAVEPOINT.match(statement):
            verb, name = found.groups()
            if verb is None:
                self.stack.append(_Savepoint(name))
            elif verb.upper() == "RELEASE":
                self._release(name)
            else:
                self._rollback(name)
        elif self.stack and _WRITES.match(statement):
            self.stack[-1].wrote = True
