"""Complaints and referrals (投诉举报/移送): intake, then routing by territory (属地管理).

Seed 电子档案 三(三): 针对群众投诉举报和其他部门移送区档案馆需要专项检查的事项，按照属地管理原则开展检查;
安全 三(三): 根据投诉举报，开展执法检查. A complaint is received and routed in one transaction:

1. a matter that belongs to another department by the seed's 职责边界登记表 (e.g. illegal
   fund-raising → 政法委 / 金融办) is forwarded to those departments;
2. a unit in this authority's jurisdiction gets a complaint inspection (kind ``complaint``,
   status ``planned``) and the supervisors are told;
3. a unit of another authority is forwarded to that authority; an unknown unit to the superior
   archives department (上级档案部门), which knows every jurisdiction below it.

Attachments are stored content-addressed under ``<instance>/attachments/<sha256>``, 0600 in a
0700 folder. Their names are checked before anything is read; each file is streamed, within its
size limit, to a private temporary name (``cases.core.uploads.store_bounded``), and published
(renamed into place) only after the complaint row has been flushed — a refused complaint writes no row and no
file. A rollback *after* that (the caller's commit failing) can leave a published file that no
row references: it is complete, named by its own digest, and a later upload of the same bytes
reuses it, so it is harmless and never deleted here — deleting it could break another
transaction that found the same file already present and referenced it.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.core.clock import ensure_utc, local_date, utcnow
from cases.core.errors import InvalidInput, NotAllowed
from cases.core.filetypes import check_upload
from cases.core.settings import Settings, current_settings
from cases.core.uploads import StoredFile, check_file_name, store_bounded
from cases.core.vocabulary import ComplaintSource, ComplaintStatus, InspectionKind, Regime, values
from cases.inspections.checklists import current_checklist
from cases.inspections.door import plan_inspection
from cases.messages.inbox import notify, supervisors_of
from cases.models import Authority, Complaint, Unit, User
from cases.reference.calendar import calendar_for
from cases.reference.data import RESPONSIBILITY_BOUNDARIES, BoundarySpec, route_matter

log = logging.getLogger(__name__)

#: The matter of every complaint this authority handles itself.
ARCHIVES_MATTER = "archives"

#: Stable keys for the boundary table's entries (stored in ``Complaint.matter``); an entry added
#: to the table later without a key here is stored as ``boundary_<number>``.
_BOUNDARY_KEYS: dict[int, str] = {1: "illegal_fundraising"}

SOURCE_LABELS: dict[str, tuple[str, str]] = {
    s.value: (s.label_zh, s.label_en) for s in ComplaintSource
}

#: Words that make a complaint about a security-regime unit an archive-security matter (the
#: seed's 安全 checklist: 八防, information security, classified media). Anything else is
#: inspected under the electronic-archive regime. Simple on purpose; the officer can pass
#: ``regime`` explicitly when the words mislead.
SECURITY_WORDS: tuple[str, ...] = (
    "安全", "泄密", "泄露", "丢失", "遗失", "损毁", "损坏", "毁损", "失窃", "被盗", "盗窃",
    "火灾", "失火", "漏水", "渗水", "受潮", "霉", "虫", "鼠", "涉密", "保密", "八防",
)  # fmt: skip

#: Attachment limits: each file (the default of ``OVERSIGHT_ATTACHMENT_MAX_MB``), and how many
#: per complaint.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_NAME = 200

_SHA256 = re.compile(r"[0-9a-f]{64}")


def boundary_key(boundary: BoundarySpec) -> str:
    """The key a boundary entry is stored under in ``Complaint.matter``."""
    return _BOUNDARY_KEYS.get(boundary.number, f"boundary_{boundary.number}")


def boundary_for(matter: str) -> BoundarySpec | None:
    """The boundary entry of a stored matter key (``None`` for ``archives``)."""
    for boundary in RESPONSIBILITY_BOUNDARIES:
        if boundary_key(boundary) == matter:
            return boundary
    return None


def attachment_path(settings: Settings, sha256: str) -> Path:
    """Where an attachment's bytes live (for downloads); refuses anything but a digest."""
    if not _SHA256.fullmatch(sha256):
        raise InvalidInput("附件标识无效", "Not an attachment digest")
    return settings.instance_dir / "attachments" / sha256


#: An attachment's content: its bytes, or a binary stream read within the limit.
Attachment = bytes | bytearray | memoryview | BinaryIO


@dataclass(frozen=True)
class _Staged:
    name: str
    sha256: str
    size: int
    kind: str
    final: Path
    temp: StoredFile | None  # None: the file is already stored


def receive_complaint(
    session: Session,
    authority: Authority,
    *,
    source: str,
    content: str,
    actor: User,
    unit_id: int | None = None,
    unit_name: str = "",
    source_detail: str = "",
    attachments: Sequence[tuple[str, Attachment]] = (),
    matter: str | None = None,
    regime: str | None = None,
    inspection_date: date | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Complaint:
    """Receive a complaint or referral and route it by territory, in one transaction.

    ``matter`` is a boundary key (``illegal_fundraising``) or ``archives``; by default it is
    detected from the content with the boundary table's keywords. ``regime`` and
    ``inspection_date`` (default: the next working day) apply when an inspection is scheduled.
    Each attachment is ``(file name, bytes or a binary stream)``; a stream is read a chunk at a
    time into a private temporary file and refused as soon as it passes the limit
    (``OVERSIGHT_ATTACHMENT_MAX_MB``) — never read whole first.

    Raises:
        InvalidInput: content missing, source/matter/regime unknown, a bad attachment, no unit
            named for an archives matter, or an unknown ``unit_id``.
        NotAllowed: the actor is not an officer of ``authority``.
    """
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.RECORD_INSPECTIONS)
    if actor.authority_id != authority.id:
        raise NotAllowed(
            f"{actor.display_name}不属于{authority.name}",
            f"{actor.display_name} does not belong to {authority.name}",
        )
    content = (content or "").strip()
    if not content:
        raise InvalidInput("请填写投诉举报内容", "The complaint's content is required")
    if source not in values(ComplaintSource):
        raise InvalidInput(f"来源无效：{source}", f"Unknown source: {source}")
    source_detail, unit_name = source_detail.strip(), unit_name.strip()
    if len(source_detail) > 300 or len(unit_name) > 200:
        raise InvalidInput(
            "来源说明不得超过300字，单位名称不得超过200字",
            "Source details are limited to 300 characters and unit names to 200",
        )
    boundary = _matter(matter, content)
    unit = _resolve_unit(session, authority, unit_id, unit_name)
    if boundary is None and unit is None and not unit_name:
        raise InvalidInput(
            "请填写被投诉单位：按属地管理原则须先确定单位",
            "Name the unit complained about: routing by territory needs it",
        )
    if regime is not None and regime not in {r.value for r in Regime}:
        raise InvalidInput(f"监管事项无效：{regime}", f"Unknown regime: {regime}")
    _check_attachments(attachments)

    local = unit is not None and unit.authority_id == authority.id and boundary is None
    plan: _Planned | None = None
    if local:
        assert unit is not None
        plan = _plan_inspection(session, unit, regime, content, inspection_date, now)

    complaint = Complaint(
        authority_id=authority.id,
        source=source,
        source_detail=source_detail,
        unit_id=unit.id if unit is not None else None,
        unit_name=unit.name if unit is not None else unit_name,
        matter=boundary_key(boundary) if boundary is not None else ARCHIVES_MATTER,
        content=content,
        status=ComplaintStatus.RECEIVED,
        received_at=now,
        routed_at=now,
        received_by_id=actor.id,
    )
    if boundary is not None:
        _forward_to_departments(complaint, boundary)
    elif unit is not None and unit.authority_id != authority.id:
        _forward_to_authority(complaint, session.get(Authority, unit.authority_id))
    elif unit is None:
        _forward_to_superior(complaint, authority)

    staged = _stage(settings or current_settings(), attachments) if attachments else []
    try:
        complaint.attachments = [
            {"name": f.name, "sha256": f.sha256, "size": f.size, "type": f.kind} for f in staged
        ]
        session.add(complaint)
        session.flush()
        if plan is not None:
            _schedule_inspection(session, complaint, plan, actor, now)
        _publish(staged)
    finally:
        for f in staged:
            if f.temp is not None:
                f.temp.discard()
    log.info(
        "complaint %s received by %s: %s %s",
        complaint.id, actor.username, complaint.status,
        complaint.forwarded_to or f"inspection {complaint.inspection_id}",
    )  # fmt: skip
    return complaint


# ---- matter and unit ----------------------------------------------------------------------


def _matter(matter: str | None, content: str) -> BoundarySpec | None:
    """The boundary entry the complaint belongs to, or ``None`` for an archives matter."""
    if matter is None:
        return route_matter(content)
    if matter == ARCHIVES_MATTER:
        return None
    boundary = boundary_for(matter)
    if boundary is None:
        known = [ARCHIVES_MATTER, *(boundary_key(b) for b in RESPONSIBILITY_BOUNDARIES)]
        raise InvalidInput(
            f"事项无效：{matter}（可选：{'、'.join(known)}）",
            f"Unknown matter {matter!r} (one of {', '.join(known)})",
        )
    return boundary


def _resolve_unit(
    session: Session, authority: Authority, unit_id: int | None, unit_name: str
) -> Unit | None:
    """The registered unit complained about: by id, else by its exact name — this authority's
    units first, then a single match elsewhere (several elsewhere: treated as unknown)."""
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise InvalidInput(f"单位不存在：{unit_id}", f"No unit {unit_id}")
        return unit
    if not unit_name:
        return None
    matches = list(session.scalars(select(Unit).where(Unit.name == unit_name).order_by(Unit.id)))
    own = [u for u in matches if u.authority_id == authority.id]
    if own:
        return own[0]
    return matches[0] if len({u.authority_id for u in matches}) == 1 else None


# ---- routing ------------------------------------------------------------------------------


def _forward_to_departments(complaint: Complaint, boundary: BoundarySpec) -> None:
    departments = boundary.departments
    complaint.status = ComplaintStatus.FORWARDED
    complaint.forwarded_to = "、".join(d.department_zh for d in departments)
    duties_zh = "".join(d.duty_zh for d in departments)
    duties_en = " ".join(f"{d.department_en}: {d.duty_en}" for d in departments)
    complaint.routing_reason = (
        f"依据{boundary.registering_office_zh}职责边界登记表第{boundary.number}项"
        f"（{boundary.basis_zh}，{boundary.basis_doc_number}），该事项不属档案部门职责：{duties_zh}"
        f"已移送{complaint.forwarded_to}。"
        f" / Responsibility-boundary table entry {boundary.number} ({boundary.basis_doc_number}):"
        f" not an archives matter. {duties_en} Forwarded."
    )


def _forward_to_authority(complaint: Complaint, other: Authority) -> None:
    complaint.status = ComplaintStatus.FORWARDED
    complaint.forwarded_to = other.name
    complaint.routing_reason = (
        f"被投诉单位“{complaint.unit_name}”属{other.jurisdiction}，按属地管理原则移送{other.name}。"
        f" / The unit lies in {other.jurisdiction}: forwarded to {other.name} (territorial rule)."
    )


def _forward_to_superior(complaint: Complaint, authority: Authority) -> None:
    superior = authority.superior_name or "上级档案主管部门"
    complaint.status = ComplaintStatus.FORWARDED
    complaint.forwarded_to = superior
    complaint.routing_reason = (
        f"被投诉单位“{complaint.unit_name}”不在{authority.jurisdiction}登记的单位中，属地不明，"
        f"移送{superior}确定管辖。"
        f" / The unit is not registered in {authority.jurisdiction}; its jurisdiction is unknown:"
        f" forwarded to the superior archives department to decide."
    )


def _inspection_regime(unit: Unit, regime: str | None, content: str) -> str:
    """Security when the unit is under the security regime and the content speaks of security
    (``SECURITY_WORDS``); else electronic. An explicit ``regime`` wins but is checked."""
    if regime is None:
        worded = any(word in content for word in SECURITY_WORDS)
        return Regime.SECURITY if unit.under_security_regime and worded else Regime.ELECTRONIC
    if regime == Regime.SECURITY and not unit.under_security_regime:
        raise InvalidInput(
            "该单位不属于档案安全事项监管对象", "The unit is outside the archive-security regime"
        )
    return regime


@dataclass(frozen=True)
class _Planned:
    unit: Unit
    regime: str
    day: date


def _plan_inspection(
    session: Session,
    unit: Unit,
    regime: str | None,
    content: str,
    day: date | None,
    now: datetime,
) -> _Planned:
    """Decide the complaint inspection before anything is written (so a refusal writes
    nothing): regime, date (default: the next working day) and the checklist in force then."""
    chosen = _inspection_regime(unit, regime, content)
    today = local_date(now)
    day = day or calendar_for(session).next_working_day(today)
    if day < today:
        raise InvalidInput(f"检查日期{day}早于今日", f"The inspection date {day} is in the past")
    current_checklist(session, chosen, day)  # none in force on that day: refused before any write
    return _Planned(unit, chosen, day)


def _schedule_inspection(
    session: Session, complaint: Complaint, plan: _Planned, actor: User, now: datetime
) -> None:
    unit, day = plan.unit, plan.day
    # officers are assigned before the inspection starts (set_officers), on its date
    inspection = plan_inspection(
        session, unit=unit, regime=plan.regime, kind=InspectionKind.COMPLAINT,
        inspection_date=day, officers=[], actor=actor, now=now,
    )  # fmt: skip
    complaint.status = ComplaintStatus.INSPECTION_SCHEDULED
    complaint.inspection_id = inspection.id
    label = Regime(plan.regime)
    complaint.routing_reason = (
        f"被投诉单位属本辖区（{unit.name}），按属地管理原则安排{label.label_zh}投诉举报检查，"
        f"检查日期{day.isoformat()}。"
        f" / The unit is in this jurisdiction: a complaint inspection ({label.label_en}) is"
        f" planned for {day.isoformat()}."
    )
    source_zh = SOURCE_LABELS[complaint.source][0]
    notify(
        session,
        supervisors_of(session, unit.authority_id),
        f"{source_zh}：{unit.name}，已安排{day.isoformat()}投诉举报检查"[:300],
        f"Complaint about {unit.name}: inspection planned for {day.isoformat()}"[:300],
        now=now,
    )
    session.flush()


# ---- attachments --------------------------------------------------------------------------


def _check_attachments(attachments: Sequence[tuple[str, Attachment]]) -> None:
    """Names and kinds checked before any byte is read (a bad one refuses the whole complaint)."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"附件不得超过{MAX_ATTACHMENTS}个", f"At most {MAX_ATTACHMENTS} attachments"
        )
    for position, (name, data) in enumerate(attachments, start=1):
        check_file_name(name, max_length=MAX_ATTACHMENT_NAME, position=position)
        if not isinstance(data, bytes | bytearray | memoryview) and not hasattr(data, "read"):
            raise InvalidInput(f"附件“{name}”不是文件内容", f"Attachment {name!r} is not a file")


def _stage(settings: Settings, attachments: Sequence[tuple[str, Attachment]]) -> list[_Staged]:
    """Stream each file into a private temporary file beside its final place (same filesystem,
    so publishing is an atomic rename), the size limit enforced while reading; a failure
    removes what this call staged."""
    folder = settings.instance_dir / "attachments"
    limit = settings.attachment_max_mb * 1024 * 1024
    staged: list[_Staged] = []
    try:
        for position, (name, data) in enumerate(attachments, start=1):
            stream = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
            stored = store_bounded(
                stream, limit, folder, what=(f"附件“{name}”", f"Attachment {name!r}")
            )
            if stored.size == 0:
                stored.discard()
                raise InvalidInput(f"附件“{name}”是空文件", f"Attachment {name!r} is empty")
            try:
                kind = check_upload(name, stored.head, position=position)
            except InvalidInput:
                stored.discard()
                raise
            final = folder / stored.sha256
            temp: StoredFile | None = stored
            if final.exists():
                stored.discard()
                temp = None
            staged.append(_Staged(name, stored.sha256, stored.size, kind.key, final, temp))
    except BaseException:
        for f in staged:
            if f.temp is not None:
                f.temp.discard()
        raise
    return staged


def _publish(staged: list[_Staged]) -> None:
    for f in staged:
        if f.temp is not None:
            f.temp.move_to(f.final)
