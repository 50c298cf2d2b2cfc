"""The officers' register import (导入被监管单位名录): the same import as the system
administrator's (:func:`web.registryimport.import_upload`), for the officers and supervisors
whose casework duty it is (``Duty.IMPORT_UNITS``), with a progress bar while a large workbook
uploads and the row/column/reason report after.

Thin: the page sends the file with htmx (the bar follows the upload's progress events) and
shows the server's report in place; without script the form posts and the page comes back.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from cases.access import Duty
from cases.accounts.administration import Actor
from cases.core.errors import InvalidInput
from cases.core.uploads import FileTooLarge
from web.access import needs
from web.database import db, request_address
from web.identity import current_actor
from web.registryimport import import_upload

bp = Blueprint("registry", __name__)


def _page(status: int = 200, **extra: Any) -> Any:
    return render_template(
        "registry/import.html", limit_mb=current_app.config["OVERSIGHT"].import_upload_max_mb,
        **extra,
    ), status  # fmt: skip


@bp.get("/registry/import")
@needs(Duty.IMPORT_UNITS)
def import_page() -> Any:
    return _page()


@bp.post("/registry/import")
@needs(Duty.IMPORT_UNITS)
def import_units() -> Any:
    session = db()
    try:
        done = import_upload(Actor(current_actor(), request_address()))
    except InvalidInput as exc:
        session.rollback()
        return _page(413 if isinstance(exc, FileTooLarge) else 400, error=exc.reason_zh)
    if done.refused:
        session.rollback()
        return _page(400, report=done.report, filename=done.filename)
    session.commit()
    return _page(report=done.report, filename=done.filename, valid_only=bool(
        request.form.get("valid_only")
    ))  # fmt: skip
