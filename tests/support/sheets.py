"""Import files for the registry tests: valid rows in the template's column order, written as
XLSX or CSV."""

from __future__ import annotations

import csv
import io

import openpyxl

from cases.registry.credit_code import make_credit_code
from cases.registry.unit_import import COLUMNS

HEADERS = [c.zh for c in COLUMNS]


def code(n: int, prefix: str = "91") -> str:
    return make_credit_code(f"{prefix}130185Y{n:08d}")


def row(n: int, **changes: object) -> list[object]:
    """A valid row in the template's column order; ``changes`` by column key."""
    values: dict[str, object] = {
        "name": f"鹿泉区测试单位{n}", "credit_code": code(n), "kind": "企业",
        "address": "鹿泉区向阳路1号", "responsible_person": "王芳", "district_direct": "否",
        "key_unit": "否", "key_unit_reason": "", "key_unit_since": "",
        "holds_national_catalog": "否", "holds_long_term": "是", "runs_sensitive_database": "否",
    }  # fmt: skip
    values.update(changes)
    return [values[c.key] for c in COLUMNS]


def xlsx(rows: list[list[object]], headers: list[str] = HEADERS, write_only: bool = False) -> bytes:
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8", headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
