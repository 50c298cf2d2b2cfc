"""The penalty as a row the door moves, and its own keyed history (:class:`PenaltyEvent`).

Written by the same writer as the inspection record's (:class:`cases.core.histories.KeyedHistory`):
each event links to the one before under the chain key (:mod:`cases.core.chain`); the table is
append-only in the database (migration 0014), so the app role may only INSERT and SELECT it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cases.core.door import Aggregate
from cases.core.histories import KeyedHistory
from cases.models import Penalty, PenaltyEvent, User

#: The penalty row: its ``status`` column is written by the generic door.
PENALTY: Aggregate[Penalty] = Aggregate(
    kind="penalty", noun_zh="行政处罚", noun_en="penalty", row_type=Penalty, state_column="status"
)
PENALTY_EVENTS: KeyedHistory[PenaltyEvent] = KeyedHistory(PenaltyEvent, "penalty_id", "penalty")


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
    return PENALTY_EVENTS.append(
        session, penalty, trigger=trigger, actor=actor, now=now, to_state=to_state,
        payload=payload, genesis=genesis,
    )  # fmt: skip


def penalty_event_doc(event: Any) -> dict[str, Any]:
    """The fields of a penalty event its link covers (a row or an object)."""
    return PENALTY_EVENTS.doc(event)
