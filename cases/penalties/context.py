"""What the penalty machine's guards read and its effects write, for one firing.

:class:`PenaltyTransition` is the :class:`workflows.penalty_machine.PenaltyContext` the door
builds on a locked penalty: stored values overlaid by the trigger's data, the working-day
calendar of the database, and the effects, which only collect column changes (``changes``) and
what the event records (``recorded``); the door writes both with the version bump."""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.clock import local_date
from cases.core.settings import Settings, current_settings
from cases.models import Penalty, PenaltyOfficer, User
from cases.reference.calendar import calendar_for
from cases.reference.workdays import WorkdayCalendar
from workflows import penalty_machine as pm
from workflows.penalty_machine import Proposal
from workflows.rulebook import Refusal

_PROPOSAL = ("offence", "party_kind", "sanctions", "amount")
_DECISION = tuple(name for name, _, _ in pm.DECISION_CONTENT)


def _proposal(values: dict[str, Any] | None) -> Proposal | None:
    if values is None:
        return None
    return Proposal(
        values.get("offence"),
        values.get("party_kind"),
        tuple(values.get("sanctions") or ()),
        values.get("amount"),
    )


class PenaltyTransition:
    """One penalty while one trigger is fired."""

    def __init__(
        self,
        session: Session,
        penalty: Penalty,
        actor: User,
        now: datetime,
        trigger: str,
        data: dict[str, Any],
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or current_settings()
        self.session = session
        self.penalty = penalty
        self.actor = actor
        self.now = now
        self.trigger = trigger
        self.data = data
        self.status: str = penalty.status
        self.refusals: list[Refusal] = []
        self.changes: dict[str, Any] = {}
        self.recorded: dict[str, Any] = {}

    def refuse(self, zh: str, en: str, field: str | None = None) -> None:
        self.refusals.append(Refusal(zh, en, field))

    # ---- what the guards read -------------------------------------------------------------

    @property
    def today(self) -> date:
        return local_date(self.now)

    @cached_property
    def calendar(self) -> WorkdayCalendar:
        return calendar_for(self.session)

    @property
    def extension_limit(self) -> int:
        return self.settings.penalty_extension_days

    @property
    def actor_id(self) -> int:
        return self.actor.id

    @cached_property
    def officer_ids(self) -> frozenset[int]:
        rows = self.session.scalars(
            select(PenaltyOfficer.user_id).where(PenaltyOfficer.penalty_id == self.penalty.id)
        )
        return frozenset(rows)

    @cached_property
    def proposal(self) -> Proposal:
        p = self.penalty
        stored = {"offence": p.offence, "party_kind": p.party_kind, "sanctions": p.sanctions,
                  "amount": p.amount}  # fmt: skip
        given = {k: self.data[k] for k in _PROPOSAL if self.data.get(k) is not None}
        proposal = _proposal({**stored, **given})
        assert proposal is not None
        return proposal

    @property
    def reviewed(self) -> Proposal | None:
        return _proposal(self.penalty.reviewed)

    def __getattr__(self, name: str) -> Any:
        # the stored columns the guards read as they are (filed_on, review_passed, notified_on, …)
        if name in pm.PenaltyContext.__annotations__:
            return getattr(self.__dict__["penalty"], name)
        raise AttributeError(name)

    # ---- effects ------------------------------------------------------------------------------

    def _given(self, *names: str) -> dict[str, Any]:
        return {n: self.data[n] for n in names if self.data.get(n) is not None}

    def write_proposal(self, event: Any) -> None:
        p = self.proposal
        self.changes.update(
            offence=p.offence, party_kind=p.party_kind, sanctions=list(p.sanctions),
            amount=p.amount, facts=self.data.get("facts") or self.penalty.facts,
            review_passed=False, reviewed=None,
        )  # fmt: skip

    def record_review(self, event: Any) -> None:
        passed = self.trigger == "pass_review"
        p = self.proposal
        self.changes.update(
            review_passed=passed,
            reviewer_id=self.actor.id,
            reviewed={"offence": p.offence, "party_kind": p.party_kind,
                      "sanctions": list(p.sanctions), "amount": p.amount} if passed else None,
        )  # fmt: skip
        self.recorded["reviewed"] = self.changes["reviewed"]

    def write_notice(self, event: Any) -> None:
        on: date = self.data["notified_on"]
        due = pm.hearing_request_due(on, self.calendar)
        offered = pm.hearing_offered(self.proposal)
        self.changes.update(notified_on=on, hearing_request_due=due, hearing_offered=offered)
        self.recorded.update(hearing_request_due=due, hearing_offered=offered)

    def record_hearing_request(self, event: Any) -> None:
        self.changes["hearing_requested"] = True

    def schedule_hearing(self, event: Any) -> None:
        self.changes.update(hearing_on=self.data["hearing_on"], hearing_notified_on=self.today)

    def record_hearing(self, event: Any) -> None:
        self.changes["hearing_held"] = True

    def write_decision(self, event: Any) -> None:
        p = self.proposal
        decision = {
            **self._given(*_DECISION),
            "offence": p.offence, "party_kind": p.party_kind, "sanctions": list(p.sanctions),
            "amount": p.amount, "decided_on": self.today.isoformat(),
        }  # fmt: skip
        self.changes.update(
            decided_on=self.today, decision=decision, offence=p.offence,
            party_kind=p.party_kind, sanctions=list(p.sanctions), amount=p.amount,
        )  # fmt: skip
        self.recorded["decision"] = decision

    def schedule_service(self, event: Any) -> None:
        service = pm.service_due(self.today, self.calendar)
        publication = pm.publication_due(self.today, self.calendar)
        self.changes.update(service_due=service, publication_due=publication)
        self.recorded.update(service_due=service, publication_due=publication)

    def record_service(self, event: Any) -> None:
        self.changes["served_on"] = self.data["served_on"]

    def record_publication(self, event: Any) -> None:
        self.changes["published_on"] = self.data["published_on"]

    def extend_decision_period(self, event: Any) -> None:
        days: int = self.data["days"]
        due = pm.extended_decision_due(self.penalty.decision_due, days)
        self.changes.update(decision_extension_days=days, decision_due=due)
        self.recorded.update(decision_due=due, extended_from=self.penalty.decision_due)

    def record_revocation(self, event: Any) -> None:
        revoked: date = self.data["revoked_on"]
        due = pm.withdrawal_due(revoked, self.calendar)
        self.changes.update(revoked_on=revoked, revoked_by=self.data["reason"].strip(),
                            withdrawal_due=due)  # fmt: skip
        self.recorded["withdrawal_due"] = due

    def withdraw_publication(self, event: Any) -> None:
        self.changes["publication_withdrawn"] = True

    def record_execution(self, event: Any) -> None:
        self.changes["executed_on"] = self.data["executed_on"]

    def record_dismissal(self, event: Any) -> None:
        pass  # the reason is in the event's data

    def column_changes(self) -> dict[str, Any]:
        if self.status == "closed":
            self.changes["closed_at"] = self.now
        return self.changes


def event_payload(ctx: PenaltyTransition) -> dict[str, Any]:
    """The trigger's data and what its effects recorded (due dates, the decision)."""
    return {"data": ctx.data, **ctx.recorded}
