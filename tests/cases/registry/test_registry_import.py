"""The unit registry import on both databases: the report names row, column and reason;
a file with errors writes nothing unless only the valid rows are asked for. Also the key-unit
designation and the ``oversight units`` commands."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import Result
from flask import Flask
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed
from cases.models import Authority, Unit
from cases.registry.credit_code import make_credit_code
from cases.registry.key_units import designate_key_unit, key_unit_share, revoke_key_unit
from cases.registry.unit_import import ImportReport, RowError, import_units, template
from tests.support.cli import as_user, audit_entries, with_token
from tests.support.sheets import HEADERS, code, csv_bytes, row, xlsx
from tests.support.world import T0, World
from web.cli.main import main
from web.cli.registry import units_group

pytestmark = pytest.mark.both_databases

NOW = T0  # 2026-03-02 09:00 Asia/Shanghai


def run_import(
    world: World, data: bytes, filename: str = "units.xlsx", *, valid_only: bool = False
) -> ImportReport:
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        return import_units(s, luquan, data, filename=filename, valid_only=valid_only, now=NOW)


def units(world: World) -> dict[str, Unit]:
    with world.factory() as s:
        return {u.credit_code: u for u in s.scalars(select(Unit))}


def count(world: World) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(Unit))


# ---- the test ------------------------------------------------------------------------


def test_import_rejects_a_bad_credit_code_with_its_row_and_column(world: World) -> None:
    good = code(2)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = count(world)
    report = run_import(world, xlsx([row(1), row(2, credit_code=bad), row(3)]))
    assert report.imported == 0 and report.rows == 3
    assert report.errors == [
        RowError(
            3, "统一社会信用代码",
            f"校验码错误：第18位应为“{good[-1]}”，实际为“{bad[-1]}”",
            f"wrong check character: position 18 should be {good[-1]!r}, got {bad[-1]!r}",
        )
    ]  # fmt: skip
    assert report.errors[0].message_zh.startswith("第3行“统一社会信用代码”：校验码错误")
    assert count(world) == before  # nothing written, not even rows 2 and 4


def test_a_clean_file_imports_every_unit_with_its_flags(world: World) -> None:
    rows = [
        row(1),
        row(2, kind="事业单位", district_direct="是", holds_long_term="否"),
        row(
            3, kind="organ", key_unit="是", key_unit_reason="2025年发生档案数据泄露",
            key_unit_since="2025-06-01", runs_sensitive_database="是",
        ),
    ]  # fmt: skip
    report = run_import(world, xlsx(rows))
    assert (report.rows, report.imported, report.errors) == (3, 3, [])
    got = units(world)
    assert got[code(1)].kind == "enterprise" and got[code(1)].holds_long_term
    assert got[code(2)].kind == "institution" and got[code(2)].is_district_direct
    key = got[code(3)]
    assert (key.kind, key.is_key_unit, key.key_unit_reason, key.key_unit_since) == (
        "organ", True, "2025年发生档案数据泄露", date(2025, 6, 1),
    )  # fmt: skip
    assert key.runs_sensitive_database and key.under_security_regime
    assert got[code(1)].authority_id == world.ids["luquan"]
    assert got[code(1)].address == "鹿泉区向阳路1号" and got[code(1)].responsible_person == "王芳"


def test_valid_only_imports_the_good_rows_and_reports_the_rest(world: World) -> None:
    rows = [row(1), row(2, credit_code="123"), row(3), row(4, kind="公司")]
    report = run_import(world, xlsx(rows), valid_only=True)
    assert (report.rows, report.imported, report.rejected_rows) == (4, 2, 2)
    assert [(e.row, e.column) for e in report.errors] == [(3, "统一社会信用代码"), (5, "单位类型")]
    assert "应为18位，实际为3位" in report.errors[0].reason_zh
    assert "“公司”不是有效的单位类型" in report.errors[1].reason_zh
    got = units(world)
    assert code(1) in got and code(3) in got and code(4) not in got


# ---- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(world: World, encoding: str) -> None:
    data = csv_bytes([row(1, name="鹿泉区档案馆（测试）"), row(2, key_unit="")], encoding)
    report = run_import(world, data, "名录.csv")
    assert (report.imported, report.errors) == (2, [])
    assert units(world)[code(1)].name == "鹿泉区档案馆（测试）"


def test_a_csv_in_neither_encoding_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="UTF-8"):
        run_import(world, b"\xff\xfe\x00\xd8\x00\xd8\x81\x30", "units.csv")


@pytest.mark.parametrize("write_only", [False, True], ids=["shared-strings", "inline-strings"])
def test_xlsx_typed_cells_booleans_dates_and_numbers(world: World, write_only: bool) -> None:
    rows = [
        row(1, district_direct=True, holds_long_term=False, key_unit=True,
            key_unit_reason="重点", key_unit_since=datetime(2024, 5, 6)),
        row(2, district_direct=1, holds_long_term=0, responsible_person=None, address=None),
    ]  # fmt: skip
    report = run_import(world, xlsx(rows, write_only=write_only))
    assert report.errors == [] and report.imported == 2
    got = units(world)
    assert got[code(1)].is_district_direct and not got[code(1)].holds_long_term
    assert got[code(1)].key_unit_since == date(2024, 5, 6)
    assert got[code(2)].is_district_direct and got[code(2)].address == ""


def test_an_unknown_file_type_or_a_damaged_workbook_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match=r"\.xlsx"):
        run_import(world, b"whatever", "units.xls")
    with pytest.raises(InvalidInput, match="damaged"):
        run_import(world, b"PK\x03\x04 not really a zip", "units.xlsx")


def test_row_numbers_are_the_spreadsheets_blank_rows_included(world: World) -> None:
    data = csv_bytes([row(1), [""] * len(HEADERS), [], row(2, key_unit="maybe")])
    report = run_import(world, data, "units.csv")
    assert report.rows == 2
    assert [(e.row, e.column) for e in report.errors] == [(5, "重点监控单位")]


# ---- columns -------------------------------------------------------------------------------


def test_english_headers_in_any_order(world: World) -> None:
    headers = ["credit_code", "Name", "kind", "key_unit", "key_unit_reason", "key_unit_since"]
    data = csv_bytes(
        [[code(1), "单位一", "association", "yes", "投诉较多", "2026/1/5"], [code(2), "单位二", "", "", "", ""]],
        headers=headers,
    )  # fmt: skip
    report = run_import(world, data, "units.csv")
    assert report.errors == [] and report.imported == 2
    got = units(world)
    assert got[code(1)].kind == "association" and got[code(1)].key_unit_since == date(2026, 1, 5)
    assert got[code(2)].kind == "enterprise"  # 91…: the code says 企业


def test_missing_and_unknown_columns_stop_the_import_even_for_valid_rows_only(
    world: World,
) -> None:
    headers = ["单位名称", "单位类型", "联系电话"]
    data = xlsx([["单位一", "企业", "0311-1234567"]], headers=headers)
    report = run_import(world, data, valid_only=True)
    assert report.imported == 0 and report.rows == 1
    assert [(e.row, e.column) for e in report.errors] == [(1, "联系电话"), (1, "统一社会信用代码")]
    assert "未知的列" in report.errors[0].reason_zh
    assert "缺少必填列" in report.errors[1].reason_zh
    assert report.rejected_rows == 0
    assert count(world) == 2  # the world's two units, nothing more


def test_a_column_given_twice_and_data_without_a_header(world: World) -> None:
    report = run_import(world, xlsx([row(1)], headers=[*HEADERS[:-1], "name"]))
    assert [(e.row, e.column) for e in report.errors] == [(1, "name")]
    assert "与“单位名称”是同一列" in report.errors[0].reason_zh
    report = run_import(world, xlsx([[*row(1), "多出来的"]]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "M列")]


def test_an_empty_file_and_a_header_without_rows(world: World) -> None:
    assert run_import(world, b"", "units.csv").errors[0].reason_zh.startswith("文件是空的")
    report = run_import(world, template("xlsx"))
    assert [e.reason_zh for e in report.errors] == ["表头之后没有数据行"]


# ---- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"district_direct": "maybe"}, "区政府直属", "“maybe”不是是/否值"),
        ({"holds_long_term": 2}, "保管30年或永久档案", "“2”不是是/否值"),
        ({"key_unit": "是", "key_unit_reason": "抽查发现问题", "key_unit_since": "2026-02-30"},
         "重点监控起始日期", "“2026-02-30”不是有效日期"),
        ({"key_unit": "是", "key_unit_reason": "抽查发现问题", "key_unit_since": "下个月"},
         "重点监控起始日期", "不是有效日期"),
        ({"key_unit": "是", "key_unit_reason": "抽查发现问题", "key_unit_since": "2026-03-03"},
         "重点监控起始日期", "不能晚于今天（2026-03-02）"),
        ({"name": ""}, "单位名称", "必须填写"),
        ({"name": "很" * 201}, "单位名称", "不能超过200个字"),
        ({"credit_code": "  "}, "统一社会信用代码", "必须填写"),
        ({"credit_code": "91130185MA0000000I"}, "统一社会信用代码", "第18位字符“I”"),
        ({"kind": ""}, "单位类型", None),  # 91…: inferred, no error
    ],
)  # fmt: skip
def test_value_errors_name_row_column_and_reason(
    world: World, changes: dict[str, object], column: str, reason: str | None
) -> None:
    report = run_import(world, xlsx([row(1), row(2, **changes)]))
    if reason is None:
        assert report.errors == [] and report.imported == 2
        return
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert reason in report.errors[0].reason_zh
    assert report.imported == 0


def test_a_key_unit_needs_its_reason_and_date(world: World) -> None:
    report = run_import(world, xlsx([row(1, key_unit="是")]))
    assert [(e.row, e.column, e.reason_zh) for e in report.errors] == [
        (2, "重点监控理由", "重点监控单位必须填写重点监控理由"),
        (2, "重点监控起始日期", "重点监控单位必须填写重点监控起始日期"),
    ]
    report = run_import(world, xlsx([row(1, key_unit="否", key_unit_reason="曾泄密")]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "重点监控理由")]
    assert "“重点监控单位”为否" in report.errors[0].reason_zh


def test_a_full_width_credit_code_is_normalised(world: World) -> None:
    full_width = code(1).translate({i: i + 0xFEE0 for i in range(0x21, 0x7F)})
    report = run_import(world, xlsx([row(1, credit_code=f"\u3000{full_width}")]))
    assert report.errors == [] and code(1) in units(world)


def test_a_credit_code_stored_as_a_number_is_refused(world: World) -> None:
    report = run_import(world, xlsx([row(1, credit_code=9.11301850000001e17)]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码")]
    assert "15位有效数字" in report.errors[0].reason_zh


def test_an_excel_error_value_is_reported(world: World) -> None:
    report = run_import(world, xlsx([row(1, address="#N/A")]))  # openpyxl writes t="e"
    assert [(e.row, e.column, e.reason_zh) for e in report.errors] == [
        (2, "地址", "单元格为Excel错误值#N/A")
    ]


def test_kind_left_blank_is_taken_from_the_code_or_asked_for(world: World) -> None:
    rows = [row(1, kind="", credit_code=code(1, "11")), row(2, kind="", credit_code=code(2, "52"))]
    report = run_import(world, xlsx(rows), valid_only=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "单位类型")]
    assert units(world)[code(1, "11")].kind == "organ"


# ---- duplicates ----------------------------------------------------------------------------


def test_a_code_twice_in_the_file_refuses_both_rows(world: World) -> None:
    rows = [row(1), row(2), row(3, credit_code=code(1)), row(4)]
    report = run_import(world, xlsx(rows), valid_only=True)
    assert [(e.row, e.reason_zh, e.duplicate) for e in report.errors] == [
        (2, f"{code(1)}与第4行重复", True),
        (4, f"{code(1)}与第2行重复", True),
    ]
    assert (report.imported, report.duplicates) == (2, 2)
    assert code(1) not in units(world)


def test_a_code_already_registered_by_any_authority_is_a_duplicate(world: World) -> None:
    with command_session(world.factory) as s:
        other = s.scalar(select(Authority).where(Authority.code == "zhengding"))
        s.add(
            Unit(authority_id=other.id, name="正定县某企业", credit_code=code(9), kind="enterprise")
        )
    mine = make_credit_code("11130185000000001")  # the world's 鹿泉区教育局
    report = run_import(
        world, xlsx([row(1), row(2, credit_code=mine), row(3, credit_code=code(9))])
    )
    assert [(e.row, e.column, e.reason_zh) for e in report.errors] == [
        (3, "统一社会信用代码", f"{mine}已登记为“鹿泉区教育局”"),
        (4, "统一社会信用代码", f"{code(9)}已由正定县档案馆登记为“正定县某企业”"),
    ]
    assert report.duplicates == 2 and report.imported == 0 and code(1) not in units(world)


def test_importing_the_same_file_twice_adds_nothing_the_second_time(world: World) -> None:
    data = xlsx([row(n) for n in range(1, 1201)])  # more than one look-up chunk
    assert run_import(world, data).imported == 1200
    second = run_import(world, data, valid_only=True)
    assert (second.imported, second.duplicates) == (0, 1200)


# ---- key units -----------------------------------------------------------------------------


def test_designating_and_revoking_a_key_unit(world: World) -> None:
    with command_session(world.factory) as s:
        unit = s.get(Unit, world.ids["unit"])
        boss = world.user(s, "supervisor")
        with pytest.raises(NotAllowed):
            designate_key_unit(s, unit, "理由", date(2026, 1, 1), world.user(s, "inspector"), NOW)
        with pytest.raises(InvalidInput, match="reason"):
            designate_key_unit(s, unit, "  ", date(2026, 1, 1), boss, NOW)
        with pytest.raises(InvalidInput, match="later than today"):
            designate_key_unit(s, unit, "理由", date(2026, 3, 3), boss, NOW)
        designate_key_unit(s, unit, "上年检查发现严重隐患", date(2026, 1, 1), boss, NOW)
        with pytest.raises(Conflict) as exc:
            designate_key_unit(s, unit, "再次指定", date(2026, 1, 1), boss, NOW)
        assert exc.value.status == 409
        luquan = s.get(Authority, world.ids["luquan"])
        assert key_unit_share(s, luquan) == (1, 2, 0.5)
    with command_session(world.factory) as s:
        unit = s.get(Unit, world.ids["unit"])
        assert (unit.is_key_unit, unit.key_unit_reason, unit.key_unit_since) == (
            True, "上年检查发现严重隐患", date(2026, 1, 1),
        )  # fmt: skip
        with pytest.raises(InvalidInput):
            revoke_key_unit(s, unit, "", world.user(s, "supervisor"), NOW)
        revoke_key_unit(s, unit, "整改完成，连续两年检查合格", world.user(s, "supervisor"), NOW)
        assert (unit.is_key_unit, unit.key_unit_reason, unit.key_unit_since) == (False, None, None)
        with pytest.raises(Conflict):
            revoke_key_unit(s, unit, "再次撤销", world.user(s, "supervisor"), NOW)
        assert key_unit_share(s, s.get(Authority, world.ids["luquan"]))[:2] == (0, 2)


def test_key_unit_share_of_an_empty_register_is_zero(world: World) -> None:
    with world.factory() as s:
        other = s.scalar(select(Authority).where(Authority.code == "zhengding"))
        assert key_unit_share(s, other) == (0, 0, 0.0)


# ---- the command line ----------------------------------------------------------------------


def cli(app: Flask, *args: str, world: World | None = None) -> Result:
    """``oversight units …``, with a ``world`` as its signed-in system administrator (the import
    acts as the user), without one signed out (what fails before the sign-in)."""
    if world is None:
        return with_token(app, None, *args, command=units_group)
    return as_user(app, world, "sysadmin", *args, command=units_group)


def test_cli_import_prints_the_problems_and_exits_non_zero(
    app: Flask, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "units.xlsx"
    path.write_bytes(xlsx([row(1), row(2, key_unit="也许")]))
    result = cli(app, "import", str(path), "--authority", "luquan", world=world)
    assert result.exit_code == 1
    assert "第3行“重点监控单位”：“也许”不是是/否值" in result.output
    assert "未导入任何单位" in result.output
    assert count(world) == 2
    result = cli(app, "import", str(path), "--authority", "luquan", "--valid-only", world=world)
    assert result.exit_code == 0, result.output
    assert "导入1个单位" in result.output and "重点监控单位0个，占3个单位的0.0%" in result.output


def test_cli_template_round_trip(app: Flask, world: World, tmp_path: Path) -> None:
    for flag, name in (("--xlsx", "t.xlsx"), ("--csv", "t.csv")):
        result = cli(app, "template", flag, str(tmp_path / name))
        assert result.exit_code == 0, result.output
    assert (tmp_path / "t.csv").read_bytes() == ",".join(HEADERS).encode("utf-8-sig") + b"\r\n"
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    book.worksheets[0].append(row(1, key_unit_since=None))
    book.save(tmp_path / "filled.xlsx")
    result = cli(app, "import", str(tmp_path / "filled.xlsx"), "--authority", "luquan", world=world)
    assert result.exit_code == 0, result.output
    assert code(1) in units(world)


def test_cli_sample_file_imports_cleanly(app: Flask, world: World, tmp_path: Path) -> None:
    for name in ("s.xlsx", "s.csv"):
        start = "0" if name == "s.xlsx" else "300"
        assert cli(app, "sample", "300", str(tmp_path / name), "--start", start).exit_code == 0
        result = cli(app, "import", str(tmp_path / name), "--authority", "luquan", world=world)
        assert result.exit_code == 0, result.output
        assert "导入300个单位" in result.output
    assert count(world) == 602
    with world.factory() as s:
        assert key_unit_share(s, s.get(Authority, world.ids["luquan"]))[0] == 6


def test_a_naive_now_is_refused(world: World) -> None:
    """Times are aware UTC everywhere (cases/core/clock.py); a naive one would shift the day."""
    with command_session(world.factory) as s, pytest.raises(ValueError, match="naive"):
        import_units(
            s, s.get(Authority, world.ids["luquan"]), xlsx([row(1)]), filename="u.xlsx",
            now=datetime(2026, 3, 2, 9, 0),
        )  # fmt: skip


def test_the_oversight_command_has_the_units_group(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(main, ["units", "template", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf\xe5\x8d\x95")  # BOM, 单


def test_rich_text_cells_read_as_their_plain_text(world: World) -> None:
    name = CellRichText("鹿泉区", TextBlock(InlineFont(b=True), "档案"), "测试单位")
    report = run_import(world, xlsx([row(1, name=name)]))
    assert report.errors == [] and units(world)[code(1)].name == "鹿泉区档案测试单位"


def test_cli_import_acts_as_the_signed_in_user(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "units.xlsx"
    path.write_bytes(xlsx([row(1)]))
    assert cli(app, "import", str(path)).exit_code == 77  # signed out: nobody to act as
    refused = as_user(app, world, "audadmin", "import", str(path), command=units_group)
    assert refused.exit_code == 1 and "只有本馆系统管理员或执法人员可以导入" in refused.output
    assert count(world) == 2
    done = cli(app, "import", str(path), world=world)  # the own authority by default
    assert done.exit_code == 0, done.output
    assert count(world) == 3
    refusal, entry = audit_entries(world, "units_imported")
    assert (refusal.actor_username, refusal.outcome) == ("audadmin", "refused")
    assert (entry.actor_username, entry.outcome) == ("sysadmin", "success")
    assert entry.detail["imported"] == 1
    assert [e.actor_username for e in audit_entries(world) if e.outcome == "refused"] == [
        "audadmin"
    ]
    second = tmp_path / "more.csv"
    second.write_bytes(csv_bytes([row(5)]))
    by_officer = as_user(app, world, "zhang", "import", str(second), command=units_group)
    assert by_officer.exit_code == 0, by_officer.output  # officers keep their import
