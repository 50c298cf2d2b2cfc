"""Typed, bounded inputs through both doors: a malformed field is refused as invalid input (422)
naming it in Chinese and English, before anything is written; a well-formed one is stored clean."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.core.errors import InvalidInput
from cases.inspections.door import (
    advance_inspection,
    plan_inspection,
    set_officers,
    update_record,
)
from cases.inspections.input import parse_ids
from cases.models import (
    Case,
    Deadline,
    Event,
    Inspection,
    InspectionEvent,
    Notice,
    RectificationReport,
    Unit,
)
from tests.support.world import World
from workflows.fields import InvalidFields

HUGE = "违" * 3_500_000


def written(world: World, case_id: int) -> tuple[Any, ...]:
    """Everything a case trigger may write: the row, its events, notices, deadlines, reports."""
    with world.factory() as s:
        case = s.get(Case, case_id)
        counts = [
            s.scalar(select(func.count()).select_from(m).where(m.case_id == case_id))
            for m in (Event, Notice, Deadline, RectificationReport)
        ]
        return (case.state, case.version, *counts)


def invalid(world: World, case_id: int, trigger: str, **changes: Any) -> InvalidInput:
    before = written(world, case_id)
    with pytest.raises(InvalidInput) as err:
        world.fire(case_id, trigger, **{**world.data_for(trigger, case_id), **changes})
    assert written(world, case_id) == before, "nothing is written"
    assert err.value.status == 422
    return err.value


def test_facts_of_millions_of_characters_are_refused(world: World) -> None:
    case_id = world.open_case()
    err = invalid(world, case_id, "issue_notice", facts=HUGE)
    assert err.reason_zh == "违法事实不能超过5000字（实际3500000字）"
    assert err.reason_en == "Facts (facts) must be at most 5000 characters (3500000 given)"


def test_a_fractional_time_limit_is_refused_not_rounded(world: World) -> None:
    case_id = world.open_case()
    err = invalid(world, case_id, "issue_notice", time_limit_length=2.5)
    assert "整改期限长度须为整数" in err.reason_zh and "time_limit_length" in err.reason_en
    overdue = world.case_for_state("overdue")
    invalid(world, overdue, "extend_deadline", time_limit_length="2.5")


def test_evidence_given_as_one_string_is_refused(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    err = invalid(world, case_id, "submit_rectification", evidence="制度文本.pdf")
    assert "整改证明材料须为列表" in err.reason_zh and "evidence" in err.reason_en


@pytest.mark.parametrize(
    ("trigger", "changes", "zh"),
    [
        ("issue_notice", {"officer_ids": "12"}, "执法人员须为列表"),
        ("issue_notice", {"officer_ids": [0, 1]}, "不是有效编号"),
        ("issue_notice", {"required_correction": "改\x00正"}, "改正要求含有不允许的空字符"),
        ("issue_notice", {"time_limit_length": True}, "整改期限长度须为整数"),
        ("void", {"reason": ["问题不成立"]}, "理由须为文字"),
        ("escalate", {"notify_departments": "区公安分局"}, "通报部门须为列表"),
    ],
)
def test_malformed_fields_are_refused_before_any_write(
    world: World, trigger: str, changes: dict[str, Any], zh: str
) -> None:
    case_id = world.case_for_state("detected")
    assert zh in invalid(world, case_id, trigger, **changes).reason_zh


def test_form_values_are_stored_clean(world: World) -> None:
    """A form posts strings: a time limit of "15" is 15, text is stripped, an officer named
    twice counts once (and then the notice lacks its second officer)."""
    case_id = world.open_case()
    data = world.data_for("issue_notice")
    world.fire(
        case_id,
        "issue_notice",
        **{**data, "time_limit_length": "15", "facts": "  未建立登记制度  "},
    )
    with world.factory() as s:
        deadline = s.scalar(select(Deadline).where(Deadline.case_id == case_id))
        event = s.scalar(
            select(Event).where(Event.case_id == case_id, Event.trigger == "issue_notice")
        )
        assert deadline.time_limit_length == 15
        stored = json.loads(event.payload)["data"]  # the canonical JSON that was hashed
        assert stored["facts"] == "未建立登记制度" and stored["time_limit_length"] == 15


# ---- the inspection record's door -------------------------------------------------------------

PAIR = ("inspector", "inspector2")


def started(world: World) -> int:
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s,
            unit=s.get(Unit, world.ids["unit"]),
            regime="electronic",
            kind="special",
            inspection_date=date(2026, 3, 2),
            officers=[world.user(s, o) for o in PAIR],
            actor=world.user(s, "inspector"),
            now=world.now,
        )
        inspection_id = inspection.id
    with command_session(world.factory) as s:
        shown = [world.ids[o] for o in PAIR]
        advance_inspection(
            s, inspection_id, "start", world.user(s, "inspector"), now=world.now,
            credentials_shown=shown,
        )  # fmt: skip
    return inspection_id


def record_state(world: World, inspection_id: int) -> tuple[Any, ...]:
    with world.factory() as s:
        i = s.get(Inspection, inspection_id)
        events = s.scalar(
            select(func.count())
            .select_from(InspectionEvent)
            .where(InspectionEvent.inspection_id == inspection_id)
        )
        return (i.status, i.version, i.record_content, len(i.results), events)


def refused_on_record(
    world: World, inspection_id: int, trigger: str | None, **data: Any
) -> InvalidInput:
    before = record_state(world, inspection_id)
    with pytest.raises(InvalidInput) as err, command_session(world.factory) as s:
        actor = world.user(s, "inspector")
        if trigger is None:
            update_record(s, inspection_id, actor, now=world.now, **data)
        else:
            advance_inspection(s, inspection_id, trigger, actor, now=world.now, **data)
    assert record_state(world, inspection_id) == before, "nothing is written"
    return err.value


def test_record_text_is_bounded(world: World) -> None:
    inspection_id = started(world)
    err = refused_on_record(world, inspection_id, "record", record_content=HUGE)
    assert err.reason_zh == "检查内容不能超过20000字（实际3500000字）"
    assert "record_content" in err.reason_en
    err = refused_on_record(world, inspection_id, None, record_problems=HUGE)
    assert err.reason_zh.startswith("发现的问题不能超过20000字")


@pytest.mark.parametrize(
    ("trigger", "data", "zh"),
    [
        ("record", {"ended_on": "2026/03/02"}, "检查结束日期须为日期"),
        ("record", {"methods": "site_check"}, "检查方式须为列表"),
        (
            "record",
            {"outcomes": {"EA-1": {"result": "nonconform", "evidence": "制度文本.pdf"}}},
            "EA-1的证明材料须为列表",
        ),
        (None, {"outcomes": {"EA-1": {"result": "conform", "is_serious": "maybe"}}}, "须为是或否"),
        (None, {"ended_on": date(2026, 3, 2), "record_handling": 3}, "处理情况须为文字"),
    ],
)
def test_malformed_record_fields_are_refused_before_any_write(
    world: World, trigger: str | None, data: dict[str, Any], zh: str
) -> None:
    inspection_id = started(world)
    assert zh in refused_on_record(world, inspection_id, trigger, **data).reason_zh


def test_credentials_shown_must_be_a_list_of_ids(world: World) -> None:
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="electronic", kind="special",
            inspection_date=date(2026, 3, 2), officers=[world.user(s, o) for o in PAIR],
            actor=world.user(s, "inspector"), now=world.now,
        )  # fmt: skip
        inspection_id = inspection.id
    err = refused_on_record(world, inspection_id, "start", credentials_shown=world.ids["inspector"])
    assert "已出示执法证件的人员须为列表" in err.reason_zh
    assert record_state(world, inspection_id)[0] == "planned"


def test_officer_ids_given_as_one_string_are_refused_not_read_digit_by_digit() -> None:
    """``"12"`` is not the officers 1 and 2: the id list is refused, naming its field."""
    with pytest.raises(InvalidFields) as err:
        parse_ids("12", "officer_ids")
    assert err.value.reason_zh == "检查人员须为列表，实际为str"
    assert [r.field for r in err.value.refusals] == ["officer_ids"]
    assert parse_ids(["12", 3, 12], "officer_ids") == [12, 3]
    assert parse_ids({7}, "credentials_shown") == [7]


def test_set_officers_refuses_a_bare_string_before_any_write(world: World) -> None:
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="electronic", kind="special",
            inspection_date=date(2026, 3, 2), officers=[world.user(s, o) for o in PAIR],
            actor=world.user(s, "inspector"), now=world.now,
        )  # fmt: skip
        inspection_id = inspection.id
    with command_session(world.factory) as s, pytest.raises(InvalidFields) as err:
        set_officers(
            s, inspection_id, str(world.ids["inspector"]), world.user(s, "supervisor"),
            now=world.now,
        )  # fmt: skip
    assert "officer_ids" in err.value.reason_en
    with world.factory() as s:
        officers = s.get(Inspection, inspection_id).officers
        assert {o.user_id for o in officers} == {world.ids[o] for o in PAIR}
