"""Guards of the case machine (DESIGN §2), one small function per rule.

A guard is ``(context, data) -> tuple[Refusal, ...]``: ``context`` is what it may read about the
case (:class:`CaseContext`; the one door builds it, a test may pass a small dataclass), ``data``
the trigger's cleaned input. An empty tuple means yes; each refusal gives its Chinese and English
reason and, where it concerns one input, that input's name. The rulebook adapts guards to the
machine's conditions and the one door turns their refusals into ``GuardFailed``. Guards read;
they never write.

A few functions here are *selectors* (``(context, data) -> bool``): they choose between the edges
of one trigger and refuse nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from cases.core.vocabulary import Regime
from cases.reference.timelimits import InvalidTimeLimit, TimeLimit
from workflows.rulebook import NO, Refusal, Refusals, refuse

#: Ways a notice may be served (送达方式), after 行政处罚法 art 61 / 民事诉讼法.
SERVICE_METHODS: dict[str, tuple[str, str]] = {
    "direct": ("直接送达", "served in person"),
    "left": ("留置送达", "left at the premises"),
    "mail": ("邮寄送达", "by post"),
    "electronic": ("电子送达", "electronically (with consent)"),
}

#: What the superior's instructions (上级处理意见) decide for an escalated case.
INSTRUCTION_OUTCOMES: dict[str, tuple[str, str]] = {
    "rectify": ("继续整改", "continue rectification"),
    "close": ("结案", "close the case"),
}

Data = Mapping[str, Any]


class Officer(Protocol):
    id: int
    display_name: str
    credential_no: str | None

    def credential_problem(self, on: date) -> tuple[str, str] | None: ...


class CaseContext(Protocol):
    """What guards may read about one case while a trigger is fired."""

    state: str
    regime: str
    now: datetime
    today: date
    finding_is_emergency: bool
    finding_is_serious: bool
    information_security: bool
    has_circular: bool
    rectification_due_at: datetime | None
    notice_issued_at: datetime | None

    def officers(self, ids: Sequence[Any]) -> list[Officer]: ...


def _text(data: Data, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def finding_is_emergency(ctx: CaseContext, data: Data) -> Refusals:
    """Seed 五(一): emergency measures first, the written notice after — only in an emergency."""
    if ctx.finding_is_emergency:
        return NO
    return refuse(
        "该问题未标记为紧急情况，不能先行责令采取紧急处置措施，请直接下达执法通知书",
        "The finding is not marked as an emergency; issue a written notice instead",
    )


def reason_given(ctx: CaseContext, data: Data) -> Refusals:
    if _text(data, "reason"):
        return NO
    return refuse("请填写理由", "A reason is required", "reason")


def two_officers_with_valid_credentials(ctx: CaseContext, data: Data) -> Refusals:
    """Seed 四 and 行政处罚法 art 42: ≥2 officers, each with a credential valid today (条例 art 47)."""
    raw = data.get("officer_ids") or []
    ids = list(dict.fromkeys(raw)) if isinstance(raw, list | tuple) else []
    if len(ids) < 2:
        return refuse(
            f"执法人员不足2名（当前{len(ids)}名）",
            f"At least 2 enforcement officers are required ({len(ids)} given)",
            "officer_ids",
        )
    officers = ctx.officers(ids)
    if len(officers) != len(ids):
        return refuse(
            "所选人员中有人不是本机关的执法人员",
            "Some selected people are not officers here",
            "officer_ids",
        )
    return tuple(
        Refusal(*problem, "officer_ids")
        for officer in officers
        if (problem := officer.credential_problem(ctx.today))
    )


def time_limit_from(data: Data) -> TimeLimit:
    """The 限期 stated on an order: its length and its unit (自然日/工作日/小时)."""
    length = data.get("time_limit_length")
    if length is None or length == "":
        raise InvalidTimeLimit("请填写整改期限", "The time limit is required")
    if isinstance(length, str):
        try:
            length = int(length)
        except ValueError:
            raise InvalidTimeLimit(
                f"期限长度必须是整数，实际为{length!r}",
                f"the length of a time limit must be a whole number, got {length!r}",
            ) from None
    return TimeLimit(length, data.get("time_limit_unit"))  # type: ignore[arg-type]


def _time_limit_gaps(data: Data) -> Refusals:
    try:
        time_limit_from(data)
    except InvalidTimeLimit as exc:
        return refuse(exc.reason_zh, exc.reason_en, "time_limit_length")
    return NO


def notice_content_complete(ctx: CaseContext, data: Data) -> Refusals:
    """A 执法通知书 states facts, the required correction and the time limit with its unit;
    the archive-security regime also states the remedial measures (seed 安全 五(一): 补救措施)."""
    missing = [
        (zh, en)
        for key, zh, en in (
            ("facts", "违法事实", "facts"),
            ("required_correction", "改正要求", "required correction"),
        )
        if not _text(data, key)
    ]
    if ctx.regime == Regime.SECURITY and not _text(data, "remedial_measures"):
        missing.append(("补救措施", "remedial measures"))
    incomplete = (
        refuse(
            "执法通知书内容不完整，缺少：" + "、".join(zh for zh, _ in missing),
            "The notice is incomplete; missing: " + ", ".join(en for _, en in missing),
        )
        if missing
        else NO
    )
    return incomplete + _time_limit_gaps(data)


def notice_served(ctx: CaseContext, data: Data) -> Refusals:
    """送达: the unit received the notice — how and when, not in the future, not before issue.

    A time of service is written to the minute (on the 送达回证 as on the form), so a notice
    served in the minute it was issued is not served before its issue."""
    served_at = data.get("served_at")
    if data.get("service_method") not in SERVICE_METHODS:
        return refuse(
            "请选择送达方式（直接送达、留置送达、邮寄送达或电子送达）",
            "Choose how the notice was served (in person, left, post or electronic)",
            "service_method",
        )
    if not isinstance(served_at, datetime) or served_at.tzinfo is None:
        return refuse("请填写送达时间", "The time of service is required", "served_at")
    if served_at > ctx.now:
        return refuse(
            "送达时间不能晚于当前时间", "The time of service cannot be in the future", "served_at"
        )
    if ctx.notice_issued_at and served_at < ctx.notice_issued_at.replace(second=0, microsecond=0):
        return refuse(
            "送达时间不能早于通知书下达时间",
            "Service cannot precede the notice's issue",
            "served_at",
        )
    return NO


def rectification_report_attached(ctx: CaseContext, data: Data) -> Refusals:
    out: Refusals = NO
    if not _text(data, "report"):
        out += refuse("请填写整改报告", "A rectification report is required", "report")
    evidence = data.get("evidence")
    if (
        not evidence
        or isinstance(evidence, str)
        or not all(isinstance(e, str) and e.strip() for e in evidence)
    ):
        out += refuse(
            "请附整改证明材料", "Evidence of the rectification must be attached", "evidence"
        )
    return out


def rectification_deadline_passed(ctx: CaseContext, data: Data) -> Refusals:
    due = ctx.rectification_due_at
    if due is None:
        return refuse(
            "该案件没有进行中的整改期限", "The case has no running rectification deadline"
        )
    if ctx.now < due:
        return refuse("整改期限尚未届满", "The rectification deadline has not passed yet")
    return NO


def new_time_limit_given(ctx: CaseContext, data: Data) -> Refusals:
    return _time_limit_gaps(data)


def serious_or_overdue(ctx: CaseContext, data: Data) -> Refusals:
    """Seed 五(二): report upward for a serious violation or hazard; an overdue case qualifies too."""
    if ctx.finding_is_serious or ctx.state == "overdue":
        return NO
    return refuse(
        "仅重大违法行为、严重安全隐患或逾期未改正的案件可以上报",
        "Only serious violations or hazards, or overdue cases, can be escalated",
    )


def instructions_recorded(ctx: CaseContext, data: Data) -> Refusals:
    if _text(data, "instructions"):
        return NO
    return refuse(
        "请录入上级处理意见", "The superior's instructions must be recorded", "instructions"
    )


def instructions_outcome_known(ctx: CaseContext, data: Data) -> Refusals:
    if data.get("outcome") in INSTRUCTION_OUTCOMES:
        return NO
    return refuse(
        "请选择处理结果：继续整改或结案",
        "Choose the outcome: continue rectification or close",
        "outcome",
    )


def instructions_say_rectify(ctx: CaseContext, data: Data) -> bool:
    """Selector between the two receive_instructions edges: continue rectification."""
    return data.get("outcome") == "rectify"


def instructions_say_close(ctx: CaseContext, data: Data) -> bool:
    """Selector between the two receive_instructions edges: close the case."""
    return data.get("outcome") == "close"


def circular_published_if_required(ctx: CaseContext, data: Data) -> Refusals:
    """Seed 安全 五(二): problems of archive information security are made public by 通报."""
    if ctx.regime == Regime.SECURITY and ctx.information_security and not ctx.has_circular:
        return refuse(
            "档案信息安全问题须先以通报形式予以公布，方可结案",
            "An information-security case must have its circular published before closing",
        )
    return NO
