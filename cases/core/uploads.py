"""Files that come in from outside (an attachment, an import file), and files kept at rest.

Every upload goes through :func:`store_bounded`: the bytes are streamed, a chunk at a time, into
a private temporary file inside the instance folder while they are counted and hashed, and the
limit is enforced *while reading* — a 2 GB file or ``/dev/zero`` is refused after ``limit + 1``
bytes, with memory bounded by one chunk, never after being read whole. The caller then moves the
file into place (:meth:`StoredFile.move_to`, an atomic rename on the same filesystem) or drops it
(:meth:`StoredFile.discard`).

Files at rest hold personal data (complaints, attachments, reports for other authorities): the
instance folder and every folder under it are 0700, every file 0600 — set where they are made,
whatever the process umask says (:func:`private_folder`, :func:`private_file`).

A file name given with an upload is checked by :func:`check_file_name`: no path, no control
characters and no bidirectional controls (``"\\u202egpj.exe"`` shows as "exe.jpg").
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cases.core.errors import InvalidInput
from cases.core.filetypes import HEAD

__all__ = [
    "CHUNK",
    "Download",
    "FileTooLarge",
    "StoredFile",
    "check_file_name",
    "private_file",
    "private_folder",
    "read_bounded",
    "store_bounded",
]

#: Bytes read per step: memory used by an upload, whatever its size.
CHUNK = 1024 * 1024

FOLDER_MODE = 0o700
FILE_MODE = 0o600

#: Bidirectional formatting characters: they reorder what a name shows (U+202A–U+202E embeddings
#: and overrides, U+2066–U+2069 isolates, U+200E/U+200F marks, U+061C the Arabic letter mark).
BIDI_CONTROLS = frozenset(
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u200e", "\u200f",
     "\u061c"]
)  # fmt: skip


class FileTooLarge(InvalidInput):
    """An upload beyond its limit; refused while it was being read."""

    status = 413
    code = "file_too_large"


def too_large(what_zh: str, what_en: str, limit: int) -> FileTooLarge:
    """The refusal of a file beyond ``limit`` bytes, naming the limit in both languages."""
    if limit >= 1024 * 1024:
        zh = en = f"{limit / (1024 * 1024):g} MB"
    else:
        zh, en = f"{limit}字节", f"{limit} bytes"
    return FileTooLarge(
        f"{what_zh}超过{zh}的上限，未保存", f"{what_en} exceeds the limit of {en}; not stored"
    )


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 and make an existing one 0700 too."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path, FOLDER_MODE)
    return path


def private_file(path: Path) -> int:
    """Open a new file for writing, created 0600 whatever the umask (refuses an existing one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd


@dataclass(frozen=True)
class StoredFile:
    """An upload written to a private temporary file: where, how big, its SHA-256."""

    path: Path
    size: int
    sha256: str
    #: The first bytes (:data:`cases.core.filetypes.HEAD`), for telling its kind by content.
    head: bytes = b""

    def move_to(self, final: Path) -> Path:
        """Rename into place (atomic on the same filesystem) and return the final path."""
        os.replace(self.path, final)
        return final

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Download:
    """A stored file on its way out: where, under which name, as what."""

    path: Path
    name: str
    mimetype: str
    size: int
    sha256: str


def store_bounded(
    stream: BinaryIO,
    limit: int,
    dest_dir: Path,
    *,
    what: tuple[str, str] = ("文件", "The file"),
) -> StoredFile:
    """Stream ``stream`` into a new private file in ``dest_dir``, refusing beyond ``limit`` bytes.

    The file is fsynced before it is returned, so a rename into place publishes whole bytes.

    Raises:
        FileTooLarge: more than ``limit`` bytes came (the partial file is removed).
    """
    private_folder(dest_dir)
    path = dest_dir / f".upload-{secrets.token_hex(12)}"
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd = private_file(path)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(min(CHUNK, limit + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise too_large(*what, limit)
                digest.update(chunk)
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(path, size, digest.hexdigest(), head)


def read_bounded(
    stream: BinaryIO, limit: int, *, what: tuple[str, str] = ("文件", "The file")
) -> bytes:
    """Read a small upload into memory, refusing beyond ``limit`` bytes while reading."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise too_large(*what, limit)
        parts.append(chunk)


def check_file_name(name: object, *, max_length: int = 200, position: int | None = None) -> str:
    """The name of an uploaded file if it is safe to keep and show, else :class:`InvalidInput`.

    Refused: empty or padded names, ``.``/``..``, a path (``/`` or ``\\``), longer than
    ``max_length``, control characters (Unicode category Cc), bidirectional controls and other
    invisible format characters (category Cf, e.g. U+202E, U+200B), line and paragraph
    separators.
    """
    text = name if isinstance(name, str) else ""
    which_zh = f"第{position}个附件的文件名" if position is not None else "文件名"
    which_en = f"Attachment {position}: the file name" if position is not None else "The file name"
    if any(c in BIDI_CONTROLS for c in text):
        raise InvalidInput(
            f"{which_zh}含有双向文字控制字符（会使扩展名显示错误，如“\\u202egpj.exe”显示为“exe.jpg”）",
            f"{which_en} holds bidirectional control characters (they disguise the extension)",
        )
    unsafe = (
        not text.strip()
        or text != text.strip()
        or text in (".", "..")
        or len(text) > max_length
        or any(c in text for c in "/\\")
        or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in text)
    )
    if unsafe:
        raise InvalidInput(
            f"{which_zh}无效（不得为空、不得含路径或控制字符，不超过{max_length}字）",
            f"{which_en} must be non-empty, without path or control characters, at most "
            f"{max_length} characters",
        )
    return text
