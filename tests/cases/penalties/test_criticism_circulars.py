"""A 通报批评 (circular of criticism) is a sanction: made only behind a decided, unrevoked penalty
of the authority that imposes it. No shipped archives offence gives 通报批评 (档案法 arts 49–50:
警告 and fines), so these tests put in force a reference file with one more offence that does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from cases.casework.circulars import make_criticism_circular
from cases.core.clock import shanghai_time
from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import Circular, PenaltyEvent
from cases.reference.data.penalties import OFFENCES, load_penalties, penalties_in_force
from tests.support.cli import as_user
from tests.support.penalties import DECISION, FILED, filed, fire, notified
from tests.support.world import World

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


@pytest.fixture
def with_criticism(tmp_path: Path) -> Iterator[None]:
    shipped = files("cases.reference.data").joinpath("penalties.toml").read_text(encoding="utf-8")
    (tmp_path / "penalties.toml").write_text(shipped + EXTRA_OFFENCE, encoding="utf-8")
    with penalties_in_force(load_penalties(tmp_path)):
        yield
    assert CRITICISED not in OFFENCES  # the shipped data is in force again


SANCTIONS = dict(offence=CRITICISED, party_kind="unit", sanctions=["warning", "circular_criticism"])


def decided(world: World, **proposal: object) -> int:
    pid = filed(world)
    fire(world, pid, "investigate", "inspector", FILED)
    fire(world, pid, "submit_review", "inspector", date(2026, 3, 20), facts="事实",
         **(proposal or SANCTIONS))  # fmt: skip
    fire(world, pid, "pass_review", "expired", date(2026, 3, 23), opinion="同意")
    fire(world, pid, "notify", "inspector", date(2026, 4, 1), facts="事实", grounds="依据",
         rights_stated=True, notified_on=date(2026, 4, 1))  # fmt: skip
    return pid


def criticise(world: World, pid: int, actor: str = "supervisor") -> Circular:
    with command_session(world.factory) as s:
        return make_criticism_circular(
            s, pid, world.user(s, actor), title="关于对某档案服务公司的通报批评",
            content="经查……予以通报批评。", now=shanghai_time(date(2026, 4, 20), 10),
        )  # fmt: skip


def test_a_criticism_circular_follows_a_decided_penalty_that_imposes_it(
    world: World, with_criticism: None
) -> None:
    pid = decided(world)
    with pytest.raises(Conflict, match="not decided"):
        criticise(world, pid)
    fire(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION)
    with pytest.raises(NotAllowed):
        criticise(world, pid, actor="inspector")
    with pytest.raises(NotFound):
        criticise(world, pid + 1000)
    circular = criticise(world, pid)
    assert (circular.kind, circular.penalty_id) == ("criticism", pid)
    assert circular.legal_basis == DECISION["basis"] and circular.published_at is None
    with world.factory() as s:
        events = s.scalars(select(PenaltyEvent.trigger).where(PenaltyEvent.penalty_id == pid)).all()
        assert events[-1] == "circular_made"
        from cases.casework.verification import verify_all_chains

        assert [b for b in verify_all_chains(s) if b.chain == "penalty"] == []


def test_no_criticism_without_the_sanction_or_after_a_revocation(
    world: World, with_criticism: None
) -> None:
    pid = decided(world, **{**SANCTIONS, "sanctions": ["warning"]})
    fire(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION)
    with pytest.raises(Conflict, match="imposes no circular"):
        criticise(world, pid)

    pid = decided(world)
    fire(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION)
    fire(world, pid, "serve", "inspector", date(2026, 4, 13), served_on=date(2026, 4, 13))
    fire(world, pid, "publish", "inspector", date(2026, 4, 14), published_on=date(2026, 4, 14))
    fire(world, pid, "record_revocation", "inspector", date(2026, 4, 16),
         revoked_on=date(2026, 4, 16), reason="行政复议决定撤销")  # fmt: skip
    with pytest.raises(Conflict, match="revoked on 2026-04-16"):
        criticise(world, pid)


def test_the_shipped_data_gives_no_offence_a_criticism(world: World) -> None:
    assert not [o for o in OFFENCES.values() if "circular_criticism" in o.sanctions]
    pid = filed(world)
    fire(world, pid, "investigate", "inspector", FILED)
    with pytest.raises(InvalidInput, match="offence"):
        fire(world, pid, "submit_review", "inspector", date(2026, 3, 20), facts="事实",
             **SANCTIONS)  # fmt: skip
    pid = notified(world)  # a fine and a warning: decided, but no criticism in it
    fire(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION)
    with pytest.raises(Conflict, match="imposes no circular"):
        criticise(world, pid)


def test_the_command_makes_a_criticism_or_says_why_not(
    app: Flask, world: World, with_criticism: None
) -> None:
    def make(*args: str) -> Result:
        return as_user(
            app, world, "zhao", "circular", "make", "--title", "通报批评", "--content", "…", *args
        )

    pid = decided(world)
    refused = make("--penalty", str(pid))
    assert refused.exit_code == 1 and "not decided" in refused.output
    assert "Traceback" not in refused.output
    fire(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION)
    made = make("--penalty", str(pid))
    assert made.exit_code == 0 and "草稿 (draft)" in made.output, made.output
    both = make("--penalty", str(pid), "--case", "1")
    assert both.exit_code != 0 and "--case or --penalty" in both.output
