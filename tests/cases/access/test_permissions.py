"""三员分立: the three administrators share no duty, and none of them works a case."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from cases.access.permissions import DUTIES, Duty, office_duties_of, require
from cases.core.errors import NotAllowed
from cases.core.vocabulary import ADMIN_ROLES, Role
from cases.models import User
from workflows.case_machine import WHO_MAY

REPO = Path(__file__).resolve().parents[3]


def test_administrators_hold_disjoint_duties() -> None:
    for a, b in itertools.combinations(ADMIN_ROLES, 2):
        assert not office_duties_of(a) & office_duties_of(b), (a, b)
    for admin in ADMIN_ROLES:
        assert office_duties_of(admin), admin
        assert Duty.VIEW_CASES not in office_duties_of(admin)


def test_no_administrator_or_leader_may_fire_a_trigger() -> None:
    for trigger, roles in WHO_MAY.items():
        assert not roles & (ADMIN_ROLES | {Role.LEADER}), trigger


def test_officers_hold_no_administrator_duty() -> None:
    admin_duties = set().union(*(office_duties_of(r) for r in ADMIN_ROLES))
    for role in (Role.INSPECTOR, Role.SUPERVISOR, Role.UNIT_LIAISON, Role.LEADER, Role.SYSTEM):
        assert not office_duties_of(role) & admin_duties, role


@pytest.mark.parametrize("duty", list(Duty))
def test_require_refuses_everyone_without_the_duty(duty: Duty) -> None:
    for role in Role:
        user = User(display_name="x", role=role.value, active=True)
        if role in DUTIES[duty]:
            require(user, duty)
        else:
            with pytest.raises(NotAllowed) as err:
                require(user, duty)
            assert err.value.reason_zh == f"{role.label_zh}无权{duty.label_zh}"


#: The only ``.state =`` allowed: the per-trigger context the machine moves in memory.
ALLOWED_STATE_ASSIGNMENTS = {"cases/casework/context.py: self.state = case.state"}


def _code_lines(packages: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            for line in path.read_text(encoding="utf-8").splitlines():
                code = line.split("#", 1)[0].strip()
                if code:
                    out.append((str(path.relative_to(REPO)), code))
    return out


def test_only_the_one_door_writes_a_case_state() -> None:
    """grep: no ``.state =`` on a case anywhere; no module writes a ``state`` column by name
    or builds an UPDATE of the case or inspection table — the generic door writes a machine's
    state column, through the version-guarded UPDATE its aggregate builds, in cases/core/door.py."""
    lines = _code_lines(("cases", "workflows", "tasks", "web"))
    assigned = {f"{p}: {c}" for p, c in lines if re.search(r"\.state\s*=[^=]", c)}
    assert assigned == ALLOWED_STATE_ASSIGNMENTS
    writers = {
        p for p, c in lines if re.search(r'(Case|Inspection)\.__table__\.update\(|"state":\s', c)
    }
    assert writers == set()
    door = {c for p, c in lines if p == "cases/core/door.py"}
    assert (
        "changes = {**door.changes(context), **with_event, aggregate.state_column: to_state}"
        in door
    )
    assert "table.update()" in door
