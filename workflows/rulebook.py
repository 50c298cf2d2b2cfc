"""What both machines (case, inspection record) are written with: a state with its labels, a
refusal, how a guard becomes a condition of the shared ``transitions`` rulebook, and the digest
that pins a machine's definition to its version number.

A guard is a plain function ``(context, data) -> tuple[Refusal, ...]``: an empty tuple means yes,
and every refusal carries its Chinese and English reason. So a guard can be tested on any small
object that has the attributes it reads, and the UI can ask it the same question the door asks.
The door never sees a guard directly: :func:`condition` adapts it to a ``transitions`` condition
that notes each refusal on the context (``context.refuse(zh, en, field)``) and answers ``False``;
the door raises ``GuardFailed(context.refusals)``, which keeps the field a refusal names.

A stored case or inspection record names the machine version it was opened under; if the table
of states, transitions or roles changes without a new version, old records would silently follow
new rules. Each machine keeps ``KNOWN_DIGESTS[version]`` and a test compares it with this."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from transitions import EventData


@dataclass(frozen=True)
class StateInfo:
    name: str
    label_zh: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """One reason a guard (or an input field) says no, in Chinese and English.

    ``field`` names the input the reason concerns (``"facts"``), so a form can show it beside that
    field; ``None`` when it concerns the case or record as a whole. A refusal unpacks as the
    ``(zh, en)`` pair every error of the service layer takes: ``zh, en = refusal``."""

    zh: str
    en: str
    field: str | None = None

    @property
    def pair(self) -> tuple[str, str]:
        return (self.zh, self.en)

    def __iter__(self) -> Iterator[str]:
        return iter((self.zh, self.en))


Refusals = tuple[Refusal, ...]

#: ``(context, data) -> refusals``: a rule of the machine; an empty tuple means yes.
Guard = Callable[[Any, Mapping[str, Any]], Refusals]
#: ``(context, data) -> bool``: picks one of a trigger's edges without refusing anything.
Selector = Callable[[Any, Mapping[str, Any]], bool]

NO: Refusals = ()


def refuse(zh: str, en: str, field: str | None = None) -> Refusals:
    """One refusal, as a guard returns it: ``return refuse("请填写理由", "A reason is required")``."""
    return (Refusal(zh, en, field),)


class Refusing(Protocol):
    """What a context offers the adapted guards: a place to note why the machine said no, and
    beside which input (``field``; ``None`` for the case or record as a whole)."""

    def refuse(self, zh: str, en: str, field: str | None = None) -> None: ...


def condition(guard: Guard) -> Callable[[EventData], bool]:
    """``guard`` as a ``transitions`` condition: each refusal is noted on the context
    (``event.model``) with ``refuse(zh, en, field)``, and the condition holds when there is
    none."""

    def check(event: EventData) -> bool:
        refusals = guard(event.model, event.kwargs)
        if not refusals:
            return True
        note = event.model.refuse
        for r in refusals:
            note(r.zh, r.en, r.field)
        return False

    check.__name__ = getattr(guard, "__name__", "guard")
    check.__doc__ = guard.__doc__
    return check


def selection(select: Selector) -> Callable[[EventData], bool]:
    """``select`` as a silent ``transitions`` condition (it notes no refusal)."""

    def check(event: EventData) -> bool:
        return select(event.model, event.kwargs)

    check.__name__ = getattr(select, "__name__", "selector")
    check.__doc__ = select.__doc__
    return check


def qualified_name(function: Callable[..., Any]) -> str:
    """``module.name`` of a guard or selector: how the definition (and its digest) names it."""
    return f"{function.__module__}.{function.__name__}"


def definition_digest(
    states: Iterable[str], transitions: Iterable[Mapping[str, Any]], who_may: Mapping[str, Any]
) -> str:
    """SHA-256 of the definition's data in canonical JSON, independent of object identity."""
    doc = {
        "states": list(states),
        "transitions": list(transitions),
        "who_may": {k: sorted(v) for k, v in sorted(who_may.items())},
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=list).encode()).hexdigest()
