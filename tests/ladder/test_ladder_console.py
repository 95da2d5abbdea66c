"""The ladder's console pages: the funnel page, tasks, segment builder with live counts, offers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from quanzi.services.ingest import ingest_objects
from quanzi.services.ladder import create_task, save_segment
from quanzi.services.operators import add_operator
from quanzi.web.app import create_app
from tests.ladder.ladder_fixture import ladder_events
from tests.web.conftest import PASSWORDS, Account, form_token, log_in


@pytest.fixture
def console(db_url: str, engine: Engine) -> TestClient:
    ingest_objects(engine, ladder_events())
    add_operator(engine, "ops", PASSWORDS["ops"], "operator")
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    log_in(client, Account("ops", PASSWORDS["ops"]))
    return client


def test_ladder_page_shows_the_measured_claims_and_the_table(console: TestClient) -> None:
    html = console.get("/ladder").text
    assert "¥500 付费者来自 ¥100 群" in html and "33.3%" in html
    assert "3 人中 1 人付款时在「百元群」" in html
    assert 'id="chart-sankey"' in html and 'id="ladder-data"' in html
    assert '<tr id="rung-r100"' in html and "阶梯外 2" in html


def test_benefits_are_saved_and_shown(console: TestClient) -> None:
    token = form_token(console.get("/ladder").text)
    data: dict[str, Any] = {
        "csrf_token": token, "community": "r500",
        "kinds": ["closed_meeting", "team_building", "other"],
        "texts": ["每月闭门会", "年度团建", ""],
    }  # fmt: skip
    response = console.post("/ladder/benefits", data=data, follow_redirects=False)
    assert response.status_code == 303
    html = console.get("/ladder").text
    assert "闭门会议</span>每月闭门会" in html and "团建</span>年度团建" in html
    bad = console.post("/ladder/benefits", data={**data, "kinds": ["party"], "texts": ["x"]})
    assert bad.status_code == 422 and "权益类型 &#39;party&#39; 无效" in bad.text


def test_segment_builder_counts_live_and_saves(console: TestClient) -> None:
    token = form_token(console.get("/ladder/plays").text)
    headers = {"HX-Request": "true"}
    form = {"csrf_token": token, "rungs_paid": ["r100"], "rungs_not_paid": ["r500"]}
    live = console.post("/ladder/segments/count", data=form, headers=headers)
    assert live.status_code == 200 and 'data-count="3"' in live.text  # B, F (skipped r500), G
    wrong = console.post("/ladder/segments/count", data={**form, "min_spent": "很多"})
    assert "条件 min_spent 应为金额" in wrong.text
    saved = console.post(
        "/ladder/segments", data={**form, "key": "m100", "name": "百元未升"}, follow_redirects=False
    )
    assert saved.status_code == 303
    html = console.get("/ladder/plays").text
    assert "百元未升" in html and "付费过：百元群；未付费：五百群" in html


def test_task_and_offer_editors(console: TestClient, engine: Engine) -> None:
    token = form_token(console.get("/ladder/plays").text)
    task = {
        "csrf_token": token, "key": "t1", "name": "百元群发言", "community": "r100",
        "metric": "attend", "target": "2", "start": "2026-03-01", "end": "2026-06-30",
        "reward": "percent", "value": "20",
    }  # fmt: skip
    assert console.post("/ladder/tasks", data=task, follow_redirects=False).status_code == 303
    again = console.post("/ladder/tasks", data=task)
    assert again.status_code == 409 and "任务 t1 已存在" in again.text
    save_segment(engine, key="all", name="所有人", filters={}, actor="test")
    offer = {
        "csrf_token": token, "key": "o1", "name": "五百群立减", "item": "tier:r500",
        "kind": "fixed", "value": "100", "start": "2026-03-01", "end": "2026-03-31",
        "audience": "segment:all",
    }  # fmt: skip
    assert console.post("/ladder/offers", data=offer, follow_redirects=False).status_code == 303
    html = console.get("/ladder/plays").text
    assert "百元群发言" in html and "8 折（减 20%）" in html
    assert "¥500 → <strong>¥400</strong>" in html and "人群包：所有人" in html
    bad = console.post("/ladder/offers", data={**offer, "key": "o2", "value": "-5"})
    assert bad.status_code == 422 and "立减金额应大于 0" in bad.text


def test_viewers_read_but_cannot_write(db_url: str, engine: Engine) -> None:
    ingest_objects(engine, ladder_events())
    add_operator(engine, "viewer", PASSWORDS["viewer"], "viewer")
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    token = log_in(client, Account("viewer", PASSWORDS["viewer"]))
    assert "编辑权益" not in client.get("/ladder").text
    denied = client.post("/ladder/tasks", data={"csrf_token": token, "key": "x"})
    assert denied.status_code == 403
    when = datetime(2026, 3, 1, tzinfo=UTC)
    create_task(
        engine, key="t", name="任务", community="free", metric="invite", target=1,
        starts_at=when, ends_at=when.replace(month=6), reward_kind="fixed", reward_value=30,
        actor="test",
    )  # fmt: skip
    assert "免费群 → 百元群" in client.get("/ladder/plays").text
