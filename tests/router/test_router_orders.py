"""Orders outside the 接龙: through the REST API, the console form and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.analytics.groupbuy import pickup_list
from quanzi.cli.main import app as cli
from quanzi.services import groupbuy
from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.web.app import create_app
from tests.web.conftest import PASSWORDS, Account, form_token, log_in

T0 = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def drop_key(engine: Engine) -> str:
    ingest_objects(engine, [{"id": "c", "ts": T0.isoformat(), "kind": "community",
                             "community": "tuan-x", "model": "router"}])  # fmt: skip
    groupbuy.open_drop(engine, community="tuan-x", item="beef", title="牛肉 ¥68/斤", price=68,
                       unit="斤", stock=5, opened_at=T0,
                       deadline=T0 + timedelta(days=3650), key="beef")  # fmt: skip
    add_operator(engine, "ops", PASSWORDS["ops"], "operator")
    add_operator(engine, "viewer", PASSWORDS["viewer"], "viewer")
    return "beef"


def test_api_order_joins_the_pickup_list(db_url: str, engine: Engine, drop_key: str) -> None:
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    ops = ("ops", PASSWORDS["ops"])
    body = {"name": "电话订-王姨", "qty": 3, "note": "9栋601"}
    created = client.post(f"/api/v1/groupbuy/drops/{drop_key}/orders", json=body, auth=ops)
    assert created.status_code == 200, created.text
    assert created.json() | {"id": 0} == {"id": 0, "name": "电话订-王姨", "qty": 3.0,
                                          "amount": 204.0, "over_stock": False}  # fmt: skip
    second = client.post(f"/api/v1/groupbuy/drops/{drop_key}/orders",
                         json={"name": "小区群-李", "qty": 3}, auth=ops)  # fmt: skip
    assert second.json()["over_stock"] is True  # 3 + 3 > 5 斤
    listed = client.get(f"/api/v1/groupbuy/drops/{drop_key}/lines", auth=ops).json()
    assert [(r["name"], r["source"]) for r in listed] == [
        ("电话订-王姨", "api"),
        ("小区群-李", "api"),
    ]
    bad = client.post(f"/api/v1/groupbuy/drops/{drop_key}/orders", json={"name": "x", "qty": 0},
                      auth=ops)  # fmt: skip
    assert bad.status_code == 422 and "Traceback" not in bad.text
    viewer = client.post(f"/api/v1/groupbuy/drops/{drop_key}/orders", json=body,
                         auth=("viewer", PASSWORDS["viewer"]))  # fmt: skip
    assert viewer.status_code == 403
    missing = client.get("/api/v1/groupbuy/drops/nope/lines", auth=ops)
    assert missing.status_code == 404 and missing.json()["code"] == "drop_not_found"


def test_console_and_cli_orders(db_url: str, engine: Engine, drop_key: str) -> None:
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    log_in(client, Account("ops", PASSWORDS["ops"]))
    page = client.get(f"/groupbuy/{drop_key}").text
    assert 'id="order-form"' in page
    form = {"csrf_token": form_token(page), "name": "前台代订", "qty": "2", "note": "自提"}
    assert client.post(f"/groupbuy/{drop_key}/orders", data=form,
                       follow_redirects=False).status_code == 303  # fmt: skip
    wrong = client.post(f"/groupbuy/{drop_key}/orders", data={**form, "qty": "两"})
    assert wrong.status_code == 422 and "数量应为数字" in wrong.text
    result = CliRunner().invoke(cli, ["groupbuy", "order", "--drop", drop_key, "--name", "电话",
                                      "--qty", "1", "--db", db_url])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = pickup_list(engine, drop_key)
    assert [(r.name, r.qty, r.source, r.amount) for r in rows] == [
        ("前台代订", 2.0, "manual", 136.0),
        ("电话", 1.0, "manual", 68.0),
    ]


def test_the_console_gmv_follows_a_new_purchase(db_url: str, engine: Engine, drop_key: str) -> None:
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    log_in(client, Account("viewer", PASSWORDS["viewer"]))
    assert "¥0</strong>" in client.get("/groupbuy").text
    assert "¥0</strong>" in client.get("/groupbuy").text  # a repeat visit, from the cache
    paid = {"id": "p1", "ts": (T0 + timedelta(hours=1)).isoformat(), "kind": "purchase",
            "community": "tuan-x", "person": "wx:buyer", "item": "beef", "amount": 136}  # fmt: skip
    ingest_objects(engine, [paid])
    assert "¥136</strong>" in client.get("/groupbuy").text
