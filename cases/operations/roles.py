"""Two database roles on PostgreSQL: the owner migrates, the app only reads and appends.

Why: a process connected as the owner of its tables can ``ALTER TABLE events DISABLE TRIGGER``,
rewrite history and re-hash it, or ``TRUNCATE`` it. The web app and the workers therefore
connect as an *app role* that owns nothing, is no superuser, and holds only the privileges the
code uses:

* the append-only tables (case events, inspection events, the register's history and every
  table a migration guards with an ``…_append_only`` trigger): ``SELECT`` and ``INSERT``;
* every other table: ``SELECT, INSERT, UPDATE``, and ``DELETE`` only on the few tables the code
  deletes from (:data:`DELETED_FROM`); ``TRUNCATE``, ``REFERENCES`` and ``TRIGGER`` nowhere;
* ``alembic_version``: ``SELECT`` only; sequences: ``USAGE``.

:func:`grant_app_role` is idempotent: it revokes what the role holds on each table and grants
exactly the above, so ``oversight db upgrade`` re-applies it after every migration. Default
privileges give a table created later ``SELECT, INSERT`` only (the safe side) until then.
SQLite has no roles; its triggers stay the guard there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from cases.core.errors import OperationRefused

#: Append-only by design (DESIGN: every event is kept), whatever triggers a database has.
APPEND_ONLY = frozenset({"events", "inspection_events", "registry_events"})

#: The tables the code deletes rows from — found by grepping for ``delete(`` and
#: ``session.delete`` and by running the suite's committing tests as the app role:
#: a year's calendar days replaced, a recusal lifted, an officer taken off a record.
DELETED_FROM = frozenset({"calendar_days", "recusals", "inspection_officers"})

#: Read, never written by the app (Alembic's bookkeeping).
READ_ONLY = frozenset({"alembic_version"})

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_APP_ROLE = "oversight_app"


@dataclass
class RolesReport:
    """What :func:`set_up_roles` did, for the command's output."""

    app_role: str
    owner: str
    created: bool = False
    append_only: list[str] = field(default_factory=list)
    deletable: list[str] = field(default_factory=list)
    other_tables: int = 0
    sequences: int = 0

    def summary(self) -> str:
        verb = "created" if self.created else "updated"
        return (
            f"role {self.app_role} {verb} (tables owned by {self.owner}); "
            f"append-only (SELECT, INSERT): {', '.join(self.append_only) or '-'}; "
            f"DELETE also on: {', '.join(self.deletable) or '-'}; "
            f"{self.other_tables} other table(s) SELECT, INSERT, UPDATE; "
            f"{self.sequences} sequence(s) USAGE"
        )


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://…``) as libpq takes it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise OperationRefused(
            "数据库角色只适用于PostgreSQL（SQLite由触发器保护）",
            "database roles apply to PostgreSQL only (SQLite keeps its triggers)",
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def url_user(url: str) -> tuple[str | None, str | None]:
    """The user name and password a database URL connects with."""
    parsed = make_url(url)
    return parsed.username, parsed.password


def check_role_name(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise OperationRefused(
            f"角色名称无效：{name!r}（小写字母、数字、下划线）",
            f"invalid role name {name!r} (lower-case letters, digits, underscores)",
        )
    return name


def append_only_tables(conn: psycopg.Connection) -> set[str]:
    """:data:`APPEND_ONLY` plus every table a migration guards with an append-only trigger."""
    guarded = conn.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgname LIKE '%append_only%'"
    ).fetchall()
    return set(APPEND_ONLY) | {row[0] for row in guarded}


def set_up_roles(owner_url: str, app_role: str, app_password: str | None = None) -> RolesReport:
    """Create or update the app role and grant it exactly what it needs, as the owner.

    Raises:
        OperationRefused: the app role would be the owner, a superuser or a member of the
            owner; or the owner may not create the role.
    """
    check_role_name(app_role)
    with psycopg.connect(libpq_url(owner_url)) as conn:
        owner = conn.execute("SELECT current_user").fetchone()[0]
        if app_role == owner:
            raise OperationRefused(
                f"应用角色不能是表的所有者（{owner}）",
                f"the app role must not be the owner of the tables ({owner})",
            )
        row = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = %s",
            (app_role,),
        ).fetchone()
        report = RolesReport(app_role=app_role, owner=owner, created=row is None)
        role = sql.Identifier(app_role)
        if row is not None and (row[0] or row[3]):
            raise OperationRefused(
                f"角色{app_role}是超级用户或可绕过行级安全，请由超级用户执行 "
                f"ALTER ROLE {app_role} NOSUPERUSER NOBYPASSRLS",
                f"role {app_role} is a superuser or bypasses row security; a superuser must "
                f"first run ALTER ROLE {app_role} NOSUPERUSER NOBYPASSRLS",
            )
        # only a superuser may even name SUPERUSER/BYPASSRLS in ALTER ROLE; a new role has neither
        attributes = sql.SQL("LOGIN NOCREATEDB NOCREATEROLE")
        if app_password:
            attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(app_password))
        try:
            if row is None:
                conn.execute(sql.SQL("CREATE ROLE {} {}").format(role, attributes))
            elif row[1] or row[2] or app_password:
                conn.execute(sql.SQL("ALTER ROLE {} {}").format(role, attributes))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise OperationRefused(
                f"所有者{owner}无权创建或修改角色{app_role}（需要CREATEROLE，或由超级用户先建好）",
                f"the owner {owner} may not create or alter role {app_role} (it needs "
                f"CREATEROLE, or a superuser creates the role first): {exc.diag.message_primary}",
            ) from exc
        if conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (app_role, owner)).fetchone()[0]:
            raise OperationRefused(
                f"应用角色{app_role}是所有者{owner}的成员，会继承其权限",
                f"the app role {app_role} is a member of the owner {owner} and would inherit "
                "its rights",
            )
        grant_app_role(conn, app_role, report)
    return report


def grant_app_role(
    conn: psycopg.Connection, app_role: str, report: RolesReport | None = None
) -> RolesReport:
    """Revoke and re-grant the app role's privileges on every table and sequence (idempotent)."""
    owner = conn.execute("SELECT current_user").fetchone()[0]
    report = report or RolesReport(app_role=app_role, owner=owner)
    role = sql.Identifier(app_role)
    database = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role)
    )
    conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC, {}").format(role))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
    append_only = append_only_tables(conn)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    for table in tables:
        name = sql.Identifier("public", table)
        conn.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(name, role))
        if table in READ_ONLY:
            privileges = "SELECT"
        elif table in append_only:
            privileges = "SELECT, INSERT"
            report.append_only.append(table)
        elif table in DELETED_FROM:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
            report.deletable.append(table)
        else:
            privileges = "SELECT, INSERT, UPDATE"
            report.other_tables += 1
        conn.execute(sql.SQL("GRANT {} ON TABLE {} TO {}").format(sql.SQL(privileges), name, role))
    sequences = [
        r[0]
        for r in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
            "ORDER BY sequencename"
        )
    ]
    for sequence in sequences:
        name = sql.Identifier("public", sequence)
        conn.execute(sql.SQL("REVOKE ALL ON SEQUENCE {} FROM {}").format(name, role))
        conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(name, role))
    report.sequences = len(sequences)
    # a table a later migration creates: the safe side until the grants are re-applied
    conn.execute(
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO {}"
        ).format(role)
    )
    conn.execute(
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {}").format(
            role
        )
    )
    return report


def regrant(owner_url: str, app_role: str) -> RolesReport | None:
    """After a migration: re-apply the app role's grants if the role exists (else nothing)."""
    check_role_name(app_role)
    with psycopg.connect(libpq_url(owner_url)) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (app_role,)).fetchone()
        if exists is None:
            return None
        return grant_app_role(conn, app_role)


def app_role_for(owner_url: str, app_url: str, explicit: str | None) -> str:
    """The app role's name: given, else the app URL's user when it is not the owner's, else
    :data:`DEFAULT_APP_ROLE`."""
    if explicit:
        return check_role_name(explicit)
    owner_user, _ = url_user(owner_url)
    app_user, _ = url_user(app_url) if app_url.startswith("postgresql") else (None, None)
    if app_user and app_user != owner_user:
        return check_role_name(app_user)
    return DEFAULT_APP_ROLE
