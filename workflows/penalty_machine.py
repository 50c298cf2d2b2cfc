"""The administrative penalty's own state machine (行政处罚; LAW.md), one record per trigger.

    filed 已立案 → investigating 调查中 → legal_review 法制审核 → notified 已事先告知
      → (hearing 听证) → decided 已决定 → served 已送达 → published 已公示 → executed 已执行
      → closed 已结案

Built like :mod:`workflows.inspection_machine`: a shared ``transitions`` rulebook never bound to a
row; the door fires a trigger on a throw-away context holding one penalty. Guards are pure
functions ``(context, data) -> tuple[Refusal, ...]`` over :class:`PenaltyContext`; every period
is counted on the working-day calendar the context carries (行政处罚法 art 85: its "2, 3, 5, 7
days" are working days; the start day is not counted; the last day counts whole).

The rules, each a guard below:

- 法制审核 (国办发〔2018〕118号): the reviewer is not one of the penalty's officers; a review passes
  (``pass_review``, the record stays in ``legal_review`` with the pass noted) or sends the case
  back to investigation (``return_review``). No notice and no decision without a passed review.
- 事先告知 (行政处罚法 arts 44, 45, 63): the notice states the facts, the grounds, the proposed
  sanction, the right to 陈述申辩 and — where the proposed sanction offers one — to a hearing.
- 听证 (arts 63–64): requested within 5 working days of the notice (the 5th accepted, the 6th
  refused); the hearing notice goes out at least 7 working days ahead.
- 决定 (arts 59, 60): every item of art 59's content; the sanctions the offence gives and an
  amount within its range (reference data ``penalties.toml``); no heavier than the reviewed and
  notified proposal (art 45); by the stored ``decision_due``: 90 days from 立案 (art 60), moved
  once by an extension the agency's responsible person approves with a reason, while the period
  runs, by at most ``OVERSIGHT_PENALTY_EXTENSION_DAYS`` (art 60 "另有规定的，从其规定").
- 送达 (art 61) within 7 working days, 公示 (国办发〔2018〕118号) within 7 working days of the
  decision. A revocation (复议决定, 判决 …) is recorded on its own (``record_revocation``), and
  the publication is withdrawn within 3 working days of it (art 48; ``withdraw_publication``).
  These are the bureau's own duties: doing one late is not refused (the duty remains) but needs
  a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, Protocol

from transitions import Machine

from cases.core.vocabulary import Role
from cases.reference.data.penalties import (
    HEARING,
    OFFENCE_LABELS,
    OFFENCES,
    PARTY_KINDS,
    SANCTION_KINDS,
)
from workflows.fields import Boolean, Choice, Choices, Date, Field, Integer, Text
from workflows.rulebook import NO, Refusal, Refusals, StateInfo, refuse
from workflows.spec import Edge, MachineSpec, Trigger

STATES: tuple[StateInfo, ...] = (
    StateInfo("filed", "已立案", "Filed"),
    StateInfo("investigating", "调查中", "Investigating"),
    StateInfo("legal_review", "法制审核", "Legal review"),
    StateInfo("notified", "已事先告知", "Party notified"),
    StateInfo("hearing", "听证", "Hearing"),
    StateInfo("decided", "已作出决定", "Decided"),
    StateInfo("served", "已送达", "Served"),
    StateInfo("published", "已公示", "Published"),
    StateInfo("executed", "已执行", "Executed"),
    StateInfo("closed", "已结案", "Closed"),
)
INITIAL_STATE = "filed"

#: 行政处罚法 art 63: the party asks for a hearing within 5 working days of the notice.
HEARING_REQUEST_WORKDAYS = 5
#: art 64(2): the hearing is notified at least 7 working days before it is held.
HEARING_NOTICE_WORKDAYS = 7
#: art 60: the decision within 90 days of 立案 (natural days: not among art 85's working-day periods).
DECISION_DAYS = 90
#: art 61: served within 7 working days of the decision.
SERVICE_WORKDAYS = 7
#: 国办发〔2018〕118号: a penalty decision is made public within 7 working days.
PUBLICATION_WORKDAYS = 7
#: art 48(2): a published decision revoked is withdrawn within 3 working days.
WITHDRAWAL_WORKDAYS = 3

Data = Mapping[str, Any]


# ---- what guards read -----------------------------------------------------------------------


class Workdays(Protocol):
    def add_working_days(self, d: date, n: int) -> date: ...


@dataclass(frozen=True)
class Proposal:
    """The sanction proposed (or decided): the offence, the kind of party, the sanctions, the fine."""

    offence: str | None
    party_kind: str | None
    sanctions: tuple[str, ...]
    amount: int | None


class PenaltyContext(Protocol):
    """What guards may read about one penalty while a trigger is fired."""

    status: str
    trigger: str
    today: date
    calendar: Workdays
    actor_id: int
    officer_ids: frozenset[int]
    filed_on: date
    #: the proposal as it stands after the trigger (stored values overlaid by the data given)
    proposal: Proposal
    #: the proposal the legal review passed (None until one passed)
    reviewed: Proposal | None
    review_passed: bool
    notified_on: date | None
    hearing_offered: bool
    hearing_requested: bool
    hearing_on: date | None
    hearing_notified_on: date | None
    hearing_held: bool
    decided_on: date | None
    revoked_on: date | None
    publication_withdrawn: bool
    #: the last day of the decision period as stored (90 days, or as extended)
    decision_due: date
    #: days the decision period was extended by (None: never)
    decision_extension_days: int | None
    #: the most days an extension may add (``OVERSIGHT_PENALTY_EXTENSION_DAYS``; 0: none)
    extension_limit: int
    withdrawal_due: date | None


def _text(data: Data, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


# ---- due dates (pure; the door records them on the penalty and as deadline rows) -------------


def decision_due(filed_on: date) -> date:
    """Art 60: the 90th day after 立案 (start day not counted), whole."""
    return filed_on + timedelta(days=DECISION_DAYS)


def hearing_request_due(notified_on: date, calendar: Workdays) -> date:
    return calendar.add_working_days(notified_on, HEARING_REQUEST_WORKDAYS)


def earliest_hearing(notice_on: date, calendar: Workdays) -> date:
    return calendar.add_working_days(notice_on, HEARING_NOTICE_WORKDAYS)


def service_due(decided_on: date, calendar: Workdays) -> date:
    return calendar.add_working_days(decided_on, SERVICE_WORKDAYS)


def publication_due(decided_on: date, calendar: Workdays) -> date:
    return calendar.add_working_days(decided_on, PUBLICATION_WORKDAYS)


def withdrawal_due(revoked_on: date, calendar: Workdays) -> date:
    return calendar.add_working_days(revoked_on, WITHDRAWAL_WORKDAYS)


# ---- guards: the officers and the reviewer ---------------------------------------------------


def actor_is_officer(ctx: PenaltyContext, data: Data) -> Refusals:
    if ctx.actor_id in ctx.officer_ids:
        return NO
    return refuse("只有本案的执法人员可以办理此项", "Only the penalty's officers may do this")


def two_officers(ctx: PenaltyContext, data: Data) -> Refusals:
    """行政处罚法 art 42: investigation by at least two officers."""
    n = len(ctx.officer_ids)
    if n >= 2:
        return NO
    return refuse(
        f"调查须由2名以上执法人员进行（当前{n}名）",
        f"An investigation needs at least 2 officers ({n} named)",
    )


def reviewer_not_officer(ctx: PenaltyContext, data: Data) -> Refusals:
    """国办发〔2018〕118号: 法制审核 is done by someone who did not handle the case."""
    if ctx.actor_id not in ctx.officer_ids:
        return NO
    return refuse(
        "法制审核人员不得是本案的执法人员",
        "The legal reviewer must not be one of the case's officers",
    )


def review_pending(ctx: PenaltyContext, data: Data) -> Refusals:
    if not ctx.review_passed:
        return NO
    return refuse("法制审核已通过", "The legal review has passed already")


def opinion_given(ctx: PenaltyContext, data: Data) -> Refusals:
    if _text(data, "opinion"):
        return NO
    return refuse("请填写审核意见", "The reviewer's opinion is required", "opinion")


def review_passed(ctx: PenaltyContext, data: Data) -> Refusals:
    """国办发〔2018〕118号: without a passed legal review no decision (nor its notice) is made."""
    if ctx.review_passed:
        return NO
    return refuse(
        "未经法制审核或审核未通过，不得作出决定",
        "No decision without a passed legal review",
    )


# ---- guards: the proposal ---------------------------------------------------------------------


def proposal_lawful(ctx: PenaltyContext, data: Data) -> Refusals:
    """The offence is one the bureau may punish, the party one it applies to, the sanctions those
    the law gives (the required ones all present), the fine within the offence's range."""
    p = ctx.proposal
    offence = OFFENCES.get(p.offence or "")
    if offence is None:
        return refuse("请选择违法行为", "Choose the offence", "offence")
    if p.party_kind not in PARTY_KINDS:
        return refuse("请选择当事人类别（单位/个人）", "Choose the kind of party", "party_kind")
    out: list[Refusal] = []
    missing = [s for s in offence.required if s not in p.sanctions]
    if missing:
        out.append(Refusal(
            f"{offence.title_zh}须给予：" + "、".join(SANCTION_KINDS[s][0] for s in missing),
            f"{offence.title_en} requires: " + ", ".join(SANCTION_KINDS[s][1] for s in missing),
            "sanctions",
        ))  # fmt: skip
    stray = [s for s in p.sanctions if s not in offence.sanctions]
    if stray:
        out.append(Refusal(
            f"{offence.article_zh}未规定：" + "、".join(SANCTION_KINDS[s][0] for s in stray),
            f"The law gives no {', '.join(SANCTION_KINDS[s][1] for s in stray)} for this offence",
            "sanctions",
        ))  # fmt: skip
    out.extend(amount_in_range(ctx, data))
    return tuple(out)


def amount_in_range(ctx: PenaltyContext, data: Data) -> Refusals:
    """LAW.md: the amount is checked against the range the law sets for the offence and party."""
    p = ctx.proposal
    offence = OFFENCES.get(p.offence or "")
    if offence is None:
        return refuse("请选择违法行为", "Choose the offence", "offence")
    fined = "fine" in p.sanctions
    if not fined:
        if p.amount:
            return refuse(
                "未处罚款，不应填写罚款数额", "No fine is imposed: leave the amount empty", "amount"
            )
        return NO
    limits = offence.fine_range(p.party_kind or "")
    if limits is None:
        kind = PARTY_KINDS.get(p.party_kind or "", ("该当事人", "this party"))
        return refuse(
            f"{offence.article_zh}对{kind[0]}未规定罚款",
            f"The law sets no fine on {kind[1]} for this offence",
            "sanctions",
        )
    low, high = limits
    if p.amount is None:
        return refuse(
            f"请填写罚款数额（{low}至{high}元）", f"The fine (¥{low}–{high}) is required", "amount"
        )
    if low <= p.amount <= high:
        return NO
    return refuse(
        f"罚款数额{p.amount}元超出{offence.article_zh}规定的{low}元以上{high}元以下",
        f"A fine of ¥{p.amount} is outside the range of ¥{low}–{high} for this offence",
        "amount",
    )


def facts_stated(ctx: PenaltyContext, data: Data) -> Refusals:
    if _text(data, "facts"):
        return NO
    return refuse("请填写违法事实", "The facts are required", "facts")


def hearing_offered(p: Proposal) -> bool:
    """Art 63: whether the proposed sanction gives the party the right to a hearing."""
    return HEARING.offered(p.party_kind or "", p.sanctions, p.amount)


# ---- guards: the prior notice and the hearing -----------------------------------------------


def notice_complete(ctx: PenaltyContext, data: Data) -> Refusals:
    """Arts 44–45: the notice states the facts, the grounds and the party's rights."""
    wanted = [
        ("facts", "违法事实", "the facts"),
        ("grounds", "处罚理由及依据", "the grounds and legal basis"),
    ]
    missing = [(name, zh, en) for name, zh, en in wanted if not _text(data, name)]
    out = tuple(
        Refusal(f"告知书须载明{zh}", f"The notice must state {en}", n) for n, zh, en in missing
    )
    if data.get("rights_stated") is not True:
        out += refuse(
            "告知书须载明陈述、申辩权" + ("和听证权" if hearing_offered(ctx.proposal) else ""),
            "The notice must state the right to be heard"
            + (" and to a hearing" if hearing_offered(ctx.proposal) else ""),
            "rights_stated",
        )
    return out


def notified_on_plausible(ctx: PenaltyContext, data: Data) -> Refusals:
    day = data.get("notified_on")
    if day is None:
        return refuse(
            "请填写告知书送达日期",
            "The day the notice reached the party is required",
            "notified_on",
        )
    if day > ctx.today:
        return refuse(
            "告知日期不能晚于今天", "The notice cannot be dated in the future", "notified_on"
        )
    return NO


def hearing_right(ctx: PenaltyContext, data: Data) -> Refusals:
    if ctx.hearing_offered:
        return NO
    return refuse(
        "拟作出的处罚不属于应告知听证权利的情形",
        "The proposed sanction gives no right to a hearing",
    )


def hearing_requested_in_time(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 63: within 5 working days of the notice — the 5th accepted, the 6th refused."""
    if ctx.notified_on is None:
        return refuse("尚未事先告知", "The party has not been notified")
    due = hearing_request_due(ctx.notified_on, ctx.calendar)
    requested = data.get("requested_on") or ctx.today
    if requested > ctx.today:
        return refuse(
            "申请日期不能晚于今天", "The request cannot be dated in the future", "requested_on"
        )
    if requested <= due:
        return NO
    return refuse(
        f"听证申请期限已于{due}届满（告知后5个工作日）",
        f"The time to ask for a hearing ended on {due} (5 working days after the notice)",
        "requested_on",
    )


def hearing_notice_in_time(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 64(2): the hearing is notified at least 7 working days before it is held."""
    on = data.get("hearing_on")
    if on is None:
        return refuse("请填写听证日期", "The hearing date is required", "hearing_on")
    earliest = earliest_hearing(ctx.today, ctx.calendar)
    if on >= earliest:
        return NO
    return refuse(
        f"听证应于举行7个工作日前通知，最早可定于{earliest}",
        f"A hearing is notified 7 working days ahead: {earliest} at the earliest",
        "hearing_on",
    )


def hearing_not_held(ctx: PenaltyContext, data: Data) -> Refusals:
    if not ctx.hearing_held:
        return NO
    return refuse("听证已举行", "The hearing has been held already")


def hearing_day_reached(ctx: PenaltyContext, data: Data) -> Refusals:
    if ctx.hearing_on is None:
        return refuse("尚未通知听证", "The hearing has not been scheduled")
    if ctx.today >= ctx.hearing_on:
        return NO
    return refuse(f"听证定于{ctx.hearing_on}，尚未到来", f"The hearing is set for {ctx.hearing_on}")


def transcript_given(ctx: PenaltyContext, data: Data) -> Refusals:
    if _text(data, "transcript"):
        return NO
    return refuse("请填写听证笔录要点", "The hearing record is required", "transcript")


def hearing_held(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 65: after a hearing the decision follows the hearing record."""
    if ctx.hearing_held:
        return NO
    return refuse("听证尚未举行，不得作出决定", "The hearing has not been held yet")


def statement_period_over(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 62: no decision while the party may still state their case or ask for a hearing,
    unless the party has said in writing that they waive it."""
    if ctx.notified_on is None:
        return refuse("尚未事先告知", "The party has not been notified")
    if data.get("rights_waived") is True:
        return NO
    due = hearing_request_due(ctx.notified_on, ctx.calendar)
    if ctx.today > due:
        return NO
    return refuse(
        f"当事人陈述、申辩及申请听证期限至{due}，期满前不得作出决定",
        f"The party may state their case until {due}; decide after that",
    )


# ---- guards: the decision ---------------------------------------------------------------------

#: 行政处罚法 art 59: what a decision states (the date is the day it is made; the offence, the
#: sanction and the amount come from the proposal).
DECISION_CONTENT: tuple[tuple[str, str, str], ...] = (
    ("party_name", "当事人的姓名或者名称", "the party's name"),
    ("party_address", "当事人地址", "the party's address"),
    ("facts", "违法事实和证据", "the facts and evidence"),
    ("basis", "处罚的种类和依据", "the sanction and its legal basis"),
    ("performance", "履行方式和期限", "how and by when to comply"),
    (
        "remedies",
        "申请行政复议、提起行政诉讼的途径和期限",
        "the routes and time limits of review and suit",
    ),
    ("agency", "作出决定的行政机关名称", "the deciding agency"),
)


def decision_content_complete(ctx: PenaltyContext, data: Data) -> Refusals:
    out = tuple(
        Refusal(f"决定书须载明{zh}", f"The decision must state {en}", name)
        for name, zh, en in DECISION_CONTENT
        if not _text(data, name)
    )
    if data.get("sealed") is not True:
        out += refuse(
            "决定书须加盖行政机关印章", "The decision must bear the agency's seal", "sealed"
        )
    return out


def not_heavier_than_reviewed(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 45: the party's statement never makes the sanction heavier; and what was not reviewed
    and notified is not decided (国办发〔2018〕118号)."""
    r, p = ctx.reviewed, ctx.proposal
    if r is None:
        return NO  # review_passed speaks for this
    if p.offence != r.offence or p.party_kind != r.party_kind:
        return refuse(
            "决定的违法行为或当事人类别与法制审核的不一致，须重新审核",
            "The offence or party differs from what the review passed: review again",
            "offence",
        )
    out: Refusals = NO
    extra = [s for s in p.sanctions if s not in r.sanctions]
    if extra:
        out += refuse(
            "决定不得增加审核及告知以外的处罚种类",
            "The decision may not add sanctions",
            "sanctions",
        )
    if (p.amount or 0) > (r.amount or 0):
        out += refuse(
            f"罚款数额不得高于告知的{r.amount or 0}元",
            f"The fine may not exceed the ¥{r.amount or 0} notified",
            "amount",
        )
    return out


def within_decision_period(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 60: decided by the stored last day — day 90 accepted, day 91 refused (accepted when
    an extension moved the last day past it)."""
    due = ctx.decision_due
    if ctx.today <= due:
        return NO
    if ctx.decision_extension_days:
        return refuse(
            f"决定期限经批准延长{ctx.decision_extension_days}日至{due}，已逾期",
            f"The decision was due by {due} (extended by {ctx.decision_extension_days} days);"
            " that has passed",
        )
    return refuse(
        f"应自立案之日起90日内作出决定（至{due}），已逾期",
        f"A decision is due within 90 days of filing ({due}); that has passed",
    )


# ---- guards: extending the decision period (art 60 "另有规定的，从其规定") ------------------------


def extension_available(ctx: PenaltyContext, data: Data) -> Refusals:
    """Once, where the bureau allows extensions at all, and while the period still runs: an
    extension approved after the last day would excuse a lapse, not extend a period."""
    if ctx.extension_limit <= 0:
        return refuse("本机关未设决定期限延长", "This bureau allows no extension of the period")
    if ctx.decision_extension_days:
        return refuse(
            f"决定期限已延长过一次（{ctx.decision_extension_days}日）",
            "The decision period has been extended once already",
        )
    if ctx.today > ctx.decision_due:
        return refuse(
            f"决定期限已于{ctx.decision_due}届满，不能再延长",
            f"The decision period ended on {ctx.decision_due}; it can no longer be extended",
        )
    return NO


def extension_days_within(ctx: PenaltyContext, data: Data) -> Refusals:
    days = data.get("days")
    if days is None or days < 1:
        return refuse("请填写延长天数", "The number of days is required", "days")
    if days <= ctx.extension_limit:
        return NO
    return refuse(
        f"延长不得超过{ctx.extension_limit}日",
        f"An extension may add at most {ctx.extension_limit} days",
        "days",
    )


def extended_decision_due(decision_due: date, days: int) -> date:
    return decision_due + timedelta(days=days)


# ---- guards: serving, publishing, withdrawing (the bureau's duties) --------------------------


def _day_since_decision(ctx: PenaltyContext, data: Data, name: str, zh: str, en: str) -> Refusals:
    day = data.get(name)
    if day is None:
        return refuse(f"请填写{zh}日期", f"The day of {en} is required", name)
    if day > ctx.today:
        return refuse(f"{zh}日期不能晚于今天", f"{en} cannot be dated in the future", name)
    if ctx.decided_on is not None and day < ctx.decided_on:
        return refuse(f"{zh}日期早于决定日期", f"{en} cannot precede the decision", name)
    return NO


def _late(
    ctx: PenaltyContext, data: Data, day: date | None, due: date, zh: str, en: str
) -> Refusals:
    if day is None or day <= due or _text(data, "late_reason"):
        return NO
    return refuse(
        f"{zh}期限至{due}，已逾期，请说明逾期原因",
        f"{en} was due by {due}; state why it is late",
        "late_reason",
    )


def served_in_time(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 61: served within 7 working days of the decision (late only with a reason)."""
    bad = _day_since_decision(ctx, data, "served_on", "送达", "service")
    if bad or ctx.decided_on is None:
        return bad
    due = service_due(ctx.decided_on, ctx.calendar)
    return _late(ctx, data, data.get("served_on"), due, "送达", "Service")


def published_in_time(ctx: PenaltyContext, data: Data) -> Refusals:
    """国办发〔2018〕118号: public within 7 working days of the decision (late only with a reason)."""
    bad = _day_since_decision(ctx, data, "published_on", "公示", "publication")
    if bad or ctx.decided_on is None:
        return bad
    due = publication_due(ctx.decided_on, ctx.calendar)
    return _late(ctx, data, data.get("published_on"), due, "公示", "Publication")


def publication_not_withdrawn(ctx: PenaltyContext, data: Data) -> Refusals:
    if not ctx.publication_withdrawn:
        return NO
    return refuse("公示已撤回", "The publication has been withdrawn already")


def revocation_recorded(ctx: PenaltyContext, data: Data) -> Refusals:
    """The day the decision was revoked and what revoked it (复议决定, 判决 …)."""
    revoked = data.get("revoked_on")
    if revoked is None:
        return refuse(
            "请填写决定被撤销的日期", "The day the decision was revoked is required", "revoked_on"
        )
    if revoked > ctx.today:
        return refuse(
            "撤销日期不能晚于今天", "The revocation cannot be dated in the future", "revoked_on"
        )
    if ctx.decided_on is not None and revoked < ctx.decided_on:
        return refuse(
            "撤销日期早于决定日期", "The revocation cannot precede the decision", "revoked_on"
        )
    if not _text(data, "reason"):
        return refuse("请填写撤销依据（复议决定、判决等）", "Name what revoked it", "reason")
    return NO


def not_revoked_yet(ctx: PenaltyContext, data: Data) -> Refusals:
    if ctx.revoked_on is None:
        return NO
    return refuse(
        f"处罚决定已于{ctx.revoked_on}被撤销", f"The decision was revoked on {ctx.revoked_on}"
    )


def revoked(ctx: PenaltyContext, data: Data) -> Refusals:
    if ctx.revoked_on is not None:
        return NO
    return refuse(
        "尚未记录处罚决定被撤销，不能撤回公示",
        "No revocation is recorded: the publication stays",
    )


def withdrawn_in_time(ctx: PenaltyContext, data: Data) -> Refusals:
    """Art 48(2): a revoked decision's publication withdrawn within 3 working days of the
    revocation (late only with a reason)."""
    if ctx.revoked_on is None:
        return NO  # ``revoked`` speaks for this
    due = ctx.withdrawal_due or withdrawal_due(ctx.revoked_on, ctx.calendar)
    return _late(ctx, data, ctx.today, due, "撤回公示", "Withdrawal")


def not_revoked(ctx: PenaltyContext, data: Data) -> Refusals:
    if ctx.revoked_on is None:
        return NO
    return refuse("处罚决定已被撤销，不得执行", "The decision was revoked; it is not executed")


def withdrawal_not_pending(ctx: PenaltyContext, data: Data) -> Refusals:
    """A revoked decision's publication is withdrawn before the penalty closes."""
    if ctx.revoked_on is None or ctx.publication_withdrawn:
        return NO
    return refuse(
        "处罚决定已被撤销，须先撤回公示", "The decision was revoked: withdraw its publication first"
    )


def execution_recorded(ctx: PenaltyContext, data: Data) -> Refusals:
    day = data.get("executed_on")
    out: Refusals = NO
    if day is None:
        out += refuse("请填写履行（执行）日期", "The day of compliance is required", "executed_on")
    elif day > ctx.today:
        out += refuse(
            "履行日期不能晚于今天", "Compliance cannot be dated in the future", "executed_on"
        )
    if not _text(data, "how"):
        out += refuse(
            "请填写履行情况（如缴款凭证号）", "Describe the compliance (e.g. the receipt)", "how"
        )
    return out


def reason_given(ctx: PenaltyContext, data: Data) -> Refusals:
    if _text(data, "reason"):
        return NO
    return refuse("请填写理由", "A reason is required", "reason")


def publication_withdrawn(ctx: PenaltyContext, data: Data) -> Refusals:
    """A revoked decision is closed from ``published`` once its publication is withdrawn."""
    if ctx.publication_withdrawn:
        return NO
    return refuse("处罚决定尚未执行完毕", "The decision has not been complied with yet")


# ---- the machine, one record per trigger ----------------------------------------------------

OFFICERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
#: 法制审核: a reviewer of the bureau (not on the case — the guard checks that).
REVIEWERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
#: 决定: the agency's responsible person (行政处罚法 art 57).
DECIDERS = frozenset({Role.SUPERVISOR})

PROPOSAL_FIELDS: tuple[Field, ...] = (
    Choice("offence", "违法行为", "Offence", choices=OFFENCE_LABELS),
    Choice("party_kind", "当事人类别", "Kind of party", choices=PARTY_KINDS),
    Choices("sanctions", "处罚种类", "Sanctions", choices=SANCTION_KINDS),
    Integer("amount", "罚款数额（元）", "Fine (yuan)", min=0, max=100_000_000),
)
FACTS = Text("facts", "违法事实", "Facts", max=20000)
REASON = Text("reason", "理由", "Reason", max=2000)
LATE = Text("late_reason", "逾期原因", "Why late", max=2000)

TRIGGER_SPECS: tuple[Trigger, ...] = (
    Trigger(
        "investigate", "开始调查", "Start the investigation",
        roles=OFFICERS,
        edges=(Edge("filed", "investigating", guards=(actor_is_officer, two_officers)),),
    ),
    Trigger(
        "submit_review", "提交法制审核", "Submit for legal review",
        roles=OFFICERS,
        fields=(*PROPOSAL_FIELDS, FACTS),
        edges=(
            Edge("investigating", "legal_review",
                 guards=(actor_is_officer, facts_stated, proposal_lawful),
                 effects=("write_proposal",)),
        ),
    ),
    Trigger(
        "pass_review", "法制审核通过", "Pass the legal review",
        roles=REVIEWERS,
        fields=(Text("opinion", "审核意见", "Opinion", max=20000),),
        edges=(
            Edge("legal_review", None,
                 guards=(reviewer_not_officer, review_pending, opinion_given, proposal_lawful),
                 effects=("record_review",)),
        ),
    ),
    Trigger(
        "return_review", "法制审核退回", "Return from legal review",
        roles=REVIEWERS,
        fields=(Text("opinion", "审核意见", "Opinion", max=20000),),
        edges=(
            Edge("legal_review", "investigating",
                 guards=(reviewer_not_officer, review_pending, opinion_given),
                 effects=("record_review",)),
        ),
    ),
    Trigger(
        "notify", "事先告知", "Notify the party",
        roles=OFFICERS,
        fields=(
            FACTS,
            Text("grounds", "处罚理由及依据", "Grounds", max=20000),
            Boolean("rights_stated", "已告知陈述申辩（听证）权利", "Rights stated"),
            Date("notified_on", "告知书送达日期", "Day the notice reached the party"),
        ),
        edges=(
            Edge("legal_review", "notified",
                 guards=(actor_is_officer, review_passed, notice_complete, notified_on_plausible),
                 effects=("write_notice",)),
        ),
    ),
    Trigger(
        "request_hearing", "当事人申请听证", "The party asks for a hearing",
        roles=OFFICERS,
        fields=(Date("requested_on", "申请日期", "Day of the request"),),
        edges=(
            Edge("notified", "hearing",
                 guards=(actor_is_officer, hearing_right, hearing_requested_in_time),
                 effects=("record_hearing_request",)),
        ),
    ),
    Trigger(
        "schedule_hearing", "通知听证", "Notify the hearing",
        roles=OFFICERS,
        fields=(Date("hearing_on", "听证日期", "Hearing date"),
                Text("place", "听证地点", "Place", max=500)),
        edges=(
            Edge("hearing", None, guards=(actor_is_officer, hearing_not_held, hearing_notice_in_time),
                 effects=("schedule_hearing",)),
        ),
    ),
    Trigger(
        "hold_hearing", "举行听证", "Hold the hearing",
        roles=OFFICERS,
        fields=(Text("transcript", "听证笔录", "Hearing record", max=20000),),
        edges=(
            Edge("hearing", None,
                 guards=(actor_is_officer, hearing_not_held, hearing_day_reached, transcript_given),
                 effects=("record_hearing",)),
        ),
    ),
    Trigger(
        "decide", "作出处罚决定", "Decide",
        roles=DECIDERS,
        fields=(
            *PROPOSAL_FIELDS,
            Text("party_name", "当事人", "Party", max=500),
            Text("party_address", "当事人地址", "Party's address", max=500),
            Text("facts", "违法事实和证据", "Facts and evidence", max=20000),
            Text("basis", "处罚种类和依据", "Sanction and basis", max=20000),
            Text("performance", "履行方式和期限", "How and by when", max=2000),
            Text("remedies", "复议、诉讼途径和期限", "Review and suit", max=2000),
            Text("agency", "作出决定的机关", "Deciding agency", max=500),
            Boolean("sealed", "已加盖印章", "Sealed"),
            Boolean("rights_waived", "当事人书面放弃陈述申辩", "Party waived in writing"),
        ),
        edges=(
            Edge("notified", "decided",
                 guards=(review_passed, within_decision_period, statement_period_over,
                         proposal_lawful, not_heavier_than_reviewed, decision_content_complete),
                 effects=("write_decision", "schedule_service")),
            Edge("hearing", "decided",
                 guards=(review_passed, within_decision_period, hearing_held,
                         proposal_lawful, not_heavier_than_reviewed, decision_content_complete),
                 effects=("write_decision", "schedule_service")),
        ),
    ),
    Trigger(
        "serve", "送达决定书", "Serve the decision",
        roles=OFFICERS,
        fields=(Date("served_on", "送达日期", "Day served"), LATE),
        edges=(Edge("decided", "served", guards=(actor_is_officer, served_in_time),
                    effects=("record_service",)),),
    ),
    Trigger(
        "publish", "公示处罚决定", "Publish the decision",
        roles=OFFICERS,
        fields=(Date("published_on", "公示日期", "Day published"), LATE),
        edges=(Edge("served", "published", guards=(actor_is_officer, published_in_time),
                    effects=("record_publication",)),),
    ),
    Trigger(
        "extend_decision_period", "延长决定期限", "Extend the decision period",
        roles=DECIDERS,
        fields=(Integer("days", "延长天数", "Days", min=1, max=365), REASON),
        edges=(Edge(("filed", "investigating", "legal_review", "notified", "hearing"), None,
                    guards=(extension_available, extension_days_within, reason_given),
                    effects=("extend_decision_period",)),),
    ),
    Trigger(
        "record_revocation", "记录决定被撤销", "Record the revocation",
        roles=OFFICERS,
        fields=(Date("revoked_on", "决定被撤销日期", "Day revoked"), REASON),
        edges=(Edge(("published", "executed"), None,
                    guards=(actor_is_officer, not_revoked_yet, revocation_recorded),
                    effects=("record_revocation",)),),
    ),
    Trigger(
        "withdraw_publication", "撤回公示（决定被撤销）", "Withdraw the publication (revoked)",
        roles=OFFICERS,
        fields=(LATE,),
        edges=(Edge(("published", "executed"), None,
                    guards=(actor_is_officer, revoked, publication_not_withdrawn,
                            withdrawn_in_time),
                    effects=("withdraw_publication",)),),
    ),
    Trigger(
        "execute", "记录履行/执行", "Record compliance",
        roles=OFFICERS,
        fields=(Date("executed_on", "履行日期", "Day complied"),
                Text("how", "履行情况", "How", max=2000)),
        edges=(Edge("published", "executed", guards=(actor_is_officer, not_revoked, execution_recorded),
                    effects=("record_execution",)),),
    ),
    Trigger(
        "close", "结案", "Close",
        roles=OFFICERS,
        edges=(Edge("executed", "closed", guards=(actor_is_officer, withdrawal_not_pending)),
               Edge("published", "closed", guards=(actor_is_officer, publication_withdrawn)),),
    ),
    Trigger(
        "dismiss", "不予处罚/撤销立案", "Drop (no penalty)",
        roles=DECIDERS,
        fields=(REASON,),
        edges=(Edge(("filed", "investigating", "legal_review", "notified", "hearing"), "closed",
                    guards=(reason_given,), effects=("record_dismissal",)),),
    ),
)  # fmt: skip

#: Bump when a trigger's edges, its roles or the states change (a test pins the digest).
#: Penalties store no machine version: a row filed under 1 follows 2 (its columns mean the same;
#: one revoked and withdrawn under 1 has both ``revoked_on`` and ``publication_withdrawn``).
#: 2: the decision period's extension; the revocation recorded apart from the withdrawal.
MACHINE_VERSION = 2

SPEC = MachineSpec(STATES, INITIAL_STATE, TRIGGER_SPECS, MACHINE_VERSION, model_attribute="status")

KNOWN_DIGESTS: dict[int, str] = {
    1: "ffc2bcc604bb952476f035a95f19602fae6d785db762e5af27e9f2150e3452ff",
    2: "0f120b2c95b1120be2297b4bafb1ade64551e1d5dbd4dee0af560e27e0eee531",
}

STATE_NAMES: tuple[str, ...] = SPEC.state_names
STATE_LABELS: dict[str, StateInfo] = {s.name: s for s in STATES}
TRIGGERS: tuple[str, ...] = SPEC.trigger_names
TRIGGER_LABELS: dict[str, tuple[str, str]] = SPEC.labels
TRIGGER_FIELDS: dict[str, frozenset[str]] = SPEC.field_names
WHO_MAY: dict[str, frozenset[Role]] = SPEC.who_may
TRANSITIONS: tuple[dict[str, object], ...] = SPEC.transition_rows
#: Where the penalty is still open (the dismissal and the reminders look at these).
OPEN_STATES = frozenset(STATE_NAMES) - {"closed"}


def definition_digest() -> str:
    return SPEC.digest()


def who_may(trigger: str) -> frozenset[Role]:
    return WHO_MAY.get(trigger, frozenset())


def clean_input(trigger: str, data: Data) -> dict[str, Any]:
    """``data`` for ``trigger`` checked against its fields before the machine runs."""
    return SPEC.clean_input(trigger, data)


@cache
def penalty_machine() -> Machine:
    """The shared rulebook, built once per process; never bound to a model."""
    return SPEC.build_machine()


def triggers_from(state: str) -> tuple[str, ...]:
    accepted = set(penalty_machine().get_triggers(state))
    return tuple(t for t in TRIGGERS if t in accepted)


def edges() -> list[tuple[str, str, str]]:
    return SPEC.edges()
