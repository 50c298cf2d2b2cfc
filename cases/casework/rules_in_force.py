"""Open cases move to the case machine in force (程序从新): ``oversight db upgrade`` runs this
after the migrations.

A case stores the machine version it was opened under so that a change of the rules never
rewrites what happened. What is still to happen, though, follows the procedure in force: the
seed's rule that a case is closed only once its circular is published did not begin with
version 2 — version 1 simply failed to enforce it on the superior's-instructions path. So every
open case (not closed) of an older version moves to the current one, each with an event on its
chain saying from which version and why (the history shows exactly when the stricter rule began
to apply to it). An escalated case of version 1 had no answer deadline on its reports: each
report to the network-security authority, the superior archives department and the district
government gets one, counted from the report's own date, so a long-silent superior is
reminded about at once.

A version may only be moved to when every state of the old one exists in it; a test pins
that for each version kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.casework.context import await_escalation_answer
from cases.casework.door import record_case_event
from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import DeadlineKind, ReportRecipient
from cases.models import Case, Deadline, Report
from cases.registry.register import system_actor
from workflows.case_machine import MACHINE_VERSION

#: Why each move is made, as the event records it.
WHY: dict[int, tuple[str, str]] = {
    2: (
        "按上级处理意见结案须先发布情况通报；上报材料设定答复期限",
        "Closing on instructions needs the published circular; escalation reports await answers",
    ),
}


def move_open_cases(session: Session, now: datetime, settings: Settings | None = None) -> int:
    """Move every open case of an older machine version to :data:`MACHINE_VERSION`; returns how
    many moved. Idempotent: a second run finds none."""
    settings = settings or current_settings()
    ids = session.scalars(
        select(Case.id)
        .where(Case.machine_version < MACHINE_VERSION, Case.state != "closed")
        .order_by(Case.id)
    ).all()
    if not ids:
        return 0
    actor = system_actor(session)
    for case_id in ids:
        case = session.get_one(Case, case_id)
        before = case.machine_version
        zh, en = WHY[MACHINE_VERSION]
        record_case_event(
            session, case_id, "machine_version_changed", actor, now=now,
            payload={"from": before, "to": MACHINE_VERSION, "why": zh, "why_en": en},
            changes={"machine_version": MACHINE_VERSION},
        )  # fmt: skip
        if before < 2 and case.state == "escalated":
            _await_answers(session, case, settings)
    session.flush()
    return len(ids)


def _await_answers(session: Session, case: Case, settings: Settings) -> None:
    waiting = set(
        session.scalars(
            select(Deadline.report_id).where(
                Deadline.case_id == case.id, Deadline.kind == DeadlineKind.ESCALATION_ANSWER
            )
        )
    )
    for report in session.scalars(
        select(Report).where(
            Report.case_id == case.id, Report.recipient != ReportRecipient.OTHER_DEPARTMENT
        )
    ):
        if report.id not in waiting:
            await_escalation_answer(session, case, report, report.created_at, settings)
