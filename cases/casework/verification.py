"""Re-compute every case's event chain (``oversight verify-events``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.chain import ChainBreak, verify_chain
from cases.models import Case, Event


def verify_all_chains(session: Session, batch: int = 500) -> Iterator[ChainBreak]:
    """Yield every break found, case by case, streaming events in case order."""
    last_id = 0
    while True:
        cases = session.execute(
            select(Case.id, Case.chain_algorithm, Case.chain_seq, Case.chain_head)
            .where(Case.id > last_id)
            .order_by(Case.id)
            .limit(batch)
        ).all()
        if not cases:
            return
        ids = [c.id for c in cases]
        events: dict[int, list[Event]] = {i: [] for i in ids}
        for ev in session.scalars(
            select(Event).where(Event.case_id.in_(ids)).order_by(Event.case_id, Event.seq)
        ):
            events[ev.case_id].append(ev)
        for c in cases:
            yield from verify_chain(
                c.id, c.chain_algorithm, c.chain_seq, c.chain_head, events[c.id]
            )
        session.expunge_all()
        last_id = ids[-1]


def count_cases(session: Session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(Case)) or 0
