"""Hostile import files (issue 9 §3): a workbook's declared sizes are never trusted, the rows and
the bytes unpacked are counted against ceilings while reading, DTDs are refused, and a CSV is
imported only in an encoding known with confidence. Each refusal names its limit and writes
nothing. Timings and memory of the full-size files: bench/hostile_files.py."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.core.errors import InvalidInput
from cases.models import Authority, Unit
from cases.registry.sheets import SheetLimits, decode_csv, read_rows
from cases.registry.unit_import import ImportReport, import_units
from tests.support import hostile
from tests.support.cli import as_user, with_token
from tests.support.sheets import HEADERS, csv_bytes, row, xlsx
from tests.support.world import T0, World
from web.cli.registry import units_group

SMALL = SheetLimits(max_rows=1_000, max_unpacked_bytes=4 * 1024 * 1024)


def rows_of(data: bytes, filename: str = "units.xlsx", limits: SheetLimits = SMALL) -> list:
    return list(read_rows(data, filename, limits=limits))


def run_import(
    world: World, data: bytes, filename: str, limits: SheetLimits = SMALL
) -> ImportReport:
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        return import_units(s, luquan, data, filename=filename, now=T0, limits=limits)


def count(world: World) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(Unit))


# ---- XLSX ------------------------------------------------------------------------------------


def test_blank_rows_beyond_the_row_ceiling_are_refused_early(world: World) -> None:
    before = count(world)
    data = hostile.blank_rows(2_000_000)  # 12 MB of <row/> in ~20 KB
    with pytest.raises(InvalidInput, match="more than the limit of 1000 rows") as refused:
        run_import(world, data, "units.xlsx")  # at row 1,001 (its time: bench/hostile_files.py)
    assert "超过1000行的上限" in refused.value.reason_zh
    assert "OVERSIGHT_IMPORT_MAX_ROWS" in refused.value.reason_en
    assert count(world) == before


def test_the_default_ceiling_refuses_forty_million_blank_rows() -> None:
    data = hostile.blank_rows(40_000_000)  # the 0.35 MB file
    assert len(data) < 400_000
    with pytest.raises(InvalidInput, match="more than the limit of 200000 rows"):
        rows_of(data, limits=SheetLimits())
    # how long the refusal takes is bench/hostile_files.py's figure, not a test's


def test_a_declared_dimension_is_not_trusted(world: World) -> None:
    """A <dimension> of 40 million rows over a three-row sheet: the rows are what counts."""
    data = hostile.declared_dimension(40_000_000)
    assert [n for n, _ in rows_of(data)] == [1, 2, 3]
    assert run_import(world, data, "units.xlsx").imported == 2


def test_a_row_numbered_beyond_the_ceiling_is_refused() -> None:
    with pytest.raises(InvalidInput, match="rows"):
        rows_of(hostile.far_row(40_000_000))
    assert [n for n, _ in rows_of(hostile.far_row(1_000))] == [1, 1_000]


def test_a_row_wider_than_excel_allows_is_refused() -> None:
    with pytest.raises(InvalidInput, match="more than 16384 cells"):
        rows_of(hostile.wide_row(100_000), limits=SheetLimits(max_rows=10))


def test_a_shared_strings_bomb_is_refused_at_its_share_of_the_ceiling() -> None:
    data = hostile.shared_strings_bomb(20, 1_000_000)  # 20 MB of text in ~20 KB
    with pytest.raises(
        InvalidInput, match="sharedStrings.xml unpacks to more than the limit of 1 ?MB"
    ):
        rows_of(data)
    assert rows_of(hostile.shared_strings_bomb(2, 100_000)) == [(1, ["A" * 100_000])]


def test_the_unpacked_size_is_counted_not_taken_from_the_archive(world: World) -> None:
    """A sheet whose zip entry claims 100 bytes but inflates to megabytes: refused at the
    ceiling (or as damaged), never read on the strength of the claim."""
    honest = xlsx([row(n) for n in range(1, 400)])
    with pytest.raises(InvalidInput, match="OVERSIGHT_IMPORT_MAX_UNPACKED_MB"):
        rows_of(honest, limits=SheetLimits(max_rows=1_000, max_unpacked_bytes=64 * 1024))
    lying = _lie_about_sizes(hostile.blank_rows(3_000_000), "xl/worksheets/sheet1.xml", 100)
    with pytest.raises(InvalidInput):
        rows_of(lying, limits=SheetLimits(max_rows=10_000_000, max_unpacked_bytes=1024 * 1024))


def _lie_about_sizes(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the central directory's uncompressed size of ``name`` (zip64 extra included)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        info = book.getinfo(name)
    marker = b"PK\x01\x02"
    start = out.find(marker)
    while start >= 0:
        name_len = int.from_bytes(out[start + 28 : start + 30], "little")
        if out[start + 46 : start + 46 + name_len] == name.encode():
            if int.from_bytes(out[start + 24 : start + 28], "little") == 0xFFFFFFFF:
                extra = start + 46 + name_len
                out[extra + 4 : extra + 12] = size.to_bytes(8, "little")  # zip64: original size
            else:
                out[start + 24 : start + 28] = size.to_bytes(4, "little")
        start = out.find(marker, start + 4)
    assert info.file_size > size
    return bytes(out)


def test_a_dtd_is_refused_entity_tricks_never_expand(world: World) -> None:
    with pytest.raises(InvalidInput, match="DTD") as refused:
        run_import(world, hostile.entity_bomb(), "units.xlsx")
    assert "文档类型定义" in refused.value.reason_zh
    external = hostile.workbook(
        [b'<sheetData><row r="1"><c t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>'],
        prolog=b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
    )
    with pytest.raises(InvalidInput, match="DTD"):
        rows_of(external)
    undeclared = hostile.workbook(
        [b'<sheetData><row r="1"><c t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>']
    )
    with pytest.raises(InvalidInput):
        rows_of(undeclared)


def test_a_part_in_utf16_is_refused() -> None:
    """A DTD in UTF-16 would slip past a byte scan: workbooks are UTF-8, so nothing else is read."""
    sheet = f'<worksheet xmlns="{hostile.MAIN}"><sheetData/></worksheet>'
    data = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(hostile.declared_dimension(3))) as src,
        zipfile.ZipFile(data, "w") as out,
    ):
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = sheet.encode("utf-16")
            out.writestr(info.filename, body)
    with pytest.raises(InvalidInput, match="not UTF-8|UTF-8"):
        rows_of(data.getvalue())


def test_an_archive_with_too_many_parts_is_refused() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as out:
        for n in range(10_001):
            out.writestr(f"x/{n}", b"")
    with pytest.raises(InvalidInput, match="parts"):
        rows_of(data.getvalue())


def test_a_stored_upload_is_read_from_its_path(world: World, tmp_path: Path) -> None:
    path = tmp_path / ".upload-123"
    path.write_bytes(xlsx([row(1), row(2)]))
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        report = import_units(s, luquan, path, filename="units.xlsx", now=T0)
    assert report.imported == 2


# ---- CSV encodings -------------------------------------------------------------------------


def header_and(name: str) -> str:
    return ",".join(["name", "credit_code", "kind"]) + f"\n{name},91130185MA0000001X,enterprise\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("臺灣測試單位", "big5"),
        ("台北市政府檔案管理局", "big5"),
        ("株式会社テスト", "shift_jis"),
        ("山田太郎商店", "shift_jis"),
    ],  # fmt: skip
)
def test_big5_and_shift_jis_are_refused_not_imported_as_mojibake(
    world: World, text: str, encoding: str
) -> None:
    before = count(world)
    data = header_and(text).encode(encoding)
    with pytest.raises(InvalidInput, match="encoding") as refused:
        run_import(world, data, "units.csv")
    assert "CSV UTF-8" in refused.value.reason_zh and "Big5" in refused.value.reason_en
    assert count(world) == before


def test_gbk_with_a_rare_character_in_a_name_is_still_believed() -> None:
    rows = [row(n, name=f"石家庄市鹿泉区{n}号科技有限公司") for n in range(1, 20)]
    rows.append(row(20, name="鹿泉区堃达科技有限公司"))  # 堃 is GBK, not GB 2312
    data = csv_bytes(rows, "gbk")
    assert [r[1][0] for r in rows_of(data, "units.csv")][-1] == "鹿泉区堃达科技有限公司"


def test_a_double_bom_and_nul_bytes_get_their_own_message() -> None:
    with pytest.raises(InvalidInput, match="two byte-order marks") as refused:
        decode_csv(b"\xef\xbb\xbf" + "\ufeff单位名称\n".encode())
    assert "两个字节顺序标记" in refused.value.reason_zh
    with pytest.raises(InvalidInput, match="NUL byte on line 2") as refused:
        decode_csv("单位名称\n鹿泉\x00区\n".encode())
    assert "第2行含有NUL" in refused.value.reason_zh
    with pytest.raises(InvalidInput, match="UTF-16"):
        decode_csv("单位名称\n".encode("utf-16"))
    assert decode_csv("\ufeff单位名称".encode()) == "单位名称"


def test_a_csv_beyond_the_row_ceiling_is_refused() -> None:
    data = csv_bytes([[""] * len(HEADERS)] * 1_500)
    with pytest.raises(InvalidInput, match="1000 rows"):
        rows_of(data, "units.csv")


# ---- the command line: the upload itself is bounded ----------------------------------------


def cli(app: Flask, *args: str, world: World | None = None) -> Result:
    """``oversight units …``, with a ``world`` as its signed-in system administrator (the import
    acts as the user), without one signed out (what fails before the sign-in)."""
    if world is None:
        return with_token(app, None, *args, command=units_group)
    return as_user(app, world, "sysadmin", *args, command=units_group)


def test_cli_refuses_an_import_file_beyond_the_upload_limit(app: Flask, tmp_path: Path) -> None:
    app.config["OVERSIGHT"] = app.config["OVERSIGHT"].with_(import_upload_max_mb=1)
    sparse = tmp_path / "huge.xlsx"
    with open(sparse, "wb") as out:
        out.truncate(2 * 1024**3)  # 2 GB, sparse: costs nothing to make
    started = time.monotonic()
    result = cli(app, "import", str(sparse), "--authority", "luquan")
    assert result.exit_code == 1 and "exceeds the limit of 1 MB" in result.output, result.output
    assert "导入文件超过1 MB的上限" in result.output
    result = cli(app, "import", "/dev/zero", "--authority", "luquan")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert time.monotonic() - started < 10
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_cli_import_leaves_no_upload_behind(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "units.xlsx"
    path.write_bytes(xlsx([row(1)]))
    result = cli(app, "import", str(path), "--authority", "luquan", world=world)
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "uploads").iterdir()) == []


def test_cli_uses_the_apps_row_ceiling(app: Flask, world: World, tmp_path: Path) -> None:
    app.config["OVERSIGHT"] = app.config["OVERSIGHT"].with_(import_max_rows=50)
    path = tmp_path / "units.xlsx"
    path.write_bytes(hostile.blank_rows(100))
    result = cli(app, "import", str(path), "--authority", "luquan", world=world)
    assert result.exit_code == 1 and "超过50行的上限" in result.output, result.output
