"""Reference data of the supervision regimes, as plain frozen values (no database, no Flask).

Everything here is DATA that a loader copies into database tables, where an administrator can
later add new versions (DESIGN §1: "keep them as versioned data, not code"):

- ``CHECKLISTS``: the seed's two inspection checklists (电子档案事项监管, 6 items; 档案安全事项监管,
  8 items), versioned by ``(regime, version, effective_from)``; ``checklist_for`` picks the version
  in force on a date, so an old inspection keeps the checklist it used.
- ``CITATIONS``: dated legal citations. A ``key`` names a stable *slot* (for example
  ``"archives_law.supervision"``); successive texts of that slot are separate entries whose
  validity intervals do not overlap, so ``citation_for_key(key, on)`` and
  ``citations_for(purpose, on)`` give what was in force on the date of a notice or record.
- ``RESPONSIBILITY_BOUNDARIES``: the seed's 职责边界登记表, used to route complaints that belong
  to another department (``route_matter``).
- ``PUBLIC_SERVICES``: the seed's 公共服务事项登记表 (public page).
- ``REGIMES``, ``INSPECTION_KINDS``, ``INSPECTION_METHODS``, ``INSPECTION_SCOPES``: labels.

Certainty tags in comments follow /work/shared/LAW.md: [V] checked against the text of the rule,
[S] secondary sources, [U] unverified/inference — keep such values editable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------

#: Supervision regimes of the seed (四、事中事后监督管理制度).
REGIMES: dict[str, tuple[str, str]] = {
    "electronic": ("电子档案事项监管", "Electronic-archive supervision"),
    "security": ("档案安全事项监管", "Archive-security supervision"),
}

#: Inspection kinds (DESIGN §3); labels match ``cases.core.vocabulary.InspectionKind``.
INSPECTION_KINDS: dict[str, tuple[str, str]] = {
    "random_sampling": ("抽查（全面检查）", "Random sampling"),
    "key_unit": ("重点监控单位现场检查", "Key-unit on-site inspection"),
    "special": ("专项检查", "Special inspection"),
    "complaint": ("投诉举报/移送", "Complaint or referral"),
    "daily": ("日常检查", "Daily check"),
}

#: Which kinds the seed provides for each regime (电子档案: 三、监督检查方式及指标 (一)–(四);
#: 档案安全: 三、监督检查方式 (一)–(三)).
REGIME_INSPECTION_KINDS: dict[str, tuple[str, ...]] = {
    "electronic": ("random_sampling", "key_unit", "special", "complaint", "daily"),
    "security": ("daily", "special", "complaint"),
}

#: Inspection methods (档案安全事项监管 四、(一): 听取汇报、查阅资料、核查现场、安全测评).
INSPECTION_METHODS: dict[str, tuple[str, str]] = {
    "hear_report": ("听取汇报", "Hearing the unit's report"),
    "review_records": ("查阅资料", "Reviewing records and materials"),
    "site_check": ("核查现场", "On-site verification"),
    "security_assessment": ("安全测评", "Security assessment"),
}

#: Inspection scope of 《档案法》(2020) art 42 [V]: the top level above the seed's items.
INSPECTION_SCOPES: dict[str, tuple[str, str]] = {
    "responsibility": (
        "档案工作责任制和管理制度落实情况",
        "Responsibility system and management rules",
    ),
    "facilities": (
        "档案库房、设施、设备配置使用情况",
        "Archive rooms, facilities and equipment",
    ),
    "staff": ("档案工作人员管理情况", "Management of archive staff"),
    "handling": (
        "档案收集、整理、保管、提供利用等情况",
        "Collection, arrangement, custody and use of archives",
    ),
    "informatization": (
        "档案信息化建设和信息安全保障情况",
        "Informatization and information security",
    ),
    "subordinates": (
        "对所属单位等的档案工作监督和指导情况",
        "Supervision and guidance of subordinate units",
    ),
}


# ---------------------------------------------------------------------------------------------
# Checklists
# ---------------------------------------------------------------------------------------------


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
class ChecklistSpec:
    regime: str
    version: int
    effective_from: date
    title_zh: str
    title_en: str
    items: tuple[ChecklistItemSpec, ...]

    def item(self, code: str) -> ChecklistItemSpec:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(f"{self.regime} v{self.version} has no item {code!r}")


def _scope(code: str) -> dict[str, str]:
    zh, en = INSPECTION_SCOPES[code]
    return {"scope_zh": zh, "scope_en": en}


#: Version 1 takes effect with the 2020 档案法 (the seed's own date is older; the items are
#: unchanged by the new law — an earlier version can be added as data if old inspections are
#: imported).
CHECKLIST_V1_FROM = date(2021, 1, 1)

# Legal bases every item of both regimes rests on (resolved by date through CITATIONS).
_COMMON_BASIS = (
    "archives_law.supervision",
    "implementing_regulation.supervision",
    "hebei.archives_regulation",
)
_ELECTRONIC_BASIS = (
    *_COMMON_BASIS,
    "archives_law.informatization",
    "implementing_regulation.informatization",
    "electronic_archives.rules",
    "electronic_archives.transfer",
)
_SECURITY_BASIS = (*_COMMON_BASIS, "archives_law.hazard_rectification")
_SECURITY_INFOSEC_BASIS = (
    *_SECURITY_BASIS,
    "archives_law.informatization",
    "implementing_regulation.informatization",
)

ELECTRONIC_V1 = ChecklistSpec(
    regime="electronic",
    version=1,
    effective_from=CHECKLIST_V1_FROM,
    title_zh="电子档案事项监管检查事项",
    title_en="Electronic-archive supervision checklist",
    items=(
        ChecklistItemSpec(
            code="EA-1",
            position=1,
            **_scope("responsibility"),
            title_zh="制度与工作程序",
            title_en="Rules and procedures for electronic records",
            text_zh=(
                "是否建立规范的制度和工作程序并结合相应的技术措施，"
                "从电子文件形成开始不间断地对有关处理操作进行管理登记、"
                "保证电子文件(电子档案)的产生、处理过程符合规范;"
            ),
            legal_basis_keys=_ELECTRONIC_BASIS,
        ),
        ChecklistItemSpec(
            code="EA-2",
            position=2,
            **_scope("informatization"),
            title_zh="真实性",
            title_en="Authenticity",
            text_zh="是否采取可靠的安全防护技术措施，保证电子档案的真实性;",
            legal_basis_keys=_ELECTRONIC_BASIS,
            information_security=True,
        ),
        ChecklistItemSpec(
            code="EA-3",
            position=3,
            **_scope("handling"),
            title_zh="完整性",
            title_en="Integrity (context information and metadata)",
            text_zh="是否建立电子档案完整性管理制度并采取相应的技术措施采集背景信息和元数据;",
            legal_basis_keys=_ELECTRONIC_BASIS,
        ),
        ChecklistItemSpec(
            code="EA-4",
            position=4,
            **_scope("handling"),
            title_zh="有效性",
            title_en="Usability over time",
            text_zh="是否建立电子档案有效性管理制度并采取相应的技术保证措施;",
            legal_basis_keys=_ELECTRONIC_BASIS,
        ),
        ChecklistItemSpec(
            code="EA-5",
            position=5,
            **_scope("informatization"),
            title_zh="安全保密",
            title_en="Security and confidentiality",
            text_zh=(
                "电子档案的处理和保存应符合国家安全保密规定，"
                "针对自然灾害、非法访问、非法操作、病毒侵害等"
                "采取与系统安全和保密等级要求相符的防范对策，"
                "主要有：网络设备安全保证;数据安全保证;操作安全保证;身份识别方法等;"
            ),
            legal_basis_keys=_ELECTRONIC_BASIS,
            information_security=True,
        ),
        ChecklistItemSpec(
            code="EA-6",
            position=6,
            **_scope("handling"),
            title_zh="其他",
            title_en="Other matters required by law",
            text_zh="其他法律、法规规定的检查事项。",
            legal_basis_keys=_ELECTRONIC_BASIS,
        ),
    ),
)

SECURITY_V1 = ChecklistSpec(
    regime="security",
    version=1,
    effective_from=CHECKLIST_V1_FROM,
    title_zh="档案安全事项监管检查事项",
    title_en="Archive-security supervision checklist",
    items=(
        ChecklistItemSpec(
            code="AS-1",
            position=1,
            **_scope("responsibility"),
            title_zh="工作机制",
            title_en="Archive-security working mechanism",
            text_zh="是否建立完善了覆盖全面、制度健全、手段先进、保障有力的档案安全工作机制。",
            legal_basis_keys=_SECURITY_BASIS,
        ),
        ChecklistItemSpec(
            code="AS-2",
            position=2,
            **_scope("responsibility"),
            title_zh="法制化规范化常态化",
            title_en="Archive work governed by law, standardised and routine",
            text_zh="档案工作是否法制化、规范化、常态化。",
            legal_basis_keys=_SECURITY_BASIS,
        ),
        ChecklistItemSpec(
            code="AS-3",
            position=3,
            **_scope("facilities"),
            title_zh="硬件设施与“八防”",
            title_en='Facilities and the "eight protections"',
            text_zh="档案室(馆)的硬件设施是否具备档案安全保障能力，是否符合档案“八防”要求。",
            legal_basis_keys=_SECURITY_BASIS,
        ),
        ChecklistItemSpec(
            code="AS-4",
            position=4,
            **_scope("informatization"),
            title_zh="信息系统安全防护",
            title_en="Security protection of archive information systems",
            text_zh="是否符合建立了规范的档案信息管理系统安全防护体系。",
            legal_basis_keys=_SECURITY_INFOSEC_BASIS,
            information_security=True,
        ),
        ChecklistItemSpec(
            code="AS-5",
            position=5,
            **_scope("responsibility"),
            title_zh="应急处置机制",
            title_en="Emergency response mechanism and rules",
            text_zh="是否建立了档案安全应急处置机制和档案安全应急管理制度。",
            legal_basis_keys=_SECURITY_BASIS,
        ),
        ChecklistItemSpec(
            code="AS-6",
            position=6,
            **_scope("informatization"),
            title_zh="信息公开保密审查",
            title_en="Secrecy review before publishing archive information",
            text_zh="在档案信息公开发布中是否严格执行了保密审查制度。",
            legal_basis_keys=_SECURITY_INFOSEC_BASIS,
            information_security=True,
        ),
        ChecklistItemSpec(
            code="AS-7",
            position=7,
            **_scope("informatization"),
            title_zh="涉密系统与载体",
            title_en="Classified systems, computers and media",
            text_zh=(
                "对涉密信息系统、涉密计算机和涉密载体的安全保密管理是否严格执行了档案安全保密制度。"
            ),
            legal_basis_keys=_SECURITY_INFOSEC_BASIS,
            information_security=True,
        ),
        ChecklistItemSpec(
            code="AS-8",
            position=8,
            **_scope("handling"),
            title_zh="其他",
            title_en="Other security matters required by law",
            text_zh="其他法律法规规定的安全事项。",
            legal_basis_keys=_SECURITY_BASIS,
        ),
    ),
)

CHECKLISTS: tuple[ChecklistSpec, ...] = (ELECTRONIC_V1, SECURITY_V1)


def checklist_for(
    regime: str, on: date, checklists: Iterable[ChecklistSpec] = CHECKLISTS
) -> ChecklistSpec:
    """The latest version of ``regime``'s checklist in effect on ``on``.

    Raises ``LookupError`` when the regime has no version effective on that date.
    """
    candidates = [c for c in checklists if c.regime == regime and c.effective_from <= on]
    if not candidates:
        raise LookupError(f"no {regime!r} checklist in effect on {on.isoformat()}")
    return max(candidates, key=lambda c: (c.effective_from, c.version))


def circular_required(regime: str, item: ChecklistItemSpec) -> bool:
    """Must a case arising from ``item`` have a circular (通报) before it closes?

    Seed, 档案安全事项监管 五、(二): 在档案信息安全监管督查中发现问题的，以通报形式予以公布 —
    a rule of the security regime only; electronic-regime items also carry the
    ``information_security`` mark descriptively, but the seed sets no circular rule there.
    """
    return regime == "security" and item.information_security


# ---------------------------------------------------------------------------------------------
# Legal citations
# ---------------------------------------------------------------------------------------------


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


PURPOSES: tuple[str, ...] = Purpose.ALL


@dataclass(frozen=True)
class CitationSpec:
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

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @property
    def cite_zh(self) -> str:
        """As printed in a notice: ``《中华人民共和国档案法》第四十五条``."""
        return f"《{self.title_zh}》{self.article_zh}"


# Dates of the instruments -------------------------------------------------------------------
OLD_ARCHIVES_LAW_FROM = date(1988, 1, 1)  # 1987 law in force 1988-01-01 [S]
OLD_ARCHIVES_LAW_1996_FROM = date(1996, 7, 5)  # 1996 amendment, in force on promulgation [S]
OLD_ARCHIVES_LAW_TO = date(2020, 12, 31)
ARCHIVES_LAW_2020_FROM = date(2021, 1, 1)  # [V]
IMPLEMENTING_MEASURES_FROM = date(1990, 11, 19)  # 1990 version issued 1990-11-19 [S]
IMPLEMENTING_MEASURES_TO = date(2024, 2, 29)  # repealed by 条例 art 52 [V]
IMPLEMENTING_REGULATION_FROM = date(2024, 3, 1)  # [V]
HEBEI_REGULATION_FROM = date(2024, 10, 1)  # [S]
PENALTY_PROCEDURE_RULES_FROM = date(2023, 4, 1)  # [S]
ELECTRONIC_ARCHIVES_RULES_FROM = date(2024, 11, 1)  # [S]
OLD_PENALTY_LAW_FROM = date(1996, 10, 1)
OLD_PENALTY_LAW_TO = date(2021, 7, 14)
PENALTY_LAW_2021_FROM = date(2021, 7, 15)
COERCION_LAW_FROM = date(2012, 1, 1)
DISCIPLINE_RULES_2013_FROM = date(2013, 3, 1)  # [S]
SANCTIONS_LAW_FROM = date(2020, 7, 1)
CYBERSECURITY_LAW_FROM = date(2017, 6, 1)

_ARCHIVES_LAW = "中华人民共和国档案法"
_OLD_LAW_EN = "Archives Law of the PRC (1987; amended 1996, 2016)"
_OLD_LAW_DOC = "中华人民共和国主席令第七十一号（1996年修正）"  # [S]
_NEW_LAW_EN = "Archives Law of the PRC (revised 2020)"
_NEW_LAW_DOC = "中华人民共和国主席令第四十七号"  # [U] number from memory
_MEASURES = "中华人民共和国档案法实施办法"
_MEASURES_EN = "Implementing Measures of the Archives Law (1990; revised 1999, 2017)"
_MEASURES_DOC = "国家档案局令第5号（1999年修订）"  # [S]
_REGULATION = "中华人民共和国档案法实施条例"
_REGULATION_EN = "Implementing Regulation of the Archives Law (2024)"
_REGULATION_DOC = "国务院令第772号"  # [V]
_PENALTY_LAW = "中华人民共和国行政处罚法"

CITATIONS: tuple[CitationSpec, ...] = (
    # --- 《档案法》: supervision ----------------------------------------------------------------
    CitationSpec(
        key="archives_law.supervision",
        purposes=(Purpose.INSPECTION, Purpose.RECTIFICATION_ORDER, Purpose.STOP_ORDER),
        title_zh=_ARCHIVES_LAW,
        title_en=_OLD_LAW_EN,
        article_zh="第六条",  # [S] text seen in official reposts of the 1996 text
        summary_zh=(
            "县级以上地方各级人民政府的档案行政管理部门主管本行政区域内的档案事业，"
            "并对本行政区域内机关、团体、企业事业单位和其他组织的档案工作实行监督和指导。"
        ),
        doc_number=_OLD_LAW_DOC,
        valid_from=OLD_ARCHIVES_LAW_FROM,
        valid_to=OLD_ARCHIVES_LAW_TO,
    ),
    CitationSpec(
        key="archives_law.supervision",
        purposes=(Purpose.INSPECTION,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四十二条",  # [V]
        summary_zh=(
            "档案主管部门可以对档案工作责任制和管理制度落实，档案库房、设施、设备配置使用，"
            "档案工作人员管理，档案收集、整理、保管、提供利用，档案信息化建设和信息安全保障，"
            "以及对所属单位档案工作的监督和指导等情况进行检查。"
        ),
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="archives_law.inspection_powers",
        purposes=(Purpose.INSPECTION,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四十三条",  # [V]
        summary_zh=(
            "档案主管部门根据违法线索进行检查时，在符合安全保密要求的前提下，"
            "可以检查有关库房、设施、设备，查阅有关材料，询问有关人员，记录有关情况，"
            "有关单位和个人应当配合。"
        ),
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="archives_law.inspector_duties",
        purposes=(Purpose.INSPECTION,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四十七条",  # [V]
        summary_zh=(
            "档案主管部门及其工作人员应当按照法定的职权和程序开展监督检查工作，"
            "不得泄露履职过程中知悉的国家秘密、商业秘密或者个人隐私。"
        ),
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="archives_law.hazard_rectification",
        purposes=(Purpose.RECTIFICATION_ORDER, Purpose.STOP_ORDER),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四十五条",  # [V]
        summary_zh=(
            "档案主管部门发现档案馆和机关、团体、企业事业单位以及其他组织存在档案安全隐患的，"
            "应当责令限期整改，消除档案安全隐患。"
        ),
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="archives_law.incident_report",
        purposes=(Purpose.INCIDENT_REPORT,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四十四条",  # [V]
        summary_zh=(
            "单位发现本单位存在档案安全隐患的，应当及时采取补救措施；"
            "发生档案损毁、信息泄露等情形的，应当及时向档案主管部门报告。"
        ),
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="archives_law.informatization",
        purposes=(Purpose.ELECTRONIC_ARCHIVES,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第五章 档案信息化建设",  # [S] chapter; articles not verified one by one
        summary_zh="电子档案应当来源可靠、程序规范、要素合规，与传统载体档案具有同等效力；"
        "单位应当加强档案信息化建设和档案信息安全保障。",
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    # --- 《档案法》: reporting upwards (统一领导、分级管理) -----------------------------------------
    CitationSpec(
        key="archives_law.unified_leadership",
        purposes=(Purpose.REPORT_ESCALATION,),
        title_zh=_ARCHIVES_LAW,
        title_en=_OLD_LAW_EN,
        article_zh="第五条",  # [S]
        summary_zh="档案工作实行统一领导、分级管理的原则，维护档案完整与安全，便于社会各方面的利用。",
        doc_number=_OLD_LAW_DOC,
        valid_from=OLD_ARCHIVES_LAW_FROM,
        valid_to=OLD_ARCHIVES_LAW_TO,
    ),
    CitationSpec(
        key="archives_law.unified_leadership",
        purposes=(Purpose.REPORT_ESCALATION,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四条",  # [S]
        summary_zh="档案工作实行统一领导、分级管理的原则，维护档案完整与安全，便于社会各方面的利用。",
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    # --- 《档案法》: legal liability -------------------------------------------------------------
    CitationSpec(
        key="archives_law.discipline",
        purposes=(Purpose.DISCIPLINARY_REFERRAL,),
        title_zh=_ARCHIVES_LAW,
        title_en=_OLD_LAW_EN,
        article_zh="第二十四条第一款",  # [S] text of the 1996 amendment
        summary_zh=(
            "损毁、丢失国家所有的档案，不按规定归档或者不按期移交档案，"
            "明知所保存的档案面临危险而不采取措施造成档案损失等行为，"
            "由县级以上人民政府档案行政管理部门、有关主管部门对直接负责的主管人员"
            "或者其他直接责任人员依法给予行政处分。"
        ),
        doc_number=_OLD_LAW_DOC,
        valid_from=OLD_ARCHIVES_LAW_1996_FROM,
        valid_to=OLD_ARCHIVES_LAW_TO,
    ),
    CitationSpec(
        key="archives_law.discipline",
        purposes=(Purpose.DISCIPLINARY_REFERRAL,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四十八条",  # [V], incl. 第八项
        summary_zh=(
            "丢失、损毁、篡改档案等行为，以及存在档案安全隐患被责令限期整改而逾期未整改的"
            "（第八项），由县级以上档案主管部门、有关机关对直接负责的主管人员"
            "和其他直接责任人员依法给予处分。"
        ),
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="archives_law.fines",
        purposes=(Purpose.PENALTY,),
        title_zh=_ARCHIVES_LAW,
        title_en=_OLD_LAW_EN,
        article_zh="第二十四条第二款、第三款",  # [S]
        summary_zh=(
            "利用档案馆的档案有损毁、丢失、擅自提供、涂改伪造等行为的，"
            "或者擅自出卖、转让档案的，由档案行政管理部门给予警告，可以并处罚款。"
        ),
        doc_number=_OLD_LAW_DOC,
        valid_from=OLD_ARCHIVES_LAW_1996_FROM,
        valid_to=OLD_ARCHIVES_LAW_TO,
    ),
    CitationSpec(
        key="archives_law.fines",
        purposes=(Purpose.PENALTY,),
        title_zh=_ARCHIVES_LAW,
        title_en=_NEW_LAW_EN,
        article_zh="第四十九条",  # [V]
        summary_zh=(
            "利用档案馆的档案有违法行为的，给予警告，对单位处一万元以上十万元以下、"
            "对个人处五百元以上五千元以下的罚款；档案服务企业处二万元以上二十万元以下的罚款；"
            "买卖、非法转让或者出卖、赠送给外国人的，并没收违法所得。"
        ),
        doc_number=_NEW_LAW_DOC,
        valid_from=ARCHIVES_LAW_2020_FROM,
        valid_to=None,
    ),
    # --- 《档案法实施办法》 → 《档案法实施条例》 ---------------------------------------------------
    CitationSpec(
        key="implementing_regulation.supervision",
        purposes=(Purpose.INSPECTION, Purpose.RECTIFICATION_ORDER, Purpose.STOP_ORDER),
        title_zh=_MEASURES,
        title_en=_MEASURES_EN,
        # [U] article not verified (the 2017 revision deleted art 17 and renumbered); the seed
        # cites the instrument as a whole.
        article_zh="",
        summary_zh=(
            "县级以上地方各级人民政府档案行政管理部门对本行政区域内的档案工作实行监督和指导，"
            "对违反档案法律、法规的行为责令限期改正。"
        ),
        doc_number=_MEASURES_DOC,
        valid_from=IMPLEMENTING_MEASURES_FROM,
        valid_to=IMPLEMENTING_MEASURES_TO,
    ),
    CitationSpec(
        key="implementing_regulation.supervision",
        purposes=(Purpose.INSPECTION, Purpose.RECTIFICATION_ORDER, Purpose.STOP_ORDER),
        title_zh=_REGULATION,
        title_en=_REGULATION_EN,
        article_zh="第六章 监督检查",  # [S] chapter; the article on 整改 is not verified
        summary_zh="档案主管部门依法对档案馆和机关、团体、企业事业单位以及其他组织的档案工作"
        "开展监督检查，对发现的问题责令整改。",
        doc_number=_REGULATION_DOC,
        valid_from=IMPLEMENTING_REGULATION_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="implementing_regulation.discipline",
        purposes=(Purpose.DISCIPLINARY_REFERRAL, Purpose.PENALTY),
        title_zh=_MEASURES,
        title_en=_MEASURES_EN,
        article_zh="",  # [U] article not verified (罚则 chapter, renumbered in 2017)
        summary_zh=(
            "对违反档案法律、法规的行为，由县级以上人民政府档案行政管理部门责令限期改正；"
            "情节严重的，对直接负责的主管人员或者其他直接责任人员依法给予行政处分。"
        ),
        doc_number=_MEASURES_DOC,
        valid_from=IMPLEMENTING_MEASURES_FROM,
        valid_to=IMPLEMENTING_MEASURES_TO,
    ),
    CitationSpec(
        key="implementing_regulation.discipline",
        purposes=(Purpose.DISCIPLINARY_REFERRAL,),
        title_zh=_REGULATION,
        title_en=_REGULATION_EN,
        article_zh="第四十六条",  # [V]
        summary_zh=(
            "档案主管部门发现依法依规应当给予处分的，可以向有关单位或者任免机关提出处理建议，"
            "有关机关应当及时将处理结果书面告知档案主管部门。"
        ),
        doc_number=_REGULATION_DOC,
        valid_from=IMPLEMENTING_REGULATION_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="implementing_regulation.liability",
        purposes=(Purpose.PENALTY,),
        title_zh=_REGULATION,
        title_en=_REGULATION_EN,
        article_zh="第七章 法律责任",  # [S] chapter
        summary_zh="违反档案法律、行政法规的法律责任。",
        doc_number=_REGULATION_DOC,
        valid_from=IMPLEMENTING_REGULATION_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="implementing_regulation.self_report",
        purposes=(Purpose.INCIDENT_REPORT,),
        title_zh=_REGULATION,
        title_en=_REGULATION_EN,
        article_zh="第四十五条",  # [V]
        summary_zh="国家档案馆和机关、团体、企业事业单位以及其他组织应当定期向档案主管部门"
        "报送本单位档案工作情况。",
        doc_number=_REGULATION_DOC,
        valid_from=IMPLEMENTING_REGULATION_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="implementing_regulation.inspectors",
        purposes=(Purpose.INSPECTION,),
        title_zh=_REGULATION,
        title_en=_REGULATION_EN,
        article_zh="第四十七条",  # [V]
        summary_zh="档案主管部门的行政执法人员应当经考试合格，取得行政执法证件后方可从事执法工作。",
        doc_number=_REGULATION_DOC,
        valid_from=IMPLEMENTING_REGULATION_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="implementing_regulation.informatization",
        purposes=(Purpose.ELECTRONIC_ARCHIVES,),
        title_zh=_REGULATION,
        title_en=_REGULATION_EN,
        article_zh="第五章 档案信息化建设",  # [S] chapter
        summary_zh="电子档案的形成、收集、整理、归档、保管、利用和档案信息安全保障要求。",
        doc_number=_REGULATION_DOC,
        valid_from=IMPLEMENTING_REGULATION_FROM,
        valid_to=None,
    ),
    # --- Provincial -----------------------------------------------------------------------------
    CitationSpec(
        key="hebei.archives_regulation",
        purposes=(Purpose.PROVINCIAL, Purpose.INSPECTION, Purpose.RECTIFICATION_ORDER),
        title_zh="河北省档案条例",
        title_en="Hebei Province Archives Regulation (revised 2024)",
        article_zh="第六章 监督检查",  # [S] chapter; article not verified
        summary_zh="本省行政区域内档案工作的监督检查。（2024年7月25日河北省第十四届人民代表大会"
        "常务委员会第十次会议修订）",
        doc_number="",  # [U] announcement number not verified
        valid_from=HEBEI_REGULATION_FROM,
        valid_to=None,
    ),
    # --- Electronic archives --------------------------------------------------------------------
    CitationSpec(
        key="electronic_archives.rules",
        purposes=(Purpose.ELECTRONIC_ARCHIVES,),
        title_zh="电子档案管理办法",
        title_en="Measures for the Management of Electronic Archives",
        article_zh="",
        summary_zh="电子档案的形成、收集、整理、归档、移交、保管、利用和安全管理要求。",
        doc_number="国家档案局令第22号",  # [S]
        valid_from=ELECTRONIC_ARCHIVES_RULES_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="electronic_archives.transfer",
        purposes=(Purpose.ELECTRONIC_ARCHIVES,),
        title_zh="电子档案移交与接收办法",
        title_en="Measures for the Transfer and Receipt of Electronic Archives",
        article_zh="",
        summary_zh="电子档案向档案馆移交与接收的要求（种子文件引用）。",
        doc_number="档发〔2012〕7号",  # [U] number and dates from memory; still in force? [U]
        valid_from=date(2012, 8, 29),  # [U]
        valid_to=None,
    ),
    # --- Discipline -----------------------------------------------------------------------------
    CitationSpec(
        key="discipline.archives_rules_2013",
        purposes=(Purpose.DISCIPLINARY_REFERRAL,),
        title_zh="档案管理违法违纪行为处分规定",
        title_en="Provisions on Sanctions for Violations in Archive Management (2013)",
        article_zh="",
        summary_zh="有档案管理违法违纪行为的单位负有责任的领导人员和直接责任人员，"
        "由任免机关或者监察机关按照管理权限依法给予处分。",
        doc_number="监察部 人力资源社会保障部 国家档案局令第30号",  # [S]
        valid_from=DISCIPLINE_RULES_2013_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="discipline.public_officials_law",
        purposes=(Purpose.DISCIPLINARY_REFERRAL,),
        title_zh="中华人民共和国公职人员政务处分法",
        title_en="Law on Administrative Discipline for Public Officials",
        article_zh="",
        summary_zh="监察机关、任免机关对违法的公职人员给予政务处分或者处分。",
        doc_number="中华人民共和国主席令第四十六号",  # [U] number from memory
        valid_from=SANCTIONS_LAW_FROM,
        valid_to=None,
    ),
    # --- Administrative penalty law -------------------------------------------------------------
    CitationSpec(
        key="penalty_law.types",
        purposes=(Purpose.CIRCULAR, Purpose.PENALTY),
        title_zh=_PENALTY_LAW,
        title_en="Administrative Penalty Law of the PRC (revised 2021)",
        article_zh="第九条",  # [V]
        summary_zh="行政处罚的种类包括警告、通报批评，罚款、没收违法所得等；"
        "通报批评是行政处罚，须有法定依据并遵循处罚程序。",
        doc_number="中华人民共和国主席令第七十号",  # [U] number from memory
        valid_from=PENALTY_LAW_2021_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="penalty_law.procedure",
        purposes=(Purpose.PENALTY_PROCEDURE,),
        title_zh=_PENALTY_LAW,
        title_en="Administrative Penalty Law of the PRC (1996; amended 2009, 2017)",
        article_zh="",  # [U] article not verified
        summary_zh="行政处罚的决定程序（简易程序、一般程序、听证程序）和执行。",
        doc_number="中华人民共和国主席令第六十三号",  # [U] number from memory
        valid_from=OLD_PENALTY_LAW_FROM,
        valid_to=OLD_PENALTY_LAW_TO,
    ),
    CitationSpec(
        key="penalty_law.procedure",
        purposes=(Purpose.PENALTY_PROCEDURE,),
        title_zh=_PENALTY_LAW,
        title_en="Administrative Penalty Law of the PRC (revised 2021)",
        article_zh="第五章 行政处罚的决定",  # [S] chapter; arts 59–67 per LAW.md [V]
        summary_zh="行政处罚决定书的内容、作出期限、送达、听证、缴纳罚款等程序要求。",
        doc_number="中华人民共和国主席令第七十号",  # [U]
        valid_from=PENALTY_LAW_2021_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="penalty_law.officers",
        purposes=(Purpose.INSPECTION, Purpose.PENALTY_PROCEDURE),
        title_zh=_PENALTY_LAW,
        title_en="Administrative Penalty Law of the PRC (1996; amended 2009, 2017)",
        article_zh="",  # [U] article not verified (believed to be 第三十七条)
        summary_zh="行政机关在调查或者进行检查时，执法人员不得少于两人，并应当出示证件。",
        doc_number="中华人民共和国主席令第六十三号",  # [U]
        valid_from=OLD_PENALTY_LAW_FROM,
        valid_to=OLD_PENALTY_LAW_TO,
    ),
    CitationSpec(
        key="penalty_law.officers",
        purposes=(Purpose.INSPECTION, Purpose.PENALTY_PROCEDURE),
        title_zh=_PENALTY_LAW,
        title_en="Administrative Penalty Law of the PRC (revised 2021)",
        article_zh="第四十二条、第四十三条、第五十五条",  # [V]
        summary_zh="执法人员不少于两人并持有执法证件；执法人员与案件有利害关系的应当回避；"
        "调查或者检查时应当主动出示执法证件。",
        doc_number="中华人民共和国主席令第七十号",  # [U]
        valid_from=PENALTY_LAW_2021_FROM,
        valid_to=None,
    ),
    CitationSpec(
        key="penalty_procedure.archives_rules",
        purposes=(Purpose.PENALTY_PROCEDURE, Purpose.CIRCULAR),
        title_zh="档案行政处罚程序规定",
        title_en="Provisions on the Procedure of Archive Administrative Penalties",
        article_zh="",
        summary_zh="档案主管部门实施行政处罚（含通报批评）的管辖、立案、调查取证、决定、送达和执行程序。",
        doc_number="国家档案局令第20号",  # [S]
        valid_from=PENALTY_PROCEDURE_RULES_FROM,
        valid_to=None,
    ),
    # --- Emergency: act first, notice after (by analogy) -----------------------------------------
    CitationSpec(
        key="coercion_law.emergency",
        purposes=(Purpose.EMERGENCY_BACKFILL,),
        title_zh="中华人民共和国行政强制法",
        title_en="Administrative Coercion Law of the PRC (applied by analogy)",
        article_zh="第十九条",  # [V]
        summary_zh="情况紧急需要当场实施的，执法人员应当在二十四小时内向行政机关负责人报告，"
        "并补办批准手续（参照适用：档案法未授予行政强制措施，现场叫停为责令性质）。",
        doc_number="中华人民共和国主席令第四十九号",  # [U] number from memory
        valid_from=COERCION_LAW_FROM,
        valid_to=None,
    ),
    # --- Reporting to the network-security authority ---------------------------------------------
    CitationSpec(
        key="cybersecurity_law.incident_reporting",
        purposes=(Purpose.REPORT_ESCALATION,),
        title_zh="中华人民共和国网络安全法",
        title_en="Cybersecurity Law of the PRC",
        # [U] chapter only: articles not verified, and the 2025 amendment (in force
        # 2026-01-01) may have renumbered them — add a new dated entry when checked.
        article_zh="第五章 监测预警与应急处置",
        summary_zh="网络安全监测预警和信息通报制度；发生网络安全事件应当按规定向有关主管部门报告。",
        doc_number="中华人民共和国主席令第五十三号",  # [S]
        valid_from=CYBERSECURITY_LAW_FROM,
        valid_to=None,
    ),
)


def citations_for(
    purpose: str, on: date, citations: Iterable[CitationSpec] = CITATIONS
) -> tuple[CitationSpec, ...]:
    """The citations serving ``purpose`` that were in force on ``on``, in table order."""
    return tuple(c for c in citations if purpose in c.purposes and c.in_force(on))


def citation_for_key(
    key: str, on: date, citations: Iterable[CitationSpec] = CITATIONS
) -> CitationSpec | None:
    """The text of citation slot ``key`` in force on ``on`` (``None`` if none was)."""
    for c in citations:
        if c.key == key and c.in_force(on):
            return c
    return None


def legal_basis(
    item: ChecklistItemSpec, on: date, citations: Iterable[CitationSpec] = CITATIONS
) -> tuple[CitationSpec, ...]:
    """A checklist item's legal basis as it stood on ``on`` (slots not yet in force dropped)."""
    cites = tuple(citations)
    found = (citation_for_key(k, on, cites) for k in item.legal_basis_keys)
    return tuple(c for c in found if c is not None)


# ---------------------------------------------------------------------------------------------
# Responsibility boundaries (二、与相关部门的职责边界登记表)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentDutySpec:
    department_zh: str
    department_en: str
    duty_zh: str
    duty_en: str


@dataclass(frozen=True)
class BoundarySpec:
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

    @property
    def lead_department_zh(self) -> str:
        return self.departments[0].department_zh


# The seed's table is misaligned (each department's row carries the other's duty); DESIGN §1
# reads it as: 政法委 handles enforcement, 金融办 handles risk screening and publicity.
RESPONSIBILITY_BOUNDARIES: tuple[BoundarySpec, ...] = (
    BoundarySpec(
        number=1,
        matter_zh="负责协调非法集资、非法证券、非法保险等案件的查处、善后处置和维护金融稳定。",
        matter_en=(
            "Coordinating the investigation and aftermath of illegal fund-raising, illegal "
            "securities and illegal insurance cases, and maintaining financial stability."
        ),
        departments=(
            DepartmentDutySpec(
                department_zh="政法委",
                department_en="Political and Legal Affairs Commission",
                duty_zh="政法委负责打击处置工作；",
                duty_en="Crackdown and disposal of cases.",
            ),
            DepartmentDutySpec(
                department_zh="金融办",
                department_en="Financial Affairs Office",
                duty_zh="金融办负责协调有关部门做好非法集资风险排查和宣传教育工作；",
                duty_en="Coordinating risk screening and public education on illegal fund-raising.",
            ),
        ),
        basis_zh="《关于调整鹿泉市打击和处置非法集资工作领导小组组成人员的通知》",
        basis_doc_number="鹿办字〔2014〕21号",
        keywords=(
            "非法集资",
            "非法证券",
            "非法保险",
            "集资诈骗",
            "非法吸收公众存款",
            "非法吸存",
            "金融稳定",
            "庞氏骗局",
        ),
    ),
)


def _normalise(text: str) -> str:
    return "".join(text.split())


def route_matter(
    text: str, boundaries: Iterable[BoundarySpec] = RESPONSIBILITY_BOUNDARIES
) -> BoundarySpec | None:
    """The boundary a complaint's text belongs to (most keyword hits wins), or ``None``."""
    body = _normalise(text or "")
    if not body:
        return None
    best: BoundarySpec | None = None
    best_hits = 0
    for boundary in boundaries:
        hits = sum(1 for kw in boundary.keywords if _normalise(kw) in body)
        if hits > best_hits:
            best, best_hits = boundary, hits
    return best


# ---------------------------------------------------------------------------------------------
# Public services (三、公共服务事项登记表)
# ---------------------------------------------------------------------------------------------


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


PUBLIC_SERVICES: tuple[PublicServiceSpec, ...] = (
    PublicServiceSpec(
        number=1,
        name_zh="档案业务培训服务",
        name_en="Archive work training",
        content_zh="开展区级机关、乡镇区、行政村、企事业单位档案工作人员的业务培训",
        office_zh="档案馆业务指导科",
        office_en="Archives, Business Guidance Section",
        phone="82013255",
    ),
    PublicServiceSpec(
        number=2,
        name_zh="馆藏档案资料利用服务",
        name_en="Access to the archives' holdings",
        content_zh="提供馆藏档案资料的咨询、查阅、检索、摘录、复制服务",
        office_zh="档案馆档案管理科",
        office_en="Archives, Records Management Section",
        phone="82012725",
    ),
    PublicServiceSpec(
        number=3,
        name_zh="人防教育宣传",
        name_en="Civil air-defence education",
        content_zh=(
            "贯彻落实《中华人民共和国人民防空法》、"
            "＜河北省实施《中华人民共和国人民防空法》办法＞等法律、法规。"
            "使公民掌握防空知识和技能，"
            "指导群众利用人防工程和所掌握的知识与技能进行掩蔽防护"
        ),
        office_zh="人防办",
        office_en="Civil Air Defence Office",
        phone="82011763",
    ),
)


# ---------------------------------------------------------------------------------------------
# Consistency check (run by tests and by the loader before copying into the database)
# ---------------------------------------------------------------------------------------------


def validate(
    checklists: Iterable[ChecklistSpec] = CHECKLISTS,
    citations: Iterable[CitationSpec] = CITATIONS,
) -> list[str]:
    """Problems in the reference data (empty list when consistent)."""
    checklists = tuple(checklists)
    citations = tuple(citations)
    problems: list[str] = []

    seen_versions: set[tuple[str, int]] = set()
    for cl in checklists:
        if cl.regime not in REGIMES:
            problems.append(f"checklist regime {cl.regime!r} unknown")
        if (cl.regime, cl.version) in seen_versions:
            problems.append(f"checklist {cl.regime} v{cl.version} duplicated")
        seen_versions.add((cl.regime, cl.version))
        codes = [it.code for it in cl.items]
        if len(set(codes)) != len(codes):
            problems.append(f"checklist {cl.regime} v{cl.version} has duplicate codes")
        if [it.position for it in cl.items] != list(range(1, len(cl.items) + 1)):
            problems.append(f"checklist {cl.regime} v{cl.version} positions not 1..n")
        keys = {c.key for c in citations}
        for it in cl.items:
            problems.extend(
                f"{it.code}: unknown citation key {k!r}"
                for k in it.legal_basis_keys
                if k not in keys
            )

    for c in citations:
        problems.extend(
            f"{c.key}: unknown purpose {p!r}" for p in c.purposes if p not in Purpose.ALL
        )
        if c.valid_to is not None and c.valid_to < c.valid_from:
            problems.append(f"{c.key}: valid_to before valid_from")

    by_key: dict[str, list[CitationSpec]] = {}
    for c in citations:
        by_key.setdefault(c.key, []).append(c)
    for key, entries in by_key.items():
        entries.sort(key=lambda c: c.valid_from)
        for earlier, later in zip(entries, entries[1:], strict=False):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                problems.append(
                    f"{key}: validity of {earlier.valid_from} overlaps {later.valid_from}"
                )
    return problems
