"""Self-reports (自查报告, 条例 art 45): public-sector units report their archive work yearly by a
configured day, are reminded before it, are listed when overdue; a refusal is recorded and makes
the year's grade 不合格 (LAW.md grading, :func:`cases.plans.assessments.automatic_failures`)."""

from cases.selfreports.service import (
    file_self_report,
    overdue_self_reports,
    refuse_self_report,
    remind_all,
    remind_self_reports,
    self_report_due_on,
    self_report_refused,
)

__all__ = [
    "file_self_report",
    "overdue_self_reports",
    "refuse_self_report",
    "remind_all",
    "remind_self_reports",
    "self_report_due_on",
    "self_report_refused",
]
