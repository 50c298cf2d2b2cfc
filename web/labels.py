"""English beside the domain's Chinese labels, for a page shown in English.

The read side hands the pages Chinese labels (``state_zh``, ``regime_zh``, ``kind_zh``…) resolved
from the vocabularies and the machine definitions, which carry the English beside them. This
module gathers every such pair once — the vocabularies' :class:`~cases.core.vocabulary.Labeled`
members, each machine's states, triggers and fields, the reference tables — plus the few labels
the domain writes in Chinese only (:data:`EXTRA`), and :func:`tr` picks the request's language at
the edge (templates call it as ``tr(row.state_zh)``). A text without an English counterpart (user
data: a unit's name, a finding's facts) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from functools import cache

from flask import Flask

from web.i18n import language

#: Labels the domain writes in Chinese only (its English, if any, is elsewhere in prose).
EXTRA: dict[str, str] = {
    # inspection results and signatures (cases/inspections)
    "符合": "Conforms",
    "不符合": "Does not conform",
    "不适用": "Not applicable",
    "签字确认": "Signed",
    "拒绝签字": "Refused to sign",
    # the unit's yearly self-report (cases/casework/portal)
    "待报送": "Due",
    "已报送": "Filed",
    "已登记拒报": "Refusal recorded",
    # the timeline's outcome of the superior's instructions
    "继续整改": "Continue rectification",
    # the deadline table (cases/casework/queries)
    "计时中": "Running",
    "是": "Yes",
    "否": "No",
    "上班": "Working day",
    "放假": "Holiday",
    "按进度": "On track",
    "落后": "Behind",
}


def _pairs_of_enums() -> Iterable[tuple[str, str]]:
    from cases.access.permissions import Duty
    from cases.core import vocabulary
    from cases.models.incidents import IncidentKind
    from cases.models.reference import CalendarSource
    from cases.plans.grading import Grade
    from cases.reference.data.specs import Certainty
    from cases.reference.timelimits import TimeUnit

    kinds: list[type[Enum]] = [Duty, IncidentKind, CalendarSource, Grade, Certainty]
    kinds += [
        v
        for v in vars(vocabulary).values()
        if isinstance(v, type) and issubclass(v, vocabulary.Labeled) and v is not vocabulary.Labeled
    ]
    for kind in kinds:
        for member in kind:
            yield getattr(member, "label_zh", ""), getattr(member, "label_en", "")
    for unit in TimeUnit:
        yield unit.label_zh, unit.label_en


def _pairs_of_machines() -> Iterable[tuple[str, str]]:
    from workflows import case_machine, inspection_machine, penalty_machine

    for machine in (case_machine, inspection_machine, penalty_machine):
        for state in machine.STATES:
            yield state.label_zh, state.label_en
        for trigger in machine.TRIGGER_SPECS:
            yield trigger.label_zh, trigger.label_en
            for f in trigger.fields:
                yield f.label_zh, f.label_en
    yield from case_machine.RECORD_LABELS.values()


def _pairs_of_tables() -> Iterable[tuple[str, str]]:
    from cases.casework.referrals import PERSON_ROLES
    from cases.complaints.intake import SOURCE_LABELS
    from cases.plans.compliance import LABELS, MONTH_STATUSES
    from cases.plans.publication import PROGRESS_STATUSES
    from cases.reference.data import (
        INSPECTION_KINDS,
        INSPECTION_METHODS,
        INSPECTION_SCOPES,
        REGIMES,
    )
    from cases.reference.data.penalties import PARTY_KINDS, SANCTION_KINDS
    from cases.registry.upkeep import UNIT_FLAGS
    from workflows.guards import INSTRUCTION_OUTCOMES, SERVICE_METHODS

    tables: list[Mapping[str, tuple[str, str]]] = [
        PERSON_ROLES, SOURCE_LABELS, LABELS, MONTH_STATUSES, PROGRESS_STATUSES, INSPECTION_KINDS,
        INSPECTION_METHODS, INSPECTION_SCOPES, REGIMES, PARTY_KINDS, SANCTION_KINDS, UNIT_FLAGS,
        INSTRUCTION_OUTCOMES, SERVICE_METHODS,
    ]  # fmt: skip
    for table in tables:
        for pair in table.values():
            yield pair[0], pair[1]


@cache
def table() -> dict[str, str]:
    """Every Chinese label with its English (the first one given, when two tables differ)."""
    out: dict[str, str] = {}
    for source in (_pairs_of_enums(), _pairs_of_machines(), _pairs_of_tables()):
        for zh, en in source:
            if zh and en and zh not in out:
                out[zh] = en[:1].upper() + en[1:]
    for zh, en in EXTRA.items():
        out.setdefault(zh, en)
    return out


def english(zh: str) -> str | None:
    """The English of a domain label, or ``None`` when the domain gives none."""
    return table().get(zh)


def tr(zh: object) -> object:
    """A domain label in the request's language; anything unknown (user data) as it is."""
    if not isinstance(zh, str) or language() != "en":
        return zh
    return table().get(zh, zh)


def time_limit(zh: str) -> str:
    """A time limit as the read side words it (``15日（自然日）``, ``10个工作日``, ``24小时``), in
    the request's language."""
    from cases.reference.timelimits import TimeLimit, TimeUnit

    digits = "".join(ch for ch in zh if ch.isascii() and ch.isdigit())
    if language() != "en" or not digits or len(digits) > 3:
        return zh
    for unit in TimeUnit:
        try:
            limit = TimeLimit(int(digits), unit)
        except ValueError:
            return zh
        if limit.describe_zh() == zh:
            return limit.describe_en()
    return zh


def deadline_status(row: object, case_state: str) -> str:
    """A deadline row's status (:class:`cases.casework.queries.DeadlineRow`) in the request's
    language: a pending one says whether it is running, as the read side does in Chinese."""
    from workflows.case_machine import STATE_LABELS

    zh = str(getattr(row, "status_zh", ""))
    if language() != "en":
        return zh
    if zh.startswith("暂不计时"):
        state = STATE_LABELS.get(case_state)
        label = state.label_en.lower() if state else case_state
        return f"Not running (the case is {label}; its end is not treated as overdue)"
    return str(tr(zh))


def install(app: Flask) -> None:
    """The pickers as template globals (after :func:`web.i18n.install`, whose language they read)."""
    app.jinja_env.globals.update(tr=tr, time_limit=time_limit, deadline_status=deadline_status)
