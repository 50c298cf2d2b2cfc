"""The penalty as a row the door moves, and its own keyed history (:class:`PenaltyEvent`).

Written by the same writer as the inspection record's (:class:`cases.core.histories.KeyedHistory`):
each event links to the one before under the chain key (:mod:`cases.core.chain`); the table is
append-only in the database (migration 0014), so the app role may only INSERT and SELECT it."""

from __future__ import annotations

from typing import Any

from cases.core.door import Aggregate
from cases.core.histories import KeyedHistory
from cases.models import Penalty, PenaltyEvent

#: The penalty row: its ``status`` column is written by the generic door.
PENALTY: Aggregate[Penalty] = Aggregate(
    kind="penalty", noun_zh="行政处罚", noun_en="penalty", row_type=Penalty, state_column="status"
)
PENALTY_EVENTS: KeyedHistory[PenaltyEvent] = KeyedHistory(PenaltyEvent, "penalty_id", "penalty")


#: The next event of a locked penalty's history, linked to the last one under the chain key;
#: ``genesis``: its first event (立案).
append_penalty_event = PENALTY_EVENTS.append


def penalty_event_doc(event: Any) -> dict[str, Any]:
    """The fields of a penalty event its link covers (a row or an object)."""
    return PENALTY_EVENTS.doc(event)
