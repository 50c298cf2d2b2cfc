"""The record form as typed (drafts) and its way through the door to the seal (seed 四)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.core.errors import GuardFailed, InvalidInput, InvalidTransition, NotAllowed
from cases.inspections.door import plan_inspection
from cases.inspections.drafts import draft_of, save_draft
from cases.inspections.officers import officer_choices
from cases.inspections.recording import sign_for_unit, sign_record, submit_record
from cases.models import (
    Case,
    Finding,
    Inspection,
    InspectionDraft,
    InspectionEvent,
    InspectionItemResult,
    Recusal,
    Unit,
)
from tests.support.world import World
from workflows.fields import InvalidFields

DAY = date(2026, 3, 2)
EA = ["EA-1", "EA-2", "EA-3", "EA-4", "EA-5", "EA-6"]


def plan(world: World, *officers: str, kind: str = "random_sampling") -> int:
    with command_session(world.factory) as s:
        return plan_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="electronic", kind=kind,
            inspection_date=DAY, officers=[world.user(s, o) for o in officers or ("inspector", "inspector2")],
            actor=world.user(s, "inspector"), now=world.now, responsible_person="王主任",
        ).id  # fmt: skip


def form(world: World, **changes: Any) -> dict[str, Any]:
    """The form's values as the web layer reads them: EA-1 failed, the rest conform."""
    pair = [world.ids["inspector"], world.ids["inspector2"]]
    outcomes = {c: {"result": "conform", "note": "", "evidence": [], "is_emergency": False,
                    "is_serious": False} for c in EA}  # fmt: skip
    outcomes["EA-1"] = {"result": "nonconform", "note": "未建立电子文件归档登记制度",
                        "evidence": ["登记簿照片"], "is_emergency": False, "is_serious": True}  # fmt: skip
    values = {
        "officer_ids": [str(i) for i in pair], "credentials_shown": [str(i) for i in pair],
        "methods": ["review_records", "site_check"], "record_content": "查阅归档登记簿，核查机房",
        "record_problems": "未建立电子文件归档登记制度", "record_handling": "责令限期整改",
        "ended_on": "", "responsible_person": "王主任", "outcomes": outcomes,
    }  # fmt: skip
    values.update(changes)
    return values


def save(world: World, inspection_id: int, who: str = "inspector", **kw: Any) -> InspectionDraft:
    data = kw.pop("data", None) or form(world)
    with command_session(world.factory) as s:
        return save_draft(s, inspection_id, world.user(s, who), data, now=world.now, **kw)


def test_a_draft_is_kept_per_officer_and_read_back_as_typed(world: World) -> None:
    inspection_id = plan(world)
    save(world, inspection_id, typed_at="1000", data=form(world, record_content="第一稿"))
    save(world, inspection_id, typed_at=2000, data=form(world, record_content="第二稿"))
    save(
        world, inspection_id, "inspector2", typed_at=1500, data=form(world, record_content="李华的")
    )
    # a save overtaken by a later one (an older stamp) changes nothing
    save(world, inspection_id, typed_at=1200, data=form(world, record_content="迟到的旧稿"))
    with world.factory() as s:
        i = s.get(Inspection, inspection_id)
        mine = draft_of(s, i, world.user(s, "inspector"))
        theirs = draft_of(s, i, world.user(s, "inspector2"))
        assert mine is not None and theirs is not None
        assert (mine.data["record_content"], mine.typed_at) == ("第二稿", 2000)
        assert theirs.data["record_content"] == "李华的"
        assert mine.data["outcomes"]["EA-1"]["evidence"] == ["登记簿照片"]
        assert mine.data["officer_ids"] == [world.ids["inspector"], world.ids["inspector2"]]
        # a draft is not the record: no state, no event, no result written
        assert i.status == "planned" and i.record_content == ""
        assert s.scalar(select(func.count()).select_from(InspectionEvent).where(
            InspectionEvent.inspection_id == inspection_id)) == 1  # fmt: skip
        assert s.scalar(select(func.count()).select_from(InspectionItemResult)) == 0


def test_an_incomplete_draft_is_kept_but_an_invalid_one_is_refused_by_its_field(
    world: World,
) -> None:
    inspection_id = plan(world)
    save(world, inspection_id, data={"record_content": "刚开始写", "outcomes": {}})
    cases = [
        ({"outcomes": {"EA-9": {"result": "conform"}}}, "outcomes", "检查项不存在：EA-9"),
        ({"outcomes": {"EA-1": {"result": "bad"}}}, "result-EA-1", "EA-1的检查结果须为"),
        (
            {"outcomes": {"EA-2": {"result": "", "note": "长" * 2001}}},
            "note-EA-2",
            "不能超过2000字",
        ),
        ({"methods": ["guessing"]}, "methods", "未知的检查方式"),
        ({"record_content": "x" * 20001}, "record_content", "不能超过20000字"),
        ({"ended_on": "2026-02-30"}, "ended_on", "须为日期"),
        ({"officer_ids": ["abc"]}, "officer_ids", "须为编号"),
    ]
    for data, field, message in cases:
        with pytest.raises(InvalidFields) as err:
            save(world, inspection_id, data=data)
        assert field in [r.field for r in err.value.refusals], data
        assert message in err.value.reason_zh
    with world.factory() as s:
        draft = draft_of(s, s.get(Inspection, inspection_id), world.user(s, "inspector"))
        assert draft is not None and draft.data["record_content"] == "刚开始写"


def test_only_the_inspections_officers_keep_drafts_and_only_while_it_is_open(
    world: World,
) -> None:
    inspection_id = plan(world)
    with pytest.raises(InvalidInput, match="Only the inspection's officers"):
        save(world, inspection_id, "supervisor")  # of the authority, but not on this inspection
    for who in ("liaison", "foreign_inspector"):
        with pytest.raises(NotAllowed):
            save(world, inspection_id, who)


def test_submitting_the_form_starts_and_records_in_one_go_and_signatures_seal_it(
    world: World,
) -> None:
    inspection_id = plan(world)
    save(world, inspection_id)
    with command_session(world.factory) as s:
        submit_record(s, inspection_id, world.user(s, "inspector"), form(world), now=world.now)
    with world.factory() as s:
        i = s.get(Inspection, inspection_id)
        assert i.status == "recorded" and i.ended_on == DAY
        assert all(link.credential_shown for link in i.officers)
        assert s.scalar(select(func.count()).select_from(Case)) == 0  # cases open at the seal
    with pytest.raises(InvalidTransition):  # the form is closed once recorded
        save(world, inspection_id)
    with command_session(world.factory) as s:
        assert (
            sign_record(s, inspection_id, world.user(s, "inspector"), now=world.now).to_state
            == "recorded"
        )
        assert (
            sign_record(s, inspection_id, world.user(s, "inspector2"), now=world.now).to_state
            == "recorded"
        )
    with pytest.raises(InvalidFields), command_session(world.factory) as s:
        sign_for_unit(s, inspection_id, world.user(s, "inspector"), outcome="maybe",
                      responsible_person="王主任", now=world.now)  # fmt: skip
    with pytest.raises(GuardFailed) as err, command_session(world.factory) as s:
        sign_for_unit(s, inspection_id, world.user(s, "inspector"), outcome="refused",
                      responsible_person="王主任", reason=" ", now=world.now)  # fmt: skip
    assert err.value.reason_zh == "请注明拒绝签字的情况" and err.value.fields == ["reason"]
    with command_session(world.factory) as s:
        fired = sign_for_unit(s, inspection_id, world.user(s, "inspector"), outcome="signed",
                              responsible_person="王主任", now=world.now)  # fmt: skip
        assert fired.to_state == "signed" and len(fired.opened) == 1
    with world.factory() as s:
        i = s.get(Inspection, inspection_id)
        assert i.status == "signed" and i.responsible_person_signed and i.signed_at is not None
        finding = s.scalar(select(Finding).where(Finding.inspection_id == inspection_id))
        assert finding.is_serious and finding.evidence == ["登记簿照片"]
        assert s.scalar(select(Case).where(Case.finding_id == finding.id)).state == "detected"


def test_a_refused_submission_writes_nothing_and_names_the_fields(world: World) -> None:
    inspection_id = plan(world)
    with command_session(world.factory) as s:
        before = s.get(Inspection, inspection_id).version
    values = form(world, record_handling="", methods=[], credentials_shown=[])
    with pytest.raises(GuardFailed) as err, command_session(world.factory) as s:
        submit_record(s, inspection_id, world.user(s, "inspector"), values, now=world.now)
    assert "credentials_shown" in err.value.fields
    # the first rule that refuses stops the command: here, starting without credentials shown
    values = form(world, record_handling="", methods=[])
    with pytest.raises(GuardFailed) as err, command_session(world.factory) as s:
        submit_record(s, inspection_id, world.user(s, "inspector"), values, now=world.now)
    assert set(err.value.fields) == {"methods", "record_handling"}
    assert "检查记录不完整，请填写：处理情况" in err.value.reason_zh
    with world.factory() as s:
        i = s.get(Inspection, inspection_id)
        assert (i.status, i.version) == (
            "planned",
            before,
        )  # not even started: nothing half-written
        assert not any(link.credential_shown for link in i.officers)


def test_officers_offered_have_a_valid_credential_that_day_and_no_recusal(world: World) -> None:
    with command_session(world.factory) as s:
        s.add(Recusal(officer_id=world.ids["inspector2"], unit_id=world.ids["unit"],
                      reason="配偶在该单位任职", since=DAY - timedelta(days=10)))  # fmt: skip
    with world.factory() as s:
        offered = {c.name: c.credential_no for c in officer_choices(
            s, world.ids["luquan"], world.ids["unit"], DAY)}  # fmt: skip
        assert offered == {"张明": "冀鹿0001", "赵局长": "冀鹿0004"}  # 王强 expired, 李华 recused
        other_unit = {c.name for c in officer_choices(
            s, world.ids["luquan"], world.ids["other_unit"], DAY)}  # fmt: skip
        assert other_unit == {"张明", "李华", "赵局长"}
