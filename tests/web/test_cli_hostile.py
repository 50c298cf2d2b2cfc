"""Every ``oversight`` command answers hostile arguments with a clear line and an exit code.

The commands are read from the ``oversight`` group itself, recursively, so a command added later
is covered without editing this file. Each parameter of each command is given, in turn, every
hostile value its type allows (ids past 32 bits, full-width digits, NaN, NUL and other control
characters, a file that does not exist, a file full of NUL bytes, an unwritable path), the other
required parameters something ordinary. No run may print a traceback or let an exception out,
each must exit non-zero, and no row may be written. Then the particular faults, each reproduced.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy.orm import Session, sessionmaker

from cases.core.settings import load_settings
from tests.support.cli import audit_entries, token_of, with_token
from tests.support.world import World
from tests.web.hostile import free_port, row_counts
from web.app import create_app
from web.cli.guard import EXIT_CONFIG, EXIT_FILE, EXIT_INTERNAL, EXIT_UNAVAILABLE, failure
from web.cli.main import main

#: Commands that start servers or wait for a person: not run (the reason is the value).
SKIPPED = {
    "run": "starts the development server",
    "up": "starts the web app and a worker",
    "shell": "an interactive Python shell",
}

#: Ordinary values by parameter name, given even when optional, so that a run gets past "which
#: authority?" to the hostile value (the World's Luquan). Past "who are you?" it gets by a token:
#: every run is signed in as the World's inspector (``OVERSIGHT_TOKEN``).
ORDINARY_BY_NAME = {"authority_code": "luquan"}
SIGNED_IN_AS = "zhang"

HOSTILE_INTEGERS = (
    "2147483648", "-2147483649", "1099511627776", "9223372036854775808", "１", "1２", "٣",
    "1e3", "0x10", "",
)  # fmt: skip
HOSTILE_FLOATS = ("nan", "inf", "-inf", "1e400")
HOSTILE_TEXTS = ("a\x00b", "\x00", "\x1b[2J", "名称\u202egpj.exe", "\x7f", "x\x0b")


@dataclass(frozen=True)
class Run:
    command: tuple[str, ...]
    args: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(self.command + self.args)[:200]


def commands(app: Flask) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every leaf command of ``oversight``, with its path of names."""
    ctx = click.Context(main, obj=ScriptInfo(create_app=lambda: app))

    def walk(
        group: click.Group, path: tuple[str, ...]
    ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None or name in SKIPPED:
                continue
            if isinstance(command, click.Group):
                yield from walk(command, (*path, name))
            else:
                yield (*path, name), command

    with ctx:
        return list(walk(main, ()))


class Files:
    """Ordinary and hostile files for path parameters, in the test's own folder."""

    def __init__(self, folder: Path) -> None:
        self.ordinary = folder / "ordinary.csv"
        self.ordinary.write_text("单位名称,统一社会信用代码\n", encoding="utf-8")
        self.nul = folder / "nul.csv"
        self.nul.write_bytes(
            "单位名称,统一社会信用代码\n测试\x00单位,91130185MA00000003\n".encode()
        )
        self.garbage = folder / "garbage.xlsx"
        self.garbage.write_bytes(b"PK\x03\x04" + b"\x00\xff" * 500)
        self.empty = folder / "empty.json"
        self.empty.write_bytes(b"")
        self.out = folder / "out.xlsx"


def _ordinary(param: click.Parameter, files: Files) -> str | None:
    if param.name in ORDINARY_BY_NAME:
        return ORDINARY_BY_NAME[param.name]
    kind = param.type
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.DateTime):
        return "2026-03-02"
    if isinstance(kind, click.types.IntParamType):
        low = getattr(kind, "min", None)
        return str(2026 if low is None or low <= 2026 <= (kind.max or 2026) else low)
    if isinstance(kind, click.types.FloatParamType):
        return "0.1"
    if isinstance(kind, click.Path):
        return str(files.ordinary if kind.exists else files.out)
    return "nobody"


def _hostile(param: click.Parameter, files: Files) -> tuple[str, ...]:
    kind = param.type
    if isinstance(kind, click.Choice | click.types.BoolParamType) or getattr(
        param, "is_flag", False
    ):
        return ()
    if isinstance(kind, click.types.IntParamType):
        return HOSTILE_INTEGERS
    if isinstance(kind, click.types.FloatParamType):
        return HOSTILE_FLOATS
    if isinstance(kind, click.DateTime):
        return ("2026-02-30", "2026-03-02\x00")
    if isinstance(kind, click.Path):
        missing = ("/nonexistent/x.csv", "/proc/x/y", "a\x00b.csv")
        return (*missing, str(files.nul), str(files.garbage), str(files.empty)) if kind.exists else (
            "/proc/x/y.xlsx", "/proc/x/y.csv", "/", "/nonexistent/dir/out.csv",
        )  # fmt: skip
    return HOSTILE_TEXTS


def _words(param: click.Parameter, value: str) -> list[str]:
    if isinstance(param, click.Argument):
        return [value]
    return [param.opts[0], value]


def runs(app: Flask, files: Files) -> Iterator[Run]:
    """For each command and parameter, one run per hostile value of that parameter."""
    for path, command in commands(app):
        params = [p for p in command.params if p.name != "help"]
        for target in params:
            for value in _hostile(target, files):
                args: list[str] = []
                for param in params:
                    if param is target:
                        args += _words(param, value)
                    elif param.required or param.name in ORDINARY_BY_NAME:
                        args += _words(param, _ordinary(param, files) or "")
                yield Run(path, tuple(args))


def invoke(app: Flask, *args: str, token: str | None = None) -> Result:
    return with_token(app, token, *args)


def _clean(result: Result) -> bool:
    """An answer, not a crash: no exception let out, no traceback printed."""
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    return not escaped and "Traceback" not in result.output


# openpyxl leaves a write-only sheet's generator open when ``units sample`` cannot create its file
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_every_command_refuses_hostile_arguments_cleanly_and_writes_nothing(
    app: Flask, world: World, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    files = Files(tmp_path)
    token = token_of(world, SIGNED_IN_AS)
    before = row_counts(factory)
    crashed, accepted, internal = [], [], []
    count = 0

    for run in runs(app, files):
        count += 1
        result = invoke(app, *run.command, *run.args, token=token)
        if not _clean(result):
            crashed.append(f"{run} → {result.exception!r}\n{result.output[-400:]}")
        elif result.exit_code == 0:
            accepted.append(str(run))
        elif result.exit_code == EXIT_INTERNAL:  # clean, but a bug: bad input has its own answer
            internal.append(f"{run} → {result.output.strip()[-200:]}")

    gc.collect()  # within the filter above
    assert count > 100  # the walk found the commands and their parameters
    assert crashed == []
    assert accepted == []
    assert internal == []
    after = row_counts(factory)
    assert {k: v for k, v in after.items() if k != "audit_entries"} == {
        k: v for k, v in before.items() if k != "audit_entries"
    }
    # what the audit log gained is refusals of the permission function: nothing was done
    assert [e.outcome for e in audit_entries(world)] == ["refused"] * after["audit_entries"], [
        (e.action, e.target, e.detail) for e in audit_entries(world)
    ]
    assert not (tmp_path / "out.xlsx").exists()
    assert not Path("/nonexistent").exists()  # no command makes a missing folder


def test_the_walk_covers_every_command_group(app: Flask) -> None:
    found = {path for path, _ in commands(app)}
    for expected in (("units", "import"), ("complaints", "add"), ("plan", "verify")):
        assert expected in found
    assert not any(path[-1] in SKIPPED for path in found)


# ---- the faults of the issue, one by one -----------------------------------------------------


@pytest.mark.both_databases
def test_a_csv_with_nul_bytes_is_refused_as_not_text(
    app: Flask, world: World, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    token = token_of(world, SIGNED_IN_AS)  # the import acts as the signed-in user
    before = row_counts(factory)
    result = invoke(
        app, "units", "import", str(Files(tmp_path).nul), "--authority", "luquan", token=token
    )
    assert result.exit_code == 1 and _clean(result), result.output
    assert "CSV文件第2行含有NUL（空）字节" in result.output
    assert "holds a NUL byte on line 2" in result.output
    assert row_counts(factory) == before


@pytest.mark.parametrize(
    "args",
    [
        ("complaints", "add", "--content", "y", "--unit-id", "2147483648"),
        ("complaints", "add", "--content", "y", "--unit-id", "１"),
        ("plan", "verify", "1099511627776"),
        ("calendar", "show", "2147483648"),
    ],
)
def test_an_id_or_year_past_32_bits_is_a_usage_error(
    app: Flask, world: World, args: tuple[str, ...]
) -> None:
    result = invoke(app, *args)
    assert result.exit_code == 2 and _clean(result), result.output
    assert "Invalid value for" in result.output
    assert "SELECT" not in result.output and "[parameters:" not in result.output


def test_an_unwritable_path_names_the_path_and_the_reason(app: Flask) -> None:
    result = invoke(app, "units", "template", "/proc/x/y.xlsx")
    assert result.exit_code == EXIT_FILE and _clean(result), result.output
    assert "/proc/x/y.xlsx" in result.output and "No such file or directory" in result.output


@pytest.fixture(params=["pg", "sqlite"])
def unreachable_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """``oversight`` on a database nobody can reach (a free port; a folder that is not there)."""
    url = (
        f"postgresql://postgres@127.0.0.1:{free_port()}/oversight"
        if request.param == "pg"
        else f"sqlite:///{tmp_path}/missing/folder/oversight.db"
    )
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "test-down"}
    ).with_(database_url=url)
    app = create_app(settings)
    yield app
    app.extensions["oversight.engine"].dispose()


@pytest.mark.parametrize(
    "args", [("verify-events",), ("plan", "verify", "2026"), ("units", "import", "{nul}")]
)
def test_with_the_database_down_commands_say_so_in_one_line(
    unreachable_app: Flask, tmp_path: Path, args: tuple[str, ...]
) -> None:
    files = Files(tmp_path)
    # a token, so that a signed command gets as far as the database to check it
    result = invoke(unreachable_app, *(a.format(nul=files.nul) for a in args), token="t0ken")
    assert result.exit_code == EXIT_UNAVAILABLE and _clean(result), result.output
    assert "数据库暂时无法连接" in result.output and "database unavailable" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_unexpected_error_is_one_line_and_the_traceback_on_request(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    @main.command("broken-for-test")
    def broken() -> None:
        raise RuntimeError("secret detail: SELECT * FROM users")

    try:
        result = invoke(app, "broken-for-test")
        assert result.exit_code == EXIT_INTERNAL and _clean(result), result.output
        assert "RuntimeError" in result.output and "secret detail" not in result.output

        monkeypatch.setenv("OVERSIGHT_TRACEBACK", "1")
        assert isinstance(invoke(app, "broken-for-test").exception, RuntimeError)
    finally:
        main.commands.pop("broken-for-test")


@pytest.mark.parametrize(
    "url", ["foo://x", "not a url", "postgresql://u:secret@127.0.0.1:1/x?x=1&"]
)
def test_a_database_url_that_cannot_be_used_is_a_setting_error(tmp_path: Path, url: str) -> None:
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "test-url"}
    ).with_(database_url=url)
    result = CliRunner().invoke(
        main, ["verify-events"], obj=ScriptInfo(create_app=lambda: create_app(settings))
    )
    assert result.exit_code in (EXIT_CONFIG, EXIT_UNAVAILABLE) and _clean(result), result.output
    assert "secret" not in result.output


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (FileNotFoundError(2, "No such file or directory", "/x/y"), EXIT_FILE, "/x/y"),
        (
            ConnectionRefusedError(111, "Connection refused"),
            EXIT_UNAVAILABLE,
            "service unavailable",
        ),
        (PermissionError(13, "Permission denied"), EXIT_FILE, "Permission denied"),
    ],
)
def test_operating_system_errors_are_worded_for_what_failed(
    error: OSError, code: int, words: str
) -> None:
    answer = failure(error)
    assert answer.exit_code == code and words in answer.message
