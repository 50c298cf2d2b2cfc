"""Operators' commands: ``oversight db roles``, ``oversight backup``, ``oversight restore``.

The owner's URL comes from ``--owner-url`` or ``OVERSIGHT_OWNER_DATABASE_URL``; passwords and
keys never from the command line (a process list shows it), only from the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
import psycopg
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from cases.core.errors import OversightError
from cases.core.settings import SettingsError
from cases.operations.backup import make_backup, restore_backup
from cases.operations.roles import app_role_for, regrant, set_up_roles, url_user
from cases.operations.sealing import key_from_environment
from web.cli.support import click_error

owner_url_option = click.option(
    "--owner-url",
    envvar="OVERSIGHT_OWNER_DATABASE_URL",
    default="",
    show_envvar=True,
    help="URL of the role that owns the tables (migrations, grants, backup, restore).",
)


def refusals_as_messages(command: Callable[..., Any]) -> Callable[..., Any]:
    """A refusal, an unreachable database or a bad setting as one clear line and exit 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OversightError as exc:
            raise click_error(exc) from exc
        except (psycopg.OperationalError, OperationalError) as exc:
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise click.ClickException(
                f"无法连接数据库 (cannot connect to the database): {first}"
            ) from None
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:  # an unwritable folder, a full disk (nothing was left half-done)
            raise click.ClickException(f"文件操作失败 (file error): {exc}") from exc

    return wrapper


@click.command("roles")
@owner_url_option
@click.option(
    "--app-role",
    default=None,
    help="Name of the app's role (default: the user of OVERSIGHT_DATABASE_URL, "
    "else oversight_app).",
)
@with_appcontext
@refusals_as_messages
def db_roles(owner_url: str, app_role: str | None) -> None:
    """Create or update the app's database role and its grants (idempotent; PostgreSQL).

    The app role may only insert into and read the append-only tables, owns nothing and is no
    superuser. Its password is OVERSIGHT_APP_DB_PASSWORD, else the one in
    OVERSIGHT_DATABASE_URL; without either the role's password is left as it is."""
    import os

    if not owner_url:
        raise click.ClickException(
            "请用 --owner-url 或 OVERSIGHT_OWNER_DATABASE_URL 给出所有者的连接 "
            "(give the owner's URL with --owner-url or OVERSIGHT_OWNER_DATABASE_URL)"
        )
    app_url = current_app.config["OVERSIGHT"].database_url
    role = app_role_for(owner_url, app_url, app_role)
    password = os.environ.get("OVERSIGHT_APP_DB_PASSWORD") or None
    if password is None and app_url.startswith("postgresql"):
        user, url_password = url_user(app_url)
        password = url_password if user == role else None
    click.echo(set_up_roles(owner_url, role, password).summary())


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@owner_url_option
@with_appcontext
@refusals_as_messages
def backup_command(out: Path, owner_url: str) -> None:
    """Write one archive of the database, attachments, outbox and checkpoints, with a manifest
    of SM3 digests; sealed with SM4 when OVERSIGHT_BACKUP_KEY (or _KEY_FILE) is set. The chain
    key and the secret key are not included: keep them apart (README, Backup)."""
    settings = current_app.config["OVERSIGHT"]
    key = key_from_environment()
    manifest = make_backup(settings, out, owner_url=owner_url, key=key)
    counts = manifest["counts"]
    sealed = "SM4-encrypted" if key else "NOT encrypted (no OVERSIGHT_BACKUP_KEY)"
    click.echo(
        f"backup written to {out}: {len(manifest['members'])} member(s), "
        f"{counts.get('cases', 0)} cases, {counts.get('events', 0)} events, "
        f"revision {manifest['schema_revision']}; {sealed}"
    )


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@owner_url_option
@click.option("--app-role", default=None, help="The app's role, whose grants are re-applied.")
@with_appcontext
@refusals_as_messages
def restore_command(archive: Path, owner_url: str, app_role: str | None) -> None:
    """Restore an archive into an empty database and instance folder, checking its seal, its
    manifest and the chains; on any failure the target is left empty (exit 1). Checkpoint
    files already present are kept, never overwritten."""
    settings = current_app.config["OVERSIGHT"]
    done = restore_backup(settings, archive, owner_url=owner_url, key=key_from_environment())
    click.echo(done.summary())
    if owner_url and owner_url.startswith("postgresql"):
        role = app_role_for(owner_url, settings.database_url, app_role)
        if regrant(owner_url, role):
            click.echo(f"grants of {role} re-applied")
    if done.behind:
        click.echo(
            f"注意：此备份早于目标中的检查点，以下历史已丢失 (this archive is older than the"
            f" checkpoints in the target; {len(done.behind)} finding(s), the history since is lost):",
            err=True,
        )
        for finding in done.behind[:20]:
            click.echo(f"  {finding}", err=True)
        click.echo(
            'verify-events fails until the loss is accepted: oversight accept-restore --reason "…"',
            err=True,
        )
    else:
        click.echo("the chains verify against every checkpoint — 与全部检查点一致")


def register(main: click.Group) -> None:
    """Add the commands to ``oversight`` (``db roles`` under its ``db`` group)."""
    db_group = main.commands["db"]
    assert isinstance(db_group, click.Group)
    db_group.add_command(db_roles)
    main.add_command(backup_command)
    main.add_command(restore_command)
