"""Hostile import files, built by hand in a few kilobytes (issue 9 §3): an XLSX whose sheet
declares or holds tens of millions of blank rows, a shared-strings bomb, a DTD with entities.

Each workbook is the smallest package openpyxl accepts: content types, the package and workbook
relationships, a workbook with one sheet, the sheet, and optionally a shared-strings table. The
sheet's XML is streamed into the zip a chunk at a time, so even 40 million rows cost seconds to
build and a few hundred kilobytes to keep.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

from tests.support.sheets import HEADERS, row

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
{strings}</Types>"""
_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\n'
)
_ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="被监管单位" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>{{strings}}</Relationships>"""
_STRINGS_REL = f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cells(number: int, values: Iterable[object]) -> bytes:
    """One row of inline-string cells."""
    inner = "".join(
        "<c/>" if v in ("", None) else f'<c t="inlineStr"><is><t>{_escape(str(v))}</t></is></c>'
        for v in values
    )
    return f'<row r="{number}">{inner}</row>'.encode()


def workbook(
    sheet: Iterable[bytes], shared_strings: Iterable[bytes] | None = None, *, prolog: bytes = b""
) -> bytes:
    """An XLSX package around the sheet's XML body (the ``<row>`` elements, streamed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        strings = shared_strings is not None
        book.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.format(strings=_STRINGS_TYPE if strings else "")
        )
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(strings=_STRINGS_REL if strings else ""),
        )
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?>\n' + prolog)
            part.write(f'<worksheet xmlns="{MAIN}">'.encode())
            for chunk in sheet:
                part.write(chunk)
            part.write(b"</worksheet>")
        if shared_strings is not None:
            with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}">'.encode())
                for chunk in shared_strings:
                    part.write(chunk)
                part.write(b"</sst>")
    return out.getvalue()


def _repeat(piece: bytes, count: int, step: int = 1 << 20) -> Iterator[bytes]:
    per = max(1, step // len(piece))
    block = piece * per
    full, rest = divmod(count, per)
    for _ in range(full):
        yield block
    yield piece * rest


def blank_rows(count: int) -> bytes:
    """A header, two valid rows, then ``count`` blank ``<row/>`` elements (40 million: ~0.35 MB)."""

    def body() -> Iterator[bytes]:
        yield b"<sheetData>" + cells(1, HEADERS) + cells(2, row(1)) + cells(3, row(2))
        yield from _repeat(b"<row/>", count)
        yield b"</sheetData>"

    return workbook(body())


def declared_dimension(rows: int) -> bytes:
    """A sheet whose ``<dimension>`` claims ``rows`` rows but holds a header and two rows."""

    def body() -> Iterator[bytes]:
        yield f'<dimension ref="A1:L{rows}"/>'.encode()
        yield b"<sheetData>" + cells(1, HEADERS) + cells(2, row(1)) + cells(3, row(2))
        yield b"</sheetData>"

    return workbook(body())


def far_row(number: int) -> bytes:
    """A header and one row numbered ``number`` (a row far below, nothing between)."""

    def body() -> Iterator[bytes]:
        yield b"<sheetData>" + cells(1, HEADERS) + cells(number, row(1)) + b"</sheetData>"

    return workbook(body())


def wide_row(cells_in_row: int) -> bytes:
    """A header and a row of ``cells_in_row`` empty cells (Excel stops at 16,384)."""

    def body() -> Iterator[bytes]:
        yield b"<sheetData>" + cells(1, HEADERS) + b'<row r="2">'
        yield from _repeat(b"<c/>", cells_in_row)
        yield b"</row></sheetData>"

    return workbook(body())


def shared_strings_bomb(count: int, size: int) -> bytes:
    """``count`` shared strings of ``size`` characters each, and a sheet that uses the first."""
    item = b"<si><t>" + b"A" * size + b"</t></si>"

    def body() -> Iterator[bytes]:
        yield b'<sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData>'

    return workbook(body(), _repeat(item, count, step=max(1 << 20, len(item))))


BILLION_LAUGHS = b"""<!DOCTYPE worksheet [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
"""


def entity_bomb() -> bytes:
    """A sheet with a DTD whose entities expand a cell to megabytes (billion laughs)."""

    def body() -> Iterator[bytes]:
        yield b"<sheetData>" + cells(1, HEADERS)
        yield b'<row r="2"><c t="inlineStr"><is><t>&d;</t></is></c></row></sheetData>'

    return workbook(body(), prolog=BILLION_LAUGHS)
