"""The system administrator's upkeep of the reference data (系统管理员): the checklists'
versions and the working-day calendar, asked of the one permission function
(:data:`Duty.MAINTAIN_REFERENCE_DATA`) and written to the audit log in the caller's transaction.

A checklist is never edited in place: an inspection (and the cases it opened) keeps the version it
was recorded with (``inspections.checklist_id``), so a change is a new version, made from the
latest, taking effect on a day not in the past and not before the latest's — the inspections of
that day on use it (:func:`cases.inspections.checklists.current_checklist`). Every function
flushes and never commits; on :class:`InvalidInput` nothing has been written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cases.access.permissions import Duty, require
from cases.accounts.administration import Actor
from cases.accounts.audit import SUCCESS, audit
from cases.core.clock import local_date
from cases.core.errors import InvalidInput
from cases.core.text import control_character
from cases.core.vocabulary import Regime
from cases.models import ChecklistItem, ChecklistVersion
from cases.reference.calendar import enter_year_schedule

#: A checklist item's code (EA-1, AS-12): letters, digits, ``.``, ``-``, ``_``.
ITEM_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
#: The most items a version may hold (the seed's have 5 to 9).
MAX_ITEMS = 200


@dataclass(frozen=True)
class ItemDraft:
    """One item of a new version, as the administrator wrote it."""

    code: str
    title_zh: str
    title_en: str = ""
    scope_zh: str = ""
    scope_en: str = ""
    text_zh: str = ""
    information_security: bool = False


def _regime(regime: str) -> Regime:
    try:
        return Regime(regime)
    except ValueError:
        choices = "、".join(r.label_zh for r in Regime)
        raise InvalidInput(f"监管事项须为{choices}之一", f"Unknown regime: {regime!r}") from None


def checklists(session: Session, actor: Actor) -> dict[Regime, list[ChecklistVersion]]:
    """Each regime's versions with their items, the latest first."""
    require(actor.user, Duty.MAINTAIN_REFERENCE_DATA)
    rows = session.scalars(
        select(ChecklistVersion)
        .options(selectinload(ChecklistVersion.items))
        .order_by(ChecklistVersion.regime, ChecklistVersion.version.desc())
    ).all()
    out: dict[Regime, list[ChecklistVersion]] = {r: [] for r in Regime}
    for row in rows:
        out[Regime(row.regime)].append(row)
    return out


def latest_version(session: Session, regime: str) -> ChecklistVersion | None:
    return session.scalars(
        select(ChecklistVersion)
        .where(ChecklistVersion.regime == _regime(regime).value)
        .order_by(ChecklistVersion.version.desc())
        .limit(1)
    ).first()


def _text(value: str, zh: str, en: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{zh}", f"Give {en}")
    if len(text) > limit:
        raise InvalidInput(f"{zh}不能超过{limit}个字", f"{en} is longer than {limit} characters")
    if (found := control_character(text)) is not None:
        raise InvalidInput(
            f"{zh}含有不允许的控制字符 U+{ord(found):04X}",
            f"{en} holds a control character U+{ord(found):04X}",
        )
    return text


def _items(drafts: Sequence[ItemDraft]) -> list[ItemDraft]:
    if not drafts:
        raise InvalidInput("新版本至少要有一个检查事项", "A version needs at least one item")
    if len(drafts) > MAX_ITEMS:
        raise InvalidInput(
            f"检查事项不能超过{MAX_ITEMS}项", f"A version holds at most {MAX_ITEMS} items"
        )
    seen: set[str] = set()
    out = []
    for n, d in enumerate(drafts, start=1):
        code = (d.code or "").strip()
        where_zh, where_en = f"第{n}项", f"item {n}"
        if not ITEM_CODE.fullmatch(code):
            raise InvalidInput(
                f"{where_zh}的代码“{code}”无效：须为1至20个字母、数字或 . _ -",
                f"{where_en}: the code {code!r} must be 1–20 letters, digits or . _ -",
            )
        if code in seen:
            raise InvalidInput(f"检查事项代码{code}重复", f"The item code {code} is given twice")
        seen.add(code)
        where_zh, where_en = f"第{n}项（{code}）", f"item {n} ({code})"
        out.append(
            ItemDraft(
                code=code,
                title_zh=_text(
                    d.title_zh, f"{where_zh}的标题", f"{where_en}'s title", 200, required=True
                ),  # fmt: skip
                title_en=_text(
                    d.title_en, f"{where_zh}的英文标题", f"{where_en}'s English title", 200
                ),  # fmt: skip
                scope_zh=_text(d.scope_zh, f"{where_zh}的检查范围", f"{where_en}'s scope", 200),
                scope_en=_text(
                    d.scope_en, f"{where_zh}的英文检查范围", f"{where_en}'s English scope", 200
                ),  # fmt: skip
                text_zh=_text(d.text_zh, f"{where_zh}的检查内容", f"{where_en}'s text", 4000),
                information_security=bool(d.information_security),
            )
        )
    return out


def new_checklist_version(
    session: Session,
    actor: Actor,
    regime: str,
    *,
    effective_from: date | None,
    title_zh: str,
    title_en: str,
    items: Sequence[ItemDraft],
    now: datetime,
) -> ChecklistVersion:
    """The regime's next version (latest + 1), in force from ``effective_from`` — today or later,
    and not before the latest version's day. Old inspections keep the version they used."""
    require(actor.user, Duty.MAINTAIN_REFERENCE_DATA)
    found = _regime(regime)
    latest = latest_version(session, found.value)
    today = local_date(now)
    if effective_from is None:
        raise InvalidInput("请填写生效日期", "Give the day the version takes effect")
    if effective_from < today:
        raise InvalidInput(
            f"生效日期{effective_from}早于今天（{today}）：新版本不能追溯生效",
            f"The effective date {effective_from} is before today ({today}): a version cannot "
            "take effect in the past",
        )
    if latest is not None and effective_from < latest.effective_from:
        raise InvalidInput(
            f"生效日期{effective_from}早于现行第{latest.version}版的生效日期"
            f"{latest.effective_from}",
            f"The effective date {effective_from} is before version {latest.version}'s "
            f"({latest.effective_from})",
        )
    title_zh = _text(title_zh, "清单标题", "the checklist's title", 200, required=True)
    title_en = _text(title_en, "清单英文标题", "the checklist's English title", 200)
    drafts = _items(items)
    version = ChecklistVersion(
        regime=found.value, version=(latest.version if latest else 0) + 1,
        effective_from=effective_from, title_zh=title_zh, title_en=title_en,
    )  # fmt: skip
    version.items = [
        ChecklistItem(
            code=d.code,
            position=n,
            scope_zh=d.scope_zh,
            scope_en=d.scope_en,
            title_zh=d.title_zh,
            title_en=d.title_en,
            text_zh=d.text_zh,
            information_security=d.information_security,
        )  # fmt: skip
        for n, d in enumerate(drafts, start=1)
    ]
    session.add(version)
    session.flush()
    before = {i.code for i in latest.items} if latest else set()
    after = {d.code for d in drafts}
    audit(
        session, actor.user, "checklist_version_created",
        f"checklist:{found.value}:v{version.version}", SUCCESS, actor.address, now,
        {"regime": found.value, "version": version.version,
         "effective_from": effective_from.isoformat(), "items": len(drafts),
         "added": sorted(after - before), "removed": sorted(before - after),
         "from_version": latest.version if latest else None},
    )  # fmt: skip
    return version


def enter_calendar(
    session: Session,
    actor: Actor,
    *,
    year: int,
    holidays: Mapping[date, str],
    workdays: Mapping[date, str],
    published_on: date | None,
    now: datetime,
    replace: bool = False,
) -> int:
    """A year's State Council schedule (:func:`cases.reference.calendar.enter_year_schedule`),
    audited as ``calendar_enter`` like the command's; returns the deadlines recomputed."""
    recomputed = enter_year_schedule(
        session, year=year, holidays=holidays, workdays=workdays, actor=actor.user,
        published_on=published_on, now=now, replace=replace,
    )  # fmt: skip
    audit(session, actor.user, "calendar_enter", f"calendar:{year}", SUCCESS, actor.address, now,
          {"replace": replace, "published_on": published_on.isoformat() if published_on else None,
           "holidays": len(holidays), "workdays": len(workdays),
           "recomputed": recomputed})  # fmt: skip
    return recomputed
