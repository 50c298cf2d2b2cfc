"""The rectification report's evidence files: stored by content, within limits, through the one
door — and a refused report stores nothing and leaves the case as it was."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cases.casework import evidence
from cases.casework.evidence import (
    EvidenceRefused,
    EvidenceTooLarge,
    evidence_file,
    evidence_of,
    reports_of,
    submit_rectification_report,
)
from cases.core.errors import GuardFailed, NotAllowed, NotFound
from cases.core.settings import Settings, load_settings
from cases.models import Case, Event, EvidenceFile, RectificationReport
from tests.support.evidence_files import DISGUISED, pdf, png
from tests.support.world import World

MB = 1024 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "OVERSIGHT_INSTANCE_DIR": str(tmp_path),
            "OVERSIGHT_SECRET_KEY": "t",
            "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"],
        }
    ).with_(attachment_max_mb=1)


def stored_files(settings: Settings) -> list[Path]:
    folder = settings.instance_dir / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []


def submit(world: World, settings: Settings, case_id: int, files, who: str = "liaison", **kw):  # type: ignore[no-untyped-def]
    with world.factory() as s:
        case = s.get(Case, case_id)
        done = submit_rectification_report(
            s, world.user(s, who), case_id, report=kw.pop("report", "已建立制度并补登"),
            files=files, now=world.now, expected_version=case.version, settings=settings, **kw,
        )  # fmt: skip
        s.commit()
        return done


def test_a_report_with_real_files_stores_them_by_content_and_moves_the_case(
    world: World, settings: Settings
) -> None:
    case_id = world.case_for_state("rectifying")
    files = [("制度文本.pdf", io.BytesIO(pdf())), ("现场照片.png", png())]
    done = submit(world, settings, case_id, files)
    assert world.state(case_id) == "awaiting_verification"
    assert [(f.seq, f.name, f.kind) for f in done.files] == [
        (1, "制度文本.pdf", "pdf"),
        (2, "现场照片.png", "png"),
    ]
    on_disk = stored_files(settings)
    assert {p.name for p in on_disk} == {f.sha256 for f in done.files}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in on_disk)
    with world.factory() as s:
        report = s.scalars(
            select(RectificationReport).where(RectificationReport.case_id == case_id)
        ).one()
        refs = [f"{f.name}（sha256:{f.sha256}）" for f in done.files]
        assert report.evidence == refs  # the door was given the stored files' references
        event = s.scalars(
            select(Event).where(Event.case_id == case_id).order_by(Event.seq.desc())
        ).first()
        assert event.trigger == "submit_rectification"
        assert json.loads(event.payload)["data"]["evidence"] == refs  # on the hash chain
        listed = evidence_of(s, case_id)
        assert [e.name for e in listed] == ["制度文本.pdf", "现场照片.png"]
        assert listed[0].kind_zh == "PDF文档" and listed[0].submitted_by == "教育局联络人"
        assert [len(r.files) for r in reports_of(s, case_id)] == [2]


def test_an_officer_enters_the_report_on_the_units_behalf_and_numbers_continue(
    world: World, settings: Settings
) -> None:
    case_id = world.case_for_state("rectifying")
    submit(world, settings, case_id, [("a.pdf", pdf())])
    world.fire(case_id, "reject_rectification")
    again = submit(world, settings, case_id, [("b.png", png()), ("a.pdf", pdf())], who="inspector")
    assert [f.seq for f in again.files] == [2, 3]
    assert len(stored_files(settings)) == 2  # the same bytes are kept once
    with world.factory() as s:
        assert [len(r.files) for r in reports_of(s, case_id)] == [1, 2]


def _nothing_changed(world: World, settings: Settings, case_id: int) -> None:
    assert world.state(case_id) == "rectifying"
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(EvidenceFile)) == 0
        assert s.scalar(select(func.count()).select_from(RectificationReport)) == 0
    assert stored_files(settings) == []  # not even a temporary file is left


@pytest.mark.parametrize(
    ("files", "error", "words"),
    [
        ([("证据.pdf", DISGUISED)], EvidenceRefused, "内容不是可接收的文件类型"),
        ([("照片.pdf", png())], EvidenceRefused, "内容是PNG图片，与扩展名“.pdf”不符"),
        ([("大文件.pdf", b"%PDF-1.4\n" + b"0" * MB)], EvidenceTooLarge, "超过1 MB的上限"),
        ([(f"{i}.png", png()) for i in range(21)], EvidenceRefused, "最多20个文件"),
        ([("空.pdf", b"")], EvidenceRefused, "是空文件"),
        ([("../etc/passwd.pdf", pdf())], EvidenceRefused, "不得含路径"),
        ([("\u202egpj.pdf", pdf())], EvidenceRefused, "双向文字控制字符"),
        ([("a.pdf", pdf()), ("b.txt", b"\x00\x01binary")], EvidenceRefused, "第2个文件"),
    ],
)
def test_a_bad_file_is_refused_precisely_and_nothing_is_stored(
    world: World,
    settings: Settings,
    files,
    error,
    words,  # type: ignore[no-untyped-def]
) -> None:
    case_id = world.case_for_state("rectifying")
    with pytest.raises(error) as refused:
        submit(world, settings, case_id, files)
    assert words in refused.value.reason_zh
    assert [r.field for r in refused.value.refusals] == ["evidence"]
    assert refused.value.status == (413 if error is EvidenceTooLarge else 422)
    _nothing_changed(world, settings, case_id)


def test_the_files_together_have_a_limit_too(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence, "MAX_EVIDENCE_TOTAL_BYTES", MB + MB // 2)
    case_id = world.case_for_state("rectifying")
    big = b"%PDF-1.4\n" + b"0" * (MB - 100)
    with pytest.raises(EvidenceTooLarge) as refused:
        submit(world, settings, case_id, [("1.pdf", big), ("2.pdf", big + b"1")])
    assert "合计超过1.5 MB" in refused.value.reason_zh and "第2个文件" in refused.value.reason_zh
    _nothing_changed(world, settings, case_id)


def test_the_doors_refusal_after_the_files_were_read_leaves_no_file(
    world: World, settings: Settings
) -> None:
    case_id = world.case_for_state("rectifying")
    with pytest.raises(GuardFailed) as refused:
        submit(world, settings, case_id, [("a.pdf", pdf())], report="  ")
    assert refused.value.fields == ["report"]
    _nothing_changed(world, settings, case_id)
    with pytest.raises(GuardFailed) as no_files:
        submit(world, settings, case_id, [])
    assert no_files.value.fields == ["evidence"]


def test_only_those_the_door_lets_may_submit_and_another_units_case_is_not_found(
    world: World, settings: Settings
) -> None:
    case_id = world.case_for_state("rectifying")
    with pytest.raises(NotFound):
        submit(world, settings, case_id, [("a.pdf", pdf())], who="other_liaison")
    with pytest.raises(NotFound):
        submit(world, settings, case_id, [("a.pdf", pdf())], who="foreign_inspector")
    with pytest.raises(NotAllowed):
        submit(world, settings, case_id, [("a.pdf", pdf())], who="leader")
    _nothing_changed(world, settings, case_id)


def test_each_file_goes_out_to_whoever_may_see_the_case(world: World, settings: Settings) -> None:
    case_id = world.case_for_state("rectifying")
    done = submit(world, settings, case_id, [("制度文本.pdf", pdf())])
    with world.factory() as s:
        for who in ("inspector", "supervisor", "leader", "liaison"):
            out = evidence_file(s, world.user(s, who), case_id, 1, settings)
            assert (out.name, out.mimetype, out.sha256) == (
                "制度文本.pdf",
                "application/pdf",
                done.files[0].sha256,
            )
            assert out.path.read_bytes() == pdf()
        for who in ("other_liaison", "foreign_inspector"):
            with pytest.raises(NotFound):
                evidence_file(s, world.user(s, who), case_id, 1, settings)
        with pytest.raises(NotAllowed):
            evidence_file(s, world.user(s, "system_admin"), case_id, 1, settings)
        with pytest.raises(NotFound):
            evidence_file(s, world.user(s, "inspector"), case_id, 2, settings)
    (settings.instance_dir / "attachments" / done.files[0].sha256).unlink()
    with world.factory() as s, pytest.raises(NotFound) as missing:
        evidence_file(s, world.user(s, "inspector"), case_id, 1, settings)
    assert "备份恢复" in missing.value.reason_zh
