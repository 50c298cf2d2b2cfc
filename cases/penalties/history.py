"""The penalty as a row the door moves, and its own keyed history (:class:`PenaltyEvent`).

Built like the inspection record's (:mod:`cases.inspections.history`): each event links to the
one before under the chain key (:mod:`cases.core.chain`); the table is append-only in the
database (migration 0014), so the app role may only INSERT and SELECT it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from cases.core.chain import GENESIS, canonical_json, link_doc, preferred_algorithm, timestamp
from cases.core.chainkeys import writing_keyring
from cases.core.door import Aggregate
from cases.core.writes import add_object
from cases.models import Penalty, PenaltyEvent, User

_LAST_LINK = (
    select(PenaltyEvent.seq, PenaltyEvent.hash)
    .where(PenaltyEvent.penalty_id == bindparam("penalty_id"))
    .order_by(PenaltyEvent.seq.desc())
    .limit(1)
)

#: The penalty row: its ``status`` column is written by the generic door.
PENALTY: Aggregate[Penalty] = Aggregate(
    kind="penalty", noun_zh="行政处罚", noun_en="penalty", row_type=Penalty, state_column="status"
)


def append_penalty_event(
    session: Session,
    penalty: Penalty,
    *,
    trigger: str,
    actor: User,
    now: datetime,
    to_state: str,
    payload: dict[str, Any],
    genesis: bool = False,
) -> PenaltyEvent:
    """The next event of a locked penalty's history, linked to the last one under the chain
    key; ``genesis``: its first event (立案)."""
    last = session.execute(_LAST_LINK, {"penalty_id": penalty.id}).first()
    seq, prev = (last.seq, last.hash or "") if last is not None else (0, GENESIS)
    payload = json.loads(canonical_json(payload))  # stored as linked: one text per value
    event = PenaltyEvent(
        penalty_id=penalty.id, seq=seq + 1, trigger=trigger,
        from_state=None if genesis else penalty.status, to_state=to_state, actor_id=actor.id,
        at=now, payload=payload, prev_hash=prev,
    )  # fmt: skip
    link_penalty_event(event)
    add_object(session, event)
    return event


def penalty_event_doc(event: Any) -> dict[str, Any]:
    """The fields of a penalty event its link covers (a row or an object)."""
    return {
        "penalty": event.penalty_id,
        "seq": event.seq,
        "trigger": event.trigger,
        "from": event.from_state,
        "to": event.to_state,
        "actor": event.actor_id,
        "at": timestamp(event.at),
        "payload": canonical_json(event.payload),
        "prev": event.prev_hash,
    }


def link_penalty_event(event: PenaltyEvent) -> None:
    """Fill in the event's link (``prev_hash`` set) under the process's current chain key."""
    key = writing_keyring().current
    event.algorithm = preferred_algorithm()
    event.key_id = key.key_id
    event.hash = link_doc(penalty_event_doc(event), key, event.algorithm)
