"""The per-address limit on failed sign-ins: one address may fail ``signin_address_limit`` times
per window of ``signin_address_window`` seconds, across every account (password spraying).

Two implementations of one small interface, so the web layer can hold either: Redis (shared by
every web process) when Redis is the broker, and memory (one process: the embedded default, a
single ``oversight up``). Windows are fixed and numbered from the epoch by the ``now`` passed
in, so tests control time without sleeping.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol

from cases.core.settings import Settings


class AddressLimiter(Protocol):
    def blocked(self, address: str, now: datetime) -> bool:
        """Whether ``address`` has used up its failures in the current window."""
        ...

    def failed(self, address: str, now: datetime) -> None:
        """Count one failed sign-in from ``address``."""
        ...


class _Windows:
    def __init__(self, limit: int, window: int) -> None:
        self.limit, self.window = limit, window

    def number(self, now: datetime) -> int:
        return int(now.timestamp()) // self.window


class MemoryLimiter(_Windows):
    """In this process only (the embedded default)."""

    def __init__(self, limit: int, window: int) -> None:
        super().__init__(limit, window)
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str, now: datetime) -> bool:
        with self._lock:
            return self._counts.get((address, self.number(now)), 0) >= self.limit

    def failed(self, address: str, now: datetime) -> None:
        current = self.number(now)
        with self._lock:
            for key in [k for k in self._counts if k[1] < current]:
                del self._counts[key]  # windows gone by
            self._counts[(address, current)] = self._counts.get((address, current), 0) + 1


class RedisLimiter(_Windows):
    """Shared by every process using the Redis at ``url`` (``INCR`` + ``EXPIRE`` per window)."""

    def __init__(self, url: str, limit: int, window: int, prefix: str = "oversight:signin") -> None:
        super().__init__(limit, window)
        import redis

        self._redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def _key(self, address: str, now: datetime) -> str:
        return f"{self.prefix}:{self.number(now)}:{address}"

    def blocked(self, address: str, now: datetime) -> bool:
        raw = self._redis.get(self._key(address, now))
        return raw is not None and int(raw) >= self.limit

    def failed(self, address: str, now: datetime) -> None:
        key = self._key(address, now)
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, self.window * 2)
        pipe.execute()


_memory: dict[tuple[int, int], MemoryLimiter] = {}


def limiter_for(settings: Settings) -> AddressLimiter:
    """Redis when the broker is Redis, else this process's memory."""
    limit, window = settings.signin_address_limit, settings.signin_address_window
    if settings.broker_url.startswith(("redis://", "rediss://")):
        return RedisLimiter(settings.broker_url, limit, window)
    return _memory.setdefault((limit, window), MemoryLimiter(limit, window))
