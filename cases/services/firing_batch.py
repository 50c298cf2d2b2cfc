"""What a sweeper already holds for the batch it fires, so the one door need not ask again.

The sweeper claims a batch of due deadlines with ``FOR UPDATE OF deadlines, cases`` in one
transaction: from that moment the cases and the deadline rows are locked by it and cannot change
under it. Asking the database again, per firing, for the case row, for "the open rectification
deadline" or for whether an idempotency key was used, costs a round trip each and tells nothing
new (bench/deadlines.py: it halved the firing rate). So the sweeper puts what it read into a
:class:`FiringBatch` on the session, and the door and the transition context consult it first.

Nothing else changes: each firing still goes through :func:`cases.services.advance.advance`
with its guards, effects, hash-chained event and version-guarded write, and is still
all-or-nothing (the sweeper redoes a failed group one savepoint per firing, after forgetting the
cases the failed group touched).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from cases.models import Case, User

_KEY = "oversight.firing_batch"


@dataclass(frozen=True, slots=True)
class ClaimedDeadline:
    """A deadline row as claimed (and locked) by the sweeper."""

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

    def forget_cases(self) -> None:
        """After a rolled-back group: the loaded case objects may hold values the database no
        longer has, so the door locks and reloads each case again."""
        self.locked_cases.clear()


def current_batch(session: Session) -> FiringBatch | None:
    return session.info.get(_KEY)


@contextmanager
def firing(session: Session, batch: FiringBatch) -> Iterator[FiringBatch]:
    """Make ``batch`` visible to the door for the duration of the block."""
    session.info[_KEY] = batch
    try:
        yield batch
    finally:
        session.info.pop(_KEY, None)
