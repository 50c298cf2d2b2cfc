"""Who may open which page: every endpoint says what it needs, and one gate before every request
asks the permission function (:func:`cases.access.can`) — the same one the doors ask.

An endpoint is either public (:func:`public`: the sign-in page, ``/health``, the static files)
or needs a duty (:func:`needs`); one that says neither is refused to everybody (a new page is
closed until someone decides who may see it — the authorization-matrix test lists every route
and fails on an undecided one). Anonymous visitors are sent to the sign-in page (the API gets a
401); a session that must first change its password or enrol a second factor reaches only
those pages; a signed-in person without the duty gets a 403 page saying what is missing.
Which rows a page shows is decided below, by the services' scope (own authority, own unit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, jsonify, redirect, request, url_for

from cases.access import CaseTrigger, Duty
from cases.access.permissions import refusal
from cases.core.errors import NotAllowed
from web.failures import wants_json

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "public"
#: The endpoints every signed-in person reaches whatever their duties (their own account).
SIGNED_IN = "signed_in"


def public(view: F) -> F:
    view.oversight_access = PUBLIC  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    view.oversight_access = SIGNED_IN  # type: ignore[attr-defined]
    return view


def needs(duty: Duty | CaseTrigger) -> Callable[[F], F]:
    """The page needs ``duty`` — or, for a page that fires one trigger of the case machine, the
    roles that trigger names (``CaseTrigger``: the door's own table, so page and door agree)."""

    def mark(view: F) -> F:
        view.oversight_access = duty  # type: ignore[attr-defined]
        return view

    return mark


@dataclass(frozen=True)
class Acting:
    """The access of an endpoint whose permission is the action its URL names (a case's
    trigger): ``resolve`` turns the URL's values into the action the permission function is
    asked about. The gate asks it about the role; the door asks again with the row."""

    resolve: Callable[[Mapping[str, Any]], Any]


def acting(resolve: Callable[[Mapping[str, Any]], Any]) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view.oversight_access = Acting(resolve)  # type: ignore[attr-defined]
        return view

    return mark


def action_of(access: Any, values: Mapping[str, Any]) -> Any:
    """What the permission function is asked for an endpoint's access and its URL values."""
    return access.resolve(values) if isinstance(access, Acting) else access


def access_of(endpoint: str | None) -> Duty | CaseTrigger | Acting | str | None:
    """What ``endpoint`` declared (None: nothing — refused to all)."""
    if endpoint is None:
        return None
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "oversight_access", None)


def install(app: Flask) -> None:
    app.before_request(_gate)


def _gate() -> Any:
    from web.identity import current_session

    if request.endpoint is None:
        return None  # a 404/405: the error handler answers
    access = access_of(request.endpoint)
    if access == PUBLIC:
        return None
    here = current_session()
    if here.user is None:
        if wants_json():
            response = jsonify(
                {"error": "not_signed_in", "message_zh": "请先登录", "message_en": "Sign in first"}
            )
            response.status_code = 401
            return response
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target.rstrip("?") if target else None,
                                ended=here.ended or None))  # fmt: skip
    stage = STAGE_PAGES.get(here.session.stage if here.session else "full")
    if stage is not None and request.endpoint not in (*stage, "auth.logout"):
        return redirect(url_for(stage[0]))
    if access == SIGNED_IN:
        return None
    if access is None:
        raise NotAllowed("该页面未开放", "This page is not open to anyone")
    refused = refusal(here.user, action_of(access, request.view_args or {}))
    if refused is not None:
        raise NotAllowed(*refused)
    return None


#: What a partial session reaches (its page first): nothing else until the step is done.
STAGE_PAGES = {
    "change_password": ("auth.change_password", "auth.change_password_post"),
    "enrol_totp": ("auth.enrol_totp", "auth.enrol_totp_begin", "auth.enrol_totp_post"),
}
