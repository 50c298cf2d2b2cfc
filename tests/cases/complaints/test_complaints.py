"""Complaints and referrals (投诉举报/移送): intake, attachments, and routing by territory."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from cases.complaints.intake import MAX_ATTACHMENT_BYTES, attachment_path, receive_complaint
from cases.core.db import command_session
from cases.core.errors import InvalidInput, NotAllowed
from cases.core.settings import Settings, load_settings
from cases.core.vocabulary import ComplaintStatus
from cases.models import (
    Authority,
    Complaint,
    Inspection,
    InspectionEvent,
    Notification,
    Unit,
)
from cases.registry.credit_code import make_credit_code
from cases.registry.register import register_unit
from tests.support.world import World


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "complaints-test"}
    )


def receive(world: World, settings: Settings, actor: str = "inspector", **kw: Any) -> int:
    kw.setdefault("source", "public")
    with command_session(world.factory) as s:
        complaint = receive_complaint(
            s, s.get(Authority, world.ids["luquan"]), actor=world.user(s, actor),
            now=world.now, settings=settings, **kw,
        )  # fmt: skip
        return complaint.id


def zhengding_unit(world: World) -> int:
    with command_session(world.factory) as s:
        zhengding = s.scalar(select(Authority).where(Authority.code == "zhengding"))
        return register_unit(
            s, zhengding, name="正定县文化广电和旅游局",
            credit_code=make_credit_code("11130123000000001"), kind="organ",
        ).id  # fmt: skip


def counts(world: World) -> tuple[int, int]:
    with world.factory() as s:
        return (
            s.scalar(select(func.count()).select_from(Complaint)),
            s.scalar(select(func.count()).select_from(Inspection)),
        )


def test_unit_in_the_jurisdiction_gets_a_complaint_inspection_and_supervisors_are_told(
    world: World, settings: Settings
) -> None:
    complaint_id = receive(
        world, settings, unit_id=world.ids["unit"], source_detail="匿名",
        content="该局档案库房漏水，部分永久档案受潮",
    )  # fmt: skip
    with world.factory() as s:
        complaint = s.get(Complaint, complaint_id)
        assert complaint.status == "inspection_scheduled" and complaint.matter == "archives"
        inspection = s.get(Inspection, complaint.inspection_id)
        # a security-regime unit and a security matter (漏水/受潮) → archive-security inspection
        assert (inspection.kind, inspection.status, inspection.regime) == (
            "complaint", "planned", "security",
        )  # fmt: skip
        assert inspection.unit_id == world.ids["unit"]
        assert inspection.inspection_date == date(2026, 3, 3)  # next working day after Mon 2 March
        assert inspection.checklist.regime == "security"
        (event,) = s.scalars(
            select(InspectionEvent).where(InspectionEvent.inspection_id == inspection.id)
        )
        assert (event.trigger, event.to_state) == ("plan", "planned")
        assert s.get(Complaint, complaint_id).inspection_id == inspection.id
        alerts = s.scalars(
            select(Notification.title_zh).where(Notification.user_id == world.ids["supervisor"])
        ).all()
        assert alerts == ["群众投诉举报：鹿泉区教育局，已安排2026-03-03投诉举报检查"]
        assert "属本辖区" in complaint.routing_reason and complaint.routed_at == world.now


def test_exact_unit_name_counts_and_a_plain_matter_is_an_electronic_inspection(
    world: World, settings: Settings
) -> None:
    complaint_id = receive(
        world, settings, unit_name=" 鹿泉区卫生健康局 ", source="department",
        content="电子文件归档不及时", inspection_date=date(2026, 3, 10),
    )  # fmt: skip
    with world.factory() as s:
        complaint = s.get(Complaint, complaint_id)
        assert complaint.unit_id == world.ids["other_unit"]
        inspection = s.get(Inspection, complaint.inspection_id)
        assert (inspection.regime, inspection.inspection_date) == ("electronic", date(2026, 3, 10))


@pytest.mark.parametrize("matter", [None, "illegal_fundraising"])
def test_fund_raising_goes_to_the_departments_of_the_boundary_table(
    world: World, settings: Settings, matter: str | None
) -> None:
    content = "有人以档案数字化项目为名非法集资" if matter is None else "群众反映单位筹款问题"
    complaint_id = receive(
        world, settings, unit_id=world.ids["unit"], content=content, matter=matter
    )
    with world.factory() as s:
        complaint = s.get(Complaint, complaint_id)
        assert (complaint.status, complaint.matter) == ("forwarded", "illegal_fundraising")
        assert complaint.forwarded_to == "政法委、金融办"
        assert (
            "第1项" in complaint.routing_reason and "鹿办字〔2014〕21号" in complaint.routing_reason
        )
        assert "政法委负责打击处置工作" in complaint.routing_reason
        assert complaint.inspection_id is None
    assert counts(world) == (1, 0)


@pytest.mark.parametrize("by", ["id", "name"])
def test_unit_of_another_authority_is_forwarded_to_it(
    world: World, settings: Settings, by: str
) -> None:
    unit_id = zhengding_unit(world)
    where = {"unit_id": unit_id} if by == "id" else {"unit_name": "正定县文化广电和旅游局"}
    complaint_id = receive(world, settings, content="档案室无人管理", **where)
    with world.factory() as s:
        complaint = s.get(Complaint, complaint_id)
        assert (complaint.status, complaint.forwarded_to) == ("forwarded", "正定县档案馆")
        assert complaint.unit_id == unit_id and "正定县" in complaint.routing_reason
    assert counts(world)[1] == 0


def test_unknown_unit_is_forwarded_to_the_superior(world: World, settings: Settings) -> None:
    complaint_id = receive(world, settings, unit_name="某某科技有限公司", content="档案丢失")
    with world.factory() as s:
        complaint = s.get(Complaint, complaint_id)
        assert (complaint.status, complaint.forwarded_to) == ("forwarded", "石家庄市档案局")
        assert complaint.unit_id is None and complaint.unit_name == "某某科技有限公司"


def test_attachments_are_stored_by_their_digest_once(world: World, settings: Settings) -> None:
    photo, letter = b"\x89PNG\r\n\x1a\n fake photo bytes", "举报信正文".encode()
    complaint_id = receive(
        world, settings, unit_id=world.ids["unit"], content="档案库房无防盗门",
        attachments=[("现场照片.png", photo), ("举报信.txt", letter), ("副本.png", photo)],
    )  # fmt: skip
    with world.factory() as s:
        stored = s.get(Complaint, complaint_id).attachments
    digest = hashlib.sha256(photo).hexdigest()
    assert stored[0] == {
        "name": "现场照片.png",
        "sha256": digest,
        "size": len(photo),
        "type": "png",
    }
    assert [a["name"] for a in stored] == ["现场照片.png", "举报信.txt", "副本.png"]
    assert attachment_path(settings, digest).read_bytes() == photo
    folder = settings.instance_dir / "attachments"
    assert sorted(p.name for p in folder.iterdir()) == sorted({a["sha256"] for a in stored})
    receive(
        world,
        settings,
        unit_id=world.ids["unit"],
        content="再次举报",
        attachments=[("p.png", photo)],
    )
    assert len(list(folder.iterdir())) == 2  # same bytes, same file, no staging leftovers


@pytest.mark.parametrize(
    "attachments",
    [
        [("ok.txt", b"fine"), ("", b"no name")],
        [("ok.txt", b"fine"), ("../../etc/passwd", b"x")],
        [("ok.txt", b"fine"), ("empty.txt", b"")],
        [("ok.txt", b"fine"), ("huge.bin", b"\0" * (MAX_ATTACHMENT_BYTES + 1))],
        [(f"{n}.txt", b"x") for n in range(21)],
    ],
    ids=["empty-name", "path", "empty-file", "too-big", "too-many"],
)
def test_a_bad_attachment_refuses_the_complaint_and_writes_nothing(
    world: World, settings: Settings, attachments: list[tuple[str, bytes]]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        receive(
            world, settings, unit_id=world.ids["unit"], content="档案丢失", attachments=attachments
        )
    assert caught.value.reason_zh and caught.value.reason_en
    assert counts(world) == (0, 0)
    folder = settings.instance_dir / "attachments"
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"content": "  "}, "请填写投诉举报内容"),
        ({"content": "x", "source": "rumour"}, "来源无效"),
        ({"content": "x", "matter": "parking"}, "事项无效"),
        ({"content": "档案管理混乱"}, "请填写被投诉单位"),
        ({"content": "x", "unit_id": 999_999}, "单位不存在"),
        (
            {"content": "x", "unit_name": "鹿泉区教育局", "inspection_date": date(2026, 3, 1)},
            "早于今日",
        ),
    ],
)
def test_incomplete_complaints_are_refused(
    world: World, settings: Settings, kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        receive(world, settings, **kw)
    assert message in caught.value.reason_zh
    assert counts(world) == (0, 0)


def test_only_officers_of_the_authority_receive_complaints(
    world: World, settings: Settings
) -> None:
    for actor in ("liaison", "foreign_inspector"):
        with pytest.raises(NotAllowed):
            receive(world, settings, actor=actor, unit_id=world.ids["unit"], content="档案丢失")
    assert counts(world) == (0, 0)


def test_security_regime_refused_for_a_unit_outside_it(world: World, settings: Settings) -> None:
    with command_session(world.factory) as s:
        plain = register_unit(
            s, s.get(Authority, world.ids["luquan"]), name="鹿泉区某企业",
            credit_code=make_credit_code("91130185000000003"), kind="enterprise",
        ).id  # fmt: skip
    with pytest.raises(InvalidInput, match="outside the archive-security regime"):
        receive(world, settings, unit_id=plain, content="档案丢失", regime="security")
    complaint_id = receive(world, settings, unit_id=plain, content="档案丢失")
    with world.factory() as s:
        assert s.get(Complaint, complaint_id).status == "inspection_scheduled"
        assert s.get(Unit, plain).under_security_regime is False
        # 丢失 is a security word, but the unit is outside that regime: electronic inspection
        inspection = s.get(Inspection, s.get(Complaint, complaint_id).inspection_id)
        assert inspection.regime == "electronic"


def test_a_disk_failure_while_storing_leaves_no_row_and_no_file(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cases.core.uploads as uploads

    written: list[int] = []

    def failing_fsync(fd: int) -> None:
        written.append(fd)
        if len(written) == 2:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(uploads.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        receive(
            world, settings, unit_id=world.ids["unit"], content="档案丢失",
            attachments=[("a.txt", b"first"), ("b.txt", b"second")],
        )  # fmt: skip
    assert counts(world) == (0, 0)
    assert list((settings.instance_dir / "attachments").iterdir()) == []


def test_complaint_status_is_a_closed_vocabulary_in_the_database(
    world: World, settings: Settings
) -> None:
    complaint_id = receive(world, settings, unit_id=world.ids["unit"], content="档案库房漏水")
    with world.factory() as s:
        stored = s.scalar(text("SELECT status FROM complaints WHERE id = :i"), {"i": complaint_id})
        assert stored == ComplaintStatus.INSPECTION_SCHEDULED.value == "inspection_scheduled"
        s.get(Complaint, complaint_id).status = "lost"
        with pytest.raises(IntegrityError):
            s.flush()
