"""The retain console pages on the fixture: figures on the page, errors as pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from quanzi.services.ingest import ingest_objects
from quanzi.services.retain_stages import recompute_stages
from tests.retain.retain_fixture import EVENTS
from tests.web.conftest import Account


@pytest.fixture
def grape_client(
    client: TestClient,
    engine: Engine,
    accounts: dict[str, Account],
    login: Callable[[TestClient, Account], str],
) -> TestClient:
    ingest_objects(engine, [dict(e) for e in EVENTS])
    recompute_stages(engine)
    login(client, accounts["viewer"])
    return client


def test_stages_page_has_counts_and_flow_data(grape_client: TestClient) -> None:
    html = grape_client.get("/retain").text
    assert 'data-stage="partner"' in html
    assert '{"count": 1, "from": "member", "to": "fan"}' in html
    assert 'class="tab is-active" href="/retain" aria-current="page"' in html


def test_health_calendar_report_questions_churn_pages(grape_client: TestClient) -> None:
    health = grape_client.get("/retain/health").text
    assert "缺少KOL 分享：目标每 7 天一次，从未出现" in health
    calendar = grape_client.get("/retain/calendar?community=grape").text
    assert "逾期" in calendar and "每日话题" in calendar
    report = grape_client.get("/retain/report?community=grape&day=2026-03-02").text
    assert "【葡萄团购群 · 社群日报】3月2日 周一" in report
    assert "¥200" in report
    questions = grape_client.get("/retain/questions?community=grape").text
    assert "能开发票吗" in questions and "33.3%" in questions
    churn = grape_client.get("/retain/churn").text
    assert "/retain/people/wx%3Aa" in churn and "公众号" in churn


def test_person_page_shows_stage_reason_and_history(grape_client: TestClient) -> None:
    html = grape_client.get("/retain/people/wx:zhou").text
    assert "合伙人：担任群主" in html
    assert "群主" in html and "葡萄团购群" in html
    a = grape_client.get("/retain/people/wx:a").text
    assert "会员 → <strong>粉丝</strong>" in a
    assert "5 单 · ¥500" in a and "带来 1 人" in a


def test_errors_render_as_pages(grape_client: TestClient) -> None:
    missing = grape_client.get("/retain/people/wx:nobody")
    assert missing.status_code == 404 and "没有找到人员" in missing.text
    bad = grape_client.get("/retain/report?community=grape&day=3月2日")
    assert bad.status_code == 422 and "日期应为 YYYY-MM-DD" in bad.text
    unknown = grape_client.get("/retain/report?community=nope")
    assert unknown.status_code == 404 and "没有找到社群" in unknown.text


def test_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/retain/health", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
