"""The Celery app, configured from the same settings as the Flask app (Celery's Flask pattern).

Nothing authoritative lives in the broker: deadlines are rows, and the beat-driven sweep
re-derives the work from the database every ``OVERSIGHT_SWEEP_SECONDS``; so a broker that loses
messages (Redis FLUSHALL, the embedded SQLite transport on SIGKILL) delays a firing by
at most one interval and loses nothing.

Production: ``celery -A tasks.app worker`` and ``celery -A tasks.app beat`` with Redis.
Embedded default (``oversight up``): kombu's SQLAlchemy transport on a SQLite file and the beat
inside the worker (``-B``), so nothing needs a server.
"""

from __future__ import annotations

from functools import cache

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy.orm import Session, sessionmaker

from cases.core.db import make_engine, make_session_factory
from cases.core.runtime import tune_gc
from cases.core.settings import Settings, current_settings


def make_celery(settings: Settings) -> Celery:
    app = Celery("oversight", broker=settings.broker_url, include=["tasks.deadlines"])
    app.conf.update(
        task_acks_late=True,  # a task killed mid-way is delivered again (its effect is idempotent)
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        timezone="Asia/Shanghai",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "sweep-deadlines": {
                "task": "oversight.sweep_deadlines",
                "schedule": settings.sweep_seconds,
            },
        },
        beat_schedule_filename=str(settings.instance_dir / "celerybeat-schedule"),
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
