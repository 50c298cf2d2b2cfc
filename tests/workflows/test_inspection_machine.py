"""The inspection record's machine as data, and its rules on plain contexts.

The expectations are DESIGN §3 written out again by hand — not read from
``workflows.inspection_machine`` — so a change that departs from them fails here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

import pytest

from cases.models.registry import credential_problem
from workflows import inspection_machine as im
from workflows.inspection_machine import (
    KNOWN_DIGESTS,
    MACHINE_VERSION,
    STATE_NAMES,
    TRIGGERS,
    WHO_MAY,
    RecordDraft,
    definition_digest,
    edges,
    inspection_machine,
    officer_gaps,
    record_gaps,
    signatures_complete_after,
    triggers_from,
)
from workflows.rulebook import Refusal

OFFICERS = {"inspector", "supervisor"}

#: trigger: (source, destinations: the sealing edge and, for signatures, staying put), roles.
DESIGN_TABLE: dict[str, tuple[str, set[str], set[str]]] = {
    "start": ("planned", {"in_progress"}, OFFICERS),
    "record": ("in_progress", {"recorded"}, OFFICERS),
    "sign": ("recorded", {"signed", "recorded"}, OFFICERS),
    "unit_sign": ("recorded", {"signed", "recorded"}, OFFICERS),
    "record_refusal": ("recorded", {"signed", "recorded"}, OFFICERS),
    "archive": ("signed", {"archived"}, OFFICERS),
}


def test_the_table_matches_the_design() -> None:
    assert STATE_NAMES == ("planned", "in_progress", "recorded", "signed", "archived")
    assert set(TRIGGERS) == set(DESIGN_TABLE)
    for trigger, (source, dests, roles) in DESIGN_TABLE.items():
        assert {d for s, t, d in edges() if t == trigger} == dests
        assert {s for s, t, _ in edges() if t == trigger} == {source}
        assert {str(r) for r in WHO_MAY[trigger]} == roles
    for state in STATE_NAMES:
        expected = {t for t, (source, _, _) in DESIGN_TABLE.items() if source == state}
        assert set(triggers_from(state)) == expected
    assert triggers_from("archived") == ()  # nothing leaves the archive


def test_definition_is_pinned_to_its_version() -> None:
    assert KNOWN_DIGESTS[MACHINE_VERSION] == definition_digest(), (
        "the inspection machine changed: bump MACHINE_VERSION and pin the new digest"
    )


# ---- plain contexts for the rules ----------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    id: int
    display_name: str
    authority_id: int | None = 1
    credential_shown: bool = True
    signed: bool = False
    role: str = "inspector"
    active: bool = True
    credential_no: str | None = "冀鹿0001"
    credential_issued_on: date | None = date(2024, 1, 1)
    credential_expires_on: date | None = date(2030, 12, 31)

    def credential_problem(self, on: date) -> tuple[str, str] | None:
        return credential_problem(self, on)


ITEMS = {"EA-1": ("制度与工作程序", "Rules"), "EA-2": ("真实性", "Authenticity")}


def draft(**changes: object) -> RecordDraft:
    values: dict[str, object] = dict(
        inspection_date=date(2026, 3, 2),
        methods=("site_check",),
        content="核查现场",
        problems="",
        handling="",
        ended_on=date(2026, 3, 2),
        results={"EA-1": "conform", "EA-2": "not_applicable"},
        items=ITEMS,
    )
    values.update(changes)
    return RecordDraft(**values)  # type: ignore[arg-type]


@dataclass
class Context:
    officers: list[Officer] = field(
        default_factory=lambda: [Officer(1, "张明"), Officer(2, "李华", credential_no="冀鹿0002")]
    )
    trigger: str = "start"
    actor_id: int = 1
    status: str = "planned"
    today: date = date(2026, 3, 2)
    inspection_date: date = date(2026, 3, 2)
    authority_id: int = 1
    unit_name: str = "鹿泉区教育局"
    recused_ids: frozenset[int] = frozenset()
    draft: RecordDraft = field(default_factory=draft)
    responsible_person: str = "王主任"
    responsible_person_done: bool = False
    refusal_reason: str = ""
    refusals: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, zh: str, en: str, field: str | None = None) -> None:
        self.refusals.append((zh, en))


def test_officer_rules_report_every_problem_at_once() -> None:
    ctx = Context(
        officers=[
            Officer(1, "张明", credential_shown=False),
            Officer(3, "王强", credential_expires_on=date(2025, 12, 31), credential_no="冀鹿0003"),
            Officer(9, "正定执法员", authority_id=2, credential_no="冀正0001"),
        ],
        recused_ids=frozenset({1}),
    )
    assert [zh for zh, _ in officer_gaps(ctx)] == [
        "正定执法员不是本机关的执法人员",
        "王强的执法证件（冀鹿0003）已于2025-12-31过期",
        "张明未出示执法证件",
        "张明须回避，不得检查鹿泉区教育局",
    ]
    assert officer_gaps(Context()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"methods": ()}, ["请选择检查方式（听取汇报、查阅资料、核查现场、安全测评）"]),
        ({"results": {"EA-1": "conform"}}, ["以下检查项尚无检查结果：EA-2 真实性"]),
        ({"content": " "}, ["检查记录不完整，请填写：检查内容"]),
        (
            {"results": {"EA-1": "nonconform", "EA-2": "conform"}, "problems": "未建制度"},
            ["检查记录不完整，请填写：处理情况"],
        ),
        ({"ended_on": None}, ["请填写检查结束日期"]),
        ({"ended_on": date(2026, 3, 3)}, ["检查结束日期2026-03-03不能晚于今天"]),
        ({"kind": "key_unit"}, []),  # the draft's methods include 核查现场
        (
            {"kind": "key_unit", "methods": ("hear_report", "review_records")},
            ["重点监控单位须现场检查：检查方式须包括“核查现场”"],
        ),
        ({"kind": "random_sampling", "methods": ("review_records",)}, []),
    ],
)
def test_record_rules(changes: dict[str, object], expected: list[str]) -> None:
    assert [zh for zh, _ in record_gaps(Context(draft=draft(**changes)))] == expected


@pytest.mark.parametrize(
    ("trigger", "actor", "signed", "unit_done", "complete"),
    [
        ("sign", 1, set(), False, False),
        ("sign", 1, {2}, False, False),  # officers done, the unit not yet
        ("sign", 1, {2}, True, True),  # the last officer signs
        ("sign", 1, set(), True, False),  # 李华 still missing
        ("unit_sign", 1, {1, 2}, False, True),  # the responsible person is last
        ("record_refusal", 2, {1, 2}, False, True),  # …or their refusal is
        ("record_refusal", 2, {1}, False, False),
    ],
)
def test_the_last_signature_completes_the_record(
    trigger: str, actor: int, signed: set[int], unit_done: bool, complete: bool
) -> None:
    ctx = Context(
        officers=[Officer(i, n, signed=i in signed) for i, n in ((1, "张明"), (2, "李华"))],
        trigger=trigger,
        actor_id=actor,
        status="recorded",
        responsible_person_done=unit_done,
    )
    assert signatures_complete_after(ctx) is complete


def test_signature_guards_return_their_refusals() -> None:
    """Guards are ``(context, data) -> refusals``; the door's pairs are the same reasons."""
    ctx = Context(status="recorded", trigger="record_refusal", responsible_person=" ")
    assert im.responsible_person_named(ctx, {}) == (
        Refusal(
            "请填写被检查单位负责人姓名", "Name the unit's responsible person", "responsible_person"
        ),
    )
    assert [r.field for r in im.refusal_reason_given(ctx, {})] == ["reason"]
    assert im.refusal_reason_given(Context(refusal_reason="拒绝签字，称需请示"), {}) == ()
    done = Context(responsible_person_done=True)
    assert [r.zh for r in im.responsible_person_pending(done, {})] == [
        "被检查单位负责人已签字或已注明拒绝签字"
    ]
    signed = Context(officers=[Officer(1, "张明", signed=True), Officer(2, "李华")])
    assert [r.zh for r in im.signer_on_the_inspection(signed, {})] == ["张明已签字"]
    assert im.signer_on_the_inspection(Context(actor_id=2), {}) == ()
    stranger = Context(actor_id=7)
    assert im.actor_gaps(stranger) == [r.pair for r in im.actor_on_the_inspection(stranger, {})]
    assert im.actor_gaps(stranger) == [
        ("只有本次检查的执法人员可以办理此项", "Only the inspection's officers may do this")
    ]
    early = Context(today=date(2026, 3, 1))
    assert "尚未到来" in im.inspection_day_reached(early, {})[0].zh


def test_the_shared_rulebook_is_never_bound_and_safe_across_threads() -> None:
    machine = inspection_machine()
    assert machine is inspection_machine() and machine.models == []
    errors: list[str] = []
    go = threading.Event()

    def run(n: int) -> None:
        go.wait()
        for _ in range(200):
            ctx = Context(
                officers=[Officer(1, "张明"), Officer(2, "李华", signed=n % 2 == 0)],
                trigger="sign",
                actor_id=1,
                status="recorded",
                responsible_person_done=True,
            )
            ctx.write_signature = ctx.seal_record = lambda event: None  # type: ignore[attr-defined]
            ctx.open_cases_for_failed_items = ctx.schedule_publication = ctx.write_signature  # type: ignore[attr-defined]
            machine.events["sign"].trigger(ctx)
            want = "signed" if n % 2 == 0 else "recorded"
            if ctx.status != want:
                errors.append(f"{n}: {ctx.status}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    assert errors == [] and machine.models == []
