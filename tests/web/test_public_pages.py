"""The public pages, opened by nobody in particular (no sign-in): the service table from the
reference rows, 双随机 results by year and circulars, each from its publication until the end of
its publicity period (5 years; 2 for a natural person) — with the clock moved, never waited for —
and nothing on them that is not public."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from cases.core.db import command_session
from cases.models import PublicService
from tests.support.publicity import (
    RECORD_NOTE,
    RESPONSIBLE_PERSON,
    at,
    circular_of_case,
    criticism_in_force,
    criticism_of_individual,
    published_result,
)
from tests.support.signin import client_as
from tests.support.world import World

ENDED = date(2026, 9, 18)
PUBLISHED = at(date(2026, 9, 25))


@pytest.fixture
def clock(app: Flask) -> Callable[[datetime], None]:
    """Set the app's "now" (the pages ask :func:`web.clock.now`)."""

    def move(to: datetime) -> None:
        app.config["OVERSIGHT_CLOCK"] = lambda: to

    return move


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_service_table_comes_from_the_reference_rows(
    anonymous: FlaskClient, world: World
) -> None:
    html = page(anonymous, "/public")
    for text in ("档案业务培训服务", "档案馆业务指导科", "0311-82013255", "馆藏档案资料利用服务",
                 "0311-82012725", "人防教育宣传", "人防办", "0311-82011763"):  # fmt: skip
        assert text in html
    assert 'class="site-user"' not in html and "退出" not in html  # no staff header
    with command_session(world.factory) as s:  # an administrator corrects a number: data
        s.execute(update(PublicService).where(PublicService.number == 3).values(phone="82019999"))
    html = page(anonymous, "/public")
    assert "0311-82019999" in html and "82011763" not in html


def test_a_result_is_public_from_its_publication_for_five_years(
    anonymous: FlaskClient, world: World, clock: Callable[[datetime], None]
) -> None:
    published_result(world, ENDED, PUBLISHED)
    clock(PUBLISHED - timedelta(minutes=1))
    assert "鹿泉区教育局" not in page(anonymous, "/public/results/2026")
    assert "2026年度" not in page(anonymous, "/public/results")
    clock(PUBLISHED)
    html = page(anonymous, "/public/results/2026")
    assert "鹿泉区教育局" in html and "未发现问题" in html and "符合6项" in html
    assert "2031-09-25 24:00" in html  # the period's last day, to its end
    assert "2026年度抽查结果" in page(anonymous, "/public/results")
    assert "鹿泉区教育局" not in page(anonymous, "/public/results/2025")
    clock(at(date(2031, 9, 25), 23))
    assert "鹿泉区教育局" in page(anonymous, "/public/results/2026")
    clock(at(date(2031, 9, 26), 0))
    assert "鹿泉区教育局" not in page(anonymous, "/public/results/2026")


def test_a_circular_is_public_until_it_is_taken_down(
    anonymous: FlaskClient, world: World, clock: Callable[[datetime], None]
) -> None:
    case_id = world.case_for_state("verified", regime="security")
    made, published = at(date(2026, 3, 10)), at(date(2026, 3, 12))
    early = circular_of_case(
        world, case_id, title="提前撤下的情况通报", made=made, published=published,
        take_down=at(date(2026, 6, 1), 0),
    )  # fmt: skip
    late = circular_of_case(
        world, case_id, title="公开期满撤下的情况通报", made=made, published=published,
        take_down=at(date(2099, 1, 1), 0),  # later than the period: the period ends it
    )  # fmt: skip
    clock(published - timedelta(seconds=1))
    assert "data-circular=" not in page(anonymous, "/public/circulars")
    page(anonymous, f"/public/circulars/{early}", 404)
    clock(published)
    listing = page(anonymous, "/public/circulars")
    assert "提前撤下的情况通报" in listing and "公开期满撤下的情况通报" in listing
    assert "2031-03-12 24:00" in page(anonymous, f"/public/circulars/{late}")
    clock(at(date(2026, 6, 1), 0))
    assert "提前撤下的情况通报" not in page(anonymous, "/public/circulars")
    page(anonymous, f"/public/circulars/{early}", 404)
    clock(at(date(2031, 3, 12), 23))
    page(anonymous, f"/public/circulars/{late}")
    clock(at(date(2031, 3, 13), 0))
    page(anonymous, f"/public/circulars/{late}", 404)


def test_a_circular_on_a_natural_person_comes_down_after_two_years(
    anonymous: FlaskClient, world: World, clock: Callable[[datetime], None], tmp_path: Path
) -> None:
    published = at(date(2026, 4, 21))
    with criticism_in_force(tmp_path):
        circular_id = criticism_of_individual(
            world, published=published, take_down=at(date(2099, 1, 1), 0)
        )
    clock(published)
    html = page(anonymous, f"/public/circulars/{circular_id}")
    assert "通报批评" in html and "2028-04-21 24:00" in html
    assert "档案法第五十条" in html  # a penalty's legal basis is shown with it
    clock(at(date(2028, 4, 21), 23))
    page(anonymous, f"/public/circulars/{circular_id}")
    clock(at(date(2028, 4, 22), 0))
    page(anonymous, f"/public/circulars/{circular_id}", 404)
    assert "李某" not in page(anonymous, "/public/circulars")


def test_the_pages_show_nothing_that_is_not_public(
    app: Flask, anonymous: FlaskClient, world: World, clock: Callable[[datetime], None]
) -> None:
    inspection_id = published_result(world, ENDED, PUBLISHED)
    case_id = world.case_for_state("verified", regime="security")
    public_id = circular_of_case(
        world, case_id, title="已发布的情况通报", made=PUBLISHED, published=PUBLISHED,
        take_down=at(date(2027, 1, 1), 0),
    )  # fmt: skip
    draft_id = circular_of_case(
        world, case_id, title="尚未发布的通报草稿", made=PUBLISHED, published=None,
        take_down=PUBLISHED,
    )  # fmt: skip
    clock(PUBLISHED + timedelta(days=1))
    pages = [
        page(anonymous, path)
        for path in ("/public", "/public/results", "/public/results/2026", "/public/circulars",
                     f"/public/circulars/{public_id}")
    ]  # fmt: skip
    assert "已发布的情况通报" in pages[3] and "鹿泉区教育局" in pages[2]
    everything = "\n".join(pages)
    for private in (
        "教育局联络人", "liaison",  # the unit's liaison
        "张明", "inspector",  # officers' names and accounts
        RECORD_NOTE, RESPONSIBLE_PERSON, "hear_report",  # the record's own words and methods
        "尚未发布的通报草稿",  # a draft
        "/cases", f"案件{case_id}", "data-case-id", f"inspection/{inspection_id}",
        "csrf_token\"", "退出", "修改密码",  # no staff header, no form
    ):  # fmt: skip
        assert private not in everything, private
    page(anonymous, f"/public/circulars/{draft_id}", 404)
    page(anonymous, "/public/circulars/999999", 404)


def test_anyone_opens_them_signed_in_or_not(app: Flask, world: World) -> None:
    for client in (app.test_client(), client_as(app, world, "liaison"),
                   client_as(app, world, "inspector")):  # fmt: skip
        for path in ("/public", "/public/results", "/public/results/2026", "/public/circulars"):
            html = page(client, path)
            assert 'aria-label="公开信息"' in html and 'aria-label="主导航"' not in html


@pytest.mark.parametrize("path", ["/public/results/1999", "/public/results/2101",
                                  "/public/results/abc", "/public/circulars/2147483648"])  # fmt: skip
def test_a_page_that_is_not_there_is_a_chinese_404(anonymous: FlaskClient, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 404
    assert "不存在" in response.get_data(as_text=True) or "没有" in response.get_data(as_text=True)
