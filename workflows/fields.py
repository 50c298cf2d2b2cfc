"""Typed, bounded inputs: what a trigger's data may look like, checked before the machine runs.

Each trigger of a machine spec lists its fields (:class:`Text`, :class:`Integer`, …), with their
Chinese and English labels and their bounds written beside them. :func:`clean` checks a trigger's
data against them before anything is read or written, and returns the cleaned values (text
stripped, numbers as ``int``, times as aware ``datetime``) or raises :class:`InvalidFields` —
an ``InvalidInput`` (422) naming every bad field in Chinese and English.

The field layer checks shape and size only. Whether a value is *enough* — facts stated, two
officers named, a lawful time limit of 1–365 days — is a rule of the machine and stays in its
guards, with their own reasons. So every field accepts ``None`` (not given), and the guards say
what is missing.

Forms post strings: :class:`Integer`, :class:`Ids`, :class:`DateTime`, :class:`Date` and
:class:`Boolean` accept the canonical string form of their value too (written on each).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from typing import Any

from cases.core.errors import InvalidInput
from cases.core.text import control_character
from workflows.rulebook import Refusal

INT4_MIN = -(2**31)
INT4_MAX = 2**31 - 1


class _Bad(Exception):
    """One field's problem, worded for the field (the label is added by :meth:`Field.refusal`)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class InvalidFields(InvalidInput):
    """The data of a trigger does not fit its fields; ``refusals`` names each field at fault."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        super().__init__("；".join(r.zh for r in refusals), "; ".join(r.en for r in refusals))
        self.refusals = tuple(refusals)

    def as_dict(self) -> dict[str, object]:
        out = super().as_dict()
        out["fields"] = [{"field": r.field, "zh": r.zh, "en": r.en} for r in self.refusals]
        return out


@dataclass(frozen=True)
class Field:
    """One input of a trigger: its name in the data and its labels (中文, English)."""

    name: str
    label_zh: str
    label_en: str

    def clean(self, value: Any) -> Any:
        """The cleaned value, or :class:`_Bad`; ``None`` (not given) passes as ``None``."""
        raise NotImplementedError

    def refusal(self, bad: _Bad) -> Refusal:
        return Refusal(
            f"{self.label_zh}{bad.zh}", f"{self.label_en} ({self.name}) {bad.en}", self.name
        )


def _plain_text(value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise _Bad(f"须为文字，实际为{type(value).__name__}", f"must be text, got {_kind(value)}")
    bad = control_character(value)
    if bad == "\x00":
        raise _Bad("含有不允许的空字符（NUL）", "contains a NUL character")
    if bad is not None:
        raise _Bad(
            f"含有不允许的控制字符（U+{ord(bad):04X}）",
            f"contains a control character (U+{ord(bad):04X})",
        )
    text = value.strip()
    if len(text) > max_length:
        raise _Bad(
            f"不能超过{max_length}字（实际{len(text)}字）",
            f"must be at most {max_length} characters ({len(text)} given)",
        )
    return text


def _kind(value: Any) -> str:
    return type(value).__name__


@dataclass(frozen=True)
class Text(Field):
    """Text, stripped, at most ``max`` characters, without NUL (PostgreSQL refuses it in text) or
    another control character (:func:`cases.core.text.control_character`)."""

    max: int = 2000

    def clean(self, value: Any) -> str | None:
        return None if value is None else _plain_text(value, self.max)


_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad("须为整数，不能是是否值", "must be a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise _Bad(f"须为整数，实际为{value!r}", f"must be a whole number, got {value!r}")
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise _Bad(f"须为整数，实际为{value!r:.40}", f"must be a whole number, got {value!r:.40}")


@dataclass(frozen=True)
class Integer(Field):
    """A whole number in ``min``..``max`` (by default what a PostgreSQL ``integer`` holds).

    Accepted: an ``int`` (not ``bool``), a ``float`` without a fraction (``15.0`` from JSON), and
    a string of ASCII decimal digits with an optional sign (``"15"``, as a form posts it); an
    empty string is "not given". Refused: ``2.5``, ``"2.5"``, ``"15天"``, ``True``."""

    min: int = INT4_MIN
    max: int = INT4_MAX

    def clean(self, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number = _integer(value)
        if not self.min <= number <= self.max:
            raise _Bad(
                f"须在{self.min}至{self.max}之间（实际为{number}）",
                f"must be between {self.min} and {self.max} ({number} given)",
            )
        return number


def _codes(choices: Iterable[str]) -> str:
    return "、".join(choices)


@dataclass(frozen=True)
class Choice(Field):
    """One code of a closed vocabulary (``choices``: code → (中文, English)); ``""`` is not given."""

    choices: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def clean(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or value not in self.choices:
            raise _Bad(
                f"须为以下之一：{_codes(self.choices)}（实际为{value!r:.40}）",
                f"must be one of {', '.join(self.choices)} (got {value!r:.40})",
            )
        return value


def _sequence(value: Any, max_items: int) -> Sequence[Any]:
    """A list (or tuple) of at most ``max_items``; a bare string is not a list of its letters."""
    if not isinstance(value, list | tuple):
        raise _Bad(f"须为列表，实际为{_kind(value)}", f"must be a list, got {_kind(value)}")
    if len(value) > max_items:
        raise _Bad(
            f"不能超过{max_items}项（实际{len(value)}项）",
            f"must have at most {max_items} items ({len(value)} given)",
        )
    return value


@dataclass(frozen=True)
class Choices(Field):
    """Several codes of a closed vocabulary, each kept once, in the order given; the list as sent
    has at most ``max_items`` entries (repeats included)."""

    choices: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    max_items: int = 20

    def clean(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        items = _sequence(value, max(self.max_items, len(self.choices)))
        unknown = [repr(v) for v in items if not isinstance(v, str) or v not in self.choices]
        if unknown:
            raise _Bad(
                f"含未知取值：{_codes(unknown)}（可选：{_codes(self.choices)}）",
                f"has unknown values: {', '.join(unknown)} (one of {', '.join(self.choices)})",
            )
        return list(dict.fromkeys(items))

    def refusal(self, bad: _Bad) -> Refusal:
        # "Unknown inspection methods (methods): …" reads better than "… (methods) has unknown …"
        if bad.en.startswith("has unknown values: "):
            rest = bad.en.removeprefix("has unknown values: ")
            return Refusal(
                f"未知的{self.label_zh}：{bad.zh.removeprefix('含未知取值：')}",
                f"Unknown {self.label_en.lower()} ({self.name}): {rest}",
                self.name,
            )
        return super().refusal(bad)


@dataclass(frozen=True)
class TextList(Field):
    """A list of at most ``max_items`` texts, each stripped and at most ``max`` characters.
    A bare string is refused (``"制度文本.pdf"`` is not a list of eight file names)."""

    max_items: int = 20
    max: int = 255

    def clean(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        out = []
        for n, item in enumerate(_sequence(value, self.max_items), start=1):
            try:
                out.append(_plain_text(item, self.max))
            except _Bad as bad:
                raise _Bad(f"第{n}项{bad.zh}", f"item {n} {bad.en}") from None
        return out


@dataclass(frozen=True)
class Ids(Field):
    """Record ids (e.g. officers): a list of at most ``max_items`` whole numbers in 1..2³¹−1
    (``"12"`` from a form too). Each id is kept once, in the order given: naming an officer twice
    names one officer, and the guards count what remains."""

    max_items: int = 20

    def clean(self, value: Any) -> list[int] | None:
        if value is None:
            return None
        ids = []
        for n, item in enumerate(_sequence(value, self.max_items), start=1):
            try:
                number = _integer(item)
            except _Bad:
                raise _Bad(
                    f"第{n}项须为编号（正整数），实际为{item!r:.40}",
                    f"item {n} must be an id (a positive whole number), got {item!r:.40}",
                ) from None
            if not 1 <= number <= INT4_MAX:
                raise _Bad(
                    f"第{n}项不是有效编号：{number}", f"item {n} is not a valid id: {number}"
                )
            ids.append(number)
        return list(dict.fromkeys(ids))


_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class DateTime(Field):
    """An instant: an aware ``datetime``, or an ISO 8601 string with its offset
    (``2026-03-02T09:30:00+08:00``, ``…Z``). A time without an offset is refused: it could be
    Beijing time or UTC, eight hours apart."""

    def clean(self, value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise _Bad("须注明时区", "must state its time zone")
            return value
        if isinstance(value, str) and _DATETIME.fullmatch(value.strip()):
            try:
                return datetime.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _Bad(
            f"须为带时区的日期时间（如2026-03-02T09:30:00+08:00），实际为{value!r:.40}",
            f"must be a date and time with its offset "
            f"(e.g. 2026-03-02T09:30:00+08:00), got {value!r:.40}",
        )


@dataclass(frozen=True)
class Date(Field):
    """A calendar day: a ``date`` (not a ``datetime``) or the string ``YYYY-MM-DD``."""

    def clean(self, value: Any) -> date | None:
        if value is None or value == "":
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and _DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _Bad(
            f"须为日期（YYYY-MM-DD），实际为{value!r:.40}",
            f"must be a date (YYYY-MM-DD), got {value!r:.40}",
        )


_TRUE = {"true", "1", "on"}
_FALSE = {"false", "0", "off"}


@dataclass(frozen=True)
class Boolean(Field):
    """Yes or no: a ``bool``, or what a form posts for it (``"true"``/``"false"``, ``"on"``/
    ``"off"``, ``"1"``/``"0"``)."""

    def clean(self, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _Bad(f"须为是或否，实际为{value!r:.40}", f"must be true or false, got {value!r:.40}")


#: One checklist item's outcome, field by field (see ``ItemOutcome`` in the inspections package).
_OUTCOME_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Text("result", "检查结果", "result", max=32),
        Text("note", "说明", "note", max=2000),
        TextList("evidence", "证明材料", "evidence", max_items=20, max=255),
        Boolean("is_emergency", "紧急情况", "emergency"),
        Boolean("is_serious", "严重问题", "serious"),
    )
}


@dataclass(frozen=True)
class ItemOutcomes(Field):
    """Checklist item code → what was found (result, note, evidence, emergency/serious flags),
    for at most ``max_items`` items. Whether the codes and results exist in the record's checklist
    is checked against the database by the inspections package."""

    max_items: int = 500

    def clean(self, value: Any) -> dict[str, dict[str, Any]] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise _Bad("须按检查项填写", f"must map item codes to results, got {_kind(value)}")
        if len(value) > self.max_items:
            raise _Bad(
                f"不能超过{self.max_items}项（实际{len(value)}项）",
                f"must have at most {self.max_items} items ({len(value)} given)",
            )
        return {self._code(code): self._outcome(code, raw) for code, raw in value.items()}

    @staticmethod
    def _code(code: Any) -> str:
        if not isinstance(code, str) or not code.strip() or len(code) > 32:
            raise _Bad(f"检查项编号无效：{code!r:.40}", f"has an invalid item code: {code!r:.40}")
        return code

    @staticmethod
    def _outcome(code: str, raw: Any) -> dict[str, Any]:
        if is_dataclass(raw) and not isinstance(raw, type):
            raw = asdict(raw)
        if not isinstance(raw, Mapping):
            raise _Bad(f"{code}的检查结果格式不正确", f"{code}: must be a result with its note")
        unknown = sorted(set(raw) - set(_OUTCOME_FIELDS))
        if unknown:
            raise _Bad(
                f"{code}含不接受的内容：{_codes(map(str, unknown))}",
                f"{code}: unexpected {', '.join(map(str, unknown))}",
            )
        out = {}
        for key, item in raw.items():
            inner = _OUTCOME_FIELDS[key]
            try:
                out[key] = inner.clean(item)
            except _Bad as bad:
                raise _Bad(
                    f"{code}的{inner.label_zh}{bad.zh}", f"{code}: {inner.label_en} {bad.en}"
                ) from None
        return out


def unexpected(names: Iterable[str]) -> InvalidInput:
    """The refusal of data a trigger does not accept at all (``state``, ``officer_ids`` on a record)."""
    unknown = sorted(names)
    return InvalidInput(
        f"不接受的字段：{'、'.join(unknown)}", f"Unexpected fields: {', '.join(unknown)}"
    )


def clean(fields: Mapping[str, Field], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` checked against ``fields`` (name → field): the cleaned values, in the order given.

    Raises ``InvalidInput`` for a name no field has, and :class:`InvalidFields` naming every field
    whose value does not fit. Reads nothing and writes nothing."""
    unknown = [name for name in data if name not in fields]
    if unknown:
        raise unexpected(unknown)
    out: dict[str, Any] = {}
    refusals: list[Refusal] = []
    for name, value in data.items():
        f = fields[name]
        try:
            out[name] = f.clean(value)
        except _Bad as bad:
            refusals.append(f.refusal(bad))
    if refusals:
        raise InvalidFields(refusals)
    return out
