"""A machine written as one record per trigger, and everything derived from those records.

A :class:`Trigger` holds what a domain expert checks in one row of the design: its labels
(中文, English), who may fire it, the typed fields it accepts, and its edges — each with the
guards that must agree and the effects that follow. A :class:`MachineSpec` gathers the states and
the triggers and derives the rest: the shared ``transitions`` rulebook, the role table, the labels,
the field schema and its validation, the canonical rows the definition digest is taken of, and the
edges the diagram draws. No table is written twice, so none can drift from another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from transitions import Machine

from cases.core.vocabulary import Role
from workflows.fields import Field, clean
from workflows.rulebook import (
    Guard,
    Selector,
    StateInfo,
    condition,
    definition_digest,
    qualified_name,
    selection,
)


@dataclass(frozen=True)
class Select:
    """A silent condition among an edge's guards: it picks one of a trigger's edges (the outcome
    the superior chose, whether this signature is the last) and refuses nothing. Where it stands
    in the guards matters: the guards before it speak for every edge of the trigger."""

    test: Selector


Condition = Guard | Select


@dataclass(frozen=True)
class Edge:
    """From ``source`` (one state, or several) to ``dest`` when every guard agrees; ``dest=None``
    is an internal transition (the state stays, the effects run). Effects are names of methods of
    the context the door builds."""

    source: str | tuple[str, ...]
    dest: str | None
    guards: tuple[Condition, ...] = ()
    effects: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.source


@dataclass(frozen=True)
class Trigger:
    """One trigger: labels, the roles that may fire it, the fields it accepts, its edges."""

    name: str
    label_zh: str
    label_en: str
    roles: frozenset[Role]
    fields: tuple[Field, ...] = ()
    edges: tuple[Edge, ...] = ()

    @property
    def labels(self) -> tuple[str, str]:
        return (self.label_zh, self.label_en)

    @cached_property
    def schema(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}


def _condition_name(c: Condition) -> str:
    return qualified_name(c.test if isinstance(c, Select) else c)


def _adapted(c: Condition) -> Any:
    return selection(c.test) if isinstance(c, Select) else condition(c)


@dataclass(frozen=True, eq=False)
class MachineSpec:
    """A whole machine: its states (in order), its initial state, its triggers (in table order),
    the attribute of the context that holds the state, and its version."""

    states: tuple[StateInfo, ...]
    initial: str
    triggers: tuple[Trigger, ...]
    version: int
    model_attribute: str = "state"
    by_name: dict[str, Trigger] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [t.name for t in self.triggers]
        if len(set(names)) != len(names):
            raise ValueError(f"a trigger is described twice: {names}")
        known = {s.name for s in self.states}
        for t in self.triggers:
            for e in t.edges:
                stray = {*e.sources, e.dest or e.sources[0]} - known
                if stray:
                    raise ValueError(f"{t.name}: unknown states {sorted(stray)}")
        object.__setattr__(self, "by_name", {t.name: t for t in self.triggers})

    # ---- derived tables -------------------------------------------------------------------
    @cached_property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @cached_property
    def trigger_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.triggers)

    @cached_property
    def labels(self) -> dict[str, tuple[str, str]]:
        return {t.name: t.labels for t in self.triggers}

    @cached_property
    def who_may(self) -> dict[str, frozenset[Role]]:
        return {t.name: t.roles for t in self.triggers}

    @cached_property
    def field_names(self) -> dict[str, frozenset[str]]:
        return {t.name: frozenset(t.schema) for t in self.triggers}

    @cached_property
    def transition_rows(self) -> tuple[dict[str, object], ...]:
        """Every edge as a plain row — trigger, source (a name, or a list of names), dest,
        conditions (guards by qualified name), after (effects) — in table order: what the digest
        is taken of and the diagram's table lists."""
        return tuple(
            {
                "trigger": t.name,
                "source": e.source if isinstance(e.source, str) else list(e.source),
                "dest": e.dest,
                "conditions": [_condition_name(c) for c in e.guards],
                "after": list(e.effects),
            }
            for t in self.triggers
            for e in t.edges
        )

    def digest(self) -> str:
        return definition_digest(self.state_names, self.transition_rows, self.who_may)

    def edges(self) -> list[tuple[str, str, str]]:
        """(source, trigger, dest) for every edge; an internal transition is drawn as a loop."""
        out = [(s, t.name, e.dest or s) for t in self.triggers for e in t.edges for s in e.sources]
        return list(dict.fromkeys(out))

    # ---- the rulebook ----------------------------------------------------------------------
    def build_machine(self) -> Machine:
        """A ``transitions`` rulebook for this spec: never bound to a model (the door fires
        ``machine.events[trigger].trigger(context)`` on a throw-away context), no queue, no
        ``on_exception`` (errors propagate so the transaction rolls back), no ``to_<state>``
        shortcuts that would bypass the graph. Guards run as conditions, in the order written."""
        return Machine(
            model=None,
            states=list(self.state_names),
            transitions=[
                {
                    "trigger": t.name,
                    "source": list(e.sources),
                    "dest": e.dest,
                    "conditions": [_adapted(c) for c in e.guards],
                    "after": list(e.effects),
                }
                for t in self.triggers
                for e in t.edges
            ],
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
            queued=False,
            ignore_invalid_triggers=False,
            model_attribute=self.model_attribute,
        )

    # ---- input -----------------------------------------------------------------------------
    def clean_input(self, trigger: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` for ``trigger`` checked against its fields (see :func:`workflows.fields.clean`):
        the cleaned values, or ``InvalidInput`` naming each field at fault. ``trigger`` must be
        one of the spec's (the door refuses unknown triggers first)."""
        return clean(self.by_name[trigger].schema, data)
