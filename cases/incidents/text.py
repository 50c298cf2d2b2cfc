"""The checks every free text of an incident or a self-report passes: present where required,
bounded, and free of control characters (``cases.core.text``)."""

from __future__ import annotations

from cases.core.errors import InvalidInput
from cases.core.text import control_character


def cleaned(value: str, *, field_zh: str, field_en: str, limit: int, required: bool) -> str:
    """``value`` stripped, or ``InvalidInput`` naming the field (nothing written)."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{field_zh}", f"The {field_en} is required")
    if len(value) > limit:
        raise InvalidInput(
            f"{field_zh}不能超过{limit}字", f"The {field_en} may have at most {limit} characters"
        )
    if (found := control_character(value)) is not None:
        raise InvalidInput(
            f"{field_zh}含有不允许的控制字符 U+{ord(found):04X}",
            f"The {field_en} contains a control character",
        )
    return value
