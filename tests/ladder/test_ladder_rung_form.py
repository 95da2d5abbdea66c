"""Rungs can be set from the console as well as by `community` events."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.web.app import create_app
from tests.web.conftest import PASSWORDS, Account, form_token, log_in


@pytest.fixture
def ops_client(db_url: str, engine: Engine) -> TestClient:
    ingest_objects(engine, [{"id": "c", "ts": "2026-03-01T09:00:00+08:00", "kind": "community",
                             "community": "vip-500", "name": "银卡群"}])  # fmt: skip
    add_operator(engine, "ops", PASSWORDS["ops"], "operator")
    add_operator(engine, "viewer", PASSWORDS["viewer"], "viewer")
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    log_in(client, Account("ops", PASSWORDS["ops"]))
    return client


def test_rung_form_puts_a_community_on_the_ladder(ops_client: TestClient, engine: Engine) -> None:
    page = ops_client.get("/ladder").text
    assert "还没有付费阶梯" in page and 'id="rung-form"' in page
    form = {"csrf_token": form_token(page), "community": "vip-500", "ladder": "main",
            "rank": "2", "price": "500"}  # fmt: skip
    response = ops_client.post("/ladder/rungs", data=form, follow_redirects=False)
    assert response.status_code == 303
    with reading(engine) as session:
        row = session.scalars(select(m.Community).where(m.Community.key == "vip-500")).one()
        assert (row.ladder, row.rank, row.price, row.name) == ("main", 2, 500.0, "银卡群")
    assert '<tr id="rung-vip-500"' in ops_client.get("/ladder").text


def test_rung_form_reports_bad_numbers_in_chinese(ops_client: TestClient) -> None:
    token = form_token(ops_client.get("/ladder").text)
    bad = {"csrf_token": token, "community": "vip-500", "ladder": "main", "rank": "二",
           "price": "500"}  # fmt: skip
    page = ops_client.post("/ladder/rungs", data=bad).text
    assert "档位应为整数、价格应为数字" in page
    negative = ops_client.post("/ladder/rungs", data={**bad, "rank": "-1"}).text
    assert "不能为负数" in negative


def test_viewer_cannot_set_rungs(ops_client: TestClient) -> None:
    viewer = TestClient(ops_client.app, raise_server_exceptions=False)
    log_in(viewer, Account("viewer", PASSWORDS["viewer"]))
    page = viewer.get("/ladder").text
    assert 'id="rung-form"' not in page
    response = viewer.post("/ladder/rungs", data={"csrf_token": form_token(page)})
    assert response.status_code == 403
