"""Downloads of stored files (web/downloads.py): a complaint's attachments, to those who may
read the complaint (:func:`cases.complaints.files.attachment_of` asks the permission function)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from cases.access import Duty
from cases.complaints.files import attachment_of
from web.access import needs
from web.database import db
from web.downloads import send_download
from web.identity import current_actor

bp = Blueprint("files", __name__)


@bp.get("/complaints/<id:complaint_id>/attachments/<id:position>")
@needs(Duty.VIEW_COMPLAINTS)
def complaint_attachment(complaint_id: int, position: int) -> Any:
    download = attachment_of(
        db(), current_actor(), complaint_id, position, current_app.config["OVERSIGHT"]
    )
    return send_download(download, f"complaint:{complaint_id}#{position}")
