"""The console in a real browser: Debian's Chromium driven by Playwright, no network."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine
from tests.browser import ARTIFACTS, CANVAS_INK, CHROMIUM, CHROMIUM_ARGS, require_browser

from quanzi.analytics.overview import build_overview
from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.web.console.render import NAV

pytestmark = pytest.mark.browser

CST = timezone(timedelta(hours=8))


def fixture_events(seed: int = 1, days: int = 30, people: int = 150) -> list[dict[str, Any]]:
    """A small world of three rungs when the simulator is not available."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 9, tzinfo=CST)
    end = start + timedelta(days=days)
    rungs = [
        ("guoyuan-free", "果园鲜生·福利群", "qq", "attract", "seeding", 0),
        ("guoyuan-100", "果园鲜生·百元会员群", "wechat", "filter", "router", 100),
        ("guoyuan-500", "果园鲜生·合伙人群", "wechat", "retain", "closed_circle", 500),
    ]
    events: list[dict[str, Any]] = []

    def add(event_id: str, ts: datetime, kind: str, community: str, **fields: Any) -> None:
        events.append(
            {"id": event_id, "ts": ts.isoformat(), "kind": kind, "community": community, **fields}
        )

    for rank, (key, name, carrier, purpose, model, price) in enumerate(rungs):
        add(f"c-{key}", start, "community", key, name=name, carrier=carrier, purpose=purpose,
            model=model, type="product", price=price, ladder="guoyuan", rank=rank)  # fmt: skip
    for n in range(people):
        person = f"wx:user{n:03d}"
        key = rungs[0 if n % 5 else rng.randrange(3)][0]
        joined = start + timedelta(days=rng.uniform(0, days - 1), hours=rng.uniform(0, 12))
        add(f"j{n}", joined, "join", key, person=person, source="friend")
        for k in range(rng.randrange(4)):
            said = joined + timedelta(hours=rng.uniform(1, 200))
            if said < end:
                add(f"m{n}-{k}", said, "message", key, person=person, text="今天的葡萄甜吗？")
        if rng.random() < 0.15:
            left = min(joined + timedelta(days=rng.uniform(0.5, 5)), end)
            add(f"l{n}", left, "leave", key, person=person, reason="leave")
    return events


def sample_events() -> list[dict[str, Any]]:
    """The simulator's 「果园鲜生」 when it exists, else the small fixture world."""
    try:
        from quanzi.sim import SimConfig, simulate
    except ImportError:
        return fixture_events()
    return list(simulate(SimConfig(seed=1, days=30, people=300)))


def test_login_and_overview_in_chromium(db_url: str, engine: Engine, live_server: str) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    report = ingest_objects(engine, sample_events())
    assert report.stored > 200 and not report.rejected
    add_operator(engine, "yunying", "browser-pass", "viewer")
    communities = build_overview(engine).communities

    requested: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 960}, locale="zh-CN")
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on(
                "console",
                lambda msg: (
                    problems.append(f"console: {msg.text}") if msg.type == "error" else None
                ),
            )
            page.goto(f"{live_server}/")
            expect(page).to_have_url(re.compile(r"/login\?next=/$"))
            expect(page.locator("h1, .brand-text strong").first).to_contain_text("圈子")
            page.fill("#username", "yunying")
            page.fill("#password", "browser-pass")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/")

            rows = page.locator("#communities tbody tr")
            expect(rows).to_have_count(len(communities))
            expect(rows.first.locator(".c-name")).to_have_text(communities[0].name)
            expect(page.locator(".nav-item.is-disabled .badge")).to_have_count(
                sum(1 for item in NAV if item.href is None)
            )
            for chart in ("#chart-flow", "#chart-mix"):
                page.wait_for_selector(f"{chart} canvas", state="attached")
            page.wait_for_timeout(1200)  # let the entry animation finish before looking
            assert page.evaluate(CANVAS_INK, "#chart-flow canvas") > 2000
            assert page.evaluate(CANVAS_INK, "#chart-mix canvas") > 2000

            # The 刷新 button swaps the live part in through htmx; charts are redrawn.
            with page.expect_response(re.compile(r"/overview/live$")) as refreshed:
                page.click("button:has-text('刷新')")
            assert refreshed.value.status == 200
            page.wait_for_timeout(300)
            expect(rows).to_have_count(len(communities))
            assert page.evaluate(CANVAS_INK, "#chart-flow canvas") > 2000

            ARTIFACTS.mkdir(exist_ok=True)
            backend = "" if db_url.startswith("sqlite") else f"-{db_url.split(':')[0]}"
            page.screenshot(path=str(ARTIFACTS / f"overview{backend}.png"), full_page=True)
        finally:
            browser.close()

    offsite = [url for url in requested if not url.startswith(("data:", "blob:", live_server))]
    assert offsite == [], f"requests left localhost: {offsite}"
    assert problems == []
