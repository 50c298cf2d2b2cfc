"""The checks every free text of an incident or a self-report passes: present where required,
bounded, and free of control characters (``cases.core.text``)."""

from __future__ import annotations

from cases.core.text import control_character
from workflows.fields import InvalidFields
from workflows.rulebook import Refusal


def refused(zh: str, en: str, field: str | None) -> InvalidFields:
    """An ``InvalidInput`` that names the input it concerns (a form shows it beside it)."""
    return InvalidFields([Refusal(zh, en, field)])


def cleaned(
    value: str, *, field_zh: str, field_en: str, limit: int, required: bool,
    field: str | None = None,
) -> str:  # fmt: skip
    """``value`` stripped, or ``InvalidInput`` naming the field (``field``: the input's name, for
    a form) — nothing written."""
    value = (value or "").strip()
    if required and not value:
        raise refused(f"请填写{field_zh}", f"The {field_en} is required", field)
    if len(value) > limit:
        raise refused(
            f"{field_zh}不能超过{limit}字",
            f"The {field_en} may have at most {limit} characters",
            field,
        )
    if (found := control_character(value)) is not None:
        raise refused(
            f"{field_zh}含有不允许的控制字符 U+{ord(found):04X}",
            f"The {field_en} contains a control character",
            field,
        )
    return value
