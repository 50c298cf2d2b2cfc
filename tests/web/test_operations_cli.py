"""``oversight db roles``, ``db upgrade`` as the owner, ``backup`` and ``restore`` — run as an
operator runs them: a separate process, settings in the environment, an exit code and one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cases.core.db import make_engine, make_session_factory
from tests.support.pg_roles import Roles, owner_and_app_roles
from tests.support.world import World

REPO = Path(__file__).resolve().parents[2]
KEY = "00112233445566778899aabbccddeeff"

pytestmark = pytest.mark.committing


def oversight(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_")}
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=REPO, env={**base, "OVERSIGHT_SECRET_KEY": "test-cli", "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"], **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def said_clearly(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_backup_and_restore_from_the_command_line(
    sqlite_reference_template: Path, tmp_path: Path
) -> None:
    site, target = tmp_path / "site", tmp_path / "target"
    site.mkdir()
    shutil.copy(sqlite_reference_template, site / "oversight.db")
    engine = make_engine(f"sqlite:///{site / 'oversight.db'}")
    world = World.build(make_session_factory(engine))
    world.drive_to(world.open_case(), "rectifying")
    engine.dispose()
    (site / "attachments").mkdir()
    (site / "attachments" / "f00d").write_bytes(b"evidence")
    at = {"OVERSIGHT_BACKUP_KEY": KEY}
    source = {"OVERSIGHT_INSTANCE_DIR": str(site), "OVERSIGHT_DATABASE_URL": f"sqlite:///{site / 'oversight.db'}"}  # fmt: skip
    dest = {"OVERSIGHT_INSTANCE_DIR": str(target), "OVERSIGHT_DATABASE_URL": f"sqlite:///{target / 'oversight.db'}"}  # fmt: skip
    archive = tmp_path / "nightly.ovb"

    made = oversight("backup", str(archive), **source, **at)
    assert made.returncode == 0, made.stderr
    assert "SM4-encrypted" in made.stdout and "1 cases" in made.stdout
    said_clearly(oversight("backup", str(archive), **source, **at), "already exists")

    said_clearly(oversight("restore", str(archive), **dest), "OVERSIGHT_BACKUP_KEY")
    wrong = {"OVERSIGHT_BACKUP_KEY": "ff" * 16}
    said_clearly(oversight("restore", str(archive), **dest, **wrong), "another key")
    said_clearly(oversight("restore", str(archive), **source, **at), "not empty")
    damaged = tmp_path / "damaged.ovb"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x40
    damaged.write_bytes(bytes(data))
    said_clearly(oversight("restore", str(damaged), **dest, **at), "damaged")
    said_clearly(
        oversight("restore", str(tmp_path / "missing.ovb"), **dest, **at), "cannot be read"
    )
    said_clearly(oversight("backup", str(tmp_path / "x.ovb"), **source, OVERSIGHT_BACKUP_KEY="short"), "backup key")  # fmt: skip
    said_clearly(oversight("backup", "/proc/oversight/x.ovb", **source), "does not exist")

    restored = oversight("restore", str(archive), **dest, **at)
    assert restored.returncode == 0, restored.stderr
    assert "1 cases" in restored.stdout and "1 file(s)" in restored.stdout
    assert (target / "attachments" / "f00d").read_bytes() == b"evidence"
    verified = oversight("verify-events", **dest)
    assert verified.returncode == 0 and "all event chains verify" in verified.stdout


@pytest.fixture(scope="module")
def roles(pg_url: str) -> Iterator[Roles]:
    with owner_and_app_roles() as made:
        yield made


def test_db_roles_and_upgrade_as_the_owner(roles: Roles) -> None:
    database = roles.new_database("cli")
    owner, app = roles.owner_url(database), roles.app_url(database)
    env = {"OVERSIGHT_OWNER_DATABASE_URL": owner, "OVERSIGHT_DATABASE_URL": app}

    upgraded = oversight("db", "upgrade", **env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"no role {roles.app} yet" in upgraded.stdout
    first = oversight("db", "roles", **env)
    assert first.returncode == 0, first.stderr
    assert f"role {roles.app} created" in first.stdout
    assert (
        "append-only (SELECT, INSERT): audit_anchors, audit_entries, document_templates, "
        "documents, events, evidence_files, inspection_events, "
        "penalty_events, registry_events" in first.stdout
    )
    again = oversight("db", "roles", **env)
    assert again.returncode == 0 and f"role {roles.app} updated" in again.stdout
    upgraded = oversight("db", "upgrade", **env)
    assert upgraded.returncode == 0 and f"grants of {roles.app} re-applied" in upgraded.stdout

    with psycopg.connect(app) as conn:  # the password came from OVERSIGHT_DATABASE_URL
        assert conn.execute("SELECT count(*) FROM checklist_versions").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("TRUNCATE events")


def test_operator_mistakes_get_one_clear_line(roles: Roles) -> None:
    database = roles.new_database("mistakes")
    owner = roles.owner_url(database)
    app = {"OVERSIGHT_DATABASE_URL": roles.app_url(database)}
    said_clearly(oversight("db", "roles", **app), "OVERSIGHT_OWNER_DATABASE_URL")
    said_clearly(
        oversight("db", "roles", "--owner-url", owner, "--app-role", "Robert'); DROP", **app),
        "invalid role name",
    )
    said_clearly(oversight("db", "roles", "--app-role", roles.owner, "--owner-url", owner, **app), "owner")  # fmt: skip
    unreachable = "postgresql://nobody:x@127.0.0.1:1/none"
    said_clearly(oversight("db", "roles", "--owner-url", unreachable, **app), "cannot connect")
