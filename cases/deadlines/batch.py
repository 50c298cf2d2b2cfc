"""What a sweeper already holds for the batch it fires, so the one door need not ask again.

The sweeper claims a batch of due deadlines with ``FOR UPDATE OF deadlines, cases`` in one
transaction: from that moment the cases and the deadline rows are locked by it and cannot change
under it. Asking the database again, per firing, for the case row, for "the open rectification
deadline" or for whether an idempotency key was used, costs a round trip each and tells nothing
new (bench/deadlines.py: it halved the firing rate). So the sweeper puts what it read into a
:class:`FiringBatch` on the session, and the door and the transition context consult it first.

While a group of firings runs, the door's Core writes (the event, the case row, the settled
deadline, notifications, the referral) are held back and sent at the group's end as one
executemany per statement — a few round trips for fifty firings instead of five each. A read
through the session, or an ORM flush, sends them first (the hooks below), so nothing in a
transition can see the database without its own writes; every held-back UPDATE must hit exactly
one row, or the group fails.

Nothing else changes: each firing still goes through :func:`cases.casework.door.advance`
with its guards, effects, hash-chained event and version-guarded write, and is still
all-or-nothing (the sweeper redoes a failed group one savepoint per firing, writes sent at once,
after forgetting the cases the failed group touched).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase

from cases.core.errors import Conflict

if TYPE_CHECKING:
    from cases.models import Case, User

_KEY = "oversight.firing_batch"


class ClaimedDeadline(NamedTuple):
    """A deadline row as claimed (and locked) by the sweeper (a tuple: a thousand are built per
    claim, and a frozen dataclass costs several times more to build)."""

    id: int
    case_id: int | None
    kind: str
    status: str
    due_at: datetime
    attempts: int


@dataclass
class FiringBatch:
    #: Cases locked by the claim in this transaction, loaded once for the batch.
    locked_cases: dict[int, Case] = field(default_factory=dict)
    #: (case id, kind) → the open deadline the claim locked (the one the firing settles).
    open_deadlines: dict[tuple[int, str], ClaimedDeadline] = field(default_factory=dict)
    #: Idempotency keys checked in one query for the whole batch and found unused.
    unused_keys: set[str] = field(default_factory=set)
    #: Supervisors per authority, read once per batch (every lapse alerts them).
    supervisors: dict[int, list[User]] = field(default_factory=dict)

    #: While true, :func:`write` holds Core writes back until :func:`send_held_writes`.
    holding: bool = False
    held: dict[tuple[int, frozenset[str]], tuple[UpdateBase, list[dict[str, Any]]]] = field(
        default_factory=dict
    )

    def forget_cases(self) -> None:
        """After a rolled-back group: the loaded case objects may hold values the database no
        longer has, so the door locks and reloads each case again."""
        self.locked_cases.clear()


def current_batch(session: Session) -> FiringBatch | None:
    return session.info.get(_KEY)


@contextmanager
def firing(session: Session, batch: FiringBatch) -> Iterator[FiringBatch]:
    """Make ``batch`` visible to the door for the duration of the block, and send any held-back
    writes before the session reads or flushes (listeners on this session only, so requests and
    tasks that fire no batch pay nothing)."""
    session.info[_KEY] = batch
    event.listen(session, "do_orm_execute", _send_before_reading)
    event.listen(session, "before_flush", _send_before_flushing)
    try:
        yield batch
    finally:
        event.remove(session, "before_flush", _send_before_flushing)
        event.remove(session, "do_orm_execute", _send_before_reading)
        session.info.pop(_KEY, None)


def write(
    session: Session, stmt: UpdateBase, params: dict[str, Any] | list[dict[str, Any]]
) -> int | None:
    """Execute a prebuilt INSERT/UPDATE now — one row, or several as one executemany — and
    return its row count; or hold it back while a sweeper's group is firing (returns None;
    :func:`send_held_writes` checks the counts)."""
    rows = params if isinstance(params, list) else [params]
    batch = current_batch(session)
    if batch is not None and batch.holding:
        for row in rows:
            key = (id(stmt), frozenset(row))  # executemany needs one set of keys per statement
            batch.held.setdefault(key, (stmt, []))[1].append(row)
        return None
    return session.connection().execute(stmt, params).rowcount


def send_held_writes(session: Session) -> None:
    """One executemany per statement, in the order first used; an UPDATE (each written for one
    row by its id) that misses a row means someone else changed it: the group fails."""
    batch = current_batch(session)
    if batch is None or not batch.held:
        return
    held, batch.held = batch.held, {}
    connection = session.connection()
    for stmt, rows in held.values():
        result = connection.execute(stmt, rows)
        if stmt.is_update and result.rowcount != len(rows):
            raise Conflict(
                "批量处理期间记录已被他人更新", "A row changed while the batch was firing"
            )


def drop_held_writes(session: Session) -> None:
    batch = current_batch(session)
    if batch is not None:
        batch.held.clear()


def _send_before_reading(state: ORMExecuteState) -> None:
    send_held_writes(state.session)


def _send_before_flushing(session: Session, context: Any, instances: Any) -> None:
    send_held_writes(session)
