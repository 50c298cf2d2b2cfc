"""A trigger's form, drawn from the trigger's own fields (workflows/fields.py): the labels, the
limits and the choices written once in the machine spec are the ones the page shows and the
ones the door checks, so they cannot drift apart.

:func:`form_fields` turns a trigger's fields, the values to show and the refusals to show beside
them into what the template draws; :func:`read_form` turns what the browser posted back into the
data the door cleans (a form posts strings; lists come as repeated names or one per line; a
``datetime-local`` has no offset and is Beijing time, the bureau's clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from cases.core.clock import to_shanghai
from workflows.fields import (
    Boolean,
    Choice,
    Choices,
    Date,
    DateTime,
    Field,
    Ids,
    Integer,
    Text,
    TextList,
)
from workflows.spec import Trigger

#: Texts longer than this get a text area rather than a line.
LINE_LIMIT = 200
#: What the page says about times typed without an offset.
BEIJING = "+08:00"


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    note: str = ""


@dataclass
class FormField:
    """One input as the template draws it."""

    name: str
    label: str
    widget: str  # line, area, number, select, checkboxes, lines, datetime, date, checkbox
    value: Any = None
    options: list[Option] = field(default_factory=list)
    limits: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def chosen(self) -> set[str]:
        """The values selected (for checkboxes and selects)."""
        if self.value is None:
            return set()
        if isinstance(self.value, list | tuple | set):
            return {str(v) for v in self.value}
        return {str(self.value)}


def _widget(f: Field, en: bool = False) -> tuple[str, dict[str, int], str]:
    if isinstance(f, Text):
        kind = "area" if f.max > LINE_LIMIT else "line"
        return (
            kind,
            {"maxlength": f.max},
            (f"At most {f.max} characters" if en else f"不超过{f.max}字"),
        )
    if isinstance(f, Integer):
        return "number", {"min": max(f.min, -(10**9)), "max": min(f.max, 10**9)}, ""
    if isinstance(f, Choice):
        return "select", {}, ""
    if isinstance(f, Choices | Ids):
        hint = f"At most {f.max_items}" if en else f"最多{f.max_items}项"
        return "checkboxes", {"max_items": f.max_items}, hint
    if isinstance(f, TextList):
        hint = (
            f"One per line, at most {f.max_items}, each at most {f.max} characters"
            if en
            else f"每行一项，最多{f.max_items}项，每项不超过{f.max}字"
        )
        return "lines", {"max_items": f.max_items, "maxlength": f.max}, hint
    if isinstance(f, DateTime):
        return "datetime", {}, "Beijing time" if en else "北京时间"
    if isinstance(f, Date):
        return "date", {}, ""
    if isinstance(f, Boolean):
        return "checkbox", {}, ""
    raise TypeError(f"no widget for {type(f).__name__} ({f.name})")


def _shown(f: Field, value: Any) -> Any:
    """A value as its input shows it."""
    if value is None:
        return None
    if isinstance(f, DateTime) and isinstance(value, datetime):
        return to_shanghai(value).strftime("%Y-%m-%dT%H:%M")
    if isinstance(f, Date) and isinstance(value, date):
        return value.isoformat()
    if isinstance(f, TextList) and isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return value


def form_fields(
    trigger: Trigger,
    values: Mapping[str, Any],
    errors: Mapping[str, Sequence[str]],
    options: Mapping[str, Iterable[Option]] | None = None,
    *,
    english: bool = False,
) -> list[FormField]:
    """The trigger's inputs in the spec's order, each with its value, its choices (from the
    spec, or ``options`` for ids such as the officers) and the refusals that concern it —
    labelled in English when ``english`` (the spec writes both)."""
    out = []
    for f in trigger.fields:
        widget, limits, hint = _widget(f, english)
        if isinstance(f, Choice | Choices):
            choices = [Option(code, en if english else zh) for code, (zh, en) in f.choices.items()]
        else:
            choices = list((options or {}).get(f.name, ()))
        out.append(
            FormField(
                f.name,
                f.label_en if english else f.label_zh,
                widget,
                _shown(f, values.get(f.name)),
                choices,
                limits,
                list(errors.get(f.name, ())),
                hint,
            )  # fmt: skip
        )
    return out


def read_form(trigger: Trigger, form: MultiDict[str, str]) -> dict[str, Any]:
    """What the browser posted for ``trigger``, as the door's data: only the trigger's own
    fields (anything else posted is ignored, the CSRF token and the version among it)."""
    data: dict[str, Any] = {}
    for f in trigger.fields:
        if isinstance(f, Choices | Ids):
            data[f.name] = [v for v in form.getlist(f.name) if v != ""]
            continue
        raw = form.get(f.name)
        if isinstance(f, Boolean):
            data[f.name] = raw is not None and raw != "false"
            continue
        if raw is None:
            continue
        if isinstance(f, TextList):
            data[f.name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif isinstance(f, DateTime):
            text = raw.strip()
            if text and len(text) <= 19 and "T" in text and "+" not in text:
                text += BEIJING if len(text) > 16 else f":00{BEIJING}"
            data[f.name] = text
        elif isinstance(f, Integer):
            data[f.name] = raw.strip() or None
        else:
            data[f.name] = raw
    return data


def posted_values(trigger: Trigger, form: MultiDict[str, str]) -> dict[str, Any]:
    """What the person typed, as the form shows it again beside a refusal (nothing they typed
    is lost to a refusal): lists as lists, the rest as the strings they sent."""
    values: dict[str, Any] = {}
    for f in trigger.fields:
        if isinstance(f, Choices | Ids):
            values[f.name] = form.getlist(f.name)
        elif isinstance(f, Boolean):
            values[f.name] = form.get(f.name) not in (None, "false")
        elif f.name in form:
            values[f.name] = form.get(f.name)
    return values
