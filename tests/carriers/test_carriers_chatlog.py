"""chatlog's webhook into the API, and its history URL."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from quanzi.carriers.chatlog import pull, pull_url
from quanzi.errors import QuanziError
from quanzi.services.operators import add_operator
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.web.app import create_app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers"
URL = "/api/v1/carriers/chatlog?community=wx-group"


def webhook_body() -> dict:
    """A webhook body as chatlog posts it, wrapping the sample messages."""
    messages = json.loads((FIXTURES / "chatlog.json").read_text(encoding="utf-8"))
    return {
        "talker": "12345678@chatroom",
        "sender": "",
        "keyword": "",
        "lastTime": "2024-01-02 11:08:00",
        "length": len(messages),
        "messages": messages,
    }


def test_webhook_stores_once_and_needs_a_writer(db_url: str, engine: Engine) -> None:
    add_operator(engine, "ops", "ops-pass-12", "operator")
    add_operator(engine, "viewer", "viewer-pass", "viewer")
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    assert client.post(URL, json=webhook_body()).status_code == 401
    assert client.post(URL, json=webhook_body(), auth=("viewer", "viewer-pass")).status_code == 403
    first = client.post(URL, json=webhook_body(), auth=("ops", "ops-pass-12"))
    assert first.status_code == 200
    body = first.json()
    assert (body["messages"], body["joins"], body["new_events"]) == (3, 1, 4)
    assert body["rejected"] == [{"line": 5, "reason": "缺少 talker 或 seq"}]
    again = client.post(URL, json=webhook_body(), auth=("ops", "ops-pass-12")).json()
    assert (again["new_events"], again["duplicates"]) == (0, 4)
    with reading(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Event)) == 4


def test_webhook_refuses_a_body_without_messages(db_url: str, engine: Engine) -> None:
    add_operator(engine, "ops", "ops-pass-12", "operator")
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    reply = client.post(URL, json={"talker": "x"}, auth=("ops", "ops-pass-12"))
    assert reply.status_code == 422
    assert reply.json()["code"] == "chatlog_bad_body"
    missing = client.post(
        "/api/v1/carriers/chatlog", json=webhook_body(), auth=("ops", "ops-pass-12")
    )
    assert missing.status_code == 422


def test_pull_url_asks_for_json() -> None:
    url = pull_url("http://127.0.0.1:5030/", "12345678@chatroom", "2024-01-01~2024-01-31")
    assert url == (
        "http://127.0.0.1:5030/api/v1/chatlog?time=2024-01-01~2024-01-31"
        "&talker=12345678%40chatroom&format=json"
    )


def test_pull_reads_chatlog_history(engine: Engine) -> None:
    asked: list[str] = []
    sample = (FIXTURES / "chatlog.json").read_bytes()

    class Chatlog(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(sample)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Chatlog)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        report = pull(engine, "wx-group", "12345678@chatroom", "2024-01-02", base=base).to_dict()
    finally:
        server.shutdown()
    assert asked == ["/api/v1/chatlog?time=2024-01-02&talker=12345678%40chatroom&format=json"]
    assert (report["messages"], report["joins"], report["new_events"]) == (3, 1, 4)


def test_pull_says_when_chatlog_is_down(engine: Engine) -> None:
    with pytest.raises(QuanziError) as caught:
        pull(engine, "wx-group", "x@chatroom", "2024-01-02", base="http://127.0.0.1:9")
    assert caught.value.code == "chatlog_unreachable"
