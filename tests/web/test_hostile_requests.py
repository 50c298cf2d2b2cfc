"""Every input gets a 4xx, never a 500: the whole URL map walked with hostile values.

The walk reads the routes from ``app.url_map``, so a route added later is covered without
editing this file: each variable of each rule is filled with every hostile value, each method the
rule allows is sent with hostile query strings, forms and JSON, and nothing may answer 5xx or
write a row. Then the particular faults, each reproduced: ``?q=%00``, ids past 32 and 64 bits,
full-width digits, the database out of reach, a bug.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from cases.core.settings import load_settings
from cases.models import AuditEntry
from tests.support.signin import client_as
from tests.support.world import World
from tests.web.hostile import (
    HOSTILE_TEXTS,
    HOSTILE_URL_VALUES,
    PARAMETER_NAMES,
    free_port,
    row_counts,
)
from web.access import public
from web.app import create_app

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?[^<>]+>")


def _paths(rule: Rule) -> list[str]:
    """The rule's URL with each variable replaced by each hostile value (the rule itself if it
    has none)."""
    if not rule.arguments:
        return [rule.rule]
    return [_VARIABLE.sub(lambda _m, v=value: v, rule.rule) for value in HOSTILE_URL_VALUES]


def _query(value: str) -> str:
    return "&".join(f"{quote(name, safe='')}={value}" for name in PARAMETER_NAMES)


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _walk(client: FlaskClient, app: Flask) -> list[str]:
    """Every request of the walk that answered 5xx, as ``METHOD url → status``."""
    failures = []

    def send(method: str, url: str, **kwargs: object) -> None:
        response = client.open(url, method=method, **kwargs)
        if response.status_code >= 500:
            failures.append(f"{method} {url[:120]} → {response.status_code}")

    for rule in app.url_map.iter_rules():
        for method in _methods(rule):
            for path in _paths(rule):
                send(method, path)
            base = _paths(rule)[0]
            for value in HOSTILE_URL_VALUES:
                send(method, f"{base}?{_query(value)}")
            if method == "GET":
                continue
            for hostile in HOSTILE_TEXTS:
                form = {name: hostile for name in PARAMETER_NAMES}
                send(method, base, data=form)
                send(method, base, json=form)
                send(method, base, json={n: [hostile, 2**63, -(2**40)] for n in PARAMETER_NAMES})
            send(method, base, data=b"\xff\xfe\x00garbage", content_type="application/json")
    return failures


@pytest.mark.both_databases
def test_every_route_answers_hostile_input_without_a_5xx_and_writes_nothing(
    app: Flask, world: World, factory: sessionmaker[Session]
) -> None:
    world.open_case()
    signed_in = client_as(app, world, "supervisor")
    before = row_counts(factory)

    failures = _walk(app.test_client(), app) + _walk(signed_in, app)

    assert failures == []
    after = row_counts(factory)
    # nothing but the audit log's record of what was refused or failed (web/witness.py)
    assert {k: v for k, v in after.items() if k != "audit_entries"} == {
        k: v for k, v in before.items() if k != "audit_entries"
    }
    with factory() as s:
        outcomes = set(
            s.scalars(select(AuditEntry.outcome).where(AuditEntry.seq > before["audit_entries"]))
        )
    assert outcomes <= {"refused", "failure"}


def test_the_walk_reaches_every_rule_and_each_of_its_methods(app: Flask) -> None:
    """A guard against a walk that tests nothing: there are routes, with variables and without."""
    rules = list(app.url_map.iter_rules())
    assert any(rule.arguments for rule in rules)
    assert any(not rule.arguments for rule in rules)
    assert all(_methods(rule) for rule in rules)


def test_no_route_reads_an_id_with_werkzeugs_own_number_converters(app: Flask) -> None:
    """``<int:…>`` in this app is the bounded ASCII converter; nothing uses werkzeug's own."""
    for rule in app.url_map.iter_rules():
        for name, converter in (rule._converters or {}).items():
            assert not isinstance(converter, NumberConverter), f"{rule.rule}: {name}"


# ---- the faults, one by one ------------------------------------------------------------------


@pytest.mark.both_databases
@pytest.mark.parametrize(
    "path",
    [
        "/cases/2147483648",
        "/cases/9223372036854775808",
        "/cases/99999999999999999999",
        "/cases/%EF%BC%91",  # /cases/１
        "/cases/%D9%A1",  # Arabic-Indic one
        "/cases/01",
        "/cases/0",
        "/cases/-1",
    ],
)
def test_an_id_that_is_not_a_plain_32_bit_number_is_not_found(
    app: Flask, world: World, path: str
) -> None:
    world.open_case()
    response = client_as(app, world, "inspector").get(path)
    assert response.status_code == 404
    assert "未找到" in response.get_data(as_text=True)


def test_an_id_in_range_still_finds_its_case_and_urls_are_built(app: Flask, world: World) -> None:
    case_id = world.open_case()
    with app.test_request_context():
        assert url_for("cases.case_page", case_id=case_id) == f"/cases/{case_id}"
    client = client_as(app, world, "inspector")
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert client.get("/cases/2147483647").status_code == 404


@pytest.mark.both_databases
@pytest.mark.parametrize(
    "query", ["q=%00", "q=a%00b", "state=%00", "unit=%00", "q=%1B%5B31m", "q=%E2%80%AEgpj", "%00=1"]
)
def test_a_control_character_in_the_query_is_a_400_in_both_languages(
    app: Flask, world: World, query: str
) -> None:
    client = client_as(app, world, "inspector")
    page = client.get(f"/cases?{query}")
    assert page.status_code == 400
    assert "控制字符" in page.get_data(as_text=True)

    api = client.get(f"/cases?{query}", headers={"Accept": "application/json"})
    assert api.status_code == 400
    body = api.get_json()
    assert "控制字符" in body["message_zh"] and "control character" in body["message_en"]


def test_tabs_and_line_breaks_in_a_form_are_not_control_characters(
    app: Flask, world: World
) -> None:
    response = client_as(app, world, "inspector").get("/cases?q=%E6%95%99%E8%82%B2%09%0A")
    assert response.status_code == 200


# ---- the database out of reach; a bug --------------------------------------------------------


def _app_on(database_url: str, tmp_path_text: str) -> Flask:
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": tmp_path_text, "OVERSIGHT_SECRET_KEY": "test-down"}
    ).with_(database_url=database_url)
    return create_app(settings)


@pytest.fixture(params=["pg", "sqlite"])
def unreachable_app(request: pytest.FixtureRequest, tmp_path: object) -> Flask:
    """An app whose database cannot be reached: PostgreSQL on a port nobody listens on, or a
    SQLite file in a folder that does not exist (the shared server is never stopped)."""
    if request.param == "pg":
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/oversight"
    else:
        url = f"sqlite:///{tmp_path}/missing/folder/oversight.db"
    app = _app_on(url, str(tmp_path))
    yield app
    app.extensions["oversight.engine"].dispose()


def _with_a_session_cookie(app: Flask) -> FlaskClient:
    """A browser that was signed in: its session must be looked up, and the database is down
    (without a cookie the visitor is simply sent to sign in — that needs no database)."""
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "a-session-token"
    return client


@pytest.mark.parametrize("path", ["/cases", "/cases/1", "/cases?q=x&page=2"])
def test_with_the_database_down_pages_answer_503_with_retry_after(
    unreachable_app: Flask, path: str
) -> None:
    response = _with_a_session_cookie(unreachable_app).get(path)

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    html = response.get_data(as_text=True)
    assert "服务暂时不可用" in html and "briefly unavailable" in html
    assert "请求无效" not in html
    assert html.index("服务暂时不可用") < html.index("briefly unavailable")  # Chinese first
    assert "Traceback" not in html and "SELECT" not in html


def test_with_the_database_down_the_api_answers_503_in_json(unreachable_app: Flask) -> None:
    client = _with_a_session_cookie(unreachable_app)
    response = client.get("/cases", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = response.get_json()
    assert body["error"] == "unavailable"
    assert "数据库" in body["message_zh"] and "database" in body["message_en"]


def test_a_bug_is_a_500_page_without_a_traceback(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("secret detail: SELECT * FROM users")

    app.add_url_rule("/broken-for-test", "broken_for_test", public(broken))
    response = app.test_client().get("/broken-for-test")

    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "系统内部错误" in html
    assert "请求无效" not in html
    assert "secret detail" not in html and "Traceback" not in html


def test_a_connection_lost_mid_service_is_a_503_and_the_next_request_recovers(
    pg_engine: Engine, tmp_path: Path
) -> None:
    """PostgreSQL ends the app's connection (as on a restart): that request is a 503, the pool
    drops the dead connection, and the next request is served. Only this app's own backend is
    terminated, found by its application name; the server itself is left alone."""
    name = f"oversight_lost_{os.getpid()}"
    url = pg_engine.url.set(query={"application_name": name}).render_as_string(hide_password=False)
    app = _app_on(url, str(tmp_path))
    client = _with_a_session_cookie(app)  # its session is looked up: a query every request
    try:
        assert client.get("/cases").status_code == 302  # no such session: to the sign-in page
        with pg_engine.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar_one()
        assert ended == 1

        lost = client.get("/cases")
        assert lost.status_code == 503 and lost.headers["Retry-After"]
        assert client.get("/cases").status_code == 302
    finally:
        app.extensions["oversight.engine"].dispose()


def test_a_wrong_method_is_a_405_that_says_which_methods_are_allowed(app: Flask) -> None:
    response = app.test_client().post("/cases", data={"q": "x"})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "不支持该请求方式" in response.get_data(as_text=True)
