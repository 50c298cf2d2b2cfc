"""The compliance page: each chart's figures are the table beneath it, carried as JSON for the
chart script (no inline script), and each table downloads as an audited CSV."""

from __future__ import annotations

import html as markup
import json
import re

import pytest
from flask import Flask

from cases.models import AuditEntry
from cases.plans.publication import read_table
from tests.support.district import YEAR, draw
from tests.support.signin import client_as
from tests.support.world import T0, World


@pytest.fixture
def at_t0(app: Flask) -> Flask:
    app.config["OVERSIGHT_CLOCK"] = lambda: T0
    return app


@pytest.mark.parametrize("who", ["liaison", "system_admin", "security_admin", "audit_admin"])
def test_only_the_bureaus_staff_see_the_figures(at_t0: Flask, world: World, who: str) -> None:
    assert client_as(at_t0, world, who).get(f"/compliance/{YEAR}").status_code == 403


def test_charts_carry_the_tables_figures(at_t0: Flask, district: World) -> None:
    draw(district)
    draw(district, "security")
    response = client_as(at_t0, district, "leader").get(f"/compliance/{YEAR}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>" not in page and 'style="' not in page
    assert "vendor/chart-4.6.1.umd.min.js" in page and "compliance.js" in page
    charts = [json.loads(markup.unescape(c)) for c in re.findall(r'data-chart="([^"]+)"', page)]
    assert len(charts) == 2
    quotas, months = charts
    assert [s["label"] for s in quotas["series"]] == ["目标", "已完成", "截至今日应完成"]
    assert len(months["labels"]) == 12
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('data-table="quotas"')[1].split("</table>")[0])
    assert len(rows) - 1 == len(quotas["labels"]) + 2  # the two complaint rows have no target
    assert client_as(at_t0, district, "leader").get("/compliance/1800").status_code == 404


def test_each_table_downloads_as_csv_and_is_audited(at_t0: Flask, district: World) -> None:
    draw(district)
    client = client_as(at_t0, district, "inspector")
    response = client.get(f"/compliance/{YEAR}/quotas.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = read_table(response.get_data(), "csv")
    response.close()
    assert rows[0][:4] == ["监管事项", "指标", "目标", "已完成"]
    months = client.get(f"/compliance/{YEAR}/months.csv")
    assert read_table(months.get_data(), "csv")[0][0] == "月份"
    months.close()
    with district.factory() as s:
        targets = [e.target for e in s.query(AuditEntry).filter(AuditEntry.action == "download")]
    assert f"compliance:luquan:{YEAR}:quotas" in targets
    assert f"compliance:luquan:{YEAR}:months" in targets
