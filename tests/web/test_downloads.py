"""A stored file leaves only as an attachment, as the kind it was found to be, to those who may
read what it belongs to, and every download is in the audit log."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask

from cases.complaints.intake import attachment_path, receive_complaint
from cases.core.db import command_session
from cases.models import Authority, Complaint
from tests.support.cli import audit_entries
from tests.support.signin import client_as
from tests.support.world import World

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(200)


def complaint(app: Flask, world: World) -> int:
    with command_session(world.factory) as s:
        return receive_complaint(
            s, s.get(Authority, world.ids["luquan"]), actor=world.user(s, "inspector"),
            source="public", unit_id=world.ids["unit"], content="档案库房漏水",
            now=world.now, settings=app.config["OVERSIGHT"],
            attachments=[("现场照片.png", PHOTO), ("举报信.txt", "举报内容".encode())],
        ).id  # fmt: skip


def test_an_officer_downloads_an_attachment_as_an_attachment(app: Flask, world: World) -> None:
    complaint_id = complaint(app, world)
    response = client_as(app, world, "inspector").get(f"/complaints/{complaint_id}/attachments/1")
    assert response.status_code == 200 and response.data == PHOTO
    assert response.mimetype == "image/png"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('现场照片.png')}" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [entry] = audit_entries(world, "download")
    assert (entry.actor_username, entry.target, entry.outcome) == (
        "zhang", f"complaint:{complaint_id}#1", "success")  # fmt: skip
    assert entry.detail["name"] == "现场照片.png" and entry.detail["size"] == len(PHOTO)
    text = client_as(app, world, "leader").get(f"/complaints/{complaint_id}/attachments/2")
    assert text.status_code == 200 and text.mimetype == "text/plain"


def test_only_those_who_may_read_the_complaint_get_its_files(app: Flask, world: World) -> None:
    complaint_id = complaint(app, world)
    path = f"/complaints/{complaint_id}/attachments/1"
    assert client_as(app, world, "foreign_inspector").get(path).status_code == 404
    for who in ("liaison", "system_admin", "audit_admin"):
        assert client_as(app, world, who).get(path).status_code == 403, who
    assert app.test_client().get(path).status_code == 302  # to sign in
    assert audit_entries(world, "download") == []
    refused = audit_entries(world, "web:files.complaint_attachment")
    assert {e.outcome for e in refused} == {"refused"} and len(refused) == 3


def test_a_missing_attachment_or_file_is_a_clear_404(app: Flask, world: World) -> None:
    complaint_id = complaint(app, world)
    client = client_as(app, world, "inspector")
    missing = client.get(f"/complaints/{complaint_id}/attachments/3")
    assert missing.status_code == 404 and "没有第3个附件" in missing.get_data(as_text=True)
    attachment_path(app.config["OVERSIGHT"], _digest(world, complaint_id)).unlink()
    gone = client.get(f"/complaints/{complaint_id}/attachments/1")
    assert gone.status_code == 404 and "从备份恢复" in gone.get_data(as_text=True)
    assert audit_entries(world, "download") == []


def _digest(world: World, complaint_id: int) -> str:
    with world.factory() as s:
        return s.get(Complaint, complaint_id).attachments[0]["sha256"]
