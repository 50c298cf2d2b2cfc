"""文书模板的修订: a system administrator revises a kind's template as a new version.

Version 1 of each kind ships in ``cases/documents/templates``; a revision is stored as the next
version (``document_templates``, append-only) and is used for every document made after it. A
document already made keeps its bytes and names the version it was made with, so a revision
never changes what was served. A revision is checked before it is kept: it must parse in the
sandbox (no access to Python from a template), be at most :data:`MAX_TEMPLATE_CHARS` long, and
render with the data of its kind (a template naming a field the kind does not have is refused
with Jinja's own words).
"""

from __future__ import annotations

from datetime import datetime

from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.core.errors import InvalidInput
from cases.documents.pdf import REVISED, environment
from cases.documents.renderer import Page
from cases.models import DocumentTemplate, User

MAX_TEMPLATE_CHARS = 100_000
#: The shipped template of each kind (version 1).
SHIPPED = {
    "notice": "notice.html",
    "receipt": "receipt.html",
    "referral": "letter.html",
    "report": "letter.html",
    "circular": "letter.html",
}


_OFFICERS = [
    {"name": "张明", "credential_no": "冀鹿0001"},
    {"name": "李华", "credential_no": "冀鹿0002"},
]
_LETTER = {
    "authority": "石家庄市鹿泉区档案馆", "number": "案件1 处理建议书第1号", "title": "处理建议书",
    "recipient": "任免机关", "body": ["正文"], "list_lines": [], "closing": ["结语"],
    "date_zh": "2026年3月2日",
}  # fmt: skip
#: Data of each kind's shape that a revision must render (the keys its paper function gives).
SAMPLES: dict[str, dict[str, object]] = {
    "notice": {
        "authority": "石家庄市鹿泉区档案馆", "number": "鹿档执通〔2026〕1号", "unit": "鹿泉区教育局",
        "credit_code": "11130185000000001B", "inspected_on_zh": "2026年3月2日", "facts": ["事实"],
        "legal_basis": "《中华人民共和国档案法》第四十五条", "required_correction": ["要求"],
        "remedial_measures": [], "time_limit": "15个自然日", "due_zh": "2026年3月17日",
        "officers": _OFFICERS, "date_zh": "2026年3月2日",
    },
    "receipt": {
        "authority": "石家庄市鹿泉区档案馆", "document_title": "档案监督检查执法通知书",
        "number": "鹿档执通〔2026〕1号", "unit": "鹿泉区教育局", "credit_code": "11130185000000001B",
        "method": "直接送达", "served_at": "", "officers": _OFFICERS, "date_zh": "2026年3月2日",
    },
    "referral": _LETTER,
    "report": _LETTER,
    "circular": _LETTER,
}  # fmt: skip


def revised_name(kind: str, version: int) -> str:
    return f"revised/{kind}/v{version}.html"


def template_in_force(session: Session, kind: str) -> tuple[int, str | None]:
    """(version, revised source) of ``kind``'s newest template; source None: the shipped one."""
    row = session.scalar(
        select(DocumentTemplate)
        .where(DocumentTemplate.kind == kind)
        .order_by(DocumentTemplate.version.desc())
        .limit(1)
    )
    return (1, None) if row is None else (row.version, row.body)


def page_in_force(session: Session, kind: str, page: Page) -> tuple[int, Page]:
    """``page`` with the template in force for ``kind`` and that template's version."""
    version, source = template_in_force(session, kind)
    if source is None:
        return 1, page
    name = revised_name(kind, version)
    REVISED.setdefault(name, source)
    return version, Page(name, page.data)


def _refuse(zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"模板无效：{zh}", f"Invalid template: {en}")


def revise_template(
    session: Session, actor: User, kind: str, body: str, *, now: datetime
) -> DocumentTemplate:
    """Keep ``body`` as the next version of ``kind``'s template once it renders the kind's
    sample data (:data:`SAMPLES`). Flushes; never commits."""
    require(actor, Duty.MAINTAIN_REFERENCE_DATA)
    if kind not in SHIPPED:
        raise _refuse(f"未知的文书种类 {kind}", f"unknown document kind {kind}")
    if not body.strip():
        raise _refuse("内容为空", "it is empty")
    if len(body) > MAX_TEMPLATE_CHARS:
        raise _refuse(
            f"超过 {MAX_TEMPLATE_CHARS} 个字符", f"longer than {MAX_TEMPLATE_CHARS} characters"
        )
    if "\x00" in body:
        raise _refuse("含有 NUL 字符", "it contains a NUL character")
    try:
        environment.from_string(body).render(d=SAMPLES[kind])
    except TemplateError as exc:
        raise _refuse(f"无法使用（{exc}）", f"it does not render ({exc})") from exc
    last = session.scalar(
        select(func.max(DocumentTemplate.version)).where(DocumentTemplate.kind == kind)
    )
    row = DocumentTemplate(
        kind=kind, version=(last or 1) + 1, body=body, created_at=now, created_by_id=actor.id
    )
    session.add(row)
    session.flush()
    return row
