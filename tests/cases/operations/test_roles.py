"""As the app's own database role, history cannot be rewritten and the work still gets done.

The database here is owned by a role that is no superuser (the owner of docker-compose); the
app role is set up by ``set_up_roles`` exactly as ``oversight db roles`` does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import select

from cases.casework.verification import verify_all_chains
from cases.core.db import make_engine, make_session_factory
from cases.core.errors import OperationRefused
from cases.core.migrate import upgrade
from cases.deadlines.sweeper import sweep
from cases.models import Deadline
from cases.operations.roles import regrant, set_up_roles
from cases.reference.sync import sync_reference_data
from tests.support.pg_roles import Roles, owner_and_app_roles
from tests.support.world import World

pytestmark = pytest.mark.committing


@dataclass
class Installation:
    roles: Roles
    owner_url: str
    app_url: str


@pytest.fixture(scope="module")
def installation(pg_url: str) -> Iterator[Installation]:
    """A migrated database with its reference data, owned by the owner role; the app role set
    up on it."""
    with owner_and_app_roles() as roles:
        database = roles.new_database("roles")
        owner_url, app_url = roles.owner_url(database), roles.app_url(database)
        upgrade(owner_url)
        engine = make_engine(owner_url)
        with make_session_factory(engine).begin() as session:
            sync_reference_data(session)
        engine.dispose()
        report = set_up_roles(owner_url, roles.app, roles.password)
        assert report.created
        yield Installation(roles, owner_url, app_url)


def as_app(installation: Installation) -> psycopg.Connection:
    return psycopg.connect(installation.app_url.replace("postgresql+psycopg", "postgresql"))


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "ALTER TABLE events DISABLE TRIGGER events_append_only",
        "ALTER TABLE registry_events DISABLE TRIGGER ALL",
        "DROP TRIGGER events_append_only ON events",
        "SET session_replication_role = replica",
        "ALTER TABLE inspection_events ADD COLUMN note text",
        "TRUNCATE events",
        "TRUNCATE registry_events",
        "TRUNCATE cases CASCADE",
        "UPDATE events SET payload = '{}'",
        "DELETE FROM events",
        "UPDATE inspection_events SET payload = '{}'",
        "DELETE FROM inspection_events",
        "UPDATE registry_events SET reason = 'rewritten'",
        "DELETE FROM registry_events",
        "DELETE FROM cases",
        "DROP TABLE events",
        "CREATE TABLE shadow (id int)",
        "CREATE TRIGGER t BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    ],
)
def test_the_app_role_may_not_rewrite_history(installation: Installation, statement: str) -> None:
    with as_app(installation) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_the_app_role_is_no_superuser_and_owns_nothing(installation: Installation) -> None:
    with as_app(installation) as conn:
        superuser, createrole = conn.execute(
            "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        owned = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = current_user"
        ).fetchone()[0]
        granted = dict(
            conn.execute(
                "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
                "FROM information_schema.role_table_grants WHERE grantee = current_user "
                "GROUP BY table_name"
            ).fetchall()
        )
    assert (superuser, createrole, owned) == (False, False, 0)
    for table in ("events", "inspection_events", "registry_events"):
        assert granted[table] == "INSERT,SELECT", table
    assert granted["cases"] == "INSERT,SELECT,UPDATE"
    assert granted["recusals"] == "DELETE,INSERT,SELECT,UPDATE"
    assert granted["alembic_version"] == "SELECT"
    assert not any("TRUNCATE" in p or "TRIGGER" in p for p in granted.values())


def test_setting_up_again_changes_nothing(installation: Installation) -> None:
    def grants() -> list[tuple[str, str]]:
        with psycopg.connect(installation.owner_url) as conn:
            return conn.execute(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s ORDER BY 1, 2",
                (installation.roles.app,),
            ).fetchall()

    before = grants()
    report = set_up_roles(installation.owner_url, installation.roles.app)
    assert not report.created and grants() == before
    assert regrant(installation.owner_url, installation.roles.app) is not None
    assert grants() == before


def test_a_table_made_later_is_append_only_until_grants_are_reapplied(
    installation: Installation,
) -> None:
    with psycopg.connect(installation.owner_url) as conn:
        conn.execute("CREATE TABLE later_table (id serial PRIMARY KEY, note text)")
    try:
        with as_app(installation) as conn:
            conn.execute("INSERT INTO later_table (note) VALUES ('x')")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE later_table SET note = 'y'")
        regrant(installation.owner_url, installation.roles.app)
        with as_app(installation) as conn:
            conn.execute("UPDATE later_table SET note = 'y'")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM later_table")
    finally:
        with psycopg.connect(installation.owner_url) as conn:
            conn.execute("DROP TABLE later_table")


def test_the_owner_itself_is_refused_as_app_role(installation: Installation) -> None:
    with pytest.raises(OperationRefused, match="owner"):
        set_up_roles(installation.owner_url, installation.roles.owner)


def test_a_case_runs_its_course_as_the_app_role(installation: Installation) -> None:
    """Open a case, advance it, let its deadline lapse through the sweeper — all as the app."""
    engine = make_engine(installation.app_url)
    try:
        world = World.build(make_session_factory(engine))
        case_id = world.case_for_state("rectifying")
        with world.factory() as s:
            due = s.scalars(
                select(Deadline.due_at).where(
                    Deadline.case_id == case_id, Deadline.kind == "rectification"
                )
            ).one()
        result = sweep(world.factory, due + timedelta(minutes=1))
        assert (result.fired, result.failed) == (1, 0)
        assert world.state(case_id) == "overdue"
        with world.factory() as s:
            assert list(verify_all_chains(s)) == []
    finally:
        engine.dispose()
