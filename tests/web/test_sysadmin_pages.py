"""The system administrator's pages (issue 11): authorities, units with the register import,
officers' credentials, checklist versions and the calendar — each action audited, bad input a 400
naming the field in Chinese with nothing written, the other administrators and officers refused
(403; the matrix test covers every route, these check the pages' own refusals), CSRF enforced."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.models import AuditEntry, Authority, CalendarDay, ChecklistVersion, Unit, User
from cases.registry.credit_code import make_credit_code
from cases.registry.register import register_unit
from cases.registry.unit_import import COLUMNS
from tests.support.signin import client_as
from tests.support.world import World

#: 2026-03-02 10:00 Asia/Shanghai.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def sysadmin(app: Flask, world: World) -> FlaskClient:
    app.config["OVERSIGHT_CLOCK"] = lambda: NOW
    return client_as(app, world, "system_admin")


def token(client: FlaskClient, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def post(client: FlaskClient, page: str, path: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": token(client, page), **data})


def actions(world: World, action: str) -> list[AuditEntry]:
    with world.factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def authority(world: World, code: str = "luquan") -> Authority:
    with world.factory() as s:
        return s.scalars(select(Authority).where(Authority.code == code)).one()


OWN = {
    "name": "石家庄市鹿泉区档案馆", "jurisdiction": "鹿泉区", "notice_prefix": "鹿档监通",
    "superior_name": "石家庄市档案局", "network_security_authority": "鹿泉区委网信办",
    "government_name": "鹿泉区人民政府",
}  # fmt: skip


# ---- authorities -----------------------------------------------------------------------------


def test_the_system_administrator_edits_the_own_authority_audited_old_to_new(
    sysadmin: FlaskClient, world: World
) -> None:
    page = sysadmin.get("/admin/authorities").get_data(as_text=True)
    assert 'data-authority="luquan"' in page and 'data-authority="zhengding"' in page
    done = post(sysadmin, "/admin/authorities", "/admin/authorities/own", **OWN)
    assert done.status_code == 200 and "已保存本机关信息" in done.get_data(as_text=True)
    assert authority(world).notice_prefix == "鹿档监通"
    (entry,) = actions(world, "authority_changed")
    assert entry.detail["changed"] == {"notice_prefix": ["鹿档执通", "鹿档监通"]}
    assert entry.target.startswith("authority:") and entry.outcome == "success"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("notice_prefix", "LDZT", "文书字号前缀须为2至8个汉字"),
        ("notice_prefix", "鹿档执通执法通知文书", "文书字号前缀须为2至8个汉字"),
        ("name", "", "请填写机关名称"),
        ("jurisdiction", "区" * 201, "管辖区域不能超过200个字"),
        ("superior_name", "上级\n机关", "上级档案主管部门须为一行文字"),
    ],
)
def test_a_bad_authority_field_is_a_400_naming_it_and_nothing_changes(
    sysadmin: FlaskClient, world: World, field: str, value: str, message: str
) -> None:
    refused = post(sysadmin, "/admin/authorities", "/admin/authorities/own",
                   **{**OWN, field: value})  # fmt: skip
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert authority(world).notice_prefix == "鹿档执通"
    assert actions(world, "authority_changed") == []


def test_a_subordinate_authority_with_its_first_system_administrator(
    sysadmin: FlaskClient, world: World
) -> None:
    new = {**OWN, "name": "鹿泉区某镇档案室", "notice_prefix": "鹿镇档通", "code": "luquan-town",
           "admin_username": "townadmin", "admin_name": "镇管理员"}  # fmt: skip
    made = post(sysadmin, "/admin/authorities", "/admin/authorities", **new)
    html = made.get_data(as_text=True)
    assert made.status_code == 200 and "data-one-time-password" in html
    town = authority(world, "luquan-town")
    with world.factory() as s:
        admin = s.scalars(select(User).where(User.username == "townadmin")).one()
        assert admin.authority_id == town.id and admin.role == "system_admin"
        assert admin.must_change_password
    (entry,) = actions(world, "authority_created")
    assert entry.detail["code"] == "luquan-town" and entry.detail["administrator"] == "townadmin"
    again = post(sysadmin, "/admin/authorities", "/admin/authorities", **new)
    assert again.status_code == 400 and "机关代码 luquan-town 已存在" in again.get_data(
        as_text=True
    )
    bad = post(sysadmin, "/admin/authorities", "/admin/authorities", **{**new, "code": "鹿泉"})
    assert bad.status_code == 400 and "机关代码须为2至40个小写字母" in bad.get_data(as_text=True)
    assert len(actions(world, "authority_created")) == 1


@pytest.mark.parametrize("who", ["security_admin", "audit_admin", "inspector", "supervisor"])
def test_other_administrators_and_officers_are_refused_every_sysadmin_page(
    app: Flask, world: World, who: str
) -> None:
    client = client_as(app, world, who)
    for page in ("/admin/authorities", "/admin/units", "/admin/checklists", "/admin/calendar"):
        assert client.get(page).status_code == 403, page
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/authorities/own", data=OWN).status_code == 403
    assert authority(world).notice_prefix == "鹿档执通"


def test_a_form_without_its_csrf_token_is_refused(sysadmin: FlaskClient, world: World) -> None:
    refused = sysadmin.post("/admin/authorities/own", data=OWN)
    assert refused.status_code == 400
    assert authority(world).notice_prefix == "鹿档执通"
    assert actions(world, "authority_changed") == []


# ---- units -----------------------------------------------------------------------------------

UNIT = {"name": "鹿泉区文化馆", "kind": "institution", "address": "鹿泉区向阳路1号",
        "responsible_person": "刘芳", "holds_long_term": "1"}  # fmt: skip


def test_the_register_is_paged_searched_and_a_page_past_the_last_shows_the_last(
    sysadmin: FlaskClient, world: World
) -> None:
    for n in range(25):
        made = post(sysadmin, "/admin/units", "/admin/units", **{**UNIT, "name": f"测试单位{n:02d}",
                    "credit_code": make_credit_code(f"1213018500000{n:04d}")})  # fmt: skip
        assert made.status_code == 200, made.get_data(as_text=True)
    with world.factory() as s:
        total = s.scalar(select(func.count()).select_from(Unit).where(
            Unit.authority_id == world.ids["luquan"]))  # fmt: skip
    first = sysadmin.get("/admin/units").get_data(as_text=True)
    assert first.count("data-credit-code=") == 20 and f"共 {total} 个单位" in first
    last = sysadmin.get("/admin/units?page=999").get_data(as_text=True)
    pages = -(-total // 20)
    assert f'data-page="{pages}"' in last and last.count("data-credit-code=") == total - 20 * (
        pages - 1
    )
    found = sysadmin.get("/admin/units?q=测试单位07").get_data(as_text=True)
    assert found.count("data-credit-code=") == 1
    code = make_credit_code("12130185000000003")
    by_code = sysadmin.get(f"/admin/units?q={code[:14].lower()}").get_data(as_text=True)
    assert f'data-credit-code="{code}"' in by_code
    assert sysadmin.get("/admin/units?page=x").status_code == 400
    assert len(actions(world, "unit_created")) == 25


def test_a_unit_is_created_and_corrected_audited(sysadmin: FlaskClient, world: World) -> None:
    code = make_credit_code("12130185000000077")
    made = post(sysadmin, "/admin/units", "/admin/units", **UNIT, credit_code=code)
    assert made.status_code == 200 and "已登记单位：鹿泉区文化馆" in made.get_data(as_text=True)
    with world.factory() as s:
        unit = s.scalars(select(Unit).where(Unit.credit_code == code)).one()
        assert unit.holds_long_term and not unit.is_district_direct
    page = f"/admin/units/{unit.id}"
    changed = post(sysadmin, page, page, **{**UNIT, "name": "鹿泉区文化馆（新）",
                   "credit_code": code, "is_district_direct": "1"})  # fmt: skip
    assert changed.status_code == 200 and "已保存" in changed.get_data(as_text=True)
    (entry,) = actions(world, "unit_changed")
    assert entry.detail["changed"] == {
        "name": ["鹿泉区文化馆", "鹿泉区文化馆（新）"], "is_district_direct": [False, True],
    }  # fmt: skip
    bad = post(sysadmin, page, page, **{**UNIT, "credit_code": "12130185000000077"})
    assert bad.status_code == 400 and "统一社会信用代码：" in bad.get_data(as_text=True)
    with command_session(world.factory) as s:
        zhengding = s.scalars(select(Authority).where(Authority.code == "zhengding")).one()
        foreign = register_unit(s, zhengding, name="正定县某局", kind="organ",
                                credit_code=make_credit_code("11130123000000001")).id  # fmt: skip
    assert sysadmin.get(f"/admin/units/{foreign}").status_code == 404
    assert len(actions(world, "unit_created")) == 1 and len(actions(world, "unit_changed")) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"credit_code": "12130185000000077"}, "统一社会信用代码："),
        ({"credit_code": make_credit_code("11130185000000001")}, "已登记"),
        ({"credit_code": make_credit_code("12130185000000078"), "name": ""}, "请填写单位名称"),
        ({"credit_code": make_credit_code("12130185000000078"), "kind": "shop"}, "单位类型须为"),
        (
            {"credit_code": make_credit_code("12130185000000078"), "address": "路" * 301},
            "地址不能超过300个字",
        ),
    ],
)
def test_a_bad_unit_is_a_400_naming_the_field_and_nothing_is_written(
    sysadmin: FlaskClient, world: World, data: dict[str, str], message: str
) -> None:
    with world.factory() as s:
        before = s.scalar(select(func.count()).select_from(Unit))
    refused = post(sysadmin, "/admin/units", "/admin/units", **{**UNIT, **data})
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == before
    assert actions(world, "unit_created") == []


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.zh for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(n: int, **over: object) -> list[object]:
    values = {"name": f"导入单位{n}", "credit_code": make_credit_code(f"9113018500000{n:04d}"),
              "kind": "企业"}  # fmt: skip
    values.update(over)
    return [values.get(c.key) for c in COLUMNS]


def upload(client: FlaskClient, data: bytes, name: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/units/import",
        data={"csrf_token": token(client, "/admin/units"), "file": (io.BytesIO(data), name),
              **extra},
        content_type="multipart/form-data",
    )  # fmt: skip


def unit_count(world: World) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(Unit)) or 0


def test_the_register_import_shows_row_column_reason_and_imports_nothing_on_an_error(
    sysadmin: FlaskClient, world: World, app: Flask
) -> None:
    before = unit_count(world)
    bad = upload(sysadmin, _xlsx([_row(1), _row(2, key_unit="也许")]), "名录.xlsx")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'data-row="3"' in html and "重点监控单位" in html
    assert "不是是/否值" in html and "未导入任何单位" in html
    assert unit_count(world) == before and actions(world, "units_imported") == []
    good = upload(sysadmin, _xlsx([_row(1), _row(2)]), "名录.xlsx")
    assert good.status_code == 200 and "导入2个单位" in good.get_data(as_text=True)
    assert unit_count(world) == before + 2
    (entry,) = actions(world, "units_imported")
    assert entry.detail["imported"] == 2 and entry.detail["rows"] == 2
    assert list((app.config["OVERSIGHT"].instance_dir / "uploads").iterdir()) == []  # not kept


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.7 not a register", "名录.xlsx", "不是Excel工作簿"),
        (b"PK\x03\x04 a zip, not text", "名录.csv", "不是CSV文本文件"),
        (b"\xd0\xcf\x11\xe0 an old .xls", "名录.csv", "不是CSV文本文件"),
        (b"a,b\n", "名录.exe", "不支持的文件格式"),
    ],
)
def test_an_upload_is_judged_by_its_content_not_its_name(
    sysadmin: FlaskClient, world: World, data: bytes, name: str, message: str
) -> None:
    before = unit_count(world)
    refused = upload(sysadmin, data, name)
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert unit_count(world) == before


def test_an_upload_beyond_the_limit_is_refused(
    sysadmin: FlaskClient, world: World, app: Flask
) -> None:
    settings = app.config["OVERSIGHT"]
    app.config["OVERSIGHT"] = settings.with_(import_upload_max_mb=1)
    try:
        refused = upload(sysadmin, b"a,b\n" * 300_000, "名录.csv")
    finally:
        app.config["OVERSIGHT"] = settings
    assert refused.status_code == 413 and "超过1 MB的上限" in refused.get_data(as_text=True)


# ---- credentials -----------------------------------------------------------------------------


def test_the_system_administrator_renews_an_officers_credential(
    sysadmin: FlaskClient, world: World
) -> None:
    user_id = world.ids["expired"]
    page = sysadmin.get("/admin/users").get_data(as_text=True)
    assert 'data-credential-form="wang"' in page and 'data-credential-form="sysadmin"' not in page
    done = post(sysadmin, "/admin/users", f"/admin/users/{user_id}/credential",
                number="冀鹿0103", issued_on="2026-03-01", expires_on="2031-02-28")  # fmt: skip
    assert done.status_code == 200 and "已登记王强的执法证件 冀鹿0103" in done.get_data(
        as_text=True
    )
    with world.factory() as s:
        user = s.get(User, user_id)
        assert (user.credential_no, user.credential_expires_on) == ("冀鹿0103", date(2031, 2, 28))
    (entry,) = actions(world, "credential_set")
    assert entry.detail["number"] == "冀鹿0103"
    for data, message in (
        ({"number": "冀鹿0104", "issued_on": "2026-03-01", "expires_on": "2025-01-01"},
         "证件有效期早于发证日期"),
        ({"number": "冀鹿0001", "expires_on": "2031-01-01"}, "执法证件 冀鹿0001 已登记"),
        ({"number": "冀鹿0104", "expires_on": "2031-02-30"}, "有效期至格式应为YYYY-MM-DD"),
        ({"number": "冀鹿0104"}, "请填写执法证件有效期"),
    ):  # fmt: skip
        refused = post(sysadmin, "/admin/users", f"/admin/users/{user_id}/credential", **data)
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), data
    with world.factory() as s:
        assert s.get(User, user_id).credential_no == "冀鹿0103"
    assert len(actions(world, "credential_set")) == 1
    foreign = world.ids["foreign_inspector"]
    refused = post(sysadmin, "/admin/users", f"/admin/users/{foreign}/credential",
                   number="冀鹿0105", expires_on="2031-01-01")  # fmt: skip
    assert refused.status_code == 403


# ---- checklists ------------------------------------------------------------------------------


def _version_form(client: FlaskClient, regime: str) -> dict[str, str]:
    """The new-version form as the page fills it (from the latest version)."""
    html = client.get("/admin/checklists").get_data(as_text=True)
    form = html.split(f'data-form="new-version-{regime}"', 1)[1].split("</form>", 1)[0]
    data: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        if 'type="checkbox"' not in name:
            data[name] = value
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        data[name] = value
    checked = re.findall(r'<input type="checkbox" name="([^"]+)" value="1" checked', form)
    for name in list(data):
        if name.endswith(("-information_security", "-remove")):
            del data[name]
    data.update({name: "1" for name in checked})
    return data


def test_a_new_checklist_version_from_the_latest_and_old_inspections_keep_theirs(
    sysadmin: FlaskClient, world: World
) -> None:
    with world.factory() as s:
        latest = s.scalars(select(ChecklistVersion).where(ChecklistVersion.regime == "electronic")
                           .order_by(ChecklistVersion.version.desc())).first()  # fmt: skip
        old_items = [i.code for i in latest.items]
    data = _version_form(sysadmin, "electronic")
    assert data["item-0-code"] == old_items[0]
    rows = int(data["rows"])
    data.update({"effective_from": "2026-04-01", "item-0-title_zh": "制度与工作程序（修订）",
                 "item-1-remove": "1", f"item-{rows - 1}-code": "EA-99",
                 f"item-{rows - 1}-title_zh": "新增事项"})  # fmt: skip
    made = post(sysadmin, "/admin/checklists", "/admin/checklists/electronic", **data)
    assert made.status_code == 200, made.get_data(as_text=True)
    assert f"第{latest.version + 1}版" in made.get_data(as_text=True)
    with world.factory() as s:
        new = s.scalars(select(ChecklistVersion).where(ChecklistVersion.regime == "electronic")
                        .order_by(ChecklistVersion.version.desc())).first()  # fmt: skip
        codes = [i.code for i in new.items]
        assert codes == [old_items[0], *old_items[2:], "EA-99"]
        assert new.items[0].title_zh == "制度与工作程序（修订）"
        assert new.effective_from == date(2026, 4, 1)
        kept = s.get(ChecklistVersion, latest.id)
        assert [i.code for i in kept.items] == old_items  # the old version is untouched
    (entry,) = actions(world, "checklist_version_created")
    assert entry.detail["added"] == ["EA-99"] and entry.detail["removed"] == [old_items[1]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"effective_from": "2026-03-01"}, "早于今天（2026-03-02）"),
        ({"effective_from": ""}, "请填写生效日期"),
        ({"item-0-title_zh": ""}, "的标题"),
        ({"item-1-code": "EA-1"}, "检查事项代码EA-1重复"),
        ({"title_zh": ""}, "请填写清单标题"),
    ],
)
def test_a_bad_checklist_version_is_a_400_and_nothing_is_written(
    sysadmin: FlaskClient, world: World, change: dict[str, str], message: str
) -> None:
    with world.factory() as s:
        before = s.scalar(select(func.count()).select_from(ChecklistVersion))
    data = {**_version_form(sysadmin, "electronic"), "effective_from": "2026-04-01", **change}
    refused = post(sysadmin, "/admin/checklists", "/admin/checklists/electronic", **data)
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(ChecklistVersion)) == before
    assert actions(world, "checklist_version_created") == []


# ---- the calendar ----------------------------------------------------------------------------

SCHEDULE = "2031-01-01,休,元旦\n2031-01-25..2031-01-31,休,春节\n2031-02-08,班,春节调休上班\n"


def test_the_system_administrator_enters_a_years_schedule(
    sysadmin: FlaskClient, world: World
) -> None:
    page = sysadmin.get("/admin/calendar?year=2031").get_data(as_text=True)
    assert 'data-provisional="2031"' in page
    done = post(sysadmin, "/admin/calendar", "/admin/calendar", year="2031",
                published_on="2026-03-01", schedule=SCHEDULE)  # fmt: skip
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "放假8天，调休上班1天" in html
    assert 'data-official="2031"' in html and 'data-day="2031-02-08"' in html
    (entry,) = actions(world, "calendar_enter")
    assert entry.target == "calendar:2031" and entry.detail["holidays"] == 8
    again = post(sysadmin, "/admin/calendar", "/admin/calendar", year="2031",
                 published_on="2026-03-01", schedule=SCHEDULE)  # fmt: skip
    assert again.status_code == 400 and "已是正式安排" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("year", "schedule", "message"),
    [
        ("2031", "2031-02-10,班,调休\n2031-01-01,休,元旦", "调休上班日2031-02-10是星期一"),
        ("2031", "2031-13-01,休,元旦", "节假日安排有误"),
        ("2031", "2030-12-31,休,元旦", "不在2031年内"),
        ("31", "2031-01-01,休,元旦", "请填写四位数的年度"),
    ],
)
def test_a_bad_schedule_is_a_400_and_nothing_is_written(
    sysadmin: FlaskClient, world: World, year: str, schedule: str, message: str
) -> None:
    refused = post(sysadmin, "/admin/calendar", "/admin/calendar", year=year,
                   published_on="2026-03-01", schedule=schedule)  # fmt: skip
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(CalendarDay).where(
            CalendarDay.year == 2031)) == 0  # fmt: skip
    assert actions(world, "calendar_enter") == []
