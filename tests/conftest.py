"""Databases for the suite: real PostgreSQL (the service on 127.0.0.1) and the SQLite default.

The schema is built by the Alembic migrations, never by ``create_all``. Each test gets clean
tables: PostgreSQL is truncated, SQLite starts from a copy of a migrated template file.
With ``CI=true`` a missing PostgreSQL is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from cases.core.db import make_engine, make_session_factory
from cases.core.migrate import upgrade
from cases.core.settings import load_settings
from cases.reference.sync import sync_reference_data
from tests.support.district import district  # noqa: F401 (a fixture, shared)
from tests.support.world import World
from web.app import create_app

PG_ADMIN = os.environ.get(
    "OVERSIGHT_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
#: One database per test run, dropped at its end, so parallel runs never share tables.
PG_DB = os.environ.get("OVERSIGHT_TEST_PG_DB", f"oversight_test_{os.getpid()}")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_url(db: str = PG_DB) -> str:
    params = dict(p.split("=", 1) for p in PG_ADMIN.split())
    return f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/{db}"


def _need_postgresql(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    except psycopg.OperationalError as exc:
        _need_postgresql(str(exc))
    url = _pg_url()
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


@pytest.fixture(scope="session")
def extra_pg_database(pg_url: str) -> Iterator[Callable[[str], str]]:
    """Another migrated PostgreSQL database of this run (``<run db>_<suffix>``), for a fixture
    that keeps its data across a module's tests; all dropped at the end of the run."""
    made: list[str] = []

    def make(suffix: str) -> str:
        name = f"{PG_DB}_{suffix}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        made.append(name)
        url = _pg_url(name)
        upgrade(url)
        return url

    yield make
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=20, max_overflow=10)
    yield engine
    engine.dispose()


def truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def pg_factory(pg_engine: Engine) -> sessionmaker[Session]:
    truncate_all(pg_engine)
    factory = make_session_factory(pg_engine)
    with factory.begin() as session:
        sync_reference_data(session)
    return factory


@pytest.fixture
def sqlite_factory(sqlite_template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    path = tmp_path / "oversight.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    with factory.begin() as session:
        sync_reference_data(session)
    yield factory
    engine.dispose()


@pytest.fixture(params=["pg", "sqlite"])
def factory(request: pytest.FixtureRequest) -> sessionmaker[Session]:
    """Both databases: the suite's behaviour must hold on production and embedded defaults."""
    return request.getfixturevalue(f"{request.param}_factory")


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return World.build(factory)


@pytest.fixture
def pg_world(pg_factory: sessionmaker[Session]) -> World:
    return World.build(pg_factory)


@pytest.fixture
def app(factory: sessionmaker[Session], tmp_path: Path) -> Iterator[Flask]:
    """The Flask app on the test's database, with an instance folder and key of the test's own
    (nothing is written into the checkout) — for pages and ``oversight`` commands."""
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "test-app"}
    ).with_(database_url=url)
    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    app.extensions["oversight.engine"].dispose()
