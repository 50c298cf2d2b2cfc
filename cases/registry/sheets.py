"""Reading an uploaded table: the rows of a CSV file or of an XLSX workbook's first sheet.

Used by the unit registry import (``cases.registry.unit_import``), which is timed at 100,000
rows (≤ 30 s including the database write). openpyxl reads the workbook's structure, its
styles (to know which numbers are dates) and the 1900/1904 epoch; the cells of the sheet are read
by a lean ``iterparse`` loop, because openpyxl's read-only cell loop builds a dict and several
descriptor objects per cell and, for sheets written in write-only mode (no ``<dimension>``),
parses the whole sheet twice — together over 12 s of the budget for 100,000 rows of 12 columns,
against about 4 s here.

Row numbers are those the user sees in the spreadsheet (the first row is 1), blank rows included,
so a report can send them to the right line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS

from cases.core.errors import InvalidInput

__all__ = ["CellError", "read_rows"]


class CellError(str):
    """An Excel error value (#N/A, #REF! …) read from a cell: never a usable value."""


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, Sequence[object]]]:
    """Yield (spreadsheet row number, cell values) for every row of the file's first sheet.

    Format from the file name: ``.csv`` (UTF-8 with or without BOM, else GB18030 — what Excel
    for Chinese Windows writes) or ``.xlsx``. XLSX values come typed (str, int, float, bool,
    datetime); CSV values are strings.

    Raises:
        InvalidInput: for another format or a file that cannot be read as the one named.
    """
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "csv":
        return _csv_rows(data)
    if suffix == "xlsx":
        return _xlsx_rows(data)
    raise InvalidInput(
        f"不支持的文件格式“{filename}”：请上传.xlsx或.csv文件（.xls请先另存为.xlsx）",
        f"Unsupported file {filename!r}: upload an .xlsx or .csv file (save .xls as .xlsx first)",
    )


def _csv_rows(data: bytes) -> Iterator[tuple[int, Sequence[object]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                "无法识别CSV文件的编码：请保存为UTF-8或GB18030（GBK）编码",
                "Cannot decode the CSV file: save it as UTF-8 or GB18030 (GBK)",
            ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            yield number, row
    except csv.Error as exc:
        raise InvalidInput(
            f"CSV文件第{number + 1}行格式错误：{exc}", f"CSV row {number + 1} is malformed: {exc}"
        ) from exc


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN = (
    _NS + "row", _NS + "c", _NS + "v", _NS + "is", _NS + "t", _NS + "r",
)  # fmt: skip


@cache
def _column_index(letters: str) -> int:
    return column_index_from_string(letters) - 1


def _string_item(node: Any) -> str:
    """Text of a shared or inline string: its ``t``, or its rich-text runs' ``t`` (phonetic
    ``rPh`` runs are annotations, not text)."""
    parts = []
    for child in node:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            parts.append(child.findtext(_TEXT) or "")
    return "".join(parts)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, Sequence[object]]]:
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheet_path = next(
            rel.target
            for _, rel in reader.parser.find_sheets()
            if "chartsheet" not in rel.Type and rel.target in reader.valid_files
        )
        strings = _shared_strings(reader)
    except (zipfile.BadZipFile, KeyError, OSError, ParseError, StopIteration, ValueError) as exc:
        raise InvalidInput(
            "无法读取该XLSX文件：文件已损坏或不是Excel工作簿",
            "Cannot read the XLSX file: it is damaged or not an Excel workbook",
        ) from exc
    return _sheet_rows(reader, sheet_path, strings)


def _shared_strings(reader: ExcelReader) -> list[str]:
    part = reader.package.find(SHARED_STRINGS)  # the manifest names the part
    if part is None:
        return []
    strings = []
    with reader.archive.open(part.PartName[1:]) as src:
        for _, node in iterparse(src):
            if node.tag == _NS + "si":
                strings.append(_string_item(node))
                node.clear()
    return strings


def _sheet_rows(
    reader: ExcelReader, sheet_path: str, strings: list[str]
) -> Iterator[tuple[int, Sequence[object]]]:
    date_styles = reader.wb._date_formats  # style ids with a date number format (openpyxl 3.1)
    epoch = reader.wb.epoch
    number = 0
    try:
        with reader.archive.open(sheet_path) as src:
            for _, element in iterparse(src):
                if element.tag != _ROW:
                    continue
                number = int(element.get("r") or number + 1)
                values: list[object] = []
                for cell in element.iter(_CELL):
                    ref = cell.get("r")
                    if ref:
                        index = _column_index(ref.rstrip("0123456789"))
                        if index > len(values):
                            values.extend([None] * (index - len(values)))
                    values.append(_cell_value(cell, strings, date_styles, epoch))
                element.clear()
                yield number, values
    except (ParseError, zipfile.BadZipFile, IndexError, ValueError) as exc:
        raise InvalidInput(
            f"无法读取该XLSX文件第{number + 1}行附近的内容：{exc}",
            f"Cannot read the XLSX file near row {number + 1}: {exc}",
        ) from exc
    finally:
        reader.archive.close()


def _cell_value(cell: Any, strings: list[str], date_styles: Any, epoch: datetime) -> object:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        node = cell.find(_INLINE)
        return None if node is None else _string_item(node)
    raw = cell.findtext(_VALUE)
    if raw is None:
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind == "n":
        number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        style = cell.get("s")
        if style and int(style) in date_styles:
            try:
                return from_excel(number, epoch)
            except (OverflowError, ValueError):
                return number  # a serial beyond Excel's dates: let the column's check say so
        return number
    if kind == "b":
        return raw == "1"
    if kind == "d":
        return from_ISO8601(raw)
    if kind == "e":
        return CellError(raw)
    return raw  # "str": a formula's text result
