"""Checking and normalising what a client sends for an inspection record (ids, methods, item
outcomes, dates)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.errors import InvalidInput
from cases.inspections.checklists import ItemOutcome
from cases.models import ChecklistItem, Inspection
from cases.models.inspections import ITEM_RESULTS
from workflows.fields import Ids, clean
from workflows.inspection_machine import METHODS

#: The id lists a record takes from a caller, as typed fields: their labels name the field when
#: a value does not fit (a bare ``"12"`` is not the officers 1 and 2).
ID_FIELDS: dict[str, Ids] = {
    "officer_ids": Ids("officer_ids", "检查人员", "Officers"),
    "officers": Ids("officers", "检查人员", "Officers"),
    "credentials_shown": Ids(
        "credentials_shown", "已出示执法证件的人员", "Officers who showed credentials"
    ),
}


def parse_ids(values: Iterable[Any], name: str) -> list[int]:
    """``values`` as user ids, each once, in the order given (``workflows.fields.Ids``); a set or
    another collection counts as a list, text does not. Raises ``InvalidFields`` naming
    ``name``."""
    if values is None:
        raise InvalidInput(f"{name}须为人员编号列表", f"{name} must be a list of user ids")
    if isinstance(values, Iterable) and not isinstance(values, str | bytes | Mapping):
        values = list(values)
    field = ID_FIELDS.get(name) or Ids(name, name, name)
    return clean({name: field}, {name: values})[name]


# ---- input ------------------------------------------------------------------------------------


def normalise_record_input(
    session: Session, inspection: Inspection, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Check the shape of the data (unknown items, methods, results are invalid input, 422) and
    bring it to plain values; whether the record is complete is the guards' business."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "methods":
            out[key] = _methods(value)
        elif key == "outcomes":
            out[key] = _outcomes(session, inspection, value)
        elif key == "ended_on":
            out[key] = _day(value)
        elif key == "special_topic":
            out[key] = value or None  # checked against the vocabulary by the record's fields
        elif key == "credentials_shown":
            out[key] = parse_ids(value or (), key)
        else:
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"{key}须为文字", f"{key} must be text")
            out[key] = (value or "").strip()
    return out


def _methods(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput("检查方式须为列表", "methods must be a list")
    methods = list(dict.fromkeys(value))
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidInput(f"未知的检查方式：{unknown}", f"Unknown inspection methods: {unknown}")
    return methods


def _outcomes(session: Session, inspection: Inspection, value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise InvalidInput("检查结果须按检查项填写", "outcomes must map item codes to results")
    codes = set(
        session.scalars(
            select(ChecklistItem.code).where(ChecklistItem.checklist_id == inspection.checklist_id)
        )
    )
    unknown = sorted(set(value) - codes)
    if unknown:
        raise InvalidInput(f"检查项不存在：{'、'.join(unknown)}", f"Unknown items: {unknown}")
    out: dict[str, dict[str, Any]] = {}
    for code, raw in value.items():
        o = asdict(raw) if isinstance(raw, ItemOutcome) else dict(raw)
        result = o.get("result")
        if result not in ITEM_RESULTS:
            raise InvalidInput(
                f"{code}的检查结果须为符合、不符合或不适用",
                f"{code}: result must be one of {ITEM_RESULTS}",
            )
        flags = {k: bool(o.get(k)) for k in ("is_emergency", "is_serious")}
        if result != "nonconform" and any(flags.values()):
            raise InvalidInput(
                f"{code}：只有不符合项可以标记为紧急或严重",
                f"{code}: only a nonconforming item can be marked emergency or serious",
            )
        evidence = [str(e).strip() for e in o.get("evidence") or () if str(e).strip()]
        out[code] = {"result": result, "note": str(o.get("note") or "").strip(),
                     "evidence": evidence, **flags}  # fmt: skip
    return out


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"日期格式不正确：{value!r}", f"Not a date: {value!r}")
