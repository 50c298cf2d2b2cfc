"""Reading an uploaded table: the rows of a CSV file or of an XLSX workbook's first sheet.

Used by the unit registry import (``cases.registry.unit_import``), which is timed at 100,000
rows (≤ 30 s including the database write). openpyxl reads the workbook's structure, its
styles (to know which numbers are dates) and the 1900/1904 epoch; the cells of the sheet are read
by a lean pull-parser loop, because openpyxl's read-only cell loop builds a dict and several
descriptor objects per cell and, for sheets written in write-only mode (no ``<dimension>``),
parses the whole sheet twice — together over 12 s of the budget for 100,000 rows of 12 columns,
against about 4 s here.

A file from outside is hostile until read (a 0.35 MB workbook declaring 40 million blank rows took
3.5 GB; a 1.2 MB shared-strings bomb 457 MB). So nothing a workbook declares is trusted: every
part is decompressed a step at a time and its bytes counted against the unpacked-size ceiling,
the rows are counted against the row ceiling as they stream past (:class:`SheetLimits`, from the
settings), a row may not be wider than Excel's 16,384 columns, the shared strings are held as
UTF-8 in one buffer, and a part with a DTD (entity tricks) or not in UTF-8 is refused. A CSV is
read only in an encoding known with confidence (:func:`decode_csv`).

Row numbers are those the user sees in the spreadsheet (the first row is 1), blank rows included,
so a report can send them to the right line.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError, XMLPullParser

from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import ExcelReader, _find_workbook_part
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS

from cases.core.errors import InvalidInput
from cases.core.settings import Settings, current_settings

__all__ = ["CellError", "SheetLimits", "decode_csv", "read_rows"]


class CellError(str):
    """An Excel error value (#N/A, #REF! …) read from a cell: never a usable value."""


def read_rows(
    source: bytes | Path, filename: str, *, limits: SheetLimits | None = None
) -> Iterator[tuple[int, Sequence[object]]]:
    """Yield (spreadsheet row number, cell values) for every row of the file's first sheet.

    ``source`` is the file's bytes or the path of the stored upload. Format from the file name:
    ``.csv`` (:func:`decode_csv` says which encodings are accepted) or ``.xlsx``, read as a
    stream with ``limits`` on the rows and on the bytes unpacked (default: the settings'). XLSX
    values come typed (str, int, float, bool, datetime); CSV values are strings.

    Raises:
        InvalidInput: for another format, a file that cannot be read as the one named, or one
            beyond the limits.
    """
    if limits is None:
        limits = SheetLimits.from_settings(current_settings())
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "csv":
        data = source if isinstance(source, bytes) else source.read_bytes()
        return _csv_rows(data, limits)
    if suffix == "xlsx":
        return _xlsx_rows(source, limits)
    raise InvalidInput(
        f"不支持的文件格式“{filename}”：请上传.xlsx或.csv文件（.xls请先另存为.xlsx）",
        f"Unsupported file {filename!r}: upload an .xlsx or .csv file (save .xls as .xlsx first)",
    )


_BOM = b"\xef\xbb\xbf"
#: A GB18030 reading is believed only if this share of its non-ASCII characters is in GB 2312
#: (the 6,763 common characters and the usual symbols). Text really written in GBK passes
#: easily — a rare character in a name here and there — while Big5 or Shift-JIS bytes read as
#: GB18030 come out as rare characters, kana-like symbols and private-use code points.
GB_PLAUSIBLE_SHARE = 0.9
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _refuse_encoding(reason_zh: str, reason_en: str) -> InvalidInput:
    return InvalidInput(
        f"无法确定CSV文件的编码：{reason_zh}。请用Excel“另存为”→“CSV UTF-8（逗号分隔）”后重新导入",
        f"Cannot tell the CSV file's encoding with confidence: {reason_en}. Save it as "
        '"CSV UTF-8 (comma delimited)" and import again',
    )


def decode_csv(data: bytes) -> str:
    """The text of a CSV file, when its encoding is known with confidence; else InvalidInput.

    The rule: UTF-8 (with or without one BOM) is accepted when it decodes strictly. Otherwise
    GB18030/GBK — what Excel for Chinese Windows writes — is accepted when it decodes strictly
    *and* the text is plausible: no private-use characters and at least 90% of its non-ASCII
    characters in GB 2312. Anything else — Big5, Shift-JIS, UTF-16, Latin-1 — is refused rather
    than imported as mojibake (“臺灣測試單位” in Big5 would read as “籓芖代刚虫”). NUL bytes and a
    doubled BOM get their own message.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse_encoding("文件是UTF-16编码", "the file is UTF-16")
    if data.startswith(_BOM + _BOM):
        raise InvalidInput(
            "CSV文件开头有两个字节顺序标记（BOM），文件被重复转换过编码：请用文本编辑器删除多余的标记，"
            "或用Excel重新另存为“CSV UTF-8”",
            "The CSV file starts with two byte-order marks (BOM): it was converted twice. Remove "
            'the extra mark or save it again as "CSV UTF-8"',
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InvalidInput(
            f"CSV文件第{line}行含有NUL（空）字节，不是文本文件：请确认上传的是CSV文件，或另存为“CSV UTF-8”",
            f"The CSV file holds a NUL byte on line {line}: it is not a text file. Check it is "
            'the CSV file, or save it again as "CSV UTF-8"',
        )
    try:
        return data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _refuse_encoding(
            "既不是UTF-8也不是GB18030（GBK）", "it is neither UTF-8 nor GB18030 (GBK)"
        ) from exc
    if not _plausible_gb(text):
        raise _refuse_encoding(
            "按GB18030（GBK）读出的是乱码，可能是繁体（Big5）或日文（Shift-JIS）编码",
            "read as GB18030 (GBK) it is mojibake; it may be Big5 or Shift-JIS",
        )
    return text


def _plausible_gb(text: str) -> bool:
    if _PRIVATE_USE.search(text):
        return False
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return True
    common = 0
    for c in wide:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= GB_PLAUSIBLE_SHARE * len(wide)


def _csv_rows(data: bytes, limits: SheetLimits) -> Iterator[tuple[int, Sequence[object]]]:
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            if number > limits.max_rows:
                raise _too_many_rows(limits)
            yield number, row
    except csv.Error as exc:
        raise InvalidInput(
            f"CSV文件第{number + 1}行格式错误：{exc}", f"CSV row {number + 1} is malformed: {exc}"
        ) from exc


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN, _SHEET_DATA = (
    _NS + "row", _NS + "c", _NS + "v", _NS + "is", _NS + "t", _NS + "r", _NS + "sheetData",
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


def _xlsx_rows(source: bytes | Path, limits: SheetLimits) -> Iterator[tuple[int, Sequence[object]]]:
    budget = _Budget(limits)
    # closed by _sheet_rows when the rows have been read, or below on a refusal
    fp: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    try:
        _check_entries(fp)
        reader = ExcelReader(fp, read_only=True, data_only=True)
        archive = reader.archive
        _check_part(archive, ARC_CONTENT_TYPES, budget)
        reader.read_manifest()
        workbook = _find_workbook_part(reader.package).PartName[1:]
        for name in (workbook, get_rels_path(workbook), ARC_STYLE):
            if name in archive.NameToInfo:
                _check_part(archive, name, budget)
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheet_path = next(
            rel.target
            for _, rel in reader.parser.find_sheets()
            if "chartsheet" not in rel.Type and rel.target in reader.valid_files
        )
        strings = _shared_strings(reader, budget)
    except InvalidInput:
        fp.close()
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ParseError, StopIteration, ValueError,
            EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:  # fmt: skip
        fp.close()
        raise InvalidInput(
            "无法读取该XLSX文件：文件已损坏或不是Excel工作簿",
            "Cannot read the XLSX file: it is damaged or not an Excel workbook",
        ) from exc
    return _sheet_rows(reader, fp, sheet_path, strings, budget)


# ---- bounds: what a file may make us unpack and hold -----------------------------------------


@dataclass(frozen=True)
class SheetLimits:
    """How much of an uploaded workbook is read before it is refused.

    ``max_rows`` counts the sheet's rows as they come (blank ones too, and a row numbered beyond
    it); ``max_unpacked_bytes`` counts the bytes actually decompressed from every part read —
    never the sizes the archive declares. The shared-strings table, held in memory while the
    sheet is read, may use a quarter of it.
    """

    max_rows: int = 200_000
    max_unpacked_bytes: int = 256 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> SheetLimits:
        return cls(settings.import_max_rows, settings.import_max_unpacked_mb * 1024 * 1024)

    @property
    def max_shared_strings_bytes(self) -> int:
        return self.max_unpacked_bytes // 4


#: Excel's own bound on the columns of a row; and more parts than any workbook has.
MAX_COLUMNS = 16_384
MAX_ZIP_ENTRIES = 10_000
#: Bytes decompressed and parsed per step.
_STEP = 16 * 1024


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class _Budget:
    """Counts the bytes decompressed so far against the ceiling; refuses past it."""

    def __init__(self, limits: SheetLimits) -> None:
        self.limits = limits
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limits.max_unpacked_bytes:
            limit = _mb(self.limits.max_unpacked_bytes)
            raise InvalidInput(
                f"XLSX文件解压后超过{limit}的上限（OVERSIGHT_IMPORT_MAX_UNPACKED_MB），未导入："
                "请拆分文件后分批导入",
                f"The XLSX file unpacks to more than the limit of {limit} "
                "(OVERSIGHT_IMPORT_MAX_UNPACKED_MB); nothing imported: split it into smaller files",
            )


def _too_many_rows(limits: SheetLimits) -> InvalidInput:
    return InvalidInput(
        f"工作表超过{limits.max_rows}行的上限（含空行；OVERSIGHT_IMPORT_MAX_ROWS），未导入："
        "请删除多余的空行或拆分文件",
        f"The sheet has more than the limit of {limits.max_rows} rows (blank rows included; "
        "OVERSIGHT_IMPORT_MAX_ROWS); nothing imported: delete the extra rows or split the file",
    )


def _check_entries(fp: BinaryIO) -> None:
    """Refuse an archive whose directory lists more parts than any workbook has, before the
    directory is read into memory (one object per part)."""
    end = zipfile._EndRecData(fp)  # type: ignore[attr-defined]  # the stdlib's EOCD reader
    if end is None:
        raise zipfile.BadZipFile("no end of central directory")
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_ENTRIES:  # type: ignore[attr-defined]
        raise InvalidInput(
            f"XLSX文件包含的部件超过{MAX_ZIP_ENTRIES}个，不是正常的Excel工作簿",
            f"The XLSX file has more than {MAX_ZIP_ENTRIES} parts: not a normal workbook",
        )


_DTD = (b"<!DOCTYPE", b"<!ENTITY")


class _XmlGuard:
    """Checks a part's bytes as they stream past: UTF-8 (or ASCII) only, and no DTD — a DTD is
    how entity tricks (billion laughs, external entities) get in, and Excel never writes one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tail = b""
        self.first = True

    def check(self, chunk: bytes) -> None:
        if self.first and chunk:
            self.first = False
            head = chunk[:4]
            if head.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in head:
                raise _refuse_xml(self.name, "not UTF-8")
        window = self.tail + chunk
        if any(marker in window for marker in _DTD):
            raise _refuse_xml(self.name, "a DTD")
        self.tail = window[-8:]


def _refuse_xml(name: str, what: str) -> InvalidInput:
    return InvalidInput(
        f"XLSX文件的部件{name}含有不允许的内容（文档类型定义或非UTF-8编码），未导入",
        f"The XLSX part {name} holds {what}, which a workbook never needs; nothing imported",
    )


def _chunks(archive: zipfile.ZipFile, name: str, budget: _Budget, cap: int) -> Iterator[bytes]:
    """A part's decompressed bytes, a step at a time, counted against the budget and ``cap``."""
    guard = _XmlGuard(name)
    read = 0
    with archive.open(name) as src:
        while chunk := src.read(_STEP):
            read += len(chunk)
            budget.spend(len(chunk))
            if read > cap:
                raise InvalidInput(
                    f"XLSX文件的部件{name}解压后超过{_mb(cap)}的上限（由OVERSIGHT_IMPORT_MAX_UNPACKED_MB"
                    "决定），未导入",
                    f"The XLSX part {name} unpacks to more than the limit of {_mb(cap)} (set by "
                    "OVERSIGHT_IMPORT_MAX_UNPACKED_MB); nothing imported",
                )
            guard.check(chunk)
            yield chunk


#: The workbook's structure parts that openpyxl reads whole: each checked first, within this.
_STRUCTURE_CAP = 16 * 1024 * 1024


def _check_part(archive: zipfile.ZipFile, name: str, budget: _Budget) -> None:
    for _ in _chunks(archive, name, budget, _STRUCTURE_CAP):
        pass


class _SharedStrings:
    """The shared-strings table held compactly: all texts as UTF-8 in one buffer and their
    offsets, so memory is the table's text size whatever the number of items or characters."""

    def __init__(self) -> None:
        self.text = bytearray()
        self.ends = array("Q")

    def append(self, value: str) -> None:
        self.text += value.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.text))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        start = self.ends[index - 1] if index else 0
        return self.text[start : self.ends[index]].decode("utf-8", "surrogatepass")


def _shared_strings(reader: ExcelReader, budget: _Budget) -> _SharedStrings:
    strings = _SharedStrings()
    part = reader.package.find(SHARED_STRINGS)  # the manifest names the part
    if part is None:
        return strings
    cap = budget.limits.max_shared_strings_bytes
    parser = XMLPullParser(("start", "end"))
    table = None
    for chunk in _chunks(reader.archive, part.PartName[1:], budget, cap):
        parser.feed(chunk)
        for event, node in parser.read_events():
            if event == "start":
                if table is None:
                    table = node
                continue
            if node.tag == _NS + "si":
                strings.append(_string_item(node))
                if table is not None:
                    table.clear()  # the item's tree, kept by its parent otherwise
    parser.close()
    return strings


def _sheet_rows(
    reader: ExcelReader, fp: BinaryIO, sheet_path: str, strings: _SharedStrings, budget: _Budget
) -> Iterator[tuple[int, Sequence[object]]]:
    date_styles = reader.wb._date_formats  # style ids with a date number format (openpyxl 3.1)
    epoch = reader.wb.epoch
    max_rows = budget.limits.max_rows
    number = count = width = 0
    # Only end events (start events too would cost a third more on 100,000 rows). A row's tree
    # is cleared once read; the emptied element stays in its parent, so the row ceiling also
    # bounds what is kept (about 60 bytes a row), and the cells of the row being read are
    # bounded by Excel's column limit.
    parser = XMLPullParser(("end",))
    try:
        for chunk in _chunks(reader.archive, sheet_path, budget, budget.limits.max_unpacked_bytes):
            parser.feed(chunk)
            for _, element in parser.read_events():
                tag = element.tag
                if tag == _CELL:
                    width += 1
                    if width > MAX_COLUMNS:
                        raise InvalidInput(
                            f"工作表第{number + 1}行超过{MAX_COLUMNS}个单元格，不是正常的Excel工作表",
                            f"Row {number + 1} has more than {MAX_COLUMNS} cells: not a normal sheet",
                        )
                    continue
                if tag != _ROW:
                    continue
                count += 1
                number = int(element.get("r") or number + 1)
                if count > max_rows or number > max_rows:
                    raise _too_many_rows(budget.limits)
                values: list[object] = []
                for cell in element.iter(_CELL):
                    ref = cell.get("r")
                    if ref:
                        index = _column_index(ref.rstrip("0123456789"))
                        if index > len(values):
                            values.extend([None] * (index - len(values)))
                    values.append(_cell_value(cell, strings, date_styles, epoch))
                element.clear()
                width = 0
                yield number, values
        parser.close()
    except (ParseError, zipfile.BadZipFile, IndexError, ValueError, EOFError, zlib.error) as exc:
        raise InvalidInput(
            f"无法读取该XLSX文件第{number + 1}行附近的内容：{exc}",
            f"Cannot read the XLSX file near row {number + 1}: {exc}",
        ) from exc
    finally:
        reader.archive.close()
        fp.close()


def _cell_value(cell: Any, strings: _SharedStrings, date_styles: Any, epoch: datetime) -> object:
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
