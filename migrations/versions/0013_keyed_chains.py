"""keyed chains: every history link an HMAC under the chain key; the register and the inspection
records chained; the key rotations recorded

Adds the key id to the cases' events; the link columns (algorithm, key id, previous link, link)
to the inspection records' events and to the register's history (one chain per authority, with
its ``seq``); the table of chain-key rotations; append-only triggers on ``inspection_events``.

Then re-links every existing chain with the configured chain key (``OVERSIGHT_CHAIN_KEY`` /
``OVERSIGHT_CHAIN_KEY_FILE`` / ``<instance>/chain_key``): the cases' events, the inspection
records' events (the event that sealed a record gets the digest of its sealed content) and the
register's entries, and moves each case's head. Rewriting history like this is acceptable only
because every deployment so far holds demo or development data (no bureau runs Oversight yet);
after this migration no unkeyed link remains, and verification refuses one. The append-only
triggers are lifted for the re-linking and put back, inside the migration's transaction.

Downgrade drops the new columns and table: the links left are keyed, which the code before this
revision cannot verify — restore a backup instead of downgrading a real database.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

import cases.core.db
from cases.core.chain import GENESIS, Link, canonical_json, link_doc, preferred_algorithm
from cases.core.chainkeys import ChainKey, keyring_for
from cases.core.clock import utcnow
from cases.core.settings import current_settings

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC_DT = cases.core.db.UTCDateTime(timezone=True)
SEALED_STATES = ("signed", "archived")  # workflows.inspection_machine at this revision

events = sa.table(
    "events",
    *(sa.column(n) for n in ("id", "case_id", "seq", "trigger", "from_state", "to_state")),
    *(sa.column(n) for n in ("actor_id", "actor_role", "payload", "idempotency_key")),
    sa.column("occurred_at", UTC_DT),
    *(sa.column(n) for n in ("algorithm", "key_id", "prev_hash", "hash")),
)
cases_t = sa.table("cases", sa.column("id"), sa.column("chain_algorithm"), sa.column("chain_head"))
inspection_events = sa.table(
    "inspection_events",
    *(sa.column(n) for n in ("id", "inspection_id", "seq", "trigger", "from_state", "to_state")),
    sa.column("actor_id"),
    sa.column("at", UTC_DT),
    sa.column("payload", sa.JSON()),
    *(sa.column(n) for n in ("algorithm", "key_id", "prev_hash", "hash")),
)
registry_events = sa.table(
    "registry_events",
    *(sa.column(n) for n in ("id", "authority_id", "kind", "unit_id", "officer_id", "actor_id")),
    sa.column("at", UTC_DT),
    sa.column("reason"),
    sa.column("payload", sa.JSON()),
    *(sa.column(n) for n in ("seq", "algorithm", "key_id", "prev_hash", "hash")),
)


def _link_columns(*, with_algorithm: bool) -> Iterator[sa.Column[Any]]:
    if with_algorithm:
        yield sa.Column("algorithm", sa.String(length=10), nullable=True)
    yield sa.Column("key_id", sa.String(length=16), nullable=True)
    if with_algorithm:
        yield sa.Column("prev_hash", sa.String(length=64), nullable=True)
        yield sa.Column("hash", sa.String(length=64), nullable=True)


def upgrade() -> None:
    op.add_column("events", sa.Column("key_id", sa.String(length=16), nullable=True))
    for column in _link_columns(with_algorithm=True):
        op.add_column("inspection_events", column)
    op.add_column("registry_events", sa.Column("seq", sa.Integer(), nullable=True))
    for column in _link_columns(with_algorithm=True):
        op.add_column("registry_events", column)
    op.create_index(
        "ix_registry_events_chain", "registry_events", ["authority_id", "seq"], unique=True
    )
    op.create_table(
        "chain_key_rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DT, nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("retired_key_id", sa.String(length=16), nullable=True),
        sa.Column("algorithm", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_key_rotations")),
    )
    keyring = keyring_for(current_settings())
    key = keyring.current
    conn = op.get_bind()
    _lift_guards(conn)
    _relink_cases(conn, key)
    _relink_inspections(conn, key)
    _relink_registers(conn, key)
    _make_inspection_events_append_only(conn)
    _restore_guards(conn)
    conn.execute(
        sa.table(
            "chain_key_rotations", *(sa.column(n) for n in ("key_id", "algorithm", "note")),
            sa.column("at", UTC_DT),
        ).insert(),
        {"at": utcnow(), "key_id": key.key_id, "algorithm": keyring.algorithm,
         "note": "0013: existing chains re-linked with this key"},
    )  # fmt: skip


def downgrade() -> None:
    conn = op.get_bind()
    _drop_inspection_events_append_only(conn)
    op.drop_table("chain_key_rotations")
    op.drop_index("ix_registry_events_chain", table_name="registry_events")
    for name in ("hash", "prev_hash", "key_id", "algorithm", "seq"):
        op.drop_column("registry_events", name)
    for name in ("hash", "prev_hash", "key_id", "algorithm"):
        op.drop_column("inspection_events", name)
    op.drop_column("events", "key_id")


# ---- re-linking -------------------------------------------------------------------------------


def _relink_cases(conn: sa.Connection, key: ChainKey) -> None:
    heads = dict(conn.execute(sa.select(cases_t.c.id, cases_t.c.chain_algorithm)).all())
    rows = conn.execute(sa.select(events).order_by(events.c.case_id, events.c.seq))
    for case_id, chain in groupby(rows, key=lambda r: r.case_id):
        algorithm, prev = heads[case_id], GENESIS
        for ev in chain:
            link = Link(
                ev.case_id, ev.seq, ev.trigger, ev.from_state, ev.to_state, ev.actor_id,
                ev.actor_role, ev.occurred_at, ev.payload, ev.idempotency_key, prev,
            ).mac(key, algorithm)  # fmt: skip
            conn.execute(
                events.update().where(events.c.id == ev.id),
                {"algorithm": algorithm, "key_id": key.key_id, "prev_hash": prev, "hash": link},
            )
            prev = link
        conn.execute(cases_t.update().where(cases_t.c.id == case_id), {"chain_head": prev})


def _relink_inspections(conn: sa.Connection, key: ChainKey) -> None:
    from cases.inspections.history import content_digest, inspection_event_doc, sealed_content

    algorithm = preferred_algorithm()
    rows = conn.execute(
        sa.select(inspection_events).order_by(
            inspection_events.c.inspection_id, inspection_events.c.seq
        )
    )
    for inspection_id, chain in groupby(list(rows), key=lambda r: r.inspection_id):
        prev = GENESIS
        sealed_done = False
        for ev in chain:
            payload = dict(ev.payload or {})
            if not sealed_done and ev.to_state in SEALED_STATES:
                if ev.from_state not in SEALED_STATES:
                    content = sealed_content(conn, inspection_id)
                    payload["sealed"] = content_digest(content, algorithm)
                sealed_done = True
            payload = json.loads(canonical_json(payload))
            values = {**ev._mapping, "payload": payload, "prev_hash": prev}
            link = link_doc(inspection_event_doc(_Row(values)), key, algorithm)
            conn.execute(
                inspection_events.update().where(inspection_events.c.id == ev.id),
                {"payload": payload, "algorithm": algorithm, "key_id": key.key_id,
                 "prev_hash": prev, "hash": link},
            )  # fmt: skip
            prev = link


def _relink_registers(conn: sa.Connection, key: ChainKey) -> None:
    from cases.registry.history import registry_event_doc

    algorithm = preferred_algorithm()
    rows = conn.execute(
        sa.select(registry_events).order_by(registry_events.c.authority_id, registry_events.c.id)
    )
    for _, entries in groupby(list(rows), key=lambda r: r.authority_id):
        prev = GENESIS
        for seq, entry in enumerate(entries, start=1):
            payload = json.loads(canonical_json(entry.payload or {}))
            values = {**entry._mapping, "seq": seq, "payload": payload, "prev_hash": prev}
            link = link_doc(registry_event_doc(values), key, algorithm)
            conn.execute(
                registry_events.update().where(registry_events.c.id == entry.id),
                {"seq": seq, "payload": payload, "algorithm": algorithm, "key_id": key.key_id,
                 "prev_hash": prev, "hash": link},
            )  # fmt: skip
            prev = link


class _Row:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


# ---- the append-only guards -------------------------------------------------------------------

_SQLITE_GUARDS = {
    "events": ("events_no_update", "events_no_delete", "events are append-only"),
    "registry_events": (
        "registry_events_no_update",
        "registry_events_no_delete",
        "registry events are append-only",
    ),
}
_PG_GUARDS = {"events": "events_append_only", "registry_events": "registry_events_append_only"}


def _lift_guards(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        for table, trigger in _PG_GUARDS.items():
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    else:
        for no_update, no_delete, _ in _SQLITE_GUARDS.values():
            op.execute(f"DROP TRIGGER IF EXISTS {no_update}")
            op.execute(f"DROP TRIGGER IF EXISTS {no_delete}")


def _restore_guards(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        for table, trigger in _PG_GUARDS.items():
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    else:
        for table, (no_update, no_delete, message) in _SQLITE_GUARDS.items():
            for name, action in ((no_update, "UPDATE"), (no_delete, "DELETE")):
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, '{message} ({action} refused)'); END"
                )


_PG_FUNCTION = """
CREATE FUNCTION inspection_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inspection events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def _make_inspection_events_append_only(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER inspection_events_append_only BEFORE UPDATE OR DELETE ON "
            "inspection_events FOR EACH ROW EXECUTE FUNCTION inspection_events_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER inspection_events_no_{action.lower()} BEFORE {action} "
                f"ON inspection_events BEGIN SELECT RAISE(ABORT, "
                f"'inspection events are append-only ({action} refused)'); END"
            )


def _drop_inspection_events_append_only(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS inspection_events_append_only ON inspection_events")
        op.execute("DROP FUNCTION IF EXISTS inspection_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS inspection_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS inspection_events_no_delete")
