"""The register import from an upload, shared by the system administrator's register page and
the officers' import page (条例: the authority keeps the register of the units it supervises).

The upload is checked by its size while it is read and by its content (magic bytes), kept only
while it is imported, in the instance's private folder (never under the web root). A file with
problems imports nothing: its report is the answer, and the caller rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from werkzeug.datastructures import FileStorage

from cases.accounts.administration import Actor, authority_of
from cases.core.errors import InvalidInput
from cases.core.uploads import check_file_name, store_bounded, too_large
from cases.registry import upkeep
from cases.registry.sheets import SheetLimits
from cases.registry.unit_import import ImportReport
from web.clock import now
from web.database import db

#: Bytes of the upload's head the content check reads (a ZIP signature, a NUL in text).
HEAD = 8192


@dataclass(frozen=True)
class Imported:
    report: ImportReport
    filename: str

    @property
    def refused(self) -> bool:
        """Nothing imported because the file has problems (the caller rolls back)."""
        return bool(self.report.errors) and not self.report.imported


def import_upload(actor: Actor) -> Imported:
    """Import the request's ``file`` for ``actor``'s authority. Raises ``InvalidInput`` (or
    ``FileTooLarge``) for an upload that is missing, too large or not what its name says."""
    settings = current_app.config["OVERSIGHT"]
    limit = settings.import_upload_max_mb * 1024 * 1024
    if (request.content_length or 0) > limit + 1024 * 1024:
        raise too_large("导入文件", "The import file", limit)
    upload: FileStorage | None = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("请选择要导入的文件（.xlsx或.csv）", "Choose a file (.xlsx or .csv)")
    filename = check_file_name(upload.filename)
    stored = store_bounded(
        upload.stream,
        limit,
        settings.instance_dir / "uploads",
        what=("导入文件", "The import file"),
    )
    try:
        with open(stored.path, "rb") as head:
            upkeep.check_register_upload(head.read(HEAD), filename)
        session = db()
        report = upkeep.import_register(
            session, actor, authority_of(session, actor.user), stored.path, filename=filename,
            now=now(), valid_only=request.form.get("valid_only") == "1",
            limits=SheetLimits.from_settings(settings),
        )  # fmt: skip
    finally:
        stored.discard()
    return Imported(report, filename)
