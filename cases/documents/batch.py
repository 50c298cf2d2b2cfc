"""A month's notices printed as one PDF (批量打印), for the paper file and the registry book.

A batch is a print run, not a document: it gets no number, no row and no chain event. Each
notice in it is rendered from the same notice row, so its text is the text of the notice's kept
document; the kept document (:mod:`cases.documents.issue`) stays the one that was served and
the one ``verify`` knows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.casework.queries import visible_cases
from cases.core.clock import shanghai_midnight_utc
from cases.core.errors import InvalidInput, NotFound
from cases.documents.notice import notice_paper
from cases.documents.renderer import DocumentMeta, Renderer
from cases.models import Authority, Case, Notice, User


def month_bounds(year: int, month: int) -> tuple[date, date]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise InvalidInput(
            f"月份无效：{year}-{month}（应为 2000-01 至 2100-12）",
            f"Invalid month {year}-{month} (2000-01 to 2100-12)",
        )
    first = date(year, month, 1)
    after = date(year + (month == 12), month % 12 + 1, 1)
    return first, after


def notices_of_month(session: Session, actor: User, year: int, month: int) -> list[int]:
    """The ids of the notices issued in that month (Asia/Shanghai) on cases ``actor`` may see,
    in number order."""
    first, after = month_bounds(year, month)
    return list(
        session.scalars(
            select(Notice.id)
            .join(Case, Case.id == Notice.case_id)
            .where(
                visible_cases(actor),
                Notice.issued_at >= shanghai_midnight_utc(first),
                Notice.issued_at < shanghai_midnight_utc(after),
            )
            .order_by(Notice.authority_id, Notice.year, Notice.serial)
        )
    )


def month_batch(
    session: Session, actor: User, year: int, month: int, renderer: Renderer
) -> tuple[bytes, int]:
    """The month's notices as one file, each starting on a new page; with how many.

    Raises:
        NotFound: no notice of that month that ``actor`` may see.
    """
    ids = notices_of_month(session, actor, year, month)
    if not ids:
        raise NotFound(
            f"{year}年{month}月没有可打印的执法通知书",
            f"No notices to print for {year}-{month:02d}",
        )
    pages = [notice_paper(session, notice_id)[1] for notice_id in ids]
    authority = session.get(Authority, actor.authority_id) if actor.authority_id else None
    meta = DocumentMeta(
        kind="notice-batch", title=f"{year}年{month}月执法通知书", number=f"共{len(ids)}份",
        authority=authority.name if authority else "", date=date(year, month, 1), case_id=None,
    )  # fmt: skip
    return renderer.render(pages, meta), len(ids)
