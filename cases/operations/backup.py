"""``oversight backup OUT`` and ``oversight restore IN``: one sealed archive, a checked restore.

The archive holds the database (``pg_dump`` custom format on PostgreSQL, taken as the owner in
one snapshot; SQLite's online backup API on SQLite), the instance folder's attachments, outbox
and checkpoints, and first of all a manifest: every member's size and SM3, the schema
revision, each table's row count and a digest of the chain heads — all read from the same
snapshot as the dump. The chain key and the secret key are *not* in it: whoever steals a backup
must not get the means to forge history with it (README: where to keep them).

A restore goes only into an empty database and an instance folder without attachments or
outbox. It authenticates the whole archive before it touches anything, extracts into a
staging folder with every size bounded by the manifest, restores the database, compares counts,
revision and chain heads with the manifest and verifies the chains — and on any failure empties
the target again. Checkpoint files already in the target are never overwritten or deleted (they
may be newer than the backup: that is how a rollback is caught); only missing ones are added.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import make_url

from cases.casework.verification import verify_all_chains, verify_everything
from cases.core.chainkeys import keyring_for
from cases.core.checkpoints import chain_heads as history_heads
from cases.core.checkpoints import checkpoint_dir
from cases.core.clock import utcnow
from cases.core.db import make_engine, make_session_factory
from cases.core.errors import OperationRefused
from cases.core.settings import Settings
from cases.operations.sealing import (
    BackupKey,
    SealedReader,
    SealedWriter,
    examine,
)

FORMAT = "oversight-backup"
MANIFEST = "manifest.json"
PG_MEMBER = "database/oversight.pgdump"
SQLITE_MEMBER = "database/oversight.sqlite3"
#: The instance folder's parts that go into a backup (keys stay out, README).
INSTANCE_PARTS = ("attachments", "outbox", "checkpoints")
MAX_MANIFEST = 64 << 20
MAX_NAME = 1024
CHUNK = 1 << 20
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


# ---- where things are -----------------------------------------------------------------------


def checkpoint_folder(settings: Settings) -> Path:
    """The signed checkpoints' folder (``OVERSIGHT_CHECKPOINT_DIR``, may live apart)."""
    return checkpoint_dir(settings)


def verify_restored(session: Any, settings: Settings) -> list[str]:
    """Every break in the restored chains under the chain key: a reason to refuse the archive."""
    return [str(problem) for problem in verify_all_chains(session, keyring=keyring_for(settings))]


def behind_checkpoints(url: str, settings: Settings) -> list[str]:
    """What the checkpoints in the target know that the restored database lacks.

    Not a reason to refuse: restoring the newest surviving backup after a disaster is what a
    backup is for. The operator is told what is lost; ``verify-events`` keeps failing until
    ``oversight accept-restore --reason …`` records that the loss is accepted."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return [str(problem) for problem in verify_everything(session, settings)]
    finally:
        engine.dispose()


def _instance_folder(settings: Settings, part: str) -> Path:
    return checkpoint_folder(settings) if part == "checkpoints" else settings.instance_dir / part


def _is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise OperationRefused("SQLite数据库须为文件", "the SQLite database must be a file")
    return Path(database)


def _libpq_env(url: str) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore in the environment, never on the command
    line (a process list would show the password)."""
    u = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for name, value in (
        ("PGHOST", u.host),
        ("PGPORT", u.port),
        ("PGUSER", u.username),
        ("PGPASSWORD", u.password),
        ("PGDATABASE", u.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _run(command: list[str], url: str) -> None:
    try:
        done = subprocess.run(command, env=_libpq_env(url), capture_output=True, text=True)
    except OSError as exc:
        raise OperationRefused(
            f"无法运行{command[0]}（请安装PostgreSQL客户端）",
            f"cannot run {command[0]} (install the PostgreSQL client): {exc}",
        ) from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or ["(no message)"]
        hint = "（须以表的所有者运行：--owner-url 或 OVERSIGHT_OWNER_DATABASE_URL）"
        raise OperationRefused(
            f"{command[0]}失败：{lines[0]}{hint}",
            f"{command[0]} failed: {'; '.join(lines[:3])} (it runs as the tables' owner: "
            "--owner-url or OVERSIGHT_OWNER_DATABASE_URL)",
        )


# ---- what a database holds ------------------------------------------------------------------


def facts(conn: Connection) -> dict[str, Any]:
    """Schema revision, row counts of every table and a digest of the chain heads."""
    tables = sorted(inspect(conn).get_table_names())
    counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
    revision = (
        conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if "alembic_version" in tables
        else None
    )
    return {"schema_revision": revision, "counts": counts, "chain_heads": chain_heads(conn)}


def chain_heads(conn: Connection) -> dict[str, Any]:
    """The heads of every chain, digested in owner order (the whole list would be as long as
    the register): the heads kept on the case rows, and the last link of each case, inspection
    record and register chain in the history tables."""
    digest = hashlib.new("sm3")
    n = 0
    for row in conn.execute(text("SELECT id, chain_seq, chain_head FROM cases ORDER BY id")):
        digest.update(f"{row[0]}:{row[1]}:{row[2]}\n".encode())
        n += 1
    links = hashlib.new("sm3")
    for chain, heads in sorted(history_heads(conn).items()):
        for owner, (seq, link) in sorted(heads.items(), key=lambda item: int(item[0])):
            links.update(f"{chain}:{owner}:{seq}:{link}\n".encode())
    return {"cases": n, "cases_sm3": digest.hexdigest(), "links_sm3": links.hexdigest()}


# ---- writing --------------------------------------------------------------------------------


@dataclass
class Member:
    name: str
    path: Path
    size: int = 0
    sm3: str = ""

    def digest(self) -> None:
        h = hashlib.new("sm3")
        size = 0
        with self.path.open("rb") as f:
            while block := f.read(CHUNK):
                h.update(block)
                size += len(block)
        self.size, self.sm3 = size, h.hexdigest()


def _instance_members(settings: Settings) -> list[Member]:
    members = []
    for part in INSTANCE_PARTS:
        folder = _instance_folder(settings, part)
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                relative = path.relative_to(folder).as_posix()
                members.append(Member(f"instance/{part}/{relative}", path))
    return members


def _database_copy(
    settings: Settings, owner_url: str, folder: Path
) -> tuple[Member, dict[str, Any]]:
    """The database copied into ``folder``, and its facts from the same snapshot."""
    url = owner_url or settings.database_url
    if _is_postgres(url):
        path = folder / "oversight.pgdump"
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                    _run(
                        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                         f"--snapshot={snapshot}", f"--file={path}"],
                        url,
                    )  # fmt: skip
                    found = facts(conn)
        finally:
            engine.dispose()
        return Member(PG_MEMBER, path), found
    source = _sqlite_path(url)
    if not source.is_file():
        raise OperationRefused(f"数据库文件不存在：{source}", f"no database file at {source}")
    path = folder / "oversight.sqlite3"
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            found = facts(conn)
    finally:
        engine.dispose()
    return Member(SQLITE_MEMBER, path), found


def _write_record(out: SealedWriter, name: str, size: int, source: BinaryIO | bytes) -> None:
    encoded = name.encode("utf-8")
    out.write(b"M" + struct.pack(">H", len(encoded)) + encoded + struct.pack(">Q", size))
    if isinstance(source, bytes):
        out.write(source)
        return
    left = size
    while left:
        block = source.read(min(CHUNK, left))
        if not block:
            raise OperationRefused(
                f"备份期间文件变短：{name}", f"a file shrank while it was backed up: {name}"
            )
        out.write(block)
        left -= len(block)


def make_backup(
    settings: Settings, out: Path, *, owner_url: str = "", key: BackupKey | None = None
) -> dict[str, Any]:
    """Write the archive to ``out`` (refused if it exists); returns the manifest.

    The archive appears under its name only when complete (written beside it, then linked)."""
    out = out.resolve()
    if out.exists():
        raise OperationRefused(f"目标文件已存在：{out}", f"the archive {out} already exists")
    if not out.parent.is_dir():  # a mistyped folder is refused, not created
        raise OperationRefused(
            f"备份目录不存在：{out.parent}", f"the folder {out.parent} does not exist"
        )
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".oversight-backup-") as tmp:
        database, found = _database_copy(settings, owner_url, Path(tmp))
        members = [database, *_instance_members(settings)]
        for member in members:
            member.digest()
        manifest = {
            "format": FORMAT,
            "version": 1,
            "created_at": utcnow().isoformat(),
            "database": "postgresql" if database.name == PG_MEMBER else "sqlite",
            "encrypted": key is not None,
            **found,
            "members": [{"name": m.name, "size": m.size, "sm3": m.sm3} for m in members],
        }
        body = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
        partial = Path(tmp) / "archive.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            sealed = SealedWriter(raw, key)
            _write_record(sealed, MANIFEST, len(body), body)
            for member in members:
                with member.path.open("rb") as f:
                    _write_record(sealed, member.name, member.size, f)
            sealed.write(b"E")
            sealed.close()
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.link(partial, out)  # never replaces a file that appeared meanwhile
        except FileExistsError as exc:
            raise OperationRefused(
                f"目标文件已存在：{out}", f"the archive {out} already exists"
            ) from exc
    return manifest


# ---- reading --------------------------------------------------------------------------------


def _damaged(en: str, zh: str = "内容不完整或已损坏") -> OperationRefused:
    return OperationRefused(f"备份文件{zh}（{en}）", f"backup archive damaged: {en}")


def _exact(reader: SealedReader, n: int) -> bytes:
    data = reader.read(n)
    if len(data) != n:
        raise _damaged("it ends too early")
    return data


def safe_member_name(name: str) -> PurePosixPath:
    """A member's name as a relative path that stays inside the staging folder."""
    path = PurePosixPath(name)
    if (
        not name
        or _UNSAFE.search(name)
        or path.is_absolute()
        or any(part in ("", ".", "..") or len(part) > 255 for part in name.split("/"))
    ):
        raise _damaged(f"unsafe member name {name!r}")
    if name in (PG_MEMBER, SQLITE_MEMBER):
        return path
    if len(path.parts) >= 3 and path.parts[0] == "instance" and path.parts[1] in INSTANCE_PARTS:
        return path
    raise _damaged(f"unexpected member {name!r}")


def _header(reader: SealedReader) -> tuple[str, int] | None:
    kind = _exact(reader, 1)
    if kind == b"E":
        return None
    if kind != b"M":
        raise _damaged("a record is malformed")
    (length,) = struct.unpack(">H", _exact(reader, 2))
    if not 0 < length <= MAX_NAME:
        raise _damaged("a member name is too long")
    try:
        name = _exact(reader, length).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _damaged("a member name is not UTF-8") from exc
    (size,) = struct.unpack(">Q", _exact(reader, 8))
    return name, size


def _read_manifest(reader: SealedReader, body_size: int) -> dict[str, Any]:
    first = _header(reader)
    if first is None or first[0] != MANIFEST or first[1] > min(MAX_MANIFEST, body_size):
        raise _damaged("the manifest is missing")
    try:
        manifest = json.loads(_exact(reader, first[1]))
    except ValueError as exc:
        raise _damaged("the manifest is not readable") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged("the manifest is not an Oversight manifest")
    members = manifest.get("members")
    if (
        not isinstance(members, list)
        or not members
        or manifest.get("database") not in ("postgresql", "sqlite")
        or not isinstance(manifest.get("counts"), dict)
        or not isinstance(manifest.get("chain_heads"), dict)
    ):
        raise _damaged("the manifest is not an Oversight manifest")
    seen: set[str] = set()
    total = 0
    for m in members:
        ok = (
            isinstance(m, dict)
            and isinstance(m.get("name"), str)
            and isinstance(m.get("size"), int)
            and m["size"] >= 0
            and isinstance(m.get("sm3"), str)
        )
        if not ok or m["name"] in seen:
            raise _damaged("the manifest lists a member twice or badly")
        safe_member_name(m["name"])
        seen.add(m["name"])
        total += m["size"]
    database = PG_MEMBER if manifest["database"] == "postgresql" else SQLITE_MEMBER
    if total > body_size or members[0]["name"] != database:
        raise _damaged("the manifest does not match the archive")
    return manifest


def _extract(reader: SealedReader, manifest: dict[str, Any], staging: Path) -> None:
    """Every member into ``staging``, in the manifest's order, each size and SM3 checked."""
    for m in manifest["members"]:
        header = _header(reader)
        if header != (m["name"], m["size"]):
            raise _damaged(f"member {m['name']!r} is not where the manifest says")
        target = staging.joinpath(*safe_member_name(m["name"]).parts)
        if staging.resolve() not in target.resolve().parents:
            raise _damaged(f"unsafe member name {m['name']!r}")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        h = hashlib.new("sm3")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            left = m["size"]
            while left:
                block = _exact(reader, min(CHUNK, left))
                h.update(block)
                f.write(block)
                left -= len(block)
        if h.hexdigest() != m["sm3"]:
            raise _damaged(f"member {m['name']!r} does not match its SM3 digest")
    if _header(reader) is not None or reader.read(1):
        raise _damaged("it holds more than its manifest lists")
    reader.check()


# ---- the target -----------------------------------------------------------------------------


def _pg_objects(conn: Connection) -> int:
    return conn.execute(
        text(
            "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "        WHERE n.nspname = 'public') "
            "     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "        WHERE n.nspname = 'public')"
        )
    ).scalar_one()


def _empty_postgres(engine: Engine) -> None:
    """Drop what a failed restore created (the target was empty before it began)."""
    with engine.begin() as conn:
        for kind, query in (
            ("TABLE", "SELECT format('%I', tablename) FROM pg_tables WHERE schemaname = 'public'"),
            ("VIEW", "SELECT format('%I', viewname) FROM pg_views WHERE schemaname = 'public'"),
            ("SEQUENCE",
             "SELECT format('%I', sequencename) FROM pg_sequences WHERE schemaname = 'public'"),
            ("FUNCTION",
             "SELECT p.oid::regprocedure::text FROM pg_proc p "
             "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"),
            ("TYPE",
             "SELECT format('%I', t.typname) FROM pg_type t JOIN pg_namespace n "
             "ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')"),
        ):  # fmt: skip
            names = list(conn.execute(text(query)).scalars())
            if names:
                conn.execute(text(f"DROP {kind} IF EXISTS {', '.join(names)} CASCADE"))


def _folder_has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() or p.is_symlink() for p in folder.rglob("*"))


def _refuse_unless_empty(settings: Settings, url: str) -> None:
    busy: list[str] = []
    if _is_postgres(url):
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                if _pg_objects(conn):
                    busy.append(f"database {make_url(url).database}")
        finally:
            engine.dispose()
    else:
        path = _sqlite_path(url)
        for candidate in (path, Path(f"{path}-wal")):
            if candidate.exists() and candidate.stat().st_size > 0:
                busy.append(str(candidate))
    for part in ("attachments", "outbox"):
        if _folder_has_files(_instance_folder(settings, part)):
            busy.append(str(_instance_folder(settings, part)))
    if busy:
        raise OperationRefused(
            "只能恢复到空的数据库和实例目录，以下目标不为空：" + "、".join(busy),
            "restore goes only into an empty database and instance folder; not empty: "
            + ", ".join(busy),
        )


@dataclass
class Restored:
    manifest: dict[str, Any]
    files: int = 0
    checkpoints_added: int = 0
    checkpoints_kept: int = 0
    placed: list[Path] = field(default_factory=list)
    #: What newer checkpoints in the target know that this archive lacks (an older backup).
    behind: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = self.manifest["counts"]
        return (
            f"restored {self.manifest['database']} at revision {self.manifest['schema_revision']} "
            f"({counts.get('cases', 0)} cases, {counts.get('events', 0)} events), "
            f"{self.files} file(s); checkpoints: {self.checkpoints_added} added, "
            f"{self.checkpoints_kept} already present kept"
        )


def _restore_database(manifest: dict[str, Any], staging: Path, url: str) -> None:
    if _is_postgres(url):
        if manifest["database"] != "postgresql":
            raise _mismatch("a SQLite backup cannot be restored into PostgreSQL")
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", f"--dbname={make_url(url).database}",
             str(staging / PG_MEMBER)],
            url,
        )  # fmt: skip
        return
    if manifest["database"] != "sqlite":
        raise _mismatch("a PostgreSQL backup cannot be restored into SQLite")
    staged = staging / SQLITE_MEMBER
    with sqlite3.connect(staged) as conn:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    if ok != "ok":
        raise _damaged("its SQLite database fails the integrity check")
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with suppress(FileNotFoundError):  # an empty file or WAL left by a previous start
        for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            if leftover.exists() and leftover.stat().st_size == 0:
                leftover.unlink()
    temp = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(staged, temp)
    temp.chmod(0o600)
    try:
        os.link(temp, target)
    finally:
        temp.unlink()


def _mismatch(en: str) -> OperationRefused:
    return OperationRefused(f"备份与目标不符（{en}）", f"backup does not match the target: {en}")


def _check_database(manifest: dict[str, Any], settings: Settings, url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = facts(conn)
        for key in ("schema_revision", "counts", "chain_heads"):
            if found[key] != manifest.get(key):
                raise _mismatch(f"the restored {key.replace('_', ' ')} differ from the manifest")
        with make_session_factory(engine)() as session:
            problems = verify_restored(session, settings)
        if problems:
            raise OperationRefused(
                f"恢复后的事件链校验失败：{problems[0]}",
                f"the restored chains do not verify ({len(problems)} problem(s)): {problems[0]}",
            )
    finally:
        engine.dispose()


def _place_files(
    manifest: dict[str, Any], staging: Path, settings: Settings, done: Restored
) -> None:
    for m in manifest["members"][1:]:
        parts = safe_member_name(m["name"]).parts
        part = parts[1]
        folder = _instance_folder(settings, part)
        target = folder.joinpath(*parts[2:])
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        source = staging.joinpath(*parts)
        try:
            os.link(source, target)
        except FileExistsError:
            if part == "checkpoints":  # a newer or the same checkpoint: never overwritten
                done.checkpoints_kept += 1
                continue
            raise
        except OSError:  # another file system (the checkpoints may live apart)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out, source.open("rb") as f:
                shutil.copyfileobj(f, out, CHUNK)
        done.placed.append(target)
        if part == "checkpoints":
            done.checkpoints_added += 1
        else:
            done.files += 1


def restore_backup(
    settings: Settings, archive: Path, *, owner_url: str = "", key: BackupKey | None = None
) -> Restored:
    """Restore ``archive`` into the empty target; on any failure leave the target empty.

    Raises:
        OperationRefused: a non-empty target; a damaged, truncated, foreign, wrong-key or
            mismatching archive; chains that do not verify once restored.
    """
    url = owner_url or settings.database_url
    envelope = examine(archive, key)  # authentic before anything is touched
    _refuse_unless_empty(settings, url)
    settings.instance_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(dir=settings.instance_dir, prefix=".restore-"))
    database_touched = False
    done: Restored | None = None
    try:
        reader = SealedReader(envelope)
        try:
            manifest = _read_manifest(reader, envelope.body_size)
            _extract(reader, manifest, staging)
        finally:
            reader.close()
        done = Restored(manifest)
        _restore_database(manifest, staging, url)
        database_touched = True
        _check_database(manifest, settings, url)
        _place_files(manifest, staging, settings, done)
        done.behind = behind_checkpoints(url, settings)
    except BaseException:
        for path in done.placed if done else []:
            with suppress(OSError):
                path.unlink()
        if database_touched:
            _empty_target_database(url)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return done


def _empty_target_database(url: str) -> None:
    if _is_postgres(url):
        engine = make_engine(url)
        try:
            _empty_postgres(engine)
        finally:
            engine.dispose()
        return
    target = _sqlite_path(url)
    for path in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        with suppress(FileNotFoundError):
            path.unlink()
