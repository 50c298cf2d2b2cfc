"""Files leaving the system: always as an attachment, as the kind they were found to be on
arrival, never cached, and each one in the audit log.

``Content-Disposition: attachment`` makes the browser save the file rather than open it in the
app's origin (a PDF's script, a disguised page), the type is the one told by the content when
the file came in (``nosniff`` is on for every response, web/hygiene.py), and the name is sent
both as ASCII and as RFC 5987 UTF-8 so a Chinese name arrives whole.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file

from cases.accounts.audit import SUCCESS, audit, target_of
from cases.core.uploads import Download
from web.clock import now
from web.database import db, request_address
from web.identity import current_actor


def send_download(download: Download, target: str) -> Response:
    """Audit the download of ``download`` (what it concerns: ``target``), commit, and send it."""
    session = db()
    audit(
        session, current_actor(), "download", target_of(target), SUCCESS, request_address(), now(),
        {"name": download.name, "sha256": download.sha256, "size": download.size},
    )  # fmt: skip
    session.commit()
    response = send_file(
        download.path, mimetype=download.mimetype, as_attachment=True,
        download_name=download.name, conditional=False, etag=False, max_age=0,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_document(
    content: bytes, name: str, mimetype: str, target: str, detail: dict[str, Any]
) -> Response:
    """Audit the download of a generated document (its bytes in hand), commit, and send it the
    same way: an attachment, never cached, the name in both encodings."""
    session = db()
    audit(
        session, current_actor(), "download", target_of(target), SUCCESS, request_address(), now(),
        {"name": name, "size": len(content), **detail},
    )  # fmt: skip
    session.commit()
    response = send_file(
        io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name,
        conditional=False, etag=False, max_age=0,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response
