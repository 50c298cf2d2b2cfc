"""The header's links, one row per page a person opens from the top of every page.

A link is shown to whoever holds its duty (the gate decides anyway); a page adds its row here,
not in the template. ``section`` is the endpoint prefix that marks the link as the current page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    duty: str
    endpoint: str
    label_zh: str
    label_en: str
    section: str = ""

    def is_current(self, endpoint: str | None) -> bool:
        if endpoint is None:
            return False
        return endpoint == self.endpoint or bool(self.section) and endpoint.startswith(self.section)


NAV: tuple[Link, ...] = (
    Link("view_cases", "home.home", "工作台", "Home", "home."),
    Link("view_cases", "cases.case_list", "案件", "Cases", "cases."),
    Link(
        "record_inspections", "inspections.inspection_list", "检查", "Inspections", "inspections."
    ),
    Link(
        "change_deadlines",
        "supervision.approvals_page",
        "待审批",
        "Approvals",
        "supervision.approv",
    ),
    Link(
        "designate_key_units",
        "supervision.units_page",
        "重点单位与回避",
        "Key units",
        "supervision.unit",
    ),
    Link("view_plans", "plans.this_year", "检查计划", "Plans", "plans."),
    Link("view_plans", "compliance.this_year", "指标完成", "Compliance", "compliance."),
    Link("import_units", "registry.import_page", "导入名录", "Import units", "registry."),
    Link("view_complaints", "complaints.complaint_list", "投诉举报", "Complaints", "complaints."),
    Link("use_unit_portal", "portal.home", "本单位", "My unit", "portal."),
    Link("manage_accounts", "admin.users", "用户账号", "Accounts"),
    Link("manage_authorities", "sysadmin.authorities", "档案机关", "Authorities"),
    Link("maintain_units", "sysadmin.units", "被监管单位", "Units"),
    Link("maintain_reference_data", "sysadmin.checklists", "检查清单", "Checklists"),
    Link("maintain_reference_data", "sysadmin.calendar", "工作日历", "Calendar"),
    Link("lock_accounts", "security.accounts", "账号安全", "Account security"),
    Link("read_audit_trail", "admin.audit_log", "审计记录", "Audit trail"),
)
