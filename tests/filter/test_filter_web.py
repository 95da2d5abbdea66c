"""The filter's API and console pages: queue, decisions, rules, dry run, strata, moderation."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.web.app import create_app
from tests.filter.test_filter_services import world

ADMIN = ("filter-admin", "filter-pass-1")
VIEWER = ("filter-viewer", "filter-pass-2")


@pytest.fixture
def client(db_url: str, engine: Engine) -> TestClient:
    ingest_objects(engine, world())
    add_operator(engine, *ADMIN, "admin")
    add_operator(engine, *VIEWER, "viewer")
    return TestClient(create_app(db_url), raise_server_exceptions=False)


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def log_in(client: TestClient, account: tuple[str, str]) -> str:
    form = {
        "username": account[0],
        "password": account[1],
        "csrf_token": token(client.get("/login").text),
    }
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    return token(client.get("/filter").text)


def test_api_lists_the_queue_and_records_decisions(client: TestClient) -> None:
    queue = client.get("/api/v1/screening/requests", auth=ADMIN).json()
    assert [item["person"] for item in queue] == ["qq:700", "qq:504", "qq:402", "qq:201"]
    assert queue[0]["reasons"][0] == {"rule": "name.reduplicated", "detail": "叠字昵称：乐乐"}
    everything = client.get("/api/v1/screening/requests?verdict=&community=qq-b", auth=ADMIN)
    assert [item["verdict"] for item in everything.json()] == ["reject"]
    body = {"ids": [queue[0]["id"]], "decision": "reject", "reason": ""}
    refused = client.post("/api/v1/screening/decisions", json=body, auth=ADMIN)
    assert refused.status_code == 422 and refused.json()["code"] == "reason_required"
    denied = client.post("/api/v1/screening/decisions", json=body, auth=VIEWER)
    assert denied.status_code == 403
    body["reason"] = "营销号"
    assert client.post("/api/v1/screening/decisions", json=body, auth=ADMIN).json() == {
        "decided": 1
    }
    assert len(client.get("/api/v1/screening/requests", auth=ADMIN).json()) == 3


def test_api_rules_dry_run_screen_and_strata(client: TestClient) -> None:
    bad = client.put(
        "/api/v1/screening/rules", json={"community": "qq-a", "text": "a ="}, auth=ADMIN
    )
    assert bad.status_code == 422 and "第 1 行" in bad.json()["message"]
    text = '[rules."burst.code"]\naction = "reject"\n'
    saved = client.put(
        "/api/v1/screening/rules", json={"community": "qq-a", "text": text}, auth=ADMIN
    )
    assert saved.json() == {"community": "qq-a", "saved": True}
    got = client.get("/api/v1/screening/rules?community=qq-a", auth=VIEWER).json()
    assert got["text"] == text and got["default"].startswith("# 圈子 quanzi 过滤规则")
    dry = client.post(
        "/api/v1/screening/dry-run",
        json={"community": "qq-a", "text": text, "limit": 5},
        auth=VIEWER,
    ).json()
    assert dry["summary"]["changed"] == 1
    assert [r["now"] for r in dry["rows"]] == ["review", "reject", "reject", "admit", "admit"]
    screened = client.post(
        "/api/v1/screening/screen",
        json={"requests": [{"id": "x", "name": "乐乐"}, {"id": "y", "name": "A小美"}]},
        auth=VIEWER,
    ).json()
    assert [(s["id"], s["verdict"]) for s in screened] == [("x", "admit"), ("y", "admit")]
    strata = {
        row["community"]: row for row in client.get("/api/v1/screening/strata", auth=VIEWER).json()
    }
    assert strata["qq-a"] == {
        "community": "qq-a",
        "weak": 0,
        "intent": 1,
        "strong": 1,
        "unknown": 0,
    }


def test_console_queue_bulk_decision(client: TestClient) -> None:
    csrf = log_in(client, ADMIN)
    page = client.get("/filter").text
    ids = re.findall(r'name="ids" value="(\d+)"', page)
    assert len(ids) == 4 and "叠字昵称：乐乐" in page
    missing = client.post(
        "/filter/decide", data={"csrf_token": csrf, "ids": ids[:2], "decision": "reject"}
    )
    assert missing.status_code == 422 and "拒绝时请写明理由" in missing.text
    done = client.post(
        "/filter/decide",
        data={"csrf_token": csrf, "ids": ids[:2], "decision": "admit", "reason": "已核实"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=2")
    assert len(re.findall(r'name="ids"', client.get("/filter").text)) == 2
    forged = client.post(
        "/filter/decide", data={"csrf_token": "x", "ids": ids[2:], "decision": "admit"}
    )
    assert forged.status_code == 403


def test_console_rules_dry_run_and_save(client: TestClient) -> None:
    csrf = log_in(client, ADMIN)
    form = {
        "csrf_token": csrf,
        "community": "qq-a",
        "text": '[rules."name.reduplicated"]\naction = "reject"\n',
    }
    dry = client.post("/filter/rules/dry-run", data=form).text
    assert 'id="dry-reject">2<' in dry and 'id="dry-changed">1<' in dry
    broken = client.post("/filter/rules/dry-run", data={**form, "text": "[rules"}).text
    assert "社群规则第 1 行" in broken
    bad_save = client.post("/filter/rules", data={**form, "text": "x = 1"})
    assert bad_save.status_code == 422 and "未知设置 &#39;x&#39;" in bad_save.text
    saved = client.post("/filter/rules", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert "action = &#34;reject&#34;" in client.get("/filter/rules?community=qq-a").text


def test_console_strata_and_moderation_pages(client: TestClient) -> None:
    log_in(client, VIEWER)
    strata = client.get("/filter/strata")
    assert (
        strata.status_code == 200
        and "粉丝专享 8 折" in strata.text
        and 'data-key="qq-a"' in strata.text
    )
    moderation = client.get("/filter/moderation?community=qq-a")
    assert moderation.status_code == 200 and "近 30 天没有违规消息" in moderation.text
    queue = client.get("/filter").text
    assert 'name="ids"' not in queue  # a viewer sees the queue but cannot decide
