"""Every trigger from every state, for every role and both regimes, through the one door.

The expectations below are DESIGN §2's table written out again by hand — not read from
``workflows.case_machine`` — so a change to the machine that departs from the design fails here.
Each attempt runs in a transaction that is rolled back, so one case per (regime, state) serves
all attempts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.casework.door import advance
from cases.core.db import begin_command
from cases.core.errors import InvalidTransition, NotAllowed
from cases.models import Case
from tests.support.world import PATHS, World
from workflows.case_machine import MACHINE_VERSION, STATE_NAMES, TRIGGERS, definition_digest

OFFICERS = {"inspector", "supervisor"}
SUPERVISOR = {"supervisor"}

#: trigger: (sources, destination, roles allowed) — DESIGN §2.
DESIGN_TABLE: dict[str, tuple[set[str], str, set[str]]] = {
    "order_emergency_measures": ({"detected"}, "emergency_measures", OFFICERS),
    "issue_notice": ({"detected"}, "notice_issued", OFFICERS),
    "backfill_notice": ({"emergency_measures"}, "notice_issued", OFFICERS),
    "acknowledge": ({"notice_issued"}, "rectifying", OFFICERS | {"liaison"}),
    "submit_rectification": ({"rectifying"}, "awaiting_verification", OFFICERS | {"liaison"}),
    "verify": ({"awaiting_verification"}, "verified", OFFICERS),
    "reject_rectification": ({"awaiting_verification"}, "rectifying", OFFICERS),
    "deadline_lapsed": ({"notice_issued", "rectifying"}, "overdue", {"system"}),
    "extend_deadline": ({"overdue"}, "rectifying", SUPERVISOR),
    "escalate": (
        {"detected", "emergency_measures", "notice_issued", "rectifying", "overdue"},
        "escalated",
        SUPERVISOR,
    ),
    "receive_instructions": ({"escalated"}, "rectifying", SUPERVISOR),
    "close": ({"verified", "escalated"}, "closed", SUPERVISOR),
    "void": ({"detected"}, "closed", SUPERVISOR),
}
ROLES = [
    "inspector",
    "supervisor",
    "liaison",
    "leader",
    "system_admin",
    "security_admin",
    "audit_admin",
    "system",
]


def test_design_table_covers_every_trigger_and_state() -> None:
    assert set(DESIGN_TABLE) == set(TRIGGERS)
    assert set(PATHS) == set(STATE_NAMES)


@pytest.mark.parametrize("regime", ["electronic", "security"])
@pytest.mark.parametrize("state", STATE_NAMES)
def test_every_trigger_every_role(world: World, regime: str, state: str) -> None:
    case_id = world.case_for_state(state, regime)
    later = world.now + timedelta(days=40)  # past any rectification deadline, credentials valid
    mismatches = []
    for trigger in TRIGGERS:
        sources, dest, allowed = DESIGN_TABLE[trigger]
        data = world.data_for(trigger, case_id)
        for role in ROLES:
            if role not in allowed:
                expected: str | type = NotAllowed
            elif state not in sources:
                expected = InvalidTransition
            else:
                expected = dest
            with world.factory() as s:
                begin_command(s)
                try:
                    result = advance(s, case_id, trigger, world.user(s, role), now=later, **data)
                    got: str | type = result.to_state
                    assert s.get(Case, case_id).state == got
                except (NotAllowed, InvalidTransition) as exc:
                    got = type(exc)
                finally:
                    s.rollback()
            if got != expected:
                mismatches.append((trigger, role, expected, got))
    assert mismatches == []
    assert world.state(case_id) == state  # every attempt was rolled back


def test_unit_liaison_acts_only_for_own_unit(world: World) -> None:
    case_id = world.case_for_state("notice_issued")
    with pytest.raises(NotAllowed) as err:
        world.fire(case_id, "acknowledge", "other_liaison")
    assert "本单位" in err.value.reason_zh
    world.fire(case_id, "acknowledge", "liaison")
    assert world.state(case_id) == "rectifying"


def test_officer_of_another_authority_is_refused(world: World) -> None:
    case_id = world.open_case()
    with pytest.raises(NotAllowed) as err:
        world.fire(case_id, "issue_notice", "foreign_inspector")
    assert "管辖" in err.value.reason_zh


def test_definition_change_needs_a_new_machine_version() -> None:
    """Open cases keep the machine version they were opened under (no silent rewrite)."""
    from workflows.case_machine import KNOWN_DIGESTS

    assert KNOWN_DIGESTS[MACHINE_VERSION] == definition_digest(), (
        "the machine definition changed: bump MACHINE_VERSION and keep the old definition"
    )


def test_cases_record_machine_and_checklist_versions(world: World) -> None:
    case_id = world.open_case("security")
    with world.factory() as s:
        case = s.get(Case, case_id)
        assert case.machine_version == MACHINE_VERSION
        assert case.checklist.regime == "security" and case.checklist.version == 1
