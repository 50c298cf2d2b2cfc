"""Back up, wipe, restore — on both databases — and every archive that must be refused is.

PostgreSQL: the site's database is owned by a role of the test's own (no superuser), which
takes the backup and restores it, as ``oversight backup``/``restore`` do with the owner's URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from cases.casework.verification import verify_all_chains, verify_everything
from cases.core.checkpoints import (
    checkpoint_dir,
    retire_checkpoints,
    retirements,
    write_checkpoint,
)
from cases.core.db import make_engine, make_session_factory
from cases.core.errors import OperationRefused
from cases.core.migrate import upgrade
from cases.core.settings import Settings, load_settings
from cases.operations.backup import facts, make_backup, restore_backup
from cases.operations.sealing import MAGIC, BackupKey
from cases.reference.sync import sync_reference_data
from tests.support.pg_roles import PG_ADMIN, Roles, owner_and_app_roles
from tests.support.world import World

pytestmark = [pytest.mark.both_databases, pytest.mark.committing]

KEY = BackupKey.parse("00112233445566778899aabbccddeeff")
OTHER_KEY = BackupKey.parse("ffeeddccbbaa99887766554433221100")


@pytest.fixture(scope="module")
def roles(pg_url: str) -> Iterator[Roles]:
    """The owner and app roles, and a migrated database of the owner's with the reference
    data (``roles.template``) that each site copies."""
    with owner_and_app_roles() as made:
        made.template = made.new_database("template")
        _migrated(made.owner_url(made.template))
        yield made


@dataclass
class Site:
    """An installation: its settings, the owner's URL (PostgreSQL) and how to wipe it."""

    kind: str
    settings: Settings
    owner_url: str
    roles: Roles | None = None
    database: str = ""
    world: World | None = None

    @property
    def url(self) -> str:
        return self.owner_url or self.settings.database_url

    def wipe(self) -> None:
        """Everything gone: database, attachments, outbox, checkpoints."""
        for part in ("attachments", "outbox", "checkpoints"):
            shutil.rmtree(self.settings.instance_dir / part, ignore_errors=True)
        if self.kind == "pg":
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{self.database}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.database}" OWNER "{self.roles.owner}"')
        else:
            path = Path(self.settings.database_url.removeprefix("sqlite:///"))
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)

    def is_empty(self) -> bool:
        files = [
            p
            for part in ("attachments", "outbox")
            for p in (self.settings.instance_dir / part).rglob("*")
            if p.is_file()
        ]
        if self.kind == "pg":
            with psycopg.connect(self.owner_url) as conn:
                tables = conn.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).fetchone()[0]
            return tables == 0 and not files
        path = Path(self.settings.database_url.removeprefix("sqlite:///"))
        return not path.exists() and not files

    def facts(self) -> dict:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return facts(conn)
        finally:
            engine.dispose()

    def chain_breaks(self) -> list:
        engine = make_engine(self.url)
        try:
            with make_session_factory(engine)() as s:
                return list(verify_all_chains(s))
        finally:
            engine.dispose()


def _migrated(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        sync_reference_data(session)
    engine.dispose()


def new_site(
    database: str, tmp_path: Path, name: str, request: pytest.FixtureRequest, migrated: bool
) -> Site:
    """A site whose database is migrated with the reference data, or empty."""
    instance = tmp_path / name
    instance.mkdir()
    env = {
        "OVERSIGHT_INSTANCE_DIR": str(instance),
        "OVERSIGHT_SECRET_KEY": "test-backup",
        "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"],  # what the run's links use
    }
    if database == "pg":
        roles: Roles = request.getfixturevalue("roles")
        db = roles.new_database(name, template=roles.template if migrated else None)
        owner_url = roles.owner_url(db)
        settings = load_settings(env).with_(database_url=owner_url)
        return Site("pg", settings, owner_url, roles, db)
    path = instance / "oversight.db"
    if migrated:
        shutil.copy(request.getfixturevalue("sqlite_reference_template"), path)
    settings = load_settings(env).with_(database_url=f"sqlite:///{path}")
    return Site("sqlite", settings, "")


@pytest.fixture
def site(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> Site:
    """A migrated installation with cases, events, attachments, outbox files and checkpoints."""
    made = new_site(database, tmp_path, "site", request, migrated=True)
    engine = make_engine(made.url)
    try:
        world = World.build(make_session_factory(engine))
        world.drive_to(world.open_case(), "rectifying")
        world.drive_to(world.open_case(), "awaiting_verification")
        made.world = world
    finally:
        engine.dispose()
    instance = made.settings.instance_dir
    for relative, content in (
        ("attachments/ab12cd", b"%PDF-1.7 complaint attachment"),
        ("attachments/ef34", bytes(range(256)) * 4000),
        ("outbox/report-1.json", '{"kind": "report", "单位": "鹿泉区教育局"}'.encode()),
        ("checkpoints/2026-03-01.json", b'{"heads": "old"}'),
        ("checkpoints/2026-03-02.json", b'{"heads": "new"}'),
    ):
        path = instance / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (instance / "secret_key").write_text("never in a backup")
    return made


def instance_files(settings: Settings) -> dict[str, bytes]:
    root = settings.instance_dir
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for part in ("attachments", "outbox", "checkpoints")
        for p in sorted((root / part).rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "sm4"])
def test_back_up_wipe_restore(site: Site, tmp_path: Path, key: BackupKey | None) -> None:
    before, files = site.facts(), instance_files(site.settings)
    assert before["counts"]["cases"] == 2 and before["counts"]["events"] > 2
    archive = tmp_path / "nightly.ovb"
    manifest = make_backup(site.settings, archive, owner_url=site.owner_url, key=key)
    assert manifest["schema_revision"] == before["schema_revision"]
    assert {m["name"] for m in manifest["members"]} >= {
        "instance/attachments/ab12cd",
        "instance/outbox/report-1.json",
        "instance/checkpoints/2026-03-02.json",
    }
    assert not any("secret_key" in m["name"] for m in manifest["members"])
    assert (b"\xe9\xb9\xbf\xe6\xb3\x89" in archive.read_bytes()) is (key is None)  # 鹿泉

    site.wipe()
    assert site.is_empty()
    done = restore_backup(site.settings, archive, owner_url=site.owner_url, key=key)

    assert site.facts() == before
    assert site.chain_breaks() == []
    assert instance_files(site.settings) == files
    assert (done.files, done.checkpoints_added, done.checkpoints_kept) == (3, 2, 0)
    attachment = site.settings.instance_dir / "attachments" / "ab12cd"
    assert attachment.stat().st_mode & 0o777 == 0o600


def _refused_and_still_empty(site: Site, archive: Path, key: BackupKey | None, match: str) -> None:
    with pytest.raises(OperationRefused, match=match):
        restore_backup(site.settings, archive, owner_url=site.owner_url, key=key)
    assert site.is_empty()
    leftovers = [p.name for p in site.settings.instance_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "sm4"])
@pytest.mark.parametrize("where", [0.1, 0.5, 0.999])
def test_a_flipped_byte_is_refused(
    site: Site, tmp_path: Path, key: BackupKey | None, where: float
) -> None:
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url, key=key)
    data = bytearray(archive.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    archive.write_bytes(bytes(data))
    site.wipe()
    _refused_and_still_empty(site, archive, key, "damaged")


def test_a_truncated_archive_is_refused(site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url, key=KEY)
    archive.write_bytes(archive.read_bytes()[:-1000])
    site.wipe()
    _refused_and_still_empty(site, archive, KEY, "damaged or truncated")


def test_a_wrong_or_missing_key_is_refused(site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url, key=KEY)
    site.wipe()
    _refused_and_still_empty(site, archive, OTHER_KEY, "another key")
    _refused_and_still_empty(site, archive, None, "OVERSIGHT_BACKUP_KEY")


def test_with_a_key_set_an_unencrypted_archive_is_refused(site: Site, tmp_path: Path) -> None:
    """An unencrypted archive is sealed with a plain SM3 that anyone can compute."""
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url)
    site.wipe()
    _refused_and_still_empty(site, archive, KEY, "not encrypted")


@pytest.mark.parametrize(
    "manifest",
    [b"[]", b"{}", b'{"format": "oversight-backup", "members": [{"name": 1}]}', b"\xff"],
)
def test_a_forged_manifest_is_refused(site: Site, tmp_path: Path, manifest: bytes) -> None:
    archive = tmp_path / "hostile.ovb"
    archive.write_bytes(forge([("manifest.json", manifest)]))
    site.wipe()
    _refused_and_still_empty(site, archive, None, "manifest")


def test_a_non_empty_target_is_refused(site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url)
    before, files = site.facts(), instance_files(site.settings)
    with pytest.raises(OperationRefused, match="empty database and instance folder"):
        restore_backup(site.settings, archive, owner_url=site.owner_url)
    assert site.facts() == before and instance_files(site.settings) == files


def test_checkpoints_in_the_target_are_never_overwritten(site: Site, tmp_path: Path) -> None:
    """A checkpoint newer than the backup is what catches a rollback: it must survive."""
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url)
    site.wipe()
    folder = site.settings.instance_dir / "checkpoints"
    folder.mkdir()
    (folder / "2026-03-02.json").write_bytes(b'{"heads": "written after the backup"}')
    (folder / "2026-03-09.json").write_bytes(b'{"heads": "newer still"}')
    done = restore_backup(site.settings, archive, owner_url=site.owner_url)
    assert (done.checkpoints_added, done.checkpoints_kept) == (1, 1)
    assert (folder / "2026-03-02.json").read_bytes() == b'{"heads": "written after the backup"}'
    assert (folder / "2026-03-09.json").read_bytes() == b'{"heads": "newer still"}'
    assert (folder / "2026-03-01.json").read_bytes() == b'{"heads": "old"}'


def test_an_older_backup_restored_is_caught_until_the_loss_is_accepted(
    site: Site, tmp_path: Path
) -> None:
    """The disaster case: the newest surviving archive is older than the checkpoints. It is
    restored (that is what it is for), the operator is told what is lost, ``verify-events``
    fails until the loss is accepted, and then verifies again from the restored state."""
    archive = tmp_path / "last-week.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url)
    assert site.world is not None
    site.world.drive_to(site.world.open_case(), "rectifying")  # history the archive lacks
    engine = make_engine(site.url)
    try:
        with make_session_factory(engine)() as session:
            write_checkpoint(session, site.settings)
    finally:
        engine.dispose()
    folder = checkpoint_dir(site.settings)
    kept = tmp_path / "checkpoints-elsewhere"
    shutil.move(folder, kept)  # checkpoints live apart from the database and survive it
    site.wipe()
    shutil.move(kept, folder)

    done = restore_backup(site.settings, archive, owner_url=site.owner_url)

    assert site.chain_breaks() == []  # every restored chain is whole and authentic
    assert any("missing" in finding and "case 3" in finding for finding in done.behind)
    assert any("events" in finding for finding in done.behind)  # fewer events than counted
    assert _everything(site) == done.behind  # verify-events says the same
    retire_checkpoints(site.settings, "restored last week's archive after the disk failure")
    engine = make_engine(site.url)
    try:
        with make_session_factory(engine)() as session:
            write_checkpoint(session, site.settings)
    finally:
        engine.dispose()
    assert _everything(site) == []
    assert [reason for _, reason in retirements(site.settings)] == [
        "restored last week's archive after the disk failure"
    ]


def _everything(site: Site) -> list[str]:
    engine = make_engine(site.url)
    try:
        with make_session_factory(engine)() as session:
            return [str(p) for p in verify_everything(session, site.settings)]
    finally:
        engine.dispose()


def test_a_backup_of_a_rewritten_history_is_refused_and_the_target_left_empty(
    site: Site, tmp_path: Path
) -> None:
    """The archive is intact but its chains are not: found after the database is restored,
    which is then emptied again."""
    with psycopg.connect(site.owner_url) if site.kind == "pg" else _sqlite(site) as conn:
        if site.kind == "pg":
            conn.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
            conn.execute('UPDATE events SET payload = \'{"facts": "rewritten"}\' WHERE seq = 2')
            conn.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
        else:
            conn.execute("DROP TRIGGER events_no_update")
            conn.execute('UPDATE events SET payload = \'{"facts": "rewritten"}\' WHERE seq = 2')
            conn.commit()
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url)
    site.wipe()
    _refused_and_still_empty(site, archive, None, "chains do not verify")


def _sqlite(site: Site):  # type: ignore[no-untyped-def]
    import sqlite3

    return sqlite3.connect(site.settings.database_url.removeprefix("sqlite:///"))


def forge(records: list[tuple[str, bytes]], sizes: dict[str, int] | None = None) -> bytes:
    """A plain archive whose seal (an unkeyed SM3) is right — what anyone can make."""
    body = b""
    for name, data in records:
        encoded = name.encode()
        size = (sizes or {}).get(name, len(data))
        body += b"M" + struct.pack(">H", len(encoded)) + encoded + struct.pack(">Q", size) + data
    body += b"E"
    sealed = MAGIC + bytes([1, 0]) + body
    return sealed + hashlib.new("sm3", sealed).digest()


def _manifest(members: list[tuple[str, bytes]], database: str) -> bytes:
    listed = [
        {"name": n, "size": len(d), "sm3": hashlib.new("sm3", d).hexdigest()} for n, d in members
    ]
    manifest = {
        "format": "oversight-backup",
        "database": "postgresql" if database == "pg" else "sqlite",
        "counts": {},
        "chain_heads": {},
        "schema_revision": None,
        "members": listed,
    }
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    "name",
    [
        "instance/attachments/../../../escaped",
        "/etc/cron.d/evil",
        "instance/attachments/a\\..\\..\\b",
        "instance/secret_key",
        "database/../../x",
    ],
)
def test_member_names_cannot_leave_the_instance_folder(
    site: Site, tmp_path: Path, name: str
) -> None:
    kind = "database/oversight.pgdump" if site.kind == "pg" else "database/oversight.sqlite3"
    members = [(kind, b"x"), (name, b"payload")]
    archive = tmp_path / "hostile.ovb"
    archive.write_bytes(forge([("manifest.json", _manifest(members, site.kind)), *members]))
    site.wipe()
    _refused_and_still_empty(site, archive, None, "unsafe member|unexpected member")
    assert not (tmp_path / "escaped").exists()


def test_declared_sizes_are_not_trusted(site: Site, tmp_path: Path) -> None:
    kind = "database/oversight.pgdump" if site.kind == "pg" else "database/oversight.sqlite3"
    members = [(kind, b"x")]
    archive = tmp_path / "hostile.ovb"
    manifest = _manifest(members, site.kind)
    archive.write_bytes(
        forge([("manifest.json", manifest), *members], sizes={"manifest.json": 1 << 60})
    )
    site.wipe()
    _refused_and_still_empty(site, archive, None, "manifest is missing")


def test_a_backup_is_never_written_over_an_existing_file(site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "b.ovb"
    archive.write_bytes(b"yesterday's")
    with pytest.raises(OperationRefused, match="already exists"):
        make_backup(site.settings, archive, owner_url=site.owner_url)
    assert archive.read_bytes() == b"yesterday's"


def test_a_backup_into_the_other_database_is_refused(
    site: Site, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    archive = tmp_path / "b.ovb"
    make_backup(site.settings, archive, owner_url=site.owner_url)
    other = new_site(
        "sqlite" if site.kind == "pg" else "pg", tmp_path, "other", request, migrated=False
    )
    _refused_and_still_empty(other, archive, None, "cannot be restored into")


def test_memory_stays_bounded_whatever_the_size(site: Site, tmp_path: Path) -> None:
    """A 48 MB attachment goes through backup and restore in chunks (Python's own allocations
    measured; pg_dump's and SQLite's are their own business)."""
    import tracemalloc

    big = site.settings.instance_dir / "attachments" / "big"
    with big.open("wb") as f:
        for _ in range(48):
            f.write(os.urandom(1 << 20))
    archive = tmp_path / "b.ovb"
    tracemalloc.start()
    try:
        make_backup(site.settings, archive, owner_url=site.owner_url, key=KEY)
        _, backup_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        original = hashlib.new("sm3", big.read_bytes()).hexdigest()
        site.wipe()
        tracemalloc.reset_peak()
        restore_backup(site.settings, archive, owner_url=site.owner_url, key=KEY)
        _, restore_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert hashlib.new("sm3", big.read_bytes()).hexdigest() == original
    assert backup_peak < 12 << 20 and restore_peak < 12 << 20, (backup_peak, restore_peak)
