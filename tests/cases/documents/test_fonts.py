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
