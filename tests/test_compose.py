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
