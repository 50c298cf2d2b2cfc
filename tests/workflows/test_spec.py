"""One record per trigger: every table the rest of the code reads is derived from the records, and
the inspection record's signing edges are generated from one description each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cases.core.vocabulary import Role
from workflows import case_machine as cm
from workflows import inspection_machine as im
from workflows.rulebook import Refusals, StateInfo, refuse
from workflows.spec import Edge, MachineSpec, Select, Trigger


@pytest.mark.parametrize("machine", [cm, im], ids=["case", "inspection"])
def test_every_table_is_read_from_the_trigger_records(machine: Any) -> None:
    spec: MachineSpec = machine.SPEC
    records = {t.name: t for t in machine.TRIGGER_SPECS}
    assert tuple(records) == machine.TRIGGERS
    for name, t in records.items():
        assert machine.TRIGGER_LABELS[name] == (t.label_zh, t.label_en)
        assert machine.WHO_MAY[name] == t.roles == machine.who_may(name)
        assert machine.TRIGGER_FIELDS[name] == {f.name for f in t.fields}
    rows = machine.TRANSITIONS
    assert len(rows) == sum(len(t.edges) for t in records.values())
    assert tuple(s.name for s in machine.STATES) == machine.STATE_NAMES
    assert spec.digest() == machine.definition_digest()


def test_case_rows_name_guards_and_selectors_in_their_order() -> None:
    rectify, close = (r for r in cm.TRANSITIONS if r["trigger"] == "receive_instructions")
    assert rectify["conditions"] == [
        "workflows.guards.instructions_recorded",
        "workflows.guards.instructions_outcome_known",
        "workflows.guards.instructions_say_rectify",
        "workflows.guards.new_time_limit_given",
    ]
    assert (rectify["dest"], close["dest"]) == ("rectifying", "closed")
    escalate = next(r for r in cm.TRANSITIONS if r["trigger"] == "escalate")
    assert escalate["source"] == [
        "detected",
        "emergency_measures",
        "notice_issued",
        "rectifying",
        "overdue",
    ]


@pytest.mark.parametrize("trigger", ["sign", "unit_sign", "record_refusal"])
def test_each_signature_has_a_sealing_edge_and_a_staying_edge(trigger: str) -> None:
    sealing, staying = (r for r in im.TRANSITIONS if r["trigger"] == trigger)
    assert (sealing["source"], sealing["dest"]) == ("recorded", "signed")
    assert (staying["source"], staying["dest"]) == ("recorded", None)
    assert sealing["conditions"][:-1] == staying["conditions"][:-1]  # the same guards…
    assert sealing["conditions"][-1].endswith(".completes_signatures")  # …then the selector
    assert staying["conditions"][-1].endswith(".signatures_still_missing")
    assert sealing["after"] == list(im.SEAL) and staying["after"] == ["write_signature"]


def test_a_spec_refuses_unknown_states_and_repeated_triggers() -> None:
    states = (StateInfo("a", "甲", "A"), StateInfo("b", "乙", "B"))
    go = Trigger("go", "走", "Go", roles=frozenset({Role.INSPECTOR}), edges=(Edge("a", "b"),))
    assert MachineSpec(states, "a", (go,), 1).edges() == [("a", "go", "b")]
    with pytest.raises(ValueError, match="described twice"):
        MachineSpec(states, "a", (go, go), 1)
    lost = Trigger("lost", "迷", "Lost", roles=frozenset(), edges=(Edge("a", "c"),))
    with pytest.raises(ValueError, match="unknown states"):
        MachineSpec(states, "a", (lost,), 1)


def test_a_built_rulebook_runs_guards_in_order_and_selectors_silently() -> None:
    def named(ctx: object, data: dict[str, object]) -> Refusals:
        return () if data.get("name") else refuse("请填写姓名", "A name is required", "name")

    def wants_b(ctx: object, data: dict[str, object]) -> bool:
        return data.get("to") == "b"

    states = (StateInfo("a", "甲", "A"), StateInfo("b", "乙", "B"), StateInfo("c", "丙", "C"))
    spec = MachineSpec(
        states,
        "a",
        (
            Trigger(
                "go",
                "走",
                "Go",
                roles=frozenset({Role.INSPECTOR}),
                edges=(
                    Edge("a", "b", guards=(named, Select(wants_b))),
                    Edge("a", "c", guards=(named,)),
                ),
            ),
        ),
        1,
    )

    @dataclass
    class Ctx:
        state: str = "a"
        refusals: list[tuple[str, str]] = field(default_factory=list)

        def refuse(self, zh: str, en: str, field: str | None = None) -> None:
            self.refusals.append((zh, en))

    machine = spec.build_machine()
    ctx = Ctx()
    assert machine.events["go"].trigger(ctx, name="", to="b") is False
    assert ctx.state == "a" and set(ctx.refusals) == {("请填写姓名", "A name is required")}
    ctx = Ctx()
    assert machine.events["go"].trigger(ctx, name="张明", to="b") and ctx.state == "b"
    ctx = Ctx()
    assert machine.events["go"].trigger(ctx, name="张明", to="c") and ctx.state == "c"
    assert ctx.refusals == []  # the selector said no to the first edge without a word
