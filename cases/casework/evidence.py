"""整改证明材料: the files a unit sends with its rectification report, kept, listed and handed out.

:func:`submit_rectification_report` is the one way a report goes in with files: it fires
``submit_rectification`` through the one door (:func:`cases.casework.door.advance`) with the
stored files' references as the evidence, so who may file it, in which state and with which
version is the door's answer, never this module's. The files are handled as the complaints'
attachments are (:mod:`cases.complaints.intake`): names checked before a byte is read; each file
streamed, within its limit, to a private temporary file (:func:`cases.core.uploads.store_bounded`:
memory is one chunk whatever the request declares); its kind told by its content
(:func:`cases.core.filetypes.check_upload`); published, content-addressed under
``<instance>/attachments/<sha256>`` (same backup part as the attachments), only after the door
and the rows went through. A refused report stores no row and no file and leaves the case as it
was (the caller rolls back).

Limits: each file at most ``OVERSIGHT_ATTACHMENT_MAX_MB`` (the setting complaint attachments use,
default 20 MB), at most :data:`MAX_EVIDENCE_FILES` files and :data:`MAX_EVIDENCE_TOTAL_BYTES`
together per report (constants), names of at most :data:`MAX_EVIDENCE_NAME` characters (each
reference must fit the trigger's 255-character evidence item).

Each reference names the file and its SHA-256 (``制度文本.pdf（sha256:…）``): the report's event on
the case's hash chain then vouches for the bytes, not only for a name.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.access.permissions import CaseTrigger, Duty, can, require
from cases.casework.door import Advanced, advance
from cases.complaints.intake import attachment_path
from cases.core.errors import InvalidInput, NotFound
from cases.core.filetypes import check_upload, kind_named
from cases.core.settings import Settings, current_settings
from cases.core.uploads import Download, FileTooLarge, StoredFile, check_file_name, store_bounded
from cases.models import Case, EvidenceFile, RectificationReport, User
from workflows.fields import InvalidFields
from workflows.rulebook import Refusal

#: At most this many files with one report (the trigger itself takes up to 50 references).
MAX_EVIDENCE_FILES = 20
#: At most this many bytes of files with one report.
MAX_EVIDENCE_TOTAL_BYTES = 100 * 1024 * 1024
#: A file's name, at most: with ``（sha256:<64 hex>）`` it stays within the trigger's 255.
MAX_EVIDENCE_NAME = 150
#: The form's (and the door's) name of the evidence input.
FIELD = "evidence"
TRIGGER = "submit_rectification"

#: What a report with files is sent as: (file name, a binary stream or the bytes).
Upload = tuple[str, BinaryIO | bytes]


class EvidenceRefused(InvalidFields):
    """A file of the report refused (name, kind, emptiness, count); nothing was stored."""

    code = "evidence_refused"


class EvidenceTooLarge(EvidenceRefused):
    """A file, or the files together, beyond the limit; refused while being read."""

    status = 413
    code = "file_too_large"


def _refuse(zh: str, en: str, *, too_large: bool = False) -> EvidenceRefused:
    kind = EvidenceTooLarge if too_large else EvidenceRefused
    return kind([Refusal(zh, en, FIELD)])


def per_file_limit(settings: Settings) -> int:
    return settings.attachment_max_mb * 1024 * 1024


def request_limit(settings: Settings) -> int:
    """The most bytes a whole report request may carry (files, report text, form overhead): the
    web layer refuses a bigger body before reading it."""
    files = min(MAX_EVIDENCE_TOTAL_BYTES, MAX_EVIDENCE_FILES * per_file_limit(settings))
    return files + 1024 * 1024


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


# ---- going in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Staged:
    name: str
    sha256: str
    size: int
    kind: str
    temp: StoredFile | None  # None: the same bytes are stored already


@dataclass(frozen=True)
class Submitted:
    """The report went through: the door's answer and the files now on record."""

    advanced: Advanced
    report_id: int
    files: list[EvidenceItem]


def reference(name: str, sha256: str) -> str:
    """How the evidence list given to the door names a stored file."""
    return f"{name}（sha256:{sha256}）"


def submit_rectification_report(
    session: Session,
    actor: User,
    case_id: int,
    *,
    report: str,
    files: Sequence[Upload],
    now: datetime,
    expected_version: int | None = None,
    settings: Settings | None = None,
) -> Submitted:
    """File the rectification report of case ``case_id`` with its evidence files, as ``actor``
    (the unit's liaison, or an officer entering it on the unit's behalf). Flushes; never commits.

    Raises:
        NotFound: no such case, or not one ``actor`` may see.
        NotAllowed: the door's refusal (role or scope), before any byte is read.
        EvidenceRefused / EvidenceTooLarge: a file refused (field ``evidence``); nothing stored.
        GuardFailed, InvalidInput, InvalidTransition, Conflict: the door's refusals.
    """
    settings = settings or current_settings()
    case = session.get(Case, case_id)
    if case is None or not can(actor, Duty.VIEW_CASES, case):
        raise NotFound(f"案件{case_id}不存在。", f"Case {case_id} does not exist.")
    require(actor, CaseTrigger(TRIGGER), case)
    _check_names(files)
    staged = _stage(settings, files)
    try:
        advanced = advance(
            session, case_id, TRIGGER, actor, now=now, expected_version=expected_version,
            settings=settings, report=report,
            evidence=[reference(f.name, f.sha256) for f in staged],
        )  # fmt: skip
        report_row = session.scalar(
            select(RectificationReport)
            .where(RectificationReport.case_id == case_id)
            .order_by(RectificationReport.id.desc())
            .limit(1)
        )
        assert report_row is not None  # the door's effect wrote it
        last = session.scalar(
            select(func.coalesce(func.max(EvidenceFile.seq), 0)).where(
                EvidenceFile.case_id == case_id
            )
        )
        rows = [
            EvidenceFile(
                case_id=case_id,
                report_id=report_row.id,
                seq=(last or 0) + i,
                name=f.name,
                sha256=f.sha256,
                size=f.size,
                kind=f.kind,
                submitted_by_id=actor.id,
                submitted_at=now,
            )  # fmt: skip
            for i, f in enumerate(staged, start=1)
        ]
        session.add_all(rows)
        session.flush()
        _publish(settings, staged)
    finally:
        for f in staged:
            if f.temp is not None:
                f.temp.discard()
    return Submitted(advanced, report_row.id, [_item(r, actor.display_name) for r in rows])


def _check_names(files: Sequence[Upload]) -> None:
    """Count and names, before any byte is read (a bad one refuses the whole report)."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise _refuse(
            f"证明材料最多{MAX_EVIDENCE_FILES}个文件，本次选择了{len(files)}个，未保存",
            f"At most {MAX_EVIDENCE_FILES} evidence files, {len(files)} were sent; not stored",
        )
    for position, (name, data) in enumerate(files, start=1):
        try:
            check_file_name(name, max_length=MAX_EVIDENCE_NAME, position=position)
        except InvalidInput as exc:
            raise _refuse(exc.reason_zh, exc.reason_en) from None
        if not isinstance(data, bytes) and not hasattr(data, "read"):
            raise _refuse(f"文件“{name}”不是文件内容", f"File {name!r} is not a file")


def _stage(settings: Settings, files: Sequence[Upload]) -> list[_Staged]:
    """Stream each file into a private temporary file beside its final place, its own limit and
    the report's total enforced while reading; a failure removes what this call staged."""
    folder = settings.instance_dir / "attachments"
    per_file = per_file_limit(settings)
    left = MAX_EVIDENCE_TOTAL_BYTES
    staged: list[_Staged] = []
    try:
        for position, (name, data) in enumerate(files, start=1):
            stream = io.BytesIO(data) if isinstance(data, bytes) else data
            limit = min(per_file, left)
            try:
                stored = store_bounded(
                    stream, limit, folder, what=(f"第{position}个文件“{name}”", f"File {name!r}")
                )
            except FileTooLarge as exc:
                if limit < per_file:
                    raise _refuse(
                        f"证明材料合计超过{_mb(MAX_EVIDENCE_TOTAL_BYTES)}的上限（至第{position}个文件"
                        f"“{name}”），未保存",
                        f"The evidence files together exceed {_mb(MAX_EVIDENCE_TOTAL_BYTES)} "
                        f"(at file {position}, {name!r}); not stored",
                        too_large=True,
                    ) from None
                raise _refuse(exc.reason_zh, exc.reason_en, too_large=True) from None
            if stored.size == 0:
                stored.discard()
                raise _refuse(
                    f"第{position}个文件“{name}”是空文件，未保存", f"File {name!r} is empty"
                )
            try:
                kind = check_upload(name, stored.head, position=position)
            except InvalidInput as exc:
                stored.discard()
                raise _refuse(exc.reason_zh + "，未保存", exc.reason_en) from None
            left -= stored.size
            temp: StoredFile | None = stored
            if attachment_path(settings, stored.sha256).exists():
                stored.discard()
                temp = None
            staged.append(_Staged(name, stored.sha256, stored.size, kind.key, temp))
    except BaseException:
        for f in staged:
            if f.temp is not None:
                f.temp.discard()
        raise
    return staged


def _publish(settings: Settings, staged: list[_Staged]) -> None:
    """Rename each new file into place. A rollback after this leaves a complete file named by
    its own digest that no row references: harmless, and reused by a later upload of the same
    bytes (never deleted here: another transaction may have found it and referenced it)."""
    for f in staged:
        if f.temp is not None:
            f.temp.move_to(attachment_path(settings, f.sha256))


# ---- reading and going out ----------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence file as a page lists it (``seq`` is the ``n`` of its download link)."""

    seq: int
    name: str
    size: int
    kind: str
    kind_zh: str
    sha256: str
    report_id: int
    submitted_at: datetime
    submitted_by: str

    @property
    def size_text(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        if self.size >= 1024:
            return f"{self.size / 1024:.0f} KB"
        return f"{self.size} 字节"


def _item(row: EvidenceFile, submitted_by: str) -> EvidenceItem:
    kind = kind_named(row.kind)
    return EvidenceItem(
        row.seq, row.name, row.size, row.kind, kind.label_zh if kind else row.kind, row.sha256,
        row.report_id, row.submitted_at, submitted_by,
    )  # fmt: skip


def evidence_of(session: Session, case: Case | int) -> list[EvidenceItem]:
    """The case's evidence files, in the order they came. The caller has already decided that
    its reader may see the case (e.g. :func:`cases.casework.queries.case_detail`); whoever may
    see it may download each file (:func:`evidence_file` asks again)."""
    case_id = case if isinstance(case, int) else case.id
    rows = session.execute(
        select(EvidenceFile, User.display_name)
        .join(User, User.id == EvidenceFile.submitted_by_id)
        .where(EvidenceFile.case_id == case_id)
        .order_by(EvidenceFile.seq)
    ).all()
    return [_item(row, name) for row, name in rows]


@dataclass(frozen=True)
class ReportEntry:
    """A rectification report with its files (a case may have several, after a rejection)."""

    id: int
    content: str
    submitted_at: datetime
    submitted_by: str
    files: list[EvidenceItem]


def reports_of(session: Session, case: Case | int) -> list[ReportEntry]:
    """The case's rectification reports, oldest first, each with its evidence files."""
    case_id = case if isinstance(case, int) else case.id
    files: dict[int, list[EvidenceItem]] = {}
    for item in evidence_of(session, case_id):
        files.setdefault(item.report_id, []).append(item)
    rows = session.execute(
        select(RectificationReport, User.display_name)
        .join(User, User.id == RectificationReport.submitted_by_id)
        .where(RectificationReport.case_id == case_id)
        .order_by(RectificationReport.id)
    ).all()
    return [
        ReportEntry(r.id, r.content, r.submitted_at, name, files.get(r.id, [])) for r, name in rows
    ]


def evidence_file(
    session: Session, actor: User, case_id: int, seq: int, settings: Settings
) -> Download:
    """The ``seq``-th evidence file of case ``case_id``, for ``actor``: whoever may see the case
    (its authority's staff, its unit's liaison) — a case out of scope is "not found".

    Raises:
        NotAllowed: the actor's role may not read cases (the administrators: 三员分立).
        NotFound: no such case in scope, no such file, or its bytes gone from the disk.
    """
    require(actor, Duty.VIEW_CASES)
    case = session.get(Case, case_id)
    if case is None or not can(actor, Duty.VIEW_CASES, case):
        raise NotFound(f"案件{case_id}不存在。", f"Case {case_id} does not exist.")
    row = session.scalar(
        select(EvidenceFile).where(EvidenceFile.case_id == case_id, EvidenceFile.seq == seq)
    )
    if row is None:
        raise NotFound(
            f"案件{case_id}没有第{seq}个证明材料", f"Case {case_id} has no evidence file {seq}"
        )
    path = attachment_path(settings, row.sha256)
    if not path.is_file():
        raise NotFound(
            f"证明材料“{row.name}”的文件缺失，请联系系统管理员从备份恢复",
            f"The file of evidence {row.name!r} is missing; restore it from a backup",
        )
    kind = kind_named(row.kind)
    return Download(
        path, row.name, kind.mimetype if kind else "application/octet-stream", row.size,
        row.sha256,
    )  # fmt: skip
