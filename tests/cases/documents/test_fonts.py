"""The font stack: licensed faces first when configured, the free serif otherwise, and a precise
refusal (not a notice in boxes) when a machine has no CJK face at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.documents import fonts


def test_licensed_faces_come_first_by_their_names(tmp_path: Path) -> None:
    (tmp_path / "仿宋_GB2312.ttf").write_bytes(b"\0")
    (tmp_path / "FZXBSJW.ttf").write_bytes(b"\0")
    (tmp_path / "readme.txt").write_text("not a font")
    stack = fonts.font_stack(tmp_path)
    assert stack.body[0] == "Licensed Body" and stack.title[0] == "Licensed Title"
    assert any("仿宋_GB2312.ttf" in face.css() or "%E4%BB%BF" in face.css() for face in stack.faces)
    assert len(stack.body) >= 2  # a free face behind it for what the licensed one lacks


def test_no_cjk_face_is_refused_in_both_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "SYSTEM_NOTO_DIR", tmp_path / "none")
    monkeypatch.setenv("OVERSIGHT_FREE_FONT_DIR", str(tmp_path / "empty"))
    with pytest.raises(fonts.NoCJKFont) as refused:
        fonts.font_stack(None)
    assert "oversight documents fonts" in refused.value.reason_zh
    assert "OVERSIGHT_FONT_DIR" in refused.value.reason_en
    assert refused.value.status == 503


def test_a_template_cannot_pull_a_server_file_into_a_document(tmp_path: Path) -> None:
    from datetime import date

    from cases.documents.pdf import REVISED, PdfRenderer
    from cases.documents.renderer import DocumentMeta, Page

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OF-THE-SERVER")
    REVISED["revised/test/v2.html"] = (
        f'<p>区档案馆</p><a rel="attachment" href="{secret.as_uri()}">附件</a>'
        f'<link rel="stylesheet" href="{secret.as_uri()}"><img src="{secret.as_uri()}">'
    )
    meta = DocumentMeta("test", "测试", "测试1号", "石家庄市鹿泉区档案馆", date(2026, 3, 2), 1)
    pdf = PdfRenderer().render([Page("revised/test/v2.html", {})], meta)
    assert pdf.startswith(b"%PDF-")
    assert b"EmbeddedFile" not in pdf and b"SECRET-OF-THE-SERVER" not in pdf
