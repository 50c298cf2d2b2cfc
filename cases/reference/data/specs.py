"""The typed shape of the reference data: frozen values, no database, no Flask.

The values themselves live in the TOML files beside this module (see :mod:`.loader`); these
classes are what the rest of the code receives. Each entry that rests on a source says which
(``source``) and how sure we are of each of its values (``certainty``, field → :class:`Certainty`,
following LAW.md), so an unverified article number or document number is visible to code and
reviewers alike instead of hiding in a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cases.core.vocabulary import Labeled

#: Field name → certainty, in the order the data file gives them.
Tags = tuple[tuple[str, "Certainty"], ...]


class Certainty(Labeled):
    """How a value is known (LAW.md). Anything below ``verified`` stays editable as data."""

    VERIFIED = "verified", "已核对原文", "Checked against the text of the rule"
    SECONDARY = "secondary", "据二手资料", "From secondary sources"
    UNVERIFIED = "unverified", "未核实（推断）", "Unverified or inferred"


class _Tagged:
    """Reads the ``certainty`` tags of an entry."""

    certainty: Tags

    def certainty_of(self, field: str) -> Certainty | None:
        """The certainty of ``field``, or ``None`` when the data does not assess it."""
        return dict(self.certainty).get(field)

    @property
    def unverified_fields(self) -> tuple[str, ...]:
        return tuple(f for f, c in self.certainty if c is Certainty.UNVERIFIED)


# ---- labels ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelTable:
    """Codes with their Chinese and English labels, in display order."""

    labels: dict[str, tuple[str, str]]
    source: str = ""
    certainty: Certainty | None = None


@dataclass(frozen=True)
class RegimeKinds:
    """Which inspection kinds the seed provides for each regime."""

    kinds: dict[str, tuple[str, ...]]
    source: str = ""


# ---- checklists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItemSpec:
    code: str
    position: int
    scope_zh: str
    scope_en: str
    title_zh: str
    title_en: str
    text_zh: str
    legal_basis_keys: tuple[str, ...]
    #: An archive-information-security item. In the security regime a case arising from such an
    #: item needs a circular (通报) before it can close — use ``circular_required``.
    information_security: bool = False


@dataclass(frozen=True)
class ChecklistSpec(_Tagged):
    regime: str
    version: int
    effective_from: date
    title_zh: str
    title_en: str
    items: tuple[ChecklistItemSpec, ...]
    source: str = ""
    note: str = ""
    certainty: Tags = ()
    #: Tags that hold for every item's field (the item texts are the seed's, verbatim).
    item_certainty: Tags = ()

    def item(self, code: str) -> ChecklistItemSpec:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(f"{self.regime} v{self.version} has no item {code!r}")


# ---- legal citations ------------------------------------------------------------------------


class Purpose:
    """What a citation is used for (the ``purposes`` of a ``CitationSpec``)."""

    INSPECTION = "inspection"  # powers and limits of inspection
    RECTIFICATION_ORDER = "rectification_order"  # 责令限期改正 in a 执法通知书
    STOP_ORDER = "stop_order"  # 责令立即停止 / 消除隐患 (serious cases)
    REPORT_ESCALATION = "report_escalation"  # report to superior / network-security authority
    DISCIPLINARY_REFERRAL = "disciplinary_referral"  # 处分 / 处理建议 referrals
    EMERGENCY_BACKFILL = "emergency_backfill"  # act first, notice after (by analogy)
    CIRCULAR = "circular"  # 通报 (通报批评 is a penalty)
    PENALTY_PROCEDURE = "penalty_procedure"  # procedure of administrative penalties
    PENALTY = "penalty"  # fines and their ranges
    INCIDENT_REPORT = "incident_report"  # a unit's duty to report damage / leaks
    ELECTRONIC_ARCHIVES = "electronic_archives"  # rules on electronic archives
    PROVINCIAL = "provincial"  # Hebei provincial regulation

    ALL: tuple[str, ...] = (
        INSPECTION,
        RECTIFICATION_ORDER,
        STOP_ORDER,
        REPORT_ESCALATION,
        DISCIPLINARY_REFERRAL,
        EMERGENCY_BACKFILL,
        CIRCULAR,
        PENALTY_PROCEDURE,
        PENALTY,
        INCIDENT_REPORT,
        ELECTRONIC_ARCHIVES,
        PROVINCIAL,
    )

    LABELS: dict[str, tuple[str, str]] = {
        INSPECTION: ("监督检查职权", "Inspection powers"),
        RECTIFICATION_ORDER: ("责令限期改正", "Order to rectify within a time limit"),
        STOP_ORDER: ("责令立即停止、消除隐患", "Order to stop at once and remove the hazard"),
        REPORT_ESCALATION: ("上报", "Report to higher authorities"),
        DISCIPLINARY_REFERRAL: ("处分/处理建议", "Disciplinary referral"),
        EMERGENCY_BACKFILL: ("紧急处置后补发通知书", "Back-filling the notice after emergency"),
        CIRCULAR: ("通报", "Circular"),
        PENALTY_PROCEDURE: ("行政处罚程序", "Administrative-penalty procedure"),
        PENALTY: ("行政处罚（罚款）", "Administrative penalties (fines)"),
        INCIDENT_REPORT: ("事故报告", "Incident reporting"),
        ELECTRONIC_ARCHIVES: ("电子档案管理", "Electronic archives"),
        PROVINCIAL: ("地方性法规", "Provincial regulation"),
    }


@dataclass(frozen=True)
class CitationSpec(_Tagged):
    key: str
    purposes: tuple[str, ...]
    #: Official title without book-title marks, e.g. ``中华人民共和国档案法``.
    title_zh: str
    title_en: str
    #: Article or chapter, e.g. ``第四十五条``; empty when the whole instrument is cited.
    article_zh: str
    summary_zh: str
    doc_number: str
    valid_from: date
    #: Inclusive last day in force; ``None`` while still in force.
    valid_to: date | None
    #: What a reviewer should know about the values (how a date or number was found).
    note: str = ""
    certainty: Tags = ()

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @property
    def cite_zh(self) -> str:
        """As printed in a notice: ``《中华人民共和国档案法》第四十五条``."""
        return f"《{self.title_zh}》{self.article_zh}"


# ---- responsibility boundaries and public services ------------------------------------------


@dataclass(frozen=True)
class DepartmentDutySpec:
    department_zh: str
    department_en: str
    duty_zh: str
    duty_en: str


@dataclass(frozen=True)
class BoundarySpec(_Tagged):
    number: int
    matter_zh: str
    matter_en: str
    #: Departments in the order complaints are routed: the first handles enforcement.
    departments: tuple[DepartmentDutySpec, ...]
    basis_zh: str
    basis_doc_number: str
    #: Words that route a complaint to this boundary (substring match).
    keywords: tuple[str, ...]
    registering_office_zh: str = "石家庄市鹿泉区人民政府办公室"
    source: str = ""
    note: str = ""
    certainty: Tags = ()

    @property
    def lead_department_zh(self) -> str:
        return self.departments[0].department_zh


@dataclass(frozen=True)
class PublicServiceSpec:
    number: int
    name_zh: str
    name_en: str
    content_zh: str
    office_zh: str
    office_en: str
    #: Local number as printed in the seed (Shijiazhuang area code 0311).
    phone: str
    area_code: str = "0311"
    source: str = ""


@dataclass(frozen=True)
class ReferenceData:
    """Everything the data files hold, as loaded and checked by :func:`.loader.load_reference`."""

    regimes: LabelTable
    inspection_kinds: LabelTable
    inspection_methods: LabelTable
    inspection_scopes: LabelTable
    regime_inspection_kinds: RegimeKinds
    checklists: tuple[ChecklistSpec, ...]
    citations: tuple[CitationSpec, ...]
    boundaries: tuple[BoundarySpec, ...]
    services: tuple[PublicServiceSpec, ...]
