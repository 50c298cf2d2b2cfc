"""A Redis of the suite's own: ``redis-server`` on a free port, no persistence, stopped at the
end of the run. Tests flush, kill and restart brokers; they must never do it to a Redis someone
else is using (a developer's, the compose stack's)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass(frozen=True)
class RedisServer:
    port: int

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private ``redis-server`` for this run (skipped — failed in CI — without the binary)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    folder = tmp_path_factory.mktemp("redis")
    for _attempt in range(5):  # a port found free may be taken before the server binds it
        server = RedisServer(_free_port())
        proc = subprocess.Popen(
            [binary, "--port", str(server.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--daemonize", "no"],
            stdout=(folder / f"redis-{server.port}.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        if _wait_until_up(server, proc):
            break
        proc.kill()
        proc.wait()
    else:
        pytest.fail(f"could not start redis-server; see {folder}")
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(server: RedisServer, proc: subprocess.Popen[bytes]) -> bool:
    client = server.client()
    until = time.monotonic() + 10
    while time.monotonic() < until and proc.poll() is None:
        try:
            if client.ping():
                return True
        except redis.RedisError:
            time.sleep(0.05)
    return False
