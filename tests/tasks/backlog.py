"""Many due deadlines at once, as after an outage: one case taken to ``rectifying`` through the
real triggers, then cloned with its whole event chain (the benchmark's ``clone_cases``: COPY,
each chain re-hashed as ``append_event`` does) and given a pending rectification deadline due
at the same past instant. Thousands in about a second, where firing the triggers would take
minutes."""

from __future__ import annotations

from typing import Any

import psycopg

from bench.deadlines import DEADLINE_COLS, _copy, _one, clone_cases, deadline_rows
from tests.support.world import World


def conninfo(world: World) -> str:
    url = world.factory.kw["bind"].url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def due_backlog(world: World, count: int) -> list[int]:
    """``count`` cases in ``rectifying``, each with one pending deadline already due; their ids."""
    template = world.case_for_state("rectifying")  # its deadline is due in March 2026: past
    with psycopg.connect(conninfo(world)) as conn:
        base: dict[str, Any] = _one(
            conn, "SELECT * FROM deadlines WHERE case_id = %s AND status = 'pending'", template
        )
        cases = clone_cases(conn, template, [base["due_at"]] * count)
        _copy(
            conn,
            "deadlines",
            DEADLINE_COLS,
            deadline_rows(base, ((c, base["due_at"]) for c in cases), None),
        )
    return [template, *cases]


def lapse_counts(world: World, case_ids: list[int]) -> dict[int, int]:
    """How many ``deadline_lapsed`` events each case has (exactly once is right)."""
    with psycopg.connect(conninfo(world)) as conn:
        rows = conn.execute(
            "SELECT case_id, count(*) FROM events WHERE case_id = ANY(%s) "
            "AND trigger = 'deadline_lapsed' GROUP BY case_id",
            (case_ids,),
        ).fetchall()
    return dict(rows)
