"""All mapped classes, importable from one place (and registered on ``Base.metadata``)."""

from cases.models.accounts import (
    ApiToken,
    AuditAnchor,
    AuditEntry,
    CredentialWarning,
    PasswordHistory,
    SecurityPolicy,
    WebSession,
)
from cases.models.casework import (
    Case,
    Circular,
    Event,
    ExtensionRequest,
    Notice,
    NoticeCounter,
    RectificationReport,
    Referral,
    Report,
)
from cases.models.chains import ChainKeyRotation
from cases.models.complaints import Complaint
from cases.models.deadlines import Deadline
from cases.models.documents import Document, DocumentTemplate
from cases.models.evidence import EvidenceFile
from cases.models.incidents import Incident
from cases.models.inspections import (
    Finding,
    Inspection,
    InspectionDraft,
    InspectionEvent,
    InspectionItemResult,
    InspectionOfficer,
)
from cases.models.messages import Delivery, Notification
from cases.models.penalties import Penalty, PenaltyEvent, PenaltyOfficer
from cases.models.plans import Assessment, InspectionPlan, PlanEntry
from cases.models.reference import (
    CalendarDay,
    CalendarSource,
    CalendarYear,
    ChecklistItem,
    ChecklistVersion,
    LegalCitation,
    PublicService,
)
from cases.models.registry import Authority, Recusal, RegistryEvent, Unit, User
from cases.models.selfreports import SelfReport
from cases.models.worklists import SavedFilter

__all__ = [
    "SavedFilter",
    "ApiToken",
    "AuditAnchor",
    "AuditEntry",
    "WebSession",
    "CredentialWarning",
    "SecurityPolicy",
    "PasswordHistory",
    "Assessment",
    "Authority",
    "CalendarDay",
    "CalendarSource",
    "CalendarYear",
    "ChainKeyRotation",
    "Case",
    "ChecklistItem",
    "ChecklistVersion",
    "Circular",
    "Complaint",
    "Deadline",
    "Delivery",
    "Document",
    "DocumentTemplate",
    "Event",
    "EvidenceFile",
    "ExtensionRequest",
    "Finding",
    "Incident",
    "Inspection",
    "InspectionDraft",
    "InspectionEvent",
    "InspectionItemResult",
    "InspectionOfficer",
    "InspectionPlan",
    "LegalCitation",
    "PublicService",
    "Notice",
    "NoticeCounter",
    "Penalty",
    "PenaltyEvent",
    "PenaltyOfficer",
    "Notification",
    "PlanEntry",
    "RectificationReport",
    "Recusal",
    "Referral",
    "RegistryEvent",
    "Report",
    "SelfReport",
    "Unit",
    "User",
]
