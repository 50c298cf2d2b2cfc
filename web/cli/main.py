"""The ``oversight`` command: Flask's CLI (``FlaskGroup``) plus the project's own commands.

``oversight run``, ``oversight db upgrade``, ``oversight seed-demo``, ``oversight verify-events``,
``oversight diagram`` and ``oversight up`` (everything on embedded defaults) live together.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.core.errors import OversightError
from cases.core.migrate import check as alembic_check
from cases.deadlines.sweeper import sweep
from cases.operations.upgrade import upgrade_database
from web.app import create_app
from web.cli.accounts import register as register_accounts
from web.cli.calendar import calendar_group
from web.cli.chain import register as register_chain
from web.cli.circulars import circular_group
from web.cli.complaints import register as register_complaints
from web.cli.documents import documents_group
from web.cli.guard import OversightGroup
from web.cli.health import health_group
from web.cli.incidents import incident_group
from web.cli.operations import owner_url_option, refusals_as_messages
from web.cli.operations import register as register_operations
from web.cli.penalties import register as register_penalties
from web.cli.plans import plan_group
from web.cli.policy import policy_group
from web.cli.ports import require_free_port
from web.cli.referrals import referral_group
from web.cli.registry import register as register_registry
from web.cli.selfreports import selfreport_group
from web.cli.support import click_error, session_factory
from web.cli.sysadmin import register as register_sysadmin

DOCS = Path(__file__).resolve().parents[2] / "docs"


@click.group(cls=OversightGroup, create_app=lambda: create_app(), add_version_option=False)
def main() -> None:
    """Oversight — 档案监督检查案件管理."""


main.add_command(calendar_group)
register_complaints(main)
register_registry(main)
register_chain(main)
main.add_command(plan_group)
main.add_command(health_group)
main.add_command(incident_group)
main.add_command(selfreport_group)
main.add_command(referral_group)
main.add_command(circular_group)
main.add_command(documents_group)
register_penalties(main)
register_accounts(main)
main.add_command(policy_group)
register_sysadmin(main)


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@owner_url_option
@click.option("--app-role", default=None, help="The app's role, whose grants are re-applied.")
@with_appcontext
@refusals_as_messages
def db_upgrade(owner_url: str = "", app_role: str | None = None) -> None:
    """Migrate the schema to the newest revision and load the reference data — as the owner
    when an owner URL is given, then re-apply the app role's grants."""
    settings = current_app.config["OVERSIGHT"]
    click.echo(upgrade_database(settings.database_url, owner_url, app_role, session_factory()))


register_operations(main)


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    alembic_check(current_app.config["OVERSIGHT"].database_url)
    click.echo("models and migrations agree")


@main.command("diagram")
@click.option("--check", is_flag=True, help="Fail if the committed diagram is stale.")
def diagram(check: bool) -> None:
    """Write the case machine's diagram to docs/ (generated from the machine itself)."""
    from web.diagram import write_diagrams

    stale = write_diagrams(DOCS, check_only=check)
    if check and stale:
        click.echo(f"stale: {', '.join(stale)}; run `oversight diagram`", err=True)
        sys.exit(1)
    click.echo("diagram up to date" if check else f"written to {DOCS}")


@main.command("seed-demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed (reproducible).")
@click.option("--if-empty", is_flag=True, help="Do nothing when units already exist.")
@with_appcontext
def seed_demo_command(seed: int, if_empty: bool) -> None:
    """Create a believable Luquan district: units, officers, a year of inspections and cases."""
    from cases.demo.accounts import give_demo_passwords, write_demo_accounts
    from cases.demo.district import seed_demo

    settings = current_app.config["OVERSIGHT"]
    try:
        with command_session(session_factory()) as session:
            summary = seed_demo(session, seed=seed, if_empty=if_empty)
            given = give_demo_passwords(session, settings, utcnow())
            if given:
                path = write_demo_accounts(settings.instance_dir, given)
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(summary)
    if given:
        click.echo(f"演示账号（一次性密码，首次登录须修改；亦见 {path}）(demo accounts):")
        for user, password in given:
            click.echo(f"  {user.username:<14} {password}  {user.display_name}")


@main.command("up")
@click.option("--host", default=lambda: os.environ.get("OVERSIGHT_HOST", "127.0.0.1"))
@click.option(
    "--port", default=lambda: os.environ.get("OVERSIGHT_PORT", "5000"),
    type=click.IntRange(1, 65535), help="Port to serve on (also OVERSIGHT_PORT; make up PORT=…).",
)  # fmt: skip
@click.pass_context
def up(ctx: click.Context, host: str, port: int) -> None:
    """Migrate, load demo data on first start, then run the web app and a Celery worker with its
    beat — all on embedded defaults (SQLite database, SQLite broker). A busy port stops it
    before anything starts (exit 69)."""
    require_free_port(host, port)
    ctx.invoke(db_upgrade)
    ctx.invoke(seed_demo_command, seed=2026, if_empty=True)
    accounts = current_app.config["OVERSIGHT"].instance_dir / "demo-accounts.txt"
    if accounts.exists():
        click.echo(f"演示账号及一次性密码 (demo sign-ins): {accounts}")
    # what is already due fires now, not at the first beat tick (/health is ok from the start)
    click.echo(f"first sweep: {sweep(session_factory()).as_dict()}")
    from werkzeug.serving import run_simple

    from web.hygiene import QuietRequestHandler

    worker = subprocess.Popen(WORKER_COMMAND, preexec_fn=_die_with_parent)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the finally below on `kill`
    try:
        click.echo(f"Oversight is running on http://{host}:{port}/ (Ctrl-C to stop)")
        run_simple(
            host, port, current_app._get_current_object(), threaded=True,
            request_handler=QuietRequestHandler,
        )  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _die_with_parent() -> None:
    """Linux: the worker gets SIGTERM if ``oversight up`` dies, even by SIGKILL."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


#: The worker with its beat inside (``-B``): one process runs the deadline sweeps on a fresh
#: machine. Production runs ``worker`` and ``beat`` separately (docker-compose.yml).
WORKER_COMMAND = [
    sys.executable, "-m", "celery", "-A", "tasks.app", "worker", "-B", "--pool=solo",
    "--loglevel=INFO",
]  # fmt: skip


if __name__ == "__main__":
    main()
