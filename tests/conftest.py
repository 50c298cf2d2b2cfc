"""Databases for the suite: real PostgreSQL (the service on 127.0.0.1) and the SQLite default.

The schema is built by the Alembic migrations, never by ``create_all``, once per run, and the
reference data is loaded once. Each test then runs inside an outer transaction on one connection
that is rolled back at its end (SQLAlchemy's "joining a Session into an external transaction"):
the sessions the code under test opens are bound to that connection with
``join_transaction_mode="create_savepoint"``, so their ``commit()`` releases a savepoint and
nothing outlives the test.

Markers (registered in ``pyproject.toml``):

* ``both_databases`` — the test runs on PostgreSQL and on SQLite (ids ``[pg]``/``[sqlite]``);
  without it, PostgreSQL only. For behaviour the database decides: locking, time zones, SQL
  dialects, migrations.
* ``committing`` — the test needs real commits seen by other connections (threads, processes,
  a Celery worker, a subprocess, an app with its own engine). It commits to the run's database,
  which is emptied and given the reference data again after it (PostgreSQL), or to a copy of a
  template file of its own (SQLite) — the isolation the suite had before it learnt to roll back.

With ``CI=true`` a missing PostgreSQL is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
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
from tests.support.redis import redis_server  # noqa: F401 (a fixture, shared)
from tests.support.rollback import rolled_back
from tests.support.world import World
from web.app import create_app

PG_ADMIN = os.environ.get(
    "OVERSIGHT_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
#: One database per test run, dropped at its end, so parallel runs never share tables.
PG_DB = os.environ.get("OVERSIGHT_TEST_PG_DB", f"oversight_test_{os.getpid()}")
IN_CI = os.environ.get("CI", "").lower() == "true"
#: The run's chain key (hex), set before anything links an event: the migrations, the tests'
#: writers and the ``oversight`` subprocesses they start share it (nothing in the checkout).
os.environ.setdefault("OVERSIGHT_CHAIN_KEY", "7e57" * 16)
#: Where the sweeps of this process write their checkpoints: a folder of the run's own, never the
#: checkout's instance folder (a test that checks checkpoints names a folder of its own).
os.environ.setdefault("OVERSIGHT_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="oversight-checkpoints-"))
DATABASES = ("pg", "sqlite")


def _pg_url(db: str = PG_DB) -> str:
    params = dict(p.split("=", 1) for p in PG_ADMIN.split())
    return f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/{db}"


def _need_postgresql(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``both_databases`` tests run once per database; every other test on PostgreSQL."""
    if "database" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("database", DATABASES, indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """The test's database kind: ``pg`` unless the test is marked ``both_databases``."""
    return getattr(request, "param", "pg")


def _committing(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("committing") is not None


def _load_reference_data(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        sync_reference_data(session)


# ---- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The run's migrated PostgreSQL database (no reference data: see ``pg_engine``)."""
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
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """The run's PostgreSQL engine; the database holds the reference data between tests."""
    engine = make_engine(pg_url, pool_size=20, max_overflow=10)
    _load_reference_data(engine)
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


def _fresh(engine: Engine) -> None:
    truncate_all(engine)
    _load_reference_data(engine)


@pytest.fixture
def pg_factory(
    pg_engine: Engine, request: pytest.FixtureRequest
) -> Iterator[sessionmaker[Session]]:
    """Sessions on PostgreSQL: rolled back at the end, or real commits for ``committing``."""
    if not _committing(request):
        with rolled_back(pg_engine) as factory:
            yield factory
        return
    # Between tests the database holds the reference data and nothing else (rolled-back tests
    # leave nothing; this one cleans up after itself), so it is only emptied afterwards. Its
    # sequences do not start at 1: ids are read from the rows, never assumed.
    try:
        yield make_session_factory(pg_engine)
    finally:
        _fresh(pg_engine)


# ---- SQLite ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file without reference data (copy it, never open it)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_reference_template(sqlite_template: Path) -> Path:
    """The template with the reference data loaded (copy it, never open it)."""
    path = sqlite_template.with_name("reference.db")
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    _load_reference_data(engine)
    with engine.connect() as conn:  # fold the WAL back in: a copy takes the file alone
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_engine(
    sqlite_reference_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The run's SQLite file with the reference data, for the rolled-back tests."""
    path = tmp_path_factory.mktemp("sqlite-shared") / "oversight.db"
    shutil.copy(sqlite_reference_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    """Sessions on SQLite: rolled back at the end, or a file of the test's own for
    ``committing``."""
    if not _committing(request):
        with rolled_back(request.getfixturevalue("sqlite_engine")) as factory:
            yield factory
        return
    path = tmp_path / "oversight.db"
    shutil.copy(request.getfixturevalue("sqlite_reference_template"), path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_session_factory(engine)
    engine.dispose()


# ---- what tests ask for ------------------------------------------------------------------


@pytest.fixture
def factory(database: str, request: pytest.FixtureRequest) -> sessionmaker[Session]:
    """The test's database (PostgreSQL; both with ``both_databases``), see the module doc."""
    return request.getfixturevalue(f"{database}_factory")


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return World.build(factory)


@pytest.fixture
def pg_world(pg_factory: sessionmaker[Session]) -> World:
    return World.build(pg_factory)


def url_of(factory: sessionmaker[Session]) -> str:
    """The URL of a factory's database, to build an app on (its engine's URL: a rolled-back
    factory's connection carries a mark of the test's own that no driver would accept)."""
    bind = factory.kw["bind"]
    return bind.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def app(factory: sessionmaker[Session], tmp_path: Path) -> Iterator[Flask]:
    """The Flask app on the test's database, with an instance folder and key of the test's own
    (nothing is written into the checkout) — for pages and ``oversight`` commands. Its requests
    and commands use the test's sessions, so they see (and roll back with) the test's rows."""
    settings = load_settings(
        {
            "OVERSIGHT_INSTANCE_DIR": str(tmp_path),
            "OVERSIGHT_SECRET_KEY": "test-app",
            "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"],
        }
    ).with_(database_url=url_of(factory))
    app = create_app(settings)
    app.config.update(TESTING=True)
    app.extensions["oversight.sessions"] = factory
    yield app
    app.extensions["oversight.engine"].dispose()
