"""The filter console in Chromium: bulk review, a rule dry run, strata and moderation pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from quanzi.services import screening_review as review
from quanzi.services.filter_moderation import moderation_log
from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.services.screening_replay import replay
from quanzi.sim import SimConfig, simulate
from tests.browser import ARTIFACTS, console_session, require_browser
from tests.filter.test_filter_services import world

pytestmark = pytest.mark.browser

RULES = '[rules."name.reduplicated"]\naction = "reject"\n[rules."avatar.ring"]\naccounts = 1\n'


def test_review_queue_and_rule_dry_run_in_chromium(
    db_url: str, engine: Engine, live_server: str
) -> None:
    require_browser()
    from playwright.sync_api import expect

    # Two months of the demo world, plus the hand-made world of the service tests.
    events = [*simulate(SimConfig(seed=1, days=60, people=400)), *world()]
    report = ingest_objects(engine, events)
    assert report.stored > 5000 and not report.rejected
    add_operator(engine, "shenhe", "browser-pass", "operator")
    queue = review.list_requests(engine)
    assert len(queue) == 5
    counts = review.queue_counts(engine)
    expected = replay(engine, "qq-fans", limit=100, rules=RULES).summary()
    flagged = moderation_log(engine, "deals-daily", days=90)
    assert flagged
    suffix = "" if db_url.startswith("sqlite") else "-postgresql"

    with console_session(live_server, "/filter", "shenhe", height=1000) as session:
        page = session.page
        expect(page.locator(".nav-item.is-active .nav-title")).to_have_text("筛选")
        rows = page.locator("#requests tbody tr")
        expect(rows).to_have_count(len(queue))
        expect(rows.first.locator(".f-reasons")).to_contain_text(queue[0].reasons[0]["rule"])
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"filter-queue{suffix}.png"), full_page=True)

        # Select all, untick two, reject the rest in bulk with a reason.
        page.check("#select-all")
        boxes = page.locator('#requests input[name="ids"]')
        boxes.nth(0).uncheck()
        boxes.nth(1).uncheck()
        page.fill("#reason", "营销号：头像与昵称可疑")
        page.click("button[value=reject]")
        expect(page.locator(".f-notice")).to_have_text(f"已处理 {len(queue) - 2} 条申请")
        expect(rows).to_have_count(2)
        rejected = counts.get("reject", 0) + len(queue) - 2
        expect(page.locator("#count-reject")).to_have_text(f"{rejected:,}")
        # The two left are approved without a reason.
        page.check("#select-all")
        page.click("button[value=admit]")
        expect(page.locator(".f-empty")).to_have_text("没有待处理的申请。")

        # Dry run of stricter rules on the QQ fans group, then a broken file.
        page.goto(f"{live_server}/filter/rules?community=qq-fans")
        page.fill("#rules-text", RULES)
        page.click("#dry-run-btn")
        expect(page.locator("#dry-reject")).to_have_text(str(expected["verdicts"]["reject"]))
        expect(page.locator("#dry-changed")).to_have_text(str(expected["changed"]))
        page.screenshot(path=str(ARTIFACTS / f"filter-rules{suffix}.png"), full_page=True)
        page.fill("#rules-text", '[rules."name.jie"\n')
        page.click("#dry-run-btn")
        expect(page.locator("#dry-run-error")).to_contain_text("第 1 行第 18 列")

        page.goto(f"{live_server}/filter/strata")
        expect(page.locator("#strata tbody tr")).to_have_count(14)
        expect(page.locator("#playbook-strong .f-welcome")).to_contain_text("8 折")
        page.screenshot(path=str(ARTIFACTS / f"filter-strata{suffix}.png"), full_page=True)

        page.goto(f"{live_server}/filter/moderation?community=qq-fans")
        expect(page.locator("#mod-community")).to_have_value("qq-fans")
        page.select_option("#mod-community", "deals-daily")
        page.wait_for_url(re.compile(r"community=deals-daily"))
        page.select_option("#mod-days", "90")
        page.wait_for_url(re.compile(r"days=90"))
        expect(page.locator("#moderation tbody tr")).to_have_count(len(flagged))
        expect(page.locator("#moderation tbody tr").first).to_contain_text(flagged[0].text)
        page.screenshot(path=str(ARTIFACTS / f"filter-moderation{suffix}.png"), full_page=True)
    assert session.problems == []
