"""The word-of-mouth page in Chromium: ledger, tree, reach beside the ideal, influence."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from quanzi.analytics.attract_fission import fission_report
from quanzi.analytics.attract_influence import influence
from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.sim import SimConfig, simulate
from tests.browser import ARTIFACTS, CANVAS_INK, console_session, require_browser

pytestmark = pytest.mark.browser


def test_fission_page_in_chromium(db_url: str, engine: Engine, live_server: str) -> None:
    require_browser()
    from playwright.sync_api import expect

    ingest_objects(engine, simulate(SimConfig(seed=2, days=120, people=400)))
    add_operator(engine, "yunying", "browser-pass", "viewer")
    whole = fission_report(engine)
    campaign = "spring-fission"
    spring = fission_report(engine, campaign)
    assert spring["invites"] > 0
    backend = "" if db_url.startswith("sqlite") else "-postgresql"
    with console_session(live_server, "/fission", "yunying") as session:
        page = session.page
        expect(page.locator("#invites")).to_have_text(f"{whole['invites']:,}")
        expect(page.locator("#valid")).to_have_text(f"{whole['valid']:,}")
        leaders = influence(engine, 20)
        expect(page.locator("#influence tbody tr")).to_have_count(len(leaders))
        expect(page.locator("#influence tbody tr").first.locator("th .c-key")).to_have_text(
            leaders[0]["person"]
        )
        for chart in ("growth", "funnel", "tree", "reach", "metcalfe"):
            page.wait_for_selector(f"#chart-{chart} canvas", state="attached")
        page.wait_for_timeout(800)
        for chart in ("growth", "tree", "reach", "metcalfe"):
            assert page.evaluate(CANVAS_INK, f"#chart-{chart} canvas") > 1000, chart
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"attract{backend}.png"), full_page=True)

        page.select_option("#campaign-form select", campaign)
        page.click("#campaign-form button")
        page.wait_for_url(f"{live_server}/fission?campaign={campaign}")
        expect(page.locator("#invites")).to_have_text(f"{spring['invites']:,}")
        expect(page.locator("#reasons tbody tr")).to_have_count(len(spring["invalid_by_reason"]))
        page.screenshot(path=str(ARTIFACTS / f"attract-campaign{backend}.png"), full_page=True)
    assert session.problems == []
