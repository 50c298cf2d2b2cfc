"""Saved filters of the case list (保存的筛选): kept on the server, shareable within the authority.

A filter keeps only the case list's own parameters — 状态 (state), 单位 (unit) and part of the
unit's name — normalised into a query string, so a saved link opens the list exactly as it was
and nothing else can ride along in it. A shared filter is seen by the owner's colleagues of the
same authority (never another authority's, never a unit's liaison): what each of them sees on
opening it is still only what the list shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, can, require
from cases.core.clock import ensure_utc
from cases.core.errors import InvalidInput, NotAllowed, NotFound
from cases.core.writes import add_object
from cases.models import SavedFilter, User
from workflows.case_machine import STATE_LABELS

__all__ = ["NAME_LIMIT", "OWN_LIMIT", "FilterRow", "delete_filter", "filters_for", "save_filter"]

NAME_LIMIT = 60
#: A person keeps at most this many filters: a home page lists them all.
OWN_LIMIT = 30
#: The list's parameters a filter keeps, in the order its query string writes them.
KEYS = ("state", "unit", "q")


@dataclass(frozen=True)
class FilterRow:
    id: int
    name: str
    query: str
    shared: bool
    owner_name: str
    mine: bool


def normalised(params: dict[str, str]) -> str:
    """The list's parameters as a query string in a fixed order; raises ``InvalidInput`` for an
    unknown state, a unit that is not a number, or no filter at all."""
    kept: dict[str, str] = {}
    state = params.get("state", "").strip()
    if state:
        if state not in STATE_LABELS:
            raise InvalidInput("未知的案件状态，无法保存", "Unknown case state: not saved")
        kept["state"] = state
    unit = params.get("unit", "").strip()
    if unit:
        if not unit.isdigit() or len(unit) > 12:
            raise InvalidInput("单位编号应为正整数，无法保存", "The unit must be a number")
        kept["unit"] = str(int(unit))
    name = " ".join(params.get("q", "").split())[:100]
    if name:
        kept["q"] = name
    if not kept:
        raise InvalidInput("当前没有筛选条件，无需保存", "There is no filter to save")
    return urlencode([(k, kept[k]) for k in KEYS if k in kept])


def save_filter(
    session: Session,
    actor: User,
    *,
    name: str,
    params: dict[str, str],
    shared: bool,
    now: datetime,
) -> SavedFilter:
    """Keep the list's present filter under ``name`` for ``actor``."""
    require(
        actor, Duty.SAVE_FILTERS,
        message=("只有档案机关的工作人员可以保存筛选", "Only authority staff save filters"),
    )  # fmt: skip
    if actor.authority_id is None:
        raise NotAllowed("只有档案机关的工作人员可以保存筛选", "Only authority staff save filters")
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("请为筛选起个名称", "Give the filter a name")
    if len(name) > NAME_LIMIT:
        raise InvalidInput(
            f"名称不超过{NAME_LIMIT}个字", f"The name is at most {NAME_LIMIT} characters"
        )
    query = normalised(params)
    own = session.scalars(select(SavedFilter).where(SavedFilter.owner_id == actor.id)).all()
    if any(f.name == name for f in own):
        raise InvalidInput(f"已有名为“{name}”的筛选", f"A filter named {name!r} exists")
    if len(own) >= OWN_LIMIT:
        raise InvalidInput(
            f"最多保存{OWN_LIMIT}个筛选，请先删除不用的", f"At most {OWN_LIMIT} saved filters"
        )
    row = SavedFilter(
        owner_id=actor.id, authority_id=actor.authority_id, name=name, query=query,
        shared=shared, created_at=ensure_utc(now),
    )  # fmt: skip
    add_object(session, row, flush=True)
    return row


def filters_for(session: Session, actor: User) -> list[FilterRow]:
    """``actor``'s own filters and those their authority's colleagues share, own first."""
    if not can(actor, Duty.SAVE_FILTERS) or actor.authority_id is None:
        return []
    rows = session.execute(
        select(SavedFilter, User.display_name)
        .join(User, SavedFilter.owner_id == User.id)
        .where(
            or_(
                SavedFilter.owner_id == actor.id,
                (SavedFilter.authority_id == actor.authority_id) & SavedFilter.shared,
            )
        )
        .order_by(SavedFilter.owner_id != actor.id, SavedFilter.name, SavedFilter.id)
        .limit(OWN_LIMIT * 4)
    ).all()
    return [
        FilterRow(f.id, f.name, f.query, f.shared, owner, f.owner_id == actor.id)
        for f, owner in rows
    ]


def delete_filter(session: Session, actor: User, filter_id: int) -> None:
    """Delete one of ``actor``'s own filters; anyone else's is not found."""
    row = session.get(SavedFilter, filter_id)
    if row is None or row.owner_id != actor.id:
        raise NotFound("没有这个筛选，或它不是你保存的", "No such filter of yours")
    session.delete(row)
    session.flush()
