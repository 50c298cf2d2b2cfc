"""docker-compose.yml: the services the design names, each with a health check, running the
commands the README documents."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def command_text(command: list[str] | str) -> str:
    if isinstance(command, str):
        return command
    if command[:2] == ["sh", "-c"]:
        return command[2]
    return shlex.join(command)


def test_services_and_health_checks() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name, service in services.items():
        if name != "migrate":  # a one-shot job: its exit status is its health
            assert "healthcheck" in service, name
    assert services["postgres"]["volumes"] and services["redis"]["volumes"]


def test_commands_are_the_ones_the_readme_documents() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        text = command_text(services[name]["command"])
        assert f"| {name} | `{text}` |" in readme, (name, text)


def test_settings_come_from_the_environment() -> None:
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert {"OVERSIGHT_DATABASE_URL", "OVERSIGHT_BROKER_URL", "OVERSIGHT_SECRET_KEY"} <= set(
            env
        )
        assert env["OVERSIGHT_BROKER_URL"].startswith("redis://")


def test_processes_restart_and_their_checks_test_what_they_do() -> None:
    """Restart policies; the web check fails on anything but ``ok``; the worker's and beat's
    checks are the ``oversight health`` commands (a ping, the beat's heartbeat), never a look
    for a process name — ``pgrep -f beat`` inside the beat's container always matches."""
    services = compose()["services"]
    for name in ("web", "worker", "beat", "redis"):
        assert services[name].get("restart") == "unless-stopped", name
    assert "'status') != 'ok'" in services["web"]["healthcheck"]["test"][-1]
    assert services["worker"]["healthcheck"]["test"][1:4] == ["oversight", "health", "worker"]
    assert services["beat"]["healthcheck"]["test"][1:4] == ["oversight", "health", "beat"]
    for name in ("worker", "beat"):  # late deadlines fail web's check: never wait for it
        assert "web" not in services[name]["depends_on"], name
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        ), name


def test_the_app_connects_as_its_own_role_and_only_migrate_as_the_owner() -> None:
    """History cannot be rewritten by the app (README, Database roles): web, worker and beat
    connect as oversight_app, never as the owner or the postgres superuser."""
    services = compose()["services"]
    assert services["postgres"]["environment"]["POSTGRES_USER"] == "postgres"
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["OVERSIGHT_DATABASE_URL"].startswith("postgresql://oversight_app:"), name
        assert "OVERSIGHT_OWNER_DATABASE_URL" not in env, name
    migrate = services["migrate"]
    assert migrate["environment"]["OVERSIGHT_OWNER_DATABASE_URL"].startswith(
        "postgresql://oversight_owner:"
    )
    assert command_text(migrate["command"]) == "oversight db upgrade && oversight db roles"
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    init = (REPO / "docker" / "postgres-init.sh").read_text(encoding="utf-8")
    assert "CREATE ROLE oversight_owner LOGIN CREATEROLE NOSUPERUSER" in init
    assert "CREATE DATABASE oversight OWNER oversight_owner" in init


def test_the_web_is_reached_only_through_the_tls_proxy() -> None:
    """The app listens on the host's loopback only (the bureau's TLS proxy is what the network
    reaches), sends its cookie only over TLS and believes the one proxy's forwarded headers."""
    web = compose()["services"]["web"]
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert web["environment"]["OVERSIGHT_SECURE_COOKIES"] == "1"
    assert web["environment"]["OVERSIGHT_BEHIND_PROXY"] == "1"
    assert "web.gunicorn_conf" in command_text(web["command"])  # no Server banner
