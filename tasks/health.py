"""Is each background process doing its job? What the docker-compose health checks ask
(``oversight health beat`` / ``oversight health worker``), answered from what the process did,
never from whether a process of that name exists.

* **beat**: its job is to ask for a sweep every ``OVERSIGHT_SWEEP_SECONDS``. Each time a sweep
  request reaches the broker, the beat writes the time into ``<instance>/beat-heartbeat``
  (:mod:`tasks.beat`); the check fails when there is none, or it is older than the lateness
  grace (``Settings.late_grace``), so a beat that is hung, cut off from the broker or not
  running at all is seen.
* **worker**: its main process answers ``celery inspect ping`` addressed to its own node name.
  Whether the sweeps it runs succeed is ``/health``'s business (late deadlines answer 503).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from celery import Celery
from celery.utils.nodenames import default_nodename

from cases.core.settings import Settings

HEARTBEAT_FILE = "beat-heartbeat"

#: Brokers without remote control (kombu's SQLAlchemy transport, the embedded default): a ping
#: cannot reach a worker through them (docs/decisions.md).
NO_REMOTE_CONTROL = ("sqla+", "sqlalchemy+")


@dataclass(frozen=True)
class Verdict:
    """A health check's answer: healthy or not, and why, in both languages."""

    ok: bool
    reason_zh: str
    reason_en: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL'}: {self.reason_zh} ({self.reason_en})"


# ---- beat ----------------------------------------------------------------------------------
def heartbeat_path(instance_dir: Path) -> Path:
    return instance_dir / HEARTBEAT_FILE


def record_sweep_request(instance_dir: Path, now: datetime) -> None:
    """Write ``now`` as the last sweep request, atomically (a reader never sees half a line)."""
    path = heartbeat_path(instance_dir)
    temporary = path.with_name(f".{HEARTBEAT_FILE}.{os.getpid()}")
    temporary.write_text(now.isoformat() + "\n", encoding="ascii")
    os.replace(temporary, path)


def last_sweep_request(instance_dir: Path) -> datetime | None:
    """When the beat last handed a sweep request to the broker; None if never (or unreadable)."""
    try:
        return datetime.fromisoformat(heartbeat_path(instance_dir).read_text().strip())
    except (OSError, ValueError):
        return None


def beat_verdict(settings: Settings, now: datetime) -> Verdict:
    last = last_sweep_request(settings.instance_dir)
    limit = settings.late_grace
    if last is None:
        return Verdict(
            False,
            f"定时调度尚未发出过期限扫描请求（{heartbeat_path(settings.instance_dir)}）",
            f"beat has not yet asked for a sweep ({heartbeat_path(settings.instance_dir)})",
        )
    age = now - last
    if age > limit:
        return Verdict(
            False,
            f"定时调度已 {_seconds(age)} 秒未发出期限扫描请求（上限 {_seconds(limit)} 秒）",
            f"beat last asked for a sweep {_seconds(age)} s ago (more than {_seconds(limit)} s)",
        )
    return Verdict(
        True,
        f"定时调度 {_seconds(age)} 秒前发出期限扫描请求",
        f"beat asked for a sweep {_seconds(age)} s ago",
    )


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())


# ---- worker --------------------------------------------------------------------------------
def own_node() -> str:
    """The name a worker started without ``-n`` has on this host (``celery@<hostname>``)."""
    return default_nodename("")


def ping_worker(broker_url: str, node: str, timeout: float) -> Verdict:
    """Ping ``node`` through the broker; healthy if it answers within ``timeout`` seconds."""
    if broker_url.startswith(NO_REMOTE_CONTROL):
        return Verdict(
            False,
            "内嵌消息代理（sqla+sqlite）不支持远程控制，无法探测工作进程；生产环境请用 Redis",
            "the embedded broker (sqla+sqlite) has no remote control, so a worker cannot be "
            "pinged through it; production uses Redis",
        )
    app = Celery("oversight-health", broker=broker_url, set_as_current=False)
    app.conf.update(broker_connection_retry=False, broker_connection_timeout=timeout)
    try:
        replies = app.control.inspect(destination=[node], timeout=timeout).ping() or {}
    except Exception as exc:  # noqa: BLE001 (any failure to reach the broker is the answer)
        return Verdict(
            False,
            f"无法连接消息代理：{exc.__class__.__name__}",
            f"cannot reach the broker: {exc.__class__.__name__}: {exc}",
        )
    finally:
        app.close()
    if replies.get(node, {}).get("ok") == "pong":
        return Verdict(True, f"工作进程 {node} 应答", f"worker {node} answered the ping")
    return Verdict(
        False,
        f"工作进程 {node} 在 {timeout:g} 秒内未应答",
        f"worker {node} did not answer a ping within {timeout:g} s",
    )
