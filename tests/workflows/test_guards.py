"""Every guard's refusal, with its Chinese and English reason, through the one door."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.core.db import command_session
from cases.core.errors import GuardFailed, InvalidInput, UnknownTrigger
from cases.models import Circular
from tests.support.world import World


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
        ("abc", "natural_day", "期限长度必须是整数"),
        (0, "natural_day", "期限长度须在1至365之间"),
        (400, "working_day", "期限长度须在1至365之间"),
        (10, "fortnight", "未知的期限单位"),
    ],
)
def test_time_limit_must_be_valid(world: World, length: object, unit: str, zh: str) -> None:
    case_id = world.open_case()
    data = {**world.data_for("issue_notice"), "time_limit_length": length, "time_limit_unit": unit}
    with pytest.raises(GuardFailed) as err:
        world.fire(case_id, "issue_notice", **data)
    assert zh in err.value.reason_zh


def test_service_must_be_recorded_properly(world: World) -> None:
    case_id = world.case_for_state("notice_issued")
    assert "送达方式" in refusal(world, case_id, "acknowledge", service_method="fax").reason_zh
    served = {"service_method": "direct"}
    err = refusal(world, case_id, "acknowledge", **served, served_at="yesterday")
    assert "请填写送达时间" in err.reason_zh
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
    err = refusal(world, case_id, "receive_instructions", outcome="maybe")
    assert "请选择处理结果" in err.reason_zh
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
