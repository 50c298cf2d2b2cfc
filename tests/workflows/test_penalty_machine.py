"""The administrative penalty's machine as data, and its rules on plain contexts.

The expected table is issue 10 and LAW.md written out again by hand — not read from
``workflows.penalty_machine`` — so a change that departs from them fails here. Periods are counted
on the 2026 State Council calendar (清明 4/4–6 are rest days).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pytest
from transitions.core import MachineError

from cases.reference.data.penalties import OFFENCES, load_penalties
from cases.reference.workdays import default_calendar
from workflows import penalty_machine as pm
from workflows.penalty_machine import (
    KNOWN_DIGESTS,
    MACHINE_VERSION,
    STATE_NAMES,
    TRIGGERS,
    WHO_MAY,
    Proposal,
    definition_digest,
    edges,
    penalty_machine,
    triggers_from,
)

OFFICERS = {"inspector", "supervisor"}
SUPERVISOR = {"supervisor"}
BEFORE_DECISION = {"filed", "investigating", "legal_review", "notified", "hearing"}

#: trigger: (sources, destinations, roles)
TABLE: dict[str, tuple[set[str], set[str], set[str]]] = {
    "investigate": ({"filed"}, {"investigating"}, OFFICERS),
    "submit_review": ({"investigating"}, {"legal_review"}, OFFICERS),
    "pass_review": ({"legal_review"}, {"legal_review"}, OFFICERS),
    "return_review": ({"legal_review"}, {"investigating"}, OFFICERS),
    "notify": ({"legal_review"}, {"notified"}, OFFICERS),
    "request_hearing": ({"notified"}, {"hearing"}, OFFICERS),
    "schedule_hearing": ({"hearing"}, {"hearing"}, OFFICERS),
    "hold_hearing": ({"hearing"}, {"hearing"}, OFFICERS),
    "decide": ({"notified", "hearing"}, {"decided"}, SUPERVISOR),
    "serve": ({"decided"}, {"served"}, OFFICERS),
    "publish": ({"served"}, {"published"}, OFFICERS),
    "extend_decision_period": (BEFORE_DECISION, BEFORE_DECISION, SUPERVISOR),
    "record_revocation": ({"published", "executed"}, {"published", "executed"}, OFFICERS),
    "withdraw_publication": ({"published", "executed"}, {"published", "executed"}, OFFICERS),
    "execute": ({"published"}, {"executed"}, OFFICERS),
    "close": ({"executed", "published"}, {"closed"}, OFFICERS),
    "dismiss": (BEFORE_DECISION, {"closed"}, SUPERVISOR),
}


def test_the_table_matches_the_issue() -> None:
    assert STATE_NAMES == (
        "filed", "investigating", "legal_review", "notified", "hearing",
        "decided", "served", "published", "executed", "closed",
    )  # fmt: skip
    assert set(TRIGGERS) == set(TABLE)
    for trigger, (sources, dests, roles) in TABLE.items():
        assert {s for s, t, _ in edges() if t == trigger} == sources, trigger
        assert {d for _, t, d in edges() if t == trigger} == dests, trigger
        assert {str(r) for r in WHO_MAY[trigger]} == roles, trigger
    for state in STATE_NAMES:
        expected = {t for t, (sources, _, _) in TABLE.items() if state in sources}
        assert set(triggers_from(state)) == expected, state
    assert triggers_from("closed") == ()


def test_definition_is_pinned_to_its_version() -> None:
    assert KNOWN_DIGESTS[MACHINE_VERSION] == definition_digest(), (
        "the penalty machine changed: bump MACHINE_VERSION and pin the new digest"
    )


# ---- a plain context ---------------------------------------------------------------------------

FILED = date(2026, 3, 2)
FINE = Proposal("holdings_misuse", "unit", ("warning", "fine"), 60000)
SMALL = Proposal("holdings_misuse", "individual", ("warning", "fine"), 1000)
DECISION = dict(
    party_name="某文化公司",
    party_address="石家庄市鹿泉区某路1号",
    facts="擅自复制馆藏档案并对外提供",
    basis="档案法第四十九条：警告，罚款",
    performance="自收到决定书之日起15日内缴纳罚款",
    remedies="60日内申请行政复议，或6个月内提起行政诉讼",
    agency="鹿泉区档案局",
    sealed=True,
)


@dataclass
class Ctx:
    status: str = "filed"
    trigger: str = ""
    today: date = FILED
    calendar: Any = field(default_factory=default_calendar)
    actor_id: int = 1
    officer_ids: frozenset[int] = frozenset({1, 2})
    filed_on: date = FILED
    proposal: Proposal = FINE
    reviewed: Proposal | None = None
    review_passed: bool = False
    notified_on: date | None = None
    hearing_offered: bool = False
    hearing_requested: bool = False
    hearing_on: date | None = None
    hearing_notified_on: date | None = None
    hearing_held: bool = False
    decided_on: date | None = None
    revoked_on: date | None = None
    publication_withdrawn: bool = False
    decision_due: date = date(2026, 5, 31)  # 90 days from FILED
    decision_extension_days: int | None = None
    extension_limit: int = 30
    withdrawal_due: date | None = None
    refusals: list[tuple[str, str, str | None]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    def refuse(self, zh: str, en: str, field: str | None = None) -> None:
        self.refusals.append((zh, en, field))

    # effects: what the door would write, kept to what later guards read
    def write_proposal(self, event: Any) -> None:
        self.done.append("write_proposal")

    def record_review(self, event: Any) -> None:
        if self.trigger == "pass_review":
            self.review_passed, self.reviewed = True, self.proposal

    def write_notice(self, event: Any) -> None:
        self.notified_on = event.kwargs["notified_on"]
        self.hearing_offered = pm.hearing_offered(self.proposal)

    def record_hearing_request(self, event: Any) -> None:
        self.hearing_requested = True

    def schedule_hearing(self, event: Any) -> None:
        self.hearing_on, self.hearing_notified_on = event.kwargs["hearing_on"], self.today

    def record_hearing(self, event: Any) -> None:
        self.hearing_held = True

    def write_decision(self, event: Any) -> None:
        self.decided_on = self.today

    def record_revocation(self, event: Any) -> None:
        self.revoked_on = event.kwargs["revoked_on"]
        self.withdrawal_due = pm.withdrawal_due(self.revoked_on, self.calendar)

    def withdraw_publication(self, event: Any) -> None:
        self.publication_withdrawn = True

    def extend_decision_period(self, event: Any) -> None:
        self.decision_extension_days = event.kwargs["days"]
        self.decision_due = pm.extended_decision_due(self.decision_due, event.kwargs["days"])

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("record_", "schedule_")):
            return lambda event: self.done.append(name)
        raise AttributeError(name)


def fire(ctx: Ctx, trigger: str, **data: Any) -> Ctx:
    """Fire ``trigger`` on ``ctx``; raises MachineError when no edge leaves the state."""
    ctx.trigger, ctx.refusals = trigger, []
    penalty_machine().events[trigger].trigger(ctx, **data)
    return ctx


def refused(ctx: Ctx, trigger: str, **data: Any) -> list[str]:
    before = ctx.status
    fire(ctx, trigger, **data)
    assert ctx.status == before and ctx.refusals, f"{trigger} was not refused"
    return [en for _, en, _ in ctx.refusals]


def reviewed(**changes: Any) -> Ctx:
    """A penalty in legal review whose review passed (the reviewer is user 9)."""
    ctx = Ctx(status="legal_review", review_passed=True, reviewed=FINE, today=date(2026, 3, 9))
    return replace(ctx, **changes)


def notified(on: date = date(2026, 4, 1), proposal: Proposal = FINE) -> Ctx:
    ctx = reviewed(today=on, proposal=proposal, reviewed=proposal)
    fire(ctx, "notify", facts="事实", grounds="依据", rights_stated=True, notified_on=on)
    assert ctx.status == "notified", ctx.refusals
    return ctx


# ---- every edge allowed, along the whole way ---------------------------------------------------


def test_the_whole_way_with_a_hearing() -> None:
    ctx = Ctx()
    assert fire(ctx, "investigate").status == "investigating"
    assert fire(ctx, "submit_review", facts="事实").status == "legal_review"
    ctx.actor_id = 9  # the legal reviewer, not an officer of the case
    fire(ctx, "return_review", opinion="证据不足")
    assert ctx.status == "investigating" and not ctx.review_passed
    ctx.actor_id = 1
    fire(ctx, "submit_review", facts="补充证据")
    ctx.actor_id = 9
    fire(ctx, "pass_review", opinion="事实清楚，依据正确")
    assert ctx.status == "legal_review" and ctx.review_passed
    ctx.actor_id, ctx.today = 1, date(2026, 4, 1)
    fire(ctx, "notify", facts="事实", grounds="依据", rights_stated=True, notified_on=ctx.today)
    assert ctx.status == "notified" and ctx.hearing_offered  # ¥60,000 on a unit
    ctx.today = date(2026, 4, 3)
    assert fire(ctx, "request_hearing").status == "hearing"
    fire(ctx, "schedule_hearing", hearing_on=date(2026, 4, 15), place="局会议室")
    assert ctx.hearing_on == date(2026, 4, 15)
    ctx.today = date(2026, 4, 15)
    fire(ctx, "hold_hearing", transcript="当事人陈述")
    assert ctx.hearing_held and ctx.status == "hearing"
    ctx.actor_id, ctx.today = 3, date(2026, 4, 20)
    assert fire(ctx, "decide", **DECISION).status == "decided", ctx.refusals
    ctx.actor_id, ctx.today = 1, date(2026, 4, 23)
    assert fire(ctx, "serve", served_on=date(2026, 4, 22)).status == "served"
    assert fire(ctx, "publish", published_on=date(2026, 4, 23)).status == "published"
    ctx.today = date(2026, 5, 11)
    assert (
        fire(ctx, "execute", executed_on=date(2026, 5, 6), how="缴款凭证001").status == "executed"
    )
    assert fire(ctx, "close").status == "closed"


def test_without_a_hearing_the_decision_follows_the_statement_period() -> None:
    ctx = notified(proposal=SMALL)  # ¥1,000 on an individual: no hearing offered
    assert not ctx.hearing_offered
    assert "no right to a hearing" in refused(ctx, "request_hearing")[0]
    ctx.actor_id, ctx.today = 3, date(2026, 4, 9)  # the 5th working day: still the party's
    assert "state their case until 2026-04-09" in refused(ctx, "decide", **DECISION)[0]
    fire(ctx, "decide", **DECISION, rights_waived=True)  # unless waived in writing
    assert ctx.status == "decided"


def test_a_revoked_publication_is_withdrawn_and_the_penalty_closed() -> None:
    ctx = Ctx(status="published", decided_on=date(2026, 4, 20), today=date(2026, 6, 1))
    assert "No revocation is recorded" in refused(ctx, "withdraw_publication")[0]
    assert "Name what revoked it" in refused(ctx, "record_revocation", revoked_on=ctx.today)
    assert (
        "cannot precede the decision"
        in refused(ctx, "record_revocation", revoked_on=date(2026, 4, 19), reason="判决")[0]
    )
    fire(ctx, "record_revocation", revoked_on=date(2026, 5, 27), reason="复议决定撤销")
    assert ctx.status == "published" and not ctx.publication_withdrawn
    assert (
        "revoked on 2026-05-27"
        in refused(ctx, "record_revocation", revoked_on=ctx.today, reason="x")[0]
    )
    assert "not executed" in refused(ctx, "execute", executed_on=ctx.today, how="缴款")[0]
    fire(ctx, "withdraw_publication")  # 5/28, 5/29, 6/1: the 3rd working day
    assert ctx.publication_withdrawn
    assert "withdrawn already" in refused(ctx, "withdraw_publication")[0]
    assert fire(ctx, "close").status == "closed"


def test_an_executed_penalty_revoked_closes_only_once_withdrawn() -> None:
    ctx = Ctx(status="executed", decided_on=date(2026, 4, 20), today=date(2026, 6, 1))
    fire(ctx, "record_revocation", revoked_on=date(2026, 6, 1), reason="判决撤销")
    assert "withdraw its publication first" in refused(ctx, "close")[0]
    fire(ctx, "withdraw_publication")
    assert fire(ctx, "close").status == "closed"


def test_a_penalty_is_dropped_only_with_a_reason_before_a_decision() -> None:
    for state in BEFORE_DECISION:
        ctx = Ctx(status=state, actor_id=3)
        assert refused(ctx, "dismiss") == ["A reason is required"]
        assert fire(ctx, "dismiss", reason="违法事实不能成立").status == "closed"
    with pytest.raises(MachineError):
        fire(Ctx(status="decided"), "dismiss", reason="x")


@pytest.mark.parametrize(
    "state", ["filed", "investigating", "legal_review", "notified", "hearing", "decided",
              "served", "published", "executed", "closed"],
)  # fmt: skip
def test_every_trigger_outside_its_states_is_refused_by_the_machine(state: str) -> None:
    for trigger, (sources, _, _) in TABLE.items():
        if state not in sources:
            with pytest.raises(MachineError):
                fire(Ctx(status=state), trigger)


# ---- every edge refused --------------------------------------------------------------------------


def test_investigation_needs_two_officers_and_an_officer() -> None:
    assert refused(Ctx(officer_ids=frozenset({1})), "investigate") == [
        "An investigation needs at least 2 officers (1 named)"
    ]
    assert "Only the penalty's officers" in refused(Ctx(actor_id=5), "investigate")[0]


def test_submitting_for_review_needs_facts_and_a_lawful_proposal() -> None:
    ctx = Ctx(status="investigating", proposal=replace(FINE, amount=5000))
    assert refused(ctx, "submit_review") == ["The facts are required"]
    assert "outside the range of ¥10000–100000" in refused(ctx, "submit_review", facts="x")[0]
    ctx.proposal = replace(FINE, sanctions=("fine",))
    assert "requires: Warning" in refused(ctx, "submit_review", facts="x")[0]
    ctx.proposal = replace(FINE, sanctions=("warning", "fine", "confiscation"))
    assert "gives no Confiscation" in refused(ctx, "submit_review", facts="x")[0]
    ctx.proposal = Proposal("service_company", "individual", ("warning", "fine"), 30000)
    assert "sets no fine on Individual" in refused(ctx, "submit_review", facts="x")[0]
    ctx.proposal = Proposal(None, "unit", (), None)
    assert refused(ctx, "submit_review", facts="x") == ["Choose the offence"]


def test_the_reviewer_must_not_be_one_of_the_officers() -> None:
    for trigger in ("pass_review", "return_review"):
        ctx = Ctx(status="legal_review", actor_id=2)
        assert refused(ctx, trigger, opinion="同意") == [
            "The legal reviewer must not be one of the case's officers"
        ]
        assert refused(Ctx(status="legal_review", actor_id=9), trigger) == [
            "The reviewer's opinion is required"
        ]
    assert "passed already" in refused(reviewed(actor_id=9), "pass_review", opinion="x")[0]
    assert "passed already" in refused(reviewed(actor_id=9), "return_review", opinion="x")[0]


def test_no_notice_without_a_passed_review_and_a_complete_notice() -> None:
    ctx = Ctx(status="legal_review", today=date(2026, 4, 1))
    why = refused(ctx, "notify", facts="x", grounds="y", rights_stated=True, notified_on=ctx.today)
    assert why == ["No decision without a passed legal review"]
    why = refused(reviewed(), "notify", notified_on=date(2026, 3, 20))
    assert why == [
        "The notice must state the facts",
        "The notice must state the grounds and legal basis",
        "The notice must state the right to be heard and to a hearing",
    ]
    why = refused(
        reviewed(),
        "notify",
        facts="x",
        grounds="y",
        rights_stated=True,
        notified_on=date(2026, 3, 20),
    )
    assert why == ["The notice cannot be dated in the future"]


def test_hearing_request_on_the_5th_working_day_accepted_on_the_6th_refused() -> None:
    # notified Wed 2026-04-01: 4/2, 4/3, (清明 Sat 4/4 – Mon 4/6), 4/7, 4/8, 4/9 → the 5th is 4/9
    assert pm.hearing_request_due(date(2026, 4, 1), default_calendar()) == date(2026, 4, 9)
    ctx = notified()
    ctx.today = date(2026, 4, 9)
    assert fire(ctx, "request_hearing").status == "hearing"
    ctx = notified()
    ctx.today = date(2026, 4, 10)
    assert refused(ctx, "request_hearing") == [
        "The time to ask for a hearing ended on 2026-04-09 (5 working days after the notice)"
    ]
    # a request received on the 5th day and recorded later still counts
    ctx = notified()
    ctx.today = date(2026, 4, 13)
    assert fire(ctx, "request_hearing", requested_on=date(2026, 4, 9)).status == "hearing"


def test_the_hearing_is_notified_seven_working_days_ahead() -> None:
    ctx = Ctx(
        status="hearing", today=date(2026, 4, 3), hearing_offered=True, hearing_requested=True
    )
    # from Fri 4/3: 4/7 4/8 4/9 4/10 4/13 4/14 4/15 → the 7th working day is 4/15
    assert (
        "2026-04-15 at the earliest"
        in refused(ctx, "schedule_hearing", hearing_on=date(2026, 4, 14))[0]
    )
    fire(ctx, "schedule_hearing", hearing_on=date(2026, 4, 15))
    assert ctx.hearing_on == date(2026, 4, 15)
    assert refused(ctx, "hold_hearing", transcript="x") == ["The hearing is set for 2026-04-15"]
    ctx.today = date(2026, 4, 15)
    assert refused(ctx, "hold_hearing") == ["The hearing record is required"]
    fire(ctx, "hold_hearing", transcript="笔录")
    assert "held already" in refused(ctx, "hold_hearing", transcript="x")[0]
    assert "held already" in refused(ctx, "schedule_hearing", hearing_on=date(2026, 5, 1))[0]


def decidable(**changes: Any) -> Ctx:
    ctx = Ctx(
        status="hearing", actor_id=3, today=date(2026, 4, 20), review_passed=True, reviewed=FINE,
        notified_on=date(2026, 4, 1), hearing_offered=True, hearing_requested=True,
        hearing_held=True,
    )  # fmt: skip
    return replace(ctx, **changes)


def test_decision_refused_without_a_passed_review() -> None:
    for state in ("notified", "hearing"):
        ctx = decidable(status=state, review_passed=False, reviewed=None)
        why = refused(ctx, "decide", **DECISION, rights_waived=True)
        assert why == ["No decision without a passed legal review"]
    assert fire(decidable(), "decide", **DECISION).status == "decided"


def test_decision_refused_with_an_amount_out_of_range() -> None:
    for amount in (9999, 100001):
        ctx = decidable(
            proposal=replace(FINE, amount=amount), reviewed=replace(FINE, amount=amount)
        )
        assert "outside the range of ¥10000–100000" in refused(ctx, "decide", **DECISION)[0]
    for amount in (10000, 100000):  # both ends are within (以上、以下 include the number)
        ctx = decidable(
            proposal=replace(FINE, amount=amount), reviewed=replace(FINE, amount=amount)
        )
        assert fire(ctx, "decide", **DECISION).status == "decided"


def test_decision_no_heavier_than_reviewed_and_complete_per_article_59() -> None:
    ctx = decidable(proposal=replace(FINE, amount=70000))
    assert refused(ctx, "decide", **DECISION) == ["The fine may not exceed the ¥60000 notified"]
    ctx = decidable(proposal=replace(FINE, amount=50000))  # lighter after the hearing: allowed
    assert fire(ctx, "decide", **DECISION).status == "decided"
    ctx = decidable(proposal=replace(FINE, party_kind="individual", amount=1000))
    assert "review again" in refused(ctx, "decide", **DECISION)[0]
    why = refused(decidable(), "decide")
    assert len(why) == 8 and why[-1] == "The decision must bear the agency's seal"
    assert "not been held" in refused(decidable(hearing_held=False), "decide", **DECISION)[0]


def test_decision_within_90_days_of_filing() -> None:
    assert pm.decision_due(FILED) == date(2026, 5, 31)
    assert fire(decidable(today=date(2026, 5, 31)), "decide", **DECISION).status == "decided"
    why = refused(decidable(today=date(2026, 6, 1)), "decide", **DECISION)
    assert why == ["A decision is due within 90 days of filing (2026-05-31); that has passed"]


def test_service_and_publication_within_seven_working_days_or_with_a_reason() -> None:
    decided = Ctx(status="decided", decided_on=date(2026, 4, 20), today=date(2026, 5, 6))
    # 4/21 … 4/29 is the 7th working day (劳动节 5/1–5 are rest days)
    assert pm.service_due(date(2026, 4, 20), default_calendar()) == date(2026, 4, 29)
    assert refused(replace(decided), "serve", served_on=date(2026, 4, 30)) == [
        "Service was due by 2026-04-29; state why it is late"
    ]
    assert refused(replace(decided), "serve", served_on=date(2026, 4, 19)) == [
        "service cannot precede the decision"
    ]
    assert refused(replace(decided), "serve") == ["The day of service is required"]
    assert fire(replace(decided), "serve", served_on=date(2026, 4, 29)).status == "served"
    late = fire(replace(decided), "serve", served_on=date(2026, 4, 30), late_reason="当事人外出")
    assert late.status == "served"
    served = replace(decided, status="served")
    assert (
        "Publication was due by 2026-04-29"
        in refused(served, "publish", published_on=date(2026, 5, 6))[0]
    )
    assert fire(served, "publish", published_on=date(2026, 4, 28)).status == "published"


def test_withdrawal_within_three_working_days_of_revocation() -> None:
    # revoked Thu 4/30: 5/6, 5/7, 5/8 → due 5/8 (劳动节 5/1–5)
    ctx = Ctx(status="executed", today=date(2026, 5, 11), decided_on=date(2026, 4, 1))
    fire(ctx, "record_revocation", revoked_on=date(2026, 4, 30), reason="判决撤销")
    assert ctx.withdrawal_due == date(2026, 5, 8)
    why = refused(replace(ctx), "withdraw_publication")
    assert why == ["Withdrawal was due by 2026-05-08; state why it is late"]
    late = fire(replace(ctx), "withdraw_publication", late_reason="判决书5月9日才送达")
    assert late.publication_withdrawn
    ctx.today = date(2026, 5, 8)
    fire(ctx, "withdraw_publication")
    assert ctx.publication_withdrawn and ctx.status == "executed"


def test_the_decision_period_extended_once_by_the_responsible_person() -> None:
    ctx = decidable(today=date(2026, 5, 20))
    assert refused(replace(ctx), "extend_decision_period", days=10) == ["A reason is required"]
    assert refused(replace(ctx), "extend_decision_period", days=31, reason="案情复杂") == [
        "An extension may add at most 30 days"
    ]
    assert (
        "allows no extension"
        in refused(replace(ctx, extension_limit=0), "extend_decision_period", days=10, reason="x")[
            0
        ]
    )
    late = replace(ctx, today=date(2026, 6, 1))
    assert (
        "can no longer be extended"
        in refused(late, "extend_decision_period", days=10, reason="x")[0]
    )
    fire(ctx, "extend_decision_period", days=30, reason="案情复杂，经负责人批准")
    assert ctx.decision_due == date(2026, 6, 30) and ctx.status == "hearing"
    assert "extended once already" in refused(ctx, "extend_decision_period", days=1, reason="x")[0]
    assert fire(replace(ctx, today=date(2026, 6, 1)), "decide", **DECISION).status == "decided"
    why = refused(replace(ctx, today=date(2026, 7, 1)), "decide", **DECISION)
    assert why == ["The decision was due by 2026-06-30 (extended by 30 days); that has passed"]


def test_execution_is_recorded_and_closing_needs_it() -> None:
    ctx = Ctx(status="published", today=date(2026, 5, 11))
    assert refused(ctx, "execute") == [
        "The day of compliance is required",
        "Describe the compliance (e.g. the receipt)",
    ]
    assert "not been complied with" in refused(ctx, "close")[0]


# ---- reference data ------------------------------------------------------------------------------


def test_the_offences_carry_their_ranges_with_certainty_and_source() -> None:
    assert OFFENCES["holdings_misuse"].ranges == {
        "unit": (10000, 100000),
        "individual": (500, 5000),
    }
    assert OFFENCES["service_company"].ranges == {"unit": (20000, 200000)}
    assert "confiscation" in OFFENCES["sale_transfer"].optional
    for offence in OFFENCES.values():
        assert offence.source and offence.certainty_of("unit_min") is not None


def test_a_broken_penalty_file_is_refused(tmp_path: Any) -> None:
    from importlib.resources import files

    from cases.reference.data import ReferenceDataError

    text = files("cases.reference.data").joinpath("penalties.toml").read_text(encoding="utf-8")
    (tmp_path / "penalties.toml").write_text(
        text.replace("unit_max = 100000", "unit_max = 100"), "utf-8"
    )
    with pytest.raises(ReferenceDataError, match="is above unit_max"):
        load_penalties(tmp_path)


def test_the_calendar_counts_across_a_long_holiday() -> None:
    # 国庆 2026: 10/1–7 rest; 10/8, 10/9, 10/10 (Sat, a make-up working day), 10/12, 10/13
    cal = default_calendar()
    assert pm.hearing_request_due(date(2026, 9, 30), cal) == date(2026, 10, 13)
    assert pm.publication_due(date(2026, 9, 30), cal) - date(2026, 9, 30) > timedelta(days=7)
