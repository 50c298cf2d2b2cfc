"""Inspection records through their own machine: planned → in_progress → recorded → signed →
archived (seed 四; DESIGN §3). Every state is reached by firing real triggers; time is explicit."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cases.core.db import command_session
from cases.core.errors import (
    Conflict,
    GuardFailed,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    OversightError,
)
from cases.inspections.checklists import ItemOutcome
from cases.inspections.door import (
    Fired,
    RecordSealed,
    advance_inspection,
    plan_inspection,
    set_officers,
    update_record,
)
from cases.inspections.results import record_inspection
from cases.models import (
    Case,
    Event,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionItemResult,
    InspectionOfficer,
    Recusal,
    Unit,
)
from tests.support.world import World

#: The inspection's day: world time T0 is 09:00 Asia/Shanghai on it (a Monday).
DAY = date(2026, 3, 2)
PAIR = ("inspector", "inspector2")
EA = ["EA-1", "EA-2", "EA-3", "EA-4", "EA-5", "EA-6"]


def plan(world: World, *officers: str, kind: str = "special", day: date = DAY) -> int:
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s,
            unit=s.get(Unit, world.ids["unit"]),
            regime="electronic",
            kind=kind,
            inspection_date=day,
            officers=[world.user(s, o) for o in officers or PAIR],
            actor=world.user(s, "inspector"),
            now=world.now,
            responsible_person="王主任",
            special_topic="major_hazard" if kind == "special" else None,
        )
        return inspection.id


def fire(
    world: World, inspection_id: int, trigger: str, actor: str = "inspector", **data: Any
) -> Fired:
    now = data.pop("now", world.now)
    with command_session(world.factory) as s:
        return advance_inspection(s, inspection_id, trigger, world.user(s, actor), now=now, **data)


def refused(
    world: World, inspection_id: int, trigger: str, actor: str = "inspector", **data: Any
) -> GuardFailed:
    with pytest.raises(GuardFailed) as err:
        fire(world, inspection_id, trigger, actor, **data)
    return err.value


def outcomes(**failed: ItemOutcome) -> dict[str, ItemOutcome]:
    return {code: failed.get(code.replace("-", "_"), ItemOutcome("conform")) for code in EA}


def record_data(**changes: Any) -> dict[str, Any]:
    data = {
        "methods": ["hear_report", "review_records", "site_check"],
        "record_content": "听取电子文件归档工作汇报，查阅2025年度归档登记簿，核查服务器机房",
        "record_problems": "未建立电子文件归档登记制度；机房无温湿度监控",
        "record_handling": "现场责令限期整改，另行下达执法通知书",
        "outcomes": outcomes(
            EA_1=ItemOutcome("nonconform", "未建立电子文件归档登记制度", ("登记簿照片",)),
            EA_5=ItemOutcome(
                "nonconform", "机房漏水", ("机房照片",), is_emergency=True, is_serious=True
            ),
        ),
    }
    data.update(changes)
    return data


def started(world: World, **plan_kw: Any) -> int:
    inspection_id = plan(world, **plan_kw)
    fire(world, inspection_id, "start", credentials_shown=[world.ids[o] for o in PAIR])
    return inspection_id


def recorded(world: World, **changes: Any) -> int:
    inspection_id = started(world)
    fire(world, inspection_id, "record", **record_data(**changes))
    return inspection_id


def signed(world: World) -> int:
    inspection_id = recorded(world)
    fire(world, inspection_id, "sign", "inspector")
    fire(world, inspection_id, "sign", "inspector2")
    fire(world, inspection_id, "unit_sign")
    return inspection_id


def load(world: World, inspection_id: int) -> Inspection:
    with world.factory() as s:
        return s.get(Inspection, inspection_id)


# ---- starting: ≥2 officers, credentials valid on the day and shown, no recusal ------------------


def test_expired_credential_blocks_the_start(world: World) -> None:
    inspection_id = plan(world, "inspector", "expired")
    err = refused(
        world,
        inspection_id,
        "start",
        credentials_shown=[world.ids["inspector"], world.ids["expired"]],
    )
    assert err.reasons == [
        (
            "王强的执法证件（冀鹿0003）已于2025-12-31过期",
            "王强's credential 冀鹿0003 expired on 2025-12-31",
        )
    ]
    assert load(world, inspection_id).status == "planned"


def test_credential_counts_on_the_inspection_date_not_the_day_it_is_entered(world: World) -> None:
    """王强's credential ran to 2025-12-31: a check made on 12-30 may be started (entered) later."""
    inspection_id = plan(world, "inspector", "expired", day=date(2025, 12, 30))
    fire(
        world,
        inspection_id,
        "start",
        credentials_shown=[world.ids["inspector"], world.ids["expired"]],
    )
    assert load(world, inspection_id).status == "in_progress"


def test_one_officer_blocks_the_start(world: World) -> None:
    inspection_id = plan(world, "inspector")
    err = refused(world, inspection_id, "start", credentials_shown=[world.ids["inspector"]])
    assert err.reasons == [
        (
            "监督检查须由2名以上执法人员进行（当前1名）",
            "An inspection needs at least 2 officers (1 named)",
        )
    ]
    # naming the same officer twice still makes one
    with command_session(world.factory) as s:
        set_officers(s, inspection_id, [world.ids["inspector"]] * 2, world.user(s, "inspector"))
    assert "当前1名" in refused(world, inspection_id, "start").reason_zh


def test_recused_officer_blocks_the_start(world: World) -> None:
    with command_session(world.factory) as s:
        s.add(
            Recusal(
                officer_id=world.ids["inspector2"],
                unit_id=world.ids["unit"],
                reason="配偶在该单位任职",
                since=date(2025, 1, 1),
            )
        )
    inspection_id = plan(world)
    err = refused(world, inspection_id, "start", credentials_shown=[world.ids[o] for o in PAIR])
    assert err.reasons == [
        ("李华须回避，不得检查鹿泉区教育局", "李华 is recused from inspecting 鹿泉区教育局")
    ]


def test_credential_not_shown_blocks_the_start(world: World) -> None:
    inspection_id = plan(world)
    err = refused(world, inspection_id, "start", credentials_shown=[world.ids["inspector"]])
    assert err.reasons == [("李华未出示执法证件", "李华 has not shown their credential")]
    # the refused attempt rolled back: nothing of it was kept, so both are named again
    with world.factory() as s:
        assert not any(
            s.scalars(
                select(InspectionOfficer.credential_shown).where(
                    InspectionOfficer.inspection_id == inspection_id
                )
            )
        )
    fire(world, inspection_id, "start", credentials_shown=[world.ids[o] for o in PAIR])
    with world.factory() as s:
        shown = s.scalars(
            select(InspectionOfficer.credential_shown).where(
                InspectionOfficer.inspection_id == inspection_id
            )
        ).all()
    assert shown == [True, True]


def test_officer_of_another_authority_blocks_the_start(world: World) -> None:
    inspection_id = plan(world)
    with pytest.raises(GuardFailed) as err, command_session(world.factory) as s:
        set_officers(
            s,
            inspection_id,
            [world.ids["inspector"], world.ids["foreign_inspector"]],
            world.user(s, "inspector"),
        )
    assert err.value.reasons == [
        ("正定执法员不是本机关的执法人员", "正定执法员 is not an officer of this authority")
    ]


def test_a_check_cannot_start_before_its_day_nor_be_fired_by_others(world: World) -> None:
    inspection_id = plan(world, day=DAY + timedelta(days=1))
    err = refused(world, inspection_id, "start", credentials_shown=[world.ids[o] for o in PAIR])
    assert "检查日期为2026-03-03，尚未到来" in err.reason_zh
    inspection_id = plan(world)
    assert (
        "只有本次检查的执法人员" in refused(world, inspection_id, "start", "supervisor").reason_zh
    )
    with pytest.raises(NotAllowed):
        fire(world, inspection_id, "start", "liaison")
    with pytest.raises(NotAllowed, match="another authority"):
        fire(world, inspection_id, "start", "foreign_inspector")


# ---- recording: methods, a result per item, the record's text ----------------------------------


def test_record_needs_a_result_for_every_item(world: World) -> None:
    inspection_id = started(world)
    data = record_data()
    del data["outcomes"]["EA-3"], data["outcomes"]["EA-6"]
    err = refused(world, inspection_id, "record", **data)
    assert err.reasons == [
        ("以下检查项尚无检查结果：EA-3 完整性、EA-6 其他", err.reasons[0][1])
    ] and err.reasons[0][1].startswith("No result yet for: EA-3")
    # results saved along the way count: the two missing ones entered as an edit, then recorded
    with command_session(world.factory) as s:
        update_record(
            s,
            inspection_id,
            world.user(s, "inspector2"),
            now=world.now,
            outcomes={"EA-3": ItemOutcome("conform"), "EA-6": ItemOutcome("conform")},
        )
    fire(world, inspection_id, "record", **data)
    assert load(world, inspection_id).status == "recorded"


def test_record_needs_methods_and_problems_and_handling_when_an_item_fails(world: World) -> None:
    inspection_id = started(world)
    err = refused(
        world,
        inspection_id,
        "record",
        **record_data(methods=[], record_problems=" ", record_handling=""),
    )
    assert [zh for zh, _ in err.reasons] == [
        "请选择检查方式（听取汇报、查阅资料、核查现场、安全测评）",
        "检查记录不完整，请填写：发现的问题、处理情况",
    ]
    # nothing failed: content is enough
    fire(
        world,
        inspection_id,
        "record",
        **record_data(outcomes=outcomes(), record_problems="", record_handling=""),
    )
    inspection = load(world, inspection_id)
    assert inspection.status == "recorded" and inspection.ended_on == DAY


def test_malformed_record_data_is_invalid_input(world: World) -> None:
    inspection_id = started(world)
    with pytest.raises(InvalidInput, match="Unknown inspection methods"):
        fire(world, inspection_id, "record", **record_data(methods=["phone_call"]))
    with pytest.raises(InvalidInput, match="Unknown items"):
        fire(
            world, inspection_id, "record", **record_data(outcomes={"AS-1": ItemOutcome("conform")})
        )
    with pytest.raises(InvalidInput, match="only a nonconforming item"):
        bad = ItemOutcome("conform", is_emergency=True)
        fire(world, inspection_id, "record", **record_data(outcomes=outcomes(EA_2=bad)))
    with pytest.raises(InvalidInput, match="Unexpected fields: officer_ids"):
        fire(world, inspection_id, "record", officer_ids=[1])
    with pytest.raises(GuardFailed, match="cannot end .2026-03-01. before it began"):
        fire(world, inspection_id, "record", **record_data(ended_on=date(2026, 3, 1)))


# ---- signing, sealing, archiving ---------------------------------------------------------------


def test_signed_record_refuses_edits(world: World) -> None:
    inspection_id = signed(world)
    before = load(world, inspection_id)
    assert before.status == "signed" and before.signed_at == world.now
    attempts = [
        lambda s, me: update_record(s, inspection_id, me, record_content="改写"),
        lambda s, me: set_officers(
            s, inspection_id, [world.ids["inspector"], world.ids["supervisor"]], me
        ),
        lambda s, me: advance_inspection(s, inspection_id, "record", me, **record_data()),
        lambda s, me: advance_inspection(s, inspection_id, "sign", me),
    ]
    for attempt in attempts:
        with pytest.raises(RecordSealed) as err, command_session(world.factory) as s:
            attempt(s, world.user(s, "inspector"))
        assert err.value.reason_zh == "检查记录已签字，不得修改（当前状态：已签字）"
        assert err.value.reason_en.startswith("The inspection record is signed and can no longer")
        assert isinstance(err.value, InvalidTransition) and err.value.status == 409
    fire(world, inspection_id, "archive", "supervisor")
    with pytest.raises(RecordSealed, match="archived"), command_session(world.factory) as s:
        update_record(s, inspection_id, world.user(s, "inspector"), record_handling="补充")
    after = load(world, inspection_id)
    assert after.record_content == before.record_content and after.version == before.version + 1


def test_refusal_to_sign_is_recorded_and_the_record_still_archives(world: World) -> None:
    inspection_id = recorded(world)
    fire(world, inspection_id, "sign", "inspector")
    err = refused(world, inspection_id, "record_refusal", "inspector2", reason="  ")
    assert err.reasons == [("请注明拒绝签字的情况", "Record how and why the signature was refused")]
    step = fire(
        world,
        inspection_id,
        "record_refusal",
        "inspector2",
        reason="单位负责人王主任对检查结论有异议，拒绝签字",
    )
    assert step.to_state == "recorded"  # 李华 has not signed yet
    assert "已签字或已注明拒绝签字" in refused(world, inspection_id, "unit_sign").reason_zh
    assert fire(world, inspection_id, "sign", "inspector2").to_state == "signed"
    fire(world, inspection_id, "archive", "inspector", now=world.now + timedelta(days=2))
    inspection = load(world, inspection_id)
    assert inspection.status == "archived"
    assert inspection.refusal_to_sign == "单位负责人王主任对检查结论有异议，拒绝签字"
    assert inspection.refusal_recorded_by_id == world.ids["inspector2"]
    assert not inspection.responsible_person_signed and inspection.responsible_person == "王主任"
    assert inspection.archived_at == world.now + timedelta(days=2)


def test_the_last_signature_seals_whoever_gives_it(world: World) -> None:
    inspection_id = recorded(world)
    assert (
        fire(world, inspection_id, "unit_sign", responsible_person="王建国").to_state == "recorded"
    )
    assert fire(world, inspection_id, "sign", "inspector2").to_state == "recorded"
    assert refused(world, inspection_id, "sign", "inspector2").reasons == [
        ("李华已签字", "李华 has signed already")
    ]
    assert (
        "只有本次检查的执法人员可以签字"
        in refused(world, inspection_id, "sign", "supervisor").reason_zh
    )
    assert fire(world, inspection_id, "sign", "inspector").to_state == "signed"
    inspection = load(world, inspection_id)
    assert inspection.responsible_person == "王建国" and inspection.responsible_person_signed


def test_failed_items_open_cases_in_detected_with_flags_carried(world: World) -> None:
    inspection_id = recorded(world)
    with world.factory() as s:
        assert s.scalars(select(Finding).where(Finding.inspection_id == inspection_id)).all() == []
    fire(world, inspection_id, "sign", "inspector")
    fire(world, inspection_id, "sign", "inspector2")
    sealed = fire(world, inspection_id, "unit_sign")
    assert sealed.to_state == "signed" and len(sealed.opened) == 2
    with world.factory() as s:
        rows = s.execute(
            select(Finding, Case)
            .join(Case, Case.finding_id == Finding.id)
            .where(Finding.inspection_id == inspection_id)
            .order_by(Finding.id)
        ).all()
        genesis = s.scalars(select(Event.trigger).where(Event.case_id == rows[0][1].id)).all()
        payload = s.scalars(
            select(InspectionEvent.payload)
            .where(InspectionEvent.inspection_id == inspection_id)
            .order_by(InspectionEvent.seq.desc())
        ).first()
        codes = [f.item.code for f, _ in rows]
    (f1, c1), (f5, c5) = rows
    assert codes == ["EA-1", "EA-5"]
    assert c1.state == c5.state == "detected" and genesis == ["open"]
    assert (f1.is_emergency, f1.is_serious, f1.evidence) == (False, False, ["登记簿照片"])
    assert (f5.is_emergency, f5.is_serious, f5.evidence) == (True, True, ["机房照片"])
    assert (c5.is_emergency, c5.is_serious, f5.description) == (True, True, "机房漏水")
    assert payload["effects"]["cases_opened"] == [c1.id, c5.id]


def test_history_records_every_step_in_order_with_the_version(world: World) -> None:
    inspection_id = signed(world)
    fire(world, inspection_id, "archive")
    with world.factory() as s:
        events = s.scalars(
            select(InspectionEvent)
            .where(InspectionEvent.inspection_id == inspection_id)
            .order_by(InspectionEvent.seq)
        ).all()
        version = s.get(Inspection, inspection_id).version
    assert [(e.seq, e.trigger, e.from_state, e.to_state) for e in events] == [
        (1, "plan", None, "planned"),
        (2, "start", "planned", "in_progress"),
        (3, "record", "in_progress", "recorded"),
        (4, "sign", "recorded", "recorded"),
        (5, "sign", "recorded", "recorded"),
        (6, "unit_sign", "recorded", "signed"),
        (7, "archive", "signed", "archived"),
    ]
    assert [e.actor_id for e in events[3:5]] == [world.ids["inspector"], world.ids["inspector2"]]
    assert events[3].payload["effects"] == {"signed_by": world.ids["inspector"]}
    assert events[2].payload["outcomes"]["EA-5"]["is_emergency"] is True
    assert version == 7  # 1 at planning, +1 per later event


def test_an_edit_of_a_recorded_record_keeps_it_complete_and_clears_signatures(world: World) -> None:
    inspection_id = recorded(world)
    fire(world, inspection_id, "sign", "inspector")
    fire(world, inspection_id, "unit_sign")
    with (
        pytest.raises(GuardFailed, match="fill in the problems found"),
        command_session(world.factory) as s,
    ):
        update_record(s, inspection_id, world.user(s, "inspector2"), record_problems="")
    with command_session(world.factory) as s:
        event = update_record(
            s,
            inspection_id,
            world.user(s, "inspector2"),
            record_handling="现场责令停止使用漏水机房，限期10日整改",
        )
        assert event.payload["effects"]["signatures_cleared"] == [
            world.ids["inspector"],
            "responsible_person",
        ]
    inspection = load(world, inspection_id)
    assert inspection.status == "recorded" and not inspection.responsible_person_signed
    assert fire(world, inspection_id, "sign", "inspector").to_state == "recorded"


def test_a_stale_version_conflicts(world: World) -> None:
    inspection_id = recorded(world)
    version = load(world, inspection_id).version
    fire(world, inspection_id, "sign", "inspector", expected_version=version)
    with pytest.raises(Conflict, match="version 4, you saw 3"):
        fire(world, inspection_id, "sign", "inspector2", expected_version=version)


def test_quick_path_opens_cases_at_once_and_signing_opens_none_twice(world: World) -> None:
    with command_session(world.factory) as s:
        inspection, cases = record_inspection(
            s,
            unit=s.get(Unit, world.ids["unit"]),
            regime="electronic",
            kind="special",
            inspection_date=DAY,
            officers=[world.user(s, o) for o in PAIR],
            outcomes={"EA-1": ItemOutcome("nonconform", "未建立登记制度", is_serious=True)},
            actor=world.user(s, "inspector"),
            now=world.now,
            special_topic="major_hazard",
        )
        inspection_id, first = inspection.id, [c.id for c in cases]
    assert load(world, inspection_id).status == "in_progress" and len(first) == 1
    fire(world, inspection_id, "record", **record_data())  # EA-1 and EA-5 fail now
    fire(world, inspection_id, "sign", "inspector")
    fire(world, inspection_id, "sign", "inspector2")
    sealed = fire(world, inspection_id, "unit_sign", responsible_person="王主任")
    with world.factory() as s:
        items = s.scalars(
            select(Finding.item_id).where(Finding.inspection_id == inspection_id)
        ).all()
        serious = s.get(Case, first[0]).is_serious
        results = s.scalar(
            select(InspectionItemResult.result)
            .join(Finding, Finding.item_id == InspectionItemResult.item_id)
            .where(Finding.id == s.get(Case, sealed.opened[0].id).finding_id)
        )
    assert len(items) == len(set(items)) == 2 and len(sealed.opened) == 1 and serious
    assert results == "nonconform"


@pytest.mark.committing
def test_concurrent_signatures_seal_the_record_exactly_once(pg_world: World) -> None:
    """Both officers sign at the same instant after the unit signed: the row lock orders them, so
    one signature stays in ``recorded`` and the other seals; the cases open once."""
    world = pg_world
    inspection_id = recorded(world)
    fire(world, inspection_id, "unit_sign")
    go, results, lock = threading.Event(), [], threading.Lock()

    def sign(actor: str) -> None:
        go.wait()
        try:
            outcome = fire(world, inspection_id, "sign", actor).to_state
        except OversightError as exc:
            outcome = type(exc).__name__
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=sign, args=(a,)) for a in PAIR]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["recorded", "signed"]
    with world.factory() as s:
        cases = s.scalars(select(Finding.id).where(Finding.inspection_id == inspection_id)).all()
    assert len(cases) == 2 and load(world, inspection_id).status == "signed"
