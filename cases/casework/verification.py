"""Verify every keyed chain — the cases', the inspection records' (and their sealed content),
the registers', the penalties', the audit log's — and compare them with the signed checkpoints kept outside the database
(``oversight verify-events``; the backup's restore calls :func:`verify_everything`).

What each check catches: a link that does not verify under the keyring (an event rewritten and
re-hashed without the key, an unkeyed or unknown-key link); a gap or a head that disagrees (an
event removed); a sealed record whose content no longer matches its seal; and, against the
checkpoints, a chain shorter than a checkpoint recorded (an older backup restored), a chain
whose link at a recorded seq differs (history replaced), a chain a checkpoint knew and the
database has lost (a case erased), a table with fewer rows than counted (truncated).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.accounts.audit import AUDIT_OWNER, verify_audit_log
from cases.core.chain import (
    CHAIN_NOUNS,
    ChainBreak,
    Expected,
    Problem,
    chain_break,
    verify_chain,
    verify_links,
)
from cases.core.chainkeys import Keyring, keyring_for, writing_keyring
from cases.core.checkpoints import compare_counts, expectations, load_checkpoints
from cases.core.settings import Settings
from cases.inspections.history import content_digest, inspection_event_doc, sealed_content
from cases.models import Case, Event, Inspection, InspectionEvent, PenaltyEvent, RegistryEvent
from cases.penalties.history import penalty_event_doc
from cases.registry.history import registry_event_doc
from cases.registry.records import recorded_problems
from workflows.inspection_machine import SEALED_STATES

#: What checkpoints recorded, by chain: (chain, owner id) → seq → (link, checkpoint name).
Expectations = MutableMapping[tuple[str, int], Expected]


def verify_everything(session: Session, settings: Settings) -> list[Problem]:
    """Every problem found in the chains and against the checkpoints (empty: all verifies)."""
    keyring = keyring_for(settings)
    checkpoints, problems = load_checkpoints(settings, keyring)
    expected = expectations(checkpoints)
    problems.extend(verify_all_chains(session, keyring=keyring, expected=expected))
    for (chain, owner), seqs in sorted(expected.items()):
        seq, (_, name) = max(seqs.items())
        problems.append(
            Problem(
                f"{CHAIN_NOUNS[chain]} {owner}",
                f"missing: checkpoint {name} recorded its chain up to seq {seq} (erased?)",
                f"缺失：检查点 {name} 记录了其链至序号 {seq}（被删除？）",
            )
        )
    problems.extend(compare_counts(session, checkpoints))
    return problems


def verify_all_chains(
    session: Session,
    batch: int = 500,
    *,
    keyring: Keyring | None = None,
    expected: Expectations | None = None,
) -> Iterator[ChainBreak]:
    """Yield every break found, chain by chain, streaming events in owner order. The chains
    seen are taken out of ``expected``: what is left there, the database has lost."""
    keyring = keyring or writing_keyring()
    expected = expected if expected is not None else {}
    yield from _case_chains(session, batch, keyring, expected)
    yield from _inspection_chains(session, batch, keyring, expected)
    yield from _register_chains(session, keyring, expected)
    yield from recorded_problems(session)
    yield from _penalty_chains(session, keyring, expected)
    yield from verify_audit_log(session, keyring, expected.pop(("audit", AUDIT_OWNER), None))


def _case_chains(
    session: Session, batch: int, keyring: Keyring, expected: Expectations
) -> Iterator[ChainBreak]:
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
                c.id, c.chain_algorithm, c.chain_seq, c.chain_head, events[c.id], keyring,
                expected.pop(("case", c.id), None),
            )  # fmt: skip
        session.expunge_all()
        last_id = ids[-1]


def _inspection_chains(
    session: Session, batch: int, keyring: Keyring, expected: Expectations
) -> Iterator[ChainBreak]:
    last_id = 0
    while True:
        records = session.execute(
            select(Inspection.id, Inspection.status)
            .where(Inspection.id > last_id)
            .order_by(Inspection.id)
            .limit(batch)
        ).all()
        if not records:
            return
        ids = [r.id for r in records]
        events: dict[int, list[InspectionEvent]] = {i: [] for i in ids}
        for ev in session.scalars(
            select(InspectionEvent)
            .where(InspectionEvent.inspection_id.in_(ids))
            .order_by(InspectionEvent.inspection_id, InspectionEvent.seq)
        ):
            events[ev.inspection_id].append(ev)
        for r in records:
            chain = events[r.id]
            yield from verify_links(
                "inspection", r.id, ((ev, inspection_event_doc(ev)) for ev in chain), keyring,
                expected=expected.pop(("inspection", r.id), None),
            )  # fmt: skip
            if r.status in SEALED_STATES:
                yield from _check_seal(session, r.id, chain)
        session.expunge_all()
        last_id = ids[-1]


def _check_seal(
    session: Session, inspection_id: int, chain: list[InspectionEvent]
) -> Iterator[ChainBreak]:
    seal = next(
        (ev for ev in chain if isinstance(ev.payload, dict) and "sealed" in ev.payload), None
    )
    if seal is None:
        yield chain_break(
            "inspection", inspection_id, None, None,
            "sealed record carries no content seal", "已签字的检查记录没有内容封存摘要",
        )  # fmt: skip
        return
    now = content_digest(sealed_content(session, inspection_id), seal.algorithm or "")
    if now != seal.payload["sealed"]:
        yield chain_break(
            "inspection", inspection_id, seal.seq, seal.id,
            "sealed content altered (digest mismatch)", "已封存的记录内容被改动（摘要不符）",
        )  # fmt: skip


def _register_chains(
    session: Session, keyring: Keyring, expected: Expectations
) -> Iterator[ChainBreak]:
    rows = session.scalars(
        select(RegistryEvent).order_by(RegistryEvent.authority_id, RegistryEvent.seq)
    )
    for authority_id, entries in groupby(rows, key=lambda e: e.authority_id):
        yield from verify_links(
            "register", authority_id, ((e, registry_event_doc(e)) for e in entries), keyring,
            expected=expected.pop(("register", authority_id), None),
        )  # fmt: skip
    session.expunge_all()


def _penalty_chains(
    session: Session, keyring: Keyring, expected: Expectations
) -> Iterator[ChainBreak]:
    rows = session.scalars(select(PenaltyEvent).order_by(PenaltyEvent.penalty_id, PenaltyEvent.seq))
    for penalty_id, entries in groupby(rows, key=lambda e: e.penalty_id):
        yield from verify_links(
            "penalty", penalty_id, ((e, penalty_event_doc(e)) for e in entries), keyring,
            expected=expected.pop(("penalty", penalty_id), None),
        )  # fmt: skip
    session.expunge_all()


def count_cases(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Case)) or 0
