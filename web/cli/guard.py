"""The ``oversight`` group's guard: every command answers with one clear line and an exit code.

Two things hold for every command, including commands added later, without the command doing
anything:

* **Arguments are bounded before a command runs** (:func:`harden`): a whole number (``type=int``)
  must fit a PostgreSQL ``integer`` — ``plan verify 1099511627776`` and ``--unit-id 2147483648``
  reached the database and came back as a traceback with the SQL — and text may not carry NUL or
  another control character. Both are usage errors (exit 2) naming the parameter.
* **Failures become a line, not a traceback** (:class:`OversightGroup`): a refusal of the domain
  is its Chinese and English reason; a file that cannot be read or written names the path and
  why; the database out of reach says so; anything else is one line naming the error's kind.
  ``OVERSIGHT_TRACEBACK=1`` shows the traceback, for developers.

Exit codes (BSD ``sysexits``, so scripts can tell them apart): 1 a refusal, 2 a usage error,
65 data that cannot be used (a command that says so: a policy value below its level-3 floor),
69 the database unavailable, 70 an internal error, 74 a file error, 77 not signed in (no valid
token), 78 a setting that cannot be used.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from cases.core.errors import OversightError
from cases.core.settings import SettingsError
from web.cli.support import TEXT, CheckedPath, FiniteNumber, Text, WholeNumber
from web.failures import database_reason, database_unavailable

EXIT_REFUSED = 1
#: The data given cannot be used (EX_DATAERR), e.g. a policy value below its floor.
EXIT_DATAERR = 65
EXIT_UNAVAILABLE = 69
EXIT_INTERNAL = 70
EXIT_FILE = 74
#: Not signed in, or the token is no longer valid (EX_NOPERM).
EXIT_NOPERM = 77
EXIT_CONFIG = 78

#: Set to 1 to let an unexpected error through with its traceback.
TRACEBACK_VARIABLE = "OVERSIGHT_TRACEBACK"


class CommandFailed(click.ClickException):
    """A failure printed as ``Error: …`` with its own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def harden(command: click.Command) -> click.Command:
    """Bound ``command``'s (and its subcommands') parameters in place: whole numbers to ASCII
    digits within a PostgreSQL ``integer`` (ids, years, counts; a command's own narrower range is
    kept), numbers to finite ones, text and paths to ones without control characters. Other types
    a command chose (``Choice``, ``DateTime``) are its own."""
    for param in command.params:
        param.type = _bounded(param.type, param)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            harden(sub)
    return command


def _bounded(kind: click.ParamType, param: click.Parameter) -> click.ParamType:
    if isinstance(kind, WholeNumber | FiniteNumber | Text | CheckedPath):
        return kind
    if isinstance(kind, click.Path):
        return CheckedPath.of(kind)
    if isinstance(kind, click.types.IntParamType):
        return WholeNumber(**_range(kind))
    if isinstance(kind, click.types.FloatParamType):
        return FiniteNumber(**_range(kind))
    if kind is click.STRING and not getattr(param, "is_flag", False):
        return TEXT
    return kind


def _range(kind: click.ParamType) -> dict[str, Any]:
    if not isinstance(kind, click.IntRange | click.FloatRange):
        return {}
    return {
        "min": kind.min, "max": kind.max, "min_open": kind.min_open, "max_open": kind.max_open,
        "clamp": kind.clamp,
    }  # fmt: skip


def failure(exc: Exception) -> CommandFailed:
    """The one line (and exit code) an exception a command let through is answered with."""
    if isinstance(exc, OversightError):
        return CommandFailed(f"{exc.reason_zh} ({exc.reason_en})", EXIT_REFUSED)
    if database_unavailable(exc):
        return CommandFailed(
            f"数据库暂时无法连接，请稍后重试 (database unavailable: {database_reason(exc)})",
            EXIT_UNAVAILABLE,
        )
    if isinstance(exc, OSError):
        why = exc.strerror or str(exc) or type(exc).__name__
        if exc.filename is not None:
            where = exc.filename
            return CommandFailed(
                f"无法读写文件 {where}：{why} (cannot use {where}: {why})", EXIT_FILE
            )
        if isinstance(exc, ConnectionError | TimeoutError):  # a mail server, the broker, …
            return CommandFailed(f"服务暂时无法连接 (service unavailable: {why})", EXIT_UNAVAILABLE)
        return CommandFailed(f"系统错误 (system error: {why})", EXIT_FILE)
    if isinstance(exc, SettingsError):
        return CommandFailed(f"配置无效 (invalid setting): {exc}", EXIT_CONFIG)
    if isinstance(exc, DBAPIError) and exc.statement is None:  # refused while connecting
        return CommandFailed(
            f"无法按 OVERSIGHT_DATABASE_URL 连接数据库 (cannot connect with OVERSIGHT_DATABASE_URL: "
            f"{database_reason(exc)})",
            EXIT_CONFIG,
        )
    if isinstance(exc, NoSuchModuleError) or (isinstance(exc, ArgumentError) and "URL" in str(exc)):
        # the URL itself is not shown: it may hold a password
        return CommandFailed(
            f"配置无效：OVERSIGHT_DATABASE_URL 不是可用的数据库地址 (invalid setting: "
            f"OVERSIGHT_DATABASE_URL is not a database URL that can be used: {type(exc).__name__})",
            EXIT_CONFIG,
        )
    return CommandFailed(
        f"内部错误 (internal error: {type(exc).__name__}); "
        f"设置 {TRACEBACK_VARIABLE}=1 可查看详情 (set {TRACEBACK_VARIABLE}=1 for the traceback)",
        EXIT_INTERNAL,
    )


class OversightGroup(FlaskGroup):
    """Flask's command group with the guard around every command (see the module doc)."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        return None if command is None else harden(command)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise  # click's own answers (usage errors, Ctrl-C/Ctrl-D) are already clear
        except Exception as exc:
            if os.environ.get(TRACEBACK_VARIABLE) == "1":
                raise
            raise failure(exc) from None
