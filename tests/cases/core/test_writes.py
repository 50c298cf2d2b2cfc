"""Effects write through one small API; a runner (the sweeper) may hold the Core writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.sql.dml import Insert, Update

from cases.core.errors import Conflict
from cases.core.writes import holding_with, insert_rows, update_row
from cases.models import Notification, User
from tests.support.world import World

_INSERT = insert(Notification.__table__)
_RENAME = (
    update(User.__table__)
    .where(User.__table__.c.id == bindparam("b_id"))
    .values(display_name=bindparam("b_name"))
)
CHANGED = ("已被他人更新", "changed")


class Keeper:
    def __init__(self) -> None:
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []

    def hold_insert(self, stmt: Insert, rows: list[dict[str, Any]]) -> bool:
        self.inserts.extend(rows)
        return True

    def hold_update(self, stmt: Update, row: dict[str, Any], changed: tuple[str, str]) -> bool:
        self.updates.append(row)
        return True


def _note(user_id: int) -> dict[str, Any]:
    return {"user_id": user_id, "case_id": None, "title_zh": "z", "title_en": "e",
            "created_at": datetime.now(UTC)}  # fmt: skip


def test_an_update_that_misses_its_row_is_a_conflict(world: World) -> None:
    with world.factory() as s:
        with pytest.raises(Conflict, match="changed"):
            update_row(s, _RENAME, {"b_id": -1, "b_name": "n"}, changed=CHANGED)
        update_row(s, _RENAME, {"b_id": world.ids["inspector"], "b_name": "n"}, changed=CHANGED)
        assert s.get(User, world.ids["inspector"]).display_name == "n"


def test_a_holder_takes_the_writes_instead_of_the_session(world: World) -> None:
    with world.factory() as s:
        before = s.scalar(select(func.count()).select_from(Notification))
        keeper = Keeper()
        with holding_with(s, keeper):
            insert_rows(s, _INSERT, [_note(world.ids["inspector"]), _note(world.ids["inspector"])])
            update_row(s, _RENAME, {"b_id": -1, "b_name": "n"}, changed=CHANGED)  # not checked yet
        assert (len(keeper.inserts), len(keeper.updates)) == (2, 1)
        assert s.scalar(select(func.count()).select_from(Notification)) == before
        insert_rows(s, _INSERT, _note(world.ids["inspector"]))  # no holder: at once
        assert s.scalar(select(func.count()).select_from(Notification)) == before + 1
