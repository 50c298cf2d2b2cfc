"""The one writer of a secondary aggregate's keyed history: the inspection record's and the
penalty's (a case's own chain is :mod:`cases.casework.history`).

Each such history is a table of events, one owner column (``inspection_id``, ``penalty_id``), a
``seq`` per owner and a link to the event before under the chain key (:mod:`cases.core.chain`).
:class:`KeyedHistory` holds what differs — the event type, the owner column, the name the owner
goes by in the linked document — so appending, the document a link covers and the link itself
are written once. The document's fields and their order are those the stored links were made
over: changing them would break every stored hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from cases.core.chain import GENESIS, canonical_json, link_doc, preferred_algorithm, timestamp
from cases.core.chainkeys import writing_keyring
from cases.core.writes import add_object

E = TypeVar("E")


@dataclass(frozen=True)
class KeyedHistory(Generic[E]):
    """One secondary aggregate's history table: ``event_type`` rows owned through ``owner_column``,
    named ``doc_name`` in the document each link covers."""

    event_type: type[E]
    owner_column: str
    doc_name: str
    _last_link: Select[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        events: Any = self.event_type
        owner = getattr(events, self.owner_column)
        last = (
            select(events.seq, events.hash)
            .where(owner == bindparam("owner_id"))
            .order_by(events.seq.desc())
            .limit(1)
        )
        object.__setattr__(self, "_last_link", last)

    def append(
        self,
        session: Session,
        owner: Any,
        *,
        trigger: str,
        actor: Any,
        now: datetime,
        to_state: str,
        payload: dict[str, Any],
        genesis: bool = False,
    ) -> E:
        """The next event of a locked owner's history (an ORM object: its page reads it), linked
        to the last one under the chain key; ``genesis``: the owner's first event."""
        last = session.execute(self._last_link, {"owner_id": owner.id}).first()
        seq, prev = (last.seq, last.hash or "") if last is not None else (0, GENESIS)
        payload = json.loads(canonical_json(payload))  # stored as linked: one text per value
        event = self.event_type(
            **{self.owner_column: owner.id}, seq=seq + 1, trigger=trigger,
            from_state=None if genesis else owner.status, to_state=to_state, actor_id=actor.id,
            at=now, payload=payload, prev_hash=prev,
        )  # fmt: skip
        self.link(event)
        add_object(session, event)
        return event

    def doc(self, event: Any) -> dict[str, Any]:
        """The fields of an event its link covers (a row or an object)."""
        return {
            self.doc_name: getattr(event, self.owner_column),
            "seq": event.seq,
            "trigger": event.trigger,
            "from": event.from_state,
            "to": event.to_state,
            "actor": event.actor_id,
            "at": timestamp(event.at),
            "payload": canonical_json(event.payload),
            "prev": event.prev_hash,
        }

    def link(self, event: Any) -> None:
        """Fill in the event's link (``prev_hash`` set) under the process's current chain key."""
        key = writing_keyring().current
        event.algorithm = preferred_algorithm()
        event.key_id = key.key_id
        event.hash = link_doc(self.doc(event), key, event.algorithm)
