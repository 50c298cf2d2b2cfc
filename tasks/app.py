"""The Celery app, configured from the same settings as the Flask app (Celery's Flask pattern).

Nothing authoritative lives in the broker: deadlines are rows, and the beat-driven sweep
re-derives the work from the database every ``OVERSIGHT_SWEEP_SECONDS``; so a broker that loses
messages (Redis FLUSHALL, the embedded SQLite transport on SIGKILL) delays a firing by
at most one interval and loses nothing.

Production: ``celery -A tasks.app worker`` and ``celery -A tasks.app beat`` with Redis.
Embedded default (``oversight up``): kombu's SQLAlchemy transport on a SQLite file and the beat
inside the worker (``-B``), so nothing needs a server.

A broker restart is routine (Redis upgraded, its container moved): the worker reconnects for as
long as it takes (``broker_connection_max_retries=None``) and lets a sweep it is running finish,
since what it writes goes to the database. Celery 5.7.0 cannot survive such a restart while it
holds an unacknowledged task (``acks_late``): its new ``Consumer.on_connection_error_after_connected``
closes the connection a second time after ``collect()``; ``collect()`` had already detached the
transport (``transport.client = None``) but left the channel open, because the channel's close
raised on the pending ``BRPOP``; the second close restores the unacknowledged message, kombu's
Redis channel rebuilds its pool from ``transport.client.hostname`` → ``AttributeError``, which
``ignore_errors`` does not swallow, and the main process exits ("Unrecoverable error"). Celery 5.6
only collects. Hence the pin ``celery<5.7`` in ``pyproject.toml`` (docs/decisions.md);
``tests/tasks/test_broker_restart.py`` reproduces it and says when a newer release may be let in.
"""

from __future__ import annotations

from functools import cache

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init
from sqlalchemy.orm import Session, sessionmaker

from cases.core.db import make_engine, make_session_factory
from cases.core.runtime import tune_gc
from cases.core.settings import Settings, current_settings


def make_celery(settings: Settings) -> Celery:
    app = Celery(
        "oversight",
        broker=settings.broker_url,
        include=["tasks.deadlines", "tasks.selfreports", "tasks.housekeeping", "tasks.credentials"],
    )
    app.conf.update(
        task_acks_late=True,  # a task killed mid-way is delivered again (its effect is idempotent)
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        timezone="Asia/Shanghai",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None,  # a broker down for an hour must not end the worker
        # A sweep running when the broker goes away finishes its database work; its message is
        # re-delivered or re-sent by beat, and a second sweep finds nothing left to fire.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        beat_schedule={
            "sweep-deadlines": {
                "task": "oversight.sweep_deadlines",
                "schedule": settings.sweep_seconds,
            },
            "remind-self-reports": {"task": "oversight.remind_self_reports", "schedule": 3600},
            # the audit log's retention, once a day at a quiet hour (Asia/Shanghai)
            "prune-audit-log": {
                "task": "oversight.prune_audit_log",
                "schedule": crontab(hour=3, minute=17),
            },
            # daily, at 08:00 Asia/Shanghai (the app's timezone): once per expiry date anyway
            "warn-expiring-credentials": {
                "task": "oversight.warn_expiring_credentials",
                "schedule": crontab(hour=8, minute=0),
            },
        },
        beat_schedule_filename=str(settings.instance_dir / "celerybeat-schedule"),
        beat_scheduler="tasks.beat:HeartbeatScheduler",  # writes the heartbeat tasks.health reads
    )
    return app


app = make_celery(current_settings())


@cache
def session_factory() -> sessionmaker[Session]:
    """One engine per worker process (created lazily, after the fork)."""
    return make_session_factory(make_engine(current_settings().database_url))


@worker_process_init.connect
def _fresh_engine_per_child(**_: object) -> None:
    """A pooled engine must not cross a fork (SQLAlchemy's pooling docs): drop any the parent built."""
    session_factory.cache_clear()
    tune_gc()
