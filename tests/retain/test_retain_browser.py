"""The retain pages in Debian's Chromium: log in, walk the tabs, draw the Sankey, no network."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.services.retain_stages import recompute_stages
from quanzi.sim import SimConfig, simulate
from tests.browser import ARTIFACTS, CANVAS_INK, console_session, require_browser

pytestmark = pytest.mark.browser


def test_retain_pages_in_chromium(db_url: str, engine: Engine, live_server: str) -> None:
    require_browser()
    from playwright.sync_api import expect

    ingest_objects(engine, simulate(SimConfig(seed=1, days=45, people=400)))
    staged = recompute_stages(engine)
    assert staged.changes > 0
    add_operator(engine, "liucun", "browser-pass", "viewer")
    backend = "" if db_url.startswith("sqlite") else "-postgresql"
    ARTIFACTS.mkdir(exist_ok=True)

    with console_session(live_server, "/retain", "liucun") as session:
        page = session.page

        expect(page.locator(".nav-item.is-active")).to_contain_text("留存")
        expect(page.locator("#stage-cards .card")).to_have_count(5)
        for chart in ("#chart-sankey", "#chart-stages"):
            page.wait_for_selector(f"{chart} canvas", state="attached")
        page.wait_for_timeout(1200)
        assert page.evaluate(CANVAS_INK, "#chart-sankey canvas") > 2000
        assert page.evaluate(CANVAS_INK, "#chart-stages canvas") > 2000
        page.screenshot(path=str(ARTIFACTS / f"retain_stages{backend}.png"), full_page=True)

        page.click("a.tab:has-text('社群健康')")
        expect(page.locator("#health tbody tr")).to_have_count(12)
        expect(page.locator("#health .score").first).to_have_text(re.compile(r"^\d+$"))
        page.screenshot(path=str(ARTIFACTS / f"retain_health{backend}.png"), full_page=True)

        page.click("a.tab:has-text('社群日报')")
        page.select_option("#community", "ladder-100")
        page.click(".picker button")
        expect(page.locator("#report-text")).to_contain_text("社群日报")
        expect(page.locator("#report-text")).to_contain_text("果园鲜生·会员群")
        page.screenshot(path=str(ARTIFACTS / f"retain_report{backend}.png"), full_page=True)

        page.click("a.tab:has-text('响应时间')")
        expect(page.locator("#response-times tbody tr")).to_have_count(12)
        page.screenshot(path=str(ARTIFACTS / f"retain_questions{backend}.png"), full_page=True)

        page.click("a.tab:has-text('运营日历')")
        expect(page.locator("#calendar tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"retain_calendar{backend}.png"), full_page=True)

        page.click("a.tab:has-text('流失与留存')")
        expect(page.locator("#cohorts tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"retain_churn{backend}.png"), full_page=True)

        page.goto(f"{live_server}/retain/people/wx:meiling_tianhe")
        expect(page.locator("#person-stage")).to_contain_text("合伙人")
        expect(page.locator("#person-stage")).to_contain_text("担任")
        expect(page.locator("#person-timeline tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"retain_person{backend}.png"), full_page=True)

    local = ("data:", "blob:", live_server)
    offsite = [url for url in session.requested if not url.startswith(local)]
    assert offsite == []
    assert session.problems == []
