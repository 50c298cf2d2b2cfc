"""How large a request body a page takes, decided before anything reads the body.

The CSRF check and the control-character check (web/inputs.py) read the form before the view
runs, so a page that takes files says its limit here (:func:`body_limit`) and the hook
:func:`apply`, registered before them, sets it on the request: a body declared larger is
refused at once with the page's own words, and one that turns out larger while streaming
(chunked, no length declared) is cut off by Werkzeug at the limit. File parts are spooled to
temporary files, never held whole in memory, whatever the request declares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

from cases.core.settings import Settings
from cases.core.uploads import FileTooLarge

F = TypeVar("F", bound=Callable[..., Any])
#: (settings → the most bytes, what the body is in Chinese and English)
Limit = tuple[Callable[[Settings], int], str, str]


def body_limit(limit: Callable[[Settings], int], what_zh: str, what_en: str) -> Callable[[F], F]:
    """The view takes bodies of at most ``limit(settings)`` bytes (``what``: how the refusal
    names the body)."""

    def mark(view: F) -> F:
        view.oversight_body_limit = (limit, what_zh, what_en)  # type: ignore[attr-defined]
        return view

    return mark


def apply() -> None:
    """Before every request: the endpoint's declared limit, if it has one."""
    view = current_app.view_functions.get(request.endpoint or "")
    declared: Limit | None = getattr(view, "oversight_body_limit", None)
    if declared is None or request.method not in ("POST", "PUT", "PATCH"):
        return
    limit, what_zh, what_en = declared
    most = limit(current_app.config["OVERSIGHT"])
    request.max_content_length = most
    if request.content_length is not None and request.content_length > most:
        raise FileTooLarge(
            f"{what_zh}合计超过{most / (1024 * 1024):g} MB的上限，未保存",
            f"{what_en} exceed the limit of {most / (1024 * 1024):g} MB; not stored",
        )
