"""The one door, for any machine on any row: lock, role and scope, expected version, machine,
state, chained event, all in the caller's transaction (DESIGN §2, §3).

A :class:`Door` says what differs between the case and the inspection record — how the row is
locked and written, its state column, which machine it follows, how its event is appended, who
may do what (through :func:`cases.access.can`, supplied by the door's owner) — and
:func:`pass_through` does the rest, the same way for both. It flushes and never commits: the edge
(web request, task) commits, and a failure anywhere raises, so the caller's rollback leaves the
database as it was.

Whoever runs the door may hand it what it has already read and locked in this transaction
(:class:`Prefetched`, e.g. the deadline sweeper's batch): the door then skips its own lock and
its replay query. That is the only thing the door knows about its runner.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Update
from transitions import Machine

from cases.core.db import begin_command
from cases.core.errors import (
    Conflict,
    GuardFailed,
    InvalidTransition,
    NotFound,
    OversightError,
    UnknownTrigger,
)
from cases.core.settings import Settings
from cases.core.writes import update_row

R = TypeVar("R")  # the row: Case, Inspection
C = TypeVar("C")  # the context the machine runs on


class Labelled(Protocol):
    label_zh: str
    label_en: str


class Prefetched(Protocol):
    """What the runner of the door already read and holds locked in this transaction."""

    def locked(self, kind: str, key: Hashable) -> Any | None:
        """A row (or a read) of ``kind`` by ``key``, or None: the door reads it itself."""

    def key_unused(self, key: str) -> bool:
        """True when the idempotency key is known unused (no replay query needed)."""

    def key_used(self, key: str) -> None:
        """The door used the key: a second firing with it must look again."""


_PREFETCHED = "oversight.door.prefetched"


@contextmanager
def supplying(session: Session, prefetched: Prefetched) -> Iterator[Prefetched]:
    """Let every door (and every effect) run in this session see ``prefetched``."""
    session.info[_PREFETCHED] = prefetched
    try:
        yield prefetched
    finally:
        session.info.pop(_PREFETCHED, None)


def prefetched(session: Session, kind: str, key: Hashable) -> Any | None:
    """What the runner already holds of ``kind`` by ``key`` (None when nobody supplied it)."""
    supplied: Prefetched | None = session.info.get(_PREFETCHED)
    return supplied.locked(kind, key) if supplied is not None else None


@dataclass(frozen=True)
class Step:
    """One trigger as it passes the door, for the aggregate's event."""

    trigger: str
    actor: Any
    now: datetime
    from_state: str
    to_state: str
    data: dict[str, Any]
    idempotency_key: str | None


@dataclass(frozen=True)
class Aggregate(Generic[R]):
    """A kind of row a machine moves: how it is locked and written, and its state column."""

    #: Prefetch key and the row's name in messages (``案件``/``case``, ``检查记录``/``record``).
    kind: str
    noun_zh: str
    noun_en: str
    row_type: type[R]
    #: ``state`` / ``status``: the column the door writes and the context's attribute the
    #: machine moves.
    state_column: str
    #: Built once from ``row_type`` (hot path): ``SELECT … FOR UPDATE`` with the parameter
    #: ``id``, and ``UPDATE … WHERE id = :b_id AND version = :b_version`` (a bulk UPDATE ignores
    #: ``version_id_col``, so the version check is written out).
    lock_statement: Select[Any] = field(init=False)
    update_statement: Update = field(init=False)

    def __post_init__(self) -> None:
        table = self.row_type.__table__  # type: ignore[attr-defined]
        lock = (
            select(self.row_type)
            .where(table.c.id == bindparam("id"))
            .with_for_update(of=self.row_type)
            .execution_options(populate_existing=True)
        )
        update = (
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .where(table.c.version == bindparam("b_version"))
        )
        object.__setattr__(self, "lock_statement", lock)
        object.__setattr__(self, "update_statement", update)


@dataclass(frozen=True)
class Door(Generic[R, C]):
    """One machine on one aggregate."""

    aggregate: Aggregate[R]
    #: The trigger table: names and labels (zh, en); the states' labels.
    triggers: Collection[str]
    trigger_labels: Mapping[str, tuple[str, str]]
    #: ``clean(trigger, data)``: the trigger's data checked against its typed, bounded fields
    #: (the machine spec's), returned cleaned; raises ``InvalidInput`` naming the field.
    clean: Callable[[str, Mapping[str, Any]], dict[str, Any]]
    state_labels: Mapping[str, Labelled]
    #: ``authorize(actor, trigger, row)`` raises NotAllowed; ``row`` is None before the lock
    #: (the role), the locked row after it (the scope) — both through ``cases.access.can``.
    authorize: Callable[[Any, str, R | None], None]
    machine: Callable[[R], Machine]
    context: Callable[[Session, R, Any, datetime, str, dict[str, Any], Settings | None], C]
    #: Append the chained event; returns it and the row's columns that go with it.
    append: Callable[[Session, R, C, Step], tuple[Any, dict[str, Any]]]
    #: The effects' changes to the row's own columns.
    changes: Callable[[C], Mapping[str, Any]]
    #: A state in which no trigger applies at all, with its own refusal (a signed record).
    closed: Callable[[str], OversightError | None] = lambda state: None
    #: An event already written with this idempotency key: (event, from, to), or None.
    replay: Callable[[Session, R, str], tuple[Any, str, str] | None] | None = None
    #: Whether the machine's guards and effects get the data as keyword arguments too.
    data_to_machine: bool = False
    #: ``witness(session, kind, row, step, event)``: told of every trigger that passed, last,
    #: in the same transaction (the audit log's entry of a person's action).
    witness: Callable[[Session, str, R, Step, Any], None] | None = None


@dataclass(frozen=True)
class Passed(Generic[R, C]):
    """What one trigger did."""

    row: R
    event: Any
    from_state: str
    to_state: str
    context: C | None
    replayed: bool = False


def pass_through(
    door: Door[R, C],
    session: Session,
    row_id: int,
    trigger: str,
    actor: Any,
    *,
    now: datetime,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    settings: Settings | None = None,
    data: dict[str, Any],
) -> Passed[R, C]:
    """Fire ``trigger`` on row ``row_id`` as ``actor``. Flushes; never commits."""
    if trigger not in door.triggers:
        raise UnknownTrigger(f"未知的操作：{trigger}", f"Unknown trigger: {trigger}")
    door.authorize(actor, trigger, None)
    data = door.clean(trigger, data)  # before the lock and before any write

    aggregate = door.aggregate
    begin_command(session)
    supplied: Prefetched | None = session.info.get(_PREFETCHED)
    held = supplied.locked(aggregate.kind, row_id) if supplied is not None else None
    row: R = held if held is not None else lock_row(session, aggregate, row_id)
    door.authorize(actor, trigger, row)
    if (
        idempotency_key is not None
        and door.replay is not None
        and not (supplied is not None and supplied.key_unused(idempotency_key))
    ):
        done = door.replay(session, row, idempotency_key)
        if done is not None:
            event, from_state, to_state = done
            return Passed(row, event, from_state, to_state, None, replayed=True)
    check_version(aggregate, row, expected_version)
    if supplied is not None and idempotency_key is not None:
        supplied.key_used(idempotency_key)

    state: str = getattr(row, aggregate.state_column)
    machine = door.machine(row)
    if trigger not in machine.get_triggers(state):
        closed = door.closed(state)
        if closed is not None:
            raise closed
        zh_t, en_t = door.trigger_labels[trigger]
        label = door.state_labels[state]
        raise InvalidTransition(
            f"{aggregate.noun_zh}处于“{label.label_zh}”状态，不能执行“{zh_t}”",
            f"“{en_t}” is not possible while the {aggregate.noun_en} is “{label.label_en}”",
        )

    context = door.context(session, row, actor, now, trigger, data, settings)
    kwargs = data if door.data_to_machine else {}
    if not machine.events[trigger].trigger(context, **kwargs):
        raise GuardFailed(
            getattr(context, "refusals", None) or [("条件不满足", "A condition was not met")]
        )

    to_state: str = getattr(context, aggregate.state_column)
    step = Step(trigger, actor, now, state, to_state, data, idempotency_key)
    event, with_event = door.append(session, row, context, step)
    changes = {**door.changes(context), **with_event, aggregate.state_column: to_state}
    write_row(session, aggregate, row, changes)
    if session.new or session.dirty:  # effects kept as ORM objects (reports, results, links…)
        session.flush()
    if door.witness is not None:
        door.witness(session, aggregate.kind, row, step, event)
    return Passed(row, event, state, to_state, context)


def lock_row(session: Session, aggregate: Aggregate[R], row_id: int) -> R:
    """``SELECT … FOR UPDATE`` (PostgreSQL); SQLite holds the write lock since BEGIN IMMEDIATE."""
    row = session.scalar(aggregate.lock_statement, {"id": row_id})
    if row is None:
        raise NotFound(
            f"{aggregate.noun_zh}{row_id}不存在",
            f"{aggregate.row_type.__name__} {row_id} does not exist",
        )
    return row


def check_version(aggregate: Aggregate[Any], row: Any, expected_version: int | None) -> None:
    """The version the caller saw must still be the row's (optimistic check before any work)."""
    if expected_version is not None and row.version != expected_version:
        raise Conflict(
            f"{aggregate.noun_zh}已被他人更新（当前为第{row.version}版，您看到的是第{expected_version}版），"
            "请刷新后重试",
            f"The {aggregate.noun_en} was changed by someone else (version {row.version}, you saw "
            f"{expected_version}); reload and try again",
        )


def write_row(
    session: Session, aggregate: Aggregate[R], row: R, changes: Mapping[str, Any]
) -> None:
    """One Core UPDATE with the version bump, guarded by the version the command started from,
    then the loaded object is told the new values without being marked dirty."""
    version: int = row.version  # type: ignore[attr-defined]
    values = {**changes, "version": version + 1}
    update_row(
        session,
        aggregate.update_statement,
        {"b_id": row.id, "b_version": version, **values},  # type: ignore[attr-defined]
        changed=(
            f"{aggregate.noun_zh}已被他人更新，请刷新后重试",
            f"The {aggregate.noun_en} was changed; reload and retry",
        ),
    )
    for key, value in values.items():
        set_committed_value(row, key, value)
