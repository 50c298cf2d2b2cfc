"""Every file a command reads from outside is read within a limit (issue 9 §3): an endless
``/dev/zero`` or an oversized file is refused with a clear message, never read for ever."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask

from web.cli.calendar import calendar_group


def test_calendar_enter_refuses_an_endless_file(app: Flask, tmp_path: Path) -> None:
    started = time.monotonic()
    result = app.test_cli_runner().invoke(
        calendar_group,
        ["enter", "2027", "/dev/zero", "--published-on", "2026-11-01", "--format", "csv"],
    )  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "日历文件超过1 MB的上限" in result.output and "exceeds the limit" in result.output
    assert time.monotonic() - started < 10
