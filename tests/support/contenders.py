"""Contenders for the concurrency tests: threads in the test process and separate processes,
all firing at one case at once through the one door."""

from __future__ import annotations

import threading
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from cases.casework.door import advance
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.errors import OversightError
from tests.support.world import World


def attempt(
    world: World, case_id: int, trigger: str, actor: str, version: int | None, now: datetime
) -> str:
    """One attempt in its own transaction; the outcome's name ('ok' or the error class)."""
    data = world.data_for(trigger, case_id)
    try:
        with command_session(world.factory) as s:
            advance(
                s, case_id, trigger, world.user(s, actor), now=now, expected_version=version, **data
            )
        return "ok"
    except OversightError as exc:
        return type(exc).__name__


def run_threads(world: World, n: int, step: dict[str, Any], go: Any) -> list[str]:
    """``n`` threads that wait on ``go`` (an Event), then attempt the step together."""
    results: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        go.wait()
        outcome = attempt(world, **step)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def process_main(url: str, ids: dict[str, int], conn: Connection, go: Any, threads: int) -> None:
    """A separate process: for each step received, wait for ``go`` and attempt with its threads."""
    engine = make_engine(url)
    world = World(make_session_factory(engine), ids=dict(ids))
    while True:
        step = conn.recv()
        if step is None:
            break
        conn.send("ready")
        conn.send(run_threads(world, threads, step, go))
    engine.dispose()


def start_threads(
    world: World, n: int, step: dict[str, Any], go: Any
) -> tuple[threading.Thread, list[str]]:
    """Like :func:`run_threads`, but returns at once: join the thread, then read the results."""
    results: list[str] = []
    runner = threading.Thread(target=lambda: results.extend(run_threads(world, n, step, go)))
    runner.start()
    return runner, results
