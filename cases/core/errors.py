"""Typed errors of the service layer; the web layer maps each class to one status code.

Every error carries a Chinese and an English message: the UI shows the first, the API both.
"""

from __future__ import annotations

from collections.abc import Sequence


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


class GuardFailed(OversightError):
    """A guard refused; ``reasons`` lists every (zh, en) reason given."""

    status = 422
    code = "guard_failed"

    def __init__(self, reasons: Sequence[tuple[str, str]]) -> None:
        unique = list(dict.fromkeys(reasons))
        super().__init__("；".join(zh for zh, _ in unique), "; ".join(en for _, en in unique))
        self.reasons = unique

    def as_dict(self) -> dict[str, object]:
        out = super().as_dict()
        out["reasons"] = [{"zh": zh, "en": en} for zh, en in self.reasons]
        return out
