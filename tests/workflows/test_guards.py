"""Every guard's refusal, with its Chinese and English reason: through the one door, and on plain
contexts (a small dataclass standing for the case) where the rule itself is the point."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from transitions import Machine

from cases.core.db import command_session
from cases.core.errors import GuardFailed, InvalidInput, UnknownTrigger
from cases.models import Circular
from cases.models.registry import credential_problem
from tests.support.world import World
from workflows import guards as g
from workflows.rulebook import Refusal, condition


def refusal(
    world: World, case_id: int, trigger: str, actor: str | None = None, **changes: object
) -> GuardFailed:
    data = {**world.data_for(trigger, case_id), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(GuardFailed) as err:
        world.fire(case_id, trigger, actor, **data)
    return err.value


def test_emergency_measures_need_an_emergency(world: World) -> None:
    case_id = world.open_case(emergency=False)
    err = refusal(world, case_id, "order_emergency_measures")
    assert "未标记为紧急情况" in err.reason_zh and "not marked as an emergency" in err.reason_en


def test_void_needs_a_reason(world: World) -> None:
    err = refusal(world, world.open_case(), "void", reason="   ")
    assert err.reasons == [("请填写理由", "A reason is required")]
    assert err.fields == ["reason"]  # the form shows it beside the reason
    assert err.as_dict()["reasons"] == [
        {"zh": "请填写理由", "en": "A reason is required", "field": "reason"}
    ]


def test_notice_needs_two_officers(world: World) -> None:
    case_id = world.open_case()
    err = refusal(world, case_id, "issue_notice", officer_ids=[world.ids["inspector"]])
    assert "执法人员不足2名（当前1名）" in err.reason_zh and "At least 2" in err.reason_en
    # the same officer twice is still one officer
    err = refusal(world, case_id, "issue_notice", officer_ids=[world.ids["inspector"]] * 2)
    assert "当前1名" in err.reason_zh


def test_expired_credential_blocks_the_notice(world: World) -> None:
    case_id = world.open_case()
    err = refusal(
        world, case_id, "issue_notice", officer_ids=[world.ids["inspector"], world.ids["expired"]]
    )
    assert "王强的执法证件（冀鹿0003）已于2025-12-31过期" in err.reason_zh
    assert "expired on 2025-12-31" in err.reason_en


def test_non_officer_cannot_be_named_on_a_notice(world: World) -> None:
    case_id = world.open_case()
    err = refusal(
        world, case_id, "issue_notice", officer_ids=[world.ids["inspector"], world.ids["liaison"]]
    )
    assert "不是本机关的执法人员" in err.reason_zh


def test_notice_content_must_be_complete(world: World) -> None:
    case_id = world.open_case()
    err = refusal(world, case_id, "issue_notice", facts="", required_correction=" ")
    assert "缺少：违法事实、改正要求" in err.reason_zh
    assert "facts, required correction" in err.reason_en


def test_security_regime_notice_states_remedial_measures(world: World) -> None:
    case_id = world.open_case("security")
    err = refusal(world, case_id, "issue_notice", remedial_measures="")
    assert "补救措施" in err.reason_zh and "remedial measures" in err.reason_en
    # the electronic regime does not require them
    other = world.open_case("electronic")
    world.fire(other, "issue_notice", **{**world.data_for("issue_notice"), "remedial_measures": ""})
    assert world.state(other) == "notice_issued"


@pytest.mark.parametrize(
    ("length", "unit", "zh"),
    [
        (None, "natural_day", "请填写整改期限"),
        (0, "natural_day", "期限长度须在1至365之间"),
        (400, "working_day", "期限长度须在1至365之间"),
    ],
)
def test_time_limit_must_be_valid(world: World, length: object, unit: str, zh: str) -> None:
    case_id = world.open_case()
    data = {**world.data_for("issue_notice"), "time_limit_length": length, "time_limit_unit": unit}
    with pytest.raises(GuardFailed) as err:
        world.fire(case_id, "issue_notice", **data)
    assert zh in err.value.reason_zh


@pytest.mark.parametrize(
    ("length", "unit", "zh"),
    [
        ("abc", "natural_day", "整改期限长度须为整数"),
        (2.5, "natural_day", "整改期限长度须为整数"),
        (10, "fortnight", "整改期限单位须为以下之一"),
    ],
)
def test_malformed_time_limit_is_invalid_input(
    world: World, length: object, unit: str, zh: str
) -> None:
    """A length that is no whole number, or a unit outside 自然日/工作日/小时, is a malformed
    request (422, naming the field) before the machine runs; the guards below still refuse it."""
    case_id = world.open_case()
    data = {**world.data_for("issue_notice"), "time_limit_length": length, "time_limit_unit": unit}
    with pytest.raises(InvalidInput) as err:
        world.fire(case_id, "issue_notice", **data)
    assert zh in err.value.reason_zh
    assert world.state(case_id) == "detected"


def test_service_must_be_recorded_properly(world: World) -> None:
    case_id = world.case_for_state("notice_issued")
    served = {"service_method": "direct"}
    err = refusal(world, case_id, "acknowledge", **served, served_at=None)  # not given
    assert "请填写送达时间" in err.reason_zh
    with pytest.raises(InvalidInput) as bad:
        world.fire(case_id, "acknowledge", service_method="fax", served_at=world.now)
    assert "送达方式须为以下之一" in bad.value.reason_zh and "service_method" in bad.value.reason_en
    with pytest.raises(InvalidInput) as bad:
        world.fire(case_id, "acknowledge", **served, served_at="yesterday")
    assert "送达时间须为带时区的日期时间" in bad.value.reason_zh
    future = world.now + timedelta(days=1)
    assert "不能晚于当前时间" in refusal(world, case_id, "acknowledge", served_at=future).reason_zh
    before = world.now - timedelta(days=10)
    assert (
        "不能早于通知书下达时间"
        in refusal(world, case_id, "acknowledge", served_at=before).reason_zh
    )


def test_rectification_needs_report_and_evidence(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    err = refusal(world, case_id, "submit_rectification", report="", evidence=[])
    assert err.reasons == [
        ("请填写整改报告", "A rectification report is required"),
        ("请附整改证明材料", "Evidence of the rectification must be attached"),
    ]


def test_verification_needs_two_officers(world: World) -> None:
    case_id = world.case_for_state("awaiting_verification")
    err = refusal(world, case_id, "verify", officer_ids=[world.ids["inspector"]])
    assert "执法人员不足2名" in err.reason_zh


def test_rejection_needs_a_reason(world: World) -> None:
    case_id = world.case_for_state("awaiting_verification")
    assert refusal(world, case_id, "reject_rectification", reason="").reason_zh == "请填写理由"


def test_deadline_cannot_lapse_early(world: World) -> None:
    case_id = world.case_for_state("notice_issued")
    err = refusal(world, case_id, "deadline_lapsed", "system")
    assert err.reasons == [("整改期限尚未届满", "The rectification deadline has not passed yet")]


def test_extension_needs_reason_and_time_limit(world: World) -> None:
    case_id = world.case_for_state("overdue")
    assert refusal(world, case_id, "extend_deadline", reason="").reason_zh == "请填写理由"
    err = refusal(world, case_id, "extend_deadline", time_limit_length=0)
    assert "期限长度须在1至365之间" in err.reason_zh


def test_escalation_needs_a_serious_or_overdue_case(world: World) -> None:
    case_id = world.open_case(serious=False)
    err = refusal(world, case_id, "escalate")
    assert err.reason_zh == "仅重大违法行为、严重安全隐患或逾期未改正的案件可以上报"
    # an overdue case may be escalated although not serious
    world.drive_to(case_id, "overdue")
    world.fire(case_id, "escalate")
    assert world.state(case_id) == "escalated"


def test_instructions_must_be_recorded_with_an_outcome(world: World) -> None:
    case_id = world.case_for_state("escalated")
    err = refusal(world, case_id, "receive_instructions", instructions="")
    assert err.reasons == [("请录入上级处理意见", "The superior's instructions must be recorded")]
    err = refusal(world, case_id, "receive_instructions", outcome="")
    assert "请选择处理结果" in err.reason_zh
    with pytest.raises(InvalidInput) as bad:
        world.fire(case_id, "receive_instructions", instructions="结案", outcome="maybe")
    assert "处理结果须为以下之一：rectify、close" in bad.value.reason_zh
    world.fire(case_id, "receive_instructions", instructions="结案", outcome="close")
    assert world.state(case_id) == "closed"


def test_security_information_case_needs_circular_before_close(world: World) -> None:
    case_id = world.open_case("security", item="AS-4")  # 信息系统安全防护
    for trigger in ["issue_notice", "acknowledge", "submit_rectification", "verify"]:
        world.fire(case_id, trigger)
    err = refusal(world, case_id, "close")
    assert "须先以通报形式予以公布" in err.reason_zh
    with command_session(world.factory) as s:
        s.add(
            Circular(
                authority_id=world.ids["luquan"],
                case_id=case_id,
                kind="informational",
                title="关于档案信息系统安全问题的情况通报",
                content="……",
                published_at=world.now,
                created_by_id=world.ids["supervisor"],
            )  # fmt: skip
        )
    world.fire(case_id, "close")
    assert world.state(case_id) == "closed"


def test_electronic_regime_closes_without_circular(world: World) -> None:
    case_id = world.open_case("electronic", item="EA-5")
    for trigger in ["issue_notice", "acknowledge", "submit_rectification", "verify", "close"]:
        world.fire(case_id, trigger)
    assert world.state(case_id) == "closed"


def test_unknown_trigger_and_unexpected_fields(world: World) -> None:
    case_id = world.open_case()
    with pytest.raises(UnknownTrigger) as err:
        world.fire(case_id, "teleport", "supervisor", reason="x")
    assert err.value.reason_zh == "未知的操作：teleport"
    with pytest.raises(InvalidInput) as bad:
        world.fire(case_id, "void", reason="x", state="closed")
    assert bad.value.reason_zh == "不接受的字段：state"


# ---- the same guards on plain contexts ---------------------------------------------------------

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@dataclass(frozen=True)
class Officer:
    id: int
    display_name: str
    role: str = "inspector"
    active: bool = True
    credential_no: str | None = "冀鹿0001"
    credential_issued_on: date | None = date(2024, 1, 1)
    credential_expires_on: date | None = date(2030, 12, 31)

    def credential_problem(self, on: date) -> tuple[str, str] | None:
        return credential_problem(self, on)


STAFF = {
    1: Officer(1, "张明"),
    2: Officer(2, "李华", credential_no="冀鹿0002"),
    3: Officer(3, "王强", credential_no="冀鹿0003", credential_expires_on=date(2025, 12, 31)),
}


@dataclass
class Case:
    """What the case guards read, and nothing else (no session, no door)."""

    state: str = "detected"
    regime: str = "electronic"
    now: datetime = NOW
    today: date = date(2026, 3, 2)
    finding_is_emergency: bool = False
    finding_is_serious: bool = False
    information_security: bool = False
    has_circular: bool = False
    rectification_due_at: datetime | None = None
    notice_issued_at: datetime | None = None
    staff: dict[int, Officer] = field(default_factory=lambda: dict(STAFF))
    refusals: list[tuple[str, str]] = field(default_factory=list)

    def officers(self, ids: list[Any]) -> list[Officer]:
        return [self.staff[i] for i in ids if i in self.staff]

    def refuse(self, zh: str, en: str, field: str | None = None) -> None:
        self.refusals.append((zh, en))


NOTICE = {
    "officer_ids": [1, 2],
    "facts": "未建立电子文件归档登记制度",
    "required_correction": "建立并执行登记制度",
    "remedial_measures": "补登",
    "time_limit_length": 15,
    "time_limit_unit": "natural_day",
}


def zh(refusals: tuple[Refusal, ...]) -> list[str]:
    return [r.zh for r in refusals]


def test_a_guard_says_yes_with_no_refusal_and_no_with_every_reason() -> None:
    assert g.reason_given(Case(), {"reason": "问题不成立"}) == ()
    assert g.reason_given(Case(), {"reason": "  "}) == (
        Refusal("请填写理由", "A reason is required", "reason"),
    )
    assert g.reason_given(Case(), {}) == g.reason_given(Case(), {"reason": None})
    refusal = g.reason_given(Case(), {})[0]
    zh_text, en_text = refusal  # a refusal unpacks as the (zh, en) pair errors take
    assert (zh_text, en_text) == refusal.pair == ("请填写理由", "A reason is required")


def test_emergency_guard_on_a_plain_case() -> None:
    assert g.finding_is_emergency(Case(finding_is_emergency=True), {}) == ()
    assert "未标记为紧急情况" in zh(g.finding_is_emergency(Case(), {}))[0]


def test_officer_guard_counts_distinct_officers_and_checks_each_credential() -> None:
    ok = g.two_officers_with_valid_credentials
    assert ok(Case(), {"officer_ids": [1, 2]}) == ()
    assert zh(ok(Case(), {"officer_ids": [1, 1]})) == ["执法人员不足2名（当前1名）"]
    assert zh(ok(Case(), {"officer_ids": "12"})) == ["执法人员不足2名（当前0名）"]
    assert zh(ok(Case(), {"officer_ids": [1, 9]})) == ["所选人员中有人不是本机关的执法人员"]
    expired = ok(Case(), {"officer_ids": [1, 3]})
    assert zh(expired) == ["王强的执法证件（冀鹿0003）已于2025-12-31过期"]
    assert expired[0].field == "officer_ids"


def test_notice_content_guard_lists_what_is_missing_and_checks_the_time_limit() -> None:
    ok = g.notice_content_complete
    assert ok(Case(), NOTICE) == ()
    missing = ok(Case(), {**NOTICE, "facts": "", "required_correction": " "})
    assert zh(missing) == ["执法通知书内容不完整，缺少：违法事实、改正要求"]
    assert ok(Case(regime="electronic"), {**NOTICE, "remedial_measures": ""}) == ()
    security = ok(Case(regime="security"), {**NOTICE, "remedial_measures": ""})
    assert "补救措施" in zh(security)[0] and "remedial measures" in security[0].en
    both = ok(Case(), {**NOTICE, "facts": "", "time_limit_length": None})
    assert zh(both) == ["执法通知书内容不完整，缺少：违法事实", "请填写整改期限"]


@pytest.mark.parametrize(
    ("length", "unit", "expected"),
    [
        (None, "natural_day", "请填写整改期限"),
        ("", "natural_day", "请填写整改期限"),
        ("abc", "natural_day", "期限长度必须是整数"),
        (2.5, "natural_day", "期限长度必须是整数"),
        (0, "natural_day", "期限长度须在1至365之间"),
        (400, "working_day", "期限长度须在1至365之间"),
        (10, "fortnight", "未知的期限单位"),
    ],
)
def test_time_limit_guard_on_plain_data(length: object, unit: str, expected: str) -> None:
    """The guard refuses whatever reaches it; the door's field check refuses the malformed ones
    (``"abc"``, ``2.5``, ``"fortnight"``) earlier, as invalid input."""
    data = {"time_limit_length": length, "time_limit_unit": unit}
    (refusal,) = g.new_time_limit_given(Case(), data)
    assert expected in refusal.zh and refusal.field == "time_limit_length"


def test_a_fractional_time_limit_is_never_rounded() -> None:
    with pytest.raises(g.InvalidTimeLimit):
        g.time_limit_from({"time_limit_length": 2.5, "time_limit_unit": "natural_day"})
    assert g.time_limit_from({"time_limit_length": "15", "time_limit_unit": "hour"}).length == 15


def test_service_guard_on_a_plain_case() -> None:
    issued = NOW - timedelta(days=2)
    case = Case(state="notice_issued", notice_issued_at=issued)
    served = {"service_method": "direct", "served_at": NOW - timedelta(hours=1)}
    assert g.notice_served(case, served) == ()
    assert "送达方式" in zh(g.notice_served(case, {**served, "service_method": "fax"}))[0]
    for when in ("yesterday", None, NOW.replace(tzinfo=None)):
        assert zh(g.notice_served(case, {**served, "served_at": when})) == ["请填写送达时间"]
    future = {**served, "served_at": NOW + timedelta(days=1)}
    assert zh(g.notice_served(case, future)) == ["送达时间不能晚于当前时间"]
    early = {**served, "served_at": issued - timedelta(days=1)}
    assert zh(g.notice_served(case, early)) == ["送达时间不能早于通知书下达时间"]


def test_rectification_guard_wants_a_report_and_real_evidence() -> None:
    ok = g.rectification_report_attached
    assert ok(Case(), {"report": "已整改", "evidence": ["制度文本.pdf"]}) == ()
    assert [r.field for r in ok(Case(), {"report": "", "evidence": []})] == ["report", "evidence"]
    assert zh(ok(Case(), {"report": "已整改", "evidence": ["  "]})) == ["请附整改证明材料"]
    assert zh(ok(Case(), {"report": "已整改", "evidence": "制度文本.pdf"})) == ["请附整改证明材料"]


def test_deadline_guard_on_a_plain_case() -> None:
    ok = g.rectification_deadline_passed
    assert zh(ok(Case(), {})) == ["该案件没有进行中的整改期限"]
    assert zh(ok(Case(rectification_due_at=NOW + timedelta(seconds=1)), {})) == ["整改期限尚未届满"]
    assert ok(Case(rectification_due_at=NOW), {}) == ()


def test_escalation_guard_on_a_plain_case() -> None:
    ok = g.serious_or_overdue
    assert ok(Case(finding_is_serious=True), {}) == ()
    assert ok(Case(state="overdue"), {}) == ()
    assert zh(ok(Case(state="rectifying"), {})) == [
        "仅重大违法行为、严重安全隐患或逾期未改正的案件可以上报"
    ]


def test_instruction_guards_and_selectors() -> None:
    case = Case(state="escalated")
    assert zh(g.instructions_recorded(case, {"instructions": ""})) == ["请录入上级处理意见"]
    assert g.instructions_recorded(case, {"instructions": "继续整改"}) == ()
    assert "请选择处理结果" in zh(g.instructions_outcome_known(case, {"outcome": "maybe"}))[0]
    assert g.instructions_outcome_known(case, {"outcome": "close"}) == ()
    assert g.instructions_say_rectify(case, {"outcome": "rectify"})
    assert not g.instructions_say_rectify(case, {"outcome": "close"})
    assert g.instructions_say_close(case, {"outcome": "close"})


def test_circular_guard_on_a_plain_case() -> None:
    ok = g.circular_published_if_required
    secret = Case(regime="security", information_security=True)
    assert "须先以通报形式予以公布" in zh(ok(secret, {}))[0]
    assert ok(Case(regime="security", information_security=True, has_circular=True), {}) == ()
    assert ok(Case(regime="electronic", information_security=True), {}) == ()


def test_the_rulebook_notes_every_refusal_on_the_context() -> None:
    """What the door reads: a guard adapted to a condition notes its refusals as (zh, en) pairs on
    ``context.refusals`` and answers no; a guard that agrees notes nothing."""
    machine = Machine(
        model=None,
        states=["detected", "closed"],
        transitions=[
            {
                "trigger": "void",
                "source": "detected",
                "dest": "closed",
                "conditions": [condition(g.reason_given), condition(g.serious_or_overdue)],
            }
        ],
        initial="detected",
        auto_transitions=False,
        send_event=True,
    )
    case = Case()
    assert machine.events["void"].trigger(case, reason="") is False
    assert case.refusals == [("请填写理由", "A reason is required")]  # stops at the first no
    case = Case(finding_is_serious=True)
    assert machine.events["void"].trigger(case, reason="不成立") is True
    assert case.refusals == [] and case.state == "closed"


def test_guard_failed_keeps_the_field_each_refusal_names() -> None:
    """Pairs and refusals mix; each reason is kept once, with its field where one names it."""
    err = GuardFailed(
        [
            ("请填写理由", "A reason is required"),
            Refusal("请填写理由", "A reason is required", "reason"),
            Refusal("整改期限尚未届满", "The rectification deadline has not passed yet"),
        ]
    )
    assert err.reasons == [
        ("请填写理由", "A reason is required"),
        ("整改期限尚未届满", "The rectification deadline has not passed yet"),
    ]
    assert err.fields == ["reason", None]
    assert err.reason_zh == "请填写理由；整改期限尚未届满"
    assert [r.get("field") for r in err.as_dict()["reasons"]] == ["reason", None]
