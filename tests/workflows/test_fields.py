"""Typed, bounded trigger inputs: each field type at its bounds, and the refusal naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from cases.core.errors import InvalidInput
from workflows.case_machine import TRIGGER_SPECS as CASE_TRIGGERS
from workflows.fields import (
    INT4_MAX,
    Boolean,
    Choice,
    Choices,
    Date,
    DateTime,
    Field,
    Ids,
    Integer,
    InvalidFields,
    ItemOutcomes,
    Text,
    TextList,
    clean,
)
from workflows.inspection_machine import TRIGGER_SPECS as RECORD_TRIGGERS
from workflows.inspection_machine import clean_edit

SHANGHAI = timezone(timedelta(hours=8))


def refused(f: Field, value: Any) -> InvalidFields:
    with pytest.raises(InvalidFields) as err:
        clean({f.name: f}, {f.name: value})
    return err.value


def cleaned(f: Field, value: Any) -> Any:
    return clean({f.name: f}, {f.name: value})[f.name]


FACTS = Text("facts", "违法事实", "Facts", max=10)


def test_text_is_stripped_and_bounded() -> None:
    assert cleaned(FACTS, "  未建制度  ") == "未建制度"
    assert cleaned(FACTS, "一" * 10) == "一" * 10
    assert cleaned(FACTS, None) is None
    err = refused(FACTS, "一" * 11)
    assert err.reason_zh == "违法事实不能超过10字（实际11字）"
    assert err.reason_en == "Facts (facts) must be at most 10 characters (11 given)"
    assert err.status == 422 and err.code == "invalid_input"
    assert err.as_dict()["fields"] == [{"field": "facts", "zh": err.reason_zh, "en": err.reason_en}]
    assert "空字符" in refused(FACTS, "a\x00b").reason_zh
    assert "须为文字" in refused(FACTS, 12).reason_zh
    assert "须为文字" in refused(FACTS, ["a"]).reason_zh


@pytest.mark.parametrize(
    "value", ["a\x1bb", "\x07", "a\x7f", "\x85", "名称\u202egpj.exe", "\u2066x"]
)
def test_text_refuses_control_characters_naming_the_character(value: str) -> None:
    err = refused(FACTS, value)
    assert "控制字符" in err.reason_zh and "control character (U+" in err.reason_en


def test_text_keeps_tabs_and_line_breaks() -> None:
    assert cleaned(FACTS, "一\t二\r\n三") == "一\t二\r\n三"


LENGTH = Integer("time_limit_length", "整改期限长度", "Time-limit length")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(15, 15), ("15", 15), (" 15 ", 15), (15.0, 15), ("-3", -3), ("", None), (None, None)],
)
def test_integer_accepts_whole_numbers_and_their_digits(value: object, expected: object) -> None:
    assert cleaned(LENGTH, value) == expected


@pytest.mark.parametrize(
    "value", [2.5, "2.5", True, False, "15天", "abc", "１５", float("nan"), float("inf"), [15]]
)
def test_integer_refuses_fractions_flags_and_words(value: object) -> None:
    err = refused(LENGTH, value)
    assert "整改期限长度须为整数" in err.reason_zh and "time_limit_length" in err.reason_en


def test_integer_range() -> None:
    small = Integer("n", "数量", "Number", min=1, max=3)
    assert cleaned(small, 1) == 1 and cleaned(small, 3) == 3
    assert refused(small, 0).reason_zh == "数量须在1至3之间（实际为0）"
    assert refused(small, 4).reason_en == "Number (n) must be between 1 and 3 (4 given)"
    assert cleaned(LENGTH, INT4_MAX) == INT4_MAX  # what a PostgreSQL integer holds
    assert "之间" in refused(LENGTH, INT4_MAX + 1).reason_zh
    assert "须为整数" in refused(LENGTH, "9" * 13).reason_zh  # no huge digit strings


METHOD = Choice("service_method", "送达方式", "Service method", choices={"direct": ("", "")})


def test_choice_is_a_closed_vocabulary() -> None:
    assert cleaned(METHOD, "direct") == "direct"
    assert cleaned(METHOD, "") is None and cleaned(METHOD, None) is None
    assert refused(METHOD, "fax").reason_zh == "送达方式须为以下之一：direct（实际为'fax'）"
    assert "须为以下之一" in refused(METHOD, ["direct"]).reason_zh


METHODS = Choices(
    "methods", "检查方式", "Inspection methods", choices={"a": ("", ""), "b": ("", "")}
)


def test_choices_are_a_list_of_known_codes_each_once() -> None:
    assert cleaned(METHODS, ["b", "a", "b"]) == ["b", "a"]
    assert cleaned(METHODS, ("a",)) == ["a"]
    assert refused(METHODS, ["a", "x"]).reason_en.startswith("Unknown inspection methods (methods)")
    assert "须为列表" in refused(METHODS, "ab").reason_zh
    assert "不能超过20项" in refused(METHODS, ["a"] * 21).reason_zh


EVIDENCE = TextList("evidence", "整改证明材料", "Evidence", max_items=2, max=6)


def test_a_list_of_text_is_never_a_string() -> None:
    assert cleaned(EVIDENCE, ["制度.pdf", " 照片 "]) == ["制度.pdf", "照片"]
    assert cleaned(EVIDENCE, []) == []
    err = refused(EVIDENCE, "制度文本.pdf")
    assert err.reason_zh == "整改证明材料须为列表，实际为str" and "evidence" in err.reason_en
    assert "不能超过2项" in refused(EVIDENCE, ["a", "b", "c"]).reason_zh
    assert "第2项不能超过6字" in refused(EVIDENCE, ["a", "1234567"]).reason_zh
    assert "第1项须为文字" in refused(EVIDENCE, [3]).reason_zh
    assert "第1项含有不允许的空字符" in refused(EVIDENCE, ["\x00"]).reason_zh


OFFICER_IDS = Ids("officer_ids", "执法人员", "Officers", max_items=3)


def test_ids_are_positive_int4_each_once() -> None:
    assert cleaned(OFFICER_IDS, [3, 1, 3]) == [3, 1]  # named twice, one officer
    assert cleaned(OFFICER_IDS, ["7", 8]) == [7, 8]
    assert cleaned(OFFICER_IDS, [INT4_MAX]) == [INT4_MAX]
    for bad in ([0], [-1], [INT4_MAX + 1]):
        assert "不是有效编号" in refused(OFFICER_IDS, bad).reason_zh
    for bad in ([True], [1.5], ["x"], [None]):
        assert "须为编号" in refused(OFFICER_IDS, bad).reason_zh
    for bad in ("12", 12, {1: 2}):
        assert "须为列表" in refused(OFFICER_IDS, bad).reason_zh
    assert "不能超过3项" in refused(OFFICER_IDS, [1, 2, 3, 4]).reason_zh


SERVED_AT = DateTime("served_at", "送达时间", "Time of service")


def test_datetime_is_an_instant_with_its_offset() -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    assert cleaned(SERVED_AT, at) is at
    assert cleaned(SERVED_AT, "2026-03-02T09:30:00+08:00") == at
    assert cleaned(SERVED_AT, "2026-03-02 01:30Z") == at.astimezone(UTC)
    assert cleaned(SERVED_AT, "2026-03-02T01:30:00.5+00:00").microsecond == 500000
    for bad in (
        "yesterday",
        "2026-03-02T09:30:00",  # no offset: Beijing or UTC?
        "2026-03-02",
        "20260302T093000+0800",
        "2026-02-30T09:30:00+08:00",
        datetime(2026, 3, 2, 9, 30),
        date(2026, 3, 2),
        1772400000,
    ):
        err = refused(SERVED_AT, bad)
        assert err.reason_zh.startswith("送达时间须") and "served_at" in err.reason_en


ENDED_ON = Date("ended_on", "检查结束日期", "Day the check ended")


def test_date_is_a_day_written_strictly() -> None:
    assert cleaned(ENDED_ON, date(2026, 3, 2)) == date(2026, 3, 2)
    assert cleaned(ENDED_ON, "2026-03-02") == date(2026, 3, 2)
    for bad in ("2026-3-2", "20260302", "2026-02-30", "2026-03-02T00:00", datetime(2026, 3, 2), 3):
        assert refused(ENDED_ON, bad).reason_zh.startswith("检查结束日期须为日期")


def test_boolean() -> None:
    flag = Boolean("urgent", "紧急", "Urgent")
    assert cleaned(flag, True) is True and cleaned(flag, "false") is False
    assert cleaned(flag, "on") is True and cleaned(flag, "0") is False
    for bad in (1, "yes", "", []):
        assert "须为是或否" in refused(flag, bad).reason_zh


@dataclass(frozen=True)
class Outcome:
    result: str
    note: str = ""
    evidence: tuple[str, ...] = ()
    is_emergency: bool = False
    is_serious: bool = False


def test_item_outcomes_are_bounded_item_by_item() -> None:
    f = ItemOutcomes("outcomes", "检查结果", "Item results", max_items=2)
    given = {"EA-1": Outcome("nonconform", " 未建 ", ("照片",), is_serious=True)}
    assert cleaned(f, given) == {
        "EA-1": {
            "result": "nonconform",
            "note": "未建",
            "evidence": ["照片"],
            "is_emergency": False,
            "is_serious": True,
        }
    }
    assert cleaned(f, {"EA-1": {"result": "conform"}}) == {"EA-1": {"result": "conform"}}
    assert "证明材料须为列表" in refused(f, {"EA-1": {"result": "x", "evidence": "照片"}}).reason_zh
    assert "不能超过2项" in refused(f, {c: {"result": "conform"} for c in "abc"}).reason_zh
    assert "不接受的内容：colour" in refused(f, {"EA-1": {"colour": "red"}}).reason_zh
    assert "须按检查项填写" in refused(f, ["EA-1"]).reason_zh
    assert "说明不能超过2000字" in refused(f, {"EA-1": {"note": "长" * 2001}}).reason_zh


def test_every_bad_field_is_named_at_once_and_unknown_ones_first() -> None:
    fields = {f.name: f for f in (FACTS, LENGTH)}
    with pytest.raises(InvalidFields) as err:
        clean(fields, {"facts": "一" * 11, "time_limit_length": 2.5})
    assert [r.field for r in err.value.refusals] == ["facts", "time_limit_length"]
    assert err.value.reason_zh.count("；") == 1
    with pytest.raises(InvalidInput) as unknown:
        clean(fields, {"state": "closed", "facts": "一" * 11, "case_id": 1})
    assert unknown.value.reason_zh == "不接受的字段：case_id、state"


@pytest.mark.parametrize("trigger", [*CASE_TRIGGERS, *RECORD_TRIGGERS], ids=lambda t: f"{t.name}")
def test_every_field_of_both_machines_is_labelled_and_text_is_bounded(trigger: Any) -> None:
    for f in trigger.fields:
        assert f.label_zh and f.label_en and f.name.isidentifier()
        if isinstance(f, Text | TextList):
            assert 0 < f.max <= 20000
    assert len(trigger.schema) == len(trigger.fields)  # no field listed twice


def test_an_edit_of_the_record_is_checked_like_record() -> None:
    assert clean_edit({"record_content": "  核查现场 ", "ended_on": "2026-03-02"}) == {
        "record_content": "核查现场",
        "ended_on": date(2026, 3, 2),
    }
    with pytest.raises(InvalidFields):
        clean_edit({"record_content": "长" * 20001})
    with pytest.raises(InvalidInput, match="Unexpected fields: officer_ids"):
        clean_edit({"officer_ids": [1]})
