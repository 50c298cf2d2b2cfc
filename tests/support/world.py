"""A small Luquan for tests: one authority, units in both regimes, every role, real triggers.

Tests reach a state only by firing real triggers through the one door; time is an
explicit ``now`` handed to the services, never a sleep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from cases.casework.door import Advanced, advance
from cases.core.db import command_session
from cases.core.vocabulary import Role
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Case, User
from cases.registry.credit_code import make_credit_code
from cases.registry.register import create_authority, create_user, register_unit, system_actor

#: 2026-03-02 09:00 Asia/Shanghai, a Monday.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

#: The shortest path of real triggers from ``detected`` to each state.
PATHS: dict[str, list[str]] = {
    "detected": [],
    "emergency_measures": ["order_emergency_measures"],
    "notice_issued": ["issue_notice"],
    "rectifying": ["issue_notice", "acknowledge"],
    "awaiting_verification": ["issue_notice", "acknowledge", "submit_rectification"],
    "verified": ["issue_notice", "acknowledge", "submit_rectification", "verify"],
    "overdue": ["issue_notice", "deadline_lapsed"],
    "escalated": ["escalate"],
    "closed": ["void"],
}

#: Who fires each trigger on the happy path.
DEFAULT_ACTOR: dict[str, str] = {
    "order_emergency_measures": "inspector",
    "issue_notice": "inspector",
    "backfill_notice": "inspector",
    "acknowledge": "liaison",
    "submit_rectification": "liaison",
    "verify": "inspector",
    "reject_rectification": "inspector",
    "deadline_lapsed": "system",
    "extend_deadline": "supervisor",
    "escalate": "supervisor",
    "receive_instructions": "supervisor",
    "close": "supervisor",
    "void": "supervisor",
}


@dataclass
class World:
    factory: sessionmaker[Session]
    ids: dict[str, int] = field(default_factory=dict)
    now: datetime = T0
    _serial: int = 0

    # ---- construction ----------------------------------------------------------------
    @classmethod
    def build(cls, factory: sessionmaker[Session]) -> World:
        world = cls(factory)
        with command_session(factory) as s:
            luquan = create_authority(
                s, code="luquan", name="石家庄市鹿泉区档案馆", jurisdiction="鹿泉区",
                notice_prefix="鹿档执通", superior_name="石家庄市档案局",
                network_security_authority="鹿泉区委网信办", government_name="鹿泉区人民政府",
            )  # fmt: skip
            other = create_authority(
                s, code="zhengding", name="正定县档案馆", jurisdiction="正定县",
                notice_prefix="正档执通",
            )  # fmt: skip
            unit = register_unit(
                s, luquan, name="鹿泉区教育局", credit_code=make_credit_code("11130185000000001"),
                kind="organ", holds_long_term=True, is_district_direct=True,
            )  # fmt: skip
            other_unit = register_unit(
                s, luquan, name="鹿泉区卫生健康局",
                credit_code=make_credit_code("11130185000000002"), kind="organ",
                holds_long_term=True,
            )  # fmt: skip
            valid = dict(
                credential_issued_on=date(2024, 1, 1), credential_expires_on=date(2030, 12, 31)
            )
            users = {
                "inspector": create_user(s, username="zhang", display_name="张明", role=Role.INSPECTOR, authority=luquan, credential_no="冀鹿0001", **valid),
                "inspector2": create_user(s, username="li", display_name="李华", role=Role.INSPECTOR, authority=luquan, credential_no="冀鹿0002", **valid),
                "expired": create_user(s, username="wang", display_name="王强", role=Role.INSPECTOR, authority=luquan, credential_no="冀鹿0003", credential_issued_on=date(2020, 1, 1), credential_expires_on=date(2025, 12, 31)),
                "supervisor": create_user(s, username="zhao", display_name="赵局长", role=Role.SUPERVISOR, authority=luquan, credential_no="冀鹿0004", **valid),
                "liaison": create_user(s, username="liaison", display_name="教育局联络人", role=Role.UNIT_LIAISON, unit=unit),
                "other_liaison": create_user(s, username="liaison2", display_name="卫健局联络人", role=Role.UNIT_LIAISON, unit=other_unit),
                "leader": create_user(s, username="leader", display_name="馆长（只读）", role=Role.LEADER, authority=luquan),
                "system_admin": create_user(s, username="sysadmin", display_name="系统管理员", role=Role.SYSTEM_ADMIN, authority=luquan),
                "security_admin": create_user(s, username="secadmin", display_name="安全管理员", role=Role.SECURITY_ADMIN, authority=luquan),
                "audit_admin": create_user(s, username="audadmin", display_name="安全审计员", role=Role.AUDIT_ADMIN, authority=luquan),
                "foreign_inspector": create_user(s, username="zd1", display_name="正定执法员", role=Role.INSPECTOR, authority=other, credential_no="冀正0001", **valid),
                "system": system_actor(s),
            }  # fmt: skip
            world.ids = {name: u.id for name, u in users.items()}
            world.ids.update(luquan=luquan.id, unit=unit.id, other_unit=other_unit.id)
        return world

    def user(self, session: Session, name: str) -> User:
        return session.get(User, self.ids[name])

    # ---- cases -------------------------------------------------------------------------
    def open_case(
        self,
        regime: str = "electronic",
        *,
        emergency: bool = False,
        serious: bool = False,
        item: str | None = None,
    ) -> int:
        item = item or ("EA-1" if regime == "electronic" else "AS-3")
        with command_session(self.factory) as s:
            unit = s.get(Case.unit.property.mapper.class_, self.ids["unit"])
            _, cases = record_inspection(
                s, unit=unit, regime=regime, kind="special" if regime == "electronic" else "daily",
                inspection_date=self.now.date(), officers=[self.user(s, "inspector"), self.user(s, "inspector2")],
                outcomes={item: ItemOutcome("nonconform", note="未建立电子文件归档登记制度", evidence=("现场照片1",), is_emergency=emergency, is_serious=serious)},
                actor=self.user(s, "inspector"), now=self.now,
                special_topic="major_hazard" if regime == "electronic" else None,
            )  # fmt: skip
            return cases[0].id

    def orphan_case(self) -> int:
        """A case nobody carries: assigned to 王强, whose account is then disabled."""
        from cases.accounts.administration import Actor, disable_account
        from cases.casework.handlers import assign_handler

        case_id = self.open_case()
        with command_session(self.factory) as s:
            expired = self.user(s, "expired")
            assign_handler(s, case_id, self.user(s, "supervisor"), expired, now=self.now)
            disable_account(s, Actor(self.user(s, "system_admin")), expired, self.now)
        return case_id

    def data_for(self, trigger: str, case_id: int | None = None) -> dict[str, Any]:
        """Data that satisfies the trigger's guards (at ``self.now``)."""
        limit = {"time_limit_length": 15, "time_limit_unit": "natural_day"}
        officers = [self.ids["inspector"], self.ids["inspector2"]]
        notice = {
            "officer_ids": officers,
            "facts": "该单位未建立电子文件归档登记制度",
            "required_correction": "建立并执行电子文件归档登记制度",
            "remedial_measures": "立即补登已形成的电子文件",
            **limit,
        }
        return {
            "order_emergency_measures": {"reason": "服务器机房漏水，档案数据面临损毁风险"},
            "issue_notice": notice,
            "backfill_notice": notice,
            "acknowledge": {"served_at": self.now, "service_method": "direct"},
            "submit_rectification": {"report": "已建立制度并补登", "evidence": ["制度文本.pdf"]},
            "verify": {"officer_ids": officers},
            "reject_rectification": {"reason": "证明材料不足"},
            "deadline_lapsed": {},
            "extend_deadline": {"reason": "单位申请，理由充分", **limit},
            "escalate": {
                "reason": "存在严重安全隐患，已责令立即停止",
                "notify_departments": ["区公安分局"],
            },
            "receive_instructions": {
                "instructions": "按市档案局意见继续整改",
                "outcome": "rectify",
                **limit,
            },
            "close": {},
            "void": {"reason": "经核实问题不成立"},
        }[trigger]

    def fire(
        self,
        case_id: int,
        trigger: str,
        actor: str | None = None,
        *,
        now: datetime | None = None,
        **data: Any,
    ) -> Advanced:
        """Fire through the one door in its own command transaction (commits on success)."""
        if not data:
            data = self.data_for(trigger, case_id)
        with command_session(self.factory) as s:
            result = advance(
                s, case_id, trigger, self.user(s, actor or DEFAULT_ACTOR[trigger]),
                now=now or self.now, **data,
            )  # fmt: skip
        self.now += timedelta(hours=1)  # the next step happens a little later
        return result

    def drive_to(self, case_id: int, state: str) -> None:
        for trigger in PATHS[state]:
            if trigger == "deadline_lapsed":
                self.fire(case_id, trigger, now=self.now + timedelta(days=40))
            else:
                self.fire(case_id, trigger)

    def state(self, case_id: int) -> str:
        with self.factory() as s:
            return s.get(Case, case_id).state

    def case_for_state(self, state: str, regime: str = "electronic") -> int:
        case_id = self.open_case(regime, emergency=True, serious=True)
        self.drive_to(case_id, state)
        assert self.state(case_id) == state
        return case_id
