"""Arrival notices go to the groups that bought or had a drop; leaders earn commission."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.analytics.groupbuy import gmv_report, pending_notices
from quanzi.cli.main import app
from quanzi.errors import InvalidInput, NotFound
from quanzi.services import groupbuy
from quanzi.services.groupbuy_notices import announce_arrival, mark_sent, set_commission
from quanzi.services.ingest import ingest_objects

TS = "2026-06-01T09:00:00+08:00"


def events() -> list[dict]:
    rows: list[dict] = []
    for key in ("g1", "g2", "g3"):
        rows.append({"id": f"c-{key}", "ts": TS, "kind": "community", "community": key,
                     "model": "router"})  # fmt: skip
    rows += [
        {"id": "o1", "ts": TS, "kind": "purchase", "community": "g1", "person": "wx:a",
         "item": "beef", "amount": 100, "leader": "wx:lead1", "order": "o1"},
        {"id": "o2", "ts": TS, "kind": "purchase", "community": "g2", "person": "wx:b",
         "item": "grape", "amount": 80, "leader": "wx:lead2", "order": "o2"},
    ]  # fmt: skip
    return rows


def test_arrival_goes_to_buyers_and_drop_groups(engine: Engine) -> None:
    ingest_objects(engine, events())
    groupbuy.open_drop(engine, community="g3", item="beef", title="【禅城】贵州黄牛肉 ¥68/斤",
                       price=68, pickup_points=["锦华苑2栋楼下"], key="d3")  # fmt: skip
    assert announce_arrival(engine, "beef") == ["g1", "g3"]
    notices = pending_notices(engine)
    assert [(n["community"], n["kind"]) for n in notices] == [("g1", "arrival"), ("g3", "arrival")]
    assert notices[0]["text"] == "到货了！beef已到，请按团长通知取货。"
    assert notices[1]["text"] == "到货了！贵州黄牛肉已到，请到锦华苑2栋楼下取货。"
    mark_sent(engine, notices[0]["id"])
    assert [n["community"] for n in pending_notices(engine)] == ["g3"]
    with pytest.raises(NotFound):
        announce_arrival(engine, "durian")


def test_commission_per_leader(engine: Engine, db_url: str) -> None:
    ingest_objects(engine, events())
    set_commission(engine, "g1", 0.1)
    with pytest.raises(InvalidInput):
        set_commission(engine, "g2", 1.5)
    by_leader = {r["key"]: r for r in gmv_report(engine)["by_leader"]}
    assert by_leader["wx:lead1"]["commission"] == 10.0
    assert by_leader["wx:lead2"]["commission"] == 0.0
    runner = CliRunner()
    result = runner.invoke(app, ["groupbuy", "commission", "--community", "g2", "--rate", "0.05",
                                 "--db", db_url])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(runner.invoke(app, ["groupbuy", "report", "--json", "--db", db_url]).stdout)
    commission = {r["key"]: r["commission"] for r in report["by_leader"]}
    assert commission == {"wx:lead1": 10.0, "wx:lead2": 4.0}
