"""The ladder pages in Chromium: charts drawn, the seed's claim shown, live segment counts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from quanzi.analytics.ladder import build_ladder
from quanzi.services.ingest import ingest_objects
from quanzi.services.ladder import record_redemptions
from quanzi.services.ladder_demo import seed_demo
from quanzi.services.operators import add_operator
from quanzi.sim import SimConfig, simulate
from tests.browser import ARTIFACTS, CANVAS_INK, console_session, require_browser

pytestmark = pytest.mark.browser


def test_ladder_pages_in_chromium(db_url: str, engine: Engine, live_server: str) -> None:
    require_browser()
    from playwright.sync_api import expect

    report = ingest_objects(engine, simulate(SimConfig(seed=1, days=120, people=800)))
    assert not report.rejected
    assert seed_demo(engine) > 0
    record_redemptions(engine)
    add_operator(engine, "afang", "browser-pass", "operator")
    view = build_ladder(engine)
    claim = view.claims()[1]  # ¥500 payers, from the ¥100 group

    backend = "" if db_url.startswith("sqlite") else "-postgresql"
    with console_session(live_server, "/ladder", "afang", height=1000) as session:
        page = session.page
        expect(page.locator(".nav-item.is-active")).to_contain_text("付费阶梯")
        card = page.locator(f'.claim[data-rung="{claim.community}"]')
        expect(card).to_contain_text(f"{claim.payers} 人中 {claim.from_below} 人")
        expect(page.locator("#rungs tbody tr")).to_have_count(len(view.rungs))
        for chart in ("#chart-funnel", "#chart-sankey", "#chart-steps"):
            page.wait_for_selector(f"{chart} canvas", state="attached")
        page.wait_for_timeout(1200)  # let the entry animation finish
        for chart in ("#chart-funnel", "#chart-sankey", "#chart-steps"):
            assert page.evaluate(CANVAS_INK, f"{chart} canvas") > 2000, chart
        expect(page.locator("#rung-ladder-500 .benefit").first).to_contain_text("每日会员专享内容")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"ladder{backend}.png"), full_page=True)

        page.click("a.tab:has-text('升级任务')")
        page.wait_for_url(f"{live_server}/ladder/plays")
        expect(page.locator("#task-table tbody tr")).to_have_count(3)
        expect(page.locator("#offer-table")).to_contain_text("¥500 → ¥400")
        # The builder counts live through htmx as conditions change.
        page.click("#segments summary")
        with page.expect_response(re.compile(r"/ladder/segments/count$")) as counted:
            page.check('#segment-form input[name="rungs_paid"][value="ladder-100"]')
        assert counted.value.status == 200
        expect(page.locator("#segment-count .count-value")).to_have_attribute(
            "data-count",
            str(view.report.rung("ladder-100").payers),  # type: ignore[union-attr]
        )
        with page.expect_response(re.compile(r"/ladder/segments/count$")):
            page.check('#segment-form input[name="rungs_not_paid"][value="ladder-500"]')
        expect(page.locator("#segment-count")).to_contain_text("未付费：果园鲜生·银卡会员群")
        page.fill('#segment-form input[name="key"]', "browser-made")
        page.fill('#segment-form input[name="name"]', "浏览器里建的人群包")
        page.click("#segment-form button[type=submit]")
        page.wait_for_url(re.compile(r"/ladder/plays"))
        expect(page.locator('#segment-table tr[data-key="browser-made"]')).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"ladder-plays{backend}.png"), full_page=True)

    local = ("data:", "blob:", live_server)
    offsite = [url for url in session.requested if not url.startswith(local)]
    assert offsite == [] and session.problems == []
