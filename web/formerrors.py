"""A refusal of the service layer shown on its form: each reason beside the field it concerns,
the rest above the form (UI.md: refusals appear beside the field they concern)."""

from __future__ import annotations

from cases.core.errors import GuardFailed, OversightError
from web.i18n import pick
from workflows.fields import InvalidFields


def field_errors(exc: OversightError) -> tuple[dict[str, list[str]], list[str]]:
    """(field name → its reasons, reasons about the whole form), in the UI's language."""
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    if isinstance(exc, InvalidFields):
        pairs = [(pick(r.zh, r.en), r.field) for r in exc.refusals]
    elif isinstance(exc, GuardFailed):
        pairs = [
            (pick(zh, en), field) for (zh, en), field in zip(exc.reasons, exc.fields, strict=True)
        ]
    else:
        pairs = [(pick(exc.reason_zh, exc.reason_en), None)]
    for zh, field in pairs:
        if field:
            fields.setdefault(field, []).append(zh)
        else:
            general.append(zh)
    return fields, general
