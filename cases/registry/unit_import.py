"""Importing the register of supervised units (被监管单位名录) from a CSV or XLSX file.

An archives bureau starts from a spreadsheet: the district's organs, institutions, enterprises and
associations with their 统一社会信用代码 and the flags that decide which regime and quota they fall
under (区政府直属, 重点监控单位, the three 档案安全 criteria — seed 安全 一). The import is all or
nothing by default: a file with one wrong row writes nothing and the report says, for every
problem, the row as the user sees it in the spreadsheet (header = row 1), the column header as
written in the file, and what is wrong, in Chinese and English — because the person fixing it
has the spreadsheet open, not our database. ``valid_only=True`` imports the good rows and reports
the rest, for the user who has decided to fix the others later.

Speed (a province's register, 100,000 units from XLSX, in ≤ 30 s on PostgreSQL): every row is checked in plain
Python, the existing codes are looked up a chunk at a time and the rows are written with Core
``INSERT`` executemany in chunks — no ORM object per row. XLSX cells are read by a lean
pull-parser loop over the first worksheet, streamed, with the rows and the bytes unpacked
counted against ceilings (``cases.registry.sheets``); openpyxl supplies the workbook structure
and the date styles. openpyxl's own read-only cell loop is several times slower (and for
sheets written in write-only mode it parses the whole sheet twice), which alone used up half the
budget.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.access import Duty, can, require
from cases.core.clock import ensure_utc, local_date, utcnow
from cases.core.errors import Conflict
from cases.core.text import control_character
from cases.core.vocabulary import UnitKind
from cases.models import Authority, Unit, User
from cases.registry.credit_code import InvalidCreditCode, validate_credit_code
from cases.registry.history import record_registry_event
from cases.registry.sheets import CellError, SheetLimits, read_rows

__all__ = [
    "COLUMNS",
    "Column",
    "ImportReport",
    "RowError",
    "import_units",
    "template",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """One column of the import file: the Chinese header of the template, the English alias."""

    key: str
    zh: str
    required: bool = False
    max_length: int | None = None


#: The template's columns, in the template's order (any order is accepted in a file).
COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", required=True, max_length=200),
    Column("credit_code", "统一社会信用代码", required=True),
    Column("kind", "单位类型"),
    Column("address", "地址", max_length=300),
    Column("responsible_person", "负责人", max_length=100),
    Column("district_direct", "区政府直属"),
    Column("key_unit", "重点监控单位"),
    Column("key_unit_reason", "重点监控理由"),
    Column("key_unit_since", "重点监控起始日期"),
    Column("holds_national_catalog", "保管国家专业档案目录档案"),
    Column("holds_long_term", "保管30年或永久档案"),
    Column("runs_sensitive_database", "运行涉及国家安全等档案数据库"),
)
_BY_KEY = {c.key: c for c in COLUMNS}
_BOOLEAN_KEYS = (
    "district_direct", "key_unit", "holds_national_catalog", "holds_long_term",
    "runs_sensitive_database",
)  # fmt: skip


def _header_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().rstrip("*").strip().casefold()


_HEADERS: dict[str, Column] = {
    _header_key(name): column for column in COLUMNS for name in (column.zh, column.key)
}

_TRUE = frozenset({"是", "y", "yes", "true", "1"})
_FALSE = frozenset({"否", "n", "no", "false", "0", ""})
_KINDS: dict[str, str] = {
    **{k.label_zh: k.value for k in UnitKind},
    **{k.value: k.value for k in UnitKind},
    "社会团体": UnitKind.ASSOCIATION.value,
}
#: GB 32100-2015: the code's first two characters name the registering body and the kind of
#: organisation; where that settles our kind, a blank 单位类型 is taken from it.
_KIND_FROM_CODE: dict[str, str] = {
    "11": UnitKind.ORGAN.value,  # 机构编制：机关
    "12": UnitKind.INSTITUTION.value,  # 机构编制：事业单位
    "13": UnitKind.ASSOCIATION.value,  # 机构编制：群众团体
    "51": UnitKind.ASSOCIATION.value,  # 民政：社会团体
    "91": UnitKind.ENTERPRISE.value,  # 工商：企业
    "92": UnitKind.ENTERPRISE.value,  # 工商：个体工商户
    "93": UnitKind.ENTERPRISE.value,  # 工商：农民专业合作社
}
_DATE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日)")

#: Codes per look-up query (well under SQLite's bound-parameter limit) and rows per INSERT batch.
LOOKUP_CHUNK = 1000
INSERT_CHUNK = 5000


# ---- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (header = 1), the column header as written, the reason."""

    row: int
    column: str
    reason_zh: str
    reason_en: str
    duplicate: bool = False

    @property
    def message_zh(self) -> str:
        where = f"第{self.row}行“{self.column}”" if self.column else f"第{self.row}行"
        return f"{where}：{self.reason_zh}"

    @property
    def message_en(self) -> str:
        where = f"row {self.row}, column {self.column!r}" if self.column else f"row {self.row}"
        return f"{where}: {self.reason_en}"

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "duplicate": self.duplicate,
        }


@dataclass
class ImportReport:
    """What an import did: data rows read, units imported, every problem found.

    With errors and without ``valid_only`` nothing is written and ``imported`` is 0; the web and
    CLI layers turn that into a 422 / a non-zero exit.
    """

    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: Where the header was found: the first non-blank row (normally 1).
    header_row: int = 1

    @property
    def duplicates(self) -> int:
        """Rows refused because their code is repeated in the file or already registered."""
        return len({e.row for e in self.errors if e.duplicate})

    @property
    def rejected_rows(self) -> int:
        """Data rows with at least one problem (the header row's problems are not counted)."""
        return len({e.row for e in self.errors if e.row > self.header_row})

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "rejected_rows": self.rejected_rows,
            "duplicates": self.duplicates,
            "errors": [e.as_dict() for e in self.errors],
        }


# ---- reading one cell ----------------------------------------------------------------------


class _Bad(Exception):
    """A cell's value that cannot be used, with the reason in Chinese and English."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        self.reason_zh = reason_zh
        self.reason_en = reason_en


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, CellError):
        raise _Bad(f"单元格为Excel错误值{value}", f"the cell holds the Excel error {value}")
    if isinstance(value, str):
        if (found := control_character(value)) is not None:  # PostgreSQL refuses NUL in text
            raise _Bad(
                f"含有不允许的控制字符（U+{ord(found):04X}）",
                f"contains a control character (U+{ord(found):04X})",
            )
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    return str(value)


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _text(value)
    folded = unicodedata.normalize("NFKC", text).casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise _Bad(
        f"“{text}”不是是/否值（可填：是/否、Y/N、yes/no、true/false、1/0，留空为否）",
        f"{text!r} is not a yes/no value (是/否, Y/N, yes/no, true/false, 1/0; blank = no)",
    )


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _Bad(
            f"“{_text(value)}”是数字而不是日期：请填写如2026-03-02的日期，或将单元格设为日期格式",
            f"{_text(value)!r} is a number, not a date: write e.g. 2026-03-02 or format the "
            "cell as a date",
        )
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups() if g is not None)
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise _Bad(
        f"“{text}”不是有效日期（格式：2026-03-02或2026/3/2）",
        f"{text!r} is not a valid date (write 2026-03-02 or 2026/3/2)",
    )


def _credit_code(value: object) -> str:
    if isinstance(value, float):
        raise _Bad(
            "单元格是数字格式，Excel只保留15位有效数字，代码已失真：请将该列设为文本后重新填写",
            "the cell is a number and Excel keeps only 15 significant digits, so the code is "
            "damaged: format the column as text and enter it again",
        )
    text = _text(value)
    if not text:
        raise _Bad("必须填写", "required")
    try:
        return validate_credit_code(text)
    except InvalidCreditCode as exc:
        raise _Bad(exc.reason_zh, exc.reason_en) from exc


def _kind(value: object, code: str | None) -> str:
    """单位类型 as written, or — left blank — as the credit code's first two characters say."""
    text = _text(value)
    kind = _KINDS.get(unicodedata.normalize("NFKC", text).casefold())
    if kind is not None:
        return kind
    if text:
        raise _Bad(
            f"“{text}”不是有效的单位类型（可填：机关、企业、事业单位、团体）",
            f"{text!r} is not a unit kind (机关/organ, 企业/enterprise, 事业单位/institution, "
            "团体/association)",
        )
    if code is None:
        return ""  # the code itself is wrong: that problem is reported, this one would be noise
    inferred = _KIND_FROM_CODE.get(code[:2])
    if inferred is None:
        raise _Bad(
            "必须填写（机关、企业、事业单位、团体）：无法从统一社会信用代码判断单位类型",
            "required (organ, enterprise, institution, association): the credit code does "
            "not tell the kind",
        )
    return inferred


def _has_content(value: object) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _blank(cells: Sequence[object]) -> bool:
    return not any(_has_content(c) for c in cells)


# ---- the header ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where each known column sits in the file, and the header text the user wrote for it."""

    index: dict[str, int]
    header: dict[str, str]
    #: Positions of blank header cells inside the header's width, and that width.
    unnamed: tuple[int, ...]
    width: int

    def label(self, key: str) -> str:
        """The column as the user wrote it (or the template's name if the file lacks it)."""
        return self.header.get(key) or _BY_KEY[key].zh


def _read_header(number: int, cells: Sequence[object], errors: list[RowError]) -> _Layout:
    texts = [str(c).strip() if isinstance(c, CellError) else _text(c) for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    for i, text in enumerate(texts):
        if not text:
            continue
        column = _HEADERS.get(_header_key(text))
        if column is None:
            known = "、".join(c.zh for c in COLUMNS)
            errors.append(
                RowError(
                    number, text,
                    f"未知的列：请删除该列或改用模板中的列名（{known}）",
                    f"unknown column: remove it or use one of the template's headers ({known})",
                )
            )  # fmt: skip
        elif column.key in index:
            first = header[column.key]
            errors.append(
                RowError(
                    number, text,
                    f"与“{first}”是同一列，重复出现",
                    f"the same column as {first!r}, given twice",
                )
            )  # fmt: skip
        else:
            index[column.key] = i
            header[column.key] = text
    for column in COLUMNS:
        if column.required and column.key not in index:
            errors.append(
                RowError(
                    number, column.zh,
                    f"缺少必填列（表头写作“{column.zh}”或“{column.key}”）",
                    f"required column missing (header {column.zh!r} or {column.key!r})",
                )
            )  # fmt: skip
    unnamed = tuple(i for i, text in enumerate(texts) if not text)
    return _Layout(index, header, unnamed, len(texts))


# ---- checking one row ----------------------------------------------------------------------


class _Row:
    """One data row being checked: its cells and the problems found so far."""

    def __init__(self, number: int, cells: Sequence[object], layout: _Layout) -> None:
        self.number = number
        self.cells = cells
        self.layout = layout
        self.errors: list[RowError] = []

    def problem(self, key_or_label: str, reason_zh: str, reason_en: str) -> None:
        label = self.layout.label(key_or_label) if key_or_label in _BY_KEY else key_or_label
        self.errors.append(RowError(self.number, label, reason_zh, reason_en))

    def get(self, key: str, parse: Callable[[object], Any] = _text) -> Any:
        """The parsed cell (a blank cell if the file lacks the column); None after a problem."""
        i = self.layout.index.get(key)
        value = self.cells[i] if i is not None and i < len(self.cells) else None
        try:
            return parse(value)
        except _Bad as bad:
            self.problem(key, bad.reason_zh, bad.reason_en)
            return None

    def text(self, key: str) -> str:
        value: str = self.get(key) or ""
        limit = _BY_KEY[key].max_length
        if limit and len(value) > limit:
            self.problem(
                key, f"不能超过{limit}个字，现有{len(value)}个字",
                f"at most {limit} characters, got {len(value)}",
            )  # fmt: skip
        return value

    def stray_cells(self) -> None:
        """Content under a blank header or right of the header: it would silently be lost."""
        layout, cells = self.layout, self.cells
        beyond = range(layout.width, len(cells))
        for i in (*layout.unnamed, *beyond):
            if i < len(cells) and _has_content(cells[i]):
                self.problem(
                    f"{get_column_letter(i + 1)}列",
                    "该列没有表头，内容无法导入：请补上表头或清空该列",
                    "this column has no header, so its content cannot be imported",
                )
                return


def _check_row(row: _Row, authority_id: int, today: date) -> dict[str, object] | None:
    """The row as values of the ``units`` table, or None if it has problems (kept on ``row``)."""
    name = row.text("name")
    if not name and not row.errors:
        row.problem("name", "必须填写", "required")
    code = row.get("credit_code", _credit_code)
    kind = row.get("kind", lambda v: _kind(v, code))
    flags = {key: row.get(key, _boolean) for key in _BOOLEAN_KEYS}
    address = row.text("address")
    responsible = row.text("responsible_person")
    reason = row.text("key_unit_reason") or None
    seen = len(row.errors)
    since = row.get("key_unit_since", _date)
    since_failed = len(row.errors) > seen
    if flags["key_unit"]:
        if reason is None:
            row.problem(
                "key_unit_reason", "重点监控单位必须填写重点监控理由",
                "a key monitored unit needs the reason it was designated",
            )  # fmt: skip
        if since is None and not since_failed:
            row.problem(
                "key_unit_since", "重点监控单位必须填写重点监控起始日期",
                "a key monitored unit needs the date it was designated",
            )  # fmt: skip
    elif flags["key_unit"] is False and (reason or since):
        key_label = row.layout.label("key_unit")
        row.problem(
            "key_unit_reason" if reason else "key_unit_since",
            f"已填写，但“{key_label}”为否：请改为“是”或清空本格",
            f"filled in although {key_label!r} says no: say yes there or clear this cell",
        )
    if since is not None and since > today:
        row.problem(
            "key_unit_since", f"不能晚于今天（{today.isoformat()}）",
            f"cannot be later than today ({today.isoformat()})",
        )  # fmt: skip
    row.stray_cells()
    if row.errors:
        return None
    return {
        "authority_id": authority_id,
        "name": name,
        "credit_code": code,
        "kind": kind,
        "address": address,
        "responsible_person": responsible,
        "is_district_direct": flags["district_direct"],
        "is_key_unit": flags["key_unit"],
        "key_unit_reason": reason,
        "key_unit_since": since,
        "holds_national_catalog": flags["holds_national_catalog"],
        "holds_long_term": flags["holds_long_term"],
        "runs_sensitive_database": flags["runs_sensitive_database"],
    }


# ---- duplicates ----------------------------------------------------------------------------

_Good = list[tuple[int, dict[str, Any]]]


def _duplicates_in_file(good: _Good, column: str, errors: list[RowError]) -> set[int]:
    """Rows whose code appears on another row too. All of them are refused — which one is right
    is for the user to say — and each names the others (与第N行重复)."""
    rows_of: dict[str, list[int]] = {}
    for number, values in good:
        rows_of.setdefault(values["credit_code"], []).append(number)
    bad: set[int] = set()
    for code, numbers in rows_of.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = [str(n) for n in numbers if n != number]
            errors.append(
                RowError(
                    number, column,
                    f"{code}与第{'、'.join(others)}行重复",
                    f"{code} repeats row {', '.join(others)}",
                    duplicate=True,
                )
            )  # fmt: skip
            bad.add(number)
    return bad


def _already_registered(
    session: Session, good: _Good, authority: Authority, column: str, errors: list[RowError]
) -> set[int]:
    """Rows whose code is registered already — by this authority or another: a unit is in one
    jurisdiction only, so the code is unique across the whole system."""
    row_of = {values["credit_code"]: number for number, values in good}
    codes = list(row_of)
    bad: set[int] = set()
    for start in range(0, len(codes), LOOKUP_CHUNK):
        found = session.execute(
            select(Unit.credit_code, Unit.name, Unit.authority_id, Authority.name)
            .join(Authority, Authority.id == Unit.authority_id)
            .where(Unit.credit_code.in_(codes[start : start + LOOKUP_CHUNK]))
        )
        for code, name, authority_id, authority_name in found:
            if authority_id == authority.id:
                zh, en = f"{code}已登记为“{name}”", f"{code} is already registered as {name!r}"
            else:
                zh = f"{code}已由{authority_name}登记为“{name}”"
                en = f"{code} is already registered by {authority_name} as {name!r}"
            errors.append(RowError(row_of[code], column, zh, en, duplicate=True))
            bad.add(row_of[code])
    return bad


# ---- the import ----------------------------------------------------------------------------


def import_units(
    session: Session,
    authority: Authority,
    data: bytes | Path,
    *,
    filename: str,
    valid_only: bool = False,
    now: datetime | None = None,
    actor: User | None = None,
    limits: SheetLimits | None = None,
) -> ImportReport:
    """Register the units listed in a CSV or XLSX file under ``authority`` (被监管单位名录导入).

    All or nothing unless ``valid_only``: with any problem nothing is written. Problems with the
    header (unknown, repeated or missing columns) stop the import even with ``valid_only``: a
    misread header would put values into the wrong fields. ``now`` dates the check that a key
    unit's designation is not in the future. ``actor`` — the authority's system administrator
    or one of its officers (the signed-in user of the page or the command), or the system
    actor — is checked first and named in the register's history with the counts. ``data`` is
    the file's bytes or the path of the stored upload (:func:`cases.core.uploads.store_bounded`);
    ``limits`` bound the rows and the bytes an XLSX unpacks to (default: the settings').
    Flushes, never commits.

    Raises:
        NotAllowed: ``actor`` is neither the authority's system administrator, nor one of its
            officers, nor the system actor.
        InvalidInput: the file is not CSV/XLSX, cannot be read at all, its encoding is not
            known with confidence, or it is beyond the row or unpacked-size ceiling.
        Conflict: another import registered one of the codes while this one ran.
    """
    now = ensure_utc(now or utcnow())
    if actor is not None:
        _may_import(actor, authority)
    today = local_date(now)
    report = ImportReport()
    rows = read_rows(data, filename, limits=limits)
    layout: _Layout | None = None
    for number, cells in rows:
        if not _blank(cells):
            report.header_row = number
            layout = _read_header(number, cells, report.errors)
            break
    if layout is None:
        zh, en = "文件是空的：第1行应为表头", "the file is empty: row 1 must be the header"
        report.errors.append(RowError(1, "", zh, en))
        return report
    header_failed = bool(report.errors)
    good: _Good = []
    for number, cells in rows:
        if _blank(cells):
            continue
        report.rows += 1
        if header_failed:  # with a misread header, row errors would only be noise
            continue
        row = _Row(number, cells, layout)
        values = _check_row(row, authority.id, today)
        if values is None:
            report.errors.extend(row.errors)
        else:
            good.append((number, values))
    if header_failed:
        return report
    if report.rows == 0:
        zh, en = "表头之后没有数据行", "no data rows below the header"
        report.errors.append(RowError(report.header_row, "", zh, en))
        return report
    column = layout.label("credit_code")
    bad = _duplicates_in_file(good, column, report.errors)
    good = [(n, v) for n, v in good if n not in bad]
    bad = _already_registered(session, good, authority, column, report.errors)
    good = [(n, v) for n, v in good if n not in bad]
    report.errors.sort(key=lambda e: e.row)
    if report.errors and not valid_only:
        return report
    _insert(session, [values for _, values in good])
    report.imported = len(good)
    if actor is not None and report.imported:
        record_registry_event(
            session, "units_imported", authority_id=authority.id, actor=actor, at=now,
            payload={"file": filename, "rows": report.rows, "imported": report.imported,
                     "rejected_rows": report.rejected_rows},
        )  # fmt: skip
    log.info(
        "units imported: authority=%s file=%s rows=%d imported=%d rejected=%d",
        authority.code, filename, report.rows, report.imported, report.rejected_rows,
    )  # fmt: skip
    return report


def _may_import(actor: User, authority: Authority) -> None:
    """The authority's system administrator keeps the register (:data:`Duty.MAINTAIN_UNITS`);
    its officers may import too (:data:`Duty.IMPORT_UNITS`, a casework duty)."""
    if can(actor, Duty.MAINTAIN_UNITS, authority):
        return
    require(
        actor, Duty.IMPORT_UNITS, authority,
        message=(
            "只有本馆系统管理员或执法人员可以导入被监管单位名录",
            "Only the authority's system administrator or officers may import units",
        ),
    )  # fmt: skip


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Core executemany in chunks: the ORM's unit of work would cost an object per row."""
    table = Unit.__table__
    try:
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(insert(table), rows[start : start + INSERT_CHUNK])
    except IntegrityError as exc:
        raise Conflict(
            "导入期间有其他人登记了文件中的统一社会信用代码，本次未导入任何单位，请重新导入",
            "Another user registered one of the file's credit codes meanwhile; nothing was "
            "imported, please import again",
        ) from exc


# ---- the template --------------------------------------------------------------------------

#: What each column takes, for the template's 填写说明 sheet.
_HELP: dict[str, str] = {
    "name": "必填，不超过200字",
    "credit_code": "必填，18位统一社会信用代码（请保持文本格式）",
    "kind": "机关/企业/事业单位/团体；留空时按统一社会信用代码第1–2位判断",
    "address": "不超过300字",
    "responsible_person": "不超过100字",
    "district_direct": "是/否（Y/N、yes/no、true/false、1/0），留空为否",
    "key_unit": "是/否，留空为否；约1%的单位为重点监控单位",
    "key_unit_reason": "重点监控单位必填",
    "key_unit_since": "重点监控单位必填，日期如2026-03-02或2026/3/2，不能晚于今天",
    "holds_national_catalog": "是/否，留空为否（档案安全事项监管标准一）",
    "holds_long_term": "是/否，留空为否（档案安全事项监管标准二）",
    "runs_sensitive_database": "是/否，留空为否（档案安全事项监管标准三）",
}


def template(fmt: str) -> bytes:
    """An empty import file with the template's headers: ``"xlsx"`` (credit codes kept as text,
    drop-down lists for kinds and yes/no, a 填写说明 sheet) or ``"csv"`` (UTF-8 with BOM, which
    Excel opens as UTF-8)."""
    headers = [c.zh for c in COLUMNS]
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerow(headers)
        return out.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}")
    book = Workbook()
    sheet = book.active
    sheet.title = "被监管单位"
    sheet.append(headers)
    sheet.freeze_panes = "A2"
    choices = {
        "kind": ",".join(k.label_zh for k in UnitKind),
        **{key: "是,否" for key in _BOOLEAN_KEYS},
    }
    for i, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        sheet.cell(1, i).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, 2.2 * len(column.zh))
        if column.key == "credit_code":
            sheet.column_dimensions[letter].number_format = "@"
        elif column.key == "key_unit_since":
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column.key in choices:
            rule = DataValidation(type="list", formula1=f'"{choices[column.key]}"')
            rule.add(f"{letter}2:{letter}100000")
            sheet.add_data_validation(rule)
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "英文列名", "填写要求"])
    for column in COLUMNS:
        notes.append([column.zh, column.key, _HELP[column.key]])
    notes.append([])
    notes.append(["第一个工作表的第1行为表头，列的顺序不限；有任何错误时整个文件都不会导入。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
