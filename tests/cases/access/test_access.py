"""One ``can(actor, action, target)``: roles from each machine's table and the duties, then the
scope — own authority for staff, own unit for a liaison, everything for the system actor,
nothing for an inactive user."""

from __future__ import annotations

import pytest

from cases.access import CaseTrigger, Duty, RecordTrigger, can, require
from cases.access.permissions import DUTIES
from cases.core.errors import NotAllowed
from cases.core.vocabulary import Role
from cases.models import Authority, Case, Inspection, Unit, User
from workflows import case_machine, inspection_machine


def user(role: Role, *, authority: int = 1, unit: int | None = None, active: bool = True) -> User:
    return User(
        display_name="x", role=role.value, active=active, authority_id=authority, unit_id=unit
    )


CASE = Case(id=7, authority_id=1, unit_id=10)
FOREIGN_CASE = Case(id=8, authority_id=2, unit_id=20)


@pytest.mark.parametrize("trigger", case_machine.TRIGGERS)
def test_case_triggers_follow_the_case_machines_table(trigger: str) -> None:
    for role in Role:
        assert can(user(role, unit=10), CaseTrigger(trigger)) == (
            role in case_machine.who_may(trigger)
        ), (trigger, role)


@pytest.mark.parametrize("trigger", inspection_machine.TRIGGERS)
def test_record_triggers_follow_the_record_machines_table(trigger: str) -> None:
    for role in Role:
        assert can(user(role), RecordTrigger(trigger)) == (
            role in inspection_machine.who_may(trigger)
        )


@pytest.mark.parametrize("duty", list(Duty))
def test_duties_follow_the_duty_table(duty: Duty) -> None:
    for role in Role:
        assert can(user(role), duty) == (role in DUTIES[duty])


def test_an_inactive_user_may_do_nothing() -> None:
    for role in Role:
        gone = user(role, unit=10, active=False)
        assert not any(can(gone, CaseTrigger(t), CASE) for t in case_machine.TRIGGERS)
        assert not any(can(gone, RecordTrigger(t)) for t in inspection_machine.TRIGGERS)
        assert not any(can(gone, duty) for duty in Duty)


def test_staff_act_within_their_own_authority_only() -> None:
    inspector = user(Role.INSPECTOR)
    assert can(inspector, CaseTrigger("issue_notice"), CASE)
    assert not can(inspector, CaseTrigger("issue_notice"), FOREIGN_CASE)
    with pytest.raises(NotAllowed, match="another authority") as err:
        require(inspector, CaseTrigger("issue_notice"), FOREIGN_CASE)
    assert err.value.reason_zh == "该案件不属于本机关管辖"
    inspection = Inspection(authority_id=2, unit_id=20)
    with pytest.raises(NotAllowed) as err:
        require(inspector, RecordTrigger("start"), inspection)
    assert err.value.reason_zh == "该检查不属于本机关"
    with pytest.raises(NotAllowed) as err:
        require(inspector, Duty.RECORD_INSPECTIONS, Unit(id=20, authority_id=2))
    assert err.value.reason_zh == "该单位不属于本机关管辖"
    assert can(user(Role.SUPERVISOR), Duty.VIEW_CASES, CASE)
    assert not can(user(Role.LEADER, authority=2), Duty.VIEW_CASES, CASE)


def test_a_liaison_acts_for_their_own_unit_only() -> None:
    liaison = user(Role.UNIT_LIAISON, unit=10)
    assert can(liaison, CaseTrigger("acknowledge"), CASE)
    assert can(liaison, Duty.VIEW_CASES, CASE)
    other_unit = Case(id=9, authority_id=1, unit_id=11)  # same authority, another unit
    assert not can(liaison, CaseTrigger("acknowledge"), other_unit)
    assert not can(liaison, Duty.VIEW_CASES, other_unit)
    with pytest.raises(NotAllowed) as err:
        require(liaison, CaseTrigger("acknowledge"), other_unit)
    assert err.value.reason_zh == "只能办理本单位的案件"
    assert not can(liaison, CaseTrigger("issue_notice"), CASE)  # the role first


def test_the_system_actor_reaches_every_case_but_fires_only_its_own_triggers() -> None:
    system = user(Role.SYSTEM, authority=99)
    assert can(system, CaseTrigger("deadline_lapsed"), CASE)
    assert can(system, CaseTrigger("deadline_lapsed"), FOREIGN_CASE)
    assert not can(system, CaseTrigger("close"), CASE)


def test_refusals_name_the_role_and_the_action() -> None:
    with pytest.raises(NotAllowed) as err:
        require(user(Role.LEADER), CaseTrigger("close"))
    zh, en = case_machine.TRIGGER_LABELS["close"]
    assert (err.value.reason_zh, err.value.reason_en) == (
        f"{Role.LEADER.label_zh}无权执行“{zh}”",
        f"A {Role.LEADER.label_en.lower()} may not “{en}”",
    )
    with pytest.raises(NotAllowed) as err:
        require(user(Role.UNIT_LIAISON), Duty.EDIT_INSPECTION_RECORDS)
    assert err.value.reason_en == "A unit liaison may not edit an inspection record"


def test_an_authority_is_a_target_for_its_own_staff_and_the_system_actor() -> None:
    luquan, zhengding = Authority(id=1), Authority(id=2)
    assert can(user(Role.SUPERVISOR), Duty.DRAW_PLANS, luquan)
    assert not can(user(Role.SUPERVISOR), Duty.DRAW_PLANS, zhengding)
    assert can(user(Role.SYSTEM, authority=99), Duty.DRAW_PLANS, zhengding)
    assert not can(user(Role.INSPECTOR), Duty.DRAW_PLANS, luquan)  # the role first
    assert can(user(Role.INSPECTOR), Duty.IMPORT_UNITS, luquan)
    assert not can(user(Role.UNIT_LIAISON, unit=10), Duty.REQUEST_EXTENSIONS, luquan)
    with pytest.raises(NotAllowed) as err:
        require(user(Role.INSPECTOR, authority=2), Duty.IMPORT_UNITS, luquan)
    assert err.value.reason_en == "Another authority's business"


def test_a_service_may_word_the_refusal_itself() -> None:
    message = ("只有本机关的科室/馆领导可以办理移送", "Only a supervisor may handle referrals")
    for refused in (user(Role.INSPECTOR), user(Role.SUPERVISOR, authority=2)):
        with pytest.raises(NotAllowed) as err:
            require(refused, Duty.HANDLE_REFERRALS, CASE, message=message)
        assert (err.value.reason_zh, err.value.reason_en) == message
    require(user(Role.SUPERVISOR), Duty.HANDLE_REFERRALS, CASE, message=message)
