"""The overview reads daily flows and the event mix from filled metrics, with the same figures."""

from __future__ import annotations

from sqlalchemy import Engine

from quanzi.analytics.overview import build_overview, filled
from quanzi.services.ingest import ingest_objects
from quanzi.services.metrics_fill import update_metrics
from quanzi.store.db import reading

TZ = "Asia/Shanghai"
LATE_JOIN = {"id": "late-join", "ts": "2026-05-02T10:00:00+08:00", "kind": "join",
             "community": "deals-daily", "person": "wx:late-comer"}  # fmt: skip


def test_the_overview_is_the_same_from_events_and_from_filled_metrics(world: Engine) -> None:
    live = build_overview(world, timezone=TZ).to_dict()
    with reading(world) as session:
        assert not filled(session, TZ)
    update_metrics(world, timezone=TZ)
    with reading(world) as session:
        assert filled(session, TZ)
    assert build_overview(world, timezone=TZ).to_dict() == live
    assert sum(day["joins"] for day in live["daily"]) > 0
    assert live["event_mix"]


def test_a_new_event_sends_the_overview_back_to_the_log_until_the_next_fill(world: Engine) -> None:
    update_metrics(world, timezone=TZ)
    ingest_objects(world, [LATE_JOIN])
    with reading(world) as session:
        assert not filled(session, TZ)
    live = build_overview(world, timezone=TZ).to_dict()
    update_metrics(world, timezone=TZ)
    with reading(world) as session:
        assert filled(session, TZ)
    again = build_overview(world, timezone=TZ).to_dict()
    assert again == live
    day = next(d for d in again["daily"] if d["day"] == "2026-05-02")
    assert day["joins"] >= 1
