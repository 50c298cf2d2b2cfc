"""Typed errors of the service layer; the web layer maps each class to one status code.

Every error carries a Chinese and an English message: the UI shows the first, the API both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class OversightError(Exception):
    status = 400
    code = "error"

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en

    def as_dict(self) -> dict[str, object]:
        return {"error": self.code, "message_zh": self.reason_zh, "message_en": self.reason_en}


class InvalidInput(OversightError):
    """The request itself is malformed or incomplete (a form or API payload)."""

    status = 422
    code = "invalid_input"


class InvalidFilter(InvalidInput):
    """A list filter in the query string that cannot be applied (unknown state, a unit or page
    that is not a positive whole number). A bad URL is a 400, unlike a form or API payload that
    fails validation (422)."""

    status = 400
    code = "invalid_filter"


class NotFound(OversightError):
    status = 404
    code = "not_found"


class UnknownTrigger(OversightError):
    status = 400
    code = "unknown_trigger"


class NotAllowed(OversightError):
    """The actor's role (or scope) may not do this — 三员分立 and the role table."""

    status = 403
    code = "not_allowed"


class InvalidTransition(OversightError):
    """The trigger does not apply in the case's current state."""

    status = 409
    code = "invalid_transition"


class Conflict(OversightError):
    """Someone else changed the case first (version check)."""

    status = 409
    code = "conflict"


class FieldReason(Protocol):
    """A reason that may name the input it concerns (``workflows.rulebook.Refusal``)."""

    zh: str
    en: str
    field: str | None


class GuardFailed(OversightError):
    """A guard refused; ``reasons`` lists every (zh, en) reason given, each once, and ``fields``
    the input each concerns (``None`` for the case or record as a whole), so a form can show a
    reason beside its field. A reason is a (zh, en) pair or a refusal that names its field."""

    status = 422
    code = "guard_failed"

    def __init__(self, reasons: Sequence[tuple[str, str] | FieldReason]) -> None:
        fields: dict[tuple[str, str], str | None] = {}
        for reason in reasons:
            if isinstance(reason, tuple):
                (zh, en), field = reason, None
            else:
                zh, en, field = reason.zh, reason.en, reason.field
            if fields.get((zh, en)) is None:
                fields[(zh, en)] = field
        unique = list(fields)
        super().__init__("；".join(zh for zh, _ in unique), "; ".join(en for _, en in unique))
        self.reasons: list[tuple[str, str]] = unique
        self.fields: list[str | None] = list(fields.values())

    def as_dict(self) -> dict[str, object]:
        out = super().as_dict()
        out["reasons"] = [
            {"zh": zh, "en": en} | ({"field": field} if field is not None else {})
            for (zh, en), field in zip(self.reasons, self.fields, strict=True)
        ]
        return out


class OperationRefused(OversightError):
    """An operator's command (database roles, backup, restore) that cannot be carried out as
    asked — a non-empty restore target, a damaged archive, a wrong key. Nothing was changed."""

    status = 409
    code = "operation_refused"


class NotSignedIn(OversightError):
    """No valid sign-in: no token, or one expired, revoked or made before the password or role
    changed (``cases.accounts``)."""

    status = 401
    code = "not_signed_in"
