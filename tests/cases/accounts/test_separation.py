"""三员分立 for the accounts' duties: each belongs to exactly one administrator, the three share
none, none of them holds a casework duty, and the services refuse the other two."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cases.access.permissions import DUTIES, Duty, office_duties_of
from cases.accounts import administration as admin
from cases.accounts.audit import AuditQuery
from cases.core.db import command_session
from cases.core.errors import NotAllowed
from cases.core.settings import load_settings
from cases.core.vocabulary import ADMIN_ROLES, Role
from tests.support.world import T0, World

ACCOUNT_DUTIES = {
    Duty.MANAGE_ACCOUNTS: Role.SYSTEM_ADMIN, Duty.MANAGE_AUTHORITIES: Role.SYSTEM_ADMIN,
    Duty.MANAGE_CREDENTIALS: Role.SYSTEM_ADMIN, Duty.ASSIGN_ROLES: Role.SECURITY_ADMIN,
    Duty.LOCK_ACCOUNTS: Role.SECURITY_ADMIN, Duty.RESET_SIGN_IN: Role.SECURITY_ADMIN,
    Duty.REVOKE_SESSIONS: Role.SECURITY_ADMIN, Duty.ISSUE_API_TOKENS: Role.SECURITY_ADMIN,
    Duty.SET_SECURITY_POLICY: Role.SECURITY_ADMIN, Duty.READ_AUDIT_TRAIL: Role.AUDIT_ADMIN,
    Duty.EXPORT_AUDIT_TRAIL: Role.AUDIT_ADMIN, Duty.VERIFY_EVENT_CHAINS: Role.AUDIT_ADMIN,
}  # fmt: skip
SETTINGS = load_settings({"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": "/tmp"})


def test_each_account_duty_belongs_to_one_administrator() -> None:
    for duty, role in ACCOUNT_DUTIES.items():
        assert DUTIES[duty] == {role}, duty
    for a, b in itertools.combinations(ADMIN_ROLES, 2):
        assert not office_duties_of(a) & office_duties_of(b)
    casework = set().union(*(office_duties_of(r) for r in Role if r not in ADMIN_ROLES))
    for role in ADMIN_ROLES:
        assert not office_duties_of(role) & casework, role


SERVICES = {
    Role.SYSTEM_ADMIN: lambda s, a, w: admin.create_account(
        s, a, username="newbie", display_name="新人", role="inspector", settings=SETTINGS, now=T0
    ),
    Role.SECURITY_ADMIN: lambda s, a, w: admin.lock_account(s, a, w.user(s, "inspector"), T0),
    Role.AUDIT_ADMIN: lambda s, a, w: admin.read_audit_log(s, a, AuditQuery()),
}
NAMES = {Role.SYSTEM_ADMIN: "system_admin", Role.SECURITY_ADMIN: "security_admin",
         Role.AUDIT_ADMIN: "audit_admin"}  # fmt: skip


@pytest.mark.parametrize(("doer", "owner"), sorted(itertools.permutations(ADMIN_ROLES, 2)))
def test_the_services_refuse_the_other_administrators(
    world: World, factory: sessionmaker[Session], doer: Role, owner: Role
) -> None:
    with command_session(factory) as s:
        actor = admin.Actor(world.user(s, NAMES[doer]))
        with pytest.raises(NotAllowed) as err:
            SERVICES[owner](s, actor, world)
        assert err.value.reason_zh.startswith(f"{doer.label_zh}无权")
        SERVICES[doer](s, actor, world)  # their own work is theirs
