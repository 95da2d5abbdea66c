"""The group-buy pages in Chromium: detect drops from 接龙, mark payment, download the list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from quanzi.analytics.groupbuy import pickup_list
from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.sim import SimConfig, simulate
from tests.browser import ARTIFACTS, CANVAS_INK, console_session, require_browser

pytestmark = pytest.mark.browser


def test_groupbuy_pages_in_chromium(
    db_url: str, engine: Engine, live_server: str, tmp_path: Path
) -> None:
    require_browser()
    from playwright.sync_api import expect

    ingest_objects(engine, simulate(SimConfig(seed=2, days=25, people=300)))
    add_operator(engine, "tuanzhang", "browser-pass", "operator")
    backend = "" if db_url.startswith("sqlite") else "-postgresql"
    with console_session(live_server, "/groupbuy", "tuanzhang", accept_downloads=True) as session:
        page = session.page
        expect(page.locator("#drops")).to_have_count(0)

        page.fill("#detect-form input[name=community]", "tuan-tianhe")
        page.click("#detect-form button")
        page.wait_for_url(re.compile(r"/groupbuy\?community=tuan-tianhe$"))
        rows = page.locator("#drops tbody tr")
        assert rows.count() > 3
        page.wait_for_selector("#chart-gmv canvas", state="attached")
        page.wait_for_timeout(800)
        assert page.evaluate(CANVAS_INK, "#chart-gmv canvas") > 1000
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"groupbuy{backend}.png"), full_page=True)

        rows.first.locator("a.c-name").click()
        page.wait_for_url(re.compile(r"/groupbuy/tuan-tianhe-"))
        key = page.url.rsplit("/", 1)[1]
        lines = page.locator("#pickup tbody tr")
        expected = pickup_list(engine, key)
        expect(lines).to_have_count(len(expected))
        lines.first.locator("button.mark-paid").click()
        page.wait_for_load_state()
        expect(page.locator("#pickup tbody tr").first.locator("button.mark-paid")).to_have_text(
            "✓ 已付款"
        )
        assert pickup_list(engine, key)[0].paid

        with page.expect_download() as download_info:
            page.click("#export-xlsx")
        saved = tmp_path / "list.xlsx"
        download_info.value.save_as(saved)
        sheet = load_workbook(saved).active
        assert sheet is not None
        assert sheet.cell(row=3, column=2).value == expected[0].name
        assert sheet.cell(row=3, column=7).value == "是"
        page.screenshot(path=str(ARTIFACTS / f"groupbuy-drop{backend}.png"), full_page=True)
    assert session.problems == []
