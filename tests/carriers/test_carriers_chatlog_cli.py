"""`quanzi chatlog pull` against a local server that answers as chatlog does."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quanzi.cli.main import app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers"
AD = {"seq": 1704164900000, "time": "2024-01-02T11:08:20+08:00", "talker": "12345678@chatroom",
      "sender": "wxid_ad", "senderName": "日赚五百", "type": 1,
      "content": "兼职刷单日赚500，加微信 vx123456 代理招募"}  # fmt: skip


@pytest.fixture
def chatlog() -> Iterator[tuple[str, list[str]]]:
    """A chatlog HTTP service on loopback serving the sample history plus one ad."""
    asked: list[str] = []
    sample = [*json.loads((FIXTURES / "chatlog.json").read_text("utf-8"))[:4], AD]
    body = json.dumps(sample, ensure_ascii=False).encode("utf-8")

    class Chatlog(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Chatlog)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()


def pull(base: str, db_url: str, *extra: str) -> list[str]:
    return ["chatlog", "pull", "--base", base, "--talker", "12345678@chatroom",
            "--time", "2024-01-02", "--community", "wx-group", "--db", db_url, *extra]  # fmt: skip


def test_pull_stores_once_and_raises_alerts(chatlog: tuple[str, list[str]], db_url: str) -> None:
    base, asked = chatlog
    first = CliRunner().invoke(app, pull(base, db_url, "--json"))
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["messages"], report["joins"], report["new_events"]) == (4, 1, 5)
    assert report["alerts"] == 2  # the link and the ad break the rules; WeChat can't be moderated
    assert asked == ["/api/v1/chatlog?time=2024-01-02&talker=12345678%40chatroom&format=json"]
    again = CliRunner().invoke(app, pull(base, db_url))
    assert again.exit_code == 0
    assert "新存入 0" in again.stdout and "重复 5" in again.stdout
    assert "新增运营提醒" not in again.stdout


def test_unreachable_chatlog_is_a_clear_chinese_error(db_url: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    result = CliRunner().invoke(app, pull(f"http://127.0.0.1:{port}", db_url))
    assert result.exit_code != 0
    said = "".join(result.output.split())  # Rich wraps long lines
    assert "连不上chatlog" in said and "chatlog_unreachable" in said
    assert "Traceback" not in result.output
