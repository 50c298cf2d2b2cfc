"""Is this file one of ours, and intact? (``oversight documents verify FILE``)

The SM3 digest of the file's bytes is looked up among the issued documents; a match is then
checked against the case's hash chain: the ``document_made`` event at the row's ``seq`` must
record the same digest, and the case's chain must verify under the keyring. A file changed by a
single byte has another digest and matches nothing: it is not ours (whatever its text claims).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.chain import verify_chain
from cases.core.chainkeys import Keyring, writing_keyring
from cases.documents.issue import sm3_hex
from cases.models import Case, Document, Event


@dataclass(frozen=True)
class Verdict:
    """``ours`` only when the digest is on record and its chain event agrees."""

    ours: bool
    sm3: str
    reason_zh: str
    reason_en: str
    document: Document | None = None

    @property
    def message(self) -> str:
        return f"{self.reason_zh} ({self.reason_en})"


def verify_document(session: Session, content: bytes, keyring: Keyring | None = None) -> Verdict:
    digest = sm3_hex(content)
    document = session.scalar(select(Document).where(Document.sm3 == digest))
    if document is None:
        return Verdict(
            False, digest,
            f"不是本系统出具的文书，或已被改动：SM3 {digest} 与任何已出具文书均不符",
            f"not a document issued here, or altered: SM3 {digest} matches no issued document",
        )  # fmt: skip
    event = session.scalar(
        select(Event).where(Event.case_id == document.case_id, Event.seq == document.event_seq)
    )
    recorded = json.loads(event.payload).get("sm3") if event is not None else None
    where_zh = f"案件{document.case_id}第{document.event_seq}号事件"
    where_en = f"case {document.case_id}, event {document.event_seq}"
    if event is None or event.trigger != "document_made" or recorded != digest:
        return Verdict(
            False, digest,
            f"文书{document.number}的记录与事件链不符（{where_zh}）",
            f"document {document.number} disagrees with its chain ({where_en})",
            document,
        )  # fmt: skip
    case = session.get_one(Case, document.case_id)
    events = session.scalars(
        select(Event).where(Event.case_id == case.id).order_by(Event.seq)
    ).all()
    breaks = list(
        verify_chain(
            case.id,
            case.chain_algorithm,
            case.chain_seq,
            case.chain_head,
            events,
            keyring or writing_keyring(),
            None,
        )  # fmt: skip
    )
    if breaks:
        return Verdict(
            False, digest,
            f"文书{document.number}属于{where_zh}，但该案件的事件链校验失败：{breaks[0]}",
            f"document {document.number} belongs to {where_en}, but that chain fails: {breaks[0]}",
            document,
        )  # fmt: skip
    return Verdict(
        True, digest,
        f"本系统出具的文书，完整无改动：{document.number}，{where_zh}（制作执法文书）",
        f"issued here and intact: {document.number}, {where_en} (document made)",
        document,
    )  # fmt: skip
