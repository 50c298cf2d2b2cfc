"""A Redis of the suite's own: ``redis-server`` on a free port, no persistence, stopped at the
end of the run. Tests flush, kill and restart brokers; they must never do it to a Redis someone
else is using (a developer's, the compose stack's).

``redis_server`` is shared by the run; ``restartable_redis`` is a test's own, which it may stop
and start again on the same port (a broker restart as production sees one) without disturbing
any other test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class RedisServer:
    port: int
    binary: str = "redis-server"
    folder: Path = field(default_factory=Path)
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=2)

    # ---- this server's own process (never anyone else's) -------------------------------
    def start(self) -> bool:
        """Start this server on its port; True once it answers PING."""
        with (self.folder / f"redis-{self.port}.log").open("ab") as log:
            self._proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        if _wait_until_up(self, self._proc):
            return True
        self.stop()
        return False

    def stop(self) -> None:
        """Stop this server (SIGTERM, then SIGKILL). It saves nothing on the way out: unless
        :meth:`stop_keeping_data` wrote a dump, what it held — queued and unacknowledged
        messages — is gone."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_keeping_data(self) -> None:
        """Stop as a Redis with persistence does: what it holds is written to ``dump.rdb``
        first and loaded again by the next :meth:`start`."""
        self.client().save()
        self.stop()

    def stop_losing_data(self) -> None:
        """Stop and forget everything it held (a restart without persistence, or FLUSHALL)."""
        self.stop()
        (self.folder / "dump.rdb").unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    return binary


def _start_private(folder: Path) -> RedisServer:
    binary = _binary()
    for _attempt in range(5):  # a port found free may be taken before the server binds it
        server = RedisServer(_free_port(), binary, folder)
        if server.start():
            return server
    pytest.fail(f"could not start redis-server; see {folder}")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private ``redis-server`` for this run (skipped — failed in CI — without the binary)."""
    server = _start_private(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def restartable_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A ``redis-server`` of the test's own, which it may stop, flush and restart."""
    server = _start_private(tmp_path_factory.mktemp("redis-own"))
    try:
        yield server
    finally:
        server.stop()


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
