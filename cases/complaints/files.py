"""A complaint's attachments, handed out only to those who may read the complaint.

A complaint names the person who made it and what they saw; its files are kept outside the web
root (``<instance>/attachments/<sha256>``, 0600) and leave only through :func:`attachment_of`,
which asks the permission function on the complaint itself — a complaint of another authority
is "not found", as a case of another authority is.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cases.access.permissions import Duty, can, require
from cases.complaints.intake import attachment_path
from cases.core.errors import NotFound
from cases.core.filetypes import kind_named
from cases.core.settings import Settings
from cases.core.uploads import Download
from cases.models import Complaint, User


def attachment_of(
    session: Session, actor: User, complaint_id: int, position: int, settings: Settings
) -> Download:
    """The ``position``-th (from 1) attachment of complaint ``complaint_id``, for ``actor``.

    Raises:
        NotAllowed: the actor's role may not read complaints.
        NotFound: no such complaint in the actor's scope, no such attachment, or its file gone.
    """
    require(actor, Duty.VIEW_COMPLAINTS)
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or not can(actor, Duty.VIEW_COMPLAINTS, complaint):
        raise NotFound(f"投诉举报{complaint_id}不存在", f"No complaint {complaint_id}")
    files = complaint.attachments or []
    if not 1 <= position <= len(files):
        raise NotFound(
            f"投诉举报{complaint_id}没有第{position}个附件",
            f"Complaint {complaint_id} has no attachment {position}",
        )
    stored = files[position - 1]
    path = attachment_path(settings, stored["sha256"])
    if not path.is_file():
        raise NotFound(
            f"附件“{stored['name']}”的文件缺失，请联系系统管理员从备份恢复",
            f"The file of attachment {stored['name']!r} is missing; restore it from a backup",
        )
    kind = kind_named(stored.get("type", ""))
    return Download(
        path, stored["name"], kind.mimetype if kind else "application/octet-stream",
        stored["size"], stored["sha256"],
    )  # fmt: skip
