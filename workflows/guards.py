"""Guards of the case machine (DESIGN §2), one small function per rule.

Each guard receives the ``EventData`` of the trigger; ``event.model`` is the case context built by
the one door (see :class:`CaseContext`) and ``event.kwargs`` the trigger's data. A guard returns
``False`` to refuse and records *why* through ``context.refuse(zh, en)``; the one door turns the
refusals into ``GuardFailed`` (STYLE 15). Guards read; they never write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from transitions import EventData

from cases.core.vocabulary import Regime
from cases.reference.timelimits import InvalidTimeLimit, TimeLimit

#: Ways a notice may be served (送达方式), after 行政处罚法 art 61 / 民事诉讼法.
SERVICE_METHODS: dict[str, tuple[str, str]] = {
    "direct": ("直接送达", "served in person"),
    "left": ("留置送达", "left at the premises"),
    "mail": ("邮寄送达", "by post"),
    "electronic": ("电子送达", "electronically (with consent)"),
}


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

    def refuse(self, zh: str, en: str) -> None: ...


def _ctx(event: EventData) -> CaseContext:
    return event.model  # type: ignore[no-any-return]


def _text(event: EventData, key: str) -> str:
    value = event.kwargs.get(key)
    return value.strip() if isinstance(value, str) else ""


def finding_is_emergency(event: EventData) -> bool:
    """Seed 五(一): emergency measures first, the written notice after — only in an emergency."""
    ctx = _ctx(event)
    if ctx.finding_is_emergency:
        return True
    ctx.refuse(
        "该问题未标记为紧急情况，不能先行责令采取紧急处置措施，请直接下达执法通知书",
        "The finding is not marked as an emergency; issue a written notice instead",
    )
    return False


def reason_given(event: EventData) -> bool:
    if _text(event, "reason"):
        return True
    _ctx(event).refuse("请填写理由", "A reason is required")
    return False


def two_officers_with_valid_credentials(event: EventData) -> bool:
    """Seed 四 and 行政处罚法 art 42: ≥2 officers, each with a credential valid today (条例 art 47)."""
    ctx = _ctx(event)
    raw = event.kwargs.get("officer_ids") or []
    ids = list(dict.fromkeys(raw)) if isinstance(raw, list | tuple) else []
    if len(ids) < 2:
        ctx.refuse(
            f"执法人员不足2名（当前{len(ids)}名）",
            f"At least 2 enforcement officers are required ({len(ids)} given)",
        )
        return False
    officers = ctx.officers(ids)
    if len(officers) != len(ids):
        ctx.refuse(
            "所选人员中有人不是本机关的执法人员", "Some selected people are not officers here"
        )
        return False
    ok = True
    for officer in officers:
        problem = officer.credential_problem(ctx.today)
        if problem:
            ctx.refuse(*problem)
            ok = False
    return ok


def time_limit_from(data: dict[str, Any]) -> TimeLimit:
    """The 限期 stated on an order: its length and its unit (自然日/工作日/小时)."""
    length = data.get("time_limit_length")
    if length is None or length == "":
        raise InvalidTimeLimit("请填写整改期限", "The time limit is required")
    try:
        length = int(length)
    except (TypeError, ValueError):
        raise InvalidTimeLimit(
            f"期限长度必须是整数，实际为{length!r}",
            f"the length of a time limit must be a whole number, got {length!r}",
        ) from None
    return TimeLimit(length, data.get("time_limit_unit"))  # type: ignore[arg-type]


def _time_limit_ok(event: EventData) -> bool:
    try:
        time_limit_from(event.kwargs)
    except InvalidTimeLimit as exc:
        _ctx(event).refuse(exc.reason_zh, exc.reason_en)
        return False
    return True


def notice_content_complete(event: EventData) -> bool:
    """A 执法通知书 states facts, the required correction and the time limit with its unit;
    the archive-security regime also states the remedial measures (seed 安全 五(一): 补救措施)."""
    ctx = _ctx(event)
    missing = [
        (zh, en)
        for key, zh, en in (
            ("facts", "违法事实", "facts"),
            ("required_correction", "改正要求", "required correction"),
        )
        if not _text(event, key)
    ]
    if ctx.regime == Regime.SECURITY and not _text(event, "remedial_measures"):
        missing.append(("补救措施", "remedial measures"))
    ok = True
    if missing:
        ctx.refuse(
            "执法通知书内容不完整，缺少：" + "、".join(zh for zh, _ in missing),
            "The notice is incomplete; missing: " + ", ".join(en for _, en in missing),
        )
        ok = False
    return _time_limit_ok(event) and ok


def notice_served(event: EventData) -> bool:
    """送达: the unit received the notice — how and when, not in the future, not before issue."""
    ctx = _ctx(event)
    method = event.kwargs.get("service_method")
    served_at = event.kwargs.get("served_at")
    if method not in SERVICE_METHODS:
        ctx.refuse(
            "请选择送达方式（直接送达、留置送达、邮寄送达或电子送达）",
            "Choose how the notice was served (in person, left, post or electronic)",
        )
        return False
    if not isinstance(served_at, datetime) or served_at.tzinfo is None:
        ctx.refuse("请填写送达时间", "The time of service is required")
        return False
    if served_at > ctx.now:
        ctx.refuse("送达时间不能晚于当前时间", "The time of service cannot be in the future")
        return False
    if ctx.notice_issued_at and served_at < ctx.notice_issued_at:
        ctx.refuse("送达时间不能早于通知书下达时间", "Service cannot precede the notice's issue")
        return False
    return True


def rectification_report_attached(event: EventData) -> bool:
    ctx = _ctx(event)
    ok = True
    if not _text(event, "report"):
        ctx.refuse("请填写整改报告", "A rectification report is required")
        ok = False
    evidence = event.kwargs.get("evidence")
    if not evidence or not all(isinstance(e, str) and e.strip() for e in evidence):
        ctx.refuse("请附整改证明材料", "Evidence of the rectification must be attached")
        ok = False
    return ok


def rectification_deadline_passed(event: EventData) -> bool:
    ctx = _ctx(event)
    due = ctx.rectification_due_at
    if due is None:
        ctx.refuse("该案件没有进行中的整改期限", "The case has no running rectification deadline")
        return False
    if ctx.now < due:
        ctx.refuse("整改期限尚未届满", "The rectification deadline has not passed yet")
        return False
    return True


def new_time_limit_given(event: EventData) -> bool:
    return _time_limit_ok(event)


def serious_or_overdue(event: EventData) -> bool:
    """Seed 五(二): report upward for a serious violation or hazard; an overdue case qualifies too."""
    ctx = _ctx(event)
    if ctx.finding_is_serious or ctx.state == "overdue":
        return True
    ctx.refuse(
        "仅重大违法行为、严重安全隐患或逾期未改正的案件可以上报",
        "Only serious violations or hazards, or overdue cases, can be escalated",
    )
    return False


def instructions_recorded(event: EventData) -> bool:
    if _text(event, "instructions"):
        return True
    _ctx(event).refuse("请录入上级处理意见", "The superior's instructions must be recorded")
    return False


def instructions_outcome_known(event: EventData) -> bool:
    if event.kwargs.get("outcome") in ("rectify", "close"):
        return True
    _ctx(event).refuse(
        "请选择处理结果：继续整改或结案", "Choose the outcome: continue rectification or close"
    )
    return False


def instructions_say_rectify(event: EventData) -> bool:
    """Silent selector between the two receive_instructions edges."""
    return event.kwargs.get("outcome") == "rectify"


def instructions_say_close(event: EventData) -> bool:
    return event.kwargs.get("outcome") == "close"


def circular_published_if_required(event: EventData) -> bool:
    """Seed 安全 五(二): problems of archive information security are made public by 通报."""
    ctx = _ctx(event)
    if ctx.regime == Regime.SECURITY and ctx.information_security and not ctx.has_circular:
        ctx.refuse(
            "档案信息安全问题须先以通报形式予以公布，方可结案",
            "An information-security case must have its circular published before closing",
        )
        return False
    return True
