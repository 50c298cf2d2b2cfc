"""Published things for the public pages' tests, made through the real doors: a signed
双随机 record whose result is published, a published 情况通报 of a case, and a 通报批评 on an
individual (a natural person: the 2-year period)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

from cases.casework.circulars import make_circular, make_criticism_circular, publish_circular
from cases.core.clock import SHANGHAI, shanghai_time
from cases.core.db import command_session
from cases.inspections.checklists import ItemOutcome
from cases.inspections.door import advance_inspection, plan_inspection
from cases.inspections.publication import publish_result
from cases.models import Authority, Unit
from cases.penalties.door import advance_penalty, open_penalty
from cases.reference.data.penalties import load_penalties, penalties_in_force
from tests.support.penalties import DECISION
from tests.support.world import World

PAIR = ("inspector", "inspector2")
#: Words of the record that are the bureau's own, never the public's.
RECORD_NOTE = "内部备注：馆领导批示暂缓处理"
RESPONSIBLE_PERSON = "王主任"


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def published_result(world: World, ended: date, published: datetime) -> int:
    """A 抽查 of the World's unit checked and signed on ``ended``, its result published at
    ``published``, through the record's door."""
    now = at(ended)
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="electronic", kind="random_sampling",
            inspection_date=ended, officers=[world.user(s, o) for o in PAIR],
            actor=world.user(s, "inspector"), now=now, responsible_person=RESPONSIBLE_PERSON,
        )  # fmt: skip
        inspection_id = inspection.id
    outcomes = {f"EA-{n}": ItemOutcome("conform", note=RECORD_NOTE) for n in range(1, 7)}
    steps = [
        ("inspector", "start", {"credentials_shown": [world.ids[o] for o in PAIR]}),
        ("inspector", "record", {"methods": ["hear_report", "review_records"],
                                 "record_content": RECORD_NOTE, "outcomes": outcomes}),
        ("inspector", "sign", {}),
        ("inspector2", "sign", {}),
        ("inspector", "unit_sign", {}),
    ]  # fmt: skip
    for actor, trigger, data in steps:
        with command_session(world.factory) as s:
            advance_inspection(s, inspection_id, trigger, world.user(s, actor), now=now, **data)
    with command_session(world.factory) as s:
        publish_result(s, inspection_id, world.user(s, "inspector"), published)
    return inspection_id


def circular_of_case(
    world: World, case_id: int, *, title: str, made: datetime, published: datetime | None,
    take_down: datetime,
) -> int:  # fmt: skip
    """A 情况通报 of ``case_id`` made at ``made``; published at ``published`` (None: a draft)."""
    with command_session(world.factory) as s:
        circular = make_circular(
            s, case_id, world.user(s, "supervisor"), title=title,
            content="经检查，该单位档案信息系统存在安全防护缺陷，现予通报。", now=made,
        )  # fmt: skip
        circular_id = circular.id
    if published is not None:
        with command_session(world.factory) as s:
            publish_circular(
                s, circular_id, world.user(s, "supervisor"), take_down_at=take_down, now=published
            )
    return circular_id


CRITICISED = "criticised_practice"
EXTRA_OFFENCE = f'''
[[offence]]
code = "{CRITICISED}"
title_zh = "试行规章规定的违法行为"
title_en = "An offence a rule on trial gives a circular of criticism for"
article_zh = "（试行）规章第一条"
required = ["warning"]
optional = ["circular_criticism"]
source = "test data: no archives offence gives 通报批评 today"
'''


@contextmanager
def criticism_in_force(folder: Path) -> Iterator[None]:
    """The shipped penalty data plus one offence that gives 通报批评 (none does today)."""
    shipped = files("cases.reference.data").joinpath("penalties.toml").read_text(encoding="utf-8")
    (folder / "penalties.toml").write_text(shipped + EXTRA_OFFENCE, encoding="utf-8")
    with penalties_in_force(load_penalties(folder)):
        yield


def criticism_of_individual(
    world: World, *, published: datetime, take_down: datetime, party: str = "李某"
) -> int:
    """A decided penalty on a natural person imposing 通报批评, and its circular published at
    ``published`` (call inside :func:`criticism_in_force`)."""
    filed = date(2026, 3, 2)

    def fire(pid: int, trigger: str, actor: str, on: date, **data: object) -> None:
        with command_session(world.factory) as s:
            advance_penalty(s, pid, trigger, world.user(s, actor), now=shanghai_time(on, 10),
                            **data)  # fmt: skip

    with command_session(world.factory) as s:
        actor = world.user(s, "supervisor")
        pid = open_penalty(
            s, authority=s.get(Authority, actor.authority_id), file_no="鹿档罚立〔2026〕9号",
            party_name=party, party_kind="individual",
            officers=[world.user(s, "inspector"), world.user(s, "inspector2")], actor=actor,
            filed_on=filed, now=shanghai_time(filed, 10),
        ).id  # fmt: skip
    fire(pid, "investigate", "inspector", filed)
    fire(pid, "submit_review", "inspector", date(2026, 3, 20), facts="事实", offence=CRITICISED,
         party_kind="individual", sanctions=["warning", "circular_criticism"])  # fmt: skip
    fire(pid, "pass_review", "expired", date(2026, 3, 23), opinion="同意")
    fire(pid, "notify", "inspector", date(2026, 4, 1), facts="事实", grounds="依据",
         rights_stated=True, notified_on=date(2026, 4, 1))  # fmt: skip
    fire(pid, "decide", "supervisor", date(2026, 4, 15), **{**DECISION, "party_name": party})
    with command_session(world.factory) as s:
        circular = make_criticism_circular(
            s, pid, world.user(s, "supervisor"), title="关于对李某违规利用档案的通报批评",
            content="经查……予以通报批评。", now=shanghai_time(date(2026, 4, 20), 10),
        )  # fmt: skip
        circular_id = circular.id
    with command_session(world.factory) as s:
        publish_circular(
            s, circular_id, world.user(s, "supervisor"), take_down_at=take_down, now=published
        )
    return circular_id
