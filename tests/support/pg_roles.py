"""PostgreSQL databases owned by a role of the test's own, with an app role beside it.

Roles belong to the whole cluster, so each name carries the run's pid and a random tag, and
everything made here is dropped afterwards (databases first, then the roles); roles made by
anyone else are never touched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg

PG_ADMIN = os.environ.get(
    "OVERSIGHT_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
_PARAMS = dict(p.split("=", 1) for p in PG_ADMIN.split())
HOST, PORT = _PARAMS.get("host", "127.0.0.1"), _PARAMS.get("port", "5432")
RUN = os.environ.get("OVERSIGHT_TEST_PG_DB", f"oversight_test_{os.getpid()}")


def url(user: str, password: str, database: str) -> str:
    return f"postgresql://{user}:{password}@{HOST}:{PORT}/{database}"


@dataclass
class Roles:
    """An owner role (LOGIN CREATEROLE, no superuser) and the app role's name and password."""

    owner: str
    app: str
    password: str
    databases: list[str] = field(default_factory=list)
    template: str = ""

    def owner_url(self, database: str) -> str:
        return url(self.owner, self.password, database)

    def app_url(self, database: str) -> str:
        return url(self.app, self.password, database)

    def new_database(self, suffix: str, template: str | None = None) -> str:
        """A database owned by the owner role, empty or a copy of ``template`` (dropped with
        the roles)."""
        name = f"{RUN}_{suffix}_{secrets.token_hex(2)}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER "{self.owner}"{copy}')
        self.databases.append(name)
        return name


@contextmanager
def owner_and_app_roles() -> Iterator[Roles]:
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    roles = Roles(owner=f"ov_owner_{tag}", app=f"ov_app_{tag}", password=secrets.token_hex(8))
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"CREATE ROLE \"{roles.owner}\" LOGIN CREATEROLE PASSWORD '{roles.password}'")
    try:
        yield roles
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in roles.databases:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{roles.app}"')
            conn.execute(f'DROP ROLE IF EXISTS "{roles.owner}"')
