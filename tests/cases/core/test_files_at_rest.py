"""Files at rest (issue 9 §5): the instance folder and every folder made in it are 0700, the
SQLite database (with its WAL and shared memory), the secret key, attachments and outbox files
0600 — set where each is made, so they hold even under a permissive umask (022 here)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cases.core.db import make_engine
from cases.core.runtime import PRIVATE_UMASK, private_umask
from cases.core.settings import load_settings
from cases.messages.outbox import FolderSender
from cases.models import Delivery


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("permissive_umask")
def test_a_new_instance_folder_and_its_key_are_private(tmp_path: Path) -> None:
    instance = tmp_path / "var"
    settings = load_settings({"OVERSIGHT_INSTANCE_DIR": str(instance)})
    assert settings.instance_dir == instance.resolve()
    assert mode(instance) == 0o700 and mode(instance / "secret_key") == 0o600


@pytest.mark.usefixtures("permissive_umask")
def test_an_existing_open_instance_folder_is_closed(tmp_path: Path) -> None:
    instance = tmp_path / "var"
    instance.mkdir(mode=0o755)
    (instance / "secret_key").write_text("k")
    assert load_settings({"OVERSIGHT_INSTANCE_DIR": str(instance)}).secret_key == "k"
    assert mode(instance) == 0o700


@pytest.mark.usefixtures("permissive_umask")
def test_the_sqlite_database_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "oversight.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        files = [p for p in tmp_path.iterdir() if p.name.startswith("oversight.db")]
        assert {p.name for p in files} >= {"oversight.db", "oversight.db-wal"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    finally:
        engine.dispose()


@pytest.mark.usefixtures("permissive_umask")
def test_outbox_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    payload = json.dumps({"kind": "report", "id": 7})
    FolderSender(folder).send(Delivery(id=7, kind="report", payload=payload, signature="sm3:00"))
    written = folder / "report-7.json"
    assert json.loads(written.read_text())["payload"] == {"kind": "report", "id": 7}
    assert mode(folder) == 0o700 and mode(written) == 0o600
    assert [p.name for p in folder.iterdir()] == ["report-7.json"]  # no temporary file left


def test_the_process_umask_keeps_new_files_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        private_umask()
        assert os.umask(0o022) == PRIVATE_UMASK == 0o077
        os.umask(PRIVATE_UMASK)
        (tmp_path / "plain").write_text("x")
        (tmp_path / "folder").mkdir()
        assert mode(tmp_path / "plain") == 0o600 and mode(tmp_path / "folder") == 0o700
    finally:
        os.umask(old)


@pytest.mark.usefixtures("permissive_umask")
def test_an_open_instance_folder_is_closed_with_a_configured_key_too(tmp_path: Path) -> None:
    instance = tmp_path / "var"
    instance.mkdir(mode=0o755)
    load_settings({"OVERSIGHT_INSTANCE_DIR": str(instance), "OVERSIGHT_SECRET_KEY": "k"})
    assert mode(instance) == 0o700
