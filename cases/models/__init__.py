"""All mapped classes, importable from one place (and registered on ``Base.metadata``)."""

from cases.models.assessment import Assessment
from cases.models.calendar import CalendarDay, CalendarSource, CalendarYear
from cases.models.case import (
    Case,
    Circular,
    Deadline,
    Event,
    ExtensionRequest,
    Notice,
    NoticeCounter,
    Notification,
    RectificationReport,
    Referral,
    Report,
)
from cases.models.complaints import Complaint
from cases.models.inspections import (
    Finding,
    Inspection,
    InspectionEvent,
    InspectionItemResult,
    InspectionOfficer,
)
from cases.models.outbox import Delivery
from cases.models.people import Authority, Recusal, Unit, User
from cases.models.plans import InspectionPlan, PlanEntry
from cases.models.reference import ChecklistItem, ChecklistVersion, LegalCitation
from cases.models.registry_log import RegistryEvent

__all__ = [
    "Assessment",
    "Authority",
    "CalendarDay",
    "CalendarSource",
    "CalendarYear",
    "Case",
    "ChecklistItem",
    "ChecklistVersion",
    "Circular",
    "Complaint",
    "Deadline",
    "Delivery",
    "Event",
    "ExtensionRequest",
    "Finding",
    "Inspection",
    "InspectionEvent",
    "InspectionItemResult",
    "InspectionOfficer",
    "InspectionPlan",
    "LegalCitation",
    "Notice",
    "NoticeCounter",
    "Notification",
    "PlanEntry",
    "RectificationReport",
    "Recusal",
    "Referral",
    "RegistryEvent",
    "Report",
    "Unit",
    "User",
]
