"""The /carriers console page: alerts with acknowledgement, bot set-up facts, uploads."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from quanzi.carriers.chatlog import ingest_messages
from quanzi.services.operators import add_operator
from quanzi.store.db import reading
from quanzi.store.models_carriers import CarrierAlert
from quanzi.web.app import create_app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers"
AD = {"seq": 1704164645000, "time": "2024-01-02T11:04:05+08:00", "talker": "1@chatroom",
      "sender": "wxid_ad", "senderName": "日赚五百", "type": 1,
      "content": "兼职刷单日赚500，加微信 vx123456 代理招募"}  # fmt: skip


def logged_in(db_url: str, user: str, role: str, engine: Engine) -> tuple[TestClient, str]:
    add_operator(engine, user, "console-pass", role)
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    login = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token
    form = {"username": user, "password": "console-pass", "csrf_token": token.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/carriers").text)
    assert found
    return client, found.group(1)


def acknowledged(engine: Engine) -> list[str | None]:
    with reading(engine) as session:
        return list(session.scalars(select(CarrierAlert.acknowledged_by)))


def test_alerts_are_acknowledged_by_writers_with_csrf(db_url: str, engine: Engine) -> None:
    ingest_messages(engine, [AD], "wx-group")
    [alert_id] = [a.id for a in _alerts(engine)]
    viewer, viewer_token = logged_in(db_url, "kan", "viewer", engine)
    page = viewer.get("/carriers").text
    assert "日赚五百" in page and "警告" in page and "ws://testserver/onebot/v11/ws" in page
    assert "/carriers/alerts/" not in page  # a viewer gets no button
    form = {"csrf_token": viewer_token}
    assert viewer.post(f"/carriers/alerts/{alert_id}/ack", data=form).status_code == 403
    ops, token = logged_in(db_url, "ops", "operator", engine)
    no_csrf = ops.post(f"/carriers/alerts/{alert_id}/ack", data={}, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert acknowledged(engine) == [None]
    done = ops.post(f"/carriers/alerts/{alert_id}/ack", data={"csrf_token": token},
                    follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert acknowledged(engine) == ["ops"]
    assert "ops 已处理" in ops.get("/carriers").text


def _alerts(engine: Engine) -> list[CarrierAlert]:
    with reading(engine) as session:
        return list(session.scalars(select(CarrierAlert)))


def test_upload_reports_rejected_lines_and_reimport_adds_nothing(
    db_url: str, engine: Engine
) -> None:
    ops, token = logged_in(db_url, "ops", "operator", engine)
    data = (FIXTURES / "qq.txt").read_bytes()
    form = {"csrf_token": token, "format": "auto", "community": "fruit"}
    first = ops.post("/carriers/import", data=form, files={"file": ("qq.txt", data)})
    assert first.status_code == 200
    assert re.search(r'id="report-new">8<', first.text)
    assert "第 31 处" in first.text and "时间无效：2024-13-45 09:01:00" in first.text
    again = ops.post("/carriers/import", data=form, files={"file": ("qq.txt", data)})
    assert re.search(r'id="report-new">0<', again.text)
    assert re.search(r'id="report-dup">8<', again.text)
    bad = ops.post("/carriers/import", data={**form, "format": "auto"},
                   files={"file": ("x.bin", b"\x00\x01 not an export")})  # fmt: skip
    assert bad.status_code == 422 and "无法从内容判断导出格式" in bad.text
