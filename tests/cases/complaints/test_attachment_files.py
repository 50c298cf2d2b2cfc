"""Complaint attachments as files (issue 9 §3, §5): streamed within the limit whatever their
size (a 2 GB file, ``/dev/zero``), names that disguise their type refused, and what is kept
readable by the service's user only."""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from cases.complaints.intake import receive_complaint
from cases.core.db import command_session
from cases.core.errors import InvalidInput
from cases.core.settings import Settings, load_settings
from cases.models import Authority, Complaint
from tests.support.cli import as_user
from tests.support.world import World
from web.cli.complaints import complaints_group


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "attachments-test"}
    )


def receive(world: World, settings: Settings, **kw: Any) -> int:
    with command_session(world.factory) as s:
        return receive_complaint(
            s, s.get(Authority, world.ids["luquan"]), actor=world.user(s, "inspector"),
            source="public", unit_id=world.ids["unit"], content="档案库房漏水",
            now=world.now, settings=settings, **kw,
        ).id  # fmt: skip


def complaints(world: World) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(Complaint))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as out:
        out.truncate(size)
    return path


def test_a_two_gigabyte_file_is_refused_at_the_limit(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    big = sparse(tmp_path / "big.bin", 2 * 1024**3)
    started = time.monotonic()
    with open(big, "rb") as stream, pytest.raises(InvalidInput, match="exceeds the limit of 20 MB"):
        receive(world, settings, attachments=[("ok.txt", b"fine"), ("big.bin", stream)])
    assert time.monotonic() - started < 10
    assert complaints(world) == 0
    assert list((settings.instance_dir / "attachments").iterdir()) == []


def test_the_limit_is_a_setting(world: World, settings: Settings) -> None:
    small = settings.with_(attachment_max_mb=1)
    with pytest.raises(InvalidInput, match="1 MB"):
        receive(world, small, attachments=[("a.txt", b"x" * (1024 * 1024 + 1))])
    assert receive(world, small, attachments=[("a.txt", b"x" * (1024 * 1024))])


@pytest.mark.parametrize(
    "name",
    ["\u202egpj.exe", "report\u2067.pdf", "photo\u200f.jpg", "tab\tname.txt", "x\x1b[31m.txt"],
)
def test_a_name_with_bidi_or_control_characters_is_refused(
    world: World, settings: Settings, name: str
) -> None:
    with pytest.raises(InvalidInput, match="file name"):
        receive(world, settings, attachments=[(name, b"MZ")])
    assert complaints(world) == 0


def test_stored_attachments_are_private(world: World, settings: Settings) -> None:
    complaint_id = receive(
        world, settings, attachments=[("shadow.txt", b"root:*:19000:0:99999:7:::")]
    )
    with world.factory() as s:
        digest = s.get(Complaint, complaint_id).attachments[0]["sha256"]
    folder = settings.instance_dir / "attachments"
    assert mode(folder) == 0o700
    assert mode(folder / digest) == 0o600


def test_cli_streams_the_files_it_attaches(app: Flask, world: World, tmp_path: Path) -> None:
    base = ["add", "--authority", "luquan", "--unit-id",
            str(world.ids["unit"]), "--content", "档案库房漏水"]  # fmt: skip
    big = sparse(tmp_path / "big.bin", 2 * 1024**3)
    started = time.monotonic()
    with app.app_context():
        for path in (big, Path("/dev/zero")):
            result = as_user(
                app, world, "zhang", *base, "--attach", str(path), command=complaints_group
            )
            assert result.exit_code == 1, result.output
            assert "超过20 MB的上限" in result.output and "Traceback" not in result.output
        shadow = tmp_path / "shadow.txt"
        shadow.write_text("root:*:19000:0:99999:7:::")
        shadow.chmod(0o644)
        result = as_user(
            app, world, "zhang", *base, "--attach", str(shadow), command=complaints_group
        )
        assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 20
    stored = [p for p in (tmp_path / "attachments").iterdir()]
    assert len(stored) == 1 and mode(stored[0]) == 0o600


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("整改证据.pdf", b"<html><script>alert(1)</script></html>", "不是可接收的文件类型"),
        ("现场照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00", "不是可接收的文件类型"),
        ("图.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "不是可接收"),
        ("照片.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "内容是PNG图片，与扩展名“.pdf”不符"),
    ],
)
def test_an_attachment_is_taken_by_its_content_not_its_name(
    world: World, settings: Settings, name: str, content: bytes, says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        receive(world, settings, attachments=[("举报信.txt", "档案丢失".encode()), (name, content)])
    assert says in refused.value.reason_zh and "第2个文件" in refused.value.reason_zh
    assert complaints(world) == 0
    assert list((settings.instance_dir / "attachments").iterdir()) == []


def test_the_kind_found_is_kept_with_the_attachment(world: World, settings: Settings) -> None:
    photo = b"\x89PNG\r\n\x1a\n" + bytes(100)
    complaint_id = receive(
        world, settings, attachments=[("照片.PNG", photo), ("信.txt", "举报".encode())]
    )
    with world.factory() as s:
        kinds = [a["type"] for a in s.get(Complaint, complaint_id).attachments]
    assert kinds == ["png", "text"]
