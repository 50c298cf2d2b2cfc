"""Making a document (制作执法文书) once, and handing out the same bytes ever after.

Decision: the bytes are *kept*, not re-rendered. A PDF carries its creation time and the fonts'
subsets, and the data behind it may later change (an officer's credential renewed, a unit
renamed): re-rendering would give a different file for the same number. So the first print of
a notice renders it, records the SM3 digest of those exact bytes on the case's hash chain
(a ``document_made`` event, same lock and version bump as any event) and keeps them; every
later print — the case page, the portal, the CLI, the batch — serves that row. A reprint is the
same document under the same number; the notice counter is never touched here.

The first print happens whenever someone first asks for the document (usually the inspector
printing it to serve). Making it inside the issuing transition would put a render (tens of ms
with HarfBuzz, a second without) into the door's hot path and every test that issues a notice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.casework.door import lock_case, record_case_event
from cases.casework.queries import visible_case
from cases.core.db import begin_command
from cases.core.errors import InvalidInput
from cases.core.settings import Settings, current_settings
from cases.documents.notice import notice_paper
from cases.documents.papers import circular_paper, receipt_paper, referral_paper, report_paper
from cases.documents.pdf import default_renderer
from cases.documents.renderer import DocumentMeta, Page, Renderer
from cases.documents.revisions import page_in_force
from cases.models import Document, User

Paper = Callable[[Session, int], tuple[object, Page, DocumentMeta]]


@dataclass(frozen=True)
class Kind:
    """One kind of document: its names, the version of its shipped template (1; revisions are
    :mod:`cases.documents.revisions`), and how its paper is made."""

    name: str
    label_zh: str
    label_en: str
    template_version: int
    paper: Paper


#: The kinds that can be made today, by the name used in URLs and the CLI.
KINDS: dict[str, Kind] = {
    "notice": Kind("notice", "档案监督检查执法通知书", "Enforcement notice", 1, notice_paper),
    "receipt": Kind("receipt", "送达回证", "Service receipt", 1, receipt_paper),
    "referral": Kind("referral", "处理建议书", "Referral", 1, referral_paper),
    "report": Kind("report", "报告", "Report", 1, report_paper),
    "circular": Kind("circular", "情况通报／通报批评", "Circular", 1, circular_paper),
}


def kind_of(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        known = "、".join(KINDS)
        raise InvalidInput(
            f"未知的文书种类：{name}（可用：{known}）",
            f"Unknown document kind: {name} (known: {', '.join(KINDS)})",
        )
    return kind


def sm3_hex(content: bytes) -> str:
    """SM3 (GB/T 32905) of the file's bytes, the digest the chain records."""
    return hashlib.new("sm3", content).hexdigest()


def renderer_for(settings: Settings) -> Renderer:
    return default_renderer(settings.font_dir)


def existing_document(session: Session, kind: str, source_id: int) -> Document | None:
    return session.scalar(
        select(Document).where(Document.kind == kind, Document.source_id == source_id)
    )


def document_of(
    session: Session,
    actor: User,
    kind_name: str,
    source_id: int,
    *,
    now: datetime,
    settings: Settings | None = None,
    renderer: Renderer | None = None,
) -> Document:
    """The document of ``kind_name`` made from row ``source_id``: the kept one, or made now.

    Flushes; never commits (the caller's edge does). Raises ``NotFound`` for a row that does
    not exist or a case ``actor`` may not see (the two look the same), ``InvalidInput`` for an
    unknown kind.
    """
    kind = kind_of(kind_name)
    _row, page, meta = kind.paper(session, source_id)
    assert meta.case_id is not None
    case = visible_case(session, actor, meta.case_id)  # NotFound outside the actor's scope
    kept = existing_document(session, kind.name, source_id)
    if kept is not None:
        return kept
    begin_command(session)
    lock_case(session, case.id)  # two first prints at once: the second finds the first's row
    kept = existing_document(session, kind.name, source_id)
    if kept is not None:
        return kept
    settings = settings or current_settings()
    renderer = renderer or renderer_for(settings)
    template_version, page = page_in_force(session, kind.name, page)
    content = renderer.render([page], meta)
    digest = sm3_hex(content)
    event = record_case_event(
        session, case.id, "document_made", actor, now=now,
        payload={
            "kind": kind.name, "source_id": source_id, "number": meta.number,
            "template_version": template_version, "media": renderer.media,
            "sm3": digest, "size": len(content),
        },
    )  # fmt: skip
    document = Document(
        case_id=case.id, kind=kind.name, source_id=source_id, number=meta.number,
        template_version=template_version, media=renderer.media, sm3=digest,
        size=len(content), content=content, event_seq=event.seq, made_at=now,
        made_by_id=actor.id,
    )  # fmt: skip
    session.add(document)
    session.flush()
    return document
