"""What a sweeper already holds for the batch it fires, so the one door need not ask again —
and whether the firings' writes go out at once or are held for the group.

The sweeper claims a batch of due deadlines with ``FOR UPDATE OF deadlines, cases`` in one
transaction: from that moment the cases and the deadline rows are locked by it and cannot change
under it. Asking the database again, per firing, for the case row, for "the open rectification
deadline", for the authority's supervisors or for whether an idempotency key was used, costs a
round trip each and tells nothing new (bench/deadlines.py: it halved the firing rate). So the
sweeper reads them once into a :class:`FiringBatch` and supplies it to the door
(:class:`cases.core.door.Prefetched`: rows by kind and key, known-unused keys).

While a group of firings runs, every Core write the door and the effects make through
:mod:`cases.core.writes` (the event, the case row, the settled deadline, notifications, the
referral) is held back by the batch (:class:`cases.core.writes.Holder`) and sent at the group's
end as one executemany per statement — a few round trips for fifty firings instead of five each.
A read through the session, or an ORM flush, sends them first (the hooks below), so nothing in a
transition can see the database without its own writes; every held-back UPDATE must hit exactly
one row, or the group fails. The decision to hold is taken here, for every effect at once.

Nothing else changes: each firing still goes through :func:`cases.casework.door.advance`
with its guards, effects, hash-chained event and version-guarded write, and is still
all-or-nothing (the sweeper redoes a failed group one savepoint per firing, writes sent at once,
after forgetting the cases the failed group touched).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Insert, Update, UpdateBase

from cases.casework.context import OPEN_DEADLINE
from cases.core.door import supplying
from cases.core.errors import Conflict
from cases.core.writes import holding_with
from cases.messages.inbox import SUPERVISORS

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

    #: While true, Core writes are held back until :func:`send_held_writes`.
    holding: bool = False
    held: dict[tuple[int, frozenset[str]], _Held] = field(default_factory=dict)

    def forget_cases(self) -> None:
        """After a rolled-back group: the loaded case objects may hold values the database no
        longer has, so the door locks and reloads each case again."""
        self.locked_cases.clear()

    # ---- what the door and the effects may ask (cases.core.door.Prefetched) ------------
    def locked(self, kind: str, key: Hashable) -> Any | None:
        if kind == "case":
            return self.locked_cases.get(key)  # type: ignore[call-overload]
        if kind == OPEN_DEADLINE:
            return self.open_deadlines.get(key)  # type: ignore[call-overload]
        if kind == SUPERVISORS:
            return self.supervisors.get(key)  # type: ignore[call-overload]
        return None

    def key_unused(self, key: str) -> bool:
        return key in self.unused_keys

    def key_used(self, key: str) -> None:
        self.unused_keys.discard(key)  # used now: a second firing must look

    # ---- whether a write goes out now (cases.core.writes.Holder) ----------------------
    def hold_insert(self, stmt: Insert, rows: list[dict[str, Any]]) -> bool:
        if not self.holding:
            return False
        for row in rows:
            self._hold(stmt, row, None)
        return True

    def hold_update(self, stmt: Update, row: dict[str, Any], changed: tuple[str, str]) -> bool:
        if not self.holding:
            return False
        self._hold(stmt, row, changed)
        return True

    def _hold(self, stmt: UpdateBase, row: dict[str, Any], changed: tuple[str, str] | None) -> None:
        key = (id(stmt), frozenset(row))  # executemany needs one set of keys per statement
        held = self.held.get(key)
        if held is None:
            held = self.held[key] = _Held(stmt, [], changed)
        held.rows.append(row)


@dataclass
class _Held:
    """Rows of one statement (one set of keys) waiting for the group's end."""

    stmt: UpdateBase
    rows: list[dict[str, Any]]
    #: An UPDATE's refusal when it misses a row (each is written for one row by its id).
    changed: tuple[str, str] | None


def current_batch(session: Session) -> FiringBatch | None:
    return session.info.get(_KEY)


@contextmanager
def firing(session: Session, batch: FiringBatch) -> Iterator[FiringBatch]:
    """Supply ``batch`` to the door and hand it the session's writes for the duration of the
    block, and send any held-back writes before the session reads or flushes (listeners on this
    session only, so requests and tasks that fire no batch pay nothing)."""
    session.info[_KEY] = batch
    event.listen(session, "do_orm_execute", _send_before_reading)
    event.listen(session, "before_flush", _send_before_flushing)
    try:
        with supplying(session, batch), holding_with(session, batch):
            yield batch
    finally:
        event.remove(session, "before_flush", _send_before_flushing)
        event.remove(session, "do_orm_execute", _send_before_reading)
        session.info.pop(_KEY, None)


def send_held_writes(session: Session) -> None:
    """One executemany per statement, in the order first used; an UPDATE (each written for one
    row by its id) that misses a row means someone else changed it: the group fails."""
    batch = current_batch(session)
    if batch is None or not batch.held:
        return
    held, batch.held = batch.held, {}
    connection = session.connection()
    for group in held.values():
        result = connection.execute(group.stmt, group.rows)
        if group.changed is not None and result.rowcount != len(group.rows):
            raise Conflict(*group.changed)


def drop_held_writes(session: Session) -> None:
    batch = current_batch(session)
    if batch is not None:
        batch.held.clear()


def _send_before_reading(state: ORMExecuteState) -> None:
    send_held_writes(state.session)


def _send_before_flushing(session: Session, context: Any, instances: Any) -> None:
    send_held_writes(session)
