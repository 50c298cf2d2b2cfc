"""The database's own refusal to UPDATE or DELETE a history table (events, the inspection
record's, the register's, the penalties' …): the hash chains detect what slips past it (a
superuser disabling triggers, a raw file edit), the triggers stop everything else.

One pattern for every such table, so the migrations that make one append-only say only which
table and how its rows are called in the refusal. The SQL is exactly what the migrations wrote
before they shared it (the names and messages are part of the schema a test compares).

On SQLite, ``batch_alter_table`` recreates a table to alter it and the triggers go with the old
one: a migration that batch-alters a history table calls :func:`make_append_only` again after.
"""

from __future__ import annotations

from alembic import op


def make_append_only(table: str, rows: str) -> None:
    """Refuse UPDATE and DELETE on ``table``; ``rows`` names them in the message
    (``'registry events'`` → "registry events are append-only (UPDATE refused)")."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$\n"
            f"BEGIN\n    RAISE EXCEPTION '{rows} are append-only (% refused)', TG_OP;\nEND;\n"
            "$$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        make_sqlite_guards(table, rows)


def make_sqlite_guards(table: str, rows: str) -> None:
    """SQLite's two triggers alone (after a batch alteration recreated the table)."""
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{rows} are append-only ({action} refused)'); END"
        )


def drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    else:
        drop_sqlite_guards(table)


def drop_sqlite_guards(table: str) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
