"""Incidents (事故报告, 档案法 art 44; 条例 art 45): a unit reports archive damage or an information
leak, the bureau's officers are alerted at once, and an officer may open a case from it."""

from cases.incidents.queries import incident_detail, incidents_within, list_incidents
from cases.incidents.service import open_case_from_incident, report_incident

__all__ = [
    "incident_detail",
    "incidents_within",
    "list_incidents",
    "open_case_from_incident",
    "report_incident",
]
