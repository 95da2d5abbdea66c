"""The carriers page in Chromium: acknowledge a WeChat alert, upload an export twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from quanzi.carriers.chatlog import ingest_messages
from quanzi.services.operators import add_operator
from tests.browser import ARTIFACTS, console_session, require_browser

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers"
AD = {"seq": 1704164645000, "time": "2024-01-02T11:04:05+08:00", "talker": "1@chatroom",
      "sender": "wxid_ad", "senderName": "日赚五百", "type": 1,
      "content": "兼职刷单日赚500，加微信 vx123456 代理招募"}  # fmt: skip


def test_carriers_page_in_chromium(db_url: str, engine: Engine, live_server: str) -> None:
    require_browser()
    from playwright.sync_api import expect

    ingest_messages(engine, [AD], "wx-group")
    add_operator(engine, "yunying", "browser-pass", "operator")
    backend = "" if db_url.startswith("sqlite") else "-postgresql"
    with console_session(live_server, "/carriers", "yunying") as session:
        page = session.page
        expect(page.locator(".nav-item.is-active .nav-title")).to_have_text("载体与导入")
        expect(page.locator("#ws-url")).to_have_text(
            live_server.replace("http", "ws") + "/onebot/v11/ws"
        )
        expect(page.locator("#open-alerts")).to_have_text("1")
        row = page.locator("#alerts tbody tr.alert-row")
        expect(row).to_have_count(1)
        expect(row.locator(".alert-action")).to_have_text("警告")
        row.locator("button").click()
        page.wait_for_load_state()
        expect(page.locator("#alerts .alert-done")).to_have_text("yunying 已处理")
        expect(page.locator("#open-alerts")).to_have_text("0")

        for new in ("8", "0"):  # the same file twice: the second adds nothing
            page.set_input_files("#import-file", str(FIXTURES / "qq.txt"))
            page.select_option("#import-format", "auto")
            page.fill("#import-community", "fruit")
            page.click("#import-form button[type=submit]")
            page.wait_for_load_state()
            expect(page.locator("#report-new")).to_have_text(new)
            expect(page.locator("#report-format")).to_have_text("QQ 消息管理器 TXT")
            expect(page.locator("#rejected tbody tr")).to_have_count(1)
            expect(page.locator("#rejected tbody tr td").first).to_have_text("第 31 处")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"carriers{backend}.png"), full_page=True)
    assert session.problems == []
