"""The REST API: authentication, roles, event ingest, overview, errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from quanzi.store import models as m
from quanzi.store.db import reading

Account = Any

JOIN = {
    "id": "e2",
    "ts": "2026-03-01T10:00:00+08:00",
    "kind": "join",
    "community": "fruit-100",
    "person": "wx:li",
    "name": "小李",
    "source": "official_account",
}
MESSAGE = {**JOIN, "id": "e3", "kind": "message", "text": "葡萄什么时候到？"}
MESSAGE.pop("source")


def stored_events(engine: Engine) -> int:
    with reading(engine) as session:
        return session.scalar(select(func.count()).select_from(m.Event)) or 0


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/me"), ("GET", "/api/v1/overview"), ("POST", "/api/v1/events")],
)
def test_login_required(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json=JOIN)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "登录" in response.json()["message"]
    assert response.headers["www-authenticate"].startswith("Basic")


def test_wrong_password_and_bad_header(client: TestClient, accounts: dict[str, Account]) -> None:
    response = client.get("/api/v1/me", auth=("ops", "not-the-password"))
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": "用户名或密码错误"}
    response = client.get("/api/v1/me", headers={"Authorization": "Basic ???"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 401


def test_me(client: TestClient, accounts: dict[str, Account]) -> None:
    response = client.get("/api/v1/me", auth=accounts["viewer"].basic)
    assert response.json() == {"username": "viewer", "role": "viewer", "role_label": "只读"}


def test_post_one_event_then_a_list_with_a_bad_item_then_again(
    client: TestClient, accounts: dict[str, Account], engine: Engine
) -> None:
    auth = accounts["ops"].basic
    response = client.post("/api/v1/events", json=JOIN, auth=auth)
    assert response.status_code == 200
    assert response.json() == {"read": 1, "stored": 1, "duplicates": 0, "rejected": []}

    bad = {
        "id": "e4",
        "ts": "2026-03-01T10:00:00",
        "kind": "message",
        "community": "x",
        "person": "wx:li",
    }
    body = [JOIN, bad, MESSAGE]
    response = client.post("/api/v1/events", json=body, auth=auth)
    assert response.status_code == 200
    report = response.json()
    assert (report["read"], report["stored"], report["duplicates"]) == (3, 1, 1)
    assert [r["line"] for r in report["rejected"]] == [2]
    assert "时区" in report["rejected"][0]["reason"]  # the Chinese reason of events.py

    again = client.post("/api/v1/events", json=body, auth=auth).json()
    assert (again["stored"], again["duplicates"], len(again["rejected"])) == (0, 2, 1)
    assert stored_events(engine) == 2


def test_a_body_that_is_not_json(client: TestClient, accounts: dict[str, Account]) -> None:
    auth = accounts["admin"].basic
    json_type = {"Content-Type": "application/json"}
    response = client.post("/api/v1/events", content=b"{nope", headers=json_type, auth=auth)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "不是有效的 JSON" in response.json()["message"]
    response = client.post("/api/v1/events", content=b"  ", headers=json_type, auth=auth)
    assert response.status_code == 422 and "为空" in response.json()["message"]
    response = client.post("/api/v1/events", content=b"\xff\xfe{", headers=json_type, auth=auth)
    assert response.status_code == 422
    # A plain form post is refused outright: that is how another site could forge one.
    response = client.post(
        "/api/v1/events", content=b'{"id":"x"}', auth=auth, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


def test_a_body_over_the_limit(client: TestClient, accounts: dict[str, Account]) -> None:
    json_type = {"Content-Type": "application/json"}
    body = b"[" + b" " * (16 * 1024 * 1024) + b"]"
    response = client.post(
        "/api/v1/events", content=body, auth=accounts["ops"].basic, headers=json_type
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "请求体过大" in response.json()["message"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield b"["
        for _ in range(17):
            yield b" " * (1024 * 1024)

    response = client.post(
        "/api/v1/events", content=chunked(), auth=accounts["ops"].basic, headers=json_type
    )
    assert response.status_code == 413


def test_roles(client: TestClient, accounts: dict[str, Account], engine: Engine) -> None:
    response = client.post("/api/v1/events", json=JOIN, auth=accounts["viewer"].basic)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden" and "只读" in response.json()["message"]
    assert stored_events(engine) == 0
    assert client.get("/api/v1/overview", auth=accounts["viewer"].basic).status_code == 200
    assert client.post("/api/v1/events", json=JOIN, auth=accounts["admin"].basic).status_code == 200


def test_session_cookie_writes_need_the_csrf_header(
    client: TestClient, accounts: dict[str, Account], engine: Engine, login: Callable
) -> None:
    token = login(client, accounts["ops"])
    assert client.get("/api/v1/me").json()["username"] == "ops"
    response = client.post("/api/v1/events", json=JOIN)
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    response = client.post("/api/v1/events", json=JOIN, headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 403
    assert stored_events(engine) == 0
    response = client.post("/api/v1/events", json=JOIN, headers={"X-CSRF-Token": token})
    assert response.status_code == 200 and response.json()["stored"] == 1


def test_overview_json(
    client: TestClient, accounts: dict[str, Account], engine: Engine, hand_made: list[dict]
) -> None:
    client.post("/api/v1/events", json=hand_made, auth=accounts["ops"].basic)
    data = client.get("/api/v1/overview", auth=accounts["viewer"].basic).json()
    assert data["as_of"] == "2026-03-31T12:00:00+08:00"
    free = data["communities"][0]
    assert (free["key"], free["members"], free["joins_30d"], free["carrier_label"]) == (
        "c-free",
        2,
        2,
        "QQ 群",
    )
    assert data["totals"]["events"] == len(hand_made)
    assert {"day": "2026-03-11", "joins": 1, "leaves": 0} in data["daily"]


def test_no_traceback_on_an_internal_error(
    client: TestClient,
    accounts: dict[str, Account],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr("quanzi.web.api.routes.build_overview", broken)
    monkeypatch.setattr("quanzi.web.console.routes.build_overview", broken)
    with caplog.at_level(logging.ERROR, logger="quanzi.web"):
        response = client.get("/api/v1/overview", auth=accounts["viewer"].basic)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error" and "服务器内部错误" in body["message"]
    assert body["reference"] in body["message"]
    assert "secret-internal-detail" not in response.text and "Traceback" not in response.text
    # The operator gets the detail in the log, findable by the reference.
    assert any(body["reference"] in r.getMessage() and r.exc_info for r in caplog.records)


def test_no_traceback_on_the_console_either(
    client: TestClient,
    accounts: dict[str, Account],
    monkeypatch: pytest.MonkeyPatch,
    login: Callable,
) -> None:
    login(client, accounts["viewer"])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr("quanzi.web.console.routes.build_overview", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "text/html" in response.headers["content-type"]
    assert "服务器出了点问题" in response.text
    assert "secret-internal-detail" not in response.text and "Traceback" not in response.text


def test_validation_errors_and_unknown_paths_speak_chinese(app: FastAPI) -> None:
    @app.get("/api/v1/_probe")
    def probe(count: int) -> int:
        return count

    client = TestClient(app)
    response = client.get("/api/v1/_probe", params={"count": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input" and body["where"] == "query.count"
    assert "应为整数" in body["message"]
    response = client.get("/api/v1/_probe")
    assert response.json()["where"] == "query.count" and "缺少" in response.json()["message"]
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "没有这个页面或接口"}
    response = client.delete("/api/v1/me")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_api_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert {"/api/v1/events", "/api/v1/overview", "/api/v1/me"} <= set(schema["paths"])
    assert "/login" not in schema["paths"]
    assert schema["components"]["securitySchemes"]["basic"] == {"type": "http", "scheme": "basic"}
