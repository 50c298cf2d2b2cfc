"""Who gets in where: every route of the app's URL map (a route added later is covered without
editing this file), requested by an anonymous visitor and by a signed-in person of every role,
against what the route declares (web/access.py) and what the permission function answers for
that role. A route that declares nothing is closed to everybody; a second authority's staff see
nothing of the first's cases."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_login import login_user
from werkzeug.routing import Rule

from cases.access import Duty
from cases.access.permissions import can
from cases.accounts.websessions import Current
from cases.core.vocabulary import Role
from cases.models import User
from tests.support.signin import client_as
from tests.support.world import World
from web.access import PUBLIC, SIGNED_IN, action_of
from web.forms import held_duties
from web.identity import SignedIn
from web.navigation import NAV

#: A World user of each role (the system actor signs in nowhere).
PEOPLE = {
    Role.INSPECTOR: "inspector",
    Role.SUPERVISOR: "supervisor",
    Role.UNIT_LIAISON: "liaison",
    Role.LEADER: "leader",
    Role.SYSTEM_ADMIN: "system_admin",
    Role.SECURITY_ADMIN: "security_admin",
    Role.AUDIT_ADMIN: "audit_admin",
}


def routes(app: Flask) -> list[tuple[Rule, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return out


def declared(app: Flask, rule: Rule) -> object:
    if rule.endpoint == "static":
        return PUBLIC
    return getattr(app.view_functions[rule.endpoint], "oversight_access", None)


def values_of(rule: Rule, case_id: int) -> dict[str, object]:
    """A real case id for the rule's numbers and the first choice of an ``any``."""
    values: dict[str, object] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        choices = getattr(converter, "items", None)
        values[name] = sorted(choices)[0] if choices else case_id
    return values


def path_of(rule: Rule, case_id: int) -> str:
    _, path = rule.build(values_of(rule, case_id))  # type: ignore[misc]
    return path


def test_every_route_is_decided_and_every_role_gets_exactly_its_pages(
    app: Flask, world: World
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the gate is under test here, not the token
    case_id = world.open_case()
    table = routes(app)
    assert len(table) >= 10
    undecided = [r.endpoint for r, _ in table if declared(app, r) is None]
    assert undecided == [], "every endpoint says who may open it (web/access.py)"

    wrong: list[str] = []
    anonymous = app.test_client()
    for rule, method in table:
        if rule.endpoint == "static":
            continue
        access = declared(app, rule)
        response = anonymous.open(path_of(rule, case_id), method=method)
        sent_to_login = response.status_code == 302 and response.headers["Location"].startswith(
            "/login"
        )
        # the sign-in pages answer a wrong password with 401 and send a signed-out visitor back
        # to sign in: that is their work, not a refusal
        own_work = rule.endpoint.startswith("auth.")
        if access == PUBLIC and (response.status_code == 403 or (sent_to_login and not own_work)):
            wrong.append(f"anonymous refused {method} {rule.rule}")
        if access != PUBLIC and not sent_to_login:
            wrong.append(f"anonymous reached {method} {rule.rule} ({response.status_code})")

    for role, who in PEOPLE.items():
        for rule, method in table:
            if rule.endpoint in ("static", "auth.logout", "auth.login_post"):
                continue  # signing out (or in again) would end the walk's session
            client = client_as(app, world, who)
            # an endpoint acting on what its URL names is asked about that (a case's trigger)
            access = action_of(declared(app, rule), values_of(rule, case_id))
            response = client.open(path_of(rule, case_id), method=method)
            status = response.status_code
            to_login = status == 302 and response.headers["Location"].startswith("/login")
            with world.factory() as s:
                user = s.get(User, world.ids[who])
                allowed = access in (PUBLIC, SIGNED_IN) or can(user, access)  # type: ignore[arg-type]
            if allowed and (status == 403 or to_login):
                wrong.append(f"{role} refused {method} {rule.rule} ({status})")
            if not allowed and status != 403:
                wrong.append(f"{role} reached {method} {rule.rule} ({status})")
    assert wrong == []


@pytest.mark.parametrize("who", ["foreign_inspector", "other_liaison"])
def test_staff_of_another_authority_and_another_units_liaison_see_nothing(
    app: Flask, world: World, who: str
) -> None:
    case_id = world.open_case()
    client = client_as(app, world, who)
    assert client.get(f"/cases/{case_id}").status_code == 404
    assert f'data-case-id="{case_id}"' not in client.get("/cases").get_data(as_text=True)


def test_the_headers_links_are_exactly_those_the_permission_function_allows(
    app: Flask, world: World
) -> None:
    """The header works out a person's duties once per request (web/forms.py) instead of
    asking :func:`can` per link: for every role it shows the same links ``can`` allows."""
    for role, who in PEOPLE.items():
        client = client_as(app, world, who)
        page = client.get("/account/password").get_data(as_text=True)
        nav = page.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
        with world.factory() as s:
            user = s.get(User, world.ids[who])
            expected = {link.endpoint for link in NAV if can(user, Duty(link.duty))}
            with app.test_request_context():
                for link in NAV:
                    shown = f'href="{app.url_for(link.endpoint)}"' in nav
                    assert shown == (link.endpoint in expected), (role, link.endpoint)
            user.active = False  # an inactive person holds no duty, as can() says
            with app.test_request_context():
                login_user(SignedIn("t", Current(user, None)))
                assert held_duties() == frozenset()
                assert not any(can(user, Duty(link.duty)) for link in NAV)
