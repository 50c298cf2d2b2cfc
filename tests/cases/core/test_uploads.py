"""Uploads are streamed within their limit into private files; names that disguise themselves
are refused (issue 9 §3, §5)."""

from __future__ import annotations

import io
import stat
import time
from pathlib import Path

import pytest

from cases.core.errors import InvalidInput
from cases.core.uploads import (
    CHUNK,
    FileTooLarge,
    check_file_name,
    read_bounded,
    store_bounded,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_stored_upload_is_whole_hashed_and_private(tmp_path: Path) -> None:
    data = b"x" * (3 * CHUNK + 5)
    stored = store_bounded(io.BytesIO(data), len(data), tmp_path / "uploads")
    assert stored.size == len(data) and stored.path.read_bytes() == data
    assert stored.sha256 == __import__("hashlib").sha256(data).hexdigest()
    assert mode(stored.path) == 0o600 and mode(tmp_path / "uploads") == 0o700
    final = stored.move_to(tmp_path / "uploads" / stored.sha256)
    assert final.read_bytes() == data and mode(final) == 0o600


def test_one_byte_over_the_limit_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    with pytest.raises(FileTooLarge, match="exceeds the limit of 1 MB") as refused:
        store_bounded(io.BytesIO(b"x" * (CHUNK + 1)), CHUNK, tmp_path, what=("附件", "The file"))
    assert refused.value.status == 413 and "超过1 MB的上限" in refused.value.reason_zh
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileTooLarge):
        read_bounded(io.BytesIO(b"x" * 11), 10)
    assert read_bounded(io.BytesIO(b"x" * 10), 10) == b"x" * 10


def test_an_endless_stream_is_refused_at_the_limit(tmp_path: Path) -> None:
    started = time.monotonic()
    with open("/dev/zero", "rb") as endless, pytest.raises(FileTooLarge):
        store_bounded(endless, 20 * CHUNK, tmp_path)
    with open("/dev/zero", "rb") as endless, pytest.raises(FileTooLarge):
        read_bounded(endless, 20 * CHUNK)
    assert time.monotonic() - started < 10
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    [
        "\u202egpj.exe",  # RIGHT-TO-LEFT OVERRIDE: shows as "exe.jpg"
        "photo\u202a.jpg",
        "photo\u202b.jpg",
        "photo\u202c.jpg",
        "photo\u202d.jpg",
        "photo\u2066.jpg",
        "photo\u2067.jpg",
        "photo\u2068.jpg",
        "photo\u2069.jpg",
        "photo\u200e.jpg",
        "photo\u200f.jpg",
        "photo\u061c.jpg",
        "zero\u200bwidth.jpg",
        "line\u2028break.jpg",
        "nul\x00.jpg",
        "tab\t.jpg",
        "del\x7f.jpg",
        "../etc/passwd",
        "a/b.jpg",
        "a\\b.jpg",
        "..",
        ".",
        "",
        " padded.jpg",
        "x" * 201,
    ],  # fmt: skip
)
def test_names_that_disguise_or_escape_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        check_file_name(name)


def test_ordinary_names_pass() -> None:
    for name in ("现场照片.jpg", "举报信 (1).txt", "Report_2026-03-02.pdf", "档案·清单.xlsx"):
        assert check_file_name(name) == name
