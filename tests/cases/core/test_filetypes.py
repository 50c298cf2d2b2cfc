"""An upload's kind is told by its first bytes; its name must agree (cases/core/filetypes.py)."""

from __future__ import annotations

import pytest

from cases.core.errors import InvalidInput
from cases.core.filetypes import check_upload, sniff

SAMPLES = {
    "a.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
    "a.JPG": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
    "a.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    "a.tif": (b"II*\x00\x08\x00\x00\x00", "tiff"),
    "a.gif": (b"GIF89a\x01\x00", "gif"),
    "a.webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
    "a.wav": (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
    "a.mp3": (b"ID3\x04\x00\x00\x00", "mp3"),
    "a.mp4": (b"\x00\x00\x00\x18ftypmp42", "mp4"),
    "a.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "ole"),
    "a.docx": (b"PK\x03\x04\x14\x00\x06\x00", "ooxml"),
    "a.ofd": (b"PK\x03\x04\x14\x00\x00\x00", "ofd"),
    "a.zip": (b"PK\x03\x04\x14\x00\x00\x00", "zip"),
    "说明.txt": ("整改情况说明：已更换服务器".encode(), "text"),
    "名单.csv": ("单位,代码\r\n鹿泉区档案馆,1".encode("gb18030"), "text"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_accepted_kind_is_recognised(name: str) -> None:
    head, key = SAMPLES[name]
    assert check_upload(name, head).key == key


def test_a_text_head_cut_inside_a_character_is_still_text() -> None:
    head = "整改".encode()[:-1]  # the last character cut after its second byte
    assert sniff(b"x" + head) is not None and sniff(b"x" + head).key == "text"


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00",  # a Windows program
        b"\x7fELF\x02\x01",  # a Linux program
        b"#!/bin/sh\nrm -rf /",  # a script
        b"<!DOCTYPE html><script>",  # a page
        b"\xef\xbb\xbf  <svg onload=alert(1)>",  # an SVG behind a BOM and spaces
        b"text with a \x00 byte",
        b"\x1b[31mterminal escape",
        b"",
    ],
)
def test_what_a_browser_or_desktop_would_run_is_refused(head: bytes) -> None:
    assert sniff(head, "x.txt") is None
    with pytest.raises(InvalidInput, match="not an accepted kind"):
        check_upload("x.txt", head)


def test_a_name_that_lies_about_the_content_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_upload("证据.pdf", b"\xff\xd8\xff\xe0", position=3)
    assert refused.value.reason_zh == "第3个文件“证据.pdf”的内容是JPEG图片，与扩展名“.pdf”不符"
    with pytest.raises(InvalidInput, match="extension '.exe'"):
        check_upload("setup.exe", b"PK\x03\x04")
