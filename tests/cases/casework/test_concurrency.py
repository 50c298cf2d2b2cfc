"""Many hands on one case at once, on PostgreSQL: exactly one wins each step, the loser gets a
clear conflict, the chain verifies; notice numbers stay unique and gapless under contention."""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.casework.door import advance
from cases.casework.verification import verify_all_chains
from cases.core.db import command_session
from cases.core.errors import GuardFailed
from cases.models import Case, Event, Notice
from tests.support.contenders import process_main, start_threads
from tests.support.world import World

#: Threads and processes each commit for real, on both databases' locking (FOR UPDATE, BEGIN IMMEDIATE).
pytestmark = [pytest.mark.both_databases, pytest.mark.committing]

THREADS = 16
PROCESSES = 2

STEPS = [
    ("issue_notice", "inspector"),
    ("acknowledge", "liaison"),
    ("submit_rectification", "liaison"),
    ("reject_rectification", "inspector"),
    ("submit_rectification", "liaison"),
    ("verify", "inspector"),
    ("close", "supervisor"),
]


def test_sixteen_threads_and_two_processes_on_one_case(pg_world: World, pg_url: str) -> None:
    world = pg_world
    case_id = world.open_case()
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    pipes, procs = [], []
    for _ in range(PROCESSES):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=process_main, args=(pg_url, world.ids, child, go, 1), daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    try:
        for index, (trigger, actor) in enumerate(STEPS):
            with world.factory() as s:
                version = s.get(Case, case_id).version
            # the first step is fired without a version: losers find the state moved on
            step = dict(
                case_id=case_id,
                trigger=trigger,
                actor=actor,
                now=world.now,
                version=version if index else None,
            )
            go.clear()
            for pipe in pipes:
                pipe.send(step)
            for pipe in pipes:
                assert pipe.recv() == "ready"
            local, results = start_threads(world, THREADS, step, go)
            go.set()
            local.join()
            for pipe in pipes:
                results.extend(pipe.recv())
            outcomes = Counter(results)
            loser = "InvalidTransition" if index == 0 else "Conflict"
            assert outcomes == {"ok": 1, loser: THREADS + PROCESSES - 1}, (trigger, outcomes)
            world.now += timedelta(hours=1)
    finally:
        for pipe in pipes:
            pipe.send(None)
        for proc in procs:
            proc.join(timeout=30)
    with world.factory() as s:
        assert s.get(Case, case_id).state == "closed"
        triggers = s.scalars(
            select(Event.trigger).where(Event.case_id == case_id).order_by(Event.seq)
        ).all()
        assert triggers == ["open"] + [t for t, _ in STEPS]
        assert list(verify_all_chains(s)) == []


def test_concurrent_notices_are_gapless_and_unique(world: World) -> None:
    """Twelve issuers at once; a third of their transactions fail after drawing a number and
    roll back. The committed numbers are exactly 1..N."""
    cases = [world.open_case() for _ in range(36)]
    rng = random.Random(7)
    fail_first = set(rng.sample(cases, 12))
    data = world.data_for("issue_notice")

    def issue(case_id: int) -> None:
        if case_id in fail_first:
            try:
                with command_session(world.factory) as s:
                    advance(
                        s,
                        case_id,
                        "issue_notice",
                        world.user(s, "inspector"),
                        now=world.now,
                        **data,
                    )
                    raise GuardFailed([("模拟故障", "simulated failure after numbering")])
            except GuardFailed:
                pass
        with command_session(world.factory) as s:
            advance(s, case_id, "issue_notice", world.user(s, "inspector"), now=world.now, **data)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(issue, cases))
    with world.factory() as s:
        serials = sorted(s.scalars(select(Notice.serial)).all())
        numbers = s.scalars(select(Notice.number)).all()
    assert serials == list(range(1, len(cases) + 1))
    assert len(set(numbers)) == len(cases)


def test_threads_on_one_case_on_both_databases(world: World) -> None:
    """The SQLite default serialises writers (BEGIN IMMEDIATE) and checks the version; the
    outcome must be the same as on PostgreSQL."""
    case_id = world.open_case()
    for trigger, actor in STEPS:
        with world.factory() as s:
            version = s.get(Case, case_id).version
        go = threading.Event()
        step = dict(case_id=case_id, trigger=trigger, actor=actor, now=world.now, version=version)
        runner, results = start_threads(world, 8, step, go)
        go.set()
        runner.join()
        assert Counter(results) == {"ok": 1, "Conflict": 7}, (trigger, results)
        world.now += timedelta(hours=1)
    with world.factory() as s:
        assert s.get(Case, case_id).state == "closed"
        assert list(verify_all_chains(s)) == []
