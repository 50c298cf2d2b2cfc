"""What an uploaded file is, by its content (its first bytes), not by the name it came with.

Evidence a unit sends (整改报告的佐证材料), a complaint's attachments: scans, photos, office
documents, recordings. A file is accepted only when its first bytes are those of a kind on
:data:`KINDS` *and* its name's extension is one of that kind's — ``证据.pdf`` holding HTML, or
``照片.jpg`` holding a Windows program, is refused with both named. What is served back later is
served as the kind found here (never as what the browser guesses: ``nosniff``), as an attachment.

Refused whatever the name: anything that a browser or desktop would run or render with script
(HTML, SVG, XML, executables, scripts) — they are not on the list, and an unknown content is
refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from cases.core.errors import InvalidInput

#: Bytes a sniff needs (the longest signature below, with room for the ISO media ``ftyp`` box).
HEAD = 64


@dataclass(frozen=True)
class FileKind:
    """A kind of file accepted as an upload."""

    key: str
    label_zh: str
    mimetype: str
    extensions: frozenset[str]


def _kind(key: str, label_zh: str, mimetype: str, *extensions: str) -> FileKind:
    return FileKind(key, label_zh, mimetype, frozenset(extensions))


PDF = _kind("pdf", "PDF文档", "application/pdf", ".pdf")
OFD = _kind("ofd", "OFD版式文档", "application/ofd", ".ofd")
JPEG = _kind("jpeg", "JPEG图片", "image/jpeg", ".jpg", ".jpeg")
PNG = _kind("png", "PNG图片", "image/png", ".png")
GIF = _kind("gif", "GIF图片", "image/gif", ".gif")
TIFF = _kind("tiff", "TIFF图片", "image/tiff", ".tif", ".tiff")
WEBP = _kind("webp", "WebP图片", "image/webp", ".webp")
OOXML = _kind(
    "ooxml", "Office文档", "application/octet-stream", ".docx", ".xlsx", ".pptx", ".wps", ".et"
)
OLE = _kind("ole", "Office 97–2003文档", "application/octet-stream", ".doc", ".xls", ".ppt", ".wps")
ZIP = _kind("zip", "ZIP压缩包", "application/zip", ".zip")
MP3 = _kind("mp3", "MP3录音", "audio/mpeg", ".mp3")
WAV = _kind("wav", "WAV录音", "audio/wav", ".wav")
MP4 = _kind("mp4", "MP4/MOV视频", "video/mp4", ".mp4", ".mov", ".m4a")
TEXT = _kind("text", "文本文件", "text/plain; charset=utf-8", ".txt", ".csv")

#: The kinds an upload may be, each with how its first bytes are recognised (in this order:
#: the OOXML, OFD and ZIP kinds share the ZIP signature and are told apart by the extension).
_SIGNATURES: tuple[tuple[FileKind, Callable[[bytes], bool]], ...] = (
    (PDF, lambda h: h.startswith(b"%PDF-")),
    (JPEG, lambda h: h.startswith(b"\xff\xd8\xff")),
    (PNG, lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    (GIF, lambda h: h[:6] in (b"GIF87a", b"GIF89a")),
    (TIFF, lambda h: h[:4] in (b"II*\x00", b"MM\x00*")),
    (WEBP, lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP"),
    (WAV, lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE"),
    (OLE, lambda h: h.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
    (MP3, lambda h: h.startswith(b"ID3") or h[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    (MP4, lambda h: h[4:8] == b"ftyp"),
)
_ZIP_KINDS = (OOXML, OFD, ZIP)
KINDS: tuple[FileKind, ...] = (*(k for k, _ in _SIGNATURES), *_ZIP_KINDS, TEXT)


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower()


def sniff(head: bytes, name: str = "") -> FileKind | None:
    """The kind ``head`` (a file's first :data:`HEAD` bytes) shows, or None when it is none of
    :data:`KINDS`. ``name`` tells apart the kinds that share the ZIP container."""
    for kind, matches in _SIGNATURES:
        if matches(head):
            return kind
    if head.startswith(b"PK\x03\x04"):
        extension = extension_of(name)
        return next((k for k in _ZIP_KINDS if extension in k.extensions), ZIP)
    if _plain_text(head):
        return TEXT
    return None


def _plain_text(head: bytes) -> bool:
    """UTF-8 (or GB 18030) text without control characters other than tab and line ends, and
    not markup a browser would render (a page or an SVG with script)."""
    if not head or b"\x00" in head:
        return False
    text = _decoded(head)
    if text is None:
        return False
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return False
    start = text.lstrip("\ufeff \t\r\n").lower()
    return not start.startswith(("<", "#!"))


def _decoded(head: bytes) -> str | None:
    """``head`` as UTF-8 or GB 18030 text — it may end inside a character — or None."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:  # cut off mid-character at the end of the head
                try:
                    return head[: exc.start].decode(encoding)
                except UnicodeDecodeError:
                    pass
    return None


def check_upload(name: str, head: bytes, *, position: int | None = None) -> FileKind:
    """The kind of an upload named ``name`` whose first bytes are ``head``, or InvalidInput
    naming what it is and what its name claims."""
    which_zh = f"第{position}个文件“{name}”" if position is not None else f"文件“{name}”"
    which_en = f"File {position} ({name!r})" if position is not None else f"File {name!r}"
    extension = extension_of(name)
    kind = sniff(head, name)
    if kind is None:
        allowed = "、".join(sorted({e for k in KINDS for e in k.extensions}))
        raise InvalidInput(
            f"{which_zh}的内容不是可接收的文件类型（可接收：{allowed}）",
            f"{which_en}: its content is not an accepted kind of file",
        )
    if extension not in kind.extensions:
        raise InvalidInput(
            f"{which_zh}的内容是{kind.label_zh}，与扩展名“{extension or '无'}”不符",
            f"{which_en}: the content is {kind.key}, which its extension "
            f"{extension or '(none)'!r} does not say",
        )
    return kind


def kind_named(key: str) -> FileKind | None:
    """The kind recorded as ``key`` (a stored upload's)."""
    return next((k for k in KINDS if k.key == key), None)
