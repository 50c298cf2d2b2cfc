"""``oversight up`` on a busy port stops before it starts anything: exit 69 (EX_UNAVAILABLE) and
a message in Chinese and English naming the port and how to choose another. The port is made
busy by the test itself, with a real socket on a port the system gave it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from flask import Flask

from web.cli.guard import EXIT_UNAVAILABLE
from web.cli.main import main
from web.cli.ports import bind_refusal


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 someone is listening on, for the test's length."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_up_on_a_busy_port_says_so_and_starts_nothing(app: Flask, busy_port: int, how: str) -> None:
    args, env = ["up"], {"OVERSIGHT_HOST": "127.0.0.1"}
    if how == "option":
        args += ["--port", str(busy_port)]
    else:
        env["OVERSIGHT_PORT"] = str(busy_port)
    result = app.test_cli_runner().invoke(main, args, env=env)
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    out = result.output
    assert f"端口 {busy_port} 已被占用" in out and f"port {busy_port} is already in use" in out
    assert "make up PORT=" in out and "OVERSIGHT_PORT=" in out
    assert "Traceback" not in out
    # nothing ran: no migration, no demo data, no sweep, no server announced
    for started in ("running on", "first sweep", "演示账号", "migrat"):
        assert started not in out


def test_the_port_suggested_instead_is_free(app: Flask, busy_port: int) -> None:
    result = app.test_cli_runner().invoke(main, ["up", "--port", str(busy_port)])
    suggested = int(result.output.split("make up PORT=")[1].split("，")[0].split(",")[0])
    assert suggested != busy_port and bind_refusal("127.0.0.1", suggested) is None


def test_a_free_port_can_be_bound(busy_port: int) -> None:
    assert bind_refusal("127.0.0.1", busy_port) is not None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert bind_refusal("127.0.0.1", free) is None


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_port_that_is_no_port_is_a_usage_error(app: Flask, port: str) -> None:
    result = app.test_cli_runner().invoke(main, ["up"], env={"OVERSIGHT_PORT": port})
    assert result.exit_code == 2 and "--port" in result.output
