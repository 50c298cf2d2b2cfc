"""Hostile values and the row count of every table, shared by the web and CLI walks."""

from __future__ import annotations

import socket

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session, sessionmaker

#: Path parts and parameter values as they appear in a URL (percent-encoded where a browser
#: would encode them, raw where an attacker would not).
HOSTILE_URL_VALUES = (
    "2147483647",  # the largest PostgreSQL integer
    "2147483648",  # one past it
    "9223372036854775808",  # one past SQLite's integer
    "99999999999999999999999999999999",
    "-1",
    "0",
    "00001",
    "%EF%BC%91",  # １ (full-width digit one)
    "%EF%BC%91%EF%BC%92",  # １２
    "%D9%A1",  # ١ (Arabic-Indic digit one)
    "1e9",
    "0x10",
    "%00",
    "1%00",
    "%01%1B%7F",
    "..%2F..%2Fetc%2Fpasswd",
    "..",
    "%2e%2e",
    "x" * 5000,
    "%E2%80%AEgpj.exe",  # RTL override
    "%27%20OR%20%271%27%3D%271",  # ' OR '1'='1
    "1%3B%20DROP%20TABLE%20cases%3B--",
    "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%C3%28",  # invalid UTF-8
    "%FF%FE%FD",
    "%ED%A0%80",  # an encoded surrogate
    "%",
    "%G0",
)

#: The same for form fields (already decoded: a form posts text).
HOSTILE_TEXTS = (
    "2147483648",
    "9223372036854775808",
    "-1",
    "１",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202egpj.exe",
    "'; DROP TABLE cases; --",
    "../../etc/passwd",
    "x" * 100_000,
    "\ufffd\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
)

#: Query and form names the views read, and some they might: an unknown name must be harmless too.
PARAMETER_NAMES = (
    "q", "state", "unit", "page", "id", "case_id", "unit_id", "year", "officer_ids", "trigger",
    "version", "next", "format", "sort", "x\x00",
)  # fmt: skip


def row_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    """Rows in every table of the test's database, seen through the test's own sessions."""
    with factory() as session:
        connection = session.connection()
        names = inspect(connection).get_table_names()
        return {
            name: session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in names
        }


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (bound, read and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
