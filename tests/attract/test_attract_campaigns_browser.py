"""In Chromium: register a campaign through the editor, issue a code, and read its ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from tests.attract.campaign_world import campaign_events, seeds
from tests.browser import ARTIFACTS, console_session, require_browser

pytestmark = pytest.mark.browser


def test_campaign_editor_and_ledger_in_chromium(
    db_url: str, engine: Engine, live_server: str
) -> None:
    require_browser()
    from playwright.sync_api import expect

    ingest_objects(engine, seeds())
    add_operator(engine, "yunying", "browser-pass", "operator")
    backend = "" if db_url.startswith("sqlite") else "-postgresql"
    with console_session(live_server, "/fission", "yunying") as session:
        page = session.page
        page.click("#campaigns-link")
        page.wait_for_url(f"{live_server}/fission/campaigns")
        page.fill("#c-key", "spring")
        page.fill("#c-name", "春季老带新")
        page.check("input[name=communities][value=g1]")
        page.check("input[name=communities][value=g2]")
        page.fill("#c-start", "2026-04-01")
        page.fill("#c-end", "2026-04-05")
        page.fill("#c-stay", "48")
        page.fill("#c-stages", "1:贴纸,2:优惠券,4:水果箱")
        page.click("#campaign-editor button[type=submit]")
        page.wait_for_url(f"{live_server}/fission/campaigns/spring")
        expect(page.locator("#stay")).to_have_text("48")
        page.fill("#code-form input[name=inviter]", "wx:b")
        page.click("#code-form button")
        code = page.locator("#inviter-table code").first.inner_text()
        assert len(code) == 16

        # b's friends join with the code; the rest of the world happens as in the fixture.
        ingest_objects(engine, campaign_events(code))
        page.reload()
        # Whole local days: q's invite at 04:00 on 04-01 now counts, g (04-05 23:00)
        # is still inside the 48 h stay; c, f, h, j, q are valid.
        expect(page.locator("#invites")).to_have_text("12")
        expect(page.locator("#valid")).to_have_text("5")
        expect(page.locator("#invite-ledger tbody tr")).to_have_count(12)
        expect(page.locator("#invite-ledger tr[data-status=waiting]")).to_have_count(2)
        expect(page.locator("#invite-ledger tr", has_text="wx:d")).to_contain_text(
            "邀请进的社群不是活动的目标社群"
        )
        # a: q, c, h, j valid reach all stages, so e's early leave takes nothing back.
        row = page.locator("#inviter-table tr", has_text="wx:a")
        expect(row).to_contain_text("贴纸、优惠券、水果箱")
        expect(row.locator(".tag-warn")).to_have_count(0)

        page.select_option("#group-form select", "g1")
        page.fill("#group-form input[name=link]", "https://weixin.invalid/g1")
        page.fill("#group-form input[name=capacity]", "10")
        page.click("#group-form button")
        # g1 holds a, b, q, c, h, j, i and g: 2 places of 10 are left.
        expect(page.locator("#room")).to_have_text("2")
        expect(page.locator("#groups [data-code=low_room]")).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"attract-campaign-editor{backend}.png"),
                        full_page=True)  # fmt: skip

        visitor = session.browser.new_page(locale="zh-CN")  # no login: the poster's friends
        visitor.goto(f"{live_server}/j/spring?state={code}")
        expect(visitor.locator("#join-closed")).to_have_text("活动已结束，感谢关注")
    assert session.problems == []
