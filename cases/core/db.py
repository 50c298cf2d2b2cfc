"""Engine, sessions and the two transaction kinds every caller uses.

* ``read_session`` — a plain (deferred) transaction for pages and reports.
* ``command_session`` — the transaction of one command (a trigger, an import): on PostgreSQL rows
  are locked with ``SELECT … FOR UPDATE`` by the services; on SQLite, where ``FOR UPDATE`` is
  silently dropped, the transaction starts with ``BEGIN IMMEDIATE`` so writers are serialised
  from their first statement (IMMEDIATE for readers too made them block writers for 30 s).

Commit happens here, at the edge, never inside a service.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, aware UTC out — SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: times are stored as aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


IMMEDIATE = "oversight_immediate"


def _install_sqlite_hooks(engine: Engine) -> None:
    """SQLAlchemy's documented recipe: let SQLAlchemy, not pysqlite, emit BEGIN (so SAVEPOINTs
    work), and choose ``BEGIN IMMEDIATE`` for command transactions."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        _private_database_file(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _private_database_file(cursor: Any) -> None:
    """Make the SQLite file 0600 before its WAL and shared-memory files exist (SQLite gives them
    the database file's mode): it holds complaints and personal data. An in-memory database
    has no file; a file owned by someone else is left to its owner."""
    for _, name, path in cursor.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            with contextlib.suppress(PermissionError, FileNotFoundError):
                os.chmod(path, 0o600)
                for suffix in ("-wal", "-shm", "-journal"):
                    if os.path.exists(path + suffix):
                        os.chmod(path + suffix, 0o600)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _install_sqlite_hooks(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # No ping before every checkout by default: it costs a round trip per transaction (~10% of
    # the one door, bench/door.py). After a database restart SQLAlchemy invalidates the
    # pool on the first disconnect error, so one command per process fails cleanly (rolled back)
    # and the next succeeds. OVERSIGHT_DB_PRE_PING=1 trades the round trip for that one error.
    kwargs.setdefault("pool_pre_ping", os.environ.get("OVERSIGHT_DB_PRE_PING", "0") == "1")
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def begin_command(session: Session) -> None:
    """Start the session's transaction as a command transaction (IMMEDIATE on SQLite)."""
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: True})


@contextmanager
def command_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One command, one transaction: commit on success, roll back everything on any error."""
    with factory() as session:
        begin_command(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        try:
            yield session
        finally:
            session.rollback()


def is_postgresql(session_or_engine: Session | Engine) -> bool:
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "postgresql"
