"""``oversight health beat`` and ``oversight health worker``: the docker-compose health checks
of the background processes. Each prints one line (Chinese, then English) and exits 0 when the
process is doing its job, 1 when it is not; the rules are in :mod:`tasks.health`.

    oversight health beat                      # the beat's last sweep request is recent
    oversight health worker                    # celery@<this host> answers a ping
    oversight health worker --node w1@host --timeout 3
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.core.clock import utcnow
from tasks.health import Verdict, beat_verdict, own_node, ping_worker


@click.group("health")
def health_group() -> None:
    """Is each background process doing its job? (exit 0: yes, 1: no)"""


def _answer(verdict: Verdict) -> None:
    click.echo(verdict.line(), err=not verdict.ok)
    sys.exit(0 if verdict.ok else 1)


@health_group.command("beat")
@with_appcontext
def beat() -> None:
    """Fail unless the beat asked for a sweep within the lateness grace."""
    _answer(beat_verdict(current_app.config["OVERSIGHT"], utcnow()))


@health_group.command("worker")
@click.option("--node", default=own_node, show_default="celery@<this host>",
              help="The worker's node name (its -n).")  # fmt: skip
@click.option("--timeout", default=5.0, show_default=True, type=click.FloatRange(0.1, 60))
@with_appcontext
def worker(node: str, timeout: float) -> None:
    """Fail unless the worker answers a ping through the broker."""
    _answer(ping_worker(current_app.config["OVERSIGHT"].broker_url, node, timeout))
