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
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name, service in services.items():
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
        assert services[name]["depends_on"]["web"]["condition"] == "service_started", name
